"""Child side of bench_startup: run a target and report its first paint and idle RSS.

    python startup_probe.py bare
    python startup_probe.py text
    python startup_probe.py app -- --sandbox --data-dir DIR --no-err-windows

Both targets are measured by the same code: before the target runs,
``PySide6.QtWidgets.QApplication`` and ``QMainWindow`` are replaced by
subclasses; the application creates the watcher, and every main window
installs it as its own event filter. The filter waits for the first ``Paint``
event of a top-level ``QMainWindow``; the next turn of the event loop
(``QTimer.singleShot(0)``, i.e. after that paint has been flushed to the
window) is "first paint". The filter is on the window only, not on the
application: an application-wide Python filter would make PySide6 wrap every
object that receives an event (building the enum classes of their types on
the way), a cost of the instrument that grows with the window being measured.

"Ready" is when the window is painted and its work is loaded: for the bare
window that is the first paint; for the app it is the ``app.ready`` log record
(the services are open and attached to the window), caught by a handler on the
``huntaze.boot`` logger. ``IDLE_S`` seconds after ready the resident set size
is read from ``/proc/self/status``. One JSON line goes to stdout:
``{"first_paint_wall": <time.time()>, "first_paint_cpu": <process CPU s>,
"ready_wall": <time.time()>, "rss_kib": N, "exposed": bool}``. The parent
measures wall time from just before it started the process; the CPU seconds
the process had used by its first paint are a second view that other load on
the machine barely moves.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

IDLE_S = float(os.environ.get("BENCH_IDLE_S", "2.0"))


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def _install_probe(wait_for_ready: bool) -> None:
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer

    original = QtWidgets.QApplication

    class _Watcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at: float | None = None
            self.painted_cpu: float | None = None
            self.ready_at: float | None = None
            self.window: Any = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                self.window is None
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QtWidgets.QMainWindow)
                and watched.isWindow()
            ):
                self.window = watched
                QTimer.singleShot(0, self._painted)
            return False

        def _painted(self) -> None:
            self.painted_at = time.time()
            self.painted_cpu = time.process_time()
            if not wait_for_ready:
                self.ready()

        def ready(self) -> None:
            if self.ready_at is None:
                self.ready_at = time.time()
                QTimer.singleShot(int(IDLE_S * 1000), self._idle)

        def _idle(self) -> None:
            handle = self.window.windowHandle() if self.window is not None else None
            record = {
                "first_paint_wall": self.painted_at,
                "first_paint_cpu": self.painted_cpu,
                "ready_wall": self.ready_at,
                "rss_kib": _rss_kib(),
                "exposed": bool(handle is not None and handle.isExposed()),
            }
            print(json.dumps(record), flush=True)

    watcher: _Watcher | None = None

    class ProbedApplication(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any) -> None:
            nonlocal watcher
            super().__init__(*args)
            self._bench_watcher = watcher = _Watcher()

    class ProbedMainWindow(QtWidgets.QMainWindow):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if watcher is not None:
                self.installEventFilter(watcher)

    QtWidgets.QApplication = ProbedApplication  # type: ignore[misc]
    QtWidgets.QMainWindow = ProbedMainWindow  # type: ignore[misc]
    if not wait_for_ready:
        return
    import logging  # only here: the bare window must not pay for it

    class _ReadyHandler(logging.Handler):
        """Catches the app's ``app.ready`` record (services up, window attached)."""

        def emit(self, record: logging.LogRecord) -> None:
            if getattr(record, "event", None) == "app.ready" and watcher is not None:
                watcher.ready()

    logging.getLogger("huntaze.boot").addHandler(_ReadyHandler())


def _bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 800)  # the app's default size
    window.show()
    return app.exec()


def _text() -> int:
    """The bare window plus a line of text and one Qt enum.

    Not a target, a reference: the first text a process shows initialises
    fonts, and the first use of the ``Qt`` namespace has PySide6 build its 93
    enum classes. The app's first frame pays the first, not the second.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Text window")
    label = QLabel("Huntaze Desktop", window)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.setCentralWidget(label)
    window.resize(1200, 800)
    window.show()
    return app.exec()


def main() -> int:
    target = sys.argv[1]
    rest = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    _install_probe(wait_for_ready=target == "app")
    if target == "bare":
        return _bare()
    if target == "text":
        return _text()
    from huntaze_desktop.__main__ import main as app_main

    return app_main(rest)


if __name__ == "__main__":
    raise SystemExit(main())

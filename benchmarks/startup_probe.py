"""Child side of bench_startup: run a target and report its first paint, ready and idle RSS.

    python startup_probe.py bare
    python startup_probe.py text
    python startup_probe.py app -- --sandbox --data-dir DIR --no-err-windows

First paint is the same moment on every side: the turn of the event loop after
the first ``Paint`` event of the top-level ``QMainWindow`` (``QTimer.singleShot(0)``
from that event, i.e. once the frame has been flushed to the window). For the
bare and text windows the probe builds the window itself and watches it with an
event filter installed on that window only (an application-wide Python filter
would make PySide6 wrap every object that receives an event, a cost of the
instrument). The app's main window does exactly this itself and logs
``app.first_paint`` at that moment (``MainWindow.firstPainted``); the probe
catches the record with a handler on the ``huntaze.boot`` logger. Nothing in
PySide6 or in the app is replaced or patched.

"Ready" is when the window is painted and its work is loaded: for the bare
window that is the first paint; for the app it is the ``app.ready`` log record
(the services are open and attached to the window, the accounts listed).
``IDLE_S`` seconds after ready the resident set size is read from
``/proc/self/status``. One JSON line goes to stdout:
``{"first_paint_wall": <time.time()>, "first_paint_cpu": <process CPU s>,
"ready_wall": <time.time()>, "ready_cpu": <process CPU s>, "rss_kib": N,
"exposed": bool, "sandbox_in_process": bool}``. The parent measures wall time
from just before it started the process; the CPU seconds the process had used
are a second view that other load on the machine barely moves.
``sandbox_in_process`` says whether the sandbox's server (uvicorn) was loaded
into the measured process: the benchmark wants it in a process of its own.
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


class _Record:
    """The moments of one run; printed once the process has idled after ready."""

    def __init__(self) -> None:
        self.painted_at: float | None = None
        self.painted_cpu: float | None = None
        self.ready_at: float | None = None
        self.ready_cpu: float | None = None

    def painted(self) -> None:
        if self.painted_at is None:
            self.painted_at = time.time()
            self.painted_cpu = time.process_time()

    def ready(self) -> None:
        from PySide6.QtCore import QTimer

        if self.ready_at is None:
            self.ready_at = time.time()
            self.ready_cpu = time.process_time()
            QTimer.singleShot(int(IDLE_S * 1000), self._idle)

    def _idle(self) -> None:
        from PySide6.QtWidgets import QApplication, QMainWindow

        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)]
        handle = windows[0].windowHandle() if windows else None
        record = {
            "first_paint_wall": self.painted_at,
            "first_paint_cpu": self.painted_cpu,
            "ready_wall": self.ready_at,
            "ready_cpu": self.ready_cpu,
            "rss_kib": _rss_kib(),
            "exposed": bool(handle is not None and handle.isExposed()),
            "sandbox_in_process": "uvicorn" in sys.modules,
        }
        print(json.dumps(record), flush=True)


def _watch_first_paint(window: Any, record: _Record) -> None:
    """Note the turn after ``window``'s first Paint event (what the app's window does)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _Watcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, _painted)
            return False

    def _painted() -> None:
        record.painted()
        record.ready()

    watcher = _Watcher(window)
    window.installEventFilter(watcher)


def _bare(record: _Record) -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 800)  # the app's default size
    _watch_first_paint(window, record)
    window.show()
    return app.exec()


def _text(record: _Record) -> int:
    """The bare window plus a line of text and one Qt enum.

    Not a target, a reference: the first text a process shows initialises
    fonts, and the first use of the ``Qt`` namespace has PySide6 build its
    enum classes. The app pays both before its first paint.
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
    _watch_first_paint(window, record)
    window.show()
    return app.exec()


def _app(record: _Record, argv: list[str]) -> int:
    import logging  # only here: the bare window must not pay for it

    class _BootEvents(logging.Handler):
        """The app's own ``app.first_paint`` and ``app.ready`` records."""

        def emit(self, log_record: logging.LogRecord) -> None:
            event = getattr(log_record, "event", None)
            if event == "app.first_paint":
                record.painted()
            elif event == "app.ready":
                record.ready()

    logging.getLogger("huntaze.boot").addHandler(_BootEvents())
    from huntaze_desktop.__main__ import main as app_main

    return app_main(argv)


def main() -> int:
    target = sys.argv[1]
    rest = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    record = _Record()
    if target == "bare":
        return _bare(record)
    if target == "text":
        return _text(record)
    return _app(record, rest)


if __name__ == "__main__":
    raise SystemExit(main())

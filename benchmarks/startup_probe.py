"""Child side of bench_startup: run a target and report its first paint and idle RSS.

    python startup_probe.py bare
    python startup_probe.py app -- --sandbox --data-dir DIR --no-err-windows

Both targets are measured by the same code: before the target runs,
``PySide6.QtWidgets.QApplication`` is replaced by a subclass that installs one
application-wide event filter as the application is constructed. The filter
waits for the first ``Paint`` event of a top-level ``QMainWindow``; the next
turn of the event loop (``QTimer.singleShot(0)``, i.e. after that paint has
been flushed to the window) is "first paint". ``IDLE_S`` seconds later the
resident set size is read from ``/proc/self/status``. One JSON line goes to
stdout: ``{"first_paint_wall": <time.time()>, "rss_kib": N, "exposed": bool}``.
The parent measures from just before it started the process.
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


def _install_probe() -> None:
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer

    original = QtWidgets.QApplication

    class _Watcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at: float | None = None
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
            QTimer.singleShot(int(IDLE_S * 1000), self._idle)

        def _idle(self) -> None:
            handle = self.window.windowHandle() if self.window is not None else None
            record = {
                "first_paint_wall": self.painted_at,
                "rss_kib": _rss_kib(),
                "exposed": bool(handle is not None and handle.isExposed()),
            }
            print(json.dumps(record), flush=True)

    class ProbedApplication(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self._bench_watcher = _Watcher()
            self.installEventFilter(self._bench_watcher)

    QtWidgets.QApplication = ProbedApplication  # type: ignore[misc]


def _bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 800)  # the app's default size
    window.show()
    return app.exec()


def main() -> int:
    target = sys.argv[1]
    rest = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    _install_probe()
    if target == "bare":
        return _bare()
    from huntaze_desktop.__main__ import main as app_main

    return app_main(rest)


if __name__ == "__main__":
    raise SystemExit(main())

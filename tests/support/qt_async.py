"""Drive Qt and asyncio together in an async test, with or without qasync.

The app runs both on one qasync loop (tests/ui/conftest.py does the same for
UI tests). On a plain asyncio loop the coroutine pumps Qt's events between
its own awaits instead: slots
(and ``run_task``) then see the test's running loop, and Chromium's answers
(page loads, ``runJavaScript`` callbacks, cookies) arrive as Qt events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QUrl, SignalInstance, Slot

__all__ = ["SignalRecorder", "pump", "pump_until", "run_js"]


def _is_qasync(loop: asyncio.AbstractEventLoop) -> bool:
    # By class, not by module name: tests/ui/conftest.py runs on a subclass.
    return any(k.__module__.startswith("qasync") for k in type(loop).__mro__)


async def pump(seconds: float = 0.0) -> None:
    """Process Qt events (and let asyncio run) for about ``seconds``."""
    loop = asyncio.get_running_loop()
    # On a qasync loop Qt already runs while we sleep; processing events by
    # hand there would re-enter the loop from inside a task.
    on_qt_loop = _is_qasync(loop)
    end = loop.time() + seconds
    while True:
        if not on_qt_loop:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        await asyncio.sleep(0.01)
        if loop.time() >= end:
            return


async def pump_until(
    predicate: Callable[[], object], within: float = 30.0, what: str = "condition"
) -> None:
    """Pump until ``predicate()`` is truthy; ``TimeoutError`` naming ``what`` otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {within:.0f} s waiting for {what}")
        await pump()


async def run_js(page: Any, script: str, within: float = 15.0) -> Any:
    """Run ``script`` in ``page`` (main world) and return its result."""
    results: list[Any] = []
    page.runJavaScript(script, 0, results.append)
    await pump_until(lambda: results, within, f"the page to run {script[:40]!r}")
    return results[0]


class SignalRecorder:
    """Records every emission of some signals, in order, as (name, args)."""

    def __init__(self, **signals: SignalInstance) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        for name, signal in signals.items():
            signal.connect(lambda *args, _n=name: self.events.append((_n, args)))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


class BrowserUrlSink(QObject):
    """Stands where the system browser would: receives the URLs Qt would open.

    Install with ``QDesktopServices.setUrlHandler(scheme, sink, "open")``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))

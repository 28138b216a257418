"""UI test set-up: widgets offscreen, async tests on a qasync loop.

Async UI tests run on ``qasync.QEventLoop`` so that Qt timers, signals and
asyncio tasks (services, sandbox HTTP) all make progress while a test awaits.
Inside an async test, wait with ``wait_for`` (it yields to the shared loop);
``qtbot.waitUntil`` spins a nested Qt loop and belongs in synchronous tests.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


def _qasync_loop() -> asyncio.AbstractEventLoop:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"qasync": _qasync_loop}


async def _wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Yield to the loop until ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_for() -> Callable[..., Awaitable[None]]:
    """The async counterpart of ``qtbot.waitUntil`` (see the module docstring)."""
    return _wait_for

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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

# Timer objects of closed qasync loops, kept alive on purpose (see _qasync_loop).
_retired_timers: list[object] = []


def _qasync_loop() -> asyncio.AbstractEventLoop:
    import qasync
    from PySide6.QtWidgets import QApplication

    class _TestLoop(qasync.QEventLoop):  # type: ignore[misc]
        """A qasync loop whose Qt timer object outlives it.

        qasync's close() only flags its timer object as stopped (its timers still
        fire, and it kills them one by one). If the garbage collector then frees
        the object on a worker thread, Qt cannot unregister those timers and a
        later test crashes when one fires. Keeping it alive avoids that.
        """

        def close(self) -> None:
            _retired_timers.append(self._timer)
            super().close()

    app = QApplication.instance() or QApplication([])
    return _TestLoop(app, already_running=False)


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


@pytest.fixture
def seed_account() -> Callable[..., Awaitable[object]]:
    """Store an account through the real AccountStore (SQLite + vault) and announce it.

    For tests that need many accounts in given states without a sign-in each;
    tests of the full flow use the lead's ``connect_demo_account``.
    """
    from huntaze_desktop.domain.events import AccountChanged
    from huntaze_desktop.domain.models import ConnectionStatus, TokenSet

    async def seed(
        runtime: object,
        provider: str,
        user: str,
        status: ConnectionStatus = ConnectionStatus.CONNECTED,
        **status_kw: object,
    ) -> object:
        store = runtime.store  # type: ignore[attr-defined]
        account, _ = await asyncio.to_thread(
            store.upsert_connected,
            provider,
            f"{provider}-{user}",
            TokenSet(access_token=f"token-{user}", refresh_token=f"refresh-{user}"),
            username=user,
            display_name=user.title(),
            avatar_url=None,
            metadata={"ig_business_id": f"ig-{user}"},
        )
        if status is not ConnectionStatus.CONNECTED or status_kw:
            account = await asyncio.to_thread(store.update_status, account.id, status, **status_kw)
        runtime.bus.publish(AccountChanged(account.id, provider))  # type: ignore[attr-defined]
        return account

    return seed


@pytest.fixture
def drain_ui_tasks() -> Callable[[], Awaitable[None]]:
    """Let queued slots run and background tasks finish inside the loop.

    pytest-qt processes Qt events between test phases, outside the asyncio
    loop; a task stepped there would find no running loop.
    """
    from huntaze_desktop.ui.tasks import pending_tasks

    async def drain() -> None:
        for _ in range(3):
            await asyncio.sleep(0.05)
            await _wait_for(lambda: not pending_tasks(), timeout=10)

    return drain


@pytest.fixture
def seed_busy_cards(
    seed_account: Callable[..., Awaitable[object]],
) -> Callable[[object], Awaitable[None]]:
    """``await seed(runtime)``: the busiest card states at once.

    Two Instagram accounts (the switcher), TikTok rate limited (a badge with its
    time and an error line), Reddit needing a reconnect (three actions).
    """
    from datetime import UTC, datetime, timedelta

    from huntaze_desktop.domain.models import ConnectionStatus

    async def seed(runtime: object) -> None:
        await seed_account(runtime, "instagram", "sunny.creates")
        await seed_account(runtime, "instagram", "moonlight.studio")
        await seed_account(
            runtime,
            "tiktok",
            "sunny.creates",
            ConnectionStatus.RATE_LIMITED,
            retry_at=datetime.now(UTC) + timedelta(minutes=20),
            last_error="The platform is limiting requests. We will try again shortly.",
        )
        await seed_account(
            runtime, "reddit", "sunny_creates", ConnectionStatus.NEEDS_RECONNECT, last_error="x"
        )

    return seed


@pytest.fixture
async def main_window_factory(
    qapp: object, drain_ui_tasks: Callable[[], Awaitable[None]]
) -> AsyncIterator[Callable[..., object]]:
    """``make(*args, **kwargs)`` builds a ``MainWindow``; teardown shuts each one down.

    The windows are not handed to ``qtbot.addWidget``: pytest-qt closes and
    deletes its widgets in its own teardown hook, which runs before fixture
    teardown, so ``shutdown()`` would then find a deleted window.
    """
    from huntaze_desktop.ui.main_window import MainWindow

    qapp.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]  # dialogs close
    made: list[MainWindow] = []

    def make(*args: object, **kwargs: object) -> MainWindow:
        window = MainWindow(*args, **kwargs)  # type: ignore[arg-type]
        made.append(window)
        return window

    yield make
    for window in made:
        window.shutdown()
    await drain_ui_tasks()
    for window in made:
        window.deleteLater()
    await asyncio.sleep(0.05)

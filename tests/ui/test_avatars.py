"""Avatars download on their own client, a few at a time, and never starve API calls.

Issue #15 item 13: at start-up every account's picture was asked for at once
through the API client, whose pool they filled; refreshes then failed with
``PoolTimeout``. The sandbox's OnlyFans stand-in serves avatar pictures; a
latency fault makes them slow.
"""

from __future__ import annotations

import asyncio
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from PySide6.QtWidgets import QWidget

from huntaze_desktop.domain.events import AccountChanged, NetworkLost
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.ui.avatars import AvatarCache
from huntaze_desktop.ui.integrations import IntegrationsPage
from huntaze_desktop.ui.toasts import ToastHost

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="function")]

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
_AVATAR_PATH = "/onlyfans/site/files/avatar/"


def avatar_url(runtime: Any, name: str) -> str:
    return f"{runtime.sandbox.base_url}{_AVATAR_PATH}{name}.svg"


def slow_avatars(runtime: Any, latency_ms: int) -> None:
    runtime.sandbox.state.faults.add(
        Fault("onlyfans", FaultKind.LATENCY, "/files/avatar/*", times=None, latency_ms=latency_ms)
    )


class InFlight:
    """Counts a client's requests between its request and response hooks."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.now = self.peak = 0
        self.urls: list[str] = []
        http.event_hooks["request"].append(self._sent)
        http.event_hooks["response"].append(self._answered)

    async def _sent(self, request: httpx.Request) -> None:
        self.urls.append(str(request.url))
        self.now += 1
        self.peak = max(self.peak, self.now)

    async def _answered(self, _response: httpx.Response) -> None:
        self.now -= 1


async def connect(runtime: Any, provider: str, login: tuple[str, str]) -> Any:
    """Sign a demo user in through the sandbox's authorize form."""
    attempt = await runtime.accounts.begin_sign_in(provider)
    page = await runtime.http.get(attempt.authorize_url)
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": login[0], "password": login[1], "action": "allow"})
    answer = await runtime.http.post(str(page.url), data=form, follow_redirects=False)
    return await runtime.accounts.complete_sign_in(
        urljoin(str(page.url), answer.headers["location"])
    )


async def test_avatars_download_a_few_at_a_time_and_all_arrive(runtime, qtbot, wait_for) -> None:
    slow_avatars(runtime, 200)
    holder = QWidget()
    qtbot.addWidget(holder)
    avatars = AvatarCache(runtime.downloads, holder, max_concurrent=3)
    counted = InFlight(runtime.downloads)
    urls = [avatar_url(runtime, f"u{i:02d}") for i in range(10)]
    for url in urls:
        avatars.request(url)
    await wait_for(lambda: all(avatars.has(url) for url in urls), timeout=20)
    # They overlapped, but never more than the cap: the others queued in the cache.
    assert 1 < counted.peak <= 3
    assert sorted(counted.urls) == sorted(urls)  # each asked once


async def test_a_download_that_found_no_connection_is_asked_again(runtime, qtbot, wait_for) -> None:
    # A client of one connection and a short pool wait, shared with a slow download:
    # the second download never gets a connection (a real httpx.PoolTimeout).
    slow_avatars(runtime, 1500)
    holder = QWidget()
    qtbot.addWidget(holder)
    tiny = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(10.0, pool=0.2)
    )
    try:
        avatars = AvatarCache(tiny, holder, max_concurrent=2)
        first, second = avatar_url(runtime, "first"), avatar_url(runtime, "second")
        counted = InFlight(tiny)
        avatars.request(first)
        avatars.request(second)
        await wait_for(lambda: avatars.has(first), timeout=20)
        assert not avatars.has(second)
        runtime.sandbox.state.faults.clear()
        avatars.request(second)  # shown again: asked again, not remembered as failed
        await wait_for(lambda: avatars.has(second), timeout=20)
        assert counted.urls.count(second) == 2
    finally:
        await tiny.aclose()


async def test_refreshes_succeed_while_many_avatars_download_slowly(
    runtime, qtbot, wait_for, seed_account, drain_ui_tasks
) -> None:
    lost: list[NetworkLost] = []
    runtime.bus.subscribe(NetworkLost, lost.append)
    real = [
        await connect(runtime, "reddit", ("sunny_creates", "sunny-pass")),
        await connect(runtime, "tiktok", ("sunny.creates", "sunny-pass")),
    ]
    seeded = [await seed_account(runtime, "instagram", f"creator{i:02d}") for i in range(12)]
    for account in [*real, *seeded]:
        await asyncio.to_thread(
            runtime.store.update_profile,
            account.id,
            username=account.username,
            avatar_url=avatar_url(runtime, f"a{account.id}"),
        )
        runtime.bus.publish(AccountChanged(account.id, account.provider))
    slow_avatars(runtime, 1500)
    api = InFlight(runtime.http)
    downloads = InFlight(runtime.downloads)

    window = QWidget()
    window.resize(1200, 800)
    qtbot.addWidget(window)
    page = IntegrationsPage(runtime, ToastHost(window), window)
    page.resize(1200, 800)
    window.show()
    try:
        await wait_for(lambda: len(downloads.urls) >= 3, timeout=10)  # avatars are on their way
        outcomes = await asyncio.gather(
            *(runtime.analytics.refresh(a.id, force=True) for a in real)
        )
        assert all(o.requests > 0 for o in outcomes)
        for account in real:
            stored = await asyncio.to_thread(runtime.store.get, account.id)
            assert stored.status is ConnectionStatus.CONNECTED
        assert lost == []
        shown = [a.avatar_url for a in page.accounts if a.avatar_url]
        await wait_for(lambda: all(page.avatars.has(url) for url in shown), timeout=30)
        assert len(shown) == len(real) + len(seeded)
    finally:
        page.bridge.close()
        await drain_ui_tasks()
    # Not one avatar went through the API client, and the API calls were made.
    assert not [url for url in api.urls if _AVATAR_PATH in url]
    assert any("/reddit/" in url for url in api.urls)
    assert all(_AVATAR_PATH in url for url in downloads.urls)

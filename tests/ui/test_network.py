"""NetworkMonitor: the system's reachability pauses and resumes the real refresh scheduler."""

from __future__ import annotations

import asyncio
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import pytest
from PySide6.QtNetwork import QNetworkInformation
from PySide6.QtWidgets import QWidget

from huntaze_desktop.domain.events import RefreshProgress
from huntaze_desktop.ui.network import NetworkMonitor, is_online

pytestmark = pytest.mark.gui
async_test = pytest.mark.asyncio(loop_scope="function")

Reachability = QNetworkInformation.Reachability


async def connect_tiktok(runtime: Any) -> Any:
    """Sign a demo user in through the sandbox's authorize form."""
    hidden = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
    attempt = await runtime.accounts.begin_sign_in("tiktok")
    page = await runtime.http.get(attempt.authorize_url)
    form = {unescape(k): unescape(v) for k, v in hidden.findall(page.text)}
    form.update({"username": "sunny.creates", "password": "sunny-pass", "action": "allow"})
    answer = await runtime.http.post(str(page.url), data=form, follow_redirects=False)
    return await runtime.accounts.complete_sign_in(
        urljoin(str(page.url), answer.headers["location"])
    )


@async_test
async def test_disconnected_pauses_background_refresh_and_online_resumes_it(
    runtime, qtbot, wait_for
):
    account = await connect_tiktok(runtime)
    refreshed: list[int] = []
    unsubscribe = runtime.bus.subscribe(
        RefreshProgress, lambda e: e.account_id is None or refreshed.append(e.account_id)
    )
    holder = QWidget()
    qtbot.addWidget(holder)
    scheduler = runtime.scheduler
    try:
        monitor = NetworkMonitor(scheduler, holder)
        monitor.on_reachability(Reachability.Disconnected)
        assert not scheduler.online
        # The new account is due at once; online it would be refreshed within
        # a fraction of a second. The system says there is no network: it waits.
        scheduler.start()
        await asyncio.sleep(1.0)
        assert refreshed == [] and not scheduler.busy

        monitor.on_reachability(Reachability.Online)
        assert scheduler.online
        await wait_for(lambda: account.id in refreshed, timeout=15)
        today = runtime.analytics.today()
        data = await runtime.analytics.load(today, today)
        assert account.id in data.fetched_at  # a real refresh, stored
    finally:
        unsubscribe()
        await scheduler.stop()


@async_test
async def test_the_system_signal_reaches_the_scheduler(runtime, qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    monitor = NetworkMonitor(runtime.scheduler, holder)
    if not monitor.available:
        pytest.skip("no QNetworkInformation backend on this machine")
    info = QNetworkInformation.instance()
    assert runtime.scheduler.online is is_online(info.reachability())  # read at start
    info.reachabilityChanged.emit(Reachability.Disconnected)
    assert runtime.scheduler.online is False
    info.reachabilityChanged.emit(Reachability.Online)
    assert runtime.scheduler.online is True


@async_test
async def test_without_a_backend_the_scheduler_keeps_its_own_detection(runtime, qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    runtime.scheduler.set_online(False)  # as after a network error
    monitor = NetworkMonitor(runtime.scheduler, holder, backend="no-such-backend")
    assert not monitor.available
    assert runtime.scheduler.online is False  # untouched: its probe decides


def test_only_a_definite_disconnect_counts_as_offline():
    assert not is_online(Reachability.Disconnected)
    for state in (Reachability.Unknown, Reachability.Local, Reachability.Site, Reachability.Online):
        assert is_online(state), state


@async_test
async def test_an_online_reading_does_not_overrule_failing_requests(runtime, qtbot):
    """Created after requests failed, the monitor leaves "online" to the scheduler's probe."""
    holder = QWidget()
    qtbot.addWidget(holder)
    runtime.scheduler.set_online(False)  # as after a network error
    monitor = NetworkMonitor(runtime.scheduler, holder)
    if not monitor.available:
        pytest.skip("no QNetworkInformation backend on this machine")
    assert runtime.scheduler.online is False  # whatever the system reads at creation
    info = QNetworkInformation.instance()
    info.reachabilityChanged.emit(Reachability.Online)  # a change is news: it resumes
    assert runtime.scheduler.online is True

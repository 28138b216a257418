"""This app's busy connection pool is not the network being down (issue #15 item 13).

A real ``httpx.PoolTimeout``: the platforms' client gets one connection and a
short pool wait, and the sandbox holds the first answer of each platform longer
than that wait. Refreshes that found no free connection must not pause
background refresh, publish ``NetworkLost`` or mark an account "Offline": they
are tried again soon, and succeed.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from test_analytics_scheduler import SimulatedTime, until

from huntaze_desktop.domain.errors import BusyError, NetworkError
from huntaze_desktop.domain.events import AccountChanged, NetworkLost
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.base import ClientCredentials
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.services.analytics.scheduler import RefreshScheduler
from huntaze_desktop.services.analytics.service import AnalyticsService
from huntaze_desktop.services.tokens import TokenManager
from huntaze_desktop.storage.metrics import MetricStore

PROVIDERS = ("instagram", "tiktok", "reddit")
HOLD_MS = 2000  # the first answer of each platform: far longer than the pool wait
POOL_WAIT_S = 0.5


@dataclass
class Busy:
    """The app's services on a client of one connection."""

    http: httpx.AsyncClient
    client_for: Any
    tokens: TokenManager
    service: AnalyticsService
    failures: list[type[BaseException]] = field(default_factory=list)
    successes: list[int] = field(default_factory=list)

    def now(self) -> Any:
        return self.service.now()

    async def refresh(self, account_id: int, *, force: bool = False, slot: Any = None) -> Any:
        try:
            outcome = await self.service.refresh(account_id, force=force, slot=slot)
        except BaseException as exc:
            self.failures.append(type(exc))
            raise
        self.successes.append(account_id)
        return outcome


@pytest.fixture
async def busy(core_env: Any) -> AsyncIterator[Busy]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(10.0, pool=POOL_WAIT_S)
    urls = core_env.sandbox.base_urls()
    registry = default_registry()
    clients: dict[str, Any] = {}
    async with create_http_client(limits=limits, timeout=timeout) as http:

        def client_for(provider: str) -> Any:
            if provider not in clients:
                creds = ClientCredentials(*sandbox_credentials()[provider])
                clients[provider] = registry.make_client(
                    provider, http, urls[provider], creds, clock=core_env.now
                )
            return clients[provider]

        tokens = TokenManager(
            core_env.store, client_for, core_env.paths.locks, core_env.bus, clock=core_env.now
        )
        service = AnalyticsService(
            core_env.store,
            MetricStore(core_env.db),
            tokens,
            client_for,
            core_env.bus,
            core_env.now,
        )
        yield Busy(http, client_for, tokens, service)


def hold_answers(core_env: Any) -> None:
    for provider in PROVIDERS:
        core_env.sandbox.state.faults.add(
            Fault(provider, FaultKind.LATENCY, times=None, latency_ms=HOLD_MS)
        )


async def test_a_pool_timeout_is_busy_not_offline(core_env: Any, busy: Busy) -> None:
    accounts = [await core_env.connect(p) for p in PROVIDERS]
    client = busy.client_for("reddit")
    reddit = accounts[2]
    core_env.sandbox.state.faults.add(
        Fault("reddit", FaultKind.LATENCY, times=1, latency_ms=HOLD_MS)
    )
    held = asyncio.ensure_future(busy.tokens.call(reddit.id, client.fetch_profile))
    await until(lambda: core_env.sandbox.state.faults.active() == [])  # it has the connection
    changed: list[AccountChanged] = []
    core_env.bus.subscribe(AccountChanged, changed.append)
    with pytest.raises(BusyError) as caught:
        await busy.tokens.call(reddit.id, client.fetch_profile)
    assert not isinstance(caught.value, NetworkError)
    assert "busy" in caught.value.user_message
    # No news about the account: its status is what it was, nothing announced.
    after = core_env.store.get(reddit.id)
    assert after.status is ConnectionStatus.CONNECTED and after.retry_at is None
    assert changed == []
    await held  # the first call, once answered, worked


async def test_refreshes_that_found_no_connection_are_retried_soon_not_paused(
    core_env: Any, busy: Busy
) -> None:
    lost: list[NetworkLost] = []
    core_env.bus.subscribe(NetworkLost, lost.append)
    statuses: list[ConnectionStatus] = []
    core_env.bus.subscribe(
        AccountChanged, lambda e: statuses.append(core_env.store.get(e.account_id).status)
    )
    accounts = [await core_env.connect(p) for p in PROVIDERS]
    hold_answers(core_env)
    sim = SimulatedTime()
    scheduler = RefreshScheduler(
        busy, core_env.store, core_env.settings, core_env.bus, sim.clock, sim.sleep,
        startup_spread_s=0.0, rng=random.Random(3), busy_retry_s=5.0,
    )  # fmt: skip
    scheduler.start()
    try:
        # All three start together; one holds the only connection, the others
        # wait for it longer than the pool allows.
        await until(lambda: len(busy.failures) == len(accounts) - 1, limit_s=20)
        core_env.sandbox.state.faults.clear()
        await until(lambda: not scheduler.busy, limit_s=20)
        assert scheduler.online and lost == []
        for account in accounts:
            assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED
        assert len(busy.successes) == 1  # the others did not get their turn
        await sim.advance(6)  # the busy ones are due again within seconds, not an interval
        await until(lambda: set(busy.successes) >= {a.id for a in accounts}, limit_s=20)
        await until(lambda: not scheduler.busy)
    finally:
        await scheduler.stop()
    assert scheduler.online and lost == []
    assert ConnectionStatus.OFFLINE not in statuses
    assert set(busy.failures) == {BusyError}  # nothing else went wrong

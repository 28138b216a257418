"""RefreshScheduler with simulated time: interval, pause/resume, offline, debounce, single flight.

The refreshes are real (sandbox over loopback, real SQLite); only the scheduler's
clock and sleep are simulated, so minutes pass in milliseconds.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from huntaze_desktop.domain.errors import AuthRejectedError
from huntaze_desktop.domain.events import NetworkLost, RefreshProgress
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.services.analytics.scheduler import RefreshScheduler
from huntaze_desktop.services.analytics.service import AnalyticsService
from huntaze_desktop.storage.metrics import MetricStore


class SimulatedTime:
    """A clock that moves only when the test says so; sleepers wake in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._seq), future))
        await future

    async def advance(self, seconds: float) -> None:
        # Let the code under test reach its next sleep first: a sleep registered
        # after the clock moved would be measured from the new time.
        deadline = asyncio.get_running_loop().time() + 2.0
        while not any(not f.done() for _, _, f in self._sleepers):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.01)
        self.now += seconds
        while self._sleepers and self._sleepers[0][0] <= self.now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        await asyncio.sleep(0.05)


async def until(predicate: Callable[[], bool], limit_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class Counting:
    """The real service, counting the refreshes it is asked for (and overlaps)."""

    def __init__(self, service: AnalyticsService) -> None:
        self.service = service
        self.calls: list[tuple[int, bool]] = []
        self.running: dict[int, int] = {}
        self.max_overlap = 0

    def now(self) -> Any:
        return self.service.now()

    async def refresh(self, account_id: int, *, force: bool = False, slot: Any = None) -> Any:
        self.calls.append((account_id, force))
        self.running[account_id] = self.running.get(account_id, 0) + 1
        self.max_overlap = max(self.max_overlap, self.running[account_id])
        try:
            return await self.service.refresh(account_id, force=force, slot=slot)
        finally:
            self.running[account_id] -= 1


@pytest.fixture
async def sched(core_env: Any) -> Any:
    service = AnalyticsService(
        core_env.store,
        MetricStore(core_env.db),
        core_env.tokens,
        core_env.clients,
        core_env.bus,
        core_env.now,
    )
    counting = Counting(service)
    sim = SimulatedTime()
    progress: list[RefreshProgress] = []
    core_env.bus.subscribe(RefreshProgress, progress.append)
    scheduler = RefreshScheduler(
        counting,
        core_env.store,
        core_env.settings,
        core_env.bus,
        sim.clock,
        sim.sleep,
        startup_spread_s=0.0,
        debounce_s=5.0,
        offline_probe_s=30.0,
        rng=random.Random(7),
    )
    yield scheduler, counting, sim, progress
    await scheduler.stop()


async def test_refreshes_on_the_interval_from_settings_and_reports_progress(core_env, sched):
    scheduler, counting, sim, progress = sched
    first = await core_env.connect("instagram")
    second = await core_env.connect("reddit")
    core_env.settings.refresh_interval_minutes = 15
    scheduler.start()
    await until(lambda: len(counting.calls) == 2 and not scheduler.busy)
    assert {c[0] for c in counting.calls} == {first.id, second.id}
    assert progress[-1].done == progress[-1].total == 2
    await sim.advance(12 * 60)  # before 15 min minus the 10 % jitter: nothing
    assert len(counting.calls) == 2
    await sim.advance(5 * 60)  # past 15 min plus jitter: both again
    await until(lambda: len(counting.calls) == 4)
    core_env.settings.refresh_interval_minutes = 60
    await until(lambda: not scheduler.busy)
    await sim.advance(20 * 60)  # the new interval applies at once
    assert len(counting.calls) == 4


async def test_pause_and_resume(core_env, sched):
    scheduler, counting, sim, _ = sched
    await core_env.connect("tiktok")
    scheduler.start()
    await until(lambda: len(counting.calls) == 1 and not scheduler.busy)
    scheduler.pause()
    await sim.advance(60 * 60)
    await asyncio.sleep(0.1)
    assert len(counting.calls) == 1
    scheduler.resume()
    await until(lambda: len(counting.calls) == 2)


async def test_offline_pauses_probes_and_resumes_when_the_network_returns(core_env, sched):
    scheduler, counting, sim, _ = sched
    lost: list[NetworkLost] = []
    core_env.bus.subscribe(NetworkLost, lost.append)
    await core_env.connect("reddit")
    await core_env.connect("tiktok")
    port = core_env.sandbox.port
    core_env.sandbox.stop()  # the platforms become unreachable: connection refused
    scheduler.start()
    await until(lambda: not scheduler.online)
    await until(lambda: not scheduler.busy)
    assert len(lost) == 1  # both accounts failed: one outage, one event
    attempts = len(counting.calls)
    await sim.advance(16 * 60)  # the interval passes, but offline: only one probe
    # The probe may not have started when advance() returns: wait for it, then idle.
    await until(lambda: len(counting.calls) > attempts)
    await until(lambda: not scheduler.busy)
    await asyncio.sleep(0.1)
    assert len(counting.calls) == attempts + 1
    assert len(lost) == 1  # a failed probe is the same outage
    back = SandboxServer(port=port, state=core_env.sandbox.state).start()
    try:
        core_env.advance(3600)  # past the token manager's backoff (retry_at) too
        await sim.advance(31)  # the next probe succeeds: everyone resumes
        await until(lambda: scheduler.online and len(counting.calls) >= attempts + 3)
        await until(lambda: not scheduler.busy)
    finally:
        back.stop()


async def test_set_online_false_stops_scheduled_work(core_env, sched):
    scheduler, counting, sim, _ = sched
    await core_env.connect("instagram")
    scheduler.start()
    await until(lambda: len(counting.calls) == 1 and not scheduler.busy)
    scheduler.set_online(False)
    await sim.advance(20 * 60)
    await until(lambda: not scheduler.busy)
    probes = len(counting.calls)
    scheduler.set_online(True)
    await until(lambda: len(counting.calls) == probes + 1 or len(counting.calls) == 2)
    assert len(counting.calls) <= 3


async def test_refresh_now_is_debounced_and_forces(core_env, sched):
    scheduler, counting, sim, _ = sched
    account = await core_env.connect("reddit")
    scheduler.start()
    await until(lambda: len(counting.calls) == 1 and not scheduler.busy)
    assert scheduler.refresh_now() is True
    assert scheduler.refresh_now() is False  # a second click at once: ignored
    await until(lambda: len(counting.calls) == 2 and not scheduler.busy)
    assert counting.calls[-1] == (account.id, True)
    await sim.advance(2)
    assert scheduler.refresh_now() is False
    await sim.advance(4)
    assert scheduler.refresh_now() is True
    await until(lambda: len(counting.calls) == 3)


async def test_never_two_refreshes_of_one_account_at_once(core_env, sched):
    scheduler, counting, _, _ = sched
    account = await core_env.connect("instagram")
    core_env.sandbox.state.faults.add(
        Fault("instagram", FaultKind.LATENCY, times=None, latency_ms=100)
    )
    tasks = [scheduler.refresh_account(account, force=True) for _ in range(5)]
    assert len({id(t) for t in tasks}) == 1
    await asyncio.gather(*tasks)
    assert counting.max_overlap == 1 and len(counting.calls) == 1


async def test_stop_ends_the_loop_whenever_it_lands(core_env, sched):
    # stop() may come at any point of the loop's turn, including the moment it
    # has just been woken and is tidying up its timers. A cancellation that
    # lands there must end the loop, not be taken for the timer's own.
    scheduler, _, _, _ = sched
    await core_env.connect("reddit")
    for turns in range(8):
        scheduler.start()
        await until(lambda: not scheduler.busy)
        await asyncio.sleep(0.05)  # the loop is waiting for its next turn
        scheduler.resume()  # wakes it
        for _ in range(turns):
            await asyncio.sleep(0)
        stopping = asyncio.ensure_future(scheduler.stop())
        done, _ = await asyncio.wait({stopping}, timeout=5)  # a guard, not a speed check
        assert stopping in done, f"stop() hung when it came {turns} turns after the wake"
        assert not scheduler.running


async def test_at_most_the_limit_of_one_platform_is_asked_at_once(core_env, sched):
    _, counting, sim, _ = sched
    logins = [("sunny.creates", "sunny-pass"), ("moonlight.studio", "moon-pass")]
    logins.append(("tiny.sprout", "sprout-pass"))
    accounts = [await core_env.connect("instagram", login) for login in logins]
    core_env.sandbox.state.faults.add(
        Fault("instagram", FaultKind.LATENCY, times=None, latency_ms=60)
    )
    in_flight = peak = 0

    async def sent(_request: Any) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)

    async def answered(_response: Any) -> None:
        nonlocal in_flight
        in_flight -= 1

    core_env.http.event_hooks["request"].append(sent)
    core_env.http.event_hooks["response"].append(answered)
    scheduler = RefreshScheduler(
        counting, core_env.store, core_env.settings, core_env.bus, sim.clock, sim.sleep,
        per_provider_limit=2,
    )  # fmt: skip
    await asyncio.gather(*[scheduler.refresh_account(a, force=True) for a in accounts])
    assert len(counting.calls) == 3
    assert peak == 2  # refreshes overlapped, and never more than the limit asked at once


async def test_each_cycle_retries_pending_revocations(core_env: Any) -> None:
    # A disconnect made while TikTok answered 503 left its grant pending.
    account = await core_env.connect("tiktok")
    tokens = core_env.store.load_tokens(account.id)
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, "/v2/oauth/revoke/", status=503, times=2)
    )
    assert (await core_env.accounts.disconnect(account.id)).revocation_pending
    rounds: list[Any] = []

    async def revocations() -> Any:
        rounds.append(await core_env.accounts.retry_pending_revocations())
        return rounds[-1]

    sim = SimulatedTime()
    service = AnalyticsService(
        core_env.store, MetricStore(core_env.db), core_env.tokens, core_env.clients, core_env.bus
    )
    scheduler = RefreshScheduler(
        service, core_env.store, core_env.settings, core_env.bus, sim.clock, sim.sleep,
        startup_spread_s=0.0, revocations=revocations, revocations_every_s=300.0,
    )  # fmt: skip
    scheduler.start()
    try:
        await until(lambda: len(rounds) == 1)  # the first cycle: TikTok still fails
        assert (rounds[0].pending, rounds[0].revoked) == (1, 0)
        await sim.advance(120)  # not the revocations' turn yet
        assert len(rounds) == 1
        core_env.sandbox.state.faults.clear()
        # A later cycle, once the item's own backoff is over, finishes it.
        (pending,) = core_env.store.pending_revocations()
        core_env.store.defer_pending_revocation(pending.id, datetime.now(UTC))
        await sim.advance(300)
        await until(lambda: len(rounds) == 2)
        assert rounds[1].revoked == 1
        assert core_env.store.pending_revocations() == []
        with pytest.raises(AuthRejectedError):
            await core_env.clients("tiktok").fetch_profile(tokens)
    finally:
        await scheduler.stop()


async def _cache_everything(counting: Counting, account_id: int) -> None:
    """Two refreshes: the first backfills, the second asks the recent windows."""
    assert (await counting.service.refresh(account_id)).backfilled
    assert (await counting.service.refresh(account_id)).requests > 0
    assert (await counting.service.refresh(account_id)).requests == 0  # all fresh now


async def test_a_pass_from_cache_does_not_count_as_the_network_being_back(core_env, sched):
    scheduler, counting, sim, _ = sched
    account = await core_env.connect("reddit")
    await _cache_everything(counting, account.id)
    port = core_env.sandbox.port
    core_env.sandbox.stop()  # Reddit goes away
    scheduler.start()
    await until(lambda: len(counting.calls) == 1 and not scheduler.busy)  # from cache
    assert scheduler.online
    assert scheduler.refresh_now()  # a forced refresh meets the outage
    await until(lambda: not scheduler.online and not scheduler.busy)
    offline = core_env.store.get(account.id)
    assert offline.status is ConnectionStatus.OFFLINE and offline.retry_at is not None
    # Just past its retry time, well within the cached answers' 10 minutes.
    wait = (offline.retry_at - core_env.now()).total_seconds() + 1
    assert wait < 5 * 60
    core_env.advance(wait)
    attempts = len(counting.calls)
    await sim.advance(31)  # the probe: its cache is still fresh, but it must ask Reddit
    await until(lambda: len(counting.calls) > attempts and not scheduler.busy)
    assert not scheduler.online  # no answer came: the network is not "back"
    assert core_env.store.get(account.id).status is ConnectionStatus.OFFLINE
    back = SandboxServer(port=port, state=core_env.sandbox.state).start()
    try:
        core_env.advance(3600)
        await sim.advance(31)  # the next probe gets a real answer
        await until(lambda: scheduler.online and not scheduler.busy)
        assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED
    finally:
        back.stop()


async def test_a_rate_limited_account_is_asked_again_at_its_retry_time(core_env, sched):
    scheduler, counting, sim, _ = sched
    account = await core_env.connect("reddit")
    await _cache_everything(counting, account.id)
    core_env.sandbox.state.faults.add(Fault("reddit", FaultKind.RATE_LIMIT, times=1))
    scheduler.start()
    await until(lambda: len(counting.calls) == 1 and not scheduler.busy)  # from cache
    assert scheduler.refresh_now()
    await until(lambda: core_env.store.get(account.id).status is ConnectionStatus.RATE_LIMITED)
    await until(lambda: not scheduler.busy)
    limited = core_env.store.get(account.id)
    assert limited.retry_at is not None
    wait = (limited.retry_at - core_env.now()).total_seconds() + 1
    assert wait < 5 * 60  # the cached answers stay fresh meanwhile
    core_env.advance(wait)
    attempts = len(counting.calls)
    await sim.advance(wait)
    await until(lambda: len(counting.calls) > attempts and not scheduler.busy)
    # The fault is over; a real request says so, not a page switch later.
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED

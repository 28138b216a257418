"""What the app stores stays bounded: a month of daily refreshes keeps the API cache stable.

Real parts: the sandbox over loopback (its clock moved a day at a time), the real
``AnalyticsService`` and token manager, a real SQLite file. The 200-account month
replays, on the real store, the exact keys and answers the real refreshes wrote
(checked against them first): 6,000 refreshes through the sandbox would take
minutes on this machine.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from test_analytics_scheduler import SimulatedTime, until

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.providers.onlyfans import CapturedSession
from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.services.analytics.scheduler import RefreshScheduler
from huntaze_desktop.services.analytics.service import AnalyticsService, Pruned
from huntaze_desktop.storage.metrics import MetricStore, window_key
from huntaze_desktop.storage.models import api_cache

UA = "Mozilla/5.0 (X11; Linux x86_64) BoundedCacheTest/1.0"
DAY_S = 86_400.0


@pytest.fixture
def service(core_env: Any) -> AnalyticsService:
    return AnalyticsService(
        core_env.store,
        MetricStore(core_env.db),
        core_env.tokens,
        core_env.clients,
        core_env.bus,
        core_env.now,
    )


async def _connect_onlyfans(core_env: Any) -> Any:
    site = core_env.sandbox.base_urls()["onlyfans"]["site"]
    session = CapturedSession.from_mapping(
        await scripted_sign_in(site, "sunnycreates@example.com", "sunny-pass", UA)
    )
    return await core_env.accounts.connect_session("onlyfans", session)


async def _connect_all(core_env: Any) -> list[Any]:
    accounts = [await core_env.connect(p) for p in ("instagram", "tiktok", "reddit")]
    return [*accounts, await _connect_onlyfans(core_env)]


def _to_noon(core_env: Any) -> None:
    """Move the sandbox's clock to noon of the next day: a day's steps stay in it."""
    now = core_env.now()
    noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    core_env.advance((noon - now).total_seconds())


def _cache_size(db: Any) -> tuple[int, int]:
    """Rows and total body bytes of the API cache."""
    with db.transaction() as conn:
        rows, size = conn.execute(
            select(func.count(), func.coalesce(func.sum(func.length(api_cache.c.body)), 0))
        ).one()
    return int(rows), int(size)


def _entries(db: Any, account_id: int) -> dict[str, tuple[str, datetime]]:
    """key -> (body, fetched_at) of one account's cache entries."""
    with db.transaction() as conn:
        rows = conn.execute(
            select(api_cache.c.key, api_cache.c.body, api_cache.c.fetched_at).where(
                api_cache.c.account_id == account_id
            )
        ).all()
    return {key: (body, fetched) for key, body, fetched in rows}


def _keys_of_a_refresh(provider: str, account_id: int, now: datetime, backfill: bool) -> set[str]:
    """The keys a refresh of this account writes at ``now``, from the platform's windows."""
    windows = default_registry().analytics(provider).stats_windows(now, backfill)
    keys = {f"analytics:{account_id}:profile"}
    keys |= {window_key(account_id, since.date(), end.date()) for since, end in windows}
    if backfill:
        keys.add(f"analytics:{account_id}:backfilled")
    return keys


async def test_a_month_of_daily_refreshes_through_the_sandbox_keeps_the_cache_stable(
    core_env, service
):
    accounts = await _connect_all(core_env)
    sizes: dict[int, tuple[int, int]] = {}
    for day in range(1, 31):
        _to_noon(core_env)
        if day == 15:
            # An OnlyFans session lasts 30 days: the user signs in again, same account.
            assert (await _connect_onlyfans(core_env)).id == accounts[-1].id
        for account in accounts:
            outcome = await service.refresh(account.id)
            assert outcome.backfilled == (day == 1)
        pruned = await service.prune_stored()
        if day > 1:
            # Yesterday's windows (the backfill answers on day 2) are gone.
            assert pruned.cache_entries >= 5
        sizes[day] = _cache_size(core_env.db)
        if day > 1:
            # What is held is what today's refresh asks for, and nothing else.
            for account in accounts:
                held = set(_entries(core_env.db, account.id))
                today = _keys_of_a_refresh(account.provider, account.id, service.now(), False)
                assert held == today | {f"analytics:{account.id}:backfilled"}
    # Instagram: profile, marker, week and settled day; the others: profile, marker, window.
    assert sizes[30][0] == sizes[7][0] == 4 + 3 * 3
    # The bodies vary with the demo data (TikTok's and Reddit's windows list the
    # posts of the last 30 days), but a day's windows stay about one day's worth:
    # without pruning, day 30 would hold thirty of them and the backfills.
    assert sizes[30][1] <= 1.5 * sizes[7][1]
    assert sizes[1][1] > 2 * sizes[7][1]  # the backfill answers, gone from day 2

    # Pruning kept today's answers and their validators: asked again once stale,
    # Instagram answers 304 for all three.
    instagram = accounts[0]
    core_env.advance(7 * 3600)
    assert await service.prune_stored() == Pruned(0, 0)
    outcome = await service.refresh(instagram.id)
    assert (outcome.requests, outcome.unchanged) == (3, 3)


async def test_two_hundred_accounts_for_a_month_keep_the_cache_stable(core_env, service):
    # 1. One real refresh per platform (backfill day, then a regular day): the
    #    keys it wrote are the ones derived from the platform's windows, and its
    #    answers are the bodies replayed below.
    real = await _connect_all(core_env)
    bodies: dict[tuple[str, str], tuple[str, str | None]] = {}
    for backfill in (True, False):
        _to_noon(core_env)
        now = service.now()
        for account in real:
            await service.refresh(account.id)
            written = {
                key: body
                for key, (body, fetched) in _entries(core_env.db, account.id).items()
                if fetched >= now
            }
            assert set(written) == _keys_of_a_refresh(account.provider, account.id, now, backfill)
            for key, body in written.items():
                shape = key.split(":", 2)[2]
                if shape.startswith("stats:"):
                    first, last = (datetime.fromisoformat(d) for d in shape.split(":")[1:])
                    shape = f"stats:{(last - first).days}"
                held = MetricStore(core_env.db).cache_get(key)
                assert held is not None
                bodies[(account.provider, shape)] = (body, held.etag)

    # 2. 200 accounts, a refresh each a day for 30 days, written by the real store
    #    in one transaction per refresh as the service writes them; pruned daily.
    registry = default_registry()
    metrics = MetricStore(core_env.db)
    providers = [a.provider for a in real]
    ids: list[tuple[int, str]] = []
    for i in range(200):
        provider = providers[i % len(providers)]
        account, _ = core_env.store.upsert_connected(
            provider,
            f"replay-{provider}-{i}",
            TokenSet(access_token=f"access-{i}", refresh_token=f"refresh-{i}"),
            username=f"creator{i:03d}",
            display_name=f"Creator {i:03d}",
        )
        ids.append((account.id, provider))
    rng = random.Random(15)
    start = service.now() + timedelta(days=1)
    sizes: dict[int, tuple[int, int]] = {}
    for day in range(1, 31):
        for account_id, provider in ids:
            now = start + timedelta(days=day - 1, seconds=rng.uniform(-6 * 3600, 6 * 3600))
            platform = registry.analytics(provider)
            backfill = day == 1
            profile_body, profile_tag = bodies[(provider, "profile")]
            puts: list[Any] = [
                (f"analytics:{account_id}:profile", profile_body, platform.profile_ttl_s,
                 profile_tag, None),
            ]  # fmt: skip
            for since, end in platform.stats_windows(now, backfill):
                body, tag = bodies[(provider, f"stats:{(end.date() - since.date()).days}")]
                key = window_key(account_id, since.date(), end.date())
                puts.append((key, body, platform.stats_ttl_s, tag, None))
            if backfill:
                puts.append((f"analytics:{account_id}:backfilled", "{}", 20 * 365 * DAY_S))
            metrics.store_answers(account_id, [], puts, now=now)
        # The scheduler prunes every 6 hours; once a day, at day's end, is the worst case.
        metrics.cache_prune(start + timedelta(days=day - 1, hours=6))
        sizes[day] = _cache_size(core_env.db)

    rows_7, bytes_7 = sizes[7]
    rows_30, bytes_30 = sizes[30]
    # Per account: profile, marker and one window per family (Instagram has two);
    # the four real accounts, not refreshed during the month, keep profile and marker.
    expected = len(real) * 2 + sum(2 + (2 if p == "instagram" else 1) for _, p in ids)
    assert rows_30 == rows_7 == expected
    assert abs(bytes_30 - bytes_7) <= 0.02 * bytes_7
    # Without pruning a month would have kept 30 days of windows and the backfills.
    assert sizes[1][1] > 3 * bytes_7


async def test_the_scheduler_prunes_after_its_first_pass_and_every_few_hours(core_env, service):
    account = await core_env.connect("reddit")
    metrics = MetricStore(core_env.db)

    def stale_window(days_ago: int) -> str:
        """A window answer of an earlier day, as a refresh that day left it."""
        then = service.now() - timedelta(days=days_ago)
        key = window_key(account.id, (then - timedelta(days=30)).date(), then.date())
        metrics.store_answers(account.id, [], [(key, "{}", 3600, '"tag"', None)], now=then)
        return key

    old = stale_window(3)
    rounds: list[Pruned] = []

    async def housekeeping() -> Pruned:
        rounds.append(await service.prune_stored())
        return rounds[-1]

    sim = SimulatedTime()
    scheduler = RefreshScheduler(
        service, core_env.store, core_env.settings, core_env.bus, sim.clock, sim.sleep,
        startup_spread_s=0.0, housekeeping=housekeeping, housekeeping_every_s=6 * 3600.0,
    )  # fmt: skip
    scheduler.start()
    try:
        await until(lambda: len(rounds) == 1)  # after the first pass
        assert rounds[0].cache_entries >= 1 and metrics.cache_get(old) is None
        older = stale_window(2)
        for _ in range(5):
            await sim.advance(3600)  # passes run (and refresh), pruning is not due yet
        assert len(rounds) == 1 and metrics.cache_get(older) is not None
        await sim.advance(3600)
        await until(lambda: len(rounds) == 2)
        assert metrics.cache_get(older) is None
    finally:
        await scheduler.stop()

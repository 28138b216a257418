"""AnalyticsService against the sandbox: token manager, cache TTLs, snapshots, backfill."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from huntaze_desktop.domain.errors import RateLimitedError
from huntaze_desktop.domain.events import Notice
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.domain.series import Metric, MetricKind, SeriesKey
from huntaze_desktop.providers.onlyfans import CapturedSession
from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.services.analytics.aggregate import account_values
from huntaze_desktop.services.analytics.service import AnalyticsService
from huntaze_desktop.storage.metrics import MetricStore

UA = "Mozilla/5.0 (X11; Linux x86_64) AnalyticsTest/1.0"


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


def _requests(core_env: Any, provider: str) -> int:
    return core_env.counter(f"requests.{provider}")


async def test_first_refresh_backfills_then_the_cache_answers(core_env, service):
    account = await core_env.connect("instagram")
    before = _requests(core_env, "instagram")
    outcome = await service.refresh(account.id)
    assert outcome.backfilled and outcome.requests == 3  # profile + 30-day series + one day
    # One Graph call per answer: the series over 30 days, the settled day's totals.
    assert _requests(core_env, "instagram") - before == 3

    today = service.today()
    data = await service.load(today - timedelta(days=29), today)
    rows = data.frame.rows_of(account.id)
    reach = rows[SeriesKey(account.id, Metric.REACH)]
    recorded = int((~np.isnan(reach)).sum())
    # 30 days asked, the last two still inside Instagram's 48 h lag: missing, not 0.
    assert 25 <= recorded <= 29
    assert reach[-1] != reach[-1]  # NaN: yesterday is not reported yet
    followers = rows[SeriesKey(account.id, Metric.FOLLOWERS)]
    assert followers[-1] > 9000 and data.last_updated is not None

    # After the backfill the regular week window is asked once, then cached.
    week = await service.refresh(account.id)
    assert week.requests == 1 and _requests(core_env, "instagram") - before == 4
    again = await service.refresh(account.id)
    assert again.requests == 0 and _requests(core_env, "instagram") - before == 4
    forced = await service.refresh(account.id, force=True)
    assert forced.requests == 3 and not forced.backfilled


async def test_onlyfans_earnings_history_keeps_its_currency(core_env, service):
    site = core_env.sandbox.base_urls()["onlyfans"]["site"]
    session = CapturedSession.from_mapping(
        await scripted_sign_in(site, "sunnycreates@example.com", "sunny-pass", UA)
    )
    account = await core_env.accounts.connect_session("onlyfans", session)
    await service.refresh(account.id)
    today = service.today()
    data = await service.load(today - timedelta(days=89), today)
    earnings = account_values(data.frame, account.id, MetricKind.REVENUE)
    assert list(earnings) == ["USD"]
    assert int((earnings["USD"][-90:] > 0).sum()) == 90  # backfilled, every day


async def test_earnings_without_a_currency_are_refused_logged_and_told_once(
    core_env, service, caplog
):
    site = core_env.sandbox.base_urls()["onlyfans"]["site"]
    session = CapturedSession.from_mapping(
        await scripted_sign_in(site, "sunnycreates@example.com", "sunny-pass", UA)
    )
    account = await core_env.accounts.connect_session("onlyfans", session)
    core_env.sandbox.state.flags.onlyfans_currency = ""  # balances name no currency
    core_env.events.clear()
    with caplog.at_level(logging.WARNING, logger="huntaze.analytics"):
        first = await service.refresh(account.id)
        again = await service.refresh(account.id, force=True)
    assert first.refused == again.refused == ("revenue without currency",)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("revenue without currency" in w for w in warnings)
    notices = [e for e in core_env.events if isinstance(e, Notice)]
    assert [(n.level, n.text) for n in notices] == [
        (
            "warning",
            f"OnlyFans sent earnings for {account.name} without saying their currency "
            "(revenue without currency), so they were not stored. Revenue shows again "
            "once the platform names the currency.",
        )
    ]
    today = service.today()
    data = await service.load(today - timedelta(days=29), today)
    assert account_values(data.frame, account.id, MetricKind.REVENUE) == {}
    assert not any(k.metric is Metric.EARNINGS for k in data.frame.keys)
    # The audience still came through: only the amounts were refused.
    assert SeriesKey(account.id, Metric.SUBSCRIBERS) in data.frame.keys

    # Once the platform names the currency, the amounts are stored with it; an
    # amount an older version stored without one is never loaded beside them.
    core_env.sandbox.state.flags.onlyfans_currency = "USD"
    fixed = await service.refresh(account.id, force=True)
    assert fixed.refused == ()
    MetricStore(core_env.db).upsert_snapshots(
        account.id, [("earnings", today - timedelta(days=1), 99.0, "onlyfans:old")]
    )
    data = await service.load(today - timedelta(days=29), today)
    assert list(account_values(data.frame, account.id, MetricKind.REVENUE)) == ["USD"]
    assert {k.unit for k in data.frame.keys if k.metric is Metric.EARNINGS} == {"USD"}
    audience = account_values(data.frame, account.id, MetricKind.AUDIENCE)[None]
    assert audience[-1] > 0


async def test_a_failed_refresh_keeps_stored_data_and_sets_the_status(core_env, service):
    account = await core_env.connect("reddit")
    await service.refresh(account.id)
    today = service.today()
    before = await service.load(today - timedelta(days=6), today)
    core_env.sandbox.state.faults.add(
        Fault("reddit", FaultKind.RATE_LIMIT, path="/api/v1/me", times=None, retry_after_s=600)
    )
    with pytest.raises(RateLimitedError):
        await service.refresh(account.id, force=True)
    stored = core_env.store.get(account.id)
    assert stored.status is ConnectionStatus.RATE_LIMITED and stored.retry_at is not None
    after = await service.load(today - timedelta(days=6), today)
    assert after.frame.keys == before.frame.keys
    assert (after.frame.values == before.frame.values)[~np.isnan(before.frame.values)].all()


async def test_stale_answers_are_asked_again_with_their_etag(core_env, service):
    """After its TTL an answer is asked with If-None-Match; a 304 keeps the body."""
    account = await core_env.connect("instagram")
    metrics = MetricStore(core_env.db)
    # Noon on the sandbox's clock: the steps below stay within one day.
    now = core_env.now()
    noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    core_env.advance((noon - now).total_seconds())
    await service.refresh(account.id)  # backfill
    await service.refresh(account.id)  # the regular week window
    profile_key = f"analytics:{account.id}:profile"
    first = metrics.cache_get(profile_key)
    assert first is not None and first.etag is not None
    not_modified = core_env.counter("not_modified.instagram")

    core_env.advance(11 * 60)  # past the profile's 10 min TTL, not the insights' 6 h
    outcome = await service.refresh(account.id)
    assert (outcome.requests, outcome.unchanged) == (1, 1)
    assert core_env.counter("not_modified.instagram") == not_modified + 1
    kept = metrics.cache_get(profile_key)
    assert kept is not None and (kept.body, kept.etag) == (first.body, first.etag)
    assert kept.is_fresh(service.now())
    assert kept.expires_at - first.expires_at >= timedelta(minutes=11)
    # The cached answer still stored today's points.
    data = await service.load(service.today(), service.today())
    followers = data.frame.rows_of(account.id)[SeriesKey(account.id, Metric.FOLLOWERS)]
    assert followers[-1] == json.loads(first.body)["stats"]["followers_count"]

    core_env.advance(7 * 3600)  # every answer stale; none changed within the day
    outcome = await service.refresh(account.id)
    assert (outcome.requests, outcome.unchanged) == (3, 3)
    assert core_env.counter("not_modified.instagram") == not_modified + 4

    core_env.advance(86_400)  # a day later the numbers moved: 200, new body, new tag
    outcome = await service.refresh(account.id)
    assert outcome.unchanged == 0
    assert core_env.counter("not_modified.instagram") == not_modified + 4
    changed = metrics.cache_get(profile_key)
    assert changed is not None and changed.etag not in (None, first.etag)
    assert changed.body != first.body
    assert changed.fetched_at > kept.fetched_at


async def test_a_repeated_success_writes_no_status_until_the_stamp_is_old(core_env, service):
    # A connected account refreshed again within a minute: nothing a user sees
    # changes, so the account row is not written (one transaction fewer per refresh).
    account = await core_env.connect("tiktok")
    await service.refresh(account.id)
    first = core_env.store.get(account.id)
    assert first.status is ConnectionStatus.CONNECTED and first.last_success_at is not None
    await service.refresh(account.id, force=True)
    assert core_env.store.get(account.id).updated_at == first.updated_at

    # A failure is written, and the next success clears it at once.
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.RATE_LIMIT, path="*", times=1, retry_after_s=1)
    )
    with pytest.raises(RateLimitedError):
        await service.refresh(account.id, force=True)
    assert core_env.store.get(account.id).status is ConnectionStatus.RATE_LIMITED
    await service.refresh(account.id, force=True)
    healed = core_env.store.get(account.id)
    assert healed.status is ConnectionStatus.CONNECTED
    assert healed.retry_at is None and healed.last_error is None

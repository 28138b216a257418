"""What the app stores stays bounded: the API cache's pruning rule and the audit log's retention.

Real SQLite file, real stores; the clock is the one the callers pass (``now``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.audit import AUDIT_RETENTION_DAYS
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.metrics import MetricStore, window_key
from huntaze_desktop.storage.models import api_cache, audit_log

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _account(store: AccountStore, name: str = "a") -> int:
    account, _ = store.upsert_connected(
        "reddit",
        f"t2_{name}",
        TokenSet(access_token=f"access-{name}", refresh_token=f"refresh-{name}"),
        username=name,
        display_name=name,
    )
    return account.id


def _keys(db: Database) -> set[str]:
    with db.transaction() as conn:
        return set(conn.execute(select(api_cache.c.key)).scalars())


def _window(account_id: int, until: date, span: int) -> str:
    return window_key(account_id, until - timedelta(days=span), until)


def test_a_window_superseded_by_a_later_one_of_its_family_goes(db, store):
    account = _account(store)
    metrics = MetricStore(db)
    today = NOON.date()
    yesterday_week = _window(account, today - DAY, 7)
    today_week = _window(account, today, 7)
    settled = _window(account, today - timedelta(days=3), 1)  # another family (span 1)
    # Yesterday's week answer, written at 23:00 with a 6 h TTL: still fresh at 01:00.
    late = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
    metrics.store_answers(account, [], [(yesterday_week, "{}", 6 * 3600, '"w1"', None)], now=late)
    early = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    metrics.store_answers(
        account, [], [(today_week, "{}", 3600, '"w2"', None), (settled, "{}", 3600)], now=early
    )

    assert metrics.cache_prune(early) == 1
    assert _keys(db) == {today_week, settled}


def test_the_newest_window_keeps_its_validators_through_the_day_it_is_asked(db, store):
    account = _account(store)
    metrics = MetricStore(db)
    week = _window(account, NOON.date(), 7)
    metrics.store_answers(account, [], [(week, '{"n": 1}', 3600, '"tag"', "Fri")], now=NOON)

    # Expired at 13:00, but the service asks this key again today: its ETag is
    # what makes that request conditional.
    evening = NOON + timedelta(hours=11)
    assert metrics.cache_prune(evening) == 0
    kept = metrics.cache_get(week)
    assert kept is not None and (kept.etag, kept.last_modified) == ('"tag"', "Fri")
    # A fresh answer from yesterday is kept too (until it expires).
    fresh_window = _window(account, NOON.date(), 1)
    metrics.store_answers(account, [], [(fresh_window, "{}", 2 * 86_400)], now=NOON)
    assert metrics.cache_prune(NOON + DAY) == 1  # the expired week window of yesterday
    assert _keys(db) == {fresh_window}


def test_an_expired_backfill_answer_goes_the_next_day_and_other_entries_stay(db, store):
    first, second = _account(store, "a"), _account(store, "b")
    metrics = MetricStore(db)
    backfill = _window(first, NOON.date(), 365)
    profile = f"analytics:{first}:profile"
    marker = f"analytics:{first}:backfilled"
    other = _window(second, NOON.date(), 365)
    metrics.store_answers(
        first,
        [],
        [(backfill, "x" * 10_000, 3600), (profile, "{}", 600, '"p"', None)],
        now=NOON,
    )
    metrics.store_answers(first, [], [(marker, "{}", 20 * 365 * 86_400)], now=NOON)
    metrics.store_answers(second, [], [(other, "{}", 3600)], now=NOON + timedelta(hours=6))
    metrics.cache_put("something:else", None, "{}", 1)

    # Same day: the backfill answer is still the one asked today.
    assert metrics.cache_prune(NOON + timedelta(hours=11)) == 0
    # Next day: expired and of a day nobody asks about any more. The profile
    # answer (expired too) and the marker are one row per account: they stay;
    # so does a key that carries no window.
    next_day = NOON + timedelta(hours=13)
    assert metrics.cache_prune(next_day) == 2
    assert _keys(db) == {profile, marker, "something:else"}
    held = metrics.cache_get(profile)
    assert held is not None and held.etag == '"p"'


def test_the_families_of_every_platform_have_distinct_spans():
    """The superseding rule's premise: one refresh asks at most one window per span."""
    registry = default_registry()
    for name in registry.names():
        platform = registry.analytics(name)
        for backfill in (True, False):
            for hour in (0, 7, 23):
                now = NOON.replace(hour=hour)
                spans = [
                    (until.date() - since.date()).days
                    for since, until in platform.stats_windows(now, backfill)
                ]
                assert len(spans) == len(set(spans)), (name, backfill, spans)


def test_audit_entries_older_than_the_retention_go_newer_stay(db, store):
    now = datetime.now(UTC)
    ages = {
        "ancient": timedelta(days=3 * 365),
        "just-expired": timedelta(days=AUDIT_RETENTION_DAYS, hours=1),
        "just-kept": timedelta(days=AUDIT_RETENTION_DAYS) - timedelta(hours=1),
        "recent": timedelta(days=2),
    }
    with db.immediate() as conn:
        conn.execute(
            insert(audit_log), [{"at": now - age, "event": event} for event, age in ages.items()]
        )
    store.audit("connected", provider="reddit", provider_account_id="t2_x")

    assert store.prune_audit(now) == 2
    assert {e.event for e in store.audit_events()} == {"just-kept", "recent", "connected"}
    assert store.prune_audit(now) == 0


def test_audit_retention_is_counted_from_the_given_now(db, store):
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with db.immediate() as conn:
        conn.execute(insert(audit_log), [{"at": stamp, "event": "old"}])
    retention_end = stamp + timedelta(days=AUDIT_RETENTION_DAYS)
    assert store.prune_audit(retention_end) == 0
    assert store.prune_audit(retention_end + timedelta(seconds=1)) == 1
    with db.transaction() as conn:
        remaining = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert remaining == 0

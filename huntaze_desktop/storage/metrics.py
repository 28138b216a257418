"""Daily metric snapshots and the API answer cache.

Missing data is no row: a day the platform did not report stays absent rather
than becoming a zero or a NULL, so charts can show a gap honestly.

A refresh of hundreds of accounts writes here hundreds of times in a few
seconds, from the storage thread that shares the GIL with the UI loop: every
statement is built once, below, from the tables of ``models.py`` (SQLAlchemy
then reuses its compiled form), the write path runs one executemany per table
and one transaction per refresh.

What the cache keeps stays bounded (``MetricStore.cache_prune``): a stats answer
is cached under a key that carries the days of its window
(:func:`window_key`), so each day brings new keys and the old ones would pile up
for ever. The pruning rule is written on ``cache_prune``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, true, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import api_cache, metric_snapshots, utcnow

__all__ = ["CacheEntry", "CacheWrite", "MetricStore", "Snapshot", "window_key"]

# (key, body, ttl_seconds) or (key, body, ttl_seconds, etag, last_modified).
CacheWrite = tuple[str, str, float] | tuple[str, str, float, str | None, str | None]

_s = metric_snapshots.c
# A refresh writes a window of points (about 140 for a week of an account's
# metrics). Bound row by row (executemany), SQLAlchemy converts six parameters
# per row: ~5 us a row on the storage thread, which shares the GIL with the UI.
# The points go instead as ONE JSON array that SQLite itself walks (json_each),
# and the values that are the same for every row (account, fetch time) are
# bound once, through their column types. A day goes as its ISO text, which is
# what the Date type stores (tests/storage/test_v1_database.py compares the
# stored rows with those earlier versions wrote).
_point = func.json_each(bindparam("points")).table_valued("value").alias("point")
_new_snapshot = sqlite_insert(metric_snapshots).from_select(
    ["account_id", "metric", "day", "value", "source", "fetched_at"],
    select(
        bindparam("account_id", type_=_s.account_id.type),
        func.json_extract(_point.c.value, "$[0]"),
        func.json_extract(_point.c.value, "$[1]"),
        func.json_extract(_point.c.value, "$[2]"),
        func.json_extract(_point.c.value, "$[3]"),
        bindparam("fetched_at", type_=_s.fetched_at.type),
    )
    # SQLite needs a WHERE in an INSERT ... SELECT ... ON CONFLICT (its grammar
    # would read ON as a join constraint otherwise).
    .where(true()),
)
_UPSERT_SNAPSHOTS = _new_snapshot.on_conflict_do_update(
    index_elements=[_s.account_id, _s.metric, _s.day],
    set_={
        "value": _new_snapshot.excluded.value,
        "source": _new_snapshot.excluded.source,
        "fetched_at": _new_snapshot.excluded.fetched_at,
    },
)
_IN_RANGE = (_s.day >= bindparam("since"), _s.day <= bindparam("until"))
_OF_ACCOUNTS = _s.account_id.in_(bindparam("accounts", expanding=True))
_SNAPSHOTS = (
    select(_s.account_id, _s.metric, _s.day, _s.value, _s.source, _s.fetched_at)
    .where(_OF_ACCOUNTS, _s.metric.in_(bindparam("metrics", expanding=True)), *_IN_RANGE)
    .order_by(_s.account_id, _s.metric, _s.day)
)
_SNAPSHOT_ROWS = select(_s.account_id, _s.metric, _s.day, _s.value, _s.fetched_at).where(
    _OF_ACCOUNTS, *_IN_RANGE
)

_c = api_cache.c
_new_entry = sqlite_insert(api_cache)
_UPSERT_CACHE = _new_entry.on_conflict_do_update(
    index_elements=[_c.key],
    set_={
        name: _new_entry.excluded[name]
        for name in ("account_id", "body", "etag", "last_modified", "fetched_at", "expires_at")
    },
)
# A 304 answer: same body and validators, a new TTL.
_TOUCH_CACHE = (
    update(api_cache)
    .where(_c.key == bindparam("touch_key"))
    .values(fetched_at=bindparam("touch_at"), expires_at=bindparam("touch_until"))
)
_CACHE_ENTRIES = select(
    _c.key, _c.account_id, _c.body, _c.etag, _c.last_modified, _c.fetched_at, _c.expires_at
).where(_c.key.in_(bindparam("keys", expanding=True)))
_CACHED_ANSWER = select(_c.key, _c.account_id, _c.body, _c.etag, _c.last_modified).where(
    _c.key == bindparam("touch_key")
)
_PURGE_CACHE = delete(api_cache).where(_c.expires_at < bindparam("older_than"))

# A window answer's key: ``analytics:<account>:stats:<since day>:<until day>``.
_WINDOW_KEY = re.compile(r"analytics:(\d+):stats:(\d{4}-\d\d-\d\d):(\d{4}-\d\d-\d\d)")
# What pruning needs of each window answer (never the body): its key, whether it
# has expired, and whether it was last fetched (or confirmed by a 304) before
# today. Both comparisons run in SQLite on the stored naive-UTC text, which
# sorts as the instants do.
_WINDOW_ENTRIES = select(
    _c.key,
    _c.expires_at <= bindparam("now", type_=_c.expires_at.type),
    _c.fetched_at < bindparam("today", type_=_c.fetched_at.type),
).where(_c.key.like("analytics:%:stats:%"))
# The doomed keys go as ONE JSON array SQLite walks (a year of a never-pruned
# cache is ~90,000 keys: one statement, not 90,000 parameter sets).
_DROP_CACHE = delete(api_cache).where(
    _c.key.in_(select(func.json_each(bindparam("keys")).table_valued("value").c.value))
)


def window_key(account_id: int, since: date, until: date) -> str:
    """The cache key of a stats answer for the window ``since``..``until`` (days).

    Day granularity: a window ending "now" keeps one key for the day, so a fresh
    answer is reused instead of refetched every few minutes, and the next day
    asks under a new key (which is why :meth:`MetricStore.cache_prune` exists).
    """
    return f"analytics:{account_id}:stats:{since.isoformat()}:{until.isoformat()}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One stored daily value."""

    account_id: int
    metric: str
    day: date
    value: float
    source: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A cached answer and its validators for a conditional request."""

    key: str
    account_id: int | None
    body: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    expires_at: datetime

    def is_fresh(self, now: datetime | None = None) -> bool:
        """Still within its TTL (a stale entry is still useful for If-None-Match)."""
        return (now or utcnow()) < self.expires_at


class MetricStore:
    """Reads and writes metric snapshots and cached API answers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert_snapshots(
        self, account_id: int, points: Iterable[tuple[str, date, float, str]]
    ) -> int:
        """Insert or replace (metric, day, value, source) points; returns how many."""
        return self.store_answers(account_id, points, ())

    def store_answers(
        self,
        account_id: int,
        points: Iterable[tuple[str, date, float, str]],
        cache: Iterable[CacheWrite],
        *,
        touched: Iterable[tuple[str, float]] = (),
        now: datetime | None = None,
    ) -> int:
        """Snapshots, cached answers and renewed TTLs in ONE transaction.

        ``cache`` holds ``(key, body, ttl_seconds[, etag, last_modified])`` (the
        answer replaces any previous one); ``touched`` holds ``(key, ttl_seconds)``
        for answers a platform confirmed unchanged (304): body and validators stay,
        the TTL starts again. ``now`` is the caller's clock (the one its freshness
        checks use). Returns how many snapshots were written.

        A refresh writes all of it; one durable commit instead of several keeps
        hundreds of accounts refreshing at once from queueing on SQLite's single
        writer.
        """
        now = now or utcnow()
        rows = [
            (metric, day.isoformat(), float(value), source) for metric, day, value, source in points
        ]
        entries = [
            {
                "key": entry[0],
                "account_id": account_id,
                "body": entry[1],
                "etag": entry[3] if len(entry) > 3 else None,
                "last_modified": entry[4] if len(entry) > 4 else None,
                "fetched_at": now,
                "expires_at": now + timedelta(seconds=entry[2]),
            }
            for entry in cache
        ]
        touches = [
            {
                "touch_key": key,
                "touch_at": now,
                "touch_until": now + timedelta(seconds=ttl),
            }
            for key, ttl in touched
        ]
        if not rows and not entries and not touches:
            return 0
        with self._db.immediate() as connection:
            if rows:
                connection.execute(
                    _UPSERT_SNAPSHOTS,
                    {"account_id": account_id, "points": json.dumps(rows), "fetched_at": now},
                )
            if entries:
                connection.execute(_UPSERT_CACHE, entries)
            if touches:
                connection.execute(_TOUCH_CACHE, touches)
        return len(rows)

    def snapshots(
        self,
        account_ids: Sequence[int],
        metrics: Sequence[str],
        since: date,
        until: date,
    ) -> list[Snapshot]:
        """Points with ``since <= day <= until``, ordered by account, metric, day."""
        parameters = {
            "accounts": list(account_ids),
            "metrics": list(metrics),
            "since": since,
            "until": until,
        }
        with self._db.transaction() as conn:
            rows = conn.execute(_SNAPSHOTS, parameters).all()
        return [Snapshot(*row) for row in rows]

    def snapshot_rows(
        self, account_ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, str, date, float, datetime]]:
        """Every metric of these accounts in [since, until] as plain tuples
        ``(account_id, metric, day, value, fetched_at)``: years of daily points for
        hundreds of accounts load without building an object per row.
        """
        parameters = {"accounts": list(account_ids), "since": since, "until": until}
        with self._db.transaction() as conn:
            rows = conn.execute(_SNAPSHOT_ROWS, parameters).all()
        return [(a, m, d, v, f) for a, m, d, v, f in rows]

    def cache_get(self, key: str) -> CacheEntry | None:
        """The cached entry, fresh or stale (check :meth:`CacheEntry.is_fresh`)."""
        return self.cache_get_many([key]).get(key)

    def cache_get_many(self, keys: Iterable[str]) -> dict[str, CacheEntry]:
        """The entries held for ``keys`` (fresh or stale), in one query; absent keys left out."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        with self._db.transaction() as conn:
            rows = conn.execute(_CACHE_ENTRIES, {"keys": wanted}).all()
        return {row[0]: CacheEntry(*row) for row in rows}

    def cache_put(
        self,
        key: str,
        account_id: int | None,
        body: str,
        ttl_seconds: float,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> CacheEntry:
        """Store an answer for ``ttl_seconds`` (replacing any previous one)."""
        now = utcnow()
        expires = now + timedelta(seconds=ttl_seconds)
        entry = CacheEntry(key, account_id, body, etag, last_modified, now, expires)
        with self._db.immediate() as conn:
            conn.execute(
                _UPSERT_CACHE,
                {
                    "key": key,
                    "account_id": account_id,
                    "body": body,
                    "etag": etag,
                    "last_modified": last_modified,
                    "fetched_at": now,
                    "expires_at": expires,
                },
            )
        return entry

    def cache_touch(
        self, key: str, ttl_seconds: float, *, now: datetime | None = None
    ) -> CacheEntry | None:
        """A 304 answer: keep the body, start a new TTL. None if nothing is cached."""
        now = now or utcnow()
        expires = now + timedelta(seconds=ttl_seconds)
        with self._db.immediate() as conn:
            row = conn.execute(_CACHED_ANSWER, {"touch_key": key}).first()
            if row is None:
                return None
            conn.execute(_TOUCH_CACHE, {"touch_key": key, "touch_at": now, "touch_until": expires})
        key, account_id, body, etag, last_modified = row
        return CacheEntry(key, account_id, body, etag, last_modified, now, expires)

    def cache_prune(self, now: datetime | None = None) -> int:
        """Delete the cached window answers nothing will ask for again; returns how many.

        Only stats answers, whose keys carry their window's days
        (:func:`window_key`), are pruned; an account's other entries (its profile
        answer, its backfill marker) are one row each, replaced in place, and go
        with the account. A window answer is deleted when either holds:

        * **superseded**: a window of the same *family* (same account, same span
          in days) with a later end day is held. Windows are reckoned from the
          current day, so the older one will not be asked for again (each
          platform asks for windows of distinct spans; a test checks it);
        * **out of date**: it has expired (``expires_at <= now``) and was last
          fetched or confirmed (304) before ``now``'s UTC day. Its key names a day
          the service no longer asks about, so its validators cannot serve a
          conditional request any more. This is what removes the 365-day
          backfill answer (the only one of its family) a day after it was asked.

        So the newest window of each family, validators included, stays while it
        is the one asked for today: ETag / Last-Modified revalidation keeps
        working. ``now`` is the clock the answers were written with (the analytics
        service's). One ``BEGIN IMMEDIATE`` transaction; the bodies are not read.
        """
        now = now or utcnow()
        day = now.astimezone(UTC).date()
        today = datetime(day.year, day.month, day.day, tzinfo=UTC)
        with self._db.immediate() as conn:
            rows = conn.execute(_WINDOW_ENTRIES, {"now": now, "today": today}).all()
            newest: dict[tuple[int, int], date] = {}
            windows: list[tuple[str, tuple[int, int], date, bool]] = []
            for key, expired, before_today in rows:
                found = _WINDOW_KEY.fullmatch(key)
                if found is None:
                    continue
                since = date.fromisoformat(found[2])
                until = date.fromisoformat(found[3])
                family = (int(found[1]), (until - since).days)
                if until > newest.get(family, date.min):
                    newest[family] = until
                windows.append((key, family, until, bool(expired) and bool(before_today)))
            doomed = [
                key
                for key, family, until, out_of_date in windows
                if out_of_date or until < newest[family]
            ]
            if doomed:
                conn.execute(_DROP_CACHE, {"keys": json.dumps(doomed)})
        return len(doomed)

    def cache_purge(self, older_than: datetime) -> int:
        """Delete entries that expired before ``older_than``; returns how many."""
        with self._db.immediate() as conn:
            deleted = conn.execute(_PURGE_CACHE, {"older_than": older_than})
            return int(deleted.rowcount or 0)

"""Daily metric snapshots and the API answer cache.

Missing data is no row: a day the platform did not report stays absent rather
than becoming a zero or a NULL, so charts can show a gap honestly.

A refresh of hundreds of accounts writes here hundreds of times in a few
seconds, from worker threads that share the GIL with the UI loop: the write
path uses prepared statements (one executemany per table) and one transaction
per refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from huntaze_desktop.storage.codec import db_value, read_date, read_datetime, utcnow
from huntaze_desktop.storage.db import Database

__all__ = ["CacheEntry", "CacheWrite", "MetricStore", "Snapshot"]

# (key, body, ttl_seconds) or (key, body, ttl_seconds, etag, last_modified).
CacheWrite = tuple[str, str, float] | tuple[str, str, float, str | None, str | None]

_UPSERT_SNAPSHOTS = """
    INSERT INTO metric_snapshots (account_id, metric, day, value, source, fetched_at)
    VALUES (:account_id, :metric, :day, :value, :source, :fetched_at)
    ON CONFLICT (account_id, metric, day) DO UPDATE SET
        value = excluded.value, source = excluded.source, fetched_at = excluded.fetched_at
"""
_UPSERT_CACHE = """
    INSERT INTO api_cache (key, account_id, body, etag, last_modified, fetched_at, expires_at)
    VALUES (:key, :account_id, :body, :etag, :last_modified, :fetched_at, :expires_at)
    ON CONFLICT (key) DO UPDATE SET
        account_id = excluded.account_id, body = excluded.body, etag = excluded.etag,
        last_modified = excluded.last_modified, fetched_at = excluded.fetched_at,
        expires_at = excluded.expires_at
"""
# A 304 answer: same body and validators, a new TTL.
_TOUCH_CACHE = (
    "UPDATE api_cache SET fetched_at = :touch_at, expires_at = :touch_until WHERE key = :touch_key"
)
_CACHE_COLUMNS = "key, account_id, body, etag, last_modified, fetched_at, expires_at"


def _marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for an ``IN (...)`` of these values."""
    return ", ".join("?" * len(values))


def _cache_entry(row: Sequence[Any]) -> CacheEntry:
    key, account_id, body, etag, last_modified, fetched_at, expires_at = row
    return CacheEntry(
        key,
        account_id,
        body,
        etag,
        last_modified,
        read_datetime(fetched_at),
        read_datetime(expires_at),
    )


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
        stamp = db_value(now)
        rows = [
            {
                "account_id": account_id,
                "metric": metric,
                "day": db_value(day),
                "value": float(value),
                "source": source,
                "fetched_at": stamp,
            }
            for metric, day, value, source in points
        ]
        entries = [
            {
                "key": entry[0],
                "account_id": account_id,
                "body": entry[1],
                "etag": entry[3] if len(entry) > 3 else None,
                "last_modified": entry[4] if len(entry) > 4 else None,
                "fetched_at": stamp,
                "expires_at": db_value(now + timedelta(seconds=entry[2])),
            }
            for entry in cache
        ]
        touches = [
            {
                "touch_key": key,
                "touch_at": stamp,
                "touch_until": db_value(now + timedelta(seconds=ttl)),
            }
            for key, ttl in touched
        ]
        if not rows and not entries and not touches:
            return 0
        with self._db.immediate() as connection:
            if rows:
                connection.executemany(_UPSERT_SNAPSHOTS, rows)
            if entries:
                connection.executemany(_UPSERT_CACHE, entries)
            if touches:
                connection.executemany(_TOUCH_CACHE, touches)
        return len(rows)

    def snapshots(
        self,
        account_ids: Sequence[int],
        metrics: Sequence[str],
        since: date,
        until: date,
    ) -> list[Snapshot]:
        """Points with ``since <= day <= until``, ordered by account, metric, day."""
        accounts, names = list(account_ids), list(metrics)
        query = (
            # Only "?" marks are formatted in (here and below): every value is bound.
            "SELECT account_id, metric, day, value, source, fetched_at "  # noqa: S608
            "FROM metric_snapshots "
            f"WHERE account_id IN ({_marks(accounts)}) AND metric IN ({_marks(names)}) "
            "AND day >= ? AND day <= ? ORDER BY account_id, metric, day"
        )
        with self._db.transaction() as conn:
            rows = conn.execute(
                query, (*accounts, *names, db_value(since), db_value(until))
            ).fetchall()
        return [Snapshot(a, m, read_date(d), v, s, read_datetime(f)) for a, m, d, v, s, f in rows]

    def snapshot_rows(
        self, account_ids: Sequence[int], since: date, until: date
    ) -> list[tuple[int, str, date, float, datetime]]:
        """Every metric of these accounts in [since, until] as plain tuples
        ``(account_id, metric, day, value, fetched_at)``: years of daily points for
        hundreds of accounts load without building an object per row.
        """
        accounts = list(account_ids)
        query = (
            "SELECT account_id, metric, day, value, fetched_at FROM metric_snapshots "  # noqa: S608
            f"WHERE account_id IN ({_marks(accounts)}) AND day >= ? AND day <= ?"
        )
        with self._db.transaction() as conn:
            rows = conn.execute(query, (*accounts, db_value(since), db_value(until))).fetchall()
        return [(a, m, read_date(d), v, read_datetime(f)) for a, m, d, v, f in rows]

    def cache_get(self, key: str) -> CacheEntry | None:
        """The cached entry, fresh or stale (check :meth:`CacheEntry.is_fresh`)."""
        return self.cache_get_many([key]).get(key)

    def cache_get_many(self, keys: Iterable[str]) -> dict[str, CacheEntry]:
        """The entries held for ``keys`` (fresh or stale), in one query; absent keys left out."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        query = f"SELECT {_CACHE_COLUMNS} FROM api_cache WHERE key IN ({_marks(wanted)})"  # noqa: S608
        with self._db.transaction() as conn:
            rows = conn.execute(query, wanted).fetchall()
        return {row[0]: _cache_entry(row) for row in rows}

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
                    "fetched_at": db_value(now),
                    "expires_at": db_value(expires),
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
            row = conn.execute(
                "SELECT key, account_id, body, etag, last_modified FROM api_cache WHERE key = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                _TOUCH_CACHE,
                {"touch_key": key, "touch_at": db_value(now), "touch_until": db_value(expires)},
            )
        key, account_id, body, etag, last_modified = row
        return CacheEntry(key, account_id, body, etag, last_modified, now, expires)

    def cache_purge(self, older_than: datetime) -> int:
        """Delete entries that expired before ``older_than``; returns how many."""
        with self._db.immediate() as conn:
            deleted = conn.execute(
                "DELETE FROM api_cache WHERE expires_at < ?", (db_value(older_than),)
            )
            return int(deleted.rowcount or 0)

"""AnalyticsService: refresh one account's numbers, and load any range instantly.

``refresh(account_id)`` asks the platform (always through the token manager, in
one ``TokenManager.call`` so a 401 is renewed once and the outcome becomes the
account's status) for what is not fresh in the API cache, turns the answers into
points with the platform's normalizer and stores them as daily snapshots. The
first refresh of an account asks for a longer window: backfill.

``load(start, end)`` reads only the database, so the page opens at once from
what was stored before, and refreshes after.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from huntaze_desktop.core.analytics.aggregate import Frame
from huntaze_desktop.core.analytics.normalize import Window, analytics_for, utc_day
from huntaze_desktop.core.analytics.series import Point, SeriesKey, split_stored_metric
from huntaze_desktop.core.events import EventBus
from huntaze_desktop.core.models import Account, TokenSet

__all__ = ["AnalyticsData", "AnalyticsService", "RefreshOutcome"]

log = logging.getLogger("huntaze.analytics")

# The backfill marker outlives any purge of expired answers.
_MARKER_TTL_S = 20 * 365 * 86_400


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What one refresh did: ``requests`` made to the platform, ``points`` stored."""

    account_id: int
    requests: int
    points: int
    backfilled: bool


@dataclass(slots=True)
class AnalyticsData:
    """Everything stored for a range, ready for aggregation.

    ``frame`` also covers the previous period of equal length (for deltas).
    ``fetched_at`` is when each account's newest snapshot was written.
    """

    start: date
    end: date
    frame: Frame
    accounts: list[Account]
    fetched_at: dict[int, datetime] = field(default_factory=dict)

    @property
    def providers(self) -> dict[int, str]:
        return {a.id: a.provider for a in self.accounts}

    @property
    def last_updated(self) -> datetime | None:
        return max(self.fetched_at.values(), default=None)


class AnalyticsService:
    """Fetches, caches, snapshots and loads analytics for every connected account.

    ``store`` is the AccountStore (``get``, ``list_accounts``), ``metric_store`` the
    MetricStore, ``tokens`` the TokenManager, ``client_for(provider)`` gives the
    ProviderClient, ``clock()`` an aware UTC datetime (the sandbox's in tests).
    """

    def __init__(
        self,
        store: Any,
        metric_store: Any,
        tokens: Any,
        client_for: Callable[[str], Any],
        bus: EventBus,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._store = store
        self._metrics = metric_store
        self._tokens = tokens
        self._client_for = client_for
        self._bus = bus
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return utc_day(self._clock())

    # -- refresh ------------------------------------------------------------------

    async def refresh(self, account_id: int, *, force: bool = False) -> RefreshOutcome:
        """Bring one account's snapshots up to date; ``force`` ignores fresh cache.

        Raises the typed error of a failed call (the token manager has already
        recorded it as the account's status); stored data is kept as it was.
        """
        account: Account = await asyncio.to_thread(self._store.get, account_id)
        platform = analytics_for(account.provider)
        client = self._client_for(account.provider)
        now = self.now()
        marker = f"analytics:{account_id}:backfilled"
        keys = [f"analytics:{account_id}:profile", marker]
        cached = await asyncio.to_thread(self._cache_many, keys)
        backfill = cached[marker] is None
        windows = platform.stats_windows(now, backfill)
        window_keys = [_window_key(account_id, w) for w in windows]
        cached.update(await asyncio.to_thread(self._cache_many, window_keys))

        def stale(key: str) -> bool:
            entry = cached.get(key)
            return force or entry is None or not entry.is_fresh(now)

        want_profile = stale(keys[0])
        todo = [(w, k) for w, k in zip(windows, window_keys, strict=True) if stale(k)]
        if not want_profile and not todo:
            return RefreshOutcome(account_id, 0, 0, False)
        metadata = dict(account.metadata)

        async def fetch(tokens: TokenSet) -> tuple[Any, list[tuple[Window, str, Any]]]:
            profile = await client.fetch_profile(tokens) if want_profile else None
            meta = {**metadata, **(profile.metadata if profile is not None else {})}
            answers = []
            for (since, until), key in todo:
                answers.append(
                    ((since, until), key, await client.fetch_stats(tokens, meta, since, until))
                )
            return profile, answers

        profile, answers = await self._tokens.call(account_id, fetch)
        points: list[Point] = []
        puts: list[tuple[str, str, float]] = []
        if profile is not None:
            points += platform.profile_points(account_id, profile.stats, utc_day(now))
            body = json.dumps({"stats": profile.stats, "metadata": profile.metadata})
            puts.append((keys[0], body, platform.profile_ttl_s))
        for (since, until), key, stats in answers:
            points += platform.stats_points(account_id, stats, since, until)
            puts.append((key, json.dumps(stats, default=str), platform.stats_ttl_s))
        if backfill:
            puts.append((marker, "{}", _MARKER_TTL_S))
        stored = await asyncio.to_thread(self._write, account_id, points, puts)
        requests = int(profile is not None) + len(answers)
        log.debug("account %s: %s points from %s answers", account_id, stored, requests)
        return RefreshOutcome(account_id, requests, stored, backfill)

    def _cache_many(self, keys: Sequence[str]) -> dict[str, Any]:
        return {key: self._metrics.cache_get(key) for key in keys}

    def _write(
        self, account_id: int, points: list[Point], puts: list[tuple[str, str, float]]
    ) -> int:
        return int(self._metrics.store_answers(account_id, [p.as_row() for p in points], puts))

    # -- load ---------------------------------------------------------------------

    async def load(
        self, start: date, end: date, account_ids: Sequence[int] | None = None
    ) -> AnalyticsData:
        """Stored data for [start, end] and the period before it (database only)."""
        return await asyncio.to_thread(self.load_sync, start, end, account_ids)

    def load_sync(
        self, start: date, end: date, account_ids: Sequence[int] | None = None
    ) -> AnalyticsData:
        accounts: list[Account] = list(self._store.list_accounts())
        if account_ids is not None:
            wanted = set(account_ids)
            accounts = [a for a in accounts if a.id in wanted]
        span = (end - start).days + 1
        load_start = start - timedelta(days=span)
        ids = [a.id for a in accounts]
        rows = self._metrics.snapshot_rows(ids, load_start, end) if ids else []
        fetched: dict[int, datetime] = {}
        parsed: list[tuple[SeriesKey, date, float]] = []
        for account_id, metric_text, day, value, fetched_at in rows:
            found = split_stored_metric(metric_text)
            if found is None:
                continue
            parsed.append((SeriesKey(account_id, found[0], found[1]), day, value))
            if account_id not in fetched or fetched_at > fetched[account_id]:
                fetched[account_id] = fetched_at
        frame = Frame.from_rows(load_start, end, parsed)
        return AnalyticsData(start, end, frame, accounts, fetched)

    def cached_profile(self, account_id: int) -> Mapping[str, Any] | None:
        """The last profile answer kept for this account (blocking; tests, CLI)."""
        entry = self._metrics.cache_get(f"analytics:{account_id}:profile")
        return None if entry is None else json.loads(entry.body)


def _window_key(account_id: int, window: Window) -> str:
    # Day granularity: a window ending "now" keeps one key for the day, so a
    # fresh answer is reused instead of refetched every few minutes.
    since, until = window
    return f"analytics:{account_id}:stats:{since.date().isoformat()}:{until.date().isoformat()}"

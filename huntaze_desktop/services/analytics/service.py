"""AnalyticsService: refresh one account's numbers, and load any range instantly.

``refresh(account_id)`` asks the platform (always through the token manager, in
one ``TokenManager.call`` so a 401 is renewed once and the outcome becomes the
account's status) for what is not fresh in the API cache, turns the answers into
points with the platform's normalizer and stores them as daily snapshots. The
first refresh of an account asks for a longer window: backfill.

Each cached answer has a TTL per endpoint (the normalizer's ``PROFILE_TTL_S``,
``STATS_TTL_S``) and, when the platform tagged it, its ``ETag`` /
``Last-Modified``. Once the TTL has run out the answer is asked again with
those validators; a ``304`` means the cached body is still the answer: its
points are stored again from it and its TTL starts over.

``load(start, end)`` reads only the database, so the page opens at once from
what was stored before, and refreshes after.

What a normalizer refuses to store (``PlatformAnalytics.stats_refused``, e.g.
OnlyFans earnings without a currency) is logged as a warning on every refresh,
told to the user once per account while the service runs (a ``Notice``), and
returned in ``RefreshOutcome.refused``. Revenue stored without a currency by an
older version is not loaded (it would be counted beside the amounts with one).

One refresh crosses to the storage thread (``storage.worker.offload``) twice
(read the account, its cache entries and its tokens; write snapshots and
answers in one transaction): hundreds of accounts refresh at once on a loop
that also draws the UI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from huntaze_desktop.domain.errors import InstallationError, VaultError
from huntaze_desktop.domain.events import EventBus, Notice
from huntaze_desktop.domain.models import Account, ConnectionStatus, TokenSet
from huntaze_desktop.domain.series import MetricKind, Point, SeriesKey, split_stored_metric
from huntaze_desktop.net.conditional import Validators
from huntaze_desktop.providers.analytics import (
    REVENUE_WITHOUT_CURRENCY,
    PlatformAnalytics,
    Window,
    utc_day,
)
from huntaze_desktop.providers.base import Profile, ProviderClient, Stats, Unchanged
from huntaze_desktop.providers.registry import ProviderRegistry, default_registry
from huntaze_desktop.storage.metrics import window_key
from huntaze_desktop.storage.worker import offload

if TYPE_CHECKING:  # numpy (~15 MB) loads with the first chart, not at start-up
    from huntaze_desktop.services.analytics.aggregate import Frame
    from huntaze_desktop.services.tokens import TokenManager
    from huntaze_desktop.storage.accounts import AccountStore
    from huntaze_desktop.storage.metrics import CacheEntry, MetricStore

__all__ = ["AnalyticsData", "AnalyticsService", "Pruned", "RefreshOutcome", "refusal_text"]

log = logging.getLogger("huntaze.analytics")

# The backfill marker outlives any purge of expired answers.
_MARKER_TTL_S = 20 * 365 * 86_400


def _utcnow() -> datetime:
    return datetime.now(UTC)


# Statuses a request can clear (the platform answers again): a refresh of such an
# account always asks the platform, never only the cache. (REFRESHING is no longer
# stored; a row an older version left so is settled at start, and asked here too.)
_RECHECK = frozenset(
    {
        ConnectionStatus.OFFLINE,
        ConnectionStatus.RATE_LIMITED,
        ConnectionStatus.DEGRADED,
        ConnectionStatus.REFRESHING,
    }
)


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What one refresh did: ``requests`` (answers) asked of the platform, ``points`` stored.

    ``unchanged`` counts the answers the platform confirmed with a 304;
    ``refused`` names what the answers held that was not stored
    (``"revenue without currency"``), once each.
    """

    account_id: int
    requests: int
    points: int
    backfilled: bool
    unchanged: int = 0
    refused: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pruning deleted: cached answers and audit entries."""

    cache_entries: int
    audit_entries: int


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


@dataclass(frozen=True, slots=True)
class _Ask:
    """One answer to ask for: its cache key, window (None: the profile) and held copy."""

    key: str
    window: Window | None
    held: CacheEntry | None

    @property
    def validators(self) -> Validators | None:
        held = self.held
        if held is None or (held.etag is None and held.last_modified is None):
            return None
        return Validators(held.etag, held.last_modified)


@dataclass(frozen=True, slots=True)
class _Plan:
    account: Account
    platform: PlatformAnalytics
    backfill: bool
    marker: str
    asks: list[_Ask]
    # The stored tokens and their generation, read with the account.
    loaded: tuple[TokenSet, int] | None = None


# What one ask brings back: a profile, a stats answer, or "unchanged" (a 304).
_Answer = Profile | Mapping[str, Any] | Unchanged


class AnalyticsService:
    """Fetches, caches, snapshots and loads analytics for every connected account.

    ``client_for(provider)`` gives the platform's client, ``clock()`` an aware UTC
    datetime (the sandbox's in tests), ``registry`` the platforms' normalizers.
    """

    def __init__(
        self,
        store: AccountStore,
        metric_store: MetricStore,
        tokens: TokenManager,
        client_for: Callable[[str], ProviderClient],
        bus: EventBus,
        clock: Callable[[], datetime] = _utcnow,
        registry: ProviderRegistry | None = None,
    ) -> None:
        self._registry = registry or default_registry()
        self._store = store
        self._metrics = metric_store
        self._tokens = tokens
        self._client_for = client_for
        self._bus = bus
        self._clock = clock
        # (account, refusal) pairs already told to the user by a Notice.
        self._told: set[tuple[int, str]] = set()

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return utc_day(self._clock())

    # -- refresh ------------------------------------------------------------------

    async def refresh(
        self,
        account_id: int,
        *,
        force: bool = False,
        slot: AbstractAsyncContextManager[Any] | None = None,
    ) -> RefreshOutcome:
        """Bring one account's snapshots up to date; ``force`` ignores fresh cache.

        ``slot`` (the scheduler's per-platform limit) is held while the platform
        is asked, and only then: reading what to ask and writing the answers are
        local work, and holding a platform slot through them kept the next
        account of that platform waiting on the database.

        Raises the typed error of a failed call (the token manager has already
        recorded it as the account's status); stored data is kept as it was.
        """
        now = self.now()
        try:
            plan = await offload(self._plan, account_id, now, force)
        except VaultError as exc:  # the account's stored credentials cannot be opened
            await self._tokens.record_failure(account_id, exc)
            raise
        if not plan.asks:
            return RefreshOutcome(account_id, 0, 0, False)
        client = self._client_for(plan.account.provider)
        metadata = dict(plan.account.metadata)

        async def fetch(tokens: TokenSet) -> list[tuple[_Ask, _Answer]]:
            answers: list[tuple[_Ask, _Answer]] = []
            meta = metadata
            for ask in plan.asks:
                validators = ask.validators
                answer: _Answer
                if ask.window is None:
                    if validators is None:
                        answer = await client.fetch_profile(tokens)
                    else:
                        answer = await client.fetch_profile_if_changed(tokens, validators)
                    if isinstance(answer, Profile):
                        meta = {**metadata, **answer.metadata}
                else:
                    since, until = ask.window
                    if validators is None:
                        answer = await client.fetch_stats(tokens, meta, since, until)
                    else:
                        answer = await client.fetch_stats_if_changed(
                            tokens, meta, since, until, validators
                        )
                answers.append((ask, answer))
            return answers

        async with slot if slot is not None else contextlib.nullcontext():
            answers = await self._tokens.call(
                account_id, fetch, account=plan.account, loaded=plan.loaded
            )
        platform = plan.platform
        points: list[Point] = []
        refused: list[str] = []
        puts: list[tuple[str, str, float, str | None, str | None]] = []
        touched: list[tuple[str, float]] = []
        for ask, answer in answers:
            ttl = platform.profile_ttl_s if ask.window is None else platform.stats_ttl_s
            if isinstance(answer, Unchanged):
                # 304: the held body is still the answer; it counts as fetched now.
                # (A conditional request is only made with validators from a held entry.)
                assert ask.held is not None
                body = ask.held.body
                touched.append((ask.key, ttl))
                payload = json.loads(body)
            elif isinstance(answer, Profile):
                payload = {"stats": answer.stats, "metadata": answer.metadata}
                puts.append(_put(ask.key, json.dumps(payload), ttl, answer.validators))
            else:
                payload = answer
                validators = answer.validators if isinstance(answer, Stats) else None
                puts.append(_put(ask.key, json.dumps(answer, default=str), ttl, validators))
            if ask.window is None:
                points += platform.profile_points(account_id, payload["stats"], utc_day(now))
            else:
                points += platform.stats_points(account_id, payload, *ask.window)
                refused += platform.stats_refused(payload)
        if plan.backfill:
            puts.append((plan.marker, "{}", _MARKER_TTL_S, None, None))
        stored = await offload(self._write, account_id, points, puts, touched, now)
        unchanged = len(touched)
        log.debug(
            "account %s: %s points from %s answers (%s unchanged)",
            account_id,
            stored,
            len(answers),
            unchanged,
        )
        refusals = tuple(dict.fromkeys(refused))
        if refusals:
            self._tell_refused(plan.account, refusals)
        return RefreshOutcome(account_id, len(answers), stored, plan.backfill, unchanged, refusals)

    def _tell_refused(self, account: Account, refusals: tuple[str, ...]) -> None:
        """Log what was not stored; tell the user once per account and kind."""
        platform = self._registry.get_spec(account.provider).display_name
        for what in refusals:
            log.warning(
                "account %s (%s): %s in the answer; not stored", account.id, account.provider, what
            )
            if (account.id, what) in self._told:
                continue
            self._told.add((account.id, what))
            self._bus.publish(Notice(refusal_text(platform, account.name, what), "warning"))

    def _plan(self, account_id: int, now: datetime, force: bool) -> _Plan:
        """What to ask (worker thread): the account, and its answers not fresh in cache."""
        # The tokens come with the account (one read): the token manager needs them next.
        account, tokens, generation = self._store.get_with_tokens(account_id)
        platform = self._registry.analytics(account.provider)
        marker = f"analytics:{account_id}:backfilled"
        profile_key = f"analytics:{account_id}:profile"
        # Both window sets are read at once: which one applies depends on the marker.
        candidates = {
            backfill: [
                (w, _window_key(account_id, w)) for w in platform.stats_windows(now, backfill)
            ]
            for backfill in (True, False)
        }
        keys = [profile_key, marker, *(k for pairs in candidates.values() for _, k in pairs)]
        held = self._metrics.cache_get_many(keys)
        backfill = marker not in held

        def stale(key: str) -> bool:
            entry = held.get(key)
            return force or entry is None or not entry.is_fresh(now)

        # An account in a failure state is asked for real even when the cache is
        # fresh: only the platform's answer can say the fault is over.
        recheck = account.status in _RECHECK
        asks = (
            [_Ask(profile_key, None, held.get(profile_key))]
            if recheck or stale(profile_key)
            else []
        )
        asks += [_Ask(k, w, held.get(k)) for w, k in candidates[backfill] if stale(k)]
        return _Plan(account, platform, backfill, marker, asks, (tokens, generation))

    def _write(
        self,
        account_id: int,
        points: list[Point],
        puts: list[tuple[str, str, float, str | None, str | None]],
        touched: list[tuple[str, float]],
        now: datetime,
    ) -> int:
        return int(
            self._metrics.store_answers(
                account_id, [p.as_row() for p in points], puts, touched=touched, now=now
            )
        )

    # -- housekeeping -------------------------------------------------------------

    async def prune_stored(self) -> Pruned:
        """Keep what is stored bounded (on the storage thread, the service's clock).

        Deletes the cached answers nothing will ask for again
        (``MetricStore.cache_prune``) and the audit entries older than
        ``AUDIT_RETENTION_DAYS`` (``AccountStore.prune_audit``). The refresh
        scheduler calls it at its first pass and then every few hours.
        """
        return await offload(self._prune, self.now())

    def _prune(self, now: datetime) -> Pruned:
        pruned = Pruned(self._metrics.cache_prune(now), self._store.prune_audit(now))
        if pruned.cache_entries or pruned.audit_entries:
            log.info(
                "pruned %s cached answers and %s audit entries",
                pruned.cache_entries,
                pruned.audit_entries,
            )
        return pruned

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
            if found[1] is None and found[0].kind is MetricKind.REVENUE:
                continue  # an amount without its currency (stored by an older version)
            parsed.append((SeriesKey(account_id, found[0], found[1]), day, value))
            if account_id not in fetched or fetched_at > fetched[account_id]:
                fetched[account_id] = fetched_at
        # numpy (~15 MB) is imported here, when charts are asked for, not at start-up.
        try:
            from huntaze_desktop.services.analytics.aggregate import Frame
        except ImportError as exc:
            # The caller shows the InstallationError; the traceback only at DEBUG.
            log.info("The analytics aggregation could not be imported: %r", exc)
            log.debug("The analytics aggregation could not be imported", exc_info=True)
            raise InstallationError.from_import(exc, "Analytics") from exc

        frame = Frame.from_rows(load_start, end, parsed)
        return AnalyticsData(start, end, frame, accounts, fetched)

    def cached_profile(self, account_id: int) -> Mapping[str, Any] | None:
        """The last profile answer kept for this account (blocking; tests, CLI)."""
        entry = self._metrics.cache_get(f"analytics:{account_id}:profile")
        return None if entry is None else json.loads(entry.body)


def refusal_text(platform: str, account_name: str, what: str) -> str:
    """What the user is told when ``what`` was left out of an account's numbers."""
    if what == REVENUE_WITHOUT_CURRENCY:
        return (
            f"{platform} sent earnings for {account_name} without saying their currency "
            "(revenue without currency), so they were not stored. Revenue shows again "
            "once the platform names the currency."
        )
    return f"{platform} sent {what} for {account_name}; it was not stored."


def _put(
    key: str, body: str, ttl: float, validators: Validators | None
) -> tuple[str, str, float, str | None, str | None]:
    if validators is None:
        return (key, body, ttl, None, None)
    return (key, body, ttl, validators.etag, validators.last_modified)


def _window_key(account_id: int, window: Window) -> str:
    since, until = window
    return window_key(account_id, since.date(), until.date())

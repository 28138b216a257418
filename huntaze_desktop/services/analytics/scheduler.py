"""RefreshScheduler: keeps every account's analytics fresh in the background.

* Each account is refreshed every ``Settings.refresh_interval_minutes`` (read on
  every pass, so a change applies at once), jittered so accounts drift apart, and
  new accounts are spread over a start-up window instead of firing together.
* At most ``per_provider_limit`` refreshes of one platform ask it at a time (the
  slot is held while the platform is asked, not while the answers are read from
  or written to the local database), and an account that the token manager put
  in backoff (``retry_at``) waits for it: the platforms' rate budgets hold.
* Never two refreshes of one account at once (single flight).
* Offline (a network error, or ``set_online(False)`` from the UI's reachability
  signal): scheduled work pauses; one account is probed now and then, and the
  first success resumes everything. ``pause()``/``resume()`` are the user's switch.
* ``refresh_now()`` is debounced: repeated clicks within ``debounce_s`` do nothing.
* This app being busy is not the network being down: a ``BusyError`` (no free
  connection in the client's pool: ``httpx.PoolTimeout``; another process
  renewing the token) pauses nothing and sets no status; that account is tried
  again ``busy_retry_s`` later.
* Progress goes out as ``RefreshProgress(done, total, account_id)`` events; a
  ``NetworkLost`` event when a network error pauses refresh (once per outage).
* Housekeeping (``housekeeping``: in the app, ``AnalyticsService.prune_stored``,
  which prunes the API cache and the audit log) runs after the first pass and
  then after a pass at most every ``housekeeping_every_s`` (6 hours), also while
  paused or offline (it is local work); never two at once.

Time comes from ``clock()`` (seconds) and ``sleep(seconds)``: tests pass a fake
pair and move time by hand.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from huntaze_desktop.domain.errors import BusyError, HuntazeError, NetworkError
from huntaze_desktop.domain.events import EventBus, NetworkLost, RefreshProgress
from huntaze_desktop.domain.models import Account, ConnectionStatus
from huntaze_desktop.storage.worker import offload

if TYPE_CHECKING:
    from huntaze_desktop.domain.settings import Settings
    from huntaze_desktop.services.analytics.service import RefreshOutcome
    from huntaze_desktop.storage.accounts import AccountStore

__all__ = ["RefreshScheduler"]

log = logging.getLogger("huntaze.analytics.scheduler")

# Statuses a background refresh cannot fix: they wait for the user.
_WAITING_FOR_USER = frozenset(
    {
        ConnectionStatus.NEEDS_RECONNECT,
        ConnectionStatus.APP_CREDENTIALS_REJECTED,
        ConnectionStatus.ERROR,
        ConnectionStatus.NOT_CONNECTED,
    }
)
# Statuses a later answer clears: re-checked at the account's retry time.
_RECHECKED = frozenset(
    {ConnectionStatus.OFFLINE, ConnectionStatus.RATE_LIMITED, ConnectionStatus.DEGRADED}
)
# Look for new or removed accounts at least this often.
_MAX_IDLE_S = 60.0


class Refresher(Protocol):
    """The part of ``AnalyticsService`` the scheduler drives."""

    def now(self) -> datetime: ...

    async def refresh(
        self,
        account_id: int,
        *,
        force: bool = False,
        slot: AbstractAsyncContextManager[Any] | None = None,
    ) -> RefreshOutcome: ...


class RefreshScheduler:
    """Background refresh loop for all accounts (see the module docstring)."""

    def __init__(
        self,
        analytics: Refresher,
        accounts: AccountStore,
        settings: Settings,
        bus: EventBus,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        *,
        per_provider_limit: int = 8,
        jitter: float = 0.1,
        startup_spread_s: float = 20.0,
        debounce_s: float = 3.0,
        offline_probe_s: float = 30.0,
        rng: random.Random | None = None,
        revocations: Callable[[], Coroutine[Any, Any, object]] | None = None,
        revocations_every_s: float = 300.0,
        housekeeping: Callable[[], Coroutine[Any, Any, object]] | None = None,
        housekeeping_every_s: float = 6 * 3600.0,
        busy_retry_s: float = 5.0,
    ) -> None:
        self._analytics = analytics
        self._accounts = accounts
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self._sleep = sleep
        self._limit = max(1, per_provider_limit)
        self._jitter = jitter
        self._spread = startup_spread_s
        self._debounce = debounce_s
        self._probe_every = offline_probe_s
        self._busy_retry = busy_retry_s
        self._rng = rng or random.Random()
        # Pending revocations (tokens of disconnected accounts a platform did not
        # confirm) are retried on the loop's cycle; each item keeps its own backoff.
        self._revocations = revocations
        self._revocations_every = revocations_every_s
        self._next_revocations = 0.0
        self._revocation_task: asyncio.Task[object] | None = None
        # Pruning of what is stored (API cache, audit log), after a pass.
        self._housekeeping = housekeeping
        self._housekeeping_every = housekeeping_every_s
        self._next_housekeeping: float | None = None
        self._housekeeping_task: asyncio.Task[object] | None = None
        # When each account is due: its first slot, then last finish + interval
        # (read live from settings) with its own jitter; manual and backoff override.
        self._first_due: dict[int, float] = {}
        self._last_done: dict[int, float] = {}
        self._jitter_of: dict[int, float] = {}
        self._manual_due: dict[int, float] = {}
        self._not_before: dict[int, float] = {}
        self._force: set[int] = set()
        self._inflight: dict[int, asyncio.Task[Any]] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._paused = False
        self._online = True
        self._last_manual: float | None = None
        self._next_probe = 0.0
        self._done = 0
        self._total = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- public API ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def online(self) -> bool:
        return self._online

    @property
    def busy(self) -> bool:
        """True while any refresh is in flight."""
        return any(not t.done() for t in self._inflight.values())

    def interval_s(self) -> float:
        return float(self._settings.refresh_interval_minutes) * 60.0

    def start(self) -> None:
        """Start the loop on the running event loop (idempotent)."""
        if self.running:
            return
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="refresh-loop")

    async def stop(self) -> None:
        """Stop the loop and cancel refreshes in flight."""
        task, self._task = self._task, None
        revoking, self._revocation_task = self._revocation_task, None
        pruning, self._housekeeping_task = self._housekeeping_task, None
        pending = {t for t in [task, revoking, pruning, *self._inflight.values()] if t is not None}
        for t in pending:
            t.cancel()
        if pending:
            # asyncio.wait raises neither their cancellation nor their errors: a
            # cancellation of stop() itself is the only one that comes out.
            await asyncio.wait(pending)
            for t in pending:
                if not t.cancelled():
                    t.exception()  # retrieved: a refresh failing as it stops is no news
        self._inflight.clear()

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._poke()

    def set_online(self, online: bool) -> None:
        """What the system says about the network (the UI's reachability signal)."""
        if online == self._online:
            return
        log.info(
            "network %s: background refresh %s",
            *(("back", "resumes") if online else ("lost", "pauses")),
        )
        self._online = online
        if online:
            self._poke()
        else:
            # The system just said so: a probe right now would only fail.
            self._next_probe = self._clock() + self._probe_every

    def refresh_now(self, account_id: int | None = None) -> bool:
        """Refresh every account (or one) now, bypassing the cache. Debounced.

        Returns False when ignored (a click within ``debounce_s`` of the last one).
        """
        now = self._clock()
        if self._last_manual is not None and now - self._last_manual < self._debounce:
            return False
        self._last_manual = now
        targets = [account_id] if account_id is not None else list(self._first_due)
        for target in targets:
            self._manual_due[target] = now
            self._force.add(target)
        if account_id is None:
            self._force_all = True
        # The user asking is the best sign the network may be back: try.
        self._online = True
        self._poke()
        return True

    def refresh_account(self, account: Account, *, force: bool = False) -> asyncio.Task[Any]:
        """Refresh one account now, or join the refresh already running for it."""
        running = self._inflight.get(account.id)
        if running is not None and not running.done():
            return running
        self._begin_round(1)
        task = asyncio.get_running_loop().create_task(self._refresh_one(account, force))
        self._inflight[account.id] = task
        return task

    # -- the loop -----------------------------------------------------------------

    _force_all = False

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _list_accounts(self) -> list[Account]:
        # The store's query blocks, so it runs off the loop.
        return list(await offload(self._accounts.list_accounts))

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                delay = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A failed pass (database busy...) must not end background refresh.
                log.exception("refresh pass failed")
                delay = _MAX_IDLE_S
            self._keep_house(self._clock())
            await self._wait(delay)

    async def _pass(self) -> float:
        """Start what is due; returns how long to wait before the next look."""
        if self._paused:
            return _MAX_IDLE_S
        accounts = await self._list_accounts()
        now = self._clock()
        if self._online:
            self._retry_revocations(now)
        eligible = [a for a in accounts if a.status not in _WAITING_FOR_USER]
        known = {a.id for a in accounts}
        for gone in set(self._first_due) - known:
            for table in (self._first_due, self._last_done, self._manual_due, self._not_before):
                table.pop(gone, None)
            self._force.discard(gone)
        fresh = [a for a in eligible if a.id not in self._first_due]
        for index, account in enumerate(fresh):
            # Spread first refreshes over a window so they don't fire as one burst.
            offset = self._spread * index / max(1, len(fresh))
            self._first_due[account.id] = now + (0.0 if self._force_all else offset)
        self._force_all = False
        self._recheck_at_retry_time(eligible, now)
        if not self._online:
            return self._probe(eligible, now)
        due = [
            a
            for a in eligible
            if a.id not in self._inflight and self._backoff_over(a) and self._due_at(a.id) <= now
        ]
        if due:
            self._begin_round(len(due))
            for account in due:
                force = account.id in self._force
                self._force.discard(account.id)
                self._manual_due.pop(account.id, None)
                self._inflight[account.id] = asyncio.get_running_loop().create_task(
                    self._refresh_one(account, force)
                )
        waits = [
            self._due_at(a.id) - now
            for a in eligible
            if a.id not in self._inflight and self._due_at(a.id) > now
        ]
        return max(0.05, min([*waits, _MAX_IDLE_S]))

    def _retry_revocations(self, now: float) -> None:
        """Start a round of pending revocations when one is due (never two at once)."""
        running = self._revocation_task is not None and not self._revocation_task.done()
        if self._revocations is None or running or now < self._next_revocations:
            return
        self._next_revocations = now + self._revocations_every
        self._revocation_task = asyncio.get_running_loop().create_task(
            self._revocations(), name="pending-revocations"
        )
        self._revocation_task.add_done_callback(_log_failure)

    def _keep_house(self, now: float) -> None:
        """Start the housekeeping when it is due (the first pass, then every few hours)."""
        running = self._housekeeping_task is not None and not self._housekeeping_task.done()
        due = self._next_housekeeping is None or now >= self._next_housekeeping
        if self._housekeeping is None or running or not due:
            return
        self._next_housekeeping = now + self._housekeeping_every
        self._housekeeping_task = asyncio.get_running_loop().create_task(
            self._housekeeping(), name="housekeeping"
        )
        self._housekeeping_task.add_done_callback(_log_housekeeping_failure)

    def _recheck_at_retry_time(self, eligible: list[Account], now: float) -> None:
        """An account in a passing failure is due again at its retry time, not an interval on.

        "Rate limited" or "Offline" must not outlive the fault by a whole refresh
        interval: at ``retry_at`` the platform is asked again (the service asks it
        for real, never only the cache) and its answer sets the status.
        """
        for account in eligible:
            if account.status not in _RECHECKED or account.retry_at is None:
                continue
            if account.id in self._inflight:
                continue
            wait = max(0.0, (account.retry_at - self._analytics.now()).total_seconds())
            due = now + wait
            current = self._manual_due.get(account.id)
            if current is None or due < current:
                self._manual_due[account.id] = due

    def _probe(self, eligible: list[Account], now: float) -> float:
        """Offline: try one account every ``offline_probe_s``; a success resumes all."""
        if now >= self._next_probe and eligible and not self._inflight:
            self._next_probe = now + self._probe_every
            account = min(eligible, key=lambda a: self._due_at(a.id))
            self._begin_round(1)
            self._inflight[account.id] = asyncio.get_running_loop().create_task(
                self._refresh_one(account, False)
            )
        return max(0.05, min(self._next_probe - now, _MAX_IDLE_S))

    def _due_at(self, account_id: int) -> float:
        last = self._last_done.get(account_id)
        if last is None:
            due = self._first_due.get(account_id, 0.0)
        else:
            due = last + self.interval_s() * (1.0 + self._jitter_of.get(account_id, 0.0))
        manual = self._manual_due.get(account_id)
        if manual is not None:
            due = min(due, manual)
        return max(due, self._not_before.get(account_id, due))

    def _backoff_over(self, account: Account) -> bool:
        """False while the token manager's backoff (``retry_at``) for it runs."""
        if account.retry_at is None:
            self._not_before.pop(account.id, None)
            return True
        wait = (account.retry_at - self._analytics.now()).total_seconds()
        if wait > 0:
            self._not_before[account.id] = self._clock() + wait
            return False
        self._not_before.pop(account.id, None)
        return True

    async def _wait(self, delay: float) -> None:
        assert self._wake is not None
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
            # Not ``await t`` under suppress(CancelledError): a stop() landing while
            # we wait here would be taken for the timers' own cancellation and lost,
            # and the loop would run on (stop() then waited for it forever).
            await asyncio.wait({sleeper, waker})

    def _begin_round(self, count: int) -> None:
        if not any(not t.done() for t in self._inflight.values()):
            self._done = self._total = 0
        self._total += count
        self._bus.publish(RefreshProgress(self._done, self._total, None))

    async def _refresh_one(self, account: Account, force: bool) -> RefreshOutcome | None:
        semaphore = self._semaphores.setdefault(account.provider, asyncio.Semaphore(self._limit))
        outcome: RefreshOutcome | None = None
        try:
            outcome = await self._analytics.refresh(account.id, force=force, slot=semaphore)
            # Only a real answer proves the network is back: a refresh served
            # entirely from cache asked nobody.
            if not self._online and outcome.requests > 0:
                self._online = True
                log.info("network back: background refresh resumes")
                self._poke()
        except BusyError as exc:
            # Nothing was sent: no news about the network or the account. Soon again.
            log.info(
                "account %s: not refreshed, this app was busy (%s)", account.id, type(exc).__name__
            )
            self._manual_due[account.id] = self._clock() + self._busy_retry
        except NetworkError as exc:
            lost = self._online
            if lost:
                log.info("network unreachable (%s): background refresh pauses", type(exc).__name__)
            self._online = False
            self._next_probe = self._clock() + self._probe_every
            # Due again as soon as the network is back, not a whole interval later.
            self._manual_due[account.id] = self._clock()
            if lost:
                self._bus.publish(NetworkLost())
        except HuntazeError as exc:
            log.info("account %s: refresh failed: %s", account.id, exc.user_message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("account %s: refresh failed unexpectedly", account.id)
        finally:
            self._last_done[account.id] = self._clock()
            self._jitter_of[account.id] = self._rng.uniform(-self._jitter, self._jitter)
            if self._inflight.get(account.id) is asyncio.current_task():
                self._inflight.pop(account.id, None)
            self._done += 1
            self._bus.publish(
                RefreshProgress(min(self._done, self._total), self._total, account.id)
            )
            self._poke()
        return outcome


def _log_failure(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("pending revocations: round failed (%s)", type(exc).__name__)


def _log_housekeeping_failure(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("housekeeping failed (%s); tried again in a few hours", type(exc).__name__)

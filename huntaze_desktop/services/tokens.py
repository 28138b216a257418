"""The token manager: a valid token before every API call, one refresh at a time.

Rules (docs/ARCHITECTURE.md "Status model", docs/PLATFORMS.md):

* ``ensure_valid`` refreshes ahead of expiry (the spec's margin) and respects
  Instagram's minimum token age; an expired token that cannot be refreshed means
  sign in again.
* One refresh per account at a time, inside the process (an ``asyncio.Lock``:
  concurrent callers wait for the same refresh) *and* across processes (a file
  lock: the GUI and the CLI may run together). After taking both locks the stored
  tokens are read again: if someone else refreshed meanwhile, theirs are used.
  Rotating refresh tokens make this essential: a second grant with the old
  refresh token would be a replay, and the platform would revoke the grant.
* The new tokens are written durably before anyone uses them.
* ``call`` runs an API call; on a 401 it refreshes once and replays once.
* "Refreshing" is never stored: a crash during the token request would leave it
  in the database for ever. While a refresh runs the account is in
  ``refreshing()`` (this process's memory; ``AccountService`` shows the status
  from it) and an ``AccountChanged`` goes out when it starts and when it ends;
  the stored status stays the one from before until the outcome replaces it.
* A grant the platform refused is not offered again: later calls fail at once
  with the same rejection (no token-endpoint request, no new audit entry) until
  new tokens are stored, by a reconnect or another process.
* Only a real auth rejection (:class:`AuthRejectedError`, e.g. RFC 6749
  ``invalid_grant``) yields ``needs_reconnect``. A token endpoint refusing the
  app itself (``invalid_client`` / ``unauthorized_client``:
  :class:`AppCredentialsRejectedError`) is ``app_credentials_rejected``, never a
  reconnect; the grant is not marked refused, so fixing the credentials
  in Settings is enough. Network errors, 429 and 5xx become ``offline``,
  ``rate_limited`` or ``degraded`` with the time of the next try (capped,
  jittered backoff that honours ``Retry-After``).
* A :class:`BusyError` (no free connection in this app's pool, or another
  Huntaze process renewing the token for longer than the lock wait) changes no
  status: nothing reached the platform, so there is nothing to say about the
  account; the caller tries again soon.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from filelock import FileLock, Timeout

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    BusyError,
    ConfigurationError,
    HuntazeError,
    MalformedResponseError,
    NetworkError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
    VaultError,
)
from huntaze_desktop.domain.events import AccountChanged, EventBus
from huntaze_desktop.domain.models import Account, ConnectionStatus, TokenSet
from huntaze_desktop.net.retry import Backoff
from huntaze_desktop.providers.errors import AppCredentialsRejectedError
from huntaze_desktop.storage.worker import offload

if TYPE_CHECKING:
    from huntaze_desktop.storage.accounts import AccountStore

__all__ = ["RefreshBusyError", "TokenManager"]

log = logging.getLogger("huntaze.tokens")

T = TypeVar("T")


class RefreshBusyError(BusyError):
    """Another process held the refresh lock for too long (a local wait, not the network)."""

    default_message = "Another Huntaze window is renewing this connection. Trying again shortly."


class _ReconnectNeeded(AuthRejectedError):
    """The token cannot be renewed without the user (expired, no refresh possible)."""

    default_message = "This connection has expired. Please reconnect the account."


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# How long one process waits for another's refresh before giving up this round.
_LOCK_TIMEOUT = 30.0
_LOCK_POLL = 0.02


class TokenManager:
    """Hands out valid tokens and turns every outcome into an account status.

    ``client_for(provider)`` returns the :class:`ProviderClient` for a platform
    (its ``spec.refresh`` holds the margin, minimum age and rotation rules).
    """

    def __init__(
        self,
        store: AccountStore,
        client_for: Callable[[str], Any],
        locks_dir: Path,
        bus: EventBus,
        *,
        clock: Callable[[], datetime] = _utcnow,
        backoff: Backoff | None = None,
        lock_timeout: float = _LOCK_TIMEOUT,
    ) -> None:
        self._store = store
        self._client_for = client_for
        self._locks_dir = Path(locks_dir)
        self._bus = bus
        self._clock = clock
        self._backoff = backoff or Backoff(base=5.0, cap=900.0)
        self._lock_timeout = lock_timeout
        self._locks: dict[int, asyncio.Lock] = {}
        # Consecutive failures per account (in memory): the backoff exponent.
        self._failures: dict[int, int] = {}
        # When the token endpoint told us to come back (Retry-After), per account.
        self._refresh_not_before: dict[int, datetime] = {}
        # The token generation whose refresh the platform refused (invalid_grant),
        # per account: the same refresh token would only be refused again (one
        # more call to the token endpoint, one more audit entry, for every API
        # call that meets a 401). A reconnect stores a new generation.
        self._refused: dict[int, int] = {}
        # The accounts whose token request is in flight in this process.
        self._refreshing: set[int] = set()

    # -- public API -----------------------------------------------------------

    def now(self) -> datetime:
        return _aware(self._clock()) or _utcnow()

    def refreshing(self) -> frozenset[int]:
        """The accounts whose token this process is renewing right now (never stored)."""
        return frozenset(self._refreshing)

    async def ensure_valid(self, account_id: int) -> TokenSet:
        """A token that is valid now, refreshing (once, for everyone) when due."""
        account = await offload(self._store.get, account_id)
        try:
            tokens = await self._ensure(account, force_after=None)
        except HuntazeError as exc:
            await self.record_failure(account, exc)
            raise
        return tokens

    async def call(
        self,
        account_id: int,
        fn: Callable[[TokenSet], Awaitable[T]],
        *,
        account: Account | None = None,
        loaded: tuple[TokenSet, int] | None = None,
    ) -> T:
        """Run ``fn`` with a valid token; on a 401 refresh once and replay once.

        Every outcome is recorded as the account's status. Raises the typed error.
        ``account``: the caller's fresh copy of it, saving a read; ``loaded``: its
        stored tokens and generation (``load_tokens_with_generation``), read with it.
        """
        if account is None or account.id != account_id:
            # One trip to a worker thread for both reads: hundreds of accounts
            # refresh at once on the UI's loop.
            try:
                found, tokens, generation = await offload(self._account_and_tokens, account_id)
            except VaultError as exc:
                # Unreadable credentials are the account's state, not a passing error.
                await self.record_failure(account_id, exc)
                raise
            account, loaded = found, (tokens, generation)
        try:
            tokens = await self._ensure(account, force_after=None, loaded=loaded)
            try:
                result = await fn(tokens)
            except AuthRejectedError:
                # The platform refused a token we thought valid: renew it once and
                # replay once. A second refusal is a real rejection.
                log.info("account %s: API call rejected, refreshing once", account_id)
                tokens = await self._ensure(account, force_after=tokens)
                result = await fn(tokens)
        except HuntazeError as exc:
            await self.record_failure(account, exc)
            raise
        await self.record_success(account)
        return result

    async def record_success(self, account: Account | int) -> Account:
        """Mark the account connected (and remember the time of this success)."""
        if isinstance(account, int):
            account = await offload(self._store.get, account)
        self._failures.pop(account.id, None)
        if _unchanged_success(account, _utcnow()):
            return account
        updated = await offload(
            self._store.update_status, account.id, ConnectionStatus.CONNECTED, success=True
        )
        if account.status is not ConnectionStatus.CONNECTED or account.retry_at is not None:
            self._bus.publish(AccountChanged(account.id, account.provider))
        return updated

    async def record_failure(self, account: Account | int, exc: BaseException) -> Account:
        """Turn an error into the account's status; only auth rejection needs the user.

        A ``BusyError`` is no news about the account: its status is left as it is.
        """
        if isinstance(account, int):
            account = await offload(self._store.get, account)
        if isinstance(exc, BusyError):
            log.info(
                "account %s (%s): not asked, this app was busy (%s)",
                account.id,
                account.provider,
                type(exc).__name__,
            )
            return account
        status, reason = _classify(exc)
        message = exc.user_message if isinstance(exc, HuntazeError) else HuntazeError().user_message
        if isinstance(exc, VaultError):
            # Never "Connected" over credentials that cannot be opened: say whose and
            # what to do, and keep a trace in the audit log.
            reason = f"The saved sign-in for {account.name} cannot be read; reconnect it."
            message = reason
            await offload(
                lambda: self._store.audit(
                    "credentials_unreadable",
                    provider=account.provider,
                    provider_account_id=account.provider_account_id,
                    detail=type(exc).__name__,
                )
            )
        retry_at: datetime | None = None
        if status in (
            ConnectionStatus.OFFLINE,
            ConnectionStatus.RATE_LIMITED,
            ConnectionStatus.DEGRADED,
        ):
            retry_at = self._next_try(account.id, exc)
        else:
            self._failures.pop(account.id, None)
        log.info(
            "account %s (%s): %s (%s)",
            account.id,
            account.provider,
            status.value,
            type(exc).__name__,
        )
        updated = await offload(
            self._store.update_status,
            account.id,
            status,
            reason=reason,
            last_error=message,
            retry_at=retry_at,
        )
        self._bus.publish(AccountChanged(account.id, account.provider))
        return updated

    # -- the refresh path -------------------------------------------------------

    def _account_and_tokens(self, account_id: int) -> tuple[Account, TokenSet, int]:
        return self._store.get_with_tokens(account_id)

    async def _ensure(
        self,
        account: Account,
        *,
        force_after: TokenSet | None,
        loaded: tuple[TokenSet, int] | None = None,
    ) -> TokenSet:
        """Valid tokens for ``account``; ``force_after``: the tokens a 401 refused.

        ``loaded``: the stored tokens and generation, when just read.
        """
        client = self._client_for(account.provider)
        spec = client.spec
        if loaded is None:
            loaded = await offload(self._store.load_tokens_with_generation, account.id)
        tokens, generation = loaded
        if force_after is None:
            if not self._due(spec, tokens):
                return tokens
        elif tokens.access_token != force_after.access_token:
            # Someone renewed the token since the refused call: replay with theirs.
            return tokens
        if spec.auth_kind != "oauth":
            # Session providers cannot renew: a refused session means sign in again.
            raise _ReconnectNeeded(
                "This session was signed out. Please reconnect the account.",
                provider=account.provider,
                code="session_rejected",
            )
        lock = self._locks.setdefault(account.id, asyncio.Lock())
        async with lock, self._file_lock(account.id):
            fresh, fresh_generation = await offload(
                self._store.load_tokens_with_generation, account.id
            )
            if fresh_generation != generation:
                # Another task or process renewed it while we waited: using
                # theirs avoids a second grant (a replay, with rotating tokens).
                return fresh
            if force_after is None and not self._due(spec, fresh):
                return fresh
            if force_after is not None and fresh.access_token != force_after.access_token:
                return fresh
            if self._refused.get(account.id) == fresh_generation:
                raise AuthRejectedError(provider=account.provider, code="refresh_refused")
            try:
                return await self._refresh_locked(account, client, fresh, forced=force_after)
            except AuthRejectedError:
                self._refused[account.id] = fresh_generation
                raise

    async def _refresh_locked(
        self, account: Account, client: Any, tokens: TokenSet, *, forced: TokenSet | None
    ) -> TokenSet:
        """Call the token endpoint (both locks held) and store the answer durably."""
        spec = client.spec
        rules = spec.refresh
        now = self.now()
        expires_at = _aware(tokens.expires_at)
        expired = expires_at is not None and now >= expires_at
        if rules.has_refresh_token and not tokens.refresh_token:
            if expired or forced is not None:
                raise _ReconnectNeeded(provider=account.provider, code="no_refresh_token")
            return tokens
        if not rules.has_refresh_token:
            # Instagram: renew with the access token itself, only while it is valid
            # and at least min_age old; otherwise wait, or ask the user.
            if expired:
                raise _ReconnectNeeded(provider=account.provider, code="token_expired")
            issued = _aware(tokens.issued_at)
            young = issued is not None and now - issued < timedelta(seconds=rules.min_age_seconds)
            if young:
                if forced is not None:
                    raise AuthRejectedError(provider=account.provider, code="token_rejected")
                return tokens
        gate = self._refresh_not_before.get(account.id)
        if gate is not None and now < gate:
            # The token endpoint asked us to wait (Retry-After): don't ask again early.
            raise RateLimitedError(retry_at=gate, provider=account.provider, code="backoff")
        # "Refreshing" lives in memory only (see the module docstring): shown from
        # now until the outcome is stored, and never left behind by a crash.
        self._refreshing.add(account.id)
        self._bus.publish(AccountChanged(account.id, account.provider))
        try:
            return await self._renew(account, client, tokens)
        finally:
            self._refreshing.discard(account.id)
            self._bus.publish(AccountChanged(account.id, account.provider))

    async def _renew(self, account: Account, client: Any, tokens: TokenSet) -> TokenSet:
        """Ask the token endpoint and store its answer durably; then ``connected``."""
        try:
            new = await client.refresh(tokens)
        except AuthRejectedError as exc:
            await offload(
                self._store.audit,
                "refresh_failed",
                provider=account.provider,
                provider_account_id=account.provider_account_id,
                detail=exc.code or "auth_rejected",
            )
            raise
        except RateLimitedError as exc:
            if exc.retry_at is not None:
                self._refresh_not_before[account.id] = _aware(exc.retry_at) or exc.retry_at
            raise
        self._refresh_not_before.pop(account.id, None)
        # Durable before use: a rotated refresh token must survive a crash, or the
        # next start would replay the old one and lose the grant.
        await offload(self._store.save_tokens, account.id, new)
        stored, _ = await offload(self._store.load_tokens_with_generation, account.id)
        log.info("account %s (%s): token renewed", account.id, account.provider)
        self._failures.pop(account.id, None)
        await offload(
            self._store.update_status, account.id, ConnectionStatus.CONNECTED, success=True
        )
        return stored

    def _due(self, spec: Any, tokens: TokenSet) -> bool:
        """Whether the token expires within the spec's margin (or has expired)."""
        expires_at = _aware(tokens.expires_at)
        if expires_at is None:
            return False
        margin = timedelta(seconds=spec.refresh.margin_seconds)
        return self.now() >= expires_at - margin

    def _file_lock(self, account_id: int) -> _AsyncFileLock:
        self._locks_dir.mkdir(parents=True, exist_ok=True)
        return _AsyncFileLock(self._locks_dir / f"refresh-{account_id}.lock", self._lock_timeout)

    def _next_try(self, account_id: int, exc: BaseException) -> datetime:
        now = self.now()
        attempt = self._failures.get(account_id, 0)
        self._failures[account_id] = attempt + 1
        server_delay: float | None = None
        if isinstance(exc, RateLimitedError) and exc.retry_at is not None:
            server_delay = max(0.0, ((_aware(exc.retry_at) or now) - now).total_seconds())
        delay = self._backoff.next_delay(attempt, server_delay)
        return now + timedelta(seconds=delay)


# ``last_success_at`` is kept to this precision: a success within it of the
# stored one, on an account that already shows connected with nothing to
# clear, changes nothing a user sees and is not written again.
_SUCCESS_STAMP_S = 60.0


def _unchanged_success(account: Account, now: datetime) -> bool:
    """Whether recording a success would change nothing but a recent timestamp."""
    if (
        account.status is not ConnectionStatus.CONNECTED
        or account.status_reason is not None
        or account.last_error is not None
        or account.retry_at is not None
    ):
        return False
    stamped = _aware(account.last_success_at)
    if stamped is None:
        return False
    age = now - stamped
    return timedelta(0) <= age < timedelta(seconds=_SUCCESS_STAMP_S)


class _AsyncFileLock:
    """A cross-process lock awaited without blocking the loop.

    Non-blocking attempts are polled on the loop (each is one ``flock`` call):
    a thread blocked in ``acquire`` could not be cancelled, and would keep the
    lock after its task was gone.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self._lock = FileLock(path, thread_local=False, is_singleton=False)
        self._timeout = timeout

    async def __aenter__(self) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._lock.acquire(timeout=0, blocking=False)
                return
            except Timeout:
                if time.monotonic() >= deadline:
                    raise RefreshBusyError() from None
            await asyncio.sleep(_LOCK_POLL)

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


def _classify(exc: BaseException) -> tuple[ConnectionStatus, str]:
    """The status an error means, and a short user-facing reason."""
    if isinstance(exc, AuthRejectedError):
        return ConnectionStatus.NEEDS_RECONNECT, "The platform no longer accepts this sign-in."
    if isinstance(exc, AppCredentialsRejectedError):
        return ConnectionStatus.APP_CREDENTIALS_REJECTED, "Check the app credentials in Settings."
    if isinstance(exc, RateLimitedError):
        return ConnectionStatus.RATE_LIMITED, "The platform is limiting requests."
    if isinstance(exc, NetworkError):
        return ConnectionStatus.OFFLINE, "The platform could not be reached."
    if isinstance(exc, ProviderUnavailableError | MalformedResponseError):
        return ConnectionStatus.DEGRADED, "The platform is having problems."
    if isinstance(exc, ConfigurationError | VaultError):
        return ConnectionStatus.ERROR, "Huntaze Desktop needs attention for this account."
    if isinstance(exc, ProviderError):
        # An error we could not place (odd 4xx): retry later, never ask to reconnect.
        return ConnectionStatus.DEGRADED, "The platform returned an error."
    return ConnectionStatus.DEGRADED, "Something went wrong; we will try again."

"""Revocations that could not reach the platform at disconnect time, retried later.

When the user disconnects an account we delete its credentials at once, whatever
the platform says. If the platform's revoke endpoint was unreachable (network
failure, 5xx, 429) the token to revoke is kept as a *pending revocation* (sealed
in the vault, with no link to an account) and tried again later. A definitive
answer (success, or the platform saying the token is unknown or invalid) drops it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from huntaze_desktop.domain.errors import (
    BusyError,
    ConfigurationError,
    HuntazeError,
    NetworkError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.retry import Backoff
from huntaze_desktop.providers.base import ProviderClient
from huntaze_desktop.providers.errors import AppCredentialsRejectedError

__all__ = [
    "RevocationResult",
    "RevokeOutcome",
    "is_transient",
    "retry_pending_revocations",
    "revocation_tokens",
    "revoke_or_defer",
]

log = logging.getLogger("huntaze.revocation")

# The pending record keeps exactly the tokens ``client.revoke`` was given, as JSON,
# because platforms differ in which one they revoke (TikTok: access, Reddit: refresh).
TOKEN_PAIR = "token_pair"  # noqa: S105 (a kind name, not a secret)


_BACKOFF = Backoff(base=60.0, cap=6 * 3600.0)
_MIN_DELAY_S = 30.0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class PendingRevocationStore(Protocol):
    """What this module needs from ``storage.accounts.AccountStore``."""

    def pending_revocations(self) -> list[Any]: ...

    def drop_pending_revocation(self, pending_id: int) -> None: ...

    def defer_pending_revocation(self, pending_id: int, next_try_at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class RevocationResult:
    """How a retry round went: revoked, dropped (definitive refusal), still pending."""

    revoked: int = 0
    dropped: int = 0
    pending: int = 0


def is_transient(exc: BaseException) -> bool:
    """Errors after which the platform may still accept the revocation later."""
    return isinstance(exc, NetworkError | BusyError | ProviderUnavailableError | RateLimitedError)


def revocation_tokens(tokens: TokenSet) -> tuple[str, str]:
    """What to keep for a later revocation, and its kind: the two tokens, nothing else."""
    pair = {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}
    return json.dumps(pair), TOKEN_PAIR


def _token_set(token: str, kind: str) -> TokenSet:
    if kind == TOKEN_PAIR:
        pair = json.loads(token)
        return TokenSet(access_token=pair["access_token"], refresh_token=pair["refresh_token"])
    # A bare token of another kind: offer it in both places, the client picks.
    return TokenSet(access_token=token, refresh_token=token if kind == "refresh_token" else None)


class DeferringStore(Protocol):
    """Where a revocation that must wait is kept (``AccountStore``)."""

    def add_pending_revocation(
        self, provider: str, token: str, token_kind: str, *, provider_account_id: str = ""
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class RevokeOutcome:
    """How one revocation went: kept for a retry, and whether the app was refused."""

    pending: bool = False
    app_credentials_rejected: bool = False


async def revoke_or_defer(
    store: DeferringStore,
    client: ProviderClient,
    tokens: TokenSet,
    provider_account_id: str,
) -> RevokeOutcome:
    """Revoke ``tokens`` at the platform, or keep them sealed for a later retry.

    A definitive refusal (the token is already invalid) leaves nothing to do; a
    transient failure, or refused app credentials (ours to fix; they say nothing
    of the token), keeps the tokens as a pending revocation.
    """
    provider = client.spec.name
    try:
        await client.revoke(tokens)
    except HuntazeError as exc:
        refused_app = isinstance(exc, AppCredentialsRejectedError)
        if not is_transient(exc) and not refused_app:
            log.info("%s: revoke refused (%s)", provider, type(exc).__name__)
            return RevokeOutcome()
        token, kind = revocation_tokens(tokens)
        await asyncio.to_thread(
            lambda: store.add_pending_revocation(
                provider, token, kind, provider_account_id=provider_account_id
            )
        )
        log.info("%s: revoke pending (%s)", provider, type(exc).__name__)
        return RevokeOutcome(pending=True, app_credentials_rejected=refused_app)
    return RevokeOutcome()


async def retry_pending_revocations(
    store: PendingRevocationStore,
    client_for: Callable[[str], ProviderClient],
    *,
    now: datetime | None = None,
    backoff: Backoff | None = None,
) -> RevocationResult:
    """Try every pending revocation that is due; never raises for a platform's answer.

    A transient failure defers the item (capped, jittered backoff; a platform's
    ``Retry-After`` is a floor).
    """
    now = now or datetime.now(UTC)
    backoff = backoff or _BACKOFF
    pending = await asyncio.to_thread(store.pending_revocations)
    revoked = dropped = still = 0
    for item in pending:
        if item.next_try_at is not None and _aware(item.next_try_at) > now:
            still += 1
            continue
        try:
            tokens = _token_set(item.token, item.token_kind)
        except (ValueError, KeyError, TypeError):
            log.warning("revocation %s (%s) unreadable: dropped", item.id, item.provider)
            dropped += 1
            await asyncio.to_thread(store.drop_pending_revocation, item.id)
            continue
        try:
            client = client_for(item.provider)
            await client.revoke(tokens)
        except HuntazeError as exc:
            # Missing or refused app credentials are ours to fix, not the platform's
            # answer about the token: keep it for when they are right again.
            if is_transient(exc) or isinstance(exc, ConfigurationError):
                still += 1
                server_delay = None
                if isinstance(exc, RateLimitedError) and exc.retry_at is not None:
                    server_delay = (_aware(exc.retry_at) - now).total_seconds()
                delay = backoff.next_delay(item.attempts, server_delay)
                next_try = now + timedelta(seconds=max(delay, _MIN_DELAY_S))
                await asyncio.to_thread(store.defer_pending_revocation, item.id, next_try)
                log.info(
                    "revocation %s (%s) still pending: %s",
                    item.id,
                    item.provider,
                    type(exc).__name__,
                )
                continue
            # Refused for good (token unknown or already invalid, no endpoint):
            # nothing more can be done with it, and keeping it helps no one.
            reason = exc.code if isinstance(exc, ProviderError) else type(exc).__name__
            log.info("revocation %s (%s) dropped: %s", item.id, item.provider, reason)
            dropped += 1
        else:
            revoked += 1
            log.info("revocation %s (%s) done", item.id, item.provider)
        await asyncio.to_thread(store.drop_pending_revocation, item.id)
    return RevocationResult(revoked=revoked, dropped=dropped, pending=still)

"""Revocations that could not reach the platform at disconnect time, retried later.

When the user disconnects an account we delete its credentials at once, whatever
the platform says. If the platform's revoke endpoint was unreachable (network
failure, 5xx, 429) the token to revoke is kept as a *pending revocation* (sealed
in the vault, with no link to an account) and tried again later. A definitive
answer (success, or the platform saying the token is unknown or invalid) drops it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from huntaze_desktop.core.errors import (
    HuntazeError,
    NetworkError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.core.models import TokenSet

__all__ = ["RevocationResult", "is_transient", "retry_pending_revocations", "revocation_tokens"]

log = logging.getLogger("huntaze.revocation")

REFRESH_TOKEN = "refresh_token"  # noqa: S105 (a kind name, not a secret)
ACCESS_TOKEN = "access_token"  # noqa: S105


class PendingRevocationStore(Protocol):
    """What this module needs from ``storage.accounts.AccountStore``."""

    def pending_revocations(self) -> list[Any]: ...

    def drop_pending_revocation(self, pending_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class RevocationResult:
    """How a retry round went: revoked, dropped (definitive refusal), still pending."""

    revoked: int = 0
    dropped: int = 0
    pending: int = 0


def is_transient(exc: BaseException) -> bool:
    """Errors after which the platform may still accept the revocation later."""
    return isinstance(exc, NetworkError | ProviderUnavailableError | RateLimitedError)


def revocation_tokens(tokens: TokenSet) -> tuple[str, str]:
    """The token whose revocation ends the grant, and its kind.

    Revoking the refresh token ends the whole grant on the platforms we know;
    without one, the access token is all there is.
    """
    if tokens.refresh_token:
        return tokens.refresh_token, REFRESH_TOKEN
    return tokens.access_token, ACCESS_TOKEN


def _token_set(token: str, kind: str) -> TokenSet:
    if kind == REFRESH_TOKEN:
        # The access token is gone with the account; the refresh token is what counts.
        return TokenSet(access_token="", refresh_token=token)
    return TokenSet(access_token=token)


async def retry_pending_revocations(
    store: PendingRevocationStore, client_for: Callable[[str], Any]
) -> RevocationResult:
    """Try every pending revocation once; never raises for a platform's answer."""
    pending = await asyncio.to_thread(store.pending_revocations)
    revoked = dropped = still = 0
    for item in pending:
        try:
            client = client_for(item.provider)
            await client.revoke(_token_set(item.token, item.token_kind))
        except HuntazeError as exc:
            if is_transient(exc):
                still += 1
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

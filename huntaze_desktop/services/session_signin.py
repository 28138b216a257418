"""Connecting a session-based platform (OnlyFans) from a captured browser session.

The embedded sign-in window (or ``--session-file`` in the CLI) hands over a
:class:`BrowserSession`. Before anything is stored, the session is checked with
the platform (``fetch_profile``, i.e. ``/users/me``); a rejected session stores
nothing. The session is then kept as the vault-sealed ``access_token`` of a
:class:`TokenSet` with no refresh token and no expiry: it lasts until the
platform rejects it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ConfigurationError,
    WrongAccountError,
)
from huntaze_desktop.domain.models import Account, TokenSet, account_name
from huntaze_desktop.providers.base import ProviderClient
from huntaze_desktop.services.signin import ConnectingStore

__all__ = [
    "SESSION_TOKEN_TYPE",
    "BrowserSession",
    "SessionAccountStore",
    "connect_session",
    "session_tokens",
]

log = logging.getLogger("huntaze.signin.session")

SESSION_TOKEN_TYPE = "session"  # noqa: S105 - a token *type*, not a secret


class BrowserSession(Protocol):
    """A captured sign-in (e.g. ``providers.onlyfans.CapturedSession``).

    Typed structurally so that services name no platform.
    """

    @property
    def user_id(self) -> str: ...

    def to_json(self) -> str: ...


# The session sign-in stores accounts exactly as the OAuth sign-in does.
SessionAccountStore = ConnectingStore


def session_tokens(session: BrowserSession) -> TokenSet:
    """How a session is stored: the whole session is the (secret) access token."""
    return TokenSet(
        access_token=session.to_json(),
        refresh_token=None,
        expires_at=None,
        token_type=SESSION_TOKEN_TYPE,
    )


async def connect_session(
    store: SessionAccountStore,
    client_factory: Callable[[str], ProviderClient],
    provider: str,
    session: BrowserSession,
    *,
    reconnect: Account | None = None,
) -> Account:
    """Validate ``session`` with the platform, then store the account; returns it.

    Raises ``AuthRejectedError`` (plain message, nothing stored) when the
    platform rejects the session, ``WrongAccountError`` (nothing stored) when
    ``reconnect`` names another account than the session's, and the usual typed
    errors for network, rate-limit or platform trouble.
    """
    client = client_factory(provider)
    if client.spec.auth_kind != "session":
        raise ConfigurationError(f"{client.spec.display_name} does not use a browser session.")
    tokens = session_tokens(session)
    try:
        profile = await client.fetch_profile(tokens)
    except AuthRejectedError as exc:
        log.info("%s session rejected at sign-in (%s)", provider, exc.code)
        await asyncio.to_thread(
            store.audit, "connect_rejected", provider=provider, detail=exc.code or "rejected"
        )
        raise
    if profile.provider_account_id != session.user_id:
        # The cookies name one account and the site answered for another: the
        # captured values cannot belong together.
        await asyncio.to_thread(
            store.audit, "connect_rejected", provider=provider, detail="account_mismatch"
        )
        raise AuthRejectedError(
            f"The {client.spec.display_name} sign-in values belong to different accounts. "
            "Sign in again.",
            provider=provider,
            code="account_mismatch",
        )
    if reconnect is not None and profile.provider_account_id != reconnect.provider_account_id:
        # Nothing to revoke: a browser session is the site's own, not a grant to us.
        await asyncio.to_thread(
            store.audit,
            "reconnect_wrong_account",
            provider=provider,
            provider_account_id=reconnect.provider_account_id,
            detail="signed in as another account; nothing stored",
        )
        raise WrongAccountError(
            provider,
            account_name(profile.username, profile.display_name, profile.provider_account_id),
            reconnect.name,
        )
    account, created = await asyncio.to_thread(
        lambda: store.upsert_connected(
            provider,
            profile.provider_account_id,
            tokens,
            username=profile.username,
            display_name=profile.display_name,
            avatar_url=profile.avatar_url,
            metadata=profile.metadata,
        )
    )
    await asyncio.to_thread(
        store.audit,
        "connected",
        provider=provider,
        provider_account_id=profile.provider_account_id,
        detail="session" if created else "session (reconnected)",
    )
    log.info("%s account %s connected from a browser session", provider, account.id)
    return account

"""Domain objects shared by every layer: accounts, their status and tokens."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Account", "ConnectionStatus", "Severity", "TokenSet", "account_name"]


class Severity(enum.IntEnum):
    """How much attention a status needs: drives badge and tray colours."""

    OK = 0
    WARNING = 1
    PROBLEM = 2


class ConnectionStatus(enum.StrEnum):
    """What a card shows for an account (docs/ARCHITECTURE.md, "Status model")."""

    CONNECTED = "connected"
    REFRESHING = "refreshing"
    OFFLINE = "offline"
    RATE_LIMITED = "rate_limited"
    DEGRADED = "degraded"
    EXPIRED = "expired"
    NEEDS_RECONNECT = "needs_reconnect"
    # The platform refused the developer app (client id / secret), not the account:
    # fixed in Settings; signing in again would not help.
    APP_CREDENTIALS_REJECTED = "app_credentials_rejected"
    ERROR = "error"
    NOT_CONNECTED = "not_connected"

    @property
    def label(self) -> str:
        """The badge text the user reads."""
        return _LABELS[self]

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self]

    @property
    def needs_user_action(self) -> bool:
        """Only these ask the user to do something (Reconnect / fix settings)."""
        return self in (
            ConnectionStatus.EXPIRED,
            ConnectionStatus.NEEDS_RECONNECT,
            ConnectionStatus.APP_CREDENTIALS_REJECTED,
            ConnectionStatus.ERROR,
        )

    @property
    def reconnect_helps(self) -> bool:
        """Whether signing in again can mend this (never for refused app credentials)."""
        return self in (
            ConnectionStatus.EXPIRED,
            ConnectionStatus.NEEDS_RECONNECT,
            ConnectionStatus.ERROR,
        )


_LABELS = {
    ConnectionStatus.CONNECTED: "Connected",
    ConnectionStatus.REFRESHING: "Refreshing",
    ConnectionStatus.OFFLINE: "Offline",
    ConnectionStatus.RATE_LIMITED: "Rate limited",
    ConnectionStatus.DEGRADED: "Degraded",
    ConnectionStatus.EXPIRED: "Expired",
    ConnectionStatus.NEEDS_RECONNECT: "Needs reconnect",
    ConnectionStatus.APP_CREDENTIALS_REJECTED: "App credentials rejected — check Settings",
    ConnectionStatus.ERROR: "Error",
    ConnectionStatus.NOT_CONNECTED: "Not connected",
}

_SEVERITY = {
    ConnectionStatus.CONNECTED: Severity.OK,
    ConnectionStatus.REFRESHING: Severity.OK,
    ConnectionStatus.OFFLINE: Severity.WARNING,
    ConnectionStatus.RATE_LIMITED: Severity.WARNING,
    ConnectionStatus.DEGRADED: Severity.WARNING,
    ConnectionStatus.EXPIRED: Severity.WARNING,
    ConnectionStatus.NEEDS_RECONNECT: Severity.PROBLEM,
    ConnectionStatus.APP_CREDENTIALS_REJECTED: Severity.PROBLEM,
    ConnectionStatus.ERROR: Severity.PROBLEM,
    ConnectionStatus.NOT_CONNECTED: Severity.OK,
}


@dataclass(frozen=True, slots=True)
class TokenSet:
    """The secret half of an account. Never logged: ``repr`` hides the values.

    For OAuth providers ``access_token``/``refresh_token`` are the tokens; for
    session providers (OnlyFans) ``access_token`` holds the captured session as
    JSON and ``refresh_token`` is ``None``.
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    token_type: str | None = "bearer"  # noqa: S105 - a token type, not a secret
    scope: str | None = None
    # When the current access token was issued (Instagram's 24 h refresh rule).
    issued_at: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"TokenSet(access_token=<hidden>, refresh_token="
            f"{'<hidden>' if self.refresh_token else None}, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Account:
    """A connected account as the app sees it (no secrets)."""

    id: int
    user_id: int
    provider: str
    provider_account_id: str
    username: str | None = None
    display_name: str | None = None
    avatar_url: str | None = None
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    status_reason: str | None = None
    last_error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    last_success_at: datetime | None = None
    retry_at: datetime | None = None
    scope: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name the user knows this account by."""
        return account_name(self.username, self.display_name, self.provider_account_id)


def account_name(username: str | None, display_name: str | None, account_id: str) -> str:
    """The name the user knows an account by: @handle, else display name, else id."""
    if username:
        return f"@{username}" if not username.startswith("@") else username
    return display_name or account_id

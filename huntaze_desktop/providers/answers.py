"""What a platform client takes and gives back: credentials, token grants, profiles, stats.

Plain values, with no protocol in them; ``providers.base`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from authlib.oauth2.rfc6749 import OAuth2Token

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.conditional import Validators
from huntaze_desktop.providers.errors import optional_int

__all__ = [
    "ClientCredentials",
    "ClientCredentialsLike",
    "Clock",
    "Profile",
    "Stats",
    "TokenGrant",
    "Unchanged",
    "expiry_after",
    "non_secret",
    "oauth2_token",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class ClientCredentialsLike(Protocol):
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A developer app's credentials (the secret is hidden from repr)."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A token answer: the tokens, the account id hint, and non-secret raw fields."""

    tokens: TokenSet
    provider_account_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the account is, and its current totals (followers, posts...)."""

    provider_account_id: str
    username: str | None = None
    display_name: str | None = None
    avatar_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    # The answer's ETag / Last-Modified, when the platform tags it.
    validators: Validators | None = field(default=None, compare=False)


class Stats(dict[str, Any]):
    """A ``fetch_stats`` answer (a plain dict) that may carry its ``validators``.

    A client sets them only when the whole answer is one tagged resource, so that
    a later conditional request can cover all of it.
    """

    validators: Validators | None = None


@dataclass(frozen=True, slots=True)
class Unchanged:
    """The answer to a conditional request (304): the caller's copy is still current.

    Only ``fetch_profile_if_changed`` / ``fetch_stats_if_changed`` return it.
    """

    validators: Validators | None = None


# Token answer fields that are secret: never copied into TokenGrant.raw.
_SECRET_FIELDS = frozenset({"access_token", "refresh_token", "id_token", "client_secret"})


def expiry_after(now: datetime, seconds: int | None) -> datetime | None:
    """``now`` plus a lifetime in seconds; None for none, zero or a negative one."""
    if seconds is None or seconds <= 0:
        return None
    # Ten years is plenty; beyond it a value is garbage that would overflow datetime.
    return now + timedelta(seconds=min(seconds, 10 * 365 * 86400))


def oauth2_token(payload: Mapping[str, Any], now: datetime) -> OAuth2Token:
    """A token answer as authlib's ``OAuth2Token``, ``expires_at`` counted from ``now``."""
    fields = dict(payload)
    fields.pop("expires_at", None)
    expiry = expiry_after(now, optional_int(payload, "expires_in"))
    if expiry is not None:
        fields["expires_at"] = int(expiry.timestamp())
    else:
        # Unusable (absent, junk, <= 0): authlib would count it from the wall
        # clock, or fail on junk; without it the token has no known expiry.
        fields.pop("expires_in", None)
    return OAuth2Token(fields)


def non_secret(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A token answer without its secret fields (what ``TokenGrant.raw`` keeps)."""
    return {k: v for k, v in payload.items() if k not in _SECRET_FIELDS}

"""Shared helpers that turn provider answers into the typed errors of domain.errors.

Every provider client parses untrusted JSON. These helpers make sure that what
escapes a parser is always a :class:`~huntaze_desktop.domain.errors.HuntazeError`
subclass with a user-safe message, never a ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

import httpx
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6750.errors import InvalidTokenError

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ConfigurationError,
    MalformedResponseError,
    NetworkError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.net.retry import retry_after

__all__ = [
    "AppCredentialsRejectedError",
    "NotSupportedError",
    "as_mapping",
    "as_str",
    "generic_http_error",
    "network_error",
    "oauth_error",
    "oauth_error_code",
    "optional_int",
    "optional_str",
    "parse_json",
]

T = TypeVar("T")


class NotSupportedError(ProviderError):
    """The platform does not offer this operation (e.g. no revoke endpoint)."""

    default_message = "This platform does not support that action."


class AppCredentialsRejectedError(ProviderError, ConfigurationError):
    """The platform refused the developer app itself (``invalid_client``/``unauthorized_client``).

    A configuration problem, not the account's: the user fixes the Client ID
    or secret in Settings; signing in again would not help. It is both a
    ProviderError (the platform said it) and a ConfigurationError (what it
    means); the message names the app credentials and never holds them.
    """

    default_message = (
        "The platform rejected the app credentials. Check the Client ID and secret in Settings."
    )


# RFC 6749 §5.2 (and RFC 6750 §3.1's invalid_token), by authlib's names.
_GRANT_REFUSED = frozenset({InvalidGrantError.error, InvalidTokenError.error})
_CLIENT_REFUSED = frozenset({InvalidClientError.error, UnauthorizedClientError.error})
_UNAVAILABLE = frozenset({"server_error", "temporarily_unavailable"})
_SHOWABLE_CODE = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def oauth_error_code(payload: Any) -> str | None:
    """The ``error`` code of an RFC 6749 error answer, or None for any other body."""
    if not isinstance(payload, Mapping):
        return None
    error = payload.get("error")
    if isinstance(error, str) and error:
        return error
    return None


def oauth_error(
    response: httpx.Response, code: str, provider: str, display_name: str, now: datetime
) -> ProviderError:
    """The typed error of an RFC 6749 §5.2 error answer, whatever its HTTP status.

    ``invalid_grant`` (and ``invalid_token``): the grant is dead, the account
    needs a new sign-in (AuthRejectedError). ``invalid_client`` /
    ``unauthorized_client``: the app credentials are wrong
    (AppCredentialsRejectedError). A 429 or 5xx status, ``server_error`` or
    ``temporarily_unavailable``: retry later. Any other code: a ProviderError
    saying which (a short, plain code only; never the description).
    """
    status = response.status_code
    if code in _GRANT_REFUSED:
        return AuthRejectedError(provider=provider, code=code, http_status=status)
    if code in _CLIENT_REFUSED:
        return AppCredentialsRejectedError(
            f"The {display_name} app credentials were rejected. "
            "Check the Client ID and secret in Settings.",
            provider=provider,
            code=code,
            http_status=status,
        )
    if status == 429 or status >= 500 or code in _UNAVAILABLE:
        if status == 429:
            return RateLimitedError(
                retry_at=retry_after(response, now), provider=provider, code=code
            )
        return ProviderUnavailableError(provider=provider, code=code, http_status=status)
    shown = f" ({code})" if _SHOWABLE_CODE.fullmatch(code) else ""
    return ProviderError(
        f"{display_name} refused the request{shown}.",
        provider=provider,
        code=code if shown else "oauth_error",
        http_status=status,
    )


def network_error(exc: Exception) -> NetworkError:
    """A transport failure (DNS, refused, timeout) as a user-safe error."""
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError("The platform took too long to answer. Check your connection.")
    return NetworkError()


def parse_json(response: httpx.Response, provider: str) -> Any:
    """The decoded JSON body, or MalformedResponseError (HTML, empty, truncated)."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedResponseError(
            provider=provider, code="not_json", http_status=response.status_code
        ) from None


def as_mapping(value: Any, provider: str, what: str = "answer") -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else MalformedResponseError."""
    if isinstance(value, Mapping):
        return value
    raise MalformedResponseError(provider=provider, code=f"bad_{what}")


def as_str(data: Mapping[str, Any], key: str, provider: str) -> str:
    """A required, non-empty string (numbers are accepted: ids often arrive as ints)."""
    value = data.get(key)
    if isinstance(value, bool) or value is None:
        raise MalformedResponseError(provider=provider, code=f"missing_{key}")
    if isinstance(value, int | str) and str(value):
        return str(value)
    raise MalformedResponseError(provider=provider, code=f"missing_{key}")


def optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int):
        return str(value)
    return None


def optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 19:
        return int(value)
    return None


def generic_http_error(
    response: httpx.Response, provider: str, now: datetime, *, code: str | None = None
) -> ProviderError:
    """Classify by HTTP status alone, when the body says nothing more precise."""
    status = response.status_code
    if status == 429:
        return RateLimitedError(
            retry_at=retry_after(response, now), provider=provider, code=code or "http_429"
        )
    if status == 401:
        return AuthRejectedError(provider=provider, code=code or "http_401", http_status=401)
    if status >= 500:
        return ProviderUnavailableError(provider=provider, code=code, http_status=status)
    if 200 <= status < 300:
        return MalformedResponseError(provider=provider, code=code, http_status=status)
    return ProviderError(provider=provider, code=code or f"http_{status}", http_status=status)

"""What every platform is (``ProviderSpec``, data) and what it can do (``ProviderClient``).

A provider package ``providers/<name>/`` exports ``SPEC`` (a :class:`ProviderSpec`)
and ``Client`` (a :class:`ProviderClient` subclass). The spec holds every value a
vendor may change (URLs, parameter names, scopes, PKCE style, lifetimes); the
client holds only what data cannot say. The base class implements a standard
OAuth 2 authorization-code client driven by the spec, so a well-behaved platform
needs little code; session-based platforms (``auth_kind="session"``) override
what they use and leave the OAuth methods raising :class:`NotSupportedError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

import httpx

from huntaze_desktop.domain.errors import (
    ConfigurationError,
    MalformedResponseError,
    ProviderError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.conditional import Validators
from huntaze_desktop.providers.errors import (
    NotSupportedError,
    as_mapping,
    as_str,
    generic_http_error,
    network_error,
    optional_int,
    optional_str,
    parse_json,
)
from huntaze_desktop.providers.spec_model import (
    ProviderSpec,
    RedirectPolicy,
    RefreshPolicy,
    code_challenge,
    is_loopback_host,
    resolve_base_urls,
)

__all__ = [
    "ClientCredentials",
    "ClientCredentialsLike",
    "Clock",
    "Profile",
    "ProviderClient",
    "ProviderSpec",
    "RedirectPolicy",
    "RefreshPolicy",
    "Stats",
    "TokenGrant",
    "Unchanged",
    "code_challenge",
    "is_loopback_host",
    "resolve_base_urls",
    "utcnow",
]

log = logging.getLogger("huntaze.providers")


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


class ProviderClient:
    """Talks to one platform for one app (credentials) over the shared httpx client.

    Subclasses override ``classify_error`` (the platform's error shapes),
    ``fetch_profile``, ``fetch_stats`` and whatever token quirk the spec cannot say.
    """

    def __init__(
        self,
        spec: ProviderSpec,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str],
        credentials: ClientCredentialsLike,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.spec = spec
        self.http = http
        self.base_urls = dict(base_urls)
        self.credentials = credentials
        self._clock: Clock = clock or utcnow

    # -- plumbing --------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    def endpoint_url(self, endpoint: str, /, **path_params: str) -> str:
        """The full URL of a spec endpoint; path parameters are percent-encoded."""
        try:
            role, path = self.spec.endpoints[endpoint]
            base = self.base_urls[role]
        except KeyError:
            raise NotSupportedError(provider=self.spec.name, code=f"no_{endpoint}") from None
        safe = {k: quote(v, safe="") for k, v in path_params.items()}
        return base.rstrip("/") + path.format(**safe)

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        ua = self.spec.user_agent(self.credentials.client_id)
        if ua:
            headers["User-Agent"] = ua
        headers.update(extra or {})
        return headers

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One HTTP request; transport failures become NetworkError. Logs no query string."""
        try:
            response = await self.http.request(
                method, url, headers=self._headers(headers), **kwargs
            )
        except httpx.TransportError as exc:  # includes TimeoutException
            log.info("%s %s failed: %s", method, _loggable(url), type(exc).__name__)
            raise network_error(exc) from None
        except httpx.InvalidURL:
            raise ConfigurationError(
                f"The {self.spec.display_name} address is not valid."
            ) from None
        log.debug("%s %s -> %s", method, _loggable(url), response.status_code)
        return response

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        """The typed error this answer means, or None when it is a success.

        ``payload`` is the decoded JSON or None if the body is not JSON.
        """
        if response.is_success:
            return None
        return generic_http_error(response, self.spec.name, self.now())

    def read(self, response: httpx.Response) -> Any:
        """Decode and check an answer: raises the typed error, or returns the JSON."""
        try:
            payload: Any = parse_json(response, self.spec.name)
        except MalformedResponseError:
            payload = None
        error = self.classify_error(response, payload)
        if error is not None:
            raise error
        if payload is None:
            raise MalformedResponseError(
                provider=self.spec.name, code="not_json", http_status=response.status_code
            )
        return payload

    # -- OAuth ------------------------------------------------------------------

    def authorization_url(
        self, redirect_uri: str, state: str, code_challenge: str | None = None
    ) -> str:
        params: dict[str, str] = {
            self.spec.client_id_param: self.credentials.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        if self.spec.scopes:
            params["scope"] = self.spec.scope_separator.join(self.spec.scopes)
        params.update(self.spec.authorize_params)
        if self.spec.pkce != "none" and code_challenge:
            params["code_challenge"] = code_challenge
            params["code_challenge_method"] = "S256"
        return self.endpoint_url("authorize") + "?" + urlencode(params)

    def _client_auth(self, form: dict[str, str]) -> httpx.BasicAuth | None:
        creds = self.credentials
        if self.spec.client_auth == "basic":
            return httpx.BasicAuth(creds.client_id, creds.client_secret or "")
        form[self.spec.client_id_param] = creds.client_id
        if creds.client_secret is not None:
            form["client_secret"] = creds.client_secret
        return None

    async def token_request(self, form: dict[str, str]) -> Mapping[str, Any]:
        form = dict(form)
        auth = self._client_auth(form)
        response = await self.send("POST", self.endpoint_url("token"), data=form, auth=auth)
        return as_mapping(self.read(response), self.spec.name)

    def token_set(
        self, payload: Mapping[str, Any], *, previous: TokenSet | None = None
    ) -> TokenSet:
        """A TokenSet from a standard token answer (keeps the old refresh token if none)."""
        now = self.now()
        access = as_str(payload, "access_token", self.spec.name)
        expires_in = optional_int(payload, "expires_in")
        refresh_in = optional_int(payload, "refresh_expires_in")
        refresh_token = optional_str(payload, "refresh_token")
        refresh_expires_at = _after(now, refresh_in)
        if refresh_token is None and previous is not None:
            refresh_token = previous.refresh_token
            refresh_expires_at = refresh_expires_at or previous.refresh_expires_at
        return TokenSet(
            access_token=access,
            refresh_token=refresh_token,
            expires_at=_after(now, expires_in),
            refresh_expires_at=refresh_expires_at,
            token_type=optional_str(payload, "token_type") or "bearer",
            scope=optional_str(payload, "scope") or (previous.scope if previous else None),
            issued_at=now,
        )

    @staticmethod
    def non_secret(payload: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payload.items() if k not in _SECRET_FIELDS}

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        self._require_oauth()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None and self.spec.pkce != "none":
            form["code_verifier"] = code_verifier
        payload = await self.token_request(form)
        return TokenGrant(
            tokens=self.token_set(payload),
            provider_account_id=self.account_id_hint(payload),
            raw=self.non_secret(payload),
        )

    def account_id_hint(self, payload: Mapping[str, Any]) -> str | None:
        """The account id a token answer names, if any (TikTok open_id, Instagram user_id)."""
        return None

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        self._require_oauth()
        if not tokens.refresh_token:
            raise NotSupportedError(
                "This connection cannot be renewed without signing in again.",
                provider=self.spec.name,
                code="no_refresh_token",
            )
        payload = await self.token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        )
        return self.token_set(payload, previous=tokens)

    async def revoke(self, tokens: TokenSet) -> None:
        self._require_oauth()
        url = self.endpoint_url("revoke")  # NotSupportedError when the spec has none
        form = {"token": tokens.refresh_token or tokens.access_token}
        auth = self._client_auth(form)
        response = await self.send("POST", url, data=form, auth=auth)
        if response.status_code in (200, 204):
            return
        self.read(response)

    def _require_oauth(self) -> None:
        if self.spec.auth_kind != "oauth":
            raise NotSupportedError(provider=self.spec.name, code="not_oauth")

    # -- data -------------------------------------------------------------------

    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        raise NotSupportedError(provider=self.spec.name, code="no_profile")

    async def fetch_stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        raise NotSupportedError(provider=self.spec.name, code="no_stats")

    # Conditional requests: ``validators`` are those of the copy the caller holds.
    # A platform that tags its answers overrides these; the others answer in full.

    async def fetch_profile_if_changed(
        self, tokens: TokenSet, validators: Validators
    ) -> Profile | Unchanged:
        """The profile, or :class:`Unchanged` when the held copy is still current."""
        return await self.fetch_profile(tokens)

    async def fetch_stats_if_changed(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
        validators: Validators,
    ) -> dict[str, Any] | Unchanged:
        """The stats, or :class:`Unchanged` when the held copy is still current."""
        return await self.fetch_stats(tokens, profile_metadata, since, until)


def _after(now: datetime, seconds: int | None) -> datetime | None:
    if seconds is None or seconds <= 0:
        return None
    # Ten years is plenty; beyond it a value is garbage that would overflow datetime.
    return now + timedelta(seconds=min(seconds, 10 * 365 * 86400))


def _loggable(url: str) -> str:
    """Scheme, host and path only: tokens ride in query strings (Instagram)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"

"""What every platform is (``ProviderSpec``, data) and what it can do (``ProviderClient``).

A provider package ``providers/<name>/`` exports ``SPEC`` (a :class:`ProviderSpec`)
and ``Client`` (a :class:`ProviderClient` subclass). The spec holds every value a
vendor may change (URLs, parameter names, scopes, PKCE style, lifetimes); the
client holds only what data cannot say. The base class implements a standard
OAuth 2 authorization-code client driven by the spec, built on authlib's
protocol helpers and sent over the app's shared httpx client, and classifies
RFC 6749 error answers, so a well-behaved platform needs little code. What a
platform does differently is registered as compliance hooks (authlib's names).
Session-based platforms (``auth_kind="session"``) override what they use and
leave the OAuth methods raising :class:`NotSupportedError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2 import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc6750.parameters import add_bearer_token
from authlib.oauth2.rfc7009 import prepare_revoke_token_request

from huntaze_desktop.domain.errors import (
    BusyError,
    ConfigurationError,
    MalformedResponseError,
    ProviderError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.conditional import Validators
from huntaze_desktop.providers.answers import (
    ClientCredentials,
    ClientCredentialsLike,
    Clock,
    Profile,
    Stats,
    TokenGrant,
    Unchanged,
    expiry_after,
    non_secret,
    oauth2_token,
    utcnow,
)
from huntaze_desktop.providers.compliance import (
    HOOK_TYPES,
    HookType,
    oauth_error_status_fix,
    post_client_id_as,
    rename_client_id,
)
from huntaze_desktop.providers.errors import (
    NotSupportedError,
    as_mapping,
    as_str,
    generic_http_error,
    network_error,
    oauth_error,
    oauth_error_code,
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
    "HookType",
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
    "oauth_error_status_fix",
    "rename_client_id",
    "resolve_base_urls",
    "utcnow",
]

log = logging.getLogger("huntaze.providers")


# authlib's generate_token draws from 62 letters and digits: 43 of them are
# 256 bits, like secrets.token_urlsafe(32); a PKCE verifier may be 43-128 long.
STATE_LENGTH = 43
VERIFIER_LENGTH = 64


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
        self._hooks: dict[str, list[Callable[..., Any]]] = {}
        self.install_compliance_hooks()

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
        """One HTTP request; transport failures become NetworkError. Logs no query string.

        A request that never got a connection from the pool (``httpx.PoolTimeout``:
        all of them busy here) is a ``BusyError``: nothing was sent, and the
        network is not down.
        """
        try:
            response = await self.http.request(
                method, url, headers=self._headers(headers), **kwargs
            )
        except httpx.PoolTimeout:
            log.info("%s %s not sent: no free connection in the pool", method, _loggable(url))
            raise BusyError() from None
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

        ``payload`` is the decoded JSON or None if the body is not JSON. The
        base reads RFC 6749 §5.2 error answers (``{"error": "invalid_grant"}``
        and the rest, see ``oauth_error``) and otherwise the HTTP status, so a
        standards-following platform needs no override.
        """
        if response.status_code == 429 or response.status_code >= 500:
            return generic_http_error(response, self.spec.name, self.now())
        code = oauth_error_code(payload)
        if code is not None:
            return self.oauth_error(response, code)
        if response.is_success:
            return None
        return generic_http_error(response, self.spec.name, self.now())

    def oauth_error(self, response: httpx.Response, code: str) -> ProviderError:
        """The typed error of an RFC 6749 error answer (``providers.errors.oauth_error``)."""
        return oauth_error(response, code, self.spec.name, self.spec.display_name, self.now())

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
    #
    # The protocol is authlib's: the authorization URL (``prepare_grant_uri``),
    # the token request bodies (``prepare_token_request``, RFC 7009's
    # ``prepare_revoke_token_request``), client authentication (``ClientAuth``
    # with its ``client_secret_post`` / ``client_secret_basic`` / ``none``
    # methods, or a custom one for a renamed client id), the S256 challenge
    # (``create_s256_code_challenge``) and the token answer (``OAuth2Token``).
    # The requests go through ``send`` on the shared httpx client (its proxy,
    # timeouts and pool), and the answers through ``read`` (this client's error
    # classification), not through authlib's own httpx client.
    #
    # Platform quirks are compliance hooks, as authlib's clients have them:
    # ``register_compliance_hook(kind, hook)``, run in registration order.

    def install_compliance_hooks(self) -> None:
        """Register this platform's compliance hooks (called once by ``__init__``).

        The base registers what the spec says (a renamed client id parameter);
        a subclass calls ``super()`` and adds its own.
        """
        param = self.spec.client_id_param
        if param != "client_id":
            self.register_compliance_hook("authorization_url", rename_client_id(param))

    def register_compliance_hook(self, hook_type: HookType, hook: Callable[..., Any]) -> None:
        """Add a hook, as ``authlib.oauth2.client.OAuth2Client.register_compliance_hook``.

        * ``authorization_url``: ``(url) -> url``, on the finished authorize URL
          (not an authlib hook: authlib has no authorize-side quirk point).
        * ``access_token_response`` / ``refresh_token_response``:
          ``(httpx.Response) -> httpx.Response``, before the code exchange's /
          the refresh's answer is classified and parsed.
        * ``refresh_token_request`` / ``revoke_token_request``:
          ``(url, headers, body) -> (url, headers, body)`` before client
          authentication is added.
        * ``protected_request``: ``(url, headers, body) -> (url, headers, body)``
          after the bearer token is placed (``bearer_headers``).
        """
        if hook_type not in HOOK_TYPES:
            raise ValueError(f"unknown compliance hook type {hook_type!r}")
        self._hooks.setdefault(hook_type, []).append(hook)

    def _run_request_hooks(
        self, hook_type: HookType, url: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        for hook in self._hooks.get(hook_type, ()):
            url, headers, body = hook(url, headers, body)
        return url, headers, body

    def _run_response_hooks(self, hook_type: HookType, response: httpx.Response) -> httpx.Response:
        for hook in self._hooks.get(hook_type, ()):
            response = hook(response)
        return response

    def new_state(self) -> str:
        """A one-time ``state`` value (authlib's ``generate_token``: 256 bits)."""
        return str(generate_token(STATE_LENGTH))

    def new_code_verifier(self) -> str | None:
        """A PKCE verifier (RFC 7636: 43-128 unreserved characters), or None without PKCE."""
        if self.spec.pkce == "none":
            return None
        return str(generate_token(VERIFIER_LENGTH))

    def code_challenge(self, verifier: str) -> str | None:
        """The challenge the spec's PKCE style asks for (TikTok desktop: hex S256)."""
        return code_challenge(verifier, self.spec.pkce)

    def authorization_url(
        self, redirect_uri: str, state: str, code_challenge: str | None = None
    ) -> str:
        """The authorize URL: authlib's ``prepare_grant_uri``, then the spec's extras."""
        extras: dict[str, str] = {}
        if self.spec.pkce != "none" and code_challenge:
            extras["code_challenge"] = code_challenge
            extras["code_challenge_method"] = "S256"
        extras.update(self.spec.authorize_params)
        scope = self.spec.scope_separator.join(self.spec.scopes) or None
        url = str(
            prepare_grant_uri(
                self.endpoint_url("authorize"),
                client_id=self.credentials.client_id,
                response_type="code",
                redirect_uri=redirect_uri,
                scope=scope,
                state=state,
                **extras,
            )
        )
        for hook in self._hooks.get("authorization_url", ()):
            url = hook(url)
        return url

    def client_auth(self) -> ClientAuth:
        """authlib's client authentication for the token and revoke endpoints.

        ``basic``: ``client_secret_basic`` (an installed app's empty secret is
        sent as ``id:``). ``form``: ``client_secret_post``, ``none`` without a
        secret, or a custom method when the spec renames the client id
        (TikTok's ``client_key``).
        """
        creds = self.credentials
        if self.spec.client_auth == "basic":
            return ClientAuth(creds.client_id, creds.client_secret or "", "client_secret_basic")
        if self.spec.client_id_param != "client_id":
            method = post_client_id_as(self.spec.client_id_param)
            return ClientAuth(creds.client_id, creds.client_secret, method)
        if creds.client_secret is None:
            return ClientAuth(creds.client_id, None, "none")
        return ClientAuth(creds.client_id, creds.client_secret, "client_secret_post")

    async def token_endpoint_request(
        self,
        url: str,
        body: str,
        *,
        response_hook: HookType,
        request_hook: HookType | None = None,
        method: str = "POST",
        authenticate: bool = True,
    ) -> Mapping[str, Any]:
        """Send a token request body (from ``prepare_token_request``); the checked answer.

        ``request_hook`` hooks see the request before client authentication is
        added; ``response_hook`` hooks see the answer before ``read`` classifies
        it. A GET carries the body as its query (Instagram's Graph grants).
        Sent once: a lost answer is never retried here (a code is single-use).
        """
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if request_hook is not None:
            url, headers, body = self._run_request_hooks(request_hook, url, headers, body)
        if authenticate:
            url, headers, body = self.client_auth().prepare(method, url, headers, body)
        if method == "GET":
            headers.pop("Content-Type", None)
            url = f"{url}{'&' if '?' in url else '?'}{body}" if body else url
            response = await self.send("GET", url, headers=headers)
        else:
            response = await self.send(method, url, headers=headers, content=body.encode())
        response = self._run_response_hooks(response_hook, response)
        return as_mapping(self.read(response), self.spec.name)

    def token_set(
        self, payload: Mapping[str, Any], *, previous: TokenSet | None = None
    ) -> TokenSet:
        """A TokenSet from a token answer (keeps the old refresh token if none came).

        The answer is read as authlib's ``OAuth2Token``, with ``expires_at`` set
        from this client's clock (``expires_in`` seconds after now): authlib's own
        default reads the wall clock, which tests and the sandbox move.
        """
        now = self.now()
        token = oauth2_token(payload, now)
        access = as_str(token, "access_token", self.spec.name)
        refresh_in = optional_int(token, "refresh_expires_in")
        refresh_token = optional_str(token, "refresh_token")
        refresh_expires_at = expiry_after(now, refresh_in)
        if refresh_token is None and previous is not None:
            refresh_token = previous.refresh_token
            refresh_expires_at = refresh_expires_at or previous.refresh_expires_at
        return TokenSet(
            access_token=access,
            refresh_token=refresh_token,
            expires_at=expiry_after(now, optional_int(payload, "expires_in")),
            refresh_expires_at=refresh_expires_at,
            token_type=optional_str(token, "token_type") or "bearer",
            scope=optional_str(token, "scope") or (previous.scope if previous else None),
            issued_at=now,
        )

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        """Trade the authorization code for tokens, once (never retried)."""
        self._require_oauth()
        verifier = code_verifier if self.spec.pkce != "none" else None
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
        )
        payload = await self.token_endpoint_request(
            self.endpoint_url("token"), body, response_hook="access_token_response"
        )
        return TokenGrant(
            tokens=self.token_set(payload),
            provider_account_id=self.account_id_hint(payload),
            raw=non_secret(payload),
        )

    def account_id_hint(self, payload: Mapping[str, Any]) -> str | None:
        """The account id a token answer names, if any (TikTok open_id, Instagram user_id)."""
        return None

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        """The refresh grant (RFC 6749 §6); callers hold the refresh locks."""
        self._require_oauth()
        if not tokens.refresh_token:
            raise NotSupportedError(
                "This connection cannot be renewed without signing in again.",
                provider=self.spec.name,
                code="no_refresh_token",
            )
        body = prepare_token_request("refresh_token", refresh_token=tokens.refresh_token)
        payload = await self.token_endpoint_request(
            self.endpoint_url("token"),
            body,
            request_hook="refresh_token_request",
            response_hook="refresh_token_response",
        )
        return self.token_set(payload, previous=tokens)

    async def revoke_request(
        self, url: str, token: str, token_type_hint: str | None = None
    ) -> httpx.Response:
        """An RFC 7009 revocation request (authlib's body, client auth, hooks); the answer."""
        body, headers = prepare_revoke_token_request(token, token_type_hint)
        url, headers, body = self._run_request_hooks("revoke_token_request", url, headers, body)
        url, headers, body = self.client_auth().prepare("POST", url, headers, body)
        return await self.send("POST", url, headers=headers, content=body.encode())

    async def revoke(self, tokens: TokenSet) -> None:
        self._require_oauth()
        url = self.endpoint_url("revoke")  # NotSupportedError when the spec has none
        response = await self.revoke_request(url, tokens.refresh_token or tokens.access_token)
        if response.status_code in (200, 204):
            return
        self.read(response)

    def bearer_headers(self, tokens: TokenSet) -> dict[str, str]:
        """The ``Authorization`` header for an API call, after ``protected_request`` hooks."""
        _, headers, _ = add_bearer_token(tokens.access_token, "", {}, "", "header")
        _, headers, _ = self._run_request_hooks("protected_request", "", dict(headers), "")
        return headers

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


def _loggable(url: str) -> str:
    """Scheme, host and path only: tokens ride in query strings (Instagram)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"

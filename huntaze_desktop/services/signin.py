"""The OAuth sign-in: authorization code + PKCE + one-time state, UI-free.

``begin`` builds the authorize URL and remembers the attempt (its PKCE verifier
never leaves this object); ``complete`` takes the callback URL the embedded
window intercepted or the loopback listener received, checks it, exchanges the
code exactly once, fetches the profile and stores the account.

The protocol pieces are the provider client's, built on authlib (state and
verifier from ``generate_token``, the S256 challenge, ``prepare_grant_uri``,
the token request); what is kept here is what authlib's client does not
guarantee: a state that is spent on first use and bound to one attempt, its
redirect URI and issuer (RFC 9207), an expiry, and a code exchange that is
never sent twice.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from huntaze_desktop.domain.errors import (
    BusyError,
    ConfigurationError,
    HuntazeError,
    NetworkError,
    ProviderError,
    SignInCancelledError,
    SignInError,
    StateError,
    WrongAccountError,
)
from huntaze_desktop.domain.models import Account, TokenSet, account_name
from huntaze_desktop.providers.base import (
    ClientCredentialsLike,
    Profile,
    ProviderClient,
    ProviderSpec,
    is_loopback_host,
    resolve_base_urls,
)
from huntaze_desktop.services.loopback import LoopbackListener
from huntaze_desktop.services.revocation import revoke_or_defer

__all__ = ["ATTEMPT_TTL", "SignInAttempt", "SignInEngine", "parse_callback"]

log = logging.getLogger("huntaze.signin")

ATTEMPT_TTL = timedelta(minutes=10)


class _Registry(Protocol):
    def get_spec(self, name: str) -> ProviderSpec: ...

    def make_client(
        self,
        name: str,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str] | None,
        credentials: ClientCredentialsLike,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> ProviderClient: ...


class ConnectingStore(Protocol):
    """The part of ``storage.accounts.AccountStore`` that a sign-in uses."""

    def upsert_connected(
        self,
        provider: str,
        provider_account_id: str,
        tokens: TokenSet,
        *,
        username: str | None,
        display_name: str | None,
        avatar_url: str | None,
        metadata: dict[str, Any],
    ) -> tuple[Account, bool]: ...

    def audit(
        self,
        event: str,
        *,
        provider: str | None = None,
        provider_account_id: str | None = None,
        detail: str | None = None,
    ) -> None: ...

    def add_pending_revocation(
        self, provider: str, token: str, token_kind: str, *, provider_account_id: str = ""
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """One sign-in in progress (no secrets: the PKCE verifier stays in the engine)."""

    provider: str
    authorize_url: str
    redirect_uri: str
    state: str
    created_at: datetime
    expires_at: datetime
    # Against mix-up: the issuer and token endpoint this attempt talks to.
    issuer: str
    token_endpoint: str
    # A reconnect: the account that must come back (its platform id and name).
    reconnect_id: str | None = None
    reconnect_name: str | None = None
    # The platform sends ``iss`` on its callbacks (spec ``sends_issuer``): required.
    issuer_required: bool = False


@dataclass(slots=True)
class _Pending:
    attempt: SignInAttempt
    client: ProviderClient
    verifier: str | None


def parse_callback(callback_url: str) -> dict[str, str]:
    """The callback's query parameters (first value of each); Meta's ``#_`` is dropped.

    Raises SignInError for anything that is not a URL with a query.
    """
    if not isinstance(callback_url, str) or len(callback_url) > 16384:
        raise SignInError("The sign-in answer was not understood. Please try again.")
    try:
        parts = urlsplit(callback_url.strip())
    except ValueError:
        raise SignInError("The sign-in answer was not understood. Please try again.") from None
    query = parts.query
    if not query and parts.fragment and "=" in parts.fragment:
        # Some platforms answer in the fragment; Instagram's "#_" is not that.
        query = parts.fragment
    params = parse_qs(query, keep_blank_values=True, errors="replace")
    result = {k: v[0] for k, v in params.items() if v}
    if "code" in result:
        result["code"] = result["code"].removesuffix("#_")
    return result


class SignInEngine:
    """Runs OAuth sign-ins for every ``auth_kind="oauth"`` platform."""

    def __init__(
        self,
        store: ConnectingStore,
        registry: _Registry,
        http: httpx.AsyncClient,
        credentials_lookup: Callable[[str], ClientCredentialsLike | None],
        base_url_overrides: Mapping[str, Mapping[str, str]] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        attempt_ttl: timedelta = ATTEMPT_TTL,
    ) -> None:
        self._store = store
        self._registry = registry
        self._http = http
        self._credentials_lookup = credentials_lookup
        self._overrides = {k: dict(v) for k, v in (base_url_overrides or {}).items()}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ttl = attempt_ttl
        self._pending: dict[str, _Pending] = {}

    # -- begin -----------------------------------------------------------------

    def _client(self, provider: str) -> ProviderClient:
        spec = self._registry.get_spec(provider)
        if spec.auth_kind != "oauth":
            raise ConfigurationError(f"{spec.display_name} does not use this kind of sign-in.")
        credentials = self._credentials_lookup(provider)
        if credentials is None or not credentials.client_id:
            raise ConfigurationError(
                f"Add your {spec.display_name} developer app credentials in Settings first."
            )
        if spec.requires_client_secret and not credentials.client_secret:
            raise ConfigurationError(
                f"Your {spec.display_name} developer app credentials need a client secret."
            )
        return self._registry.make_client(
            provider, self._http, self._overrides.get(provider), credentials, clock=self._clock
        )

    def _uses_loopback_overrides(self, spec: ProviderSpec) -> bool:
        urls = resolve_base_urls(spec, self._overrides.get(spec.name))
        return all(is_loopback_host(urlsplit(u).hostname) for u in urls.values())

    def default_redirect_uri(self, provider: str) -> str:
        spec = self._registry.get_spec(provider)
        if spec.redirect.registered_uri:
            return spec.redirect.registered_uri
        return f"http://127.0.0.1{spec.redirect.loopback_path}"

    def begin(
        self, provider: str, redirect_uri: str | None = None, *, reconnect: Account | None = None
    ) -> SignInAttempt:
        """Start a sign-in: the URL to show and the one-time state bound to it.

        With ``reconnect``, only that account may come back: another one is not
        stored, its fresh grant is revoked, and ``complete`` raises ``WrongAccountError``.
        """
        self._forget_expired()
        client = self._client(provider)
        spec = client.spec
        redirect_uri = redirect_uri or self.default_redirect_uri(provider)
        state = client.new_state()
        verifier = client.new_code_verifier()
        challenge = client.code_challenge(verifier) if verifier else None
        url = client.authorization_url(redirect_uri, state, challenge)
        now = self._clock()
        auth_origin = _origin(client.endpoint_url("authorize"))
        attempt = SignInAttempt(
            provider=provider,
            authorize_url=url,
            redirect_uri=redirect_uri,
            state=state,
            created_at=now,
            expires_at=now + self._ttl,
            issuer=spec.issuer or auth_origin,
            token_endpoint=client.endpoint_url("token"),
            reconnect_id=reconnect.provider_account_id if reconnect else None,
            reconnect_name=reconnect.name if reconnect else None,
            issuer_required=spec.sends_issuer,
        )
        self._pending[state] = _Pending(attempt, client, verifier)
        log.info("sign-in started for %s", provider)
        return attempt

    def cancel(self, state: str) -> None:
        """Forget an attempt (the window was closed); its callback will be refused."""
        self._pending.pop(state, None)

    def _forget_expired(self) -> None:
        now = self._clock()
        for state in [s for s, p in self._pending.items() if p.attempt.expires_at <= now]:
            del self._pending[state]

    # -- complete --------------------------------------------------------------

    async def _audit(self, event: str, **fields: str | None) -> None:
        try:
            await asyncio.to_thread(self._store.audit, event, **fields)
        except HuntazeError:
            log.warning("could not write the %s audit entry", event)

    async def _reject_state(self, reason: str, provider: str | None = None) -> StateError:
        log.warning("sign-in callback refused: %s", reason)
        await self._audit("state_rejected", provider=provider, detail=reason)
        return StateError()

    async def complete(self, callback_url: str) -> Account:
        """Finish a sign-in from its callback URL; returns the stored account."""
        params = parse_callback(callback_url)
        state = params.get("state")
        if not state:
            raise await self._reject_state("missing state")
        pending = self._pending.pop(state, None)  # one-time, whatever happens next
        if pending is None:
            raise await self._reject_state("unknown or already used state")
        attempt = pending.attempt
        provider = attempt.provider
        if self._clock() >= attempt.expires_at:
            raise await self._reject_state("expired state", provider)
        if not _same_redirect(callback_url, attempt.redirect_uri):
            raise await self._reject_state("callback does not match the redirect URI", provider)
        # RFC 9207 §2.4: simple string comparison (no trailing-slash or case folding),
        # and a missing iss is refused when the platform's server sends one.
        iss = params.get("iss")
        if iss is None and attempt.issuer_required:
            raise await self._reject_state("missing issuer", provider)
        if iss is not None and iss != attempt.issuer:
            raise await self._reject_state("issuer mismatch", provider)

        error = params.get("error")
        if error:
            if error == "access_denied":
                raise SignInCancelledError()
            log.info("%s refused the sign-in: %s", provider, error[:64])
            raise SignInError(
                f"{pending.client.spec.display_name} did not allow the sign-in. Please try again."
            )
        code = params.get("code")
        if not code:
            raise SignInError("The sign-in answer had no authorization code. Please try again.")

        display = pending.client.spec.display_name
        try:
            grant = await pending.client.exchange_code(code, attempt.redirect_uri, pending.verifier)
        except NetworkError:
            # The code may have been spent: never send it twice.
            raise SignInError(
                f"The connection to {display} dropped while finishing the sign-in; "
                "please start the sign-in again."
            ) from None
        except BusyError:
            # Not sent (no free connection here), but the state is spent all the same.
            raise SignInError(
                f"Huntaze Desktop was too busy to finish the sign-in with {display}; "
                "please start the sign-in again."
            ) from None
        except ConfigurationError:
            # invalid_client / unauthorized_client: the app credentials, not the
            # user, are wrong; the message says to check them in Settings.
            log.info("%s refused the app credentials", provider)
            raise
        except ProviderError as exc:
            log.info("%s code exchange failed: %s", provider, type(exc).__name__)
            raise SignInError(
                f"{display} did not accept the sign-in; please start the sign-in again."
            ) from exc

        profile = await pending.client.fetch_profile(grant.tokens)
        if grant.provider_account_id and grant.provider_account_id != profile.provider_account_id:
            log.warning("%s token and profile name different accounts", provider)
        if attempt.reconnect_id is not None and profile.provider_account_id != attempt.reconnect_id:
            await self._refuse_other_account(pending, grant.tokens, profile)
        metadata = pending.client.spec.validate_metadata(profile.metadata)
        account, created = await asyncio.to_thread(
            self._store.upsert_connected,
            provider,
            profile.provider_account_id,
            grant.tokens,
            username=profile.username,
            display_name=profile.display_name,
            avatar_url=profile.avatar_url,
            metadata=metadata,
        )
        await self._audit(
            "connected",
            provider=provider,
            provider_account_id=profile.provider_account_id,
            detail="new account" if created else "reconnected",
        )
        log.info("%s account %s %s", provider, account.id, "added" if created else "reconnected")
        return account

    async def _refuse_other_account(
        self, pending: _Pending, tokens: TokenSet, profile: Profile
    ) -> NoReturn:
        """A reconnect came back as another account: store nothing, revoke its grant."""
        attempt = pending.attempt
        provider = attempt.provider
        came_back = account_name(
            profile.username, profile.display_name, profile.provider_account_id
        )
        log.info("%s reconnect came back as another account: not stored", provider)
        await self._audit(
            "reconnect_wrong_account",
            provider=provider,
            provider_account_id=attempt.reconnect_id,
            detail="signed in as another account; nothing stored",
        )
        if "revoke" in pending.client.spec.endpoints:
            # The grant was made for this app: leave no live token behind.
            await revoke_or_defer(self._store, pending.client, tokens, profile.provider_account_id)
        raise WrongAccountError(provider, came_back, attempt.reconnect_name or "that account")

    # -- system browser --------------------------------------------------------

    async def sign_in_with_browser(
        self,
        provider: str,
        open_url: Callable[[str], Awaitable[None] | None],
        timeout: float = 300.0,  # noqa: ASYNC109 - the contract names it; bounds the wait
        *,
        reconnect: Account | None = None,
    ) -> Account:
        """Sign in through the system browser and a one-shot loopback listener."""
        spec = self._registry.get_spec(provider)
        if spec.redirect.kind == "https_intercept" and not self._uses_loopback_overrides(spec):
            raise ConfigurationError(
                f"{spec.display_name} only accepts https sign-in addresses, which the "
                "system browser cannot hand back to the app. Use the built-in sign-in window."
            )
        port = 0
        registered = spec.redirect.registered_uri
        if spec.redirect.fixed_port and registered and not self._uses_loopback_overrides(spec):
            port = urlsplit(spec.redirect.registered_uri).port or 0
        async with LoopbackListener(spec.redirect.loopback_path, port=port) as listener:
            attempt = self.begin(provider, listener.redirect_uri, reconnect=reconnect)
            listener.expect_state(attempt.state)
            try:
                opened = open_url(attempt.authorize_url)
                if inspect.isawaitable(opened):
                    await opened
                async with asyncio.timeout(timeout):
                    callback = await listener.wait()
            except TimeoutError:
                self.cancel(attempt.state)
                raise SignInError(
                    "The sign-in took too long and was stopped. Please try again."
                ) from None
            except BaseException:
                self.cancel(attempt.state)
                raise
        return await self.complete(callback)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_redirect(callback_url: str, redirect_uri: str) -> bool:
    """The callback arrived at the redirect URI we registered (scheme, host, port, path)."""
    try:
        got, want = urlsplit(callback_url.strip()), urlsplit(redirect_uri)
        return (
            got.scheme.lower() == want.scheme.lower()
            and (got.hostname or "") == (want.hostname or "")
            and got.port == want.port
            and (got.path or "/") == (want.path or "/")
        )
    except ValueError:
        return False

"""Sign-in end to end against the real sandbox over loopback, into a real AccountStore."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import msgspec
import pytest

from huntaze_desktop.domain.errors import (
    ConfigurationError,
    ProviderError,
    SignInCancelledError,
    SignInError,
    StateError,
)
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.base import ClientCredentials, code_challenge, resolve_base_urls
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.endpoints import sandbox_credentials, sandbox_platforms
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.services.signin import SignInEngine
from huntaze_desktop.storage.vault import Vault

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
LOGINS = {
    "instagram": ("sunny.creates", "sunny-pass"),
    "tiktok": ("sunny.creates", "sunny-pass"),
    "reddit": ("sunny_creates", "sunny-pass"),
}


def _needs_sandbox(provider: str) -> Any:
    present = provider in sandbox_platforms()
    return pytest.param(
        provider,
        marks=pytest.mark.skipif(not present, reason=f"sandbox for {provider} not there yet"),
    )


OAUTH = [_needs_sandbox(p) for p in ("instagram", "tiktok", "reddit")]


@dataclass
class Env:
    sandbox: SandboxServer
    store: Any
    http: httpx.AsyncClient
    engine: SignInEngine
    clock: list[datetime]

    def make_engine(self, overrides: Any = "sandbox") -> SignInEngine:
        return SignInEngine(
            self.store,
            default_registry(),
            self.http,
            lambda p: ClientCredentials(*sandbox_credentials()[p]),
            self.sandbox.base_urls() if overrides == "sandbox" else overrides,
            clock=lambda: self.clock[0],
        )

    def audit(self) -> list[str]:
        return [e.event for e in self.store.audit_events()]


async def drive_form(
    http: httpx.AsyncClient, authorize_url: str, login: tuple[str, str], action: str = "allow"
) -> str:
    """Act as the browser: open the page, post the form, return the redirect target."""
    page = await http.get(authorize_url)
    assert page.status_code == 200, page.text[:300]
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": login[0], "password": login[1], "action": action})
    answer = await http.post(str(page.url), data=form)
    assert answer.status_code in (302, 303), answer.text[:300]
    return urljoin(str(page.url), answer.headers["location"])


@pytest.fixture
async def env(tmp_path: Path, sandbox_server: SandboxServer) -> AsyncIterator[Env]:
    from huntaze_desktop.storage.accounts import AccountStore
    from huntaze_desktop.storage.db import Database

    paths = DataPaths(tmp_path / "data").ensure()
    db = Database.open(paths)
    store = AccountStore(db, Vault(Vault.generate_key()), db.default_user_id)
    clock = [datetime.now(UTC)]
    async with create_http_client(timeout=10.0) as http:
        e = Env(sandbox_server, store, http, None, clock)  # type: ignore[arg-type]
        e.engine = e.make_engine()
        try:
            yield e
        finally:
            db.close()


async def sign_in(env: Env, provider: str, login: tuple[str, str] | None = None) -> Any:
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, login or LOGINS[provider])
    return await env.engine.complete(callback)


@pytest.mark.parametrize("provider", OAUTH)
async def test_full_sign_in_stores_the_account(env: Env, provider: str) -> None:
    account = await sign_in(env, provider)
    assert account.provider == provider
    assert env.store.find(provider, account.provider_account_id) is not None
    tokens = env.store.load_tokens(account.id)
    assert tokens.access_token
    assert "connected" in env.audit()
    if provider == "instagram":
        assert account.metadata["ig_business_id"] == account.provider_account_id
    if provider in ("tiktok", "reddit"):
        assert tokens.refresh_token


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_two_instagram_accounts_side_by_side_and_reconnect_updates(
    env: Env, provider: str
) -> None:
    first = await sign_in(env, provider)
    second = await sign_in(env, provider, ("moonlight.studio", "moon-pass"))
    assert first.id != second.id
    again = await sign_in(env, provider)
    assert again.id == first.id
    assert len(env.store.list_accounts(provider)) == 2


@pytest.mark.parametrize("provider", OAUTH)
async def test_replayed_state_is_refused_and_audited(env: Env, provider: str) -> None:
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    await env.engine.complete(callback)
    with pytest.raises(StateError):
        await env.engine.complete(callback)
    assert "state_rejected" in env.audit()


def _with_param(url: str, name: str, value: str | None) -> str:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    return urlunsplit(parts._replace(query=urlencode(params)))


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_mismatched_missing_expired_state_and_wrong_iss(env: Env, provider: str) -> None:
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    with pytest.raises(StateError):
        await env.engine.complete(_with_param(callback, "state", "x" * 43))
    with pytest.raises(StateError):
        await env.engine.complete(_with_param(callback, "state", None))
    # The real attempt is still pending after a forged one; a wrong issuer burns it.
    with pytest.raises(StateError):
        await env.engine.complete(_with_param(callback, "iss", "https://evil.example"))
    with pytest.raises(StateError):
        await env.engine.complete(callback)  # one-time: burnt by the iss check

    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    env.clock[0] += timedelta(minutes=10, seconds=1)
    with pytest.raises(StateError):
        await env.engine.complete(callback)
    assert env.audit().count("state_rejected") == 5
    assert env.store.list_accounts(provider) == []


@pytest.mark.parametrize("provider", OAUTH)
async def test_deny_is_a_cancellation(env: Env, provider: str) -> None:
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider], "deny")
    with pytest.raises(SignInCancelledError):
        await env.engine.complete(callback)


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_lost_exchange_answer_is_not_retried(env: Env, provider: str) -> None:
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    env.sandbox.state.faults.add(
        Fault(provider, FaultKind.TIMEOUT, path="/oauth/access_token", hang_s=3.0)
    )
    async with create_http_client(timeout=0.5) as impatient:
        engine = SignInEngine(
            env.store,
            default_registry(),
            impatient,
            lambda p: ClientCredentials(*sandbox_credentials()[p]),
            env.sandbox.base_urls(),
        )
        attempt = engine.begin(provider, attempt.redirect_uri)
        callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
        with pytest.raises(SignInError, match="start the sign-in again"):
            await engine.complete(callback)
        with pytest.raises(StateError):
            await engine.complete(callback)
    counters = env.sandbox.state.counters
    with env.sandbox.state.lock:
        hits = [v for k, v in counters.items() if k.endswith("/oauth/access_token")]
    assert hits and max(hits) >= 1


@pytest.mark.parametrize("provider", [_needs_sandbox("tiktok")])
async def test_tiktok_refuses_a_base64url_challenge(env: Env, provider: str) -> None:
    client = default_registry().make_client(
        provider,
        env.http,
        env.sandbox.base_urls()[provider],
        ClientCredentials(*sandbox_credentials()[provider]),
    )
    verifier = "v" * 64
    redirect = "http://127.0.0.1:8765/callback"
    url = client.authorization_url(redirect, "st", code_challenge(verifier, "s256"))
    callback = await drive_form(env.http, url, LOGINS[provider])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with pytest.raises(ProviderError):
        await client.exchange_code(code, redirect, verifier)


@pytest.mark.parametrize("provider", OAUTH)
async def test_system_browser_round_trip_through_the_loopback_listener(
    env: Env, provider: str
) -> None:
    pages: list[httpx.Response] = []

    async def browser(url: str) -> None:
        callback = await drive_form(env.http, url, LOGINS[provider])
        assert callback.startswith("http://127.0.0.1:")
        pages.append(await env.http.get(callback))
        # The listener is one-shot: nothing else is served.
        pages.append(await env.http.get(urljoin(callback, "/favicon.ico")))

    account = await env.engine.sign_in_with_browser(provider, browser, timeout=20)
    assert account.provider == provider
    success, favicon = pages
    assert success.status_code == 200
    assert success.headers["referrer-policy"] == "no-referrer"
    assert success.headers["cache-control"] == "no-store"
    assert "<script" not in success.text.lower()
    assert favicon.status_code == 404


async def test_system_browser_times_out_cleanly(env: Env) -> None:
    seen: list[str] = []
    engine = env.make_engine()
    with pytest.raises(SignInError, match="too long"):
        await engine.sign_in_with_browser("tiktok", seen.append, timeout=0.2)
    port = urlsplit(parse_qs(urlsplit(seen[0]).query)["redirect_uri"][0]).port
    with pytest.raises(httpx.ConnectError):
        await env.http.get(f"http://127.0.0.1:{port}/callback")


async def test_instagram_real_endpoints_refuse_the_system_browser(env: Env) -> None:
    engine = env.make_engine(overrides=None)
    with pytest.raises(ConfigurationError, match="https"):
        await engine.sign_in_with_browser("instagram", lambda url: None, timeout=1)


def test_plain_http_override_to_another_host_is_refused(env: Env) -> None:
    engine = env.make_engine(overrides={"tiktok": {"api": "http://sandbox.example"}})
    with pytest.raises(ConfigurationError):
        engine.begin("tiktok")


class _RawRecords(logging.Handler):
    """Our own loggers' messages exactly as our code wrote them (before any filter)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_instagram_tokens_never_reach_the_log(
    env: Env, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    from huntaze_desktop.net.redact import RedactingFilter

    caplog.set_level(logging.DEBUG)
    # As logsetup does for the app's handlers: httpx itself logs full URLs.
    caplog.handler.addFilter(RedactingFilter())
    raw = _RawRecords()
    ours = logging.getLogger("huntaze")
    ours.addHandler(raw)
    try:
        account = await sign_in(env, provider)
        tokens = env.store.load_tokens(account.id)
        env.sandbox.state.advance(2 * 86400)
        client = default_registry().make_client(
            provider,
            env.http,
            env.sandbox.base_urls()[provider],
            ClientCredentials(*sandbox_credentials()[provider]),
            clock=lambda: datetime.now(UTC) + timedelta(days=2),
        )
        renewed = await client.refresh(tokens)
    finally:
        ours.removeHandler(raw)
    assert renewed.access_token != tokens.access_token
    secrets = (tokens.access_token, renewed.access_token, sandbox_credentials()[provider][1])
    assert any("refresh_access_token" in m for m in raw.messages)  # the request was logged
    for secret in secrets:
        assert secret
        assert all(secret not in m for m in raw.messages)  # ...by us, without its query
        assert secret not in caplog.text  # ...and by httpx only through the filter


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_iss_is_compared_exactly(env: Env, provider: str) -> None:
    """RFC 9207 §2.4: simple string comparison; a trailing slash is another issuer."""
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    with pytest.raises(StateError):
        await env.engine.complete(_with_param(callback, "iss", attempt.issuer + "/"))
    attempt = env.engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    account = await env.engine.complete(_with_param(callback, "iss", attempt.issuer))
    assert account.provider == provider


class _IssuingRegistry:
    """The app's registry, with one platform's spec declaring that its server sends ``iss``."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def get_spec(self, name: str) -> Any:
        spec = default_registry().get_spec(name)
        return msgspec.structs.replace(spec, sends_issuer=True) if name == self.provider else spec

    def make_client(self, name: str, http: Any, base_urls: Any, credentials: Any, **kw: Any) -> Any:
        spec = self.get_spec(name)
        urls = resolve_base_urls(spec, base_urls)
        return default_registry().client_class(name)(spec, http, urls, credentials, **kw)


@pytest.mark.parametrize("provider", [_needs_sandbox("instagram")])
async def test_iss_is_required_when_the_spec_says_the_server_sends_it(
    env: Env, provider: str
) -> None:
    engine = SignInEngine(
        env.store,
        _IssuingRegistry(provider),
        env.http,
        lambda p: ClientCredentials(*sandbox_credentials()[p]),
        env.sandbox.base_urls(),
        clock=lambda: env.clock[0],
    )
    attempt = engine.begin(provider)
    assert attempt.issuer_required
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    with pytest.raises(StateError):
        await engine.complete(callback)  # no iss: refused, the state spent
    assert env.audit().count("state_rejected") == 1
    attempt = engine.begin(provider)
    callback = await drive_form(env.http, attempt.authorize_url, LOGINS[provider])
    account = await engine.complete(_with_param(callback, "iss", attempt.issuer))
    assert env.store.find(provider, account.provider_account_id) is not None
    # Without the declaration (the four platforms' specs) a callback without iss is fine.
    assert not default_registry().get_spec(provider).sends_issuer

"""RFC 6749 token-endpoint errors, against the sandbox over loopback HTTP.

The TikTok stand-in answers its token endpoint as RFC 6749 §5.2 says: a dead
grant is ``400 {"error": "invalid_grant"}``, a wrong client secret ``401
{"error": "invalid_client"}``, anything else another ``error`` code. The first
tests drive the *base* ``ProviderClient`` (no platform subclass) on TikTok's
spec: what a new, standards-following platform gets for free. The others go
through the sign-in engine and the token manager with TikTok's own client.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ConfigurationError,
    ProviderError,
    RateLimitedError,
)
from huntaze_desktop.domain.events import EventBus
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.answers import oauth2_token
from huntaze_desktop.providers.base import (
    ClientCredentials,
    ProviderClient,
    TokenGrant,
    resolve_base_urls,
)
from huntaze_desktop.providers.errors import AppCredentialsRejectedError
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.providers.tiktok.spec import SPEC as TIKTOK
from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.services.signin import SignInEngine
from huntaze_desktop.services.tokens import TokenManager

if TYPE_CHECKING:  # tests/services/conftest.py
    from conftest import CoreEnv

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
LOGIN = ("sunny.creates", "sunny-pass")
REDIRECT = "http://127.0.0.1:8765/callback"
WRONG_SECRET = "not-the-tiktok-secret-5d1c"
HOUR = 3600
TOKEN_PATH = "requests.tiktok./v2/oauth/token/"


async def _consent(
    http: httpx.AsyncClient, authorize_url: str, login: tuple[str, str] = LOGIN
) -> str:
    """Act as the browser on the sandbox's consent page; the callback URL."""
    page = await http.get(authorize_url)
    assert page.status_code == 200, page.text[:300]
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": login[0], "password": login[1], "action": "allow"})
    answer = await http.post(str(page.url), data=form)
    assert answer.status_code in (302, 303), answer.text[:300]
    return urljoin(str(page.url), answer.headers["location"])


def _base_client(
    sandbox: Any, http: httpx.AsyncClient, secret: str | None = None
) -> ProviderClient:
    """The base class itself on TikTok's spec: no platform code at all."""
    client_key, real_secret = sandbox_credentials()["tiktok"]
    urls = resolve_base_urls(TIKTOK, sandbox.base_urls()["tiktok"])
    return ProviderClient(TIKTOK, http, urls, ClientCredentials(client_key, secret or real_secret))


async def _sign_in(client: ProviderClient, http: httpx.AsyncClient) -> tuple[TokenGrant, str]:
    verifier = client.new_code_verifier()
    assert verifier is not None
    url = client.authorization_url(REDIRECT, client.new_state(), client.code_challenge(verifier))
    code = parse_qs(urlsplit(await _consent(http, url)).query)["code"][0]
    return await client.exchange_code(code, REDIRECT, verifier), verifier


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with create_http_client(timeout=10.0) as client:
        yield client


async def test_base_client_signs_in_and_refreshes_a_standard_platform(
    sandbox_server: SandboxServer, http: httpx.AsyncClient
) -> None:
    client = _base_client(sandbox_server, http)
    grant, _ = await _sign_in(client, http)
    assert grant.tokens.refresh_token and grant.tokens.expires_at is not None
    renewed = await client.refresh(grant.tokens)
    assert renewed.access_token != grant.tokens.access_token


async def test_base_client_invalid_grant_is_an_auth_rejection(
    sandbox_server: SandboxServer, http: httpx.AsyncClient
) -> None:
    client = _base_client(sandbox_server, http)
    grant, _ = await _sign_in(client, http)
    sandbox_server.state.revoke_user("tiktok", LOGIN[0])
    with pytest.raises(AuthRejectedError) as caught:
        await client.refresh(grant.tokens)
    assert (caught.value.code, caught.value.http_status) == ("invalid_grant", 400)


async def test_base_client_invalid_client_names_the_app_credentials(
    sandbox_server: SandboxServer, http: httpx.AsyncClient
) -> None:
    grant, _ = await _sign_in(_base_client(sandbox_server, http), http)
    wrong = _base_client(sandbox_server, http, secret=WRONG_SECRET)
    with pytest.raises(AppCredentialsRejectedError) as caught:
        await wrong.refresh(grant.tokens)
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert not isinstance(error, AuthRejectedError)
    assert (error.code, error.http_status) == ("invalid_client", 401)
    assert "TikTok app credentials" in error.user_message
    assert "Settings" in error.user_message
    assert WRONG_SECRET not in str(error) and WRONG_SECRET not in repr(error.args)
    # The grant itself is fine: the right credentials renew it.
    await _base_client(sandbox_server, http).refresh(grant.tokens)


async def test_base_client_other_error_codes_are_named(
    sandbox_server: SandboxServer, http: httpx.AsyncClient
) -> None:
    client = _base_client(sandbox_server, http)
    verifier = client.new_code_verifier()
    assert verifier is not None
    url = client.authorization_url(REDIRECT, client.new_state(), client.code_challenge(verifier))
    code = parse_qs(urlsplit(await _consent(http, url)).query)["code"][0]
    other = client.new_code_verifier()
    assert other is not None and other != verifier
    with pytest.raises(ProviderError) as caught:
        await client.exchange_code(code, REDIRECT, other)  # the sandbox: invalid_request
    error = caught.value
    assert not isinstance(error, AuthRejectedError | RateLimitedError | ConfigurationError)
    assert error.user_message == "TikTok refused the request (invalid_request)."


async def test_sign_in_with_a_wrong_client_secret_says_which_setting(core_env: CoreEnv) -> None:
    client_key, _ = sandbox_credentials()["tiktok"]
    engine = SignInEngine(
        core_env.store,
        default_registry(),
        core_env.http,
        lambda provider: ClientCredentials(client_key, WRONG_SECRET),
        core_env.sandbox.base_urls(),
        clock=core_env.now,
    )
    attempt = engine.begin("tiktok")
    callback = await _consent(core_env.http, attempt.authorize_url)
    with pytest.raises(ConfigurationError) as caught:
        await engine.complete(callback)
    assert "TikTok app credentials" in caught.value.user_message
    assert WRONG_SECRET not in caught.value.user_message
    assert core_env.store.list_accounts() == []


async def test_instagram_wrong_secret_names_the_app_credentials(core_env: CoreEnv) -> None:
    """Instagram's legacy answer ("Error validating client secret.") via its compliance hook."""
    app_id, _ = sandbox_credentials()["instagram"]
    engine = SignInEngine(
        core_env.store,
        default_registry(),
        core_env.http,
        lambda provider: ClientCredentials(app_id, WRONG_SECRET),
        core_env.sandbox.base_urls(),
        clock=core_env.now,
    )
    attempt = engine.begin("instagram")
    callback = await _consent(core_env.http, attempt.authorize_url, ("sunny.creates", "sunny-pass"))
    with pytest.raises(AppCredentialsRejectedError) as caught:
        await engine.complete(callback)
    assert "Instagram app credentials" in caught.value.user_message
    assert core_env.store.list_accounts() == []


async def test_refused_app_credentials_need_settings_not_a_reconnect(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    client_key, _ = sandbox_credentials()["tiktok"]
    wrong = default_registry().make_client(
        "tiktok",
        core_env.http,
        core_env.sandbox.base_urls()["tiktok"],
        ClientCredentials(client_key, WRONG_SECRET),
        clock=core_env.now,
    )
    misconfigured = TokenManager(
        core_env.store, lambda provider: wrong, core_env.paths.locks, EventBus(), clock=core_env.now
    )
    core_env.advance(25 * HOUR)
    with pytest.raises(AppCredentialsRejectedError):
        await misconfigured.ensure_valid(account.id)
    got = core_env.store.get(account.id)
    assert got.status is ConnectionStatus.APP_CREDENTIALS_REJECTED
    assert got.status.label == "App credentials rejected — check Settings"
    assert not got.status.reconnect_helps
    assert got.last_error and "TikTok app credentials" in got.last_error
    assert WRONG_SECRET not in got.last_error
    # The grant was not marked refused: with the right credentials it renews.
    before = core_env.store.load_tokens(account.id)
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token != before.access_token
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED


async def test_a_400_invalid_grant_is_not_sent_again(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    core_env.sandbox.state.revoke_user("tiktok", LOGIN[0])
    core_env.advance(25 * HOUR)
    token_calls = core_env.counter(TOKEN_PATH)
    for _ in range(3):
        with pytest.raises(AuthRejectedError):
            await core_env.tokens.ensure_valid(account.id)
    assert core_env.counter(TOKEN_PATH) == token_calls + 1
    got = core_env.store.get(account.id)
    assert got.status is ConnectionStatus.NEEDS_RECONNECT
    events = [e.event for e in core_env.store.audit_events()]
    assert events.count("refresh_failed") == 1


async def test_expiry_counts_from_the_clients_clock(http: httpx.AsyncClient) -> None:
    """Not from authlib's wall clock: the sandbox and these tests move the clock."""
    then = datetime(2030, 1, 1, tzinfo=UTC)
    client = ProviderClient(
        TIKTOK, http, dict(TIKTOK.base_urls), ClientCredentials("k", "s"), clock=lambda: then
    )
    tokens = client.token_set({"access_token": "a", "expires_in": 3600, "token_type": "Bearer"})
    assert tokens.expires_at is not None
    assert (tokens.expires_at - then).total_seconds() == 3600
    assert (
        oauth2_token({"access_token": "a", "expires_in": 60}, then)["expires_at"]
        == int(then.timestamp()) + 60
    )

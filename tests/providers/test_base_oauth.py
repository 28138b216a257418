"""The base ProviderClient as a standards-following platform gets it: no subclass at all.

Answers are RFC 6749 shapes served by httpx.MockTransport (like the recorded
answers of the other provider tests); the same classification is exercised
against the sandbox in ``tests/services/test_oauth_token_errors.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from recorded import NOW

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ConfigurationError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.answers import oauth2_token
from huntaze_desktop.providers.base import (
    ClientCredentials,
    ProviderClient,
    ProviderSpec,
    oauth_error_status_fix,
)
from huntaze_desktop.providers.errors import AppCredentialsRejectedError


class _Meta(msgspec.Struct, kw_only=True):
    pass


def _spec(**changes: Any) -> ProviderSpec:
    fields: dict[str, Any] = {
        "name": "standard",
        "display_name": "Standard",
        "description": "A platform that follows RFC 6749.",
        "icon": "standard.svg",
        "base_urls": {"auth": "https://auth.example", "api": "https://api.example"},
        "endpoints": {
            "authorize": ("auth", "/authorize"),
            "token": ("auth", "/token"),
            "revoke": ("auth", "/revoke"),
        },
        "scopes": ("read", "stats"),
        "pkce": "s256",
        "metadata_model": _Meta,
    }
    fields.update(changes)
    return ProviderSpec(**fields)


APP_SECRET = "app-secret"


def _client(
    handler: Callable[[httpx.Request], httpx.Response],
    secret: str | None = APP_SECRET,
    **spec_changes: Any,
) -> ProviderClient:
    spec = _spec(**spec_changes)
    http = create_http_client(transport=httpx.MockTransport(handler))
    return ProviderClient(
        spec, http, dict(spec.base_urls), ClientCredentials("app-id", secret), clock=lambda: NOW
    )


def _answer(status: int, body: dict[str, Any], **headers: str) -> Callable[..., httpx.Response]:
    return lambda request: httpx.Response(status, json=body, headers=headers)


OLD = TokenSet("old-access", refresh_token="old-refresh")


def test_authorization_url_is_rfc6749_with_an_s256_challenge() -> None:
    client = _client(_answer(500, {}))
    verifier = client.new_code_verifier()
    assert verifier is not None and 43 <= len(verifier) <= 128
    state = client.new_state()
    assert len(state) >= 43 and state != client.new_state()
    challenge = client.code_challenge(verifier)
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    url = client.authorization_url("http://127.0.0.1:9/cb", state, challenge)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "auth.example", "/authorize")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["app-id"],
        "redirect_uri": ["http://127.0.0.1:9/cb"],
        "scope": ["read stats"],
        "state": [state],
        "code_challenge": [challenge],
        "code_challenge_method": ["S256"],
    }


async def test_code_exchange_posts_a_form_with_client_secret_post() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"access_token": "new", "expires_in": 3600, "refresh_token": "r", "scope": "read"}
        return httpx.Response(200, json=body)

    grant = await _client(handler).exchange_code("the-code", "http://127.0.0.1:9/cb", "v" * 43)
    request = seen[0]
    assert request.method == "POST" and request.url.path == "/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "redirect_uri": ["http://127.0.0.1:9/cb"],
        "code": ["the-code"],
        "code_verifier": ["v" * 43],
        "client_id": ["app-id"],
        "client_secret": ["app-secret"],
    }
    assert grant.tokens.expires_at == NOW + timedelta(hours=1)
    assert grant.tokens.issued_at == NOW
    assert "access_token" not in grant.raw and "refresh_token" not in grant.raw


async def test_public_and_basic_clients() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "new"})

    await _client(handler, secret=None).refresh(OLD)
    assert parse_qs(seen[-1].content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["old-refresh"],
        "client_id": ["app-id"],
    }
    renewed = await _client(handler, secret=None, client_auth="basic").refresh(OLD)
    assert seen[-1].headers["authorization"] == "Basic " + base64.b64encode(b"app-id:").decode()
    assert "client_id" not in parse_qs(seen[-1].content.decode())
    assert renewed.refresh_token == "old-refresh"  # none came back: the old one stays


@pytest.mark.parametrize("status", [400, 401, 200])
async def test_invalid_grant_is_an_auth_rejection(status: int) -> None:
    client = _client(_answer(status, {"error": "invalid_grant", "error_description": "gone"}))
    with pytest.raises(AuthRejectedError) as caught:
        await client.refresh(OLD)
    assert caught.value.code == "invalid_grant"


@pytest.mark.parametrize(
    ("status", "code"), [(401, "invalid_client"), (400, "unauthorized_client")]
)
async def test_refused_client_is_a_configuration_error(status: int, code: str) -> None:
    client = _client(_answer(status, {"error": code}), secret="s3cr3t-value")
    with pytest.raises(AppCredentialsRejectedError) as caught:
        await client.exchange_code("c", "http://127.0.0.1:9/cb", "v" * 43)
    error = caught.value
    assert isinstance(error, ConfigurationError) and isinstance(error, ProviderError)
    assert error.user_message == (
        "The Standard app credentials were rejected. Check the Client ID and secret in Settings."
    )
    assert "s3cr3t-value" not in str(error)


async def test_other_codes_are_named_only_when_plain() -> None:
    with pytest.raises(ProviderError) as caught:
        await _client(_answer(400, {"error": "invalid_scope"})).refresh(OLD)
    assert type(caught.value) is ProviderError
    assert caught.value.user_message == "Standard refused the request (invalid_scope)."
    with pytest.raises(ProviderError) as caught:
        await _client(_answer(400, {"error": "<b>odd</b> code"})).refresh(OLD)
    assert caught.value.user_message == "Standard refused the request."


async def test_throttling_and_server_errors_are_retried_later() -> None:
    with pytest.raises(RateLimitedError) as limited:
        await _client(_answer(429, {"error": "slow_down"}, **{"Retry-After": "20"})).refresh(OLD)
    assert limited.value.retry_at == NOW + timedelta(seconds=20)
    for status, body in ((503, {"error": "invalid_grant"}), (400, {"error": "server_error"})):
        with pytest.raises(ProviderUnavailableError):
            await _client(_answer(status, body)).refresh(OLD)


async def test_compliance_hooks_run_in_order_before_classification() -> None:
    calls: list[str] = []

    def first(response: httpx.Response) -> httpx.Response:
        calls.append("first")
        return oauth_error_status_fix(response)

    def second(response: httpx.Response) -> httpx.Response:
        calls.append(f"second saw {response.status_code}")
        return response

    def add_audience(
        url: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        return url, headers, body + "&audience=api"

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error": "invalid_grant"})

    client = _client(handler)
    client.register_compliance_hook("refresh_token_response", first)
    client.register_compliance_hook("refresh_token_response", second)
    client.register_compliance_hook("refresh_token_request", add_audience)
    with pytest.raises(AuthRejectedError) as caught:
        await client.refresh(OLD)
    assert calls == ["first", "second saw 400"]
    assert caught.value.http_status == 400
    assert parse_qs(seen[0].content.decode())["audience"] == ["api"]
    with pytest.raises(ValueError, match="unknown compliance hook"):
        client.register_compliance_hook("token_response", first)  # type: ignore[arg-type]


async def test_revoke_is_rfc7009_with_client_auth_and_bearer_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = _client(handler)
    await client.revoke(OLD)
    assert parse_qs(seen[0].content.decode()) == {
        "token": ["old-refresh"],
        "client_id": ["app-id"],
        "client_secret": ["app-secret"],
    }
    assert client.bearer_headers(OLD) == {"Authorization": "Bearer old-access"}


def test_a_renamed_client_id_is_renamed_everywhere() -> None:
    client = _client(_answer(500, {}), client_id_param="client_key")
    url = client.authorization_url("http://127.0.0.1:9/cb", "st")
    params = parse_qs(urlsplit(url).query)
    assert params["client_key"] == ["app-id"] and "client_id" not in params
    _, _, body = client.client_auth().prepare("POST", "https://auth.example/token", {}, "a=b")
    assert parse_qs(body) == {"a": ["b"], "client_key": ["app-id"], "client_secret": ["app-secret"]}


@pytest.mark.parametrize("expires_in", ["soon", -5, 0, None, True, "1e9"])
def test_unusable_expires_in_means_no_known_expiry(expires_in: Any) -> None:
    client = _client(_answer(500, {}))
    tokens = client.token_set({"access_token": "a", "expires_in": expires_in})
    assert tokens.expires_at is None
    assert "expires_at" not in oauth2_token({"expires_in": expires_in}, NOW)


def test_json_of_a_hooked_answer_is_unchanged() -> None:
    request = httpx.Request("POST", "https://auth.example/token")
    fixed = oauth_error_status_fix(
        httpx.Response(200, json={"error": "invalid_grant"}, request=request)
    )
    assert fixed.status_code == 400 and json.loads(fixed.content) == {"error": "invalid_grant"}
    fine = httpx.Response(200, json={"access_token": "a"}, request=request)
    assert oauth_error_status_fix(fine) is fine

"""Reddit's Basic auth, 200-with-error answers and listings against recorded shapes."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from recorded import NOW, respond

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.providers.errors import AppCredentialsRejectedError


def test_authorize_url_asks_for_a_permanent_grant(make_provider):
    client = make_provider("reddit", lambda r: httpx.Response(500))
    params = parse_qs(urlsplit(client.authorization_url("http://127.0.0.1:1/cb", "st")).query)
    assert params["duration"] == ["permanent"]
    assert params["scope"] == ["identity read history mysubreddits"]
    assert "code_challenge" not in params


async def test_token_request_uses_basic_auth_with_empty_secret_and_descriptive_ua(make_provider):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond("reddit_token")

    client = make_provider("reddit", handler)
    grant = await client.exchange_code("c", "http://127.0.0.1:1/cb")
    request = seen[0]
    assert (
        request.headers["authorization"] == "Basic " + base64.b64encode(b"rd-installed:").decode()
    )
    assert "client_id" not in parse_qs(request.content.decode())
    assert request.headers["user-agent"].startswith("desktop:rd-installed:")
    assert "(by /u/" in request.headers["user-agent"]
    assert grant.tokens.refresh_token == "123-reddit-refresh"


async def test_refresh_keeps_the_old_refresh_token_when_none_comes_back(make_provider):
    client = make_provider("reddit", lambda r: respond("reddit_refresh_no_rt"))
    old = TokenSet("a", refresh_token="keep-me", refresh_expires_at=NOW + timedelta(days=9))
    new = await client.refresh(old)
    assert new.refresh_token == "keep-me"
    assert new.access_token == "eyJhbGciOi.reddit2"


@pytest.mark.parametrize(
    ("shape", "status"),
    [("reddit_200_invalid_grant", 200), ("reddit_400", 400)],
)
async def test_token_endpoint_rejections(make_provider, shape, status):
    client = make_provider("reddit", lambda r: respond(shape, status))
    with pytest.raises(AuthRejectedError):
        await client.refresh(TokenSet("a", refresh_token="r"))


async def test_token_endpoint_401_is_the_app_not_the_account(make_provider):
    """HTTP Basic refused: the client id is wrong, the user's grant may be fine."""
    client = make_provider("reddit", lambda r: respond("reddit_401", 401))
    for attempt in (
        client.refresh(TokenSet("a", refresh_token="r")),
        client.exchange_code("c", "http://127.0.0.1:1/cb"),
        client.revoke(TokenSet("a", refresh_token="r")),
    ):
        with pytest.raises(AppCredentialsRejectedError) as caught:
            await attempt
        assert not isinstance(caught.value, AuthRejectedError)
        assert caught.value.user_message == (
            "The Reddit app credentials were rejected. Check the Client ID and secret in Settings."
        )


async def test_api_401_still_means_the_access_token_is_dead(make_provider):
    client = make_provider("reddit", lambda r: respond("reddit_401", 401))
    with pytest.raises(AuthRejectedError):
        await client.fetch_profile(TokenSet("tok"))


async def test_profile_and_submitted(make_provider):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "oauth.reddit.com"
        assert request.headers["authorization"] == "bearer tok"
        assert request.url.params["raw_json"] == "1"
        if request.url.path == "/api/v1/me":
            return respond("reddit_me")
        assert request.url.path == "/user/sunny_posts/submitted"
        return respond("reddit_submitted")

    client = make_provider("reddit", handler)
    profile = await client.fetch_profile(TokenSet("tok"))
    assert profile.provider_account_id == "abc123"
    assert profile.stats == {
        "total_karma": 1540,
        "link_karma": 1200,
        "comment_karma": 340,
        "followers": 87,
    }
    stats = await client.fetch_stats(
        TokenSet("tok"), profile.metadata, NOW - timedelta(days=60), NOW
    )
    assert [p["id"] for p in stats["posts"]] == ["p2", "p1"]
    assert stats["posts"][0]["score"] == 45


async def test_429_reads_retry_after_and_5xx_is_unavailable(make_provider):
    client = make_provider(
        "reddit", lambda r: httpx.Response(429, json={}, headers={"Retry-After": "7"})
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.fetch_profile(TokenSet("tok"))
    assert caught.value.retry_at == NOW + timedelta(seconds=7)
    client = make_provider("reddit", lambda r: httpx.Response(503, text="busy"))
    with pytest.raises(ProviderUnavailableError):
        await client.fetch_profile(TokenSet("tok"))


async def test_revoke_sends_the_refresh_token(make_provider):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = make_provider("reddit", handler)
    await client.revoke(TokenSet("a", refresh_token="r"))
    assert parse_qs(seen[0].content.decode()) == {
        "token": ["r"],
        "token_type_hint": ["refresh_token"],
    }

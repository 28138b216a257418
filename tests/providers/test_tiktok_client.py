"""TikTok parsers, hex PKCE and rotating refresh against recorded answer shapes."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from recorded import NOW, respond

from huntaze_desktop.domain.errors import AuthRejectedError, ProviderError, RateLimitedError
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.providers.base import code_challenge


def test_authorize_url_uses_client_key_and_hex_challenge(make_provider):
    client = make_provider("tiktok", lambda r: httpx.Response(500))
    challenge = code_challenge("verifier-123", "s256_hex")
    assert challenge == hashlib.sha256(b"verifier-123").hexdigest()
    url = client.authorization_url("http://127.0.0.1:5000/callback", "st", challenge)
    params = parse_qs(urlsplit(url).query)
    assert params["client_key"] == ["tt-key"]
    assert "client_id" not in params
    assert params["scope"] == ["user.info.basic,user.info.profile,user.info.stats,video.list"]
    assert params["code_challenge"] == [challenge]
    assert params["code_challenge_method"] == ["S256"]


async def test_exchange_sends_verifier_and_reads_open_id(make_provider):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond("tiktok_token")

    client = make_provider("tiktok", handler)
    grant = await client.exchange_code("c0de", "http://127.0.0.1:5000/callback", "verif")
    form = parse_qs(seen[0].content.decode())
    assert form["client_key"] == ["tt-key"]
    assert form["client_secret"] == ["tt-secret"]
    assert form["code_verifier"] == ["verif"]
    assert grant.provider_account_id == "-000OpenIdExample"
    assert grant.tokens.refresh_token == "rft.example"
    assert grant.tokens.refresh_expires_at == NOW + timedelta(seconds=31536000)


async def test_refresh_persists_the_rotated_token(make_provider):
    client = make_provider("tiktok", lambda r: respond("tiktok_refresh_rotated"))
    new = await client.refresh(TokenSet("act.example", refresh_token="rft.example"))
    assert new.refresh_token == "rft.rotated"
    assert new.access_token == "act.new"


async def test_profile_and_videos(make_provider):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer act"
        if request.url.path == "/v2/user/info/":
            return respond("tiktok_user_info")
        assert json.loads(request.content)["max_count"] == 20
        return respond("tiktok_video_list")

    client = make_provider("tiktok", handler)
    profile = await client.fetch_profile(TokenSet("act"))
    assert profile.provider_account_id == "-000OpenIdExample"
    assert profile.stats["follower_count"] == 1520
    assert profile.metadata == {"union_id": "union-1"}
    stats = await client.fetch_stats(
        TokenSet("act"), profile.metadata, NOW - timedelta(days=365), NOW
    )
    assert [v["id"] for v in stats["videos"]] == ["7300000000000000002", "7300000000000000001"]
    assert stats["videos"][0]["view_count"] == 900


@pytest.mark.parametrize(
    ("shape", "status", "error"),
    [
        ("tiktok_error_token_invalid", 401, AuthRejectedError),
        ("tiktok_error_scope", 401, AuthRejectedError),
        ("tiktok_error_rate_limit", 429, RateLimitedError),
        ("tiktok_oauth_error", 200, AuthRejectedError),
    ],
)
async def test_errors_are_classified(make_provider, shape, status, error):
    client = make_provider("tiktok", lambda r: respond(shape, status))
    with pytest.raises(error):
        await client.fetch_profile(TokenSet("act"))


async def test_invalid_params_is_not_an_auth_rejection(make_provider):
    client = make_provider("tiktok", lambda r: respond("tiktok_error_invalid_params", 400))
    with pytest.raises(ProviderError) as caught:
        await client.fetch_profile(TokenSet("act"))
    assert not isinstance(caught.value, AuthRejectedError | RateLimitedError)


async def test_rate_limit_reads_retry_after(make_provider):
    client = make_provider(
        "tiktok", lambda r: respond("tiktok_error_rate_limit", 429, {"Retry-After": "30"})
    )
    with pytest.raises(RateLimitedError) as caught:
        await client.fetch_profile(TokenSet("act"))
    assert caught.value.retry_at == NOW + timedelta(seconds=30)

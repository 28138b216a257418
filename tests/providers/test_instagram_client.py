"""Instagram parsers and token rules against recorded answer shapes."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from recorded import NOW, fixture_json, respond

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    MalformedResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet


@pytest.mark.parametrize("shape", ["instagram_code_flat", "instagram_code_wrapped"])
async def test_code_exchange_accepts_flat_and_wrapped_then_goes_long_lived(make_provider, shape):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth/access_token":
            return respond(shape)
        assert request.url.path == "/access_token"
        return respond("instagram_long_lived")

    client = make_provider("instagram", handler)
    grant = await client.exchange_code("the-code#_", "https://localhost/huntaze/callback")

    code_form = parse_qs(seen[0].content.decode())
    assert code_form["code"] == ["the-code"]  # Meta's "#_" stripped
    assert code_form["client_secret"] == ["ig-secret"]
    assert code_form["grant_type"] == ["authorization_code"]
    long_params = dict(seen[1].url.params)
    assert long_params["grant_type"] == "ig_exchange_token"
    assert long_params["access_token"].startswith("IGQshort")
    assert grant.tokens.access_token == "IGQlong-lived"
    assert grant.tokens.refresh_token is None
    assert grant.tokens.expires_at == NOW + timedelta(seconds=5183944)
    assert grant.tokens.issued_at == NOW
    assert grant.provider_account_id in {"17841400000000001", "17841400000000002"}
    assert "access_token" not in grant.raw
    assert "instagram_business_basic" in (grant.tokens.scope or "")


async def test_profile_maps_user_id_to_ig_business_id(make_provider):
    client = make_provider("instagram", lambda r: respond("instagram_me"))
    profile = await client.fetch_profile(TokenSet("tok"))
    assert profile.provider_account_id == "17841400000000001"
    assert profile.metadata["ig_business_id"] == "17841400000000001"
    assert profile.username == "sunny.creates"
    assert profile.stats == {"followers_count": 9800, "follows_count": 310, "media_count": 412}


async def test_insights_keep_missing_data_missing(make_provider):
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/17841400000000001/insights"
        if request.url.params["metric_type"] == "time_series":
            return respond("instagram_insights_series")
        return respond("instagram_insights_totals")

    client = make_provider("instagram", handler)
    meta = {"ig_business_id": "17841400000000001"}
    stats = await client.fetch_stats(TokenSet("tok"), meta, NOW - timedelta(days=7), NOW)
    assert stats["series"]["reach"][1] == {"end_time": "2026-11-02T08:00:00+0000", "value": 1350}
    assert stats["series"]["follower_count"] == []
    # Totals over a week belong to no day: not asked for (one call per window).
    assert stats["totals"] == {}
    day = await client.fetch_stats(TokenSet("tok"), meta, NOW - timedelta(days=1), NOW)
    assert day["totals"] == {"views": 5300, "likes": 240, "comments": None}
    assert day["series"] == {}


async def test_refresh_waits_until_the_token_is_a_day_old(make_provider):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return respond("instagram_long_lived")

    client = make_provider("instagram", handler)
    young = TokenSet(
        "tok", expires_at=NOW + timedelta(days=59), issued_at=NOW - timedelta(hours=23)
    )
    assert await client.refresh(young) is young
    assert calls == []
    old = TokenSet("tok", expires_at=NOW + timedelta(days=5), issued_at=NOW - timedelta(days=55))
    renewed = await client.refresh(old)
    assert calls[0].url.path == "/refresh_access_token"
    assert calls[0].url.params["grant_type"] == "ig_refresh_token"
    assert renewed.access_token == "IGQlong-lived"
    assert renewed.issued_at == NOW


async def test_expired_token_cannot_be_refreshed(make_provider):
    client = make_provider("instagram", lambda r: respond("instagram_long_lived"))
    with pytest.raises(AuthRejectedError):
        await client.refresh(TokenSet("tok", expires_at=NOW - timedelta(seconds=1)))


@pytest.mark.parametrize(
    ("shape", "status", "error"),
    [
        ("instagram_error_190", 400, AuthRejectedError),
        ("instagram_error_throttled", 400, RateLimitedError),
        ("instagram_error_user_throttled", 403, RateLimitedError),
        ("instagram_oauth_legacy_error", 400, AuthRejectedError),
    ],
)
async def test_graph_errors_are_classified(make_provider, shape, status, error):
    client = make_provider("instagram", lambda r: respond(shape, status))
    with pytest.raises(error):
        await client.fetch_profile(TokenSet("tok"))


async def test_throttle_uses_estimated_time_to_regain_access(make_provider):
    entry = {"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 12}
    usage = json.dumps({"17841400000000001": [entry]})

    def handler(request: httpx.Request) -> httpx.Response:
        return respond(
            "instagram_error_user_throttled", 400, headers={"X-Business-Use-Case-Usage": usage}
        )

    client = make_provider("instagram", handler)
    with pytest.raises(RateLimitedError) as caught:
        await client.fetch_profile(TokenSet("tok"))
    assert caught.value.retry_at == NOW + timedelta(minutes=12)


async def test_server_error_and_html_are_not_auth_rejections(make_provider):
    client = make_provider("instagram", lambda r: httpx.Response(502, text="<html>bad</html>"))
    with pytest.raises(ProviderUnavailableError):
        await client.fetch_profile(TokenSet("tok"))
    client = make_provider("instagram", lambda r: httpx.Response(200, text="<html>hi</html>"))
    with pytest.raises(MalformedResponseError):
        await client.fetch_profile(TokenSet("tok"))


async def test_profile_without_user_id_is_malformed(make_provider):
    data = fixture_json("instagram_me")
    del data["user_id"]
    client = make_provider("instagram", lambda r: httpx.Response(200, json=data))
    with pytest.raises(MalformedResponseError):
        await client.fetch_profile(TokenSet("tok"))

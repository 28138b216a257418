"""Instagram stand-in: sign-in form, code exchange, long-lived tokens, Graph API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from consent_form import consent

from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.server import SandboxServer

CLIENT_ID, CLIENT_SECRET = sandbox_credentials()["instagram"]
REDIRECT = "https://localhost:8443/callback"
SCOPE = "instagram_business_basic,instagram_business_manage_insights"
AUTH = "/instagram/www/oauth/authorize"
DAY = 86_400


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPE,
        "state": "st-123",
    }
    params.update(overrides)
    return params


def sign_in(http: httpx.Client, username: str = "sunny.creates", pw: str = "sunny-pass") -> str:
    """Authorize → short-lived → long-lived; returns the long-lived token."""
    result = consent(http, AUTH, authorize_params(), username, pw)
    assert result.answer.status_code == 302
    assert result.location.endswith("#_")
    callback = result.callback()
    assert callback["state"] == "st-123"
    short = http.post(
        "/instagram/api/oauth/access_token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
            "code": callback["code"].removesuffix("#_"),
        },
    )
    assert short.status_code == 200, short.text
    long = http.get(
        "/instagram/graph/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": CLIENT_SECRET,
            "access_token": short.json()["access_token"],
        },
    )
    assert long.status_code == 200, long.text
    assert long.json()["expires_in"] == 60 * DAY
    return str(long.json()["access_token"])


def test_full_flow_reaches_profile(http: httpx.Client) -> None:
    token = sign_in(http)
    me = http.get(
        "/instagram/graph/me",
        params={"fields": "user_id,username,followers_count,media_count", "access_token": token},
    )
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "sunny.creates"
    assert body["user_id"] == "17841400000000001"
    assert set(body) == {"user_id", "username", "followers_count", "media_count"}
    assert body["followers_count"] > 1000
    assert "call_count" in me.headers["X-App-Usage"]
    assert "estimated_time_to_regain_access" in me.headers["X-Business-Use-Case-Usage"]
    # The bearer header works too.
    by_header = http.get("/instagram/graph/v21.0/me", headers={"Authorization": f"Bearer {token}"})
    assert by_header.json() == {"id": by_header.json()["id"]}


def test_code_exchange_shapes_and_errors(http: httpx.Client, sandbox: SandboxServer) -> None:
    def exchange(**form: str) -> httpx.Response:
        code = consent(http, AUTH, authorize_params(), "moonlight.studio", "moon-pass")
        fields = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
            "code": code.callback()["code"],
        }
        return http.post("/instagram/api/oauth/access_token", data={**fields, **form})

    flat = exchange().json()
    assert flat["user_id"] == 17841400000000002
    assert flat["permissions"] == SCOPE.split(",")
    sandbox.state.flags.instagram_wrapped_token = True
    wrapped = exchange().json()
    assert wrapped["data"][0]["user_id"] == "17841400000000002"
    bad_secret = exchange(client_secret="nope")
    assert bad_secret.status_code == 400
    assert bad_secret.json() == {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Error validating client secret.",
    }
    assert "redirect_uri" in exchange(redirect_uri="https://elsewhere/").json()["error_message"]


def test_code_is_one_time(http: httpx.Client) -> None:
    callback = consent(http, AUTH, authorize_params(), "sunny.creates", "sunny-pass").callback()
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code": callback["code"],
    }
    assert http.post("/instagram/api/oauth/access_token", data=form).status_code == 200
    again = http.post("/instagram/api/oauth/access_token", data=form)
    assert again.status_code == 400
    assert again.json()["error_type"] == "OAuthException"


def test_cancel_and_bad_requests(http: httpx.Client) -> None:
    denied = consent(http, AUTH, authorize_params(), "", "", action="deny")
    assert denied.answer.status_code == 302
    assert denied.callback()["error"] == "access_denied"
    assert denied.callback()["state"] == "st-123"
    wrong_pw = consent(http, AUTH, authorize_params(), "sunny.creates", "nope")
    assert wrong_pw.answer.status_code == 200
    assert "Wrong username or password" in wrong_pw.answer.text
    assert http.get(AUTH, params=authorize_params(client_id="x")).status_code == 400
    assert http.get(AUTH, params=authorize_params(redirect_uri="http://evil/")).status_code == 400
    spaced = authorize_params(scope="instagram_business_basic instagram_business_manage_insights")
    assert http.get(AUTH, params=spaced).status_code == 400
    loopback = authorize_params(redirect_uri="http://127.0.0.1:5000/cb")
    assert http.get(AUTH, params=loopback).status_code == 200


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.get(
        "/instagram/graph/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token},
    )


def test_refresh_only_after_24_hours_and_before_expiry(
    http: httpx.Client, sandbox: SandboxServer
) -> None:
    token = sign_in(http)
    young = refresh(http, token)
    assert young.status_code == 400
    assert young.json()["error"]["code"] == 100  # not 190: the token is still fine
    sandbox.state.advance(DAY + 60)
    grown = refresh(http, token)
    assert grown.status_code == 200, grown.text
    assert grown.json()["expires_in"] == 60 * DAY
    assert sandbox.state.counters["instagram.refresh_grants"] == 1
    sandbox.state.advance(61 * DAY)
    expired = refresh(http, grown.json()["access_token"])
    assert expired.status_code == 400
    error = expired.json()["error"]
    assert error["code"] == 190
    assert error["error_subcode"] == 463
    assert error["type"] == "OAuthException"


def test_insights_rules(http: httpx.Client, sandbox: SandboxServer) -> None:
    token = sign_in(http)
    now = datetime.fromtimestamp(sandbox.state.now(), UTC)
    midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
    params = {
        "metric": "reach,follower_count",
        "period": "day",
        "metric_type": "time_series",
        "since": str(int((midnight - timedelta(days=5)).timestamp())),
        "until": str(int(midnight.timestamp())),
        "access_token": token,
    }
    answer = http.get("/instagram/graph/17841400000000001/insights", params=params)
    assert answer.status_code == 200, answer.text
    reach = answer.json()["data"][0]
    assert reach["name"] == "reach"
    # Five full days asked; the last two fall within the 48 h lag: no data, not zero.
    assert len(reach["values"]) == 3
    assert all(v["value"] > 0 for v in reach["values"])
    # Same day, same number.
    again = http.get("/instagram/graph/me/insights", params=params).json()["data"][0]
    assert again["values"] == reach["values"]

    views = http.get("/instagram/graph/me/insights", params={**params, "metric": "views"}).json()
    assert views["error"]["code"] == 100
    total = http.get(
        "/instagram/graph/me/insights",
        params={**params, "metric": "views", "metric_type": "total_value"},
    ).json()
    assert total["data"][0]["total_value"]["value"] > 0
    gone = http.get("/instagram/graph/me/insights", params={**params, "metric": "impressions"})
    assert gone.json()["error"]["code"] == 100
    too_long = {**params, "since": str(int((midnight - timedelta(days=40)).timestamp()))}
    assert http.get("/instagram/graph/me/insights", params=too_long).status_code == 400
    other = http.get("/instagram/graph/17841400000000002/insights", params=params)
    assert other.json()["error"]["error_subcode"] == 33


def test_no_follower_count_under_100_followers(http: httpx.Client) -> None:
    token = sign_in(http, "tiny.sprout", "sprout-pass")
    answer = http.get(
        "/instagram/graph/me/insights",
        params={
            "metric": "follower_count,reach",
            "period": "day",
            "since": str(int(datetime(2025, 6, 1, tzinfo=UTC).timestamp())),
            "until": str(int(datetime(2025, 6, 10, tzinfo=UTC).timestamp())),
            "access_token": token,
        },
    ).json()
    follower_count, reach = answer["data"]
    assert follower_count["values"] == []
    assert len(reach["values"]) == 9


def test_media_pages(http: httpx.Client) -> None:
    token = sign_in(http)
    first = http.get(
        "/instagram/graph/me/media",
        params={"fields": "id,caption,like_count,timestamp", "limit": "5", "access_token": token},
    ).json()
    assert len(first["data"]) == 5
    second = httpx.get(first["paging"]["next"]).json()
    assert {p["id"] for p in first["data"]}.isdisjoint(p["id"] for p in second["data"])


def test_missing_or_revoked_token(
    http: httpx.Client, admin: httpx.Client, sandbox: SandboxServer
) -> None:
    none = http.get("/instagram/graph/me")
    assert none.json()["error"]["code"] == 190
    token = sign_in(http, "moonlight.studio", "moon-pass")
    answer = admin.post(
        "/_admin/revoke", json={"provider": "instagram", "user": "moonlight.studio"}
    )
    assert answer.json()["revoked"] >= 1
    revoked = http.get("/instagram/graph/me", params={"access_token": token})
    assert revoked.json()["error"]["error_subcode"] == 458


@pytest.mark.parametrize("day", ["2020-01-01", "2024-07-15"])
def test_stats_are_deterministic_and_have_history(day: str) -> None:
    from huntaze_desktop.sandbox.endpoints import sandbox_platforms

    user = sandbox_platforms()["instagram"].users[1]
    when = datetime.fromisoformat(day).date()
    assert data.daily_metric(user, "reach", when) == data.daily_metric(user, "reach", when)
    assert data.audience(user, when) > 0
    later = when + timedelta(days=365)
    assert data.audience(user, later) > data.audience(user, when)


def test_graph_answers_carry_an_etag_and_honour_if_none_match(
    http: httpx.Client, sandbox: SandboxServer
) -> None:
    token = sign_in(http)
    params = {"fields": "user_id,followers_count", "access_token": token}
    first = http.get("/instagram/graph/me", params=params)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"') and etag.endswith('"')

    same = http.get("/instagram/graph/me", params=params, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    # Weak comparison and lists, as RFC 9110 asks of If-None-Match.
    listed = http.get(
        "/instagram/graph/me", params=params, headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert listed.status_code == 304
    assert sandbox.state.counters["not_modified.instagram"] == 2

    other = http.get("/instagram/graph/me", params=params, headers={"If-None-Match": '"old"'})
    assert other.status_code == 200 and other.json() == first.json()
    # Another field set is another answer: another tag.
    more = http.get("/instagram/graph/me", params={**params, "fields": "user_id,username"})
    assert more.headers["etag"] != etag
    stale = http.get(
        "/instagram/graph/me",
        params={**params, "fields": "user_id,username"},
        headers={"If-None-Match": etag},
    )
    assert stale.status_code == 200

    now = int(sandbox.state.now())
    insights = {
        "metric": "reach",
        "period": "day",
        "metric_type": "time_series",
        "since": str(now - 10 * DAY),
        "until": str(now - 3 * DAY),
        "access_token": token,
    }
    tagged = http.get("/instagram/graph/me/insights", params=insights)
    assert tagged.status_code == 200
    again = http.get(
        "/instagram/graph/me/insights",
        params=insights,
        headers={"If-None-Match": tagged.headers["etag"]},
    )
    assert again.status_code == 304

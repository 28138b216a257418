"""Reddit stand-in: Basic auth with an empty secret, 200-with-error, User-Agent, rate headers."""

from __future__ import annotations

import httpx
import pytest
from consent_form import consent

from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.server import SandboxServer

CLIENT_ID, _ = sandbox_credentials()["reddit"]
BASIC = httpx.BasicAuth(CLIENT_ID, "")
REDIRECT = "http://127.0.0.1:65010/authorize_callback"
AUTH = "/reddit/www/api/v1/authorize"
TOKEN = "/reddit/www/api/v1/access_token"


def get_code(
    http: httpx.Client, duration: str = "permanent", scope: str = "identity history"
) -> str:
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "state": "rd-state",
        "redirect_uri": REDIRECT,
        "duration": duration,
        "scope": scope,
    }
    result = consent(http, AUTH, params, "sunny_creates", "sunny-pass")
    assert result.answer.status_code == 302
    assert result.callback()["state"] == "rd-state"
    return result.callback()["code"]


def exchange(http: httpx.Client, code: str, auth: httpx.Auth = BASIC) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return http.post(TOKEN, data=form, auth=auth)


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": token}, auth=BASIC
    )


def test_full_flow_reaches_me_and_submissions(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http)).json()
    assert tokens["token_type"] == "bearer"
    assert tokens["scope"] == "identity history"
    assert tokens["refresh_token"]
    auth = {"Authorization": f"bearer {tokens['access_token']}"}
    me = http.get("/reddit/oauth/api/v1/me", params={"raw_json": "1"}, headers=auth)
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == "1a2b3c"
    assert not body["id"].startswith("t2_")
    assert body["name"] == "sunny_creates"
    assert body["total_karma"] == body["link_karma"] + body["comment_karma"]
    assert "&amp;" not in body["icon_img"]
    assert body["subreddit"]["subscribers"] > 100
    assert me.headers["X-Ratelimit-Used"] == "1"
    assert float(me.headers["X-Ratelimit-Remaining"]) == 99.0
    assert 1 <= int(me.headers["X-Ratelimit-Reset"]) <= 60

    first = http.get(
        "/reddit/oauth/user/sunny_creates/submitted", params={"limit": "10"}, headers=auth
    ).json()
    assert first["kind"] == "Listing"
    assert len(first["data"]["children"]) == 10
    post = first["data"]["children"][0]["data"]
    assert {"score", "num_comments", "created_utc"} <= set(post)
    second = http.get(
        "/reddit/oauth/user/sunny_creates/submitted",
        params={"limit": "10", "after": first["data"]["after"]},
        headers=auth,
    ).json()
    assert second["data"]["children"][0]["data"]["id"] != post["id"]


def test_bad_code_is_http_200_invalid_grant(http: httpx.Client) -> None:
    answer = exchange(http, "not-a-code")
    assert answer.status_code == 200
    assert answer.json() == {"error": "invalid_grant"}


def test_bad_client_credentials_are_401(http: httpx.Client) -> None:
    answer = exchange(http, get_code(http), auth=httpx.BasicAuth("someone-else", ""))
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "error": 401}
    no_auth = http.post(TOKEN, data={"grant_type": "authorization_code", "code": "x"})
    assert no_auth.status_code == 401


def test_temporary_duration_gives_no_refresh_token(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http, duration="temporary")).json()
    assert "refresh_token" not in tokens
    assert tokens["expires_in"] == 3600


def test_refresh_keeps_or_rotates(http: httpx.Client, sandbox: SandboxServer) -> None:
    tokens = exchange(http, get_code(http)).json()
    kept = refresh(http, tokens["refresh_token"]).json()
    assert "refresh_token" not in kept  # keep the old one
    assert refresh(http, tokens["refresh_token"]).status_code == 200
    sandbox.state.flags.reddit_rotate_refresh = True
    rotated = refresh(http, tokens["refresh_token"]).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    replay = refresh(http, tokens["refresh_token"])
    assert replay.status_code == 200
    assert replay.json() == {"error": "invalid_grant"}
    assert refresh(http, rotated["refresh_token"]).json() == {"error": "invalid_grant"}
    assert sandbox.state.counters["reddit.refresh_grants"] == 3


def test_bad_refresh_token_other_recorded_shape(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.flags.reddit_bad_refresh_shape = "400"
    answer = refresh(http, "nope")
    assert answer.status_code == 400
    assert answer.json() == {"error": 400}


def test_revoke_is_always_204(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http)).json()
    revoke = "/reddit/www/api/v1/revoke_token"
    form = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    assert http.post(revoke, data=form, auth=BASIC).status_code == 204
    assert http.post(revoke, data={"token": "unknown"}, auth=BASIC).status_code == 204
    assert refresh(http, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    me = http.get(
        "/reddit/oauth/api/v1/me", headers={"Authorization": f"bearer {tokens['access_token']}"}
    )
    assert me.status_code == 401
    assert me.json() == {"message": "Unauthorized", "error": 401}


@pytest.mark.parametrize("agent", ["python-httpx/0.28.1", "python-requests/2.32", ""])
def test_generic_user_agent_is_throttled(
    http: httpx.Client, sandbox: SandboxServer, agent: str
) -> None:
    tokens = exchange(http, get_code(http)).json()
    answer = httpx.get(
        sandbox.base_url + "/reddit/oauth/api/v1/me",
        headers={"Authorization": f"bearer {tokens['access_token']}", "User-Agent": agent},
    )
    assert answer.status_code == 429
    assert answer.headers["Retry-After"]


def test_rate_limit_window(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.flags.reddit_requests_per_minute = 3
    # Start on a fresh window so the count is not split across two.
    sandbox.state.advance(60 - sandbox.state.now() % 60 + 1)
    tokens = exchange(http, get_code(http)).json()
    auth = {"Authorization": f"bearer {tokens['access_token']}"}
    codes = [http.get("/reddit/oauth/api/v1/me", headers=auth).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = http.get("/reddit/oauth/api/v1/me", headers=auth)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-Ratelimit-Remaining"] == "0.0"
    sandbox.state.advance(61)
    assert http.get("/reddit/oauth/api/v1/me", headers=auth).status_code == 200


def test_missing_scope_is_403(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http, scope="identity")).json()
    answer = http.get(
        "/reddit/oauth/user/sunny_creates/submitted",
        headers={"Authorization": f"bearer {tokens['access_token']}"},
    )
    assert answer.status_code == 403


def test_comma_scopes_are_refused(http: httpx.Client) -> None:
    answer = http.get(
        AUTH,
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "state": "s",
            "redirect_uri": REDIRECT,
            "duration": "permanent",
            "scope": "identity,history",
        },
    )
    assert answer.status_code == 302
    assert "error=invalid_scope" in answer.headers["location"]

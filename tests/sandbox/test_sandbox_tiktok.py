"""TikTok stand-in: hex PKCE, rotating refresh tokens with replay detection, Display API."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime

import httpx
from consent_form import consent

from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.server import SandboxServer

CLIENT_KEY, CLIENT_SECRET = sandbox_credentials()["tiktok"]
REDIRECT = "http://127.0.0.1:53682/callback/"
AUTH = "/tiktok/www/v2/auth/authorize/"
TOKEN = "/tiktok/open/v2/oauth/token/"
SCOPE = "user.info.basic,user.info.profile,user.info.stats,video.list"


def hex_challenge(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


def b64_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def get_code(http: httpx.Client, challenge: str, scope: str = SCOPE) -> str:
    params = {
        "client_key": CLIENT_KEY,
        "scope": scope,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "tt-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    result = consent(http, AUTH, params, "sunny.creates", "sunny-pass")
    assert result.answer.status_code == 302
    callback = result.callback()
    assert callback["state"] == "tt-state"
    assert callback["scopes"] == scope
    return callback["code"]


def exchange(http: httpx.Client, code: str, verifier: str, **extra: str) -> httpx.Response:
    form = {
        "client_key": CLIENT_KEY,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **extra,
    }
    return http.post(TOKEN, data=form)


def sign_in(http: httpx.Client, scope: str = SCOPE) -> dict[str, object]:
    verifier = secrets.token_urlsafe(48)
    answer = exchange(http, get_code(http, hex_challenge(verifier), scope), verifier)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def refresh(http: httpx.Client, token: object) -> httpx.Response:
    return http.post(
        TOKEN,
        data={
            "client_key": CLIENT_KEY,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": str(token),
        },
    )


def test_full_flow_reaches_user_info_and_videos(http: httpx.Client) -> None:
    tokens = sign_in(http)
    assert tokens["open_id"] == "-000sbxSunnyOpenId0001"
    assert tokens["refresh_expires_in"] == 31_536_000
    assert tokens["token_type"] == "Bearer"
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = http.get(
        "/tiktok/open/v2/user/info/",
        params={"fields": "open_id,display_name,follower_count,video_count"},
        headers=auth,
    )
    assert info.status_code == 200
    body = info.json()
    assert body["error"]["code"] == "ok"
    assert body["error"]["log_id"]
    user = body["data"]["user"]
    assert set(user) == {"open_id", "display_name", "follower_count", "video_count"}
    assert user["follower_count"] > 10_000

    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = http.post(
            "/tiktok/open/v2/video/list/",
            params={"fields": "id,create_time,view_count"},
            json={"max_count": 20, **({"cursor": cursor} if cursor else {})},
            headers=auth,
        ).json()["data"]
        assert len(page["videos"]) == 20
        assert page["has_more"] is True
        seen.extend(v["id"] for v in page["videos"])
        cursor = page["cursor"]
    assert len(set(seen)) == 60

    too_many = http.post(
        "/tiktok/open/v2/video/list/", params={"fields": "id"}, json={"max_count": 21}, headers=auth
    )
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == "invalid_params"


def test_every_video_list_page_answers_the_data_model_now(
    http: httpx.Client, sandbox: SandboxServer
) -> None:
    """Page after page, each video's counts are the data model's at the time of the answer.

    Counts only grow with time, so each answer lies between the model read just
    before and just after its request; a page that counted as of its cursor time
    (a day or years back) falls below.
    """
    tokens = sign_in(http)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    user = next(u for u in sandbox.state.users["tiktok"] if u.user_id == tokens["open_id"])
    fields = "id,create_time,view_count,like_count,comment_count,share_count"
    counts = ("view_count", "like_count", "comment_count", "share_count")

    def model(at: float) -> dict[str, tuple[int, ...]]:
        moment = datetime.fromtimestamp(at, UTC)
        return {
            p.post_id: (p.views, p.likes, p.comments, p.shares)
            for p in data.posts(user, moment, every_days=2)
        }

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        before = model(sandbox.state.now())
        page = http.post(
            "/tiktok/open/v2/video/list/",
            params={"fields": fields},
            json={"max_count": 20, **({"cursor": cursor} if cursor else {})},
            headers=auth,
        ).json()["data"]
        after = model(sandbox.state.now())
        pages += 1
        for video in page["videos"]:
            answer = tuple(video[c] for c in counts)
            low, high = before[video["id"]], after[video["id"]]
            assert all(a <= b <= c for a, b, c in zip(low, answer, high, strict=True)), (
                pages,
                video,
                low,
                high,
            )
            seen.append(video["id"])
        if not page["has_more"]:
            break
        cursor = page["cursor"]
    # Every video the model holds, each once, newest first.
    everything = model(sandbox.state.now())
    assert seen == list(everything)
    assert pages > 10


def test_base64url_challenge_is_refused_at_the_token_endpoint(http: httpx.Client) -> None:
    verifier = secrets.token_urlsafe(48)
    code = get_code(http, b64_challenge(verifier))  # the authorize page does not check
    answer = exchange(http, code, verifier)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"] == "Code verifier or code challenge is invalid."
    assert body["log_id"]


def test_wrong_verifier_and_wrong_client(http: httpx.Client) -> None:
    verifier = secrets.token_urlsafe(48)
    wrong = exchange(http, get_code(http, hex_challenge(verifier)), secrets.token_urlsafe(48))
    assert wrong.json()["error_description"] == "Code verifier or code challenge is invalid."
    bad_client = exchange(
        http, get_code(http, hex_challenge(verifier)), verifier, client_secret="nope"
    )
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"


def test_authorize_requires_pkce_and_client_key(http: httpx.Client) -> None:
    base = {
        "client_key": CLIENT_KEY,
        "scope": SCOPE,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "s",
    }
    no_pkce = http.get(AUTH, params=base)
    assert no_pkce.status_code == 302
    assert "error=invalid_request" in no_pkce.headers["location"]
    with_client_id = {**base, "client_id": CLIENT_KEY, "client_key": ""}
    assert http.get(AUTH, params=with_client_id).status_code == 400
    no_port = {**base, "redirect_uri": "http://127.0.0.1/cb", "code_challenge": "a" * 64}
    assert http.get(AUTH, params={**no_port, "code_challenge_method": "S256"}).status_code == 400


def test_refresh_rotates_and_replay_revokes_the_family(
    http: httpx.Client, sandbox: SandboxServer
) -> None:
    first = sign_in(http)
    second = refresh(http, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    # The stolen old token comes back: everything in the family dies.
    replay = refresh(http, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert refresh(http, second.json()["refresh_token"]).json()["error"] == "invalid_grant"
    info = http.get(
        "/tiktok/open/v2/user/info/",
        params={"fields": "open_id"},
        headers={"Authorization": f"Bearer {second.json()['access_token']}"},
    )
    assert info.status_code == 401
    assert info.json()["error"]["code"] == "access_token_invalid"
    assert sandbox.state.counters["tiktok.refresh_grants"] == 1
    assert sandbox.state.counters["tiktok.refresh_replays"] == 1


def test_access_token_expires_with_the_clock(http: httpx.Client, sandbox: SandboxServer) -> None:
    tokens = sign_in(http)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    params = {"fields": "open_id"}
    assert http.get("/tiktok/open/v2/user/info/", params=params, headers=auth).status_code == 200
    sandbox.state.advance(86_400 + 1)
    assert http.get("/tiktok/open/v2/user/info/", params=params, headers=auth).status_code == 401
    fresh = refresh(http, tokens["refresh_token"]).json()
    assert fresh["refresh_expires_in"] < 31_536_000


def test_scope_not_authorized(http: httpx.Client) -> None:
    tokens = sign_in(http, scope="user.info.basic")
    info = http.get(
        "/tiktok/open/v2/user/info/",
        params={"fields": "open_id,follower_count"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert info.status_code == 401
    assert info.json()["error"]["code"] == "scope_not_authorized"


def test_revoke_kills_the_grant(http: httpx.Client) -> None:
    tokens = sign_in(http)
    form = {"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET}
    answer = http.post(
        "/tiktok/open/v2/oauth/revoke/", data={**form, "token": str(tokens["access_token"])}
    )
    assert answer.status_code == 200
    assert refresh(http, tokens["refresh_token"]).json()["error"] == "invalid_grant"

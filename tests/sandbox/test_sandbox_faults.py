"""Each fault kind, fired over real HTTP, in the platform's own words."""

from __future__ import annotations

import time

import httpx
import pytest

from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.sandbox.server import SandboxServer

USER_INFO = "/tiktok/open/v2/user/info/"
IG_ME = "/instagram/graph/me"
REDDIT_ME = "/reddit/oauth/api/v1/me"


def test_latency_delays_then_answers(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("tiktok", FaultKind.LATENCY, USER_INFO, latency_ms=300))
    started = time.monotonic()
    answer = http.get(USER_INFO, params={"fields": "open_id"})
    assert time.monotonic() - started >= 0.3
    assert answer.json()["error"]["code"] == "access_token_invalid"  # the real handler ran


@pytest.mark.parametrize(
    ("provider", "path", "check"),
    [
        ("tiktok", USER_INFO, lambda b: b["error"]["code"] == "rate_limit_exceeded"),
        ("instagram", IG_ME, lambda b: b["error"]["code"] == 4),
        ("reddit", REDDIT_ME, lambda b: b == {"message": "Too Many Requests", "error": 429}),
    ],
)
def test_rate_limit_in_the_platform_shape(
    http: httpx.Client, sandbox: SandboxServer, provider: str, path: str, check: object
) -> None:
    sandbox.state.faults.add(Fault(provider, FaultKind.RATE_LIMIT, "*", retry_after_s=42))
    prefix = "/" + "/".join(path.split("/")[1:3])
    answer = http.get(path)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "42"
    assert callable(check) and check(answer.json())
    # times=1 by default: the next call reaches the handler again.
    assert http.get(path).status_code != 429
    assert sandbox.state.counters[f"requests.{provider}.{path.removeprefix(prefix)}"] == 2


def test_server_error_for_a_count(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("instagram", FaultKind.SERVER_ERROR, "/me", times=2, status=502))
    assert [http.get(IG_ME).status_code for _ in range(3)] == [502, 502, 400]


def test_always_until_cleared(
    http: httpx.Client, admin: httpx.Client, sandbox: SandboxServer
) -> None:
    sandbox.state.faults.add(Fault("reddit", FaultKind.SERVER_ERROR, "/api/*", times=None))
    assert [http.get(REDDIT_ME).status_code for _ in range(3)] == [503, 503, 503]
    assert admin.delete("/_admin/faults").status_code == 204
    assert http.get(REDDIT_ME).status_code == 401


def test_path_pattern_only_hits_its_endpoint(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("tiktok", FaultKind.SERVER_ERROR, "/v2/video/*", times=None))
    assert http.get(USER_INFO, params={"fields": "open_id"}).status_code == 401
    assert http.get(IG_ME).status_code == 400  # another provider is untouched
    assert http.post("/tiktok/open/v2/video/list/").status_code == 503


def test_timeout_hangs_past_the_client_timeout(sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("tiktok", FaultKind.TIMEOUT, USER_INFO, hang_s=5))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sandbox.base_url + USER_INFO, timeout=0.5)
    assert time.monotonic() - started < 3


def test_malformed_json(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("tiktok", FaultKind.MALFORMED_JSON, USER_INFO))
    answer = http.get(USER_INFO)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        answer.json()


def test_html_body(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("reddit", FaultKind.HTML, "/api/v1/me"))
    answer = http.get(REDDIT_ME)
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text.startswith("<!DOCTYPE html>")


def test_revoked_grant_on_the_token_endpoint(http: httpx.Client, sandbox: SandboxServer) -> None:
    sandbox.state.faults.add(Fault("reddit", FaultKind.REVOKED_GRANT, "/api/v1/access_token"))
    answer = http.post("/reddit/www/api/v1/access_token", data={"grant_type": "refresh_token"})
    assert answer.status_code == 200
    assert answer.json() == {"error": "invalid_grant"}
    sandbox.state.faults.add(Fault("tiktok", FaultKind.REVOKED_GRANT, "/v2/oauth/token/"))
    tiktok = http.post("/tiktok/open/v2/oauth/token/", data={"grant_type": "refresh_token"})
    assert tiktok.status_code == 400
    assert tiktok.json()["error"] == "invalid_grant"


def test_expired_session_in_each_shape(http: httpx.Client, sandbox: SandboxServer) -> None:
    for provider in ("instagram", "tiktok", "reddit"):
        sandbox.state.faults.add(Fault(provider, FaultKind.EXPIRED_SESSION))
    assert http.get(IG_ME).json()["error"]["error_subcode"] == 463
    tiktok = http.get(USER_INFO)
    assert tiktok.status_code == 401
    assert tiktok.json()["error"]["code"] == "access_token_invalid"
    assert http.get(REDDIT_ME).json() == {"message": "Unauthorized", "error": 401}


def test_fault_through_the_admin_endpoint(http: httpx.Client, admin: httpx.Client) -> None:
    created = admin.post(
        "/_admin/faults",
        json={"provider": "instagram", "kind": "rate_limit", "path": "/me", "retry_after_s": 7},
    )
    assert created.status_code == 201
    answer = http.get(IG_ME)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    counters = admin.get("/_admin/counters").json()
    assert counters["faults.instagram"] == 1

"""The server frame: start/stop, base URLs, admin endpoints, the clock."""

from __future__ import annotations

import httpx

from huntaze_desktop.sandbox.endpoints import base_urls, sandbox_credentials, sandbox_platforms
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.state import SandboxState


def test_starts_on_a_free_port_and_stops() -> None:
    server = SandboxServer().start()
    try:
        assert server.port > 0
        assert httpx.get(server.base_url + "/").status_code == 200
    finally:
        server.stop()
    try:
        httpx.get(f"http://127.0.0.1:{server.port}/", timeout=1)
    except httpx.ConnectError:
        pass
    else:
        raise AssertionError("the server still answers after stop()")


def test_two_servers_have_independent_state() -> None:
    with SandboxServer() as one, SandboxServer() as two:
        assert one.port != two.port
        one.state.advance(100)
        assert two.state.clock_offset == 0


def test_base_urls_name_every_role() -> None:
    urls = base_urls("http://127.0.0.1:9/")
    assert urls["instagram"] == {
        "auth": "http://127.0.0.1:9/instagram/www",
        "token": "http://127.0.0.1:9/instagram/api",
        "graph": "http://127.0.0.1:9/instagram/graph",
    }
    assert urls["tiktok"]["api"] == "http://127.0.0.1:9/tiktok/open"
    assert urls["reddit"]["api"] == "http://127.0.0.1:9/reddit/oauth"
    assert urls["onlyfans"] == {"site": "http://127.0.0.1:9/onlyfans/site"}
    assert set(sandbox_credentials()) == set(sandbox_platforms())
    assert sandbox_credentials()["reddit"][1] is None


def test_admin_clock_moves_state_time(
    http: httpx.Client, admin: httpx.Client, sandbox: SandboxServer
) -> None:
    before = sandbox.state.now()
    answer = admin.post("/_admin/clock", json={"advance_seconds": 3600})
    assert answer.status_code == 200
    assert sandbox.state.now() - before >= 3600
    assert answer.json()["offset_seconds"] >= 3600
    assert admin.post("/_admin/clock", json={}).status_code == 400


def test_admin_faults_round_trip(
    http: httpx.Client, admin: httpx.Client, sandbox: SandboxServer
) -> None:
    created = admin.post(
        "/_admin/faults",
        json={"provider": "tiktok", "kind": "server_error", "path": "/v2/*", "times": None},
    )
    assert created.status_code == 201
    assert [f.kind for f in sandbox.state.faults.active()] == ["server_error"]
    assert admin.post("/_admin/faults", json={"provider": "x", "bogus": 1}).status_code == 400
    assert admin.post("/_admin/faults", json={"provider": "x", "kind": "nope"}).status_code == 400
    assert admin.delete("/_admin/faults").status_code == 204
    assert admin.get("/_admin/faults").json() == []


def test_admin_flags(http: httpx.Client, admin: httpx.Client, sandbox: SandboxServer) -> None:
    answer = admin.post("/_admin/flags", json={"instagram_wrapped_token": True})
    assert answer.json()["instagram_wrapped_token"] is True
    assert sandbox.state.flags.instagram_wrapped_token is True
    assert admin.post("/_admin/flags", json={"no_such_flag": 1}).status_code == 400


def test_state_codes_are_one_time_and_expire() -> None:
    state = SandboxState()
    user = state.users["instagram"][0]
    fields = dict(provider="instagram", client_id="c", redirect_uri="r", user=user, scopes=())
    code = state.issue_code(**fields)
    assert state.consume_code(code.code) is code
    assert state.consume_code(code.code) is None
    old = state.issue_code(**fields)
    state.advance(601)
    assert state.consume_code(old.code) is None

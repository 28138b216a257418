"""Sandbox grants survive restarts, and ``--sandbox`` processes share one sandbox.

Real parts only: sandbox servers on loopback, real Runtimes (SQLite, vault) and
the sandbox's own authorize form submitted over HTTP.
"""

from __future__ import annotations

import json
import socket
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx
import pytest
from consent_form import consent

from huntaze_desktop.domain.errors import ConfigurationError
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.providers.onlyfans.sandbox.app import sandbox_rules, scripted_sign_in
from huntaze_desktop.providers.onlyfans.signing import sign
from huntaze_desktop.runtime import Runtime, RuntimeOptions
from huntaze_desktop.sandbox import persistence
from huntaze_desktop.sandbox.endpoints import read_admin_token
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.shared import (
    PORT_ENV,
    RemoteSandbox,
    probe,
    start_or_reuse,
)

LOGINS = {"tiktok": ("sunny.creates", "sunny-pass"), "reddit": ("sunny_creates", "sunny-pass")}
UA = "Mozilla/5.0 (X11; Linux x86_64) PersistenceTest/1.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def connect(rt: Any, provider: str, login: tuple[str, str]) -> Any:
    """Sign in through the sandbox form as the browser would, then hand back the callback."""
    attempt = await rt.accounts.begin_sign_in(provider)
    # httpx replaces a URL's query with ``params``: hand the query over as params.
    parts = urlsplit(attempt.authorize_url)
    page_url = urlunsplit(parts._replace(query=""))
    with httpx.Client(timeout=10, trust_env=False) as http:
        result = consent(http, page_url, dict(parse_qsl(parts.query)), *login)
    assert result.answer.status_code in (302, 303), result.answer.text[:300]
    return await rt.accounts.complete_sign_in(urljoin(attempt.authorize_url, result.location))


async def runtime_on(data_dir: Path, server: Any = None) -> Runtime:
    return await Runtime.create(
        RuntimeOptions(data_dir=data_dir, sandbox=True, sandbox_server=server)
    )


async def test_tokens_and_refresh_families_survive_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "data" / persistence.STATE_FILE_NAME
    first = SandboxServer(state_file=state_file).start()
    try:
        rt = await runtime_on(tmp_path / "data", first)
        try:
            tiktok = await connect(rt, "tiktok", LOGINS["tiktok"])
            reddit = await connect(rt, "reddit", LOGINS["reddit"])
            old_refresh = rt.store.load_tokens(tiktok.id).refresh_token
        finally:
            await rt.aclose()
    finally:
        first.stop()
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600

    # A new server (new port, empty memory) with the same file knows the grants.
    second = SandboxServer(state_file=state_file).start()
    try:
        rt = await runtime_on(tmp_path / "data", second)
        try:
            for account in (tiktok, reddit):
                checked = await rt.accounts.validate(account.id)
                assert checked.status is ConnectionStatus.CONNECTED
            # Age the access token past its lifetime: the refresh token still works.
            second.state.advance(2 * 86_400)
            checked = await rt.accounts.validate(tiktok.id)
            assert checked.status is ConnectionStatus.CONNECTED
            assert second.state.counters["tiktok.refresh_grants"] == 1
            assert rt.store.load_tokens(tiktok.id).refresh_token != old_refresh
        finally:
            await rt.aclose()
    finally:
        second.stop()

    # And a third: the clock offset and the rotated-away token are remembered.
    with SandboxServer(state_file=state_file) as third:
        assert third.state.clock_offset == pytest.approx(2 * 86_400)
        assert old_refresh is not None
        outcome = third.state.use_refresh_token(
            "tiktok", old_refresh, "sbxtiktokclientkey01", rotate=True
        )
        assert outcome.error == "replayed"
    # The replay revoked the family, and that was saved too.
    with SandboxServer(state_file=state_file) as fourth:
        family = fourth.state.family_of(old_refresh)
        assert family is not None and family.revoked


async def signed_me(site: str, session: dict[str, Any]) -> httpx.Response:
    path = "/api2/v2/users/me"
    headers = sign(sandbox_rules(), path, session["cookies"]["auth_id"], int(time.time() * 1000))
    headers |= {
        "x-bc": session["x_bc"],
        "User-Agent": session["user_agent"],
        "Cookie": "; ".join(f"{k}={v}" for k, v in session["cookies"].items()),
    }
    async with httpx.AsyncClient(trust_env=False) as http:
        return await http.get(site + path, headers=headers)


async def test_sessions_flags_and_revocations_survive_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox-state.json"
    with SandboxServer(state_file=state_file) as first:
        site = first.base_urls()["onlyfans"]["site"]
        sunny = await scripted_sign_in(site, "sunnycreates@example.com", "sunny-pass", UA)
        moon = await scripted_sign_in(site, "moonlightstudio@example.com", "moon-pass", UA)
        async with httpx.AsyncClient(
            base_url=first.base_url, trust_env=False, headers=first.admin_headers()
        ) as http:
            flags = await http.post("/_admin/flags", json={"reddit_rotate_refresh": True})
            assert flags.status_code == 200
            expired = await http.post(
                "/onlyfans/site/_admin/expire-sessions", json={"user": "moonlightstudio"}
            )
            assert expired.json() == {"expired": 1}
        user = first.state.find_user("reddit", "sunny_creates")
        assert user is not None
        kept = first.state.issue_access_token(
            provider="reddit", client_id="c", user=user, scopes=("identity",), lifetime_s=3600
        )
        gone = first.state.issue_access_token(
            provider="reddit", client_id="c", user=user, scopes=("identity",), lifetime_s=3600
        )
        assert first.state.revoke_token("reddit", gone.token)

    text = state_file.read_text()
    assert kept.token in text  # sandbox stand-in tokens only; that is the point

    with SandboxServer(state_file=state_file) as second:
        site = second.base_urls()["onlyfans"]["site"]
        answer = await signed_me(site, sunny)
        assert answer.status_code == 200, answer.text
        assert answer.json()["username"] == "sunnycreates"
        assert (await signed_me(site, moon)).status_code == 401  # still expired
        assert second.state.flags.reddit_rotate_refresh is True
        assert second.state.valid_access_token("reddit", kept.token) is not None
        found = second.state.lookup_access_token("reddit", gone.token)
        assert found is not None and found.revoked


def test_damaged_state_file_is_moved_aside_and_the_sandbox_starts_empty(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox-state.json"
    state_file.write_text('{"format": 1, "access_tokens": [{"token": ')
    with SandboxServer(state_file=state_file) as server:
        assert persistence.dump_state(server.state)["access_tokens"] == []
    assert (tmp_path / "sandbox-state.json.damaged").exists()
    assert json.loads(state_file.read_text())["format"] == persistence.FORMAT


@pytest.fixture
def fixed_port(monkeypatch: pytest.MonkeyPatch) -> int:
    port = free_port()
    monkeypatch.setenv(PORT_ENV, str(port))
    return port


async def test_second_runtime_reuses_the_running_sandbox(tmp_path: Path, fixed_port: int) -> None:
    data = tmp_path / "data"
    owner = await runtime_on(data)
    try:
        assert isinstance(owner.sandbox, SandboxServer)
        assert owner.sandbox.port == fixed_port
        answered, anonymous = probe(owner.sandbox.base_url)
        assert answered and anonymous is None  # /_admin/ needs this data directory's token
        _, info = probe(owner.sandbox.base_url, read_admin_token(data))
        assert info is not None
        assert Path(info["state_file"]) == data / persistence.STATE_FILE_NAME

        guest = await runtime_on(data)
        try:
            assert isinstance(guest.sandbox, RemoteSandbox)
            assert guest.sandbox.base_url == owner.sandbox.base_url
            # Connected through the guest, known to the owner's sandbox.
            account = await connect(guest, "reddit", LOGINS["reddit"])
        finally:
            await guest.aclose()
        # Closing the guest left the owner's sandbox running.
        assert probe(owner.sandbox.base_url, read_admin_token(data))[1] is not None
        checked = await owner.accounts.validate(account.id)
        assert checked.status is ConnectionStatus.CONNECTED

        # Another data directory keeps its own grants: its own sandbox, another port.
        other = await runtime_on(tmp_path / "other")
        try:
            assert isinstance(other.sandbox, SandboxServer)
            assert other.sandbox.port != fixed_port
        finally:
            await other.aclose()
    finally:
        await owner.aclose()
    assert probe(f"http://127.0.0.1:{fixed_port}") == (False, None)


class _NotASandbox(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()
        self.wfile.write(b"nothing here")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign_server(fixed_port: int) -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", fixed_port), _NotASandbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fixed_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_port_held_by_another_program_falls_back_to_a_free_port(
    tmp_path: Path, foreign_server: int
) -> None:
    assert probe(f"http://127.0.0.1:{foreign_server}") == (True, None)
    sandbox, owned = start_or_reuse(tmp_path)
    try:
        assert owned and isinstance(sandbox, SandboxServer)
        assert sandbox.port != foreign_server
        assert probe(sandbox.base_url, read_admin_token(tmp_path))[1] is not None
    finally:
        sandbox.stop()


def test_bad_port_setting_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PORT_ENV, "eighty")
    with pytest.raises(ConfigurationError, match=PORT_ENV):
        start_or_reuse(tmp_path)


def test_admin_endpoints_need_the_token_in_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with SandboxServer(state_file=data / persistence.STATE_FILE_NAME) as server:
        token_file = data / "sandbox-admin.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = read_admin_token(data)
        assert token and token == server.state.admin_token
        with httpx.Client(base_url=server.base_url, trust_env=False) as http:
            for method, path in [
                ("GET", "/_admin/whoami"),
                ("GET", "/_admin/counters"),
                ("POST", "/_admin/clock"),
                ("POST", "/_admin/faults"),
                ("POST", "/_admin/revoke"),
                ("POST", "/onlyfans/site/_admin/expire-sessions"),
            ]:
                for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": token}]:
                    refused = http.request(method, path, headers=headers, json={})
                    assert refused.status_code == 401, (method, path, headers)
            before = server.state.now()
            moved = http.post(
                "/_admin/clock",
                json={"advance_seconds": 60},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert moved.status_code == 200 and server.state.now() - before >= 60
            # The platforms themselves need no admin token.
            assert http.get("/").status_code == 200


def test_a_sandbox_with_another_token_is_not_reused(tmp_path: Path, fixed_port: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # A sandbox on the fixed port serving this very state file, but whose token
    # this data directory does not hold (the file was replaced since).
    with SandboxServer(port=fixed_port, state_file=data / persistence.STATE_FILE_NAME):
        (data / "sandbox-admin.token").write_text("someone-else\n")
        sandbox, owned = start_or_reuse(data)
        try:
            assert owned and isinstance(sandbox, SandboxServer)
            assert sandbox.port != fixed_port
        finally:
            sandbox.stop()

"""Connecting OnlyFans from a captured session: real sandbox, real SQLite, real vault."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from huntaze_desktop.domain.errors import AuthRejectedError, ConfigurationError
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.providers.base import ClientCredentials, ProviderClient
from huntaze_desktop.providers.onlyfans import CapturedSession, IncompleteSessionError
from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in, sessions
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.services.session_signin import connect_session
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault

make_client = default_registry().make_client

UA = "Mozilla/5.0 (X11; Linux x86_64) SessionSignInTest/1.0"
SUNNY = ("sunnycreates@example.com", "sunny-pass")
MOON = ("moonlightstudio@example.com", "moon-pass")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AccountStore]:
    db = Database.open(DataPaths(tmp_path / "data"))
    try:
        yield AccountStore(db, Vault(Vault.generate_key()), db.default_user_id)
    finally:
        db.close()


@pytest.fixture
async def factory(sandbox_server: SandboxServer) -> Any:
    async with httpx.AsyncClient() as http:

        def client_for(provider: str) -> ProviderClient:
            urls = sandbox_server.base_urls()[provider]
            return make_client(provider, http, urls, ClientCredentials("sandbox-onlyfans"))

        yield client_for


async def captured(server: SandboxServer, who: tuple[str, str]) -> CapturedSession:
    site = server.base_urls()["onlyfans"]["site"]
    return CapturedSession.from_mapping(await scripted_sign_in(site, *who, UA))


async def test_connect_stores_account_and_session(
    store: AccountStore, factory: Any, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    session = await captured(sandbox_server, MOON)
    account = await connect_session(store, factory, "onlyfans", session)
    assert account.provider == "onlyfans" and account.provider_account_id == "280002"
    assert account.username == "moonlightstudio" and account.status is ConnectionStatus.CONNECTED
    assert account.metadata["subscribers_count"] > 0
    tokens = store.load_tokens(account.id)
    assert tokens.refresh_token is None and tokens.expires_at is None
    assert tokens.token_type == "session"
    assert CapturedSession.from_json(tokens.access_token) == session
    events = [(e.event, e.provider_account_id) for e in store.audit_events()]
    assert ("connected", "280002") in events
    # The stored session keeps working for signed stats calls.
    profile = await factory("onlyfans").fetch_profile(tokens)
    assert profile.provider_account_id == "280002"
    # Nothing secret reached the database in clear text.
    # (the main file and the WAL, where fresh writes live until a checkpoint)
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("huntaze.sqlite3*"))
    assert raw
    for secret in (session.cookies["sess"], session.x_bc):
        assert secret.encode() not in raw


async def test_reconnect_updates_same_account(
    store: AccountStore, factory: Any, sandbox_server: SandboxServer
) -> None:
    first = await connect_session(store, factory, "onlyfans", await captured(sandbox_server, SUNNY))
    fresh = await captured(sandbox_server, SUNNY)
    again = await connect_session(store, factory, "onlyfans", fresh)
    assert again.id == first.id
    assert CapturedSession.from_json(store.load_tokens(first.id).access_token) == fresh
    assert len(store.list_accounts("onlyfans")) == 1


async def test_rejected_session_stores_nothing(
    store: AccountStore, factory: Any, sandbox_server: SandboxServer
) -> None:
    session = await captured(sandbox_server, SUNNY)
    sessions(sandbox_server.state)[session.cookies["sess"]].expired = True
    with pytest.raises(AuthRejectedError, match="expired"):
        await connect_session(store, factory, "onlyfans", session)
    assert store.list_accounts() == []


async def test_mixed_session_is_rejected(
    store: AccountStore, factory: Any, sandbox_server: SandboxServer
) -> None:
    a = json.loads((await captured(sandbox_server, MOON)).to_json())
    b = json.loads((await captured(sandbox_server, MOON)).to_json())
    a["x_bc"] = b["x_bc"]
    with pytest.raises(AuthRejectedError, match="Sign in again"):
        await connect_session(store, factory, "onlyfans", CapturedSession.from_mapping(a))
    assert store.list_accounts() == []


async def test_oauth_platform_is_refused(store: AccountStore, factory: Any) -> None:
    session = CapturedSession(cookies={"sess": "x", "auth_id": "1"}, x_bc="y", user_agent=UA)
    with pytest.raises(ConfigurationError):
        await connect_session(store, factory, "reddit", session)


class _RawSession:
    """A BrowserSession as another capture path might hand it over, unchecked."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def user_id(self) -> str:
        return str(self.data["cookies"]["auth_id"])

    def to_json(self) -> str:
        return json.dumps(self.data)


@pytest.mark.parametrize(
    "bad", ["\r\nX-Injected: yes", "\n", "x" * (50 * 1024 * 1024)], ids=["crlf", "lf", "50MB"]
)
async def test_a_cookie_no_browser_sends_is_refused_before_any_request(
    store: AccountStore, factory: Any, sandbox_server: SandboxServer, bad: str
) -> None:
    data = json.loads((await captured(sandbox_server, SUNNY)).to_json())
    sess = data["cookies"]["sess"]
    data["cookies"]["sess"] = sess[:4] + bad + sess[4:]  # inside: the ends are trimmed
    requests = sandbox_server.state.counters["requests.onlyfans"]
    with pytest.raises(IncompleteSessionError) as refused:
        CapturedSession.from_mapping(data)  # what the CLI and the sign-in window build
    assert refused.value.user_message.startswith("That OnlyFans session is not valid: ")
    with pytest.raises(AuthRejectedError) as rejected:
        await connect_session(store, factory, "onlyfans", _RawSession(data))
    assert rejected.value.user_message.startswith("That OnlyFans session is not valid: ")
    assert rejected.value.code == "invalid_session"
    assert sandbox_server.state.counters["requests.onlyfans"] == requests
    assert store.list_accounts() == []

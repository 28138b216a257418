"""Fixtures for the token manager and account service tests.

Real parts only: a sandbox server of our own (its clock is moved by these
tests, so it is not the session-wide one), a real SQLite database in a temporary
data directory, a real vault key, real file locks, and sign-ins driven through
the sandbox's authorize form over loopback HTTP.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refresh_worker import build_token_manager

from huntaze_desktop.domain.events import AccountChanged, AccountRemoved, EventBus, Notice
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.storage.vault import Vault

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")

DEMO_LOGINS = {
    "instagram": ("sunny.creates", "sunny-pass"),
    "tiktok": ("sunny.creates", "sunny-pass"),
    "reddit": ("sunny_creates", "sunny-pass"),
}


@pytest.fixture
def own_sandbox() -> Iterator[SandboxServer]:
    """A sandbox for this test alone: tests here move its clock."""
    server = SandboxServer().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class CoreEnv:
    """Everything a token/account test needs, wired like the app wires it."""

    sandbox: SandboxServer
    paths: DataPaths
    key: bytes
    db: Any
    store: Any
    http: httpx.AsyncClient
    bus: EventBus
    signin: Any
    tokens: Any
    clients: Callable[[str], Any]
    accounts: Any
    settings: Any
    saved_settings: list[Any]
    events: list[object] = field(default_factory=list)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.sandbox.state.clock_offset)

    def advance(self, seconds: float) -> None:
        """Age everything: the sandbox and our clock move together."""
        self.sandbox.state.advance(seconds)

    def counter(self, key: str) -> int:
        with self.sandbox.state.lock:
            return int(self.sandbox.state.counters[key])

    async def connect(self, provider: str, login: tuple[str, str] | None = None) -> Any:
        """Sign a demo user in through the sandbox's authorize form."""
        username, password = login or DEMO_LOGINS[provider]
        attempt = await self.accounts.begin_sign_in(provider)
        page = await self.http.get(attempt.authorize_url)
        assert page.status_code == 200, page.text[:200]
        form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
        form.update({"username": username, "password": password, "action": "allow"})
        answer = await self.http.post(str(page.url), data=form, follow_redirects=False)
        assert answer.status_code in (302, 303), answer.text[:200]
        callback = urljoin(str(page.url), answer.headers["location"])
        return await self.accounts.complete_sign_in(callback)


@pytest.fixture
async def core_env(tmp_path: Path, own_sandbox: SandboxServer) -> AsyncIterator[CoreEnv]:
    from huntaze_desktop.domain.settings import Settings
    from huntaze_desktop.providers.base import ClientCredentials
    from huntaze_desktop.providers.registry import default_registry
    from huntaze_desktop.sandbox.endpoints import sandbox_credentials
    from huntaze_desktop.services.accounts import AccountService
    from huntaze_desktop.services.signin import SignInEngine
    from huntaze_desktop.storage.accounts import AccountStore
    from huntaze_desktop.storage.db import Database

    paths = DataPaths(tmp_path / "data").ensure()
    key = Vault.generate_key()
    db = Database.open(paths)
    store = AccountStore(db, Vault(key), db.default_user_id)
    bus = EventBus()
    events: list[object] = []
    for kind in (AccountChanged, AccountRemoved, Notice):
        bus.subscribe(kind, events.append)
    state = own_sandbox.state

    def clock() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=state.clock_offset)

    async with httpx.AsyncClient(timeout=10.0) as http:
        tokens = build_token_manager(store, http, own_sandbox.base_url, paths.locks, clock)
        client_for = tokens._client_for
        signin = SignInEngine(
            store,
            default_registry(),
            http,
            lambda provider: ClientCredentials(*sandbox_credentials()[provider]),
            own_sandbox.base_urls(),
            clock=clock,
        )
        settings = Settings()
        saved: list[Settings] = []
        accounts = AccountService(
            store,
            tokens,
            client_for,
            bus,
            signin=signin,
            settings=settings,
            save_settings=lambda: saved.append(msgspec.structs.replace(settings)),
        )
        env = CoreEnv(
            sandbox=own_sandbox,
            paths=paths,
            key=key,
            db=db,
            store=store,
            http=http,
            bus=bus,
            signin=signin,
            tokens=tokens,
            clients=client_for,
            accounts=accounts,
            settings=settings,
            saved_settings=saved,
            events=events,
        )
        try:
            yield env
        finally:
            db.close()

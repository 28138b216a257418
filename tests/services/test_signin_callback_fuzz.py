"""Whatever URL reaches ``complete``, only typed sign-in errors come out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huntaze_desktop.domain.errors import SignInError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.base import ClientCredentials
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.services.signin import SignInEngine, parse_callback
from huntaze_desktop.storage.vault import Vault


def test_parse_callback_strips_metas_fragment() -> None:
    params = parse_callback("https://localhost/huntaze/callback?code=abc&state=s#_")
    assert params == {"code": "abc", "state": "s"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from huntaze_desktop.storage.accounts import AccountStore
    from huntaze_desktop.storage.db import Database

    paths = DataPaths(Path(tmp_path_factory.mktemp("fuzz")) / "data").ensure()
    db = Database.open(paths)
    yield AccountStore(db, Vault(Vault.generate_key()), db.default_user_id)
    db.close()


async def _complete(store: Any, url: str, with_attempt: bool) -> None:
    async with create_http_client() as http:
        engine = SignInEngine(
            store,
            default_registry(),
            http,
            lambda p: ClientCredentials("id", "secret"),
            # A closed loopback port: a callback that gets as far as the code
            # exchange meets a refused connection, never the real platform.
            {"tiktok": {"auth": "http://127.0.0.1:9", "api": "http://127.0.0.1:9"}},
        )
        if with_attempt:
            attempt = engine.begin("tiktok")
            url = url.replace("STATE", attempt.state)
        await engine.complete(url)


urls = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda q: "http://127.0.0.1:8765/callback?" + q,
        st.text(alphabet="=&%#_abcstateodeirSTATE?/", max_size=80),
    ),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(url=urls, with_attempt=st.booleans())
def test_arbitrary_callbacks_raise_only_sign_in_errors(store: Any, url: str, with_attempt: bool):
    with pytest.raises(SignInError):
        asyncio.run(_complete(store, url, with_attempt))

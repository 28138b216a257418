"""Every secret the vault opens is scrubbed from the log file, in every form.

Real SQLite file, real vault, the app's own logging set-up writing its real
log file. The values are opaque: no named pattern (``access_token=``,
``Bearer``...) would catch them, only the registry filled when they are opened.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.logsetup import area_logger, setup_logging
from huntaze_desktop.net.redact import (
    REDACTED,
    clear_registered_secrets,
    registered_secret_count,
)
from huntaze_desktop.providers.onlyfans.client import session_from_tokens
from huntaze_desktop.providers.onlyfans.session import CapturedSession
from huntaze_desktop.services.session_signin import session_tokens
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault

ACCESS = "opaqueAccessValue0192837465"
REFRESH = "opaqueRefreshValue5647382910"
CLIENT_SECRET = "clientSecretOpaque4455667788"
SESS = "sessOpaqueCookie1029384756"
XBC = "bcOpaqueValue9988776655"


@pytest.fixture
def paths(tmp_path: Path) -> Iterator[DataPaths]:
    paths = DataPaths(tmp_path / "data").ensure()
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    clear_registered_secrets()
    setup_logging(paths, level="DEBUG", console=False)
    yield paths
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    clear_registered_secrets()


def _log_text(paths: DataPaths) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return paths.log_file.read_text(encoding="utf-8")


def test_secrets_opened_from_the_store_are_redacted_in_the_log_file(paths: DataPaths) -> None:
    db = Database.open(paths)
    try:
        vault = Vault(Vault.generate_key())
        store = AccountStore(db, vault, db.default_user_id)
        credentials = ClientCredentialStore(db, vault, db.default_user_id)
        account, _ = store.upsert_connected(
            "reddit", "r-1", TokenSet(access_token=ACCESS, refresh_token=REFRESH), username="u"
        )
        credentials.set("reddit", "client-id-1", CLIENT_SECRET)
        session = CapturedSession(
            cookies={"sess": SESS, "auth_id": "4242"}, x_bc=XBC, user_agent="Mozilla/5.0 T"
        )
        of_account, _ = store.upsert_connected("onlyfans", "4242", session_tokens(session))
        # A new process: nothing registered until the vault opens something.
        clear_registered_secrets()
        log = area_logger("core")
        log.info("before opening: %s", ACCESS)
        assert ACCESS in _log_text(paths)  # (a value no pattern knows: the test can fail)

        tokens = store.load_tokens(account.id)
        found = credentials.get("reddit")
        assert found is not None and found.client_secret == CLIENT_SECRET
        opened = session_from_tokens(store.load_tokens(of_account.id))
        assert opened.cookies["sess"] == SESS

        for value in (tokens.access_token, tokens.refresh_token, CLIENT_SECRET, SESS, XBC):
            assert value is not None
            encoded = base64.b64encode(value.encode()).decode()
            log.info("value %s / %s / %s", value, quote(value, safe=""), encoded)
            log.debug("in a url: https://h.example/cb?state=1&v=%s", quote(value, safe=""))
        text = _log_text(paths).split("before opening", 1)[1].split("\n", 1)[1]
        for value in (ACCESS, REFRESH, CLIENT_SECRET, SESS, XBC):
            assert value not in text
            assert base64.b64encode(value.encode()).decode().rstrip("=") not in text
        assert text.count(REDACTED) >= 15

        # Disconnecting forgets the account's values (the registry stays bounded).
        count = registered_secret_count()
        store.delete(account.id)
        assert registered_secret_count() < count
        log.info("after disconnect: %s", SESS)  # another account's: still scrubbed
        assert f"after disconnect: {REDACTED}" in _log_text(paths)
    finally:
        db.close()

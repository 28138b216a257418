"""Accounts stored the way the app stores them, for runs that start the real app.

A passphrase vault (subprocesses cannot see the tests' in-memory keyring) and
``count`` connected accounts spread over the four platforms, written through
the real ``AccountStore`` (SQLite + vault). Used by the start-up tests and by
``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

from pathlib import Path

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault
from huntaze_desktop.storage.vault_identity import unlock_vault
from huntaze_desktop.storage.vault_setup import switch_to_passphrase

__all__ = ["PROVIDERS", "seed_stored_accounts"]

PROVIDERS = ("instagram", "tiktok", "reddit", "onlyfans")


def seed_stored_accounts(data_dir: Path, count: int, passphrase: str, *, prefix: str) -> None:
    """A passphrase vault in ``data_dir`` and ``count`` accounts (``@creator000``...)."""
    paths = DataPaths(data_dir).ensure()
    switch_to_passphrase(paths, passphrase)  # migrates: the app finds the schema at head
    db = Database.open(paths)
    try:
        key = unlock_vault(db, passphrase).key
        store = AccountStore(db, Vault(key), db.default_user_id)
        for i in range(count):
            provider = PROVIDERS[i % len(PROVIDERS)]
            store.upsert_connected(
                provider,
                f"{prefix}-{provider}-{i}",
                TokenSet(access_token=f"access-{i}", refresh_token=f"refresh-{i}"),
                username=f"creator{i:03d}",
                display_name=f"Creator {i:03d}",
            )
    finally:
        db.close()

"""Passphrase mode never orphans credentials sealed under an unreachable keyring key."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from huntaze_desktop.domain.errors import KeyringUnavailableError
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.keystore import KeyStore
from huntaze_desktop.storage.vault import Vault
from huntaze_desktop.storage.vault_identity import sealed_key_ids, unlock_vault
from huntaze_desktop.storage.vault_setup import (
    KEYRING_HOLDS_CREDENTIALS,
    switch_to_passphrase,
)


def sealed_value_count(paths: DataPaths) -> int:
    db = Database.open(paths)
    try:
        with db.transaction() as conn:
            return sum(sealed_key_ids(conn).values())
    finally:
        db.close()


def _keyring_key(paths: DataPaths) -> bytes:
    """What the app does at a first start in keyring mode: make and record the key."""
    db = Database.open(paths)
    try:
        return unlock_vault(db, None).key
    finally:
        db.close()


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


@pytest.fixture
def no_keyring():
    """The real 'fail' backend: what keyring gives where no Secret Service runs."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def _store_account(paths: DataPaths, key: bytes) -> int:
    db = Database.open(paths)
    try:
        store = AccountStore(db, Vault(key), db.default_user_id)
        account, _ = store.upsert_connected(
            "instagram", "ig-1", TokenSet(access_token="a-1", refresh_token="r-1"), username="owl"
        )
        return account.id
    finally:
        db.close()


def _read_token(paths: DataPaths, key: bytes, account_id: int) -> str:
    db = Database.open(paths)
    try:
        store = AccountStore(db, Vault(key), db.default_user_id)
        return store.load_tokens(account_id).access_token
    finally:
        db.close()


def test_a_fresh_directory_without_a_keyring_gets_a_passphrase(no_keyring, paths) -> None:
    switch_to_passphrase(paths, "correct horse battery staple")
    assert sealed_value_count(paths) == 0
    assert KeyStore(paths).status().mode == "passphrase"
    key = KeyStore(paths).load_keys("correct horse battery staple")[0]
    account_id = _store_account(paths, key)
    assert sealed_value_count(paths) == 2  # access and refresh token
    assert _read_token(paths, key, account_id) == "a-1"


def test_credentials_under_an_unreachable_keyring_are_not_orphaned(memory_keyring, paths) -> None:
    key = _keyring_key(paths)  # keyring mode: the key lives in the keyring
    _store_account(paths, key)
    keyring.set_keyring(keyring.backends.fail.Keyring())  # the keyring daemon is gone
    with pytest.raises(KeyringUnavailableError) as info:
        switch_to_passphrase(paths, "a new passphrase")
    assert info.value.user_message == KEYRING_HOLDS_CREDENTIALS
    assert not paths.vault_params.exists()  # nothing changed


def test_with_the_keyring_reachable_the_same_key_moves_to_the_passphrase(
    memory_keyring, paths
) -> None:
    key = _keyring_key(paths)
    account_id = _store_account(paths, key)
    switch_to_passphrase(paths, "a new passphrase")
    moved = KeyStore(paths).load_keys("a new passphrase")[0]
    assert moved == key
    assert _read_token(paths, moved, account_id) == "a-1"

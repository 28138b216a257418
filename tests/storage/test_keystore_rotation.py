"""Key rotation: the new key is stored before the re-seal, then promoted or discarded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import VaultError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.keystore import KEYRING_SERVICE, KeyStore
from huntaze_desktop.storage.vault import SecretPlace, Vault

PLACE = SecretPlace("oauth_accounts", "refresh_token", 1, "tiktok", "7")


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


def _first_key(store: KeyStore, passphrase: str | None) -> bytes:
    """The key to start from: passphrase mode has one; keyring mode makes it."""
    return store.load_key(passphrase) if passphrase else store.create_key()


def _pick(keys: list[bytes], sealed: bytes) -> bytes:
    """What the app does at start: keep the key that sealed the stored data."""
    return next(k for k in keys if Vault(k).key_id == Vault.sealed_key_id(sealed))


@pytest.mark.parametrize("passphrase", [None, "pw"])
def test_rotation_commit(memory_keyring, paths: DataPaths, passphrase: str | None) -> None:
    store = KeyStore(paths)
    if passphrase:
        store.init_passphrase(passphrase)
    old = _first_key(store, passphrase)
    new = store.begin_rotation(passphrase)
    assert new != old and len(new) == 32
    assert store.status().rotation_pending
    assert KeyStore(paths).load_keys(passphrase) == [old, new]
    store.commit_rotation(new)
    assert KeyStore(paths).load_keys(passphrase) == [new]
    assert not store.status().rotation_pending


@pytest.mark.parametrize("passphrase", [None, "pw"])
def test_crash_after_reseal_recovers_with_the_pending_key(
    memory_keyring, paths: DataPaths, passphrase: str | None
) -> None:
    store = KeyStore(paths)
    if passphrase:
        store.init_passphrase(passphrase)
    _first_key(store, passphrase)
    new = store.begin_rotation(passphrase)
    sealed = Vault(new).seal("refresh", PLACE)  # the DB committed under the new key
    # ... crash before commit_rotation; next start:
    restarted = KeyStore(paths)
    keys = restarted.load_keys(passphrase)
    assert _pick(keys, sealed) == new
    restarted.promote_pending()
    assert restarted.load_keys(passphrase) == [new]
    assert Vault(restarted.load_key(passphrase)).open(sealed, PLACE) == "refresh"


@pytest.mark.parametrize("passphrase", [None, "pw"])
def test_crash_before_reseal_discards_the_pending_key(
    memory_keyring, paths: DataPaths, passphrase: str | None
) -> None:
    store = KeyStore(paths)
    if passphrase:
        store.init_passphrase(passphrase)
    old = _first_key(store, passphrase)
    sealed = Vault(old).seal("refresh", PLACE)
    store.begin_rotation(passphrase)
    restarted = KeyStore(paths)
    assert _pick(restarted.load_keys(passphrase), sealed) == old
    restarted.discard_pending()
    assert restarted.load_keys(passphrase) == [old]
    restarted.discard_pending()  # idempotent


def test_second_rotation_while_pending_is_refused(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    store.create_key()
    pending = store.begin_rotation()
    with pytest.raises(VaultError):
        store.begin_rotation()
    assert store.load_keys()[1] == pending  # the pending key was not replaced


def test_commit_of_a_foreign_key_is_refused(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    old = store.create_key()
    store.begin_rotation()
    with pytest.raises(VaultError):
        store.commit_rotation(Vault.generate_key())
    assert store.load_key() == old


def test_promote_without_pending_is_refused(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    key = store.create_key()
    with pytest.raises(VaultError):
        store.promote_pending()
    assert store.load_key() == key


def test_rotation_without_a_key_is_refused(memory_keyring, paths: DataPaths) -> None:
    with pytest.raises(VaultError):
        KeyStore(paths).begin_rotation()
    assert memory_keyring.entries == {}


def test_keyring_promote_interrupted_between_write_and_delete(
    memory_keyring, paths: DataPaths
) -> None:
    store = KeyStore(paths)
    store.create_key()
    new = store.begin_rotation()
    # Crash after the current entry was overwritten, before the pending one was deleted.
    memory_keyring.entries[(KEYRING_SERVICE, store.keyring_username)] = memory_keyring.entries[
        (KEYRING_SERVICE, store.keyring_username + ":pending")
    ]
    assert KeyStore(paths).load_keys() == [new]


def test_passphrase_rotation_leaves_no_key_in_clear(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    store.init_passphrase("pw")
    new = store.begin_rotation("pw")
    text = paths.vault_params.read_text()
    assert new.hex() not in text
    params = json.loads(text)
    assert params["pending_key_id"] == Vault(new).key_id.hex()
    store.commit_rotation(new)
    params = json.loads(paths.vault_params.read_text())
    assert "pending_wrapped_key" not in params and params["key_id"] == Vault(new).key_id.hex()

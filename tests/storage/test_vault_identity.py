"""The vault is found by the id stored with its database; a missing key is never replaced.

Real SQLite files, the real key store, and the in-memory keyring backend standing
in for the OS keyring (the Secret Service round trip has its own test).
"""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from huntaze_desktop.domain.errors import VaultKeyMissingError
from huntaze_desktop.domain.models import ConnectionStatus, TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.keystore import KEYRING_SERVICE, KeyStore
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.vault import Vault, key_id_for
from huntaze_desktop.storage.vault_identity import (
    FORGOTTEN_REASON,
    forget_sign_ins,
    read_identity,
    unlock_vault,
)
from huntaze_desktop.storage.vault_setup import reset_vault, switch_to_passphrase, vault_report

PASSPHRASE = "correct horse battery staple"


def _open(paths: DataPaths, passphrase: str | None = None) -> tuple[Database, AccountStore]:
    db = Database.open(paths)
    key = unlock_vault(db, passphrase).key
    return db, AccountStore(db, Vault(key), db.default_user_id)


def _credentials(db: Database, passphrase: str | None = None) -> ClientCredentialStore:
    return ClientCredentialStore(db, Vault(unlock_vault(db, passphrase).key), db.default_user_id)


def _connect_one(paths: DataPaths, passphrase: str | None = None) -> int:
    db, store = _open(paths, passphrase)
    try:
        account, _ = store.upsert_connected(
            "reddit", "t2_owl", TokenSet("access-1", refresh_token="refresh-1"), username="owl"
        )
        _credentials(db, passphrase).set("reddit", "client-id", "client-secret")
        MetricStore(db).upsert_snapshots(
            account.id, [("followers", date(2026, 12, 1), 42.0, "reddit")]
        )
        return account.id
    finally:
        db.close()


def _read_access(paths: DataPaths, account_id: int, passphrase: str | None = None) -> str:
    db, store = _open(paths, passphrase)
    try:
        return store.load_tokens(account_id).access_token
    finally:
        db.close()


def _identity(paths: DataPaths):
    db = Database.open(paths)
    try:
        with db.transaction() as conn:
            return read_identity(conn)
    finally:
        db.close()


def _refused(paths: DataPaths, passphrase: str | None) -> str:
    """The message of the refusal to unlock (which must happen)."""
    db = Database.open(paths)
    try:
        with pytest.raises(VaultKeyMissingError) as info:
            unlock_vault(db, passphrase)
    finally:
        db.close()
    return info.value.user_message


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


# -- keyring mode ------------------------------------------------------------


def test_the_first_start_makes_one_key_named_by_the_vault_id(memory_keyring, paths) -> None:
    account_id = _connect_one(paths)
    identity = _identity(paths)
    assert list(memory_keyring.entries) == [(KEYRING_SERVICE, f"vault-key:{identity.vault_id}")]
    assert identity.mode == "keyring" and identity.key_id is not None
    assert _read_access(paths, account_id) == "access-1"
    assert memory_keyring.writes == 1  # the second start made nothing


def test_a_copied_data_directory_opens_with_its_key(memory_keyring, paths, tmp_path) -> None:
    account_id = _connect_one(paths)
    copy = DataPaths(tmp_path / "elsewhere" / "restored")
    shutil.copytree(paths.root, copy.root)
    assert _read_access(copy, account_id) == "access-1"
    assert memory_keyring.writes == 1  # no new key for the copy
    shutil.move(paths.root, tmp_path / "moved")
    assert _read_access(DataPaths(tmp_path / "moved"), account_id) == "access-1"


def test_a_key_that_is_gone_is_refused_and_never_replaced(memory_keyring, paths) -> None:
    _connect_one(paths)
    memory_keyring.entries.clear()
    before = _snapshot(paths.root)
    message = _refused(paths, None)
    identity = _identity(paths)
    assert identity.vault_id[:8] in message and str(paths.root) in message
    assert f"vault-key:{identity.vault_id}" in message  # where it was looked for
    assert "No new key was made" in message and "huntaze-desktop vault reset" in message
    assert memory_keyring.entries == {}  # nothing created
    after = _snapshot(paths.root)
    assert after["huntaze.sqlite3"] == before["huntaze.sqlite3"]
    assert "vault.json" not in after


def test_another_key_in_the_keyring_is_a_mismatch(memory_keyring, paths) -> None:
    _connect_one(paths)
    identity = _identity(paths)
    memory_keyring.entries.clear()
    other = KeyStore(paths, identity.vault_id).create_key()
    message = _refused(paths, None)
    assert key_id_for(other).hex() in message
    assert identity.key_id in message
    report = vault_report(paths)
    assert report.problem is not None and "mismatch" in report.problem
    assert report.fields()["key_id_found"] == key_id_for(other).hex()


def test_a_key_from_before_vault_ids_is_adopted(memory_keyring, paths) -> None:
    # What an older version did: the key under a name made from the directory's path.
    legacy = KeyStore(paths)
    key = legacy.create_key()
    db = Database.open(paths)
    try:
        store = AccountStore(db, Vault(key), db.default_user_id)
        account, _ = store.upsert_connected("tiktok", "-000x", TokenSet("a"), username="owl")
        with db.immediate() as conn:  # a database migrated from 0001: nothing recorded yet
            conn.exec_driver_sql("UPDATE vault SET key_id = NULL, mode = NULL")
    finally:
        db.close()
    assert _read_access(paths, account.id) == "a"
    identity = _identity(paths)
    assert list(memory_keyring.entries) == [(KEYRING_SERVICE, f"vault-key:{identity.vault_id}")]
    assert identity.key_id == key_id_for(key).hex()


def test_two_first_starts_at_once_share_one_key(memory_keyring, paths) -> None:
    Database.open(paths).close()  # schema in place; no key yet
    keys: list[bytes] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        db = Database.open(paths)
        try:
            barrier.wait()
            keys.append(unlock_vault(db, None).key)
        finally:
            db.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 2 and keys[0] == keys[1]
    assert memory_keyring.writes == 1


def test_no_keyring_and_nothing_sealed_is_still_unavailable(paths) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        db = Database.open(paths)
        try:
            from huntaze_desktop.domain.errors import KeyringUnavailableError

            with pytest.raises(KeyringUnavailableError):
                unlock_vault(db, None)
        finally:
            db.close()
    finally:
        keyring.set_keyring(previous)


# -- passphrase mode -----------------------------------------------------------


def test_a_copied_passphrase_vault_opens_and_a_deleted_vault_file_is_refused(
    memory_keyring, paths, tmp_path
) -> None:
    switch_to_passphrase(paths, PASSPHRASE)
    account_id = _connect_one(paths, PASSPHRASE)
    copy = DataPaths(tmp_path / "copy")
    shutil.copytree(paths.root, copy.root)
    assert _read_access(copy, account_id, PASSPHRASE) == "access-1"

    paths.vault_params.unlink()
    before = _snapshot(paths.root)
    message = _refused(paths, PASSPHRASE)
    assert "vault.json" in message and "passphrase" in message
    assert memory_keyring.entries == {}  # no silent switch to a new keyring key
    assert _snapshot(paths.root)["huntaze.sqlite3"] == before["huntaze.sqlite3"]
    assert not paths.vault_params.exists()
    assert "vault.json is missing" in (vault_report(paths).problem or "")


def test_another_vaults_passphrase_file_is_a_mismatch(memory_keyring, tmp_path) -> None:
    a = DataPaths(tmp_path / "a").ensure()
    b = DataPaths(tmp_path / "b").ensure()
    switch_to_passphrase(a, PASSPHRASE)
    switch_to_passphrase(b, PASSPHRASE)
    _connect_one(a, PASSPHRASE)
    shutil.copyfile(b.vault_params, a.vault_params)
    message = _refused(a, PASSPHRASE)
    assert "is not the one that sealed" in message


# -- rotation and reset ----------------------------------------------------------


def test_a_rotation_records_the_new_key_with_the_reseal(memory_keyring, paths) -> None:
    account_id = _connect_one(paths)
    db = Database.open(paths)
    try:
        unlocked = unlock_vault(db, None)
        store = AccountStore(db, Vault(unlocked.key), db.default_user_id)
        new_key = unlocked.keystore.begin_rotation()
        store.rotate_key(Vault(new_key))
        # A crash here, before the keyring's pending key was promoted: the next start
        # goes by the key id the re-seal recorded.
    finally:
        db.close()
    assert _identity(paths).key_id == key_id_for(new_key).hex()
    assert _read_access(paths, account_id) == "access-1"
    entries = memory_keyring.entries
    assert list(entries) == [(KEYRING_SERVICE, f"vault-key:{_identity(paths).vault_id}")]


def test_forgetting_the_sign_ins_keeps_everything_else(memory_keyring, paths) -> None:
    account_id = _connect_one(paths)
    old_identity = _identity(paths)
    memory_keyring.entries.clear()  # the key is really gone
    assert reset_vault(paths) == 3  # access, refresh, client secret

    identity = _identity(paths)
    assert identity.vault_id != old_identity.vault_id and identity.key_id is None
    db, store = _open(paths)  # the next start makes a new key: nothing is sealed now
    try:
        account = store.get(account_id)
        assert account.status is ConnectionStatus.NEEDS_RECONNECT
        assert account.status_reason == FORGOTTEN_REASON
        assert account.username == "owl"
        day = date(2026, 12, 1)
        assert len(MetricStore(db).snapshot_rows([account_id], day, day)) == 1  # history kept
        assert _credentials(db).get("reddit") is None
        assert store.audit_events()[0].event == "vault_reset"
    finally:
        db.close()
    assert len(memory_keyring.entries) == 1


def test_forget_removes_the_passphrase_file(memory_keyring, paths) -> None:
    switch_to_passphrase(paths, PASSPHRASE)
    _connect_one(paths, PASSPHRASE)
    db = Database.open(paths)
    try:
        forget_sign_ins(db)
    finally:
        db.close()
    assert not paths.vault_params.exists()

"""Sealed columns: tamper evidence, key rotation, and no plaintext on disk."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import DecryptionError
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault


# Table and column names below come from the tests themselves, never from input.
def _blob(db: Database, table: str, column: str, row_id: int) -> bytes:
    with db.transaction() as session:
        query = f"SELECT {column} FROM {table} WHERE id = :id"  # noqa: S608
        value = session.exec_driver_sql(query, {"id": row_id}).fetchone()[0]
    assert isinstance(value, bytes)
    return value


def _set_blob(db: Database, table: str, column: str, row_id: int, value: bytes) -> None:
    with db.transaction() as session:
        query = f"UPDATE {table} SET {column} = :v WHERE id = :id"  # noqa: S608
        session.exec_driver_sql(query, {"v": value, "id": row_id})


def _two_accounts(store: AccountStore) -> tuple[int, int]:
    a, _ = store.upsert_connected("tiktok", "tt-a", TokenSet("access-a", "refresh-a"))
    b, _ = store.upsert_connected("tiktok", "tt-b", TokenSet("access-b", "refresh-b"))
    return a.id, b.id


@pytest.mark.parametrize("position", [3, 5, 20, -1, -20])
def test_a_flipped_byte_is_a_decryption_error(
    store: AccountStore, db: Database, position: int
) -> None:
    a, _ = _two_accounts(store)
    sealed = bytearray(_blob(db, "oauth_accounts", "access_token", a))
    sealed[position] ^= 0x01
    _set_blob(db, "oauth_accounts", "access_token", a, bytes(sealed))
    with pytest.raises(DecryptionError) as caught:
        store.load_tokens(a)
    assert "access-a" not in str(caught.value)


def test_swapped_ciphertexts_between_rows_are_refused(store: AccountStore, db: Database) -> None:
    a, b = _two_accounts(store)
    # Control: both open before the swap.
    assert store.load_tokens(a).access_token == "access-a"
    blob_a = _blob(db, "oauth_accounts", "access_token", a)
    blob_b = _blob(db, "oauth_accounts", "access_token", b)
    _set_blob(db, "oauth_accounts", "access_token", a, blob_b)
    _set_blob(db, "oauth_accounts", "access_token", b, blob_a)
    for account_id in (a, b):
        with pytest.raises(DecryptionError):
            store.load_tokens(account_id)


def test_refresh_token_moved_into_access_column_is_refused(
    store: AccountStore, db: Database
) -> None:
    a, _ = _two_accounts(store)
    _set_blob(
        db, "oauth_accounts", "access_token", a, _blob(db, "oauth_accounts", "refresh_token", a)
    )
    with pytest.raises(DecryptionError):
        store.load_tokens(a)


def test_another_key_cannot_open(store: AccountStore, db: Database) -> None:
    a, _ = _two_accounts(store)
    stranger = AccountStore(db, Vault(Vault.generate_key()), store.user_id)
    with pytest.raises(DecryptionError):
        stranger.load_tokens(a)
    assert store.load_tokens(a).access_token == "access-a"


# -- key rotation ------------------------------------------------------------------


def _fill_secrets(store: AccountStore, creds: ClientCredentialStore) -> tuple[int, int]:
    a, _ = store.upsert_connected("reddit", "r-a", TokenSet("access-a", "refresh-a"))
    b, _ = store.upsert_connected("onlyfans", "of-b", TokenSet('{"sess": "s"}', None))
    creds.set("reddit", "client-id-1", "client-secret-1")
    creds.set("instagram", "client-id-2", None)
    store.add_pending_revocation(
        "reddit", "old-refresh", "refresh_token", provider_account_id="r-a"
    )
    return a.id, b.id


def _all_blobs(db: Database) -> list[object]:
    with db.transaction() as session:
        return [
            tuple(row)
            for query in (
                "SELECT id, access_token, refresh_token FROM oauth_accounts",
                "SELECT id, client_secret FROM client_credentials",
                "SELECT id, token FROM pending_revocations",
            )
            for row in session.exec_driver_sql(query)
        ]


def test_rotate_key_reseals_everything(db: Database, vault: Vault) -> None:
    store = AccountStore(db, vault, db.default_user_id)
    creds = ClientCredentialStore(db, vault, db.default_user_id)
    a, b = _fill_secrets(store, creds)

    new_vault = Vault(Vault.generate_key())
    assert store.rotate_key(new_vault) == 5  # 2 + 1 tokens, 1 secret, 1 revocation

    old_store = AccountStore(db, vault, db.default_user_id)
    with pytest.raises(DecryptionError):
        old_store.load_tokens(a)
    with pytest.raises(DecryptionError):
        old_store.pending_revocations()
    with pytest.raises(DecryptionError):
        creds.get("reddit")  # still holds the old vault

    creds.use_vault(new_vault)
    assert creds.get("reddit") is not None
    assert creds.get("reddit").client_secret == "client-secret-1"  # type: ignore[union-attr]
    fresh = AccountStore(db, new_vault, db.default_user_id)
    for s in (store, fresh):
        tokens = s.load_tokens(a)
        assert (tokens.access_token, tokens.refresh_token) == ("access-a", "refresh-a")
        assert s.load_tokens(b).access_token == '{"sess": "s"}'
        assert [p.token for p in s.pending_revocations()] == ["old-refresh"]


def test_a_failure_mid_rotation_leaves_the_old_state(db: Database, vault: Vault) -> None:
    store = AccountStore(db, vault, db.default_user_id)
    creds = ClientCredentialStore(db, vault, db.default_user_id)
    a, _ = _fill_secrets(store, creds)
    # Damage a value that is re-sealed after others already were.
    with db.transaction() as session:
        rev_id = session.exec_driver_sql("SELECT id FROM pending_revocations").fetchone()[0]
    assert isinstance(rev_id, int)
    broken = bytearray(_blob(db, "pending_revocations", "token", rev_id))
    broken[-1] ^= 0xFF
    _set_blob(db, "pending_revocations", "token", rev_id, bytes(broken))
    before = _all_blobs(db)

    new_vault = Vault(Vault.generate_key())
    with pytest.raises(DecryptionError):
        store.rotate_key(new_vault)

    assert _all_blobs(db) == before
    assert store.load_tokens(a).access_token == "access-a"  # still the old vault
    assert creds.get("reddit") is not None
    with pytest.raises(DecryptionError):
        AccountStore(db, new_vault, db.default_user_id).load_tokens(a)


# -- nothing in clear on disk ---------------------------------------------------------


def _encodings(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [
        raw,
        urllib.parse.quote(secret, safe="").encode(),
        urllib.parse.quote_plus(secret).encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
    ]


def _disk_bytes(paths: DataPaths) -> bytes:
    files = [paths.database, Path(f"{paths.database}-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists())


def test_secret_columns_hold_no_plaintext(data_paths: DataPaths, vault: Vault) -> None:
    access = "IGQVJ/access+token=Secret&1234567890"
    refresh = "rt/refresh+token=Secret&0987654321"
    client_secret = "cs/client+secret=Value&55555"
    revoked = "rv/revoke+me=Value&7777777"
    db = Database.open(data_paths)
    try:
        store = AccountStore(db, vault, db.default_user_id)
        account, _ = store.upsert_connected(
            "instagram", "ig-1", TokenSet(access, refresh), username="visible_user_name"
        )
        for n in range(3):  # several versions pile up in the WAL
            store.save_tokens(account.id, TokenSet(f"{access}{n}", f"{refresh}{n}"))
        ClientCredentialStore(db, vault, db.default_user_id).set("instagram", "cid", client_secret)
        store.add_pending_revocation("instagram", revoked, "access_token")
        assert Path(f"{data_paths.database}-wal").stat().st_size > 0
        on_disk_open = _disk_bytes(data_paths)
    finally:
        db.close()
    on_disk_closed = _disk_bytes(data_paths)

    for blob in (on_disk_open, on_disk_closed):
        assert b"visible_user_name" in blob  # control: the scan does see row data
        for secret in (access, refresh, client_secret, revoked):
            for needle in _encodings(secret):
                assert needle not in blob, f"plaintext form of a secret found: {needle[:6]!r}..."

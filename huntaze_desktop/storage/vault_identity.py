"""Which key opens this database's sealed values, and never a silent new one.

The database carries the vault's identity (table ``vault``, one row): a random
``vault_id`` that names the keyring entry, the ``mode`` the key is kept in and
the ``key_id`` of the key that seals the stored values. The key is looked up by
that id, not by where the data directory is, so a copied or moved directory
(a new disk, a restored backup, a synced folder) finds its key.

:func:`unlock_vault` is the one way the app gets its key. It creates a key only
when nothing is sealed yet and no key was ever recorded; otherwise a key that is
missing or is not the recorded one is a :class:`VaultKeyMissingError`, whose
message names the vault and the ways out (start the keyring that holds it,
restore ``vault.json``, or :func:`forget_sign_ins`).

Every function blocks (database, keyring, key derivation): run them off the loop.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from huntaze_desktop.domain.errors import VaultKeyMissingError
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.storage.audit import append_audit
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.keystore import KEYRING_SERVICE, KeyStore
from huntaze_desktop.storage.models import (
    client_credentials,
    oauth_accounts,
    pending_revocations,
    utcnow,
    vault,
)
from huntaze_desktop.storage.sealed import SEALED_COLUMNS
from huntaze_desktop.storage.vault import key_id_for

__all__ = [
    "FORGOTTEN_REASON",
    "UnlockedVault",
    "VaultIdentity",
    "forget_sign_ins",
    "read_identity",
    "record_key",
    "record_key_id",
    "sealed_key_ids",
    "unlock_vault",
]

log = logging.getLogger("huntaze.vault")

# A sealed value is b"HZV" | version | key id (8 bytes) | ...: SQL substr is 1-based.
_KEY_ID_START, _KEY_ID_LEN = 5, 8

FORGOTTEN_REASON = "The saved sign-in was forgotten when the vault was reset; reconnect it."
RESET_COMMAND = "huntaze-desktop vault reset"


@dataclass(frozen=True, slots=True)
class VaultIdentity:
    """The vault row: not secret."""

    vault_id: str
    mode: str | None
    key_id: str | None


@dataclass(frozen=True, slots=True)
class UnlockedVault:
    """The key to seal and open with, and the key store it came from."""

    key: bytes
    keystore: KeyStore
    identity: VaultIdentity


def read_identity(conn: Connection) -> VaultIdentity:
    """The vault row (the migration made it; every database at head has one)."""
    row = conn.execute(select(vault.c.vault_id, vault.c.mode, vault.c.key_id)).one()
    return VaultIdentity(str(row.vault_id), row.mode, row.key_id)


def record_key(conn: Connection, key_id: str | None, mode: str | None) -> None:
    """Record which key seals the values (hex id) and where it is kept."""
    conn.execute(update(vault).values(key_id=key_id, mode=mode, updated_at=utcnow()))


def record_key_id(conn: Connection, key_id: str) -> None:
    """After a re-seal under a new key, in the same transaction: its id (hex)."""
    conn.execute(update(vault).values(key_id=key_id, updated_at=utcnow()))


def sealed_key_ids(conn: Connection) -> Counter[str]:
    """How many stored values each key id (hex) sealed."""
    found: Counter[str] = Counter()
    for table, name in SEALED_COLUMNS:
        column = table.c[name]
        key_id = func.hex(func.substr(column, _KEY_ID_START, _KEY_ID_LEN))
        rows = conn.execute(
            select(key_id, func.count())
            .where(column.is_not(None), func.length(column) > 0)
            .group_by(key_id)
        )
        for hex_id, count in rows:
            found[str(hex_id).lower()] += int(count)
    return found


def _where(keystore: KeyStore, mode: str | None) -> str:
    if mode == "passphrase":
        return f"the passphrase file {keystore.params_path}"
    return (
        f'the system keyring (entry "{keystore.keyring_username}" of service "{KEYRING_SERVICE}")'
    )


def _way_out(paths_root: str) -> str:
    return (
        f"To start over instead, run '{RESET_COMMAND} --data-dir {paths_root}' (or choose "
        '"Forget the saved sign-ins and start over"): it deletes the saved sign-ins only, '
        "keeps your analytics and settings, and you reconnect each account."
    )


def _missing(keystore: KeyStore, identity: VaultIdentity, sealed: int, mode: str) -> str:
    root = str(keystore.paths.root)
    if mode == "passphrase":
        found = (
            f"This data folder ({root}) is protected by a passphrase, but its passphrase "
            f"file {keystore.params_path} is missing. Restore it from the folder you copied "
            "or from a backup."
        )
    else:
        found = (
            f"The key of this data folder's vault ({identity.vault_id[:8]}, {root}) is not in "
            f"{_where(keystore, mode)}. If you moved the folder from another computer or user "
            "account, start the keyring that holds that entry or copy the entry over."
        )
    saved = f" {sealed} saved sign-in value(s) need it." if sealed else ""
    return f"{found}{saved} No new key was made.\n\n{_way_out(root)}"


def _mismatch(keystore: KeyStore, identity: VaultIdentity, found: str, mode: str) -> str:
    root = str(keystore.paths.root)
    return (
        f"The key in {_where(keystore, mode)} (key id {found}) is not the one that sealed "
        f"this data folder's saved sign-ins (key id {identity.key_id}; vault "
        f"{identity.vault_id[:8]}, {root}). Nothing was changed. Restore the matching "
        f"{'vault.json' if mode == 'passphrase' else 'keyring entry'}.\n\n{_way_out(root)}"
    )


def unlock_vault(db: Database, passphrase: str | None) -> UnlockedVault:
    """The key that opens this database's sealed values (blocking).

    Raises ``VaultLockedError`` / ``WrongPassphraseError`` / ``KeyringUnavailableError``
    as the key store does, and :class:`VaultKeyMissingError` when the key is gone or
    is not the one the values were sealed with. Creates (and records) a key only for
    a vault that has never sealed anything.
    """
    with db.transaction() as conn:
        identity = read_identity(conn)
    keystore = KeyStore(db.paths, identity.vault_id)
    mode = keystore.mode()
    if identity.mode == "passphrase" and mode != "passphrase":
        with db.transaction() as conn:
            sealed = sum(sealed_key_ids(conn).values())
        raise VaultKeyMissingError(_missing(keystore, identity, sealed, "passphrase"))
    keys = keystore.load_keys(passphrase)
    if not keys and mode == "keyring" and keystore.adopt_legacy_entry():
        log.info("Vault key moved to its vault-id keyring entry")
        keys = keystore.load_keys(passphrase)
    if keys and identity.key_id is not None:
        return _settle(db, keystore, identity, keys, mode)
    # First start of this vault, or of a database from before key ids were
    # recorded: decide under the write lock, so two processes starting together
    # cannot each make a key.
    with db.immediate() as conn:
        identity = read_identity(conn)
        if identity.key_id is None:
            counts = sealed_key_ids(conn)
            if not keys:  # another process may have made it meanwhile
                keys = keystore.load_keys(passphrase)
            if not keys:
                if counts or identity.mode is not None:
                    raise VaultKeyMissingError(
                        _missing(keystore, identity, sum(counts.values()), mode)
                    )
                keys = [keystore.create_key()]
                log.info("New vault key made (%s)", mode)
            # The values' own key id, else the current key's.
            expected = counts.most_common(1)[0][0] if counts else key_id_for(keys[0]).hex()
            record_key(conn, expected, mode)
            identity = VaultIdentity(identity.vault_id, mode, expected)
    if not keys:
        keys = keystore.load_keys(passphrase)
    if not keys:
        with db.transaction() as conn:
            sealed = sum(sealed_key_ids(conn).values())
        raise VaultKeyMissingError(_missing(keystore, identity, sealed, mode))
    return _settle(db, keystore, identity, keys, mode)


def _settle(
    db: Database, keystore: KeyStore, identity: VaultIdentity, keys: list[bytes], mode: str
) -> UnlockedVault:
    """Pick the recorded key among current and pending; finish or drop a cut rotation."""
    ids = [key_id_for(key).hex() for key in keys]
    if identity.key_id not in ids:
        raise VaultKeyMissingError(_mismatch(keystore, identity, ids[0], mode))
    index = ids.index(identity.key_id)
    if len(keys) > 1:
        if index == 1:
            keystore.promote_pending()
            log.warning("Finished a vault key rotation that was interrupted")
        else:
            keystore.discard_pending()
            log.warning("Abandoned a vault key rotation that was interrupted before it re-sealed")
    if identity.mode != mode:
        with db.immediate() as conn:
            record_key(conn, identity.key_id, mode)
        identity = VaultIdentity(identity.vault_id, mode, identity.key_id)
    return UnlockedVault(keys[index], keystore, identity)


def forget_sign_ins(db: Database) -> int:
    """Delete every sealed value; keep everything else (blocking).

    The way out when the key is really gone: accounts stay listed (with their
    analytics) as "Needs reconnect", app credentials and tokens waiting to be
    revoked are deleted, and ``vault.json`` goes. The vault gets a new id, so the
    next start makes a new key under a new keyring entry: the old entry is left
    alone, since a copy of this data directory may still use it. Returns how many
    sealed values were deleted.
    """
    with db.immediate() as conn:
        count = sum(sealed_key_ids(conn).values())
        conn.execute(
            update(oauth_accounts)
            .where(oauth_accounts.c.status != ConnectionStatus.NOT_CONNECTED.value)
            .values(
                access_token=b"",
                refresh_token=None,
                status=ConnectionStatus.NEEDS_RECONNECT.value,
                status_reason=FORGOTTEN_REASON,
                updated_at=utcnow(),
            )
        )
        conn.execute(delete(client_credentials))
        conn.execute(delete(pending_revocations))
        conn.execute(
            update(vault).values(
                vault_id=uuid.uuid4().hex, key_id=None, mode=None, updated_at=utcnow()
            )
        )
        append_audit(conn, "vault_reset", detail=f"{count} sealed values forgotten")
    db.paths.vault_params.unlink(missing_ok=True)
    log.warning("Vault reset: %d saved sign-in values forgotten", count)
    return count

"""Changing how a data directory's vault is kept, without orphaning any credential.

* :func:`switch_to_passphrase` — ``KeyStore.init_passphrase`` keeps the keyring's
  key when the keyring answers. When it does not (no Secret Service, a keyring
  daemon that did not start) it could only make a new key, and every credential
  sealed under the old one would become unreadable: the database is looked at
  first, and the switch is refused in that case.
* :func:`vault_report` — what ``vault status`` prints: mode, backend, the vault
  id, the key id recorded with the database, the one found, and a mismatch.
* :func:`reset_vault` — "Forget the saved sign-ins and start over".

Every function opens the database itself and blocks: run them off the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from huntaze_desktop.domain.errors import (
    HuntazeError,
    KeyringUnavailableError,
    VaultKeyMissingError,
)
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.keystore import KeyStore, VaultStatus
from huntaze_desktop.storage.vault import key_id_for
from huntaze_desktop.storage.vault_identity import (
    VaultIdentity,
    forget_sign_ins,
    read_identity,
    record_key,
    sealed_key_ids,
)

__all__ = [
    "KEYRING_HOLDS_CREDENTIALS",
    "VaultReport",
    "reset_vault",
    "switch_to_passphrase",
    "vault_report",
]

KEYRING_HOLDS_CREDENTIALS = (
    "Your stored credentials are protected by the system keyring, which is not "
    "available right now. Start it (for example GNOME Keyring or KWallet) and open "
    "Huntaze Desktop again; choosing a passphrase now would lock those credentials out."
)

T = TypeVar("T")


def _with_db(paths: DataPaths, body: Callable[[Database], T]) -> T:
    db = Database.open(paths)
    try:
        return body(db)
    finally:
        db.close()


def switch_to_passphrase(paths: DataPaths, passphrase: str) -> None:
    """Protect the vault key with ``passphrase`` from now on.

    Raises ``KeyringUnavailableError`` (with :data:`KEYRING_HOLDS_CREDENTIALS`)
    when the keyring that holds the current key cannot be reached and the
    database holds credentials sealed under it; ``VaultKeyMissingError`` when the
    keyring answers without the key those credentials need; ``VaultError`` for an
    empty passphrase or a vault that already has one.
    """

    def switch(db: Database) -> None:
        with db.transaction() as conn:
            identity = read_identity(conn)
            sealed = sum(sealed_key_ids(conn).values())
        keystore = KeyStore(paths, identity.vault_id)
        status = keystore.status()
        if status.mode == "keyring" and status.backend == "unavailable" and sealed:
            raise KeyringUnavailableError(KEYRING_HOLDS_CREDENTIALS)
        if status.mode == "keyring" and status.backend != "unavailable" and not status.key_present:
            keystore.adopt_legacy_entry()  # a key from before vault ids, at this path
        may_create = not sealed and identity.key_id is None
        key = keystore.init_passphrase(passphrase, may_create=may_create)
        key_id = key_id_for(key).hex()
        if identity.key_id is not None and identity.key_id != key_id:
            # init_passphrase kept the keyring's key; it is not this vault's.
            paths.vault_params.unlink(missing_ok=True)
            raise VaultKeyMissingError(
                "The key in the system keyring is not the one that sealed this data "
                "folder's saved sign-ins, so a passphrase cannot protect it. Nothing was "
                "changed; 'huntaze-desktop vault status' shows the key ids."
            )
        with db.immediate() as conn:
            record_key(conn, key_id, "passphrase")

    _with_db(paths, switch)


@dataclass(frozen=True, slots=True)
class VaultReport:
    """What ``vault status`` shows (nothing secret)."""

    status: VaultStatus
    identity: VaultIdentity
    keyring_entry: str
    key_id_found: str | None
    sealed_by_key: dict[str, int]

    @property
    def problem(self) -> str | None:
        """A sentence when the key found is not the one the database needs."""
        expected = self.identity.key_id
        if self.identity.mode == "passphrase" and self.status.mode != "passphrase":
            return "the database is protected by a passphrase, but vault.json is missing"
        if (
            expected is not None
            and self.key_id_found is None
            and self.status.backend != ("unavailable")
        ):
            return f"key {expected} is not in the {self.status.mode}"
        if expected is not None and self.key_id_found not in (None, expected):
            return f"key mismatch: the database needs {expected}, found {self.key_id_found}"
        others = sorted(k for k in self.sealed_by_key if k != expected and expected)
        if others:
            return f"values sealed under another key: {', '.join(others)}"
        return None

    def fields(self) -> dict[str, object]:
        return {
            "mode": self.status.mode,
            "backend": self.status.backend,
            "vault_id": self.identity.vault_id,
            "keyring_entry": self.keyring_entry if self.status.mode == "keyring" else "",
            "key_present": self.status.key_present,
            "locked": self.status.locked,
            "rotation_pending": self.status.rotation_pending,
            "key_id_recorded": self.identity.key_id or "",
            "key_id_found": self.key_id_found or "",
            "sealed_values": sum(self.sealed_by_key.values()),
            "problem": self.problem or "none",
        }


def vault_report(paths: DataPaths) -> VaultReport:
    """The vault's state for ``vault status``; never raises for a missing keyring."""

    def report(db: Database) -> VaultReport:
        with db.transaction() as conn:
            identity = read_identity(conn)
            sealed = dict(sealed_key_ids(conn))
        keystore = KeyStore(paths, identity.vault_id)
        status = keystore.status()
        found: str | None
        try:
            found = keystore.current_key_id()
        except HuntazeError:
            found = None
        return VaultReport(status, identity, keystore.keyring_username, found, sealed)

    return _with_db(paths, report)


def reset_vault(paths: DataPaths) -> int:
    """Forget the saved sign-ins (see ``forget_sign_ins``); returns how many values went."""
    return _with_db(paths, forget_sign_ins)

"""Choosing passphrase mode for a data directory without orphaning any credential.

``KeyStore.init_passphrase`` keeps the keyring's key when the keyring answers.
When it does not (no Secret Service, a keyring daemon that did not start) it
can only make a new key, and every credential sealed under the old one would
become unreadable. :func:`switch_to_passphrase` looks in the database first and
refuses in that case: the keyring has to come back instead.
"""

from __future__ import annotations

from huntaze_desktop.domain.errors import KeyringUnavailableError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.keystore import KeyStore

__all__ = ["KEYRING_HOLDS_CREDENTIALS", "sealed_value_count", "switch_to_passphrase"]

KEYRING_HOLDS_CREDENTIALS = (
    "Your stored credentials are protected by the system keyring, which is not "
    "available right now. Start it (for example GNOME Keyring or KWallet) and open "
    "Huntaze Desktop again; choosing a passphrase now would lock those credentials out."
)


def sealed_value_count(paths: DataPaths) -> int:
    """Sealed values in the data directory's database (0 when there is none yet)."""
    if not paths.database.exists():
        return 0
    from huntaze_desktop.storage.db import Database
    from huntaze_desktop.storage.sealed import count_sealed

    db = Database.open(paths)
    try:
        with db.transaction() as conn:
            return count_sealed(conn)
    finally:
        db.close()


def switch_to_passphrase(paths: DataPaths, passphrase: str) -> None:
    """Protect the vault key with ``passphrase`` from now on.

    Raises ``KeyringUnavailableError`` (with :data:`KEYRING_HOLDS_CREDENTIALS`)
    when the keyring that holds the current key cannot be reached and the
    database holds credentials sealed under it; ``VaultError`` for an empty
    passphrase or a vault that already has one.
    """
    keystore = KeyStore(paths)
    status = keystore.status()
    if status.mode == "keyring" and status.backend == "unavailable" and sealed_value_count(paths):
        raise KeyringUnavailableError(KEYRING_HOLDS_CREDENTIALS)
    keystore.init_passphrase(passphrase)

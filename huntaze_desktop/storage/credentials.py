"""The developer app credentials the user brings for each platform.

The client secret is vault ciphertext, bound to the provider and the client id:
pairing a secret with another client id makes it fail to open.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import check_columns, client_credentials, utcnow
from huntaze_desktop.storage.sealed import client_secret_place
from huntaze_desktop.storage.vault import Vault

__all__ = ["ClientCredentialStore", "ClientCredentials"]

_c = client_credentials.c
_OWNED = (_c.user_id == bindparam("owner"), _c.provider == bindparam("provider_name"))
_ROW = select(client_credentials).where(*_OWNED)
_INSERT = insert(client_credentials)
_UPDATE = update(client_credentials).where(_c.id == bindparam("row_id"))
_DELETE = delete(client_credentials).where(*_OWNED)
_PROVIDERS = select(_c.provider).where(_c.user_id == bindparam("owner")).order_by(_c.provider)


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A platform app's client id and (optional) secret. ``repr`` hides the secret."""

    client_id: str
    client_secret: str | None = None

    def __repr__(self) -> str:
        secret = "<hidden>" if self.client_secret is not None else None
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret={secret})"

    __str__ = __repr__


class ClientCredentialStore:
    """Reads and writes the client credentials of one local user."""

    def __init__(self, db: Database, vault: Vault, user_id: int) -> None:
        self._db = db
        self._vault = vault
        self.user_id = user_id

    def use_vault(self, vault: Vault) -> None:
        """Switch to the new vault after ``AccountStore.rotate_key``."""
        self._vault = vault

    def get(self, provider: str) -> ClientCredentials | None:
        """The stored credentials, or None. Raises ``DecryptionError`` if tampered."""
        with self._db.transaction() as conn:
            row = self._row(conn, provider)
        if row is None:
            return None
        secret = None
        if row["client_secret"] is not None:
            place = client_secret_place(row["user_id"], row["provider"], row["client_id"])
            secret = self._vault.open(row["client_secret"], place)
        return ClientCredentials(row["client_id"], secret)

    def set(self, provider: str, client_id: str, client_secret: str | None) -> None:
        """Store (or replace) the credentials of ``provider``."""
        place = client_secret_place(self.user_id, provider, client_id)
        sealed = None if client_secret is None else self._vault.seal(client_secret, place)
        now = utcnow()
        values: dict[str, object] = {
            "client_id": client_id,
            "client_secret": sealed,
            "updated_at": now,
        }
        with self._db.immediate() as conn:
            row = self._row(conn, provider)
            if row is None:
                values.update(user_id=self.user_id, provider=provider, created_at=now)
                check_columns(client_credentials, values)
                conn.execute(_INSERT, values)
            else:
                check_columns(client_credentials, values)
                conn.execute(_UPDATE, {**values, "row_id": row["id"]})

    def delete(self, provider: str) -> None:
        with self._db.immediate() as conn:
            conn.execute(_DELETE, {"owner": self.user_id, "provider_name": provider})

    def providers(self) -> list[str]:
        """The providers that have credentials stored."""
        with self._db.transaction() as conn:
            return list(conn.execute(_PROVIDERS, {"owner": self.user_id}).scalars())

    def _row(self, conn: Connection, provider: str) -> RowMapping | None:
        parameters = {"owner": self.user_id, "provider_name": provider}
        return conn.execute(_ROW, parameters).mappings().first()

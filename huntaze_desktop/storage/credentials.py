"""The developer app credentials the user brings for each platform.

The client secret is vault ciphertext, bound to the provider and the client id:
pairing a secret with another client id makes it fail to open.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from huntaze_desktop.storage.codec import db_values, utcnow
from huntaze_desktop.storage.db import Database, insert_sql, update_sql
from huntaze_desktop.storage.sealed import client_secret_place
from huntaze_desktop.storage.vault import Vault

__all__ = ["ClientCredentialStore", "ClientCredentials"]


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
                conn.execute(insert_sql("client_credentials", values), db_values(values))
            else:
                conn.execute(
                    update_sql("client_credentials", values, "id = :row_id"),
                    {**db_values(values), "row_id": row["id"]},
                )

    def delete(self, provider: str) -> None:
        with self._db.immediate() as conn:
            conn.execute(
                "DELETE FROM client_credentials WHERE user_id = ? AND provider = ?",
                (self.user_id, provider),
            )

    def providers(self) -> list[str]:
        """The providers that have credentials stored."""
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT provider FROM client_credentials WHERE user_id = ?", (self.user_id,)
            ).fetchall()
        return sorted(row[0] for row in rows)

    def _row(self, conn: sqlite3.Connection, provider: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM client_credentials WHERE user_id = ? AND provider = ?",
            (self.user_id, provider),
        ).fetchone()
        return row

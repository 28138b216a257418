"""The developer app credentials the user brings for each platform.

The client secret is vault ciphertext, bound to the provider and the client id:
pairing a secret with another client id makes it fail to open.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import ClientCredential, utcnow
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
        with self._db.session() as session:
            row = self._row(session, provider)
            if row is None:
                return None
            secret = None
            if row.client_secret is not None:
                place = client_secret_place(row.user_id, row.provider, row.client_id)
                secret = self._vault.open(row.client_secret, place)
            return ClientCredentials(row.client_id, secret)

    def set(self, provider: str, client_id: str, client_secret: str | None) -> None:
        """Store (or replace) the credentials of ``provider``."""
        place = client_secret_place(self.user_id, provider, client_id)
        sealed = None if client_secret is None else self._vault.seal(client_secret, place)
        now = utcnow()
        with self._db.immediate() as session:
            row = self._row(session, provider)
            if row is None:
                row = ClientCredential(user_id=self.user_id, provider=provider, created_at=now)
                session.add(row)
            row.client_id = client_id
            row.client_secret = sealed
            row.updated_at = now

    def delete(self, provider: str) -> None:
        with self._db.immediate() as session:
            row = self._row(session, provider)
            if row is not None:
                session.delete(row)

    def providers(self) -> list[str]:
        """The providers that have credentials stored."""
        with self._db.session() as session:
            query = select(ClientCredential.provider).where(
                ClientCredential.user_id == self.user_id
            )
            return sorted(session.scalars(query))

    def _row(self, session: Session, provider: str) -> ClientCredential | None:
        return session.scalars(
            select(ClientCredential).where(
                ClientCredential.user_id == self.user_id,
                ClientCredential.provider == provider,
            )
        ).first()

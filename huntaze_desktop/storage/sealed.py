"""Every sealed column in one place: where each secret lives, and key rotation.

The :class:`SecretPlace` of a value is the vault's associated data; building it
here for every table keeps sealing, opening and re-sealing consistent.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from huntaze_desktop.storage.models import client_credentials, oauth_accounts, pending_revocations
from huntaze_desktop.storage.vault import SecretPlace, Vault

__all__ = [
    "AccountIdentity",
    "account_place",
    "client_secret_place",
    "count_sealed",
    "reseal_all",
    "revocation_place",
]


class AccountIdentity(Protocol):
    """What places an account's secrets: its row, or the identity of one to insert."""

    @property
    def user_id(self) -> int: ...
    @property
    def provider(self) -> str: ...
    @property
    def provider_account_id(self) -> str: ...


def account_place(row: AccountIdentity, column: str) -> SecretPlace:
    """``access_token`` / ``refresh_token`` of one account."""
    return SecretPlace("oauth_accounts", column, row.user_id, row.provider, row.provider_account_id)


def client_secret_place(user_id: int, provider: str, client_id: str) -> SecretPlace:
    """A client secret, bound to its client id too."""
    return SecretPlace("client_credentials", "client_secret", user_id, provider, client_id)


def revocation_place(user_id: int, provider: str, provider_account_id: str) -> SecretPlace:
    """A token waiting to be revoked."""
    return SecretPlace("pending_revocations", "token", user_id, provider, provider_account_id)


def reseal_all(conn: Connection, old: Vault, new: Vault) -> int:
    """Open every sealed value with ``old`` and seal it with ``new``; returns the count.

    Raises ``DecryptionError`` on the first value that does not open; the caller's
    transaction then rolls back, so nothing is half re-sealed.
    """
    count = 0
    accounts = oauth_accounts.c
    for row in conn.execute(select(oauth_accounts)).all():
        values: dict[str, bytes] = {}
        for column in ("access_token", "refresh_token"):
            sealed = getattr(row, column)
            if sealed is not None:
                place = account_place(row, column)
                values[column] = new.seal(old.open(sealed, place), place)
        if values:
            conn.execute(update(oauth_accounts).where(accounts.id == row.id).values(values))
            count += len(values)
    creds = client_credentials.c
    for cred in conn.execute(select(client_credentials)).all():
        if cred.client_secret is not None:
            place = client_secret_place(cred.user_id, cred.provider, cred.client_id)
            resealed = new.seal(old.open(cred.client_secret, place), place)
            conn.execute(
                update(client_credentials).where(creds.id == cred.id).values(client_secret=resealed)
            )
            count += 1
    pending = pending_revocations.c
    for item in conn.execute(select(pending_revocations)).all():
        place = revocation_place(item.user_id, item.provider, item.provider_account_id)
        resealed = new.seal(old.open(item.token, place), place)
        conn.execute(
            update(pending_revocations).where(pending.id == item.id).values(token=resealed)
        )
        count += 1
    return count


def count_sealed(conn: Connection) -> int:
    """How many sealed values the database holds (what a lost key would make unreadable)."""
    accounts = oauth_accounts.c
    tokens = conn.scalar(
        select(func.count(accounts.access_token) + func.count(accounts.refresh_token))
    )
    secrets = conn.scalar(select(func.count(client_credentials.c.client_secret)))
    pending = conn.scalar(select(func.count(pending_revocations.c.token)))
    return int(tokens or 0) + int(secrets or 0) + int(pending or 0)

"""Every sealed column in one place: where each secret lives, and key rotation.

The :class:`SecretPlace` of a value is the vault's associated data; building it
here for every table keeps sealing, opening and re-sealing consistent.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Protocol

from huntaze_desktop.storage.vault import SecretPlace, Vault

__all__ = [
    "AccountIdentity",
    "AccountKey",
    "account_place",
    "any_sealed_value",
    "client_secret_place",
    "count_sealed",
    "reseal_all",
    "revocation_place",
]

# Every sealed column: (table, column).
_SEALED = (
    ("oauth_accounts", "access_token"),
    ("oauth_accounts", "refresh_token"),
    ("client_credentials", "client_secret"),
    ("pending_revocations", "token"),
)


class AccountIdentity(Protocol):
    """What places an account's secrets: its row, or the identity of one to insert."""

    @property
    def user_id(self) -> int: ...
    @property
    def provider(self) -> str: ...
    @property
    def provider_account_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The identity of an account: of a stored row, or of one about to be inserted."""

    user_id: int
    provider: str
    provider_account_id: str

    @classmethod
    def of(cls, row: sqlite3.Row) -> AccountKey:
        return cls(row["user_id"], row["provider"], row["provider_account_id"])


def account_place(row: AccountIdentity, column: str) -> SecretPlace:
    """``access_token`` / ``refresh_token`` of one account."""
    return SecretPlace("oauth_accounts", column, row.user_id, row.provider, row.provider_account_id)


def client_secret_place(user_id: int, provider: str, client_id: str) -> SecretPlace:
    """A client secret, bound to its client id too."""
    return SecretPlace("client_credentials", "client_secret", user_id, provider, client_id)


def revocation_place(user_id: int, provider: str, provider_account_id: str) -> SecretPlace:
    """A token waiting to be revoked."""
    return SecretPlace("pending_revocations", "token", user_id, provider, provider_account_id)


def reseal_all(conn: sqlite3.Connection, old: Vault, new: Vault) -> int:
    """Open every sealed value with ``old`` and seal it with ``new``; returns the count.

    Raises ``DecryptionError`` on the first value that does not open; the caller's
    transaction then rolls back, so nothing is half re-sealed.
    """
    count = 0
    accounts = conn.execute(
        "SELECT id, user_id, provider, provider_account_id, access_token, refresh_token "
        "FROM oauth_accounts"
    ).fetchall()
    for row in accounts:
        key = AccountKey.of(row)
        for column in ("access_token", "refresh_token"):
            if row[column] is not None:
                place = account_place(key, column)
                conn.execute(
                    f"UPDATE oauth_accounts SET {column} = ? WHERE id = ?",  # noqa: S608 - fixed names
                    (new.seal(old.open(row[column], place), place), row["id"]),
                )
                count += 1
    credentials = conn.execute(
        "SELECT id, user_id, provider, client_id, client_secret FROM client_credentials "
        "WHERE client_secret IS NOT NULL"
    ).fetchall()
    for cred in credentials:
        place = client_secret_place(cred["user_id"], cred["provider"], cred["client_id"])
        conn.execute(
            "UPDATE client_credentials SET client_secret = ? WHERE id = ?",
            (new.seal(old.open(cred["client_secret"], place), place), cred["id"]),
        )
        count += 1
    pending = conn.execute(
        "SELECT id, user_id, provider, provider_account_id, token FROM pending_revocations"
    ).fetchall()
    for item in pending:
        place = revocation_place(item["user_id"], item["provider"], item["provider_account_id"])
        conn.execute(
            "UPDATE pending_revocations SET token = ? WHERE id = ?",
            (new.seal(old.open(item["token"], place), place), item["id"]),
        )
        count += 1
    return count


def count_sealed(conn: sqlite3.Connection) -> int:
    """How many sealed values the database holds (what a lost key would make unreadable)."""
    return sum(
        int(conn.execute(f"SELECT count({column}) FROM {table}").fetchone()[0])  # noqa: S608
        for table, column in _SEALED
    )


def any_sealed_value(conn: sqlite3.Connection) -> bytes | None:
    """One sealed value, whichever comes first (it tells which key sealed the database)."""
    for table, column in _SEALED:
        row = conn.execute(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1"  # noqa: S608
        ).fetchone()
        if row is not None:
            return bytes(row[0])
    return None

"""Every sealed column in one place: where each secret lives, and key rotation.

The :class:`SecretPlace` of a value is the vault's associated data; building it
here for every table keeps sealing, opening and re-sealing consistent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from huntaze_desktop.storage.vault import SecretPlace, Vault

__all__ = [
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


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The identity of an account: of a stored row, or of one about to be inserted."""

    user_id: int
    provider: str
    provider_account_id: str

    @classmethod
    def of(cls, row: sqlite3.Row) -> AccountKey:
        return cls(row["user_id"], row["provider"], row["provider_account_id"])


def account_place(key: AccountKey, column: str) -> SecretPlace:
    """``access_token`` / ``refresh_token`` of one account."""
    return SecretPlace("oauth_accounts", column, key.user_id, key.provider, key.provider_account_id)


def client_secret_place(user_id: int, provider: str, client_id: str) -> SecretPlace:
    """A client secret, bound to its client id too."""
    return SecretPlace("client_credentials", "client_secret", user_id, provider, client_id)


def revocation_place(user_id: int, provider: str, provider_account_id: str) -> SecretPlace:
    """A token waiting to be revoked."""
    return SecretPlace("pending_revocations", "token", user_id, provider, provider_account_id)


# The place of a stored value, from its row (the column matters for accounts only).
_PLACE_OF: dict[str, Callable[[sqlite3.Row, str], SecretPlace]] = {
    "oauth_accounts": lambda row, column: account_place(AccountKey.of(row), column),
    "client_credentials": lambda row, _: client_secret_place(
        row["user_id"], row["provider"], row["client_id"]
    ),
    "pending_revocations": lambda row, _: revocation_place(
        row["user_id"], row["provider"], row["provider_account_id"]
    ),
}


def reseal_all(conn: sqlite3.Connection, old: Vault, new: Vault) -> int:
    """Open every sealed value with ``old`` and seal it with ``new``; returns the count.

    Raises ``DecryptionError`` on the first value that does not open; the caller's
    transaction then rolls back, so nothing is half re-sealed.
    """
    count = 0
    for table, column in _SEALED:  # fixed names, formatted in below; values are bound
        place_of = _PLACE_OF[table]
        rows = conn.execute(
            f"SELECT * FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
        ).fetchall()
        for row in rows:
            place = place_of(row, column)
            conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE id = ?",  # noqa: S608
                (new.seal(old.open(row[column], place), place), row["id"]),
            )
        count += len(rows)
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

"""Every sealed column in one place: where each secret lives, and key rotation.

The :class:`SecretPlace` of a value is the vault's associated data; building it
here for every table keeps sealing, opening and re-sealing consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.engine import Connection, RowMapping

from huntaze_desktop.domain.errors import DecryptionError
from huntaze_desktop.storage.models import client_credentials, oauth_accounts, pending_revocations
from huntaze_desktop.storage.vault import SecretPlace, Vault

__all__ = [
    "SEALED_COLUMNS",
    "AccountKey",
    "account_place",
    "client_secret_place",
    "reseal_all",
    "revocation_place",
]

# Every sealed column: (table, column name).
SEALED_COLUMNS: tuple[tuple[Table, str], ...] = (
    (oauth_accounts, "access_token"),
    (oauth_accounts, "refresh_token"),
    (client_credentials, "client_secret"),
    (pending_revocations, "token"),
)


@dataclass(frozen=True, slots=True)
class AccountKey:
    """The identity of an account: of a stored row, or of one about to be inserted."""

    user_id: int
    provider: str
    provider_account_id: str

    @classmethod
    def of(cls, row: RowMapping) -> AccountKey:
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
_PLACE_OF: dict[str, Callable[[RowMapping, str], SecretPlace]] = {
    "oauth_accounts": lambda row, column: account_place(AccountKey.of(row), column),
    "client_credentials": lambda row, _: client_secret_place(
        row["user_id"], row["provider"], row["client_id"]
    ),
    "pending_revocations": lambda row, _: revocation_place(
        row["user_id"], row["provider"], row["provider_account_id"]
    ),
}


def reseal_all(conn: Connection, old: Vault, new: Vault) -> int:
    """Open every sealed value with ``old`` and seal it with ``new``; returns the count.

    Raises ``DecryptionError`` on the first value that does not open; the caller's
    transaction then rolls back, so nothing is half re-sealed.
    """
    count = 0
    for table, name in SEALED_COLUMNS:
        place_of = _PLACE_OF[table.name]
        column = table.c[name]
        # An empty value is no secret (a disconnected account's, a forgotten sign-in).
        rows = (
            conn.execute(select(table).where(column.is_not(None), func.length(column) > 0))
            .mappings()
            .all()
        )
        if not rows:
            continue
        resealed = []
        for row in rows:
            place = place_of(row, name)
            try:
                plain = old.open(row[name], place)
            except DecryptionError:
                raise DecryptionError(_blocking_row(table.name, row)) from None
            resealed.append({"row_id": row["id"], name: new.seal(plain, place)})
        conn.execute(update(table).where(table.c.id == bindparam("row_id")), resealed)
        count += len(rows)
    return count


def _blocking_row(table: str, row: RowMapping) -> str:
    """The sentence naming what keeps a rotation from re-sealing everything."""
    provider = row["provider"]
    if table == "oauth_accounts":
        who = f"@{row['username']}" if row["username"] else row["provider_account_id"]
        what = f"The saved sign-in of {who} ({provider})"
        fix = "Reconnect or disconnect that account"
    elif table == "client_credentials":
        what = f"The saved {provider} app credentials"
        fix = "Enter them again in Settings"
    else:
        return (
            f"A token waiting to be revoked at {provider} cannot be read, so the key was not"
            " changed."
        )
    return f"{what} cannot be read, so the key was not changed. {fix}, then rotate the key again."

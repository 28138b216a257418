"""Connected accounts on disk: rows, sealed tokens, status, audit, revocations.

Tokens are sealed with the vault, bound to their place (table, column, user,
provider, provider_account_id): a ciphertext flipped, swapped between rows or
read with another key raises :class:`DecryptionError`, never garbage.

Every method blocks; the async layers call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huntaze_desktop.domain.errors import AccountNotFoundError
from huntaze_desktop.domain.models import Account, ConnectionStatus, TokenSet
from huntaze_desktop.storage.audit import AuditEvent, append_audit, newest_audit_events
from huntaze_desktop.storage.codec import db_value, db_values, read_datetime, read_json, utcnow
from huntaze_desktop.storage.db import Database, insert_sql, update_sql
from huntaze_desktop.storage.sealed import (
    AccountKey,
    account_place,
    reseal_all,
    revocation_place,
)
from huntaze_desktop.storage.vault import Vault

__all__ = ["AccountStore", "PendingRevocationItem"]

_BY_ID = "SELECT * FROM oauth_accounts WHERE id = ?"


@dataclass(frozen=True, slots=True)
class PendingRevocationItem:
    """A token still to revoke at the platform. ``repr`` hides the token."""

    id: int
    provider: str
    provider_account_id: str
    token: str
    token_kind: str
    attempts: int
    next_try_at: datetime | None

    def __repr__(self) -> str:
        return (
            f"PendingRevocationItem(id={self.id}, provider={self.provider!r}, "
            f"token=<hidden>, token_kind={self.token_kind!r}, attempts={self.attempts})"
        )

    __str__ = __repr__


class AccountStore:
    """Reads and writes the connected accounts of one local user."""

    def __init__(self, db: Database, vault: Vault, user_id: int) -> None:
        self._db = db
        self._vault = vault
        self.user_id = user_id

    # -- places (the vault's associated data) -------------------------------

    def _seal(self, key: AccountKey, column: str, value: str) -> bytes:
        return self._vault.seal(value, account_place(key, column))

    # -- reading --------------------------------------------------------------

    def _row(self, conn: sqlite3.Connection, account_id: int) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(_BY_ID, (account_id,)).fetchone()
        if row is None or row["user_id"] != self.user_id:
            raise AccountNotFoundError()
        return row

    def list_accounts(self, provider: str | None = None) -> list[Account]:
        query = "SELECT * FROM oauth_accounts WHERE user_id = :user_id"
        if provider is not None:
            query += " AND provider = :provider"
        with self._db.transaction() as conn:
            rows = conn.execute(
                query + " ORDER BY provider, id", {"user_id": self.user_id, "provider": provider}
            ).fetchall()
        return [_to_account(row) for row in rows]

    def get(self, account_id: int) -> Account:
        with self._db.transaction() as conn:
            return _to_account(self._row(conn, account_id))

    def find(self, provider: str, provider_account_id: str) -> Account | None:
        with self._db.transaction() as conn:
            row = _find_row(conn, self.user_id, provider, provider_account_id)
        return None if row is None else _to_account(row)

    def load_tokens(self, account_id: int) -> TokenSet:
        """The account's tokens, opened. Raises ``DecryptionError`` if tampered."""
        return self.load_tokens_with_generation(account_id)[0]

    def load_tokens_with_generation(self, account_id: int) -> tuple[TokenSet, int]:
        """The tokens and the write counter they belong to (read together)."""
        with self._db.transaction() as conn:
            row = self._row(conn, account_id)
        return self._tokens_of(row)

    def get_with_tokens(self, account_id: int) -> tuple[Account, TokenSet, int]:
        """The account, its tokens and their write counter, from one read of its row.

        What a refresh needs before it calls the platform: one transaction, not two.
        """
        with self._db.transaction() as conn:
            row = self._row(conn, account_id)
        return (_to_account(row), *self._tokens_of(row))

    def _tokens_of(self, row: sqlite3.Row) -> tuple[TokenSet, int]:
        key = AccountKey.of(row)
        access = self._vault.open(row["access_token"], account_place(key, "access_token"))
        refresh = None
        if row["refresh_token"] is not None:
            refresh = self._vault.open(row["refresh_token"], account_place(key, "refresh_token"))
        tokens = TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=read_datetime(row["expires_at"]),
            refresh_expires_at=read_datetime(row["refresh_expires_at"]),
            token_type=row["token_type"],
            scope=row["scope"],
            issued_at=read_datetime(row["issued_at"]),
        )
        return tokens, int(row["token_generation"])

    # -- writing --------------------------------------------------------------

    def upsert_connected(
        self,
        provider: str,
        provider_account_id: str,
        tokens: TokenSet,
        *,
        username: str | None = None,
        display_name: str | None = None,
        avatar_url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[Account, bool]:
        """Store a fresh sign-in; returns the account and True when it is new.

        A new sign-in is a new grant: its tokens replace the stored ones entirely
        (unlike :meth:`save_tokens`, a missing refresh token clears the old one).
        """
        now = utcnow()
        with self._db.immediate() as conn:
            row = _find_row(conn, self.user_id, provider, provider_account_id)
            created = row is None
            place = AccountKey(self.user_id, provider, provider_account_id)
            values = self._token_values(place, row, tokens, keep_refresh=False)
            values.update(
                username=username,
                display_name=display_name,
                avatar_url=avatar_url,
                status=ConnectionStatus.CONNECTED.value,
                status_reason=None,
                last_error=None,
                retry_at=None,
                last_success_at=now,
                updated_at=now,
            )
            if metadata is not None:
                values["metadata"] = dict(metadata)
            if row is None:
                values.setdefault("metadata", {})
                values.update(
                    user_id=self.user_id,
                    provider=provider,
                    provider_account_id=provider_account_id,
                    created_at=now,
                )
                write = insert_sql("oauth_accounts", values)
                parameters = db_values(values)
            else:
                write = update_sql("oauth_accounts", values, "id = :row_id")
                parameters = {**db_values(values), "row_id": row["id"]}
            # fetchall: a RETURNING statement left unfinished would block the COMMIT.
            (stored,) = conn.execute(write + " RETURNING *", parameters).fetchall()
            _account_event(conn, "connect" if created else "reconnect", place)
            return _to_account(stored), created

    def save_tokens(self, account_id: int, tokens: TokenSet) -> int:
        """Durably replace the tokens (``BEGIN IMMEDIATE``); returns the new generation.

        When ``tokens.refresh_token`` is None the stored refresh token (and its
        expiry) is kept: many platforms only send a new one when they rotate it.
        """
        with self._db.immediate() as conn:
            row = self._row(conn, account_id)
            values = self._token_values(AccountKey.of(row), row, tokens, keep_refresh=True)
            values["updated_at"] = utcnow()
            statement = update_sql("oauth_accounts", values, "id = :account_id")
            conn.execute(statement, {**db_values(values), "account_id": account_id})
            return int(values["token_generation"])

    def _token_values(
        self,
        place: AccountKey,
        row: sqlite3.Row | None,
        tokens: TokenSet,
        *,
        keep_refresh: bool,
    ) -> dict[str, Any]:
        """The column values that store ``tokens`` over ``row`` (None: a new row)."""
        values: dict[str, Any] = {
            "access_token": self._seal(place, "access_token", tokens.access_token),
            "expires_at": tokens.expires_at,
            "token_type": tokens.token_type,
            "issued_at": tokens.issued_at or utcnow(),
            "token_generation": ((row["token_generation"] if row is not None else 0) or 0) + 1,
        }
        if tokens.refresh_token is not None:
            values["refresh_token"] = self._seal(place, "refresh_token", tokens.refresh_token)
            values["refresh_expires_at"] = tokens.refresh_expires_at
        elif not keep_refresh:
            values["refresh_token"] = None
            values["refresh_expires_at"] = tokens.refresh_expires_at
        elif tokens.refresh_expires_at is not None:
            values["refresh_expires_at"] = tokens.refresh_expires_at
        if tokens.scope is not None or not keep_refresh:
            values["scope"] = tokens.scope
        return values

    def update_status(
        self,
        account_id: int,
        status: ConnectionStatus,
        *,
        reason: str | None = None,
        last_error: str | None = None,
        retry_at: datetime | None = None,
        success: bool = False,
    ) -> Account:
        """Record what the card should show; ``success`` stamps ``last_success_at``."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": ConnectionStatus(status).value,
            "status_reason": reason,
            "last_error": last_error,
            "retry_at": retry_at,
            "updated_at": now,
        }
        if success:
            values["last_success_at"] = now
        return self._update(account_id, values)

    def update_profile(
        self,
        account_id: int,
        *,
        username: str | None = None,
        display_name: str | None = None,
        avatar_url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Account:
        """Refresh the public profile; ``metadata`` None keeps the stored one."""
        values: dict[str, Any] = {
            "username": username,
            "display_name": display_name,
            "avatar_url": avatar_url,
            "updated_at": utcnow(),
        }
        if metadata is not None:
            values["metadata"] = dict(metadata)
        return self._update(account_id, values)

    def _update(self, account_id: int, values: dict[str, Any]) -> Account:
        """Write ``values`` to this user's account; the account as it now stands."""
        statement = update_sql("oauth_accounts", values, "id = :account_id AND user_id = :user_id")
        parameters = {**db_values(values), "account_id": account_id, "user_id": self.user_id}
        with self._db.immediate() as conn:
            rows = conn.execute(statement + " RETURNING *", parameters).fetchall()
        if not rows:
            raise AccountNotFoundError()
        return _to_account(rows[0])

    def delete(self, account_id: int) -> None:
        """Remove the account, its secrets, metadata and cached data (one transaction)."""
        with self._db.immediate() as conn:
            row = self._row(conn, account_id)
            _account_event(conn, "disconnect", AccountKey.of(row))
            # Metric snapshots and cached answers go with it (ON DELETE CASCADE).
            conn.execute("DELETE FROM oauth_accounts WHERE id = ?", (account_id,))

    def audit(
        self,
        event: str,
        *,
        provider: str | None = None,
        provider_account_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append a security event. ``detail`` is scrubbed of anything token-like."""
        with self._db.immediate() as conn:
            append_audit(
                conn,
                event,
                provider=provider,
                provider_account_id=provider_account_id,
                detail=detail,
            )

    def audit_events(self, limit: int = 100) -> list[AuditEvent]:
        """The newest audit entries first (for diagnostics)."""
        with self._db.transaction() as conn:
            return newest_audit_events(conn, limit)

    # -- pending revocations ---------------------------------------------------

    def add_pending_revocation(
        self, provider: str, token: str, token_kind: str, *, provider_account_id: str = ""
    ) -> int:
        """Remember a token to revoke later (sealed); returns its id."""
        place = revocation_place(self.user_id, provider, provider_account_id)
        values = {
            "user_id": self.user_id,
            "provider": provider,
            "provider_account_id": provider_account_id,
            "token": self._vault.seal(token, place),
            "token_kind": token_kind,
            "created_at": utcnow(),
            "attempts": 0,
        }
        with self._db.immediate() as conn:
            inserted = conn.execute(insert_sql("pending_revocations", values), db_values(values))
            return int(inserted.lastrowid or 0)

    def pending_revocations(self) -> list[PendingRevocationItem]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM pending_revocations WHERE user_id = ? ORDER BY id", (self.user_id,)
            ).fetchall()
        return [
            PendingRevocationItem(
                id=row["id"],
                provider=row["provider"],
                provider_account_id=row["provider_account_id"],
                token=self._vault.open(
                    row["token"],
                    revocation_place(row["user_id"], row["provider"], row["provider_account_id"]),
                ),
                token_kind=row["token_kind"],
                attempts=row["attempts"],
                next_try_at=read_datetime(row["next_try_at"]),
            )
            for row in rows
        ]

    def defer_pending_revocation(self, revocation_id: int, next_try_at: datetime) -> None:
        """Count a failed attempt and set when to try again."""
        with self._db.immediate() as conn:
            conn.execute(
                "UPDATE pending_revocations SET attempts = attempts + 1, next_try_at = ? "
                "WHERE id = ? AND user_id = ?",
                (db_value(next_try_at), revocation_id, self.user_id),
            )

    def drop_pending_revocation(self, revocation_id: int) -> None:
        with self._db.immediate() as conn:
            conn.execute(
                "DELETE FROM pending_revocations WHERE id = ? AND user_id = ?",
                (revocation_id, self.user_id),
            )

    # -- key rotation --------------------------------------------------------

    def rotate_key(self, new_vault: Vault) -> int:
        """Re-seal every stored secret under ``new_vault``, in ONE transaction.

        Covers account tokens, client secrets and pending revocations of every
        user. Any failure (e.g. a value that does not open) rolls everything
        back: the database then still opens with the current key only.

        The caller must keep the current key until this returns (the commit is
        done) and store the new key durably before or right after it, as
        ``KeyStore.begin_rotation`` / ``commit_rotation`` do. On success this
        store uses ``new_vault``; other stores (``ClientCredentialStore``) must
        be given it with their ``use_vault``. Returns the number of values re-sealed.
        """
        with self._db.immediate() as conn:
            count = reseal_all(conn, self._vault, new_vault)
        self._vault = new_vault
        return count

    def use_vault(self, vault: Vault) -> None:
        """Switch to another vault (after a rotation done elsewhere)."""
        self._vault = vault


def _find_row(
    conn: sqlite3.Connection, user_id: int, provider: str, provider_account_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM oauth_accounts "
        "WHERE user_id = ? AND provider = ? AND provider_account_id = ?",
        (user_id, provider, provider_account_id),
    ).fetchone()
    return row


def _account_event(conn: sqlite3.Connection, event: str, account: AccountKey) -> None:
    """Record an account event in the audit log (its provider and account id)."""
    append_audit(
        conn, event, provider=account.provider, provider_account_id=account.provider_account_id
    )


def _to_account(row: sqlite3.Row) -> Account:
    return Account(
        id=row["id"],
        user_id=row["user_id"],
        provider=row["provider"],
        provider_account_id=row["provider_account_id"],
        username=row["username"],
        display_name=row["display_name"],
        avatar_url=row["avatar_url"],
        status=ConnectionStatus(row["status"]),
        status_reason=row["status_reason"],
        last_error=row["last_error"],
        created_at=read_datetime(row["created_at"]),
        updated_at=read_datetime(row["updated_at"]),
        expires_at=read_datetime(row["expires_at"]),
        refresh_expires_at=read_datetime(row["refresh_expires_at"]),
        last_success_at=read_datetime(row["last_success_at"]),
        retry_at=read_datetime(row["retry_at"]),
        scope=row["scope"],
        metadata=dict(read_json(row["metadata"]) or {}),
    )

"""Connected accounts on disk: rows, sealed tokens, status, audit, revocations.

Tokens are sealed with the vault, bound to their place (table, column, user,
provider, provider_account_id): a ciphertext flipped, swapped between rows or
read with another key raises :class:`DecryptionError`, never garbage.

Every statement is built once, here, from the tables of ``models.py``; the
values a call writes are bound parameters, and an ``UPDATE`` sets the columns
whose names the parameters carry (SQLAlchemy caches one compiled form per set).

Every method blocks; the async layers call them on the storage thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from huntaze_desktop.domain.errors import AccountNotFoundError
from huntaze_desktop.domain.models import Account, ConnectionStatus, TokenSet
from huntaze_desktop.net.redact import forget_secrets
from huntaze_desktop.storage.audit import (
    AuditEvent,
    append_audit,
    newest_audit_events,
    prune_audit,
)
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import (
    api_cache,
    check_columns,
    oauth_accounts,
    pending_revocations,
    utcnow,
)
from huntaze_desktop.storage.sealed import (
    AccountKey,
    account_place,
    reseal_all,
    revocation_place,
)
from huntaze_desktop.storage.vault import Vault
from huntaze_desktop.storage.vault_identity import record_key_id

__all__ = ["AccountStore", "PendingRevocationItem"]

_a = oauth_accounts.c
# A disconnected account whose analytics history was kept: a row with no secret and
# this status. It is no account of the user's (not listed, not found by id) until the
# same platform account signs in again, which reattaches its history.
_DISCONNECTED = ConnectionStatus.NOT_CONNECTED.value
_CONNECTED_ROWS = _a.status != _DISCONNECTED
_BY_ID = select(oauth_accounts).where(_a.id == bindparam("account_id"), _CONNECTED_ROWS)
_BY_IDENTITY = select(oauth_accounts).where(
    _a.user_id == bindparam("owner"),
    _a.provider == bindparam("provider_name"),
    _a.provider_account_id == bindparam("identity"),
)
_LIST = (
    select(oauth_accounts)
    .where(_a.user_id == bindparam("owner"), _CONNECTED_ROWS)
    .order_by(_a.provider, _a.id)
)
_LIST_OF_PROVIDER = _LIST.where(_a.provider == bindparam("provider_name"))
_INSERT = insert(oauth_accounts).returning(oauth_accounts)
# SET: the columns named by the parameters (besides the WHERE's own).
_UPDATE_ROW = update(oauth_accounts).where(_a.id == bindparam("row_id"))
_UPDATE_OWNED = (
    update(oauth_accounts)
    .where(_a.id == bindparam("row_id"), _a.user_id == bindparam("owner"))
    .returning(oauth_accounts)
)
_DELETE = delete(oauth_accounts).where(_a.id == bindparam("row_id"))
# Rows an interrupted refresh left "refreshing" (see settle_interrupted_refreshes).
_INTERRUPTED = select(oauth_accounts).where(
    _a.user_id == bindparam("owner"), _a.status == ConnectionStatus.REFRESHING.value
)

# What an account whose renewal was cut short, with its access token expired, shows
# until the platform is asked again (at once: retry_at is the time of the fix).
INTERRUPTED_REASON = "The last renewal of this connection was interrupted."
INTERRUPTED_MESSAGE = (
    "The last renewal of this connection was interrupted. It will be checked again shortly."
)

_r = pending_revocations.c
_ADD_REVOCATION = insert(pending_revocations).returning(_r.id)
_REVOCATIONS = select(pending_revocations).where(_r.user_id == bindparam("owner")).order_by(_r.id)
_DEFER_REVOCATION = (
    update(pending_revocations)
    .where(_r.id == bindparam("row_id"), _r.user_id == bindparam("owner"))
    .values(attempts=_r.attempts + 1)
)
_DROP_REVOCATION = delete(pending_revocations).where(
    _r.id == bindparam("row_id"), _r.user_id == bindparam("owner")
)


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

    def _row(self, conn: Connection, account_id: int) -> RowMapping:
        row = conn.execute(_BY_ID, {"account_id": account_id}).mappings().first()
        if row is None or row["user_id"] != self.user_id:
            raise AccountNotFoundError()
        return row

    def list_accounts(self, provider: str | None = None) -> list[Account]:
        with self._db.transaction() as conn:
            if provider is None:
                result = conn.execute(_LIST, {"owner": self.user_id})
            else:
                result = conn.execute(
                    _LIST_OF_PROVIDER, {"owner": self.user_id, "provider_name": provider}
                )
            rows = result.mappings().all()
        return [_to_account(row) for row in rows]

    def get(self, account_id: int) -> Account:
        with self._db.transaction() as conn:
            return _to_account(self._row(conn, account_id))

    def find(self, provider: str, provider_account_id: str) -> Account | None:
        """The connected account with this identity, if any."""
        with self._db.transaction() as conn:
            row = _find_row(conn, self.user_id, provider, provider_account_id)
        if row is None or row["status"] == _DISCONNECTED:
            return None
        return _to_account(row)

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

    def _tokens_of(self, row: RowMapping) -> tuple[TokenSet, int]:
        key = AccountKey.of(row)
        access = self._vault.open(row["access_token"], account_place(key, "access_token"))
        refresh = None
        if row["refresh_token"] is not None:
            refresh = self._vault.open(row["refresh_token"], account_place(key, "refresh_token"))
        tokens = TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=row["expires_at"],
            refresh_expires_at=row["refresh_expires_at"],
            token_type=row["token_type"],
            scope=row["scope"],
            issued_at=row["issued_at"],
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
        An account disconnected with its history kept comes back as new (connected
        now), with its analytics history and its local id.
        """
        now = utcnow()
        with self._db.immediate() as conn:
            row = _find_row(conn, self.user_id, provider, provider_account_id)
            created = row is None or row["status"] == _DISCONNECTED
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
            if created:
                values["created_at"] = now  # the date shown as "connected on"
            if row is None:
                values.setdefault("metadata", {})
                values.update(
                    user_id=self.user_id,
                    provider=provider,
                    provider_account_id=provider_account_id,
                    created_at=now,
                )
                check_columns(oauth_accounts, values)
                stored = conn.execute(_INSERT, values).mappings().one()
            else:
                check_columns(oauth_accounts, values)
                values.update(row_id=row["id"], owner=self.user_id)
                stored = conn.execute(_UPDATE_OWNED, values).mappings().one()
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
            check_columns(oauth_accounts, values)
            conn.execute(_UPDATE_ROW, {**values, "row_id": account_id})
            return int(values["token_generation"])

    def _token_values(
        self,
        place: AccountKey,
        row: RowMapping | None,
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

    def settle_interrupted_refreshes(self, now: datetime | None = None) -> int:
        """Correct every row left "refreshing"; returns how many (run at each start).

        The app no longer stores "refreshing" (it is shown from memory while a
        refresh runs), but an older version wrote it before asking the token
        endpoint, and a crash there left it for ever. The status from before is
        not known; the rule, from what the row says about its tokens:

        * the access token has not expired (or has no expiry): ``connected``, as it
          was when the renewal began (a renewal starts ahead of expiry); the next
          use renews it if it is due, and a refused grant shows then;
        * it has expired: ``degraded``, saying the renewal was interrupted, with
          ``retry_at`` now, so the next refresh asks the platform at once and its
          answer (a renewal, or ``needs_reconnect``) decides.

        Each correction is in the audit log (``refresh_interrupted``).
        """
        with self._db.transaction() as conn:
            if conn.execute(_INTERRUPTED, {"owner": self.user_id}).first() is None:
                return 0  # the usual case: no write, no lock
        now = now or utcnow()
        with self._db.immediate() as conn:
            rows = conn.execute(_INTERRUPTED, {"owner": self.user_id}).mappings().all()
            for row in rows:
                expires_at = row["expires_at"]
                values: dict[str, Any] = {
                    "status": ConnectionStatus.CONNECTED.value,
                    "status_reason": None,
                    "last_error": None,
                    "retry_at": None,
                    "updated_at": now,
                }
                if expires_at is not None and expires_at <= now:
                    values.update(
                        status=ConnectionStatus.DEGRADED.value,
                        status_reason=INTERRUPTED_REASON,
                        last_error=INTERRUPTED_MESSAGE,
                        retry_at=now,
                    )
                check_columns(oauth_accounts, values)
                conn.execute(_UPDATE_ROW, {**values, "row_id": row["id"]})
                append_audit(
                    conn,
                    "refresh_interrupted",
                    provider=row["provider"],
                    provider_account_id=row["provider_account_id"],
                    detail=f"status set to {values['status']}",
                )
        return len(rows)

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
        check_columns(oauth_accounts, values)
        parameters = {**values, "row_id": account_id, "owner": self.user_id}
        with self._db.immediate() as conn:
            row = conn.execute(_UPDATE_OWNED, parameters).mappings().first()
        if row is None:
            raise AccountNotFoundError()
        return _to_account(row)

    def delete(self, account_id: int, *, keep_history: bool = False) -> None:
        """Disconnect: every secret of the account goes, in one transaction.

        With ``keep_history`` the row stays as a disconnected account (no secret,
        no cached answer, not listed) holding its analytics history for when the
        same platform account connects again; without it the row goes, and its
        metric snapshots and cached answers with it (ON DELETE CASCADE).
        """
        with self._db.immediate() as conn:
            row = self._row(conn, account_id)
            key = AccountKey.of(row)
            _account_event(conn, "disconnect", key)
            if not keep_history:
                conn.execute(_DELETE, {"row_id": account_id})
            else:
                self._keep_as_disconnected(conn, row)
        # Its tokens are gone: logs need not look for them any more (a pending
        # revocation registers its token again when it is opened to be sent).
        forget_secrets((key.provider, key.provider_account_id))

    @staticmethod
    def _keep_as_disconnected(conn: Connection, row: RowMapping) -> None:
        """The row without any secret or cached answer, holding the history."""
        account_id = row["id"]
        conn.execute(delete(api_cache).where(api_cache.c.account_id == account_id))
        values = {
            "access_token": b"",
            "refresh_token": None,
            "expires_at": None,
            "refresh_expires_at": None,
            "scope": None,
            "status": _DISCONNECTED,
            "status_reason": None,
            "last_error": None,
            "retry_at": None,
            "token_generation": int(row["token_generation"] or 0) + 1,
            "updated_at": utcnow(),
        }
        check_columns(oauth_accounts, values)
        conn.execute(_UPDATE_ROW, {**values, "row_id": account_id})

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

    def prune_audit(self, now: datetime | None = None) -> int:
        """Delete audit entries older than ``AUDIT_RETENTION_DAYS``; returns how many."""
        with self._db.immediate() as conn:
            return prune_audit(conn, now)

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
            return int(conn.execute(_ADD_REVOCATION, values).scalar_one())

    def pending_revocations(self) -> list[PendingRevocationItem]:
        with self._db.transaction() as conn:
            rows = conn.execute(_REVOCATIONS, {"owner": self.user_id}).mappings().all()
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
                next_try_at=row["next_try_at"],
            )
            for row in rows
        ]

    def defer_pending_revocation(self, revocation_id: int, next_try_at: datetime) -> None:
        """Count a failed attempt and set when to try again."""
        with self._db.immediate() as conn:
            conn.execute(
                _DEFER_REVOCATION,
                {"next_try_at": next_try_at, "row_id": revocation_id, "owner": self.user_id},
            )

    def drop_pending_revocation(self, revocation_id: int) -> None:
        with self._db.immediate() as conn:
            conn.execute(_DROP_REVOCATION, {"row_id": revocation_id, "owner": self.user_id})

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
            record_key_id(conn, new_vault.key_id.hex())
        self._vault = new_vault
        return count

    def use_vault(self, vault: Vault) -> None:
        """Switch to another vault (after a rotation done elsewhere)."""
        self._vault = vault


def _find_row(
    conn: Connection, user_id: int, provider: str, provider_account_id: str
) -> RowMapping | None:
    parameters = {"owner": user_id, "provider_name": provider, "identity": provider_account_id}
    return conn.execute(_BY_IDENTITY, parameters).mappings().first()


def _account_event(conn: Connection, event: str, account: AccountKey) -> None:
    """Record an account event in the audit log (its provider and account id)."""
    append_audit(
        conn, event, provider=account.provider, provider_account_id=account.provider_account_id
    )


def _to_account(row: RowMapping) -> Account:
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
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        expires_at=row["expires_at"],
        refresh_expires_at=row["refresh_expires_at"],
        last_success_at=row["last_success_at"],
        retry_at=row["retry_at"],
        scope=row["scope"],
        metadata=dict(row["metadata"] or {}),
    )

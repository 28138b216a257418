"""Connected accounts on disk: rows, sealed tokens, status, audit, revocations.

Tokens are sealed with the vault, bound to their place (table, column, user,
provider, provider_account_id): a ciphertext flipped, swapped between rows or
read with another key raises :class:`DecryptionError`, never garbage.

Every method blocks; the async layers call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huntaze_desktop.core.errors import AccountNotFoundError
from huntaze_desktop.core.models import Account, ConnectionStatus, TokenSet
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import (
    AuditLog,
    OAuthAccount,
    PendingRevocation,
    utcnow,
)
from huntaze_desktop.storage.sealed import account_place, reseal_all, revocation_place
from huntaze_desktop.storage.vault import Vault

__all__ = ["AccountStore", "PendingRevocationItem", "scrub_detail"]

_MAX_DETAIL = 500
# Anything that looks like a credential: long unbroken runs of token characters,
# and key=value pairs whose key names a secret.
_TOKENISH = re.compile(r"[A-Za-z0-9_\-.~+/=%]{24,}")
_SECRET_PAIR = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|token|code|client_secret|secret|password|"
    r"sess|auth_id|cookie|authorization)\b(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s&,;]+)"
)


def scrub_detail(detail: str | None) -> str | None:
    """Make an audit detail safe to keep: secret-looking parts become [redacted]."""
    if detail is None:
        return None
    cleaned = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", detail)
    cleaned = _TOKENISH.sub("[redacted]", cleaned)
    return cleaned[:_MAX_DETAIL]


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

    def _seal(self, row: OAuthAccount, column: str, value: str) -> bytes:
        return self._vault.seal(value, account_place(row, column))

    # -- reading --------------------------------------------------------------

    def _row(self, session: Session, account_id: int) -> OAuthAccount:
        row = session.get(OAuthAccount, account_id)
        if row is None or row.user_id != self.user_id:
            raise AccountNotFoundError()
        return row

    def list_accounts(self, provider: str | None = None) -> list[Account]:
        query = select(OAuthAccount).where(OAuthAccount.user_id == self.user_id)
        if provider is not None:
            query = query.where(OAuthAccount.provider == provider)
        with self._db.session() as session:
            rows = session.scalars(query.order_by(OAuthAccount.provider, OAuthAccount.id))
            return [_to_account(row) for row in rows]

    def get(self, account_id: int) -> Account:
        with self._db.session() as session:
            return _to_account(self._row(session, account_id))

    def find(self, provider: str, provider_account_id: str) -> Account | None:
        with self._db.session() as session:
            row = _find_row(session, self.user_id, provider, provider_account_id)
            return None if row is None else _to_account(row)

    def load_tokens(self, account_id: int) -> TokenSet:
        """The account's tokens, opened. Raises ``DecryptionError`` if tampered."""
        return self.load_tokens_with_generation(account_id)[0]

    def load_tokens_with_generation(self, account_id: int) -> tuple[TokenSet, int]:
        """The tokens and the write counter they belong to (read together)."""
        with self._db.session() as session:
            return self._tokens_of(self._row(session, account_id))

    def get_with_tokens(self, account_id: int) -> tuple[Account, TokenSet, int]:
        """The account, its tokens and their write counter, from one read of its row.

        What a refresh needs before it calls the platform: one transaction, not two.
        """
        with self._db.session() as session:
            row = self._row(session, account_id)
            return (_to_account(row), *self._tokens_of(row))

    def _tokens_of(self, row: OAuthAccount) -> tuple[TokenSet, int]:
        access = self._vault.open(row.access_token, account_place(row, "access_token"))
        refresh = None
        if row.refresh_token is not None:
            refresh = self._vault.open(row.refresh_token, account_place(row, "refresh_token"))
        tokens = TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=row.expires_at,
            refresh_expires_at=row.refresh_expires_at,
            token_type=row.token_type,
            scope=row.scope,
            issued_at=row.issued_at,
        )
        return tokens, row.token_generation

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
        with self._db.immediate() as session:
            row = _find_row(session, self.user_id, provider, provider_account_id)
            created = row is None
            if row is None:
                row = OAuthAccount(
                    user_id=self.user_id,
                    provider=provider,
                    provider_account_id=provider_account_id,
                    metadata_={},
                    created_at=now,
                    token_generation=0,
                )
                session.add(row)
            self._write_tokens(row, tokens, keep_refresh=False)
            row.username = username
            row.display_name = display_name
            row.avatar_url = avatar_url
            if metadata is not None:
                row.metadata_ = dict(metadata)
            row.status = ConnectionStatus.CONNECTED.value
            row.status_reason = None
            row.last_error = None
            row.retry_at = None
            row.last_success_at = now
            row.updated_at = now
            session.flush()
            session.add(_audit_row("connect" if created else "reconnect", row))
            return _to_account(row), created

    def save_tokens(self, account_id: int, tokens: TokenSet) -> int:
        """Durably replace the tokens (``BEGIN IMMEDIATE``); returns the new generation.

        When ``tokens.refresh_token`` is None the stored refresh token (and its
        expiry) is kept: many platforms only send a new one when they rotate it.
        """
        with self._db.immediate() as session:
            row = self._row(session, account_id)
            self._write_tokens(row, tokens, keep_refresh=True)
            row.updated_at = utcnow()
            return row.token_generation

    def _write_tokens(self, row: OAuthAccount, tokens: TokenSet, *, keep_refresh: bool) -> None:
        row.access_token = self._seal(row, "access_token", tokens.access_token)
        if tokens.refresh_token is not None:
            row.refresh_token = self._seal(row, "refresh_token", tokens.refresh_token)
            row.refresh_expires_at = tokens.refresh_expires_at
        elif not keep_refresh:
            row.refresh_token = None
            row.refresh_expires_at = tokens.refresh_expires_at
        elif tokens.refresh_expires_at is not None:
            row.refresh_expires_at = tokens.refresh_expires_at
        row.expires_at = tokens.expires_at
        row.token_type = tokens.token_type
        if tokens.scope is not None or not keep_refresh:
            row.scope = tokens.scope
        row.issued_at = tokens.issued_at or utcnow()
        row.token_generation = (row.token_generation or 0) + 1

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
        with self._db.immediate() as session:
            row = self._row(session, account_id)
            row.status = ConnectionStatus(status).value
            row.status_reason = reason
            row.last_error = last_error
            row.retry_at = retry_at
            now = utcnow()
            if success:
                row.last_success_at = now
            row.updated_at = now
            return _to_account(row)

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
        with self._db.immediate() as session:
            row = self._row(session, account_id)
            row.username = username
            row.display_name = display_name
            row.avatar_url = avatar_url
            if metadata is not None:
                row.metadata_ = dict(metadata)
            row.updated_at = utcnow()
            return _to_account(row)

    def delete(self, account_id: int) -> None:
        """Remove the account, its secrets, metadata and cached data (one transaction)."""
        with self._db.immediate() as session:
            row = self._row(session, account_id)
            session.add(_audit_row("disconnect", row))
            # Metric snapshots and cached answers go with it (ON DELETE CASCADE).
            session.delete(row)

    def audit(
        self,
        event: str,
        *,
        provider: str | None = None,
        provider_account_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append a security event. ``detail`` is scrubbed of anything token-like."""
        with self._db.immediate() as session:
            session.add(
                AuditLog(
                    at=utcnow(),
                    event=event,
                    provider=provider,
                    provider_account_id=provider_account_id,
                    detail=scrub_detail(detail),
                )
            )

    def audit_events(self, limit: int = 100) -> list[AuditLog]:
        """The newest audit entries first (for diagnostics)."""
        with self._db.session() as session:
            query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
            return list(session.scalars(query))

    # -- pending revocations ---------------------------------------------------

    def add_pending_revocation(
        self, provider: str, token: str, token_kind: str, *, provider_account_id: str = ""
    ) -> int:
        """Remember a token to revoke later (sealed); returns its id."""
        place = revocation_place(self.user_id, provider, provider_account_id)
        with self._db.immediate() as session:
            item = PendingRevocation(
                user_id=self.user_id,
                provider=provider,
                provider_account_id=provider_account_id,
                token=self._vault.seal(token, place),
                token_kind=token_kind,
                created_at=utcnow(),
                attempts=0,
            )
            session.add(item)
            session.flush()
            return item.id

    def pending_revocations(self) -> list[PendingRevocationItem]:
        with self._db.session() as session:
            query = (
                select(PendingRevocation)
                .where(PendingRevocation.user_id == self.user_id)
                .order_by(PendingRevocation.id)
            )
            return [
                PendingRevocationItem(
                    id=row.id,
                    provider=row.provider,
                    provider_account_id=row.provider_account_id,
                    token=self._vault.open(
                        row.token,
                        revocation_place(row.user_id, row.provider, row.provider_account_id),
                    ),
                    token_kind=row.token_kind,
                    attempts=row.attempts,
                    next_try_at=row.next_try_at,
                )
                for row in session.scalars(query)
            ]

    def defer_pending_revocation(self, revocation_id: int, next_try_at: datetime) -> None:
        """Count a failed attempt and set when to try again."""
        with self._db.immediate() as session:
            row = session.get(PendingRevocation, revocation_id)
            if row is not None and row.user_id == self.user_id:
                row.attempts += 1
                row.next_try_at = next_try_at

    def drop_pending_revocation(self, revocation_id: int) -> None:
        with self._db.immediate() as session:
            row = session.get(PendingRevocation, revocation_id)
            if row is not None and row.user_id == self.user_id:
                session.delete(row)

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
        with self._db.immediate() as session:
            count = reseal_all(session, self._vault, new_vault)
        self._vault = new_vault
        return count

    def use_vault(self, vault: Vault) -> None:
        """Switch to another vault (after a rotation done elsewhere)."""
        self._vault = vault


def _find_row(
    session: Session, user_id: int, provider: str, provider_account_id: str
) -> OAuthAccount | None:
    return session.scalars(
        select(OAuthAccount).where(
            OAuthAccount.user_id == user_id,
            OAuthAccount.provider == provider,
            OAuthAccount.provider_account_id == provider_account_id,
        )
    ).first()


def _audit_row(event: str, row: OAuthAccount) -> AuditLog:
    return AuditLog(
        at=utcnow(),
        event=event,
        provider=row.provider,
        provider_account_id=row.provider_account_id,
    )


def _to_account(row: OAuthAccount) -> Account:
    return Account(
        id=row.id,
        user_id=row.user_id,
        provider=row.provider,
        provider_account_id=row.provider_account_id,
        username=row.username,
        display_name=row.display_name,
        avatar_url=row.avatar_url,
        status=ConnectionStatus(row.status),
        status_reason=row.status_reason,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        refresh_expires_at=row.refresh_expires_at,
        last_success_at=row.last_success_at,
        retry_at=row.retry_at,
        scope=row.scope,
        metadata=dict(row.metadata_ or {}),
    )

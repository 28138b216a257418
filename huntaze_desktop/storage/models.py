"""The ORM tables of the local database (SQLAlchemy 2, SQLite).

The schema itself is created and changed only by Alembic
(``storage/migrations/versions``); these classes describe it for queries and
must match the latest migration (a test compares them).

Secret columns (``access_token``, ``refresh_token``, ``client_secret``,
``token``) are ``LargeBinary`` and hold vault ciphertext only, never plaintext.
Datetimes are stored as UTC and read back timezone-aware (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ApiCache",
    "AuditLog",
    "Base",
    "ClientCredential",
    "MetricSnapshot",
    "OAuthAccount",
    "PendingRevocation",
    "UTCDateTime",
    "User",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind this layer stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as naive UTC; returns it aware (UTC).

    SQLite has no time zone type. Naive datetimes are refused rather than
    guessed: a local time mistaken for UTC would shift token expiries by hours.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class User(Base):
    """A local user; the app creates one by default."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OAuthAccount(Base):
    """A connected platform account: its tokens (sealed) and its status."""

    __tablename__ = "oauth_accounts"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "provider", "provider_account_id", name="uq_oauth_accounts_identity"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40), index=True)
    provider_account_id: Mapped[str] = mapped_column(String(200))
    access_token: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_type: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(Text)
    # "metadata" is reserved on declarative classes, hence the attribute name.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(40), default="connected")
    status_reason: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    username: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    # Bumped on every token write, so the token manager can tell that another
    # process refreshed while it waited for the lock.
    token_generation: Mapped[int] = mapped_column(Integer, default=0)


class MetricSnapshot(Base):
    """One daily value of one metric; missing data is no row, never a NULL."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "metric", "day", name="uq_metric_snapshots_point"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_accounts.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(80))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiCache(Base):
    """A cached API answer with its validators (ETag / Last-Modified)."""

    __tablename__ = "api_cache"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_accounts.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditLog(Base):
    """A security event (connect, disconnect, refresh failed...). No secrets."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(80))
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_account_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


class ClientCredential(Base):
    """The developer app credentials the user brings for one platform."""

    __tablename__ = "client_credentials"
    __table_args__ = (
        UniqueConstraint("user_id", "provider", name="uq_client_credentials_provider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[str] = mapped_column(String(500))
    client_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PendingRevocation(Base):
    """A token still to revoke at the platform (it was offline at disconnect)."""

    __tablename__ = "pending_revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    # Part of the vault's associated data; the account row itself is gone.
    provider_account_id: Mapped[str] = mapped_column(String(200), default="")
    token: Mapped[bytes] = mapped_column(LargeBinary)
    token_kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""The tables of the local database (SQLAlchemy 2 Core, SQLite): the one schema.

The stores build every statement from these ``Table`` objects, and their column
types do the conversions. The schema on disk is created and changed only by
Alembic (``storage/migrations/versions``); a test keeps these tables equal to
the latest migration.

What the types write is what every version has written (SQLAlchemy's SQLite
formats), so databases of earlier versions read back unchanged:

- a datetime (:class:`UTCDateTime`): naive UTC text ``2024-05-01 12:00:00.000000``
  (year always four digits), read back timezone-aware UTC. The text sorts as the
  instants do, so SQL compares it directly (``expires_at < ?``);
- a date (``Date``): ``2024-05-01``;
- ``JSON``: ``json.dumps`` text.

Secret columns (``access_token``, ``refresh_token``, ``client_secret``,
``token``) are ``LargeBinary`` and hold vault ciphertext only, never plaintext.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = [
    "UTCDateTime",
    "api_cache",
    "audit_log",
    "check_columns",
    "client_credentials",
    "metadata",
    "metric_snapshots",
    "oauth_accounts",
    "pending_revocations",
    "users",
    "utcnow",
    "vault",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind this layer stores)."""
    return datetime.now(UTC)


def check_columns(table: Table, values: Mapping[str, Any]) -> None:
    """Refuse (``ValueError``) a name in ``values`` that is not a column of ``table``.

    An ``INSERT`` or ``UPDATE`` executed with parameters takes its columns from
    their names and passes over a name that matches none: a misspelt column
    would silently not be written.
    """
    unknown = values.keys() - table.c.keys()
    if unknown:
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as naive UTC; returns it aware (UTC).

    SQLite has no time zone type. Naive datetimes are refused (``ValueError``,
    which SQLAlchemy raises wrapped in a ``StatementError``) rather than
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


metadata = MetaData()

# A local user; the app creates one by default.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
)

# A connected platform account: its tokens (sealed) and its status.
oauth_accounts = Table(
    "oauth_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("provider", String(40), nullable=False, index=True),
    Column("provider_account_id", String(200), nullable=False),
    Column("access_token", LargeBinary, nullable=False),
    Column("refresh_token", LargeBinary),
    Column("expires_at", UTCDateTime()),
    Column("token_type", String(40)),
    Column("scope", Text),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("status", String(40), nullable=False, default="connected"),
    Column("status_reason", Text),
    Column("last_error", Text),
    Column("last_success_at", UTCDateTime()),
    Column("refresh_expires_at", UTCDateTime()),
    Column("retry_at", UTCDateTime()),
    Column("issued_at", UTCDateTime()),
    Column("username", String(200)),
    Column("display_name", String(200)),
    Column("avatar_url", Text),
    # Bumped on every token write, so the token manager can tell that another
    # process refreshed while it waited for the lock.
    Column("token_generation", Integer, nullable=False, default=0),
    UniqueConstraint(
        "user_id", "provider", "provider_account_id", name="uq_oauth_accounts_identity"
    ),
)

# One daily value of one metric; missing data is no row, never a NULL.
metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "account_id",
        ForeignKey("oauth_accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("metric", String(80), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source", String(200), nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False, default=utcnow),
    UniqueConstraint("account_id", "metric", "day", name="uq_metric_snapshots_point"),
)

# A cached API answer with its validators (ETag / Last-Modified).
api_cache = Table(
    "api_cache",
    metadata,
    Column("key", String(500), primary_key=True),
    Column("account_id", ForeignKey("oauth_accounts.id", ondelete="CASCADE"), index=True),
    Column("body", Text, nullable=False),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("fetched_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# A security event (connect, disconnect, refresh failed...). No secrets.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False, default=utcnow, index=True),
    Column("event", String(80), nullable=False),
    Column("provider", String(40)),
    Column("provider_account_id", String(200)),
    Column("detail", Text),
)

# The developer app credentials the user brings for one platform.
client_credentials = Table(
    "client_credentials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(40), nullable=False),
    Column("client_id", String(500), nullable=False),
    Column("client_secret", LargeBinary),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    UniqueConstraint("user_id", "provider", name="uq_client_credentials_provider"),
)

# A token still to revoke at the platform (it was offline at disconnect).
pending_revocations = Table(
    "pending_revocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(40), nullable=False),
    # Part of the vault's associated data; the account row itself is gone.
    Column("provider_account_id", String(200), nullable=False, default=""),
    Column("token", LargeBinary, nullable=False),
    Column("token_kind", String(40), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try_at", UTCDateTime()),
)

# The vault's identity (one row, made by the migration): the random id naming its
# keyring entry, the mode its key is kept in and the id of the key that seals the
# values above. Not secret; it lets a moved data directory find its key and a
# missing key be noticed instead of silently replaced.
vault = Table(
    "vault",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("vault_id", String(64), nullable=False),
    Column("mode", String(20)),
    Column("key_id", String(32)),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    CheckConstraint("id = 1", name="ck_vault_single_row"),
)

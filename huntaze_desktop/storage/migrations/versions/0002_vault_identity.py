"""The vault's identity, stored with the database it protects.

The keyring entry of the vault key used to be named from a hash of the data
directory's path, so a moved or copied data directory looked for a key that
was not there and quietly got a new one. From this revision the database
carries a random vault id (which names the keyring entry), the mode the key
is kept in and the id of the key its values are sealed with: a moved data
directory finds its key, and a missing key is noticed instead of replaced.

``mode`` and ``key_id`` start empty; the app fills them in at its next start
(adopting the key stored under the old path-derived name).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    vault = op.create_table(
        "vault",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vault_id", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20)),
        sa.Column("key_id", sa.String(32)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_vault_single_row"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        vault,
        [{"id": 1, "vault_id": uuid.uuid4().hex, "created_at": now, "updated_at": now}],
    )


def downgrade() -> None:
    op.drop_table("vault")

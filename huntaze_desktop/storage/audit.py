"""The audit log: security events (connect, disconnect, refresh failed...), no secrets.

Details are scrubbed before they are written: anything that looks like a
credential becomes ``[redacted]``.

Entries are kept for ``AUDIT_RETENTION_DAYS`` (365 days): the refresh loop prunes
older ones along with the API cache (``prune_audit``), so the log stays bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from huntaze_desktop.domain.retention import AUDIT_RETENTION_DAYS
from huntaze_desktop.storage.models import audit_log, utcnow

__all__ = [
    "AUDIT_RETENTION",
    "AUDIT_RETENTION_DAYS",
    "AuditEvent",
    "append_audit",
    "newest_audit_events",
    "prune_audit",
    "scrub_detail",
]

# How long an audit entry is kept (``domain.retention``: the UI states it too).
AUDIT_RETENTION = timedelta(days=AUDIT_RETENTION_DAYS)

_MAX_DETAIL = 500
# Anything that looks like a credential: long unbroken runs of token characters,
# and key=value pairs whose key names a secret.
_TOKENISH = re.compile(r"[A-Za-z0-9_\-.~+/=%]{24,}")
_SECRET_PAIR = re.compile(
    r"(?i)\b(access_token|refresh_token|id_token|token|code|client_secret|secret|password|"
    r"sess|auth_id|cookie|authorization)\b(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s&,;]+)"
)
_APPEND = insert(audit_log)
_NEWEST = select(
    audit_log.c.id,
    audit_log.c.at,
    audit_log.c.event,
    audit_log.c.provider,
    audit_log.c.provider_account_id,
    audit_log.c.detail,
).order_by(audit_log.c.id.desc())
_PRUNE = delete(audit_log).where(audit_log.c.at < bindparam("before", type_=audit_log.c.at.type))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit log."""

    id: int
    at: datetime
    event: str
    provider: str | None
    provider_account_id: str | None
    detail: str | None


def scrub_detail(detail: str | None) -> str | None:
    """Make an audit detail safe to keep: secret-looking parts become [redacted]."""
    if detail is None:
        return None
    cleaned = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", detail)
    cleaned = _TOKENISH.sub("[redacted]", cleaned)
    return cleaned[:_MAX_DETAIL]


def append_audit(
    conn: Connection,
    event: str,
    *,
    provider: str | None = None,
    provider_account_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one event (its detail scrubbed), in the caller's transaction."""
    conn.execute(
        _APPEND,
        {
            "at": utcnow(),
            "event": event,
            "provider": provider,
            "provider_account_id": provider_account_id,
            "detail": scrub_detail(detail),
        },
    )


def newest_audit_events(conn: Connection, limit: int) -> list[AuditEvent]:
    """Up to ``limit`` entries, the newest first."""
    rows = conn.execute(_NEWEST.limit(limit))
    return [AuditEvent(*row) for row in rows]


def prune_audit(conn: Connection, now: datetime | None = None) -> int:
    """Delete the entries older than ``AUDIT_RETENTION`` before ``now``; returns how many."""
    before = (now or utcnow()) - AUDIT_RETENTION
    return int(conn.execute(_PRUNE, {"before": before}).rowcount or 0)

"""How long the app keeps what it stores: stated in the README and on the Settings page."""

from __future__ import annotations

__all__ = ["AUDIT_RETENTION_DAYS"]

# Audit log entries (connected, disconnected, refresh failed...) older than this
# are deleted by the refresh loop's housekeeping (storage/audit.prune_audit).
AUDIT_RETENTION_DAYS = 365

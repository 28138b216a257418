"""Small pieces of the Analytics page: KPI tiles and per-account data notices."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from huntaze_desktop.core.analytics.aggregate import Kpi
from huntaze_desktop.core.models import Account, ConnectionStatus, Severity
from huntaze_desktop.ui.charts import format_value

__all__ = ["KpiTile", "account_issue", "age_text"]


class KpiTile(QFrame):
    """One headline number with its change (green up, red down, muted unknown)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(2)
        self.title = QLabel(title, self)
        self.title.setProperty("role", "muted")
        self.value = QLabel("—", self)
        self.value.setProperty("role", "kpiValue")
        self.value.setStyleSheet("font-size: 20pt; font-weight: 700;")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delta = QLabel("", self)
        self.delta.setProperty("role", "muted")
        for label in (self.title, self.value, self.delta):
            layout.addWidget(label)

    def show_kpi(self, kpis: list[Kpi], *, percent_only: bool = False, suffix: str = "") -> None:
        """Show the tile's values (one per currency for revenue); unknown is a dash."""
        known = [k for k in kpis if k.value is not None]
        if not known:
            self.value.setText("—")
            self.delta.setText("No data yet")
            self._colour(None)
            self.setAccessibleDescription("No data yet")
            return
        if percent_only:
            pct = known[0].delta_pct
            self.value.setText("—" if pct is None else f"{pct:+.1f}%")
            delta = known[0].delta
            self.delta.setText(
                "Not enough history" if delta is None else f"{format_value(delta)} {suffix}".strip()
            )
            self._colour(pct)
        else:
            self.value.setText("  ·  ".join(format_value(k.value or 0.0, k.unit) for k in known))
            first = known[0]
            if first.delta is None:
                self.delta.setText("No earlier period to compare")
                self._colour(None)
            else:
                sign: str = "+" if first.delta >= 0 else "\u2212"
                change = format_value(abs(first.delta), first.unit)
                pct_text = "" if first.delta_pct is None else f" ({first.delta_pct:+.1f}%)"
                self.delta.setText(f"{sign}{change}{pct_text} {suffix}".strip())
                self._colour(first.delta)
        self.setAccessibleDescription(f"{self.value.text()}, {self.delta.text()}")

    def _colour(self, change: float | None) -> None:
        if change is None or change == 0:
            self.delta.setStyleSheet("")
        elif change > 0:
            self.delta.setStyleSheet("color: #1F8A4C; font-weight: 600;")
        else:
            self.delta.setStyleSheet("color: #C5280C; font-weight: 600;")


def age_text(then: datetime | None, now: datetime) -> str:
    """``3 h``, ``12 min``, ``2 days`` — how old data is."""
    if then is None:
        return "not fetched yet"
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 90:
        return "a minute"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def account_issue(
    account: Account, platform: str, fetched_at: datetime | None, now: datetime, *, named: bool
) -> str | None:
    """The notice for an account whose data could not be refreshed, or None.

    e.g. ``Reddit data is 3 h old: rate limited until 14:05``.
    """
    if account.status.severity is Severity.OK:
        return None
    who = f"{platform} ({account.name})" if named else platform
    last = fetched_at or account.last_success_at
    old = f"{who} data is {age_text(last, now)} old" if last else f"{who} has no data yet"
    status = account.status
    if status is ConnectionStatus.RATE_LIMITED and account.retry_at is not None:
        return f"{old}: rate limited until {_local_time(account.retry_at)}"
    if status in (ConnectionStatus.OFFLINE, ConnectionStatus.DEGRADED) and account.retry_at:
        reason = (
            "unreachable" if status is ConnectionStatus.OFFLINE else "the platform has problems"
        )
        return f"{old}: {reason}, retrying at {_local_time(account.retry_at)}"
    if status.needs_user_action:
        return f"{old}: {status.label.lower()} — reconnect it on the Integrations page"
    return f"{old}: {account.last_error or status.label.lower()}"


def utcnow() -> datetime:
    return datetime.now(UTC)

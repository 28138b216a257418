"""Small pieces of the Analytics page: KPI tiles, their grid, an eliding combo box
and per-account data notices."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QLabel,
    QLayout,
    QLayoutItem,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.models import Account, ConnectionStatus, Severity
from huntaze_desktop.services.analytics.aggregate import Kpi
from huntaze_desktop.ui.charts import format_value
from huntaze_desktop.ui.theme import DARK, LIGHT

__all__ = ["ElidedComboBox", "KpiTile", "TileGrid", "account_issue", "age_text"]

# (up, down) colours of a change, readable on each theme's card surface.
_TREND = {False: ("#1F8A4C", LIGHT.danger), True: (DARK.ok_fg, DARK.danger)}
_THEME_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.StyleChange,
)


def _amount(value: float, unit: str | None = None) -> str:
    """A tile's number: "4,849.76 USD" never wraps between number and currency."""
    return format_value(value, unit).replace(" ", "\u00a0")


class KpiTile(QFrame):
    """One headline number with its change (green up, red down, muted unknown).

    Both lines wrap (between currencies, between words of the change) so a
    narrow window keeps the tile whole instead of widening the page.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setAccessibleName(title)
        self._change: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 12)
        layout.setSpacing(2)
        self.title = QLabel(title, self)
        self.title.setProperty("role", "muted")
        self.value = QLabel("—", self)
        self.value.setProperty("role", "kpiValue")
        self.value.setStyleSheet("font-size: 20pt; font-weight: 700;")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setWordWrap(True)
        self.delta = QLabel("", self)
        self.delta.setProperty("role", "muted")
        self.delta.setWordWrap(True)
        for label in (self.title, self.value, self.delta):
            layout.addWidget(label)
        layout.addStretch(1)

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
                "Not enough history" if delta is None else f"{_amount(delta)} {suffix}".strip()
            )
            self._colour(pct)
        else:
            self.value.setText("  ·  ".join(_amount(k.value or 0.0, k.unit) for k in known))
            first = known[0]
            if first.delta is None:
                self.delta.setText("No earlier period to compare")
                self._colour(None)
            else:
                sign: str = "+" if first.delta >= 0 else "\u2212"
                change = _amount(abs(first.delta), first.unit)
                pct_text = "" if first.delta_pct is None else f" ({first.delta_pct:+.1f}%)"
                self.delta.setText(f"{sign}{change}{pct_text} {suffix}".strip())
                self._colour(first.delta)
        self.setAccessibleDescription(
            f"{self.value.text()}, {self.delta.text()}".replace("\u00a0", " ")
        )

    def _colour(self, change: float | None) -> None:
        self._change = change
        if change is None or change == 0:
            self.delta.setStyleSheet("")
            return
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        up, down = _TREND[dark]
        self.delta.setStyleSheet(f"color: {up if change > 0 else down}; font-weight: 600;")

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch: the change keeps a colour readable on the new surface.
        if event.type() in _THEME_EVENTS and hasattr(self, "delta"):
            self._colour(self._change)
        super().changeEvent(event)


class TileGrid(QLayout):
    """KPI tiles in one row of four when they fit, else two by two (or one column).

    Tiles share a row's width equally; the layout answers ``heightForWidth`` so
    the page grows a row instead of clipping a tile, and its minimum width is
    two tiles side by side, so the page can be narrow.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 12) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def _tile_width(self) -> int:
        return max((i.minimumSize().width() for i in self._items), default=0)

    def columns(self, width: int) -> int:
        """How many tiles share a row at ``width`` (all, two, or one)."""
        n = len(self._items)
        tile = self._tile_width()
        for columns in (n, 2):
            if columns and columns * tile + (columns - 1) * self._gap <= width:
                return columns
        return 1

    def _rows(self, width: int) -> tuple[int, int, list[int]]:
        columns = self.columns(width)
        tile = (width - (columns - 1) * self._gap) // columns
        heights = []
        for start in range(0, len(self._items), columns):
            row = self._items[start : start + columns]
            heights.append(max(self._height(i, tile) for i in row))
        return columns, tile, heights

    @staticmethod
    def _height(item: QLayoutItem, width: int) -> int:
        if item.hasHeightForWidth():
            return max(item.heightForWidth(width), item.minimumSize().height())
        return item.sizeHint().height()

    def heightForWidth(self, width: int) -> int:
        _, _, heights = self._rows(width)
        return sum(heights) + self._gap * max(0, len(heights) - 1)

    def sizeHint(self) -> QSize:
        n = len(self._items)
        width = sum(i.sizeHint().width() for i in self._items) + self._gap * max(0, n - 1)
        return QSize(width, self.heightForWidth(width))

    def minimumSize(self) -> QSize:
        columns = min(2, len(self._items))
        width = columns * self._tile_width() + self._gap * max(0, columns - 1)
        return QSize(width, self.heightForWidth(width))

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        columns, tile, heights = self._rows(rect.width())
        y = rect.y()
        for row, height in enumerate(heights):
            for slot, item in enumerate(self._items[row * columns : (row + 1) * columns]):
                x = rect.x() + slot * (tile + self._gap)
                item.setGeometry(QRect(x, y, tile, height))
            y += height + self._gap


class ElidedComboBox(QComboBox):
    """A combo box that shows a long choice cut short with "…" (the full text is
    its tooltip) instead of growing wider than the page."""

    def __init__(self, parent: QWidget | None = None, *, chars: int = 14) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(chars)
        self.currentTextChanged.connect(self.setToolTip)

    def paintEvent(self, event: object) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def age_text(then: datetime | None, now: datetime) -> str:
    """``under a minute``, ``12 min``, ``3 h``, ``2 days`` — how old data is."""
    if then is None:
        return "not fetched yet"
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def _clause(message: str) -> str:
    """A user-safe error sentence as the tail of ours: ``Stored credentials could
    not be read.`` → ``stored credentials could not be read``."""
    text = message.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def account_issue(
    account: Account, platform: str, fetched_at: datetime | None, now: datetime, *, named: bool
) -> str | None:
    """The notice for an account whose data could not be refreshed, or None.

    One sentence: how old the numbers are, then why and what happens next, e.g.
    ``Reddit data is 3 h old: rate limited until 14:05`` or ``Reddit data is 3 h
    old: sign in again on the Integrations page``.
    """
    if account.status.severity is Severity.OK:
        return None
    who = f"{platform} ({account.name})" if named else platform
    last = fetched_at or account.last_success_at
    old = f"{who} data is {age_text(last, now)} old" if last else f"{who} has no data yet"
    status = account.status
    retry = f"retrying at {_local_time(account.retry_at)}" if account.retry_at else None
    if status is ConnectionStatus.RATE_LIMITED:
        until = f"until {_local_time(account.retry_at)}" if account.retry_at else "for now"
        return f"{old}: rate limited {until}"
    if status is ConnectionStatus.OFFLINE:
        return f"{old}: {platform} can't be reached, {retry or 'check your connection'}"
    if status is ConnectionStatus.DEGRADED:
        return f"{old}: {platform} is having problems, {retry or 'retrying shortly'}"
    if status is ConnectionStatus.NEEDS_RECONNECT:
        return f"{old}: sign in again on the Integrations page"
    if status is ConnectionStatus.EXPIRED:
        return f"{old}: the sign-in expired, reconnect on the Integrations page"
    if status is ConnectionStatus.APP_CREDENTIALS_REJECTED:
        return f"{old}: {platform} rejected the app credentials, check them in Settings"
    if status is ConnectionStatus.ERROR and account.last_error:
        return f"{old}: {_clause(account.last_error)} (see the Integrations page)"
    return f"{old}: see the Integrations page"


def utcnow() -> datetime:
    return datetime.now(UTC)

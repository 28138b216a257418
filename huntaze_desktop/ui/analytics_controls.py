"""The Analytics page's controls row: the date range and the chart filters.

Range buttons (7, 30, 90 days, Custom) and the custom date fields flow left; the
metric, grouping and account filters hug the right edge and move under them when
the page is too narrow for one line (``ActionRow``). The row keeps the range
state and tells the page what changed; it loads and draws nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from huntaze_desktop.domain.series import MetricKind
from huntaze_desktop.ui import theme
from huntaze_desktop.ui.action_row import ActionRow
from huntaze_desktop.ui.analytics_widgets import ElidedComboBox

__all__ = ["CHART_KINDS", "RANGES", "AnalyticsControls"]

RANGES = {"7 days": 7, "30 days": 30, "90 days": 90}
CHART_KINDS = (MetricKind.AUDIENCE, MetricKind.REACH, MetricKind.ENGAGEMENT, MetricKind.REVENUE)
_ALL_ACCOUNTS = -1


class AnalyticsControls(QWidget):
    """Range and filters of the Analytics page (``AnalyticsControls(today, parent)``).

    ``today`` says which day the ranges end on. ``rangeChanged`` fires whenever
    a range is chosen (even the same one again: the page reloads then);
    ``filtersChanged`` when the metric, the grouping or the account filter
    changes, but not when ``set_accounts`` refills the account list.
    """

    rangeChanged = Signal()
    filtersChanged = Signal()

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._days = 30
        self._custom: tuple[date, date] | None = None

        row = ActionRow(self, spacing=6)
        self.range_group = QButtonGroup(self)
        self.range_buttons: dict[str, QPushButton] = {}
        for label in [*RANGES, "Custom"]:
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setProperty("role", "nav")
            button.setMinimumWidth(84)
            button.setAccessibleName(f"Range {label}")
            self.range_group.addButton(button)
            self.range_buttons[label] = button
            row.addWidget(button)
        self.range_buttons["30 days"].setChecked(True)
        self.range_group.buttonClicked.connect(self._on_range_button)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit, name in ((self.from_edit, "From"), (self.to_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            theme.pad_spin_box(edit)
            # The inset is not in the size hint: room for the widest date, inset and arrow.
            widest = edit.fontMetrics().horizontalAdvance("28 Sep 2026")
            edit.setMinimumWidth(widest + 11 + 84)
            edit.hide()
            edit.dateChanged.connect(self._on_custom_dates)
            row.addWidget(edit)

        filters = QWidget(self)
        filters_row = QHBoxLayout(filters)
        filters_row.setContentsMargins(0, 0, 0, 0)
        filters_row.setSpacing(6)
        self.kind_combo = QComboBox(filters)
        self.kind_combo.setAccessibleName("Metric")
        for kind in CHART_KINDS:
            self.kind_combo.addItem(kind.label, kind.value)
        filters_row.addWidget(self.kind_combo)
        self.group_combo = QComboBox(filters)
        self.group_combo.setAccessibleName("One line per")
        self.group_combo.addItem("By platform", False)
        self.group_combo.addItem("By account", True)
        filters_row.addWidget(self.group_combo)
        # "@moonlight.studio · Instagram" is cut short with "…" (full text in the tooltip).
        self.account_combo = ElidedComboBox(filters, chars=14)
        self.account_combo.setAccessibleName("Accounts shown")
        self.account_combo.addItem("All accounts", _ALL_ACCOUNTS)
        filters_row.addWidget(self.account_combo)
        for combo in (self.kind_combo, self.group_combo, self.account_combo):
            combo.currentIndexChanged.connect(lambda *_: self.filtersChanged.emit())
        row.add_trailing(filters)

    # -- range ----------------------------------------------------------------------

    def date_range(self) -> tuple[date, date]:
        """The first and last day shown (both included)."""
        if self._custom is not None:
            return self._custom
        end = self._today()
        return end - timedelta(days=self._days - 1), end

    def set_range_days(self, days: int) -> None:
        """Show the last ``days`` days (7, 30, 90, or any other)."""
        self._custom = None
        self._days = days
        for label, button in self.range_buttons.items():
            button.setChecked(RANGES.get(label) == days)
        for edit in (self.from_edit, self.to_edit):
            edit.hide()
        self.rangeChanged.emit()

    def set_custom_range(self, start: date, end: date) -> None:
        """Show ``start`` to ``end`` (either order) in the date fields."""
        start, end = min(start, end), max(start, end)
        self._custom = (start, end)
        self.range_buttons["Custom"].setChecked(True)
        for edit, value in ((self.from_edit, start), (self.to_edit, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)
            edit.show()
        self.rangeChanged.emit()

    def _on_range_button(self, button: QPushButton) -> None:
        label = button.text()
        if label in RANGES:
            self.set_range_days(RANGES[label])
        else:
            start, end = self.date_range()
            self.set_custom_range(start, end)

    def _on_custom_dates(self, *_: object) -> None:
        start = self.from_edit.date().toPython()
        end = self.to_edit.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        self.set_custom_range(start, end)

    # -- filters --------------------------------------------------------------------

    def selected_kind(self) -> MetricKind:
        return MetricKind(self.kind_combo.currentData())

    def by_account(self) -> bool:
        """One line per account (True) or per platform (False)."""
        return bool(self.group_combo.currentData())

    def chosen_account(self) -> int | None:
        """The one account shown, or None for all of them."""
        chosen = self.account_combo.currentData()
        return None if chosen in (None, _ALL_ACCOUNTS) else int(chosen)

    def set_accounts(self, accounts: Iterable[tuple[int, str]]) -> None:
        """Offer these ``(id, label)`` accounts; the chosen one stays chosen if offered."""
        current = self.account_combo.currentData()
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        self.account_combo.addItem("All accounts", _ALL_ACCOUNTS)
        for account_id, label in accounts:
            self.account_combo.addItem(label, account_id)
        index = self.account_combo.findData(current)
        self.account_combo.setCurrentIndex(max(0, index))
        self.account_combo.blockSignals(False)

    def choose_account(self, account_id: int) -> None:
        """Show only ``account_id`` if it is offered (``filtersChanged`` follows)."""
        index = self.account_combo.findData(account_id)
        if index >= 0:
            self.account_combo.setCurrentIndex(index)

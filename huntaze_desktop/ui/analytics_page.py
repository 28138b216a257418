"""The Analytics page: KPI tiles, a time-series chart, filters, issues and export.

It opens from what is stored (``AnalyticsService.load`` reads only the database),
then follows the background refresh: ``RefreshProgress`` events drive the spinner
and reload the numbers as accounts finish. Nothing here invents a number: with no
account connected it shows the "Connect your accounts" empty state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.events import AccountChanged, RefreshProgress
from huntaze_desktop.domain.series import MetricKind
from huntaze_desktop.services.analytics.aggregate import Line, group_lines, kpis
from huntaze_desktop.services.analytics.export import line_labels, write_csv
from huntaze_desktop.services.analytics.service import AnalyticsData
from huntaze_desktop.ui.analytics_controls import RANGES, AnalyticsControls
from huntaze_desktop.ui.analytics_widgets import KpiTile, TileGrid, account_issue, utcnow
from huntaze_desktop.ui.bus_bridge import BusBridge
from huntaze_desktop.ui.charts import TimeSeriesChart
from huntaze_desktop.ui.empty_state import EmptyState
from huntaze_desktop.ui.spinner import Spinner
from huntaze_desktop.ui.tasks import run_task

if TYPE_CHECKING:
    from huntaze_desktop.runtime import Runtime

__all__ = ["RANGES", "AnalyticsPage"]

log = logging.getLogger("huntaze.ui.analytics")

NO_ACCOUNTS_TIP = "Connect an account first"
REFRESH_TIP = "Fetch the latest numbers from every platform"
EXPORT_TIP = "Save the numbers shown in the chart as a CSV file"


class AnalyticsPage(QWidget):
    """Analytics across every connected account (``AnalyticsPage(runtime, parent)``)."""

    integrationsRequested = Signal()
    loaded = Signal()

    def __init__(self, runtime: Runtime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.analytics = runtime.analytics
        self.scheduler = runtime.scheduler
        self.data: AnalyticsData | None = None
        self.shown_lines: list[Line] = []
        self._loading = False
        self._reload_again = False
        self._active = dict(runtime.settings.active_accounts)
        # Where to save the CSV: the suggested path in, the chosen one out ("" = cancelled).
        # Tests set their own chooser instead of driving a modal file dialog.
        self.choose_export_path: Callable[[str], str] = self._ask_export_path
        self.setAccessibleName("Analytics page")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 28, 32, 24)
        outer.setSpacing(14)
        outer.addLayout(self._build_header())
        self.stack = QStackedWidget(self)
        outer.addWidget(self.stack, 1)
        self.empty = self._build_empty()
        self.content = self._build_content()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.content)
        self._set_actions_enabled(False)  # until the stored accounts are read

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(400)
        self._reload_timer.timeout.connect(self.reload)
        self.bridge = BusBridge(runtime.bus, self)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.accountChanged.connect(self._on_account_changed)
        self.bridge.accountRemoved.connect(lambda *_: self._reload_timer.start())
        self._set_busy(self.scheduler.busy)
        QTimer.singleShot(0, self.reload)

    # -- construction ---------------------------------------------------------------

    def _build_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = QLabel("Analytics", self)
        title.setProperty("role", "title")
        titles.addWidget(title)
        self.updated_label = QLabel("", self)
        self.updated_label.setProperty("role", "subtitle")
        self.updated_label.setAccessibleName("Last updated")
        titles.addWidget(self.updated_label)
        row.addLayout(titles)
        row.addStretch(1)
        self.spinner = Spinner(16, self)
        self.spinner.setAccessibleName("Refreshing")
        self.spinner.hide()
        row.addWidget(self.spinner)
        self.progress_label = QLabel("", self)
        self.progress_label.setProperty("role", "muted")
        row.addWidget(self.progress_label)
        self.export_button = QPushButton("Export CSV", self)
        self.export_button.setToolTip(EXPORT_TIP)
        self.export_button.clicked.connect(self._choose_export)
        row.addWidget(self.export_button)
        self.refresh_button = QPushButton("Refresh now", self)
        self.refresh_button.setProperty("role", "primary")
        self.refresh_button.setToolTip(REFRESH_TIP)
        self.refresh_button.clicked.connect(self.refresh_now)
        row.addWidget(self.refresh_button)
        return row

    def _build_empty(self) -> QWidget:
        box = EmptyState(
            "Connect your accounts",
            "Audience, reach, engagement and revenue from your connected accounts "
            "appear here, side by side.",
            self,
            centered=True,
            action="Go to Integrations",
        )
        assert box.button is not None
        self.connect_button = box.button
        self.connect_button.clicked.connect(self.integrationsRequested)
        return box

    def _build_content(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)

        self.controls = AnalyticsControls(self.today, page)
        self.controls.rangeChanged.connect(self.reload)
        self.controls.filtersChanged.connect(self.render_data)
        column.addWidget(self.controls)
        # The controls' widgets under the names tests and benchmarks use.
        self.range_buttons = self.controls.range_buttons
        self.from_edit, self.to_edit = self.controls.from_edit, self.controls.to_edit
        self.kind_combo = self.controls.kind_combo
        self.group_combo = self.controls.group_combo
        self.account_combo = self.controls.account_combo

        self.issues = QLabel("", page)
        self.issues.setObjectName("AnalyticsIssues")
        self.issues.setWordWrap(True)
        self.issues.setProperty("role", "error")
        self.issues.setAccessibleName("Data problems")
        self.issues.hide()
        column.addWidget(self.issues)

        tiles = TileGrid(spacing=12)
        self.tile_audience = KpiTile("Total audience", page)
        self.tile_growth = KpiTile("Audience growth", page)
        self.tile_engagement = KpiTile("Engagement", page)
        self.tile_revenue = KpiTile("Revenue", page)
        for tile in (self.tile_audience, self.tile_growth, self.tile_engagement, self.tile_revenue):
            tiles.addWidget(tile)
        column.addLayout(tiles)

        card = QFrame(page)
        card.setObjectName("Card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(12, 12, 12, 10)
        self.chart = TimeSeriesChart(card)
        inner.addWidget(self.chart, 1)
        self.notes = QLabel("", card)
        self.notes.setProperty("role", "note")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Chart notes")
        inner.addWidget(self.notes)
        column.addWidget(card, 1)
        return page

    # -- range ----------------------------------------------------------------------

    def today(self) -> date:
        return self.analytics.today() if self.analytics is not None else date.today()

    def date_range(self) -> tuple[date, date]:
        return self.controls.date_range()

    def set_range_days(self, days: int) -> None:
        """Show the last ``days`` days (7, 30, 90, or any other)."""
        self.controls.set_range_days(days)

    def set_custom_range(self, start: date, end: date) -> None:
        self.controls.set_custom_range(start, end)

    # -- loading --------------------------------------------------------------------

    def reload(self) -> None:
        """Read the stored numbers for the range (database only) and show them."""
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        start, end = self.date_range()
        run_task(self.analytics.load(start, end), on_done=self._on_loaded, on_error=self._on_error)

    def _on_loaded(self, data: AnalyticsData) -> None:
        self._loading = False
        self.data = data
        self._fill_accounts()
        self.render_data()
        self.loaded.emit()
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def _on_error(self, message: str) -> None:
        self._loading = False
        self.issues.setText(message)
        self.issues.show()

    def _show_empty(self) -> None:
        self.stack.setCurrentWidget(self.empty)
        self._set_actions_enabled(False)
        self.updated_label.setText("No accounts connected")

    def _set_actions_enabled(self, enabled: bool) -> None:
        """Export and Refresh need an account; disabled, they say so."""
        self.export_button.setEnabled(enabled)
        self.export_button.setToolTip(EXPORT_TIP if enabled else NO_ACCOUNTS_TIP)
        self.refresh_button.setEnabled(enabled)
        self.refresh_button.setToolTip(REFRESH_TIP if enabled else NO_ACCOUNTS_TIP)
        # The primary look has no disabled state of its own: drop it while disabled.
        role = "primary" if enabled else None
        if self.refresh_button.property("role") != role:
            self.refresh_button.setProperty("role", role)
            self.refresh_button.style().unpolish(self.refresh_button)
            self.refresh_button.style().polish(self.refresh_button)

    def _labels(self) -> dict[str, str]:
        # Shared with `analytics export`: the CSV's columns are named as the legend is.
        return line_labels(self.runtime.specs, self.data.accounts if self.data else [])

    def _fill_accounts(self) -> None:
        assert self.data is not None
        labels = self._labels()
        self.controls.set_accounts((a.id, labels[f"account:{a.id}"]) for a in self.data.accounts)

    # -- rendering ------------------------------------------------------------------

    def selected_kind(self) -> MetricKind:
        return self.controls.selected_kind()

    def render_data(self) -> None:
        """Aggregate the loaded frame for the current choices and draw it."""
        data = self.data
        if data is None or not data.accounts:
            self._show_empty()
            return
        self.stack.setCurrentWidget(self.content)
        self._set_actions_enabled(True)
        chosen = self.controls.chosen_account()
        ids = [a.id for a in data.accounts] if chosen is None else [chosen]
        frame = data.frame.window(data.start, data.end)
        labels = self._labels()
        lines = group_lines(
            frame,
            self.selected_kind(),
            by_account=self.controls.by_account(),
            providers=data.providers,
            labels=labels,
            account_filter=ids,
        )
        self.shown_lines = lines
        self.chart.set_lines(frame.epoch_seconds(), lines)
        names = {a.id: labels[f"account:{a.id}"] for a in data.accounts}
        notes = [n for line in lines if (n := line.gap_note(names, frame.start))]
        if not lines:
            notes.insert(0, f"No {self.selected_kind().label.lower()} data for this range yet.")
        elif all(int((~np.isnan(line.values)).sum()) < 2 for line in lines):
            notes.insert(
                0,
                "History builds up from here: one snapshot a day while Huntaze runs "
                "(earlier days are shown where the platform offers them).",
            )
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        tiles = kpis(data.frame, data.start, data.end, ids)
        self.tile_audience.show_kpi(tiles[MetricKind.AUDIENCE], suffix="over the range")
        self.tile_growth.show_kpi(tiles[MetricKind.AUDIENCE], percent_only=True, suffix="followers")
        self.tile_engagement.show_kpi(tiles[MetricKind.ENGAGEMENT], suffix="vs previous period")
        self.tile_revenue.show_kpi(tiles[MetricKind.REVENUE], suffix="vs previous period")
        self._show_issues(ids)
        updated = data.last_updated
        self.updated_label.setText(
            "Not fetched yet"
            if updated is None
            else f"Last updated {updated.astimezone().strftime('%d %b %Y, %H:%M')}"
        )

    def _show_issues(self, ids: list[int]) -> None:
        assert self.data is not None
        labels = self._labels()
        now = utcnow()
        counts: dict[str, int] = {}
        for account in self.data.accounts:
            counts[account.provider] = counts.get(account.provider, 0) + 1
        issues = []
        for account in self.data.accounts:
            if account.id not in ids:
                continue
            text = account_issue(
                account,
                labels.get(account.provider, account.provider),
                self.data.fetched_at.get(account.id),
                now,
                named=counts[account.provider] > 1,
            )
            if text:
                issues.append(text)
        self.issues.setText("\n".join(issues))
        self.issues.setVisible(bool(issues))

    # -- refresh --------------------------------------------------------------------

    def refresh_now(self) -> None:
        """The "Refresh now" button: the scheduler debounces repeated clicks."""
        if self.scheduler.refresh_now():
            self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        self.spinner.setVisible(busy)
        if not busy:
            self.progress_label.setText("")

    def _on_progress(self, event: RefreshProgress) -> None:
        busy = event.done < event.total
        self._set_busy(busy)
        if busy:
            self.progress_label.setText(f"Refreshing {event.done} of {event.total}")
        if event.account_id is not None:
            self._reload_timer.start()

    def _on_account_changed(self, event: AccountChanged) -> None:
        # Follow the account switcher: a filter on one platform's account moves
        # to the account the user made active there.
        active = dict(self.runtime.settings.active_accounts)
        provider = event.provider
        chosen = self.controls.chosen_account()
        if (
            provider
            and self.data is not None
            and active.get(provider) != self._active.get(provider)
            and chosen is not None
            and self.data.providers.get(chosen) == provider
        ):
            self.controls.choose_account(active[provider])
        self._active = active
        self._reload_timer.start()

    # -- export ---------------------------------------------------------------------

    def export_csv(self, path: Path) -> int:
        """Write the lines shown (one column each; empty cell = no data). Returns rows."""
        if self.data is None:
            return 0
        return write_csv(path, self.data.start, self.data.end, self.shown_lines)

    def _choose_export(self) -> None:
        kind = self.selected_kind().value
        start, end = self.date_range()
        suggested = f"huntaze-{kind}-{start.isoformat()}-{end.isoformat()}.csv"
        path = self.choose_export_path(str(Path.home() / suggested))
        if not path or self.data is None:
            return
        target = Path(path)
        # The write (and its fsync, slow on a network or USB drive) runs on a
        # worker thread, over what the chart shows now.
        data, lines = self.data, list(self.shown_lines)
        self.export_button.setEnabled(False)
        self.progress_label.setText(f"Saving {target.name}…")
        run_task(self._write_export(target, data, lines), on_done=self._on_exported)

    @staticmethod
    async def _write_export(target: Path, data: AnalyticsData, lines: list[Line]) -> str:
        try:
            rows = await asyncio.to_thread(write_csv, target, data.start, data.end, lines)
        except OSError as exc:
            log.warning("CSV export failed: %s", exc.strerror)
            return f"Could not save the CSV: {exc.strerror or 'write error'}."
        return f"Saved {rows} rows to {target.name}"

    def _on_exported(self, message: str) -> None:
        self.progress_label.setText(message)
        # Export follows Refresh's rule (an account is needed), which may have changed.
        self.export_button.setEnabled(self.refresh_button.isEnabled())

    def _ask_export_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", suggested, "CSV files (*.csv)")
        return path

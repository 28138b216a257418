"""The analytics time-series chart (pyqtgraph): one line per group, gaps as gaps.

Values arrive with NaN for days nothing was recorded; lines are drawn with
``connect="finite"`` so a gap is a break in the line, never a dive to zero.
Hovering shows a guide line and the exact value of every line on that day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from huntaze_desktop.core.analytics.aggregate import Line

__all__ = ["SERIES_COLOURS", "TimeSeriesChart", "format_value"]

# Distinguishable in light and dark themes (Okabe-Ito inspired, then extras).
SERIES_COLOURS = (
    "#3B82F6",
    "#E4572E",
    "#17A398",
    "#B15DD8",
    "#F2A541",
    "#2F4858",
    "#D64C8F",
    "#7BB661",
    "#8C6D46",
    "#5C7AEA",
)


def format_value(value: float, unit: str | None = None) -> str:
    """1234567 → ``1,234,567``; money keeps two decimals and its currency."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit:
        return f"{value:,.2f} {unit}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


class TimeSeriesChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """Daily lines over a date axis, with a hover guide and exact values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.setAccessibleName("Analytics chart")
        self.setMinimumHeight(280)
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()
        self.getPlotItem().setMouseEnabled(x=False, y=False)
        self.showGrid(x=False, y=True, alpha=0.15)
        self._legend = self.addLegend(offset=(10, 6), labelTextSize="9pt")
        self._x = np.zeros(0)
        self._lines: list[Line] = []
        self._items: list[pg.PlotDataItem] = []
        self._guide = pg.InfiniteLine(angle=90, movable=False)
        self._guide.setZValue(50)
        self._label = pg.TextItem(anchor=(0, 0))
        self._label.setZValue(60)
        for item in (self._guide, self._label):
            item.hide()
            self.addItem(item, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse)
        self.apply_palette()

    # -- data ---------------------------------------------------------------------

    def set_lines(self, x: np.ndarray, lines: Sequence[Line]) -> None:
        """Draw ``lines`` over ``x`` (epoch seconds of each day)."""
        plot = self.getPlotItem()
        for item in self._items:
            plot.removeItem(item)
        self._legend.clear()
        self._items = []
        self._x = np.asarray(x, dtype=np.float64)
        self._lines = list(lines)
        if len(self._lines) > len(SERIES_COLOURS):
            self._draw_many()
        else:
            for index, line in enumerate(self._lines):
                self._draw_one(index, line)
        self._legend.setVisible(0 < len(self._lines) <= 12)
        self._guide.hide()
        self._label.hide()
        if self._x.size:
            plot.setXRange(float(self._x[0]), float(self._x[-1]), padding=0.02)
        plot.enableAutoRange(axis="y")

    def _draw_one(self, index: int, line: Line) -> None:
        colour = QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
        pen = pg.mkPen(colour, width=2.2)
        item = pg.PlotDataItem(self._x, line.values, pen=pen, connect="finite", name=line.label)
        self.getPlotItem().addItem(item)
        self._items.append(item)
        # A day with no neighbour draws no segment: show it as a dot instead.
        finite = ~np.isnan(line.values)
        lonely = finite.copy()
        lonely[1:] &= ~finite[:-1]
        lonely[:-1] &= ~finite[1:]
        if lonely.any():
            dots = pg.ScatterPlotItem(
                self._x[lonely], line.values[lonely], size=7, pen=pen, brush=pg.mkBrush(colour)
            )
            self.getPlotItem().addItem(dots)
            self._items.append(dots)

    def _draw_many(self) -> None:
        """Hundreds of lines: one path per colour (NaN breaks between lines), no legend.

        Two hundred separate items cost a relayout and a path each; ten joined
        paths draw the same picture several times faster.
        """
        count = len(SERIES_COLOURS)
        gap = np.array([np.nan])
        for colour_index in range(min(count, len(self._lines))):
            members = self._lines[colour_index::count]
            xs = np.concatenate([np.concatenate([self._x, gap]) for _ in members])
            ys = np.concatenate([np.concatenate([m.values, gap]) for m in members])
            pen = pg.mkPen(QColor(SERIES_COLOURS[colour_index]), width=1.2)
            item = pg.PlotDataItem(xs, ys, pen=pen, connect="finite", antialias=False)
            self.getPlotItem().addItem(item)
            self._items.append(item)

    def lines(self) -> list[Line]:
        return list(self._lines)

    def hover_text(self, index: int) -> str:
        """What the hover label says for day ``index`` (exact values, gaps named)."""
        if not 0 <= index < self._x.size:
            return ""
        day = datetime.fromtimestamp(float(self._x[index]), UTC).date()
        rows = [day.strftime("%a %d %b %Y")]
        for line in self._lines[:12]:
            value = float(line.values[index])
            text = "no data" if math.isnan(value) else format_value(value, line.unit)
            rows.append(f"{line.label}: {text}")
        if len(self._lines) > 12:
            rows.append(f"and {len(self._lines) - 12} more")
        return "\n".join(rows)

    def hover_at_index(self, index: int) -> str:
        """Show the guide and label on day ``index`` (mouse moves call this)."""
        text = self.hover_text(index)
        if not text:
            self._guide.hide()
            self._label.hide()
            return ""
        x = float(self._x[index])
        self._guide.setPos(x)
        self._label.setText(text)
        (x0, x1), (_y0, y1) = self.getPlotItem().viewRange()
        # Keep the label inside the plot: flip to the left half past the middle.
        self._label.setAnchor((1, 0) if x > (x0 + x1) / 2 else (0, 0))
        self._label.setPos(x, y1)
        self._guide.show()
        self._label.show()
        return text

    def _on_mouse(self, pos: QPointF) -> None:
        plot = self.getPlotItem()
        if not self._x.size or not plot.sceneBoundingRect().contains(pos):
            self._guide.hide()
            self._label.hide()
            return
        x = plot.vb.mapSceneToView(pos).x()
        index = int(np.clip(np.searchsorted(self._x, x), 0, self._x.size - 1))
        if index > 0 and abs(self._x[index - 1] - x) < abs(self._x[index] - x):
            index -= 1
        self.hover_at_index(index)

    # -- look ---------------------------------------------------------------------

    def apply_palette(self) -> None:
        """Follow the application palette (light or dark theme)."""
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        self.setBackground(base)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setPen(pg.mkPen(muted))
            axis.setTextPen(pg.mkPen(text))
        self._guide.setPen(pg.mkPen(muted, width=1, style=Qt.PenStyle.DashLine))
        self._label.fill = pg.mkBrush(base)
        self._label.border = pg.mkPen(muted)
        self._label.setColor(text)
        self._legend.setLabelTextColor(text)

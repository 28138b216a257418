"""The analytics time-series chart (pyqtgraph): one line per group, gaps as gaps.

Values arrive with NaN for days nothing was recorded; lines are drawn with
``connect="finite"`` so a gap is a break in the line, never a dive to zero.
Hovering shows a guide line and the exact value of every line on that day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from huntaze_desktop.services.analytics.aggregate import Line

__all__ = [
    "LEGEND_LIMIT",
    "SERIES_COLOURS",
    "DayAxis",
    "TimeSeriesChart",
    "ValueAxis",
    "format_value",
]

# A theme switch reaches a widget as one of these (palette, or style sheet repolish).
_THEME_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.StyleChange,
)

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


DAY = 86_400.0
_EPOCH = date(1970, 1, 1)


class DayAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A bottom axis of whole days (x = midnight UTC), labelled ``26 Nov``.

    The tick step grows with the range and shrinks with the pixels: daily,
    every 2 days, weekly (Mondays), fortnightly, then the first of every 1, 2,
    3 or 6 months (``Nov``, with the year on January and on the first label), so
    labels never crowd whatever the window width.
    """

    DAY_LABEL_PX = 64  # room one "26 Nov" label wants, gap included
    MONTH_LABEL_PX = 76

    def __init__(self, **kwargs: object) -> None:
        super().__init__(orientation="bottom", **kwargs)

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal or size <= 0:
            return []
        first, last = math.ceil(minVal / DAY), math.floor(maxVal / DAY)
        span = max(1, last - first + 1)
        for step in (1, 2, 7, 14):
            if span / step * self.DAY_LABEL_PX <= size:
                # Weekly ticks fall on Mondays (1970-01-05 was one).
                anchor = 4 if step in (7, 14) else 0
                start = first + (anchor - first) % step
                return [(step * DAY, [d * DAY for d in range(start, last + 1, step)])]
        months = span / 30.4
        step = next((m for m in (1, 2, 3, 6) if months / m * self.MONTH_LABEL_PX <= size), 12)
        day = _EPOCH + timedelta(days=first)
        # Months counted from year 0; the first whole month, on a multiple of the step.
        index = day.year * 12 + day.month - 1 + (day.day != 1)
        index += -index % step
        ticks = []
        while (at := (date(index // 12, index % 12 + 1, 1) - _EPOCH).days) <= last:
            ticks.append(at * DAY)
            index += step
        return [(step * 30.4 * DAY, ticks)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        days = [_EPOCH + timedelta(days=round(v / DAY)) for v in values]
        if spacing < 28 * DAY:
            return [f"{d.day} {d:%b}" for d in days]
        return [
            f"{d:%b %Y}" if index == 0 or d.month == 1 else f"{d:%b}"
            for index, d in enumerate(days)
        ]


class ValueAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A left axis that writes ``60,000`` (grouped digits), decimals only when needed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(orientation="left", **kwargs)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        places = max(0, -math.floor(math.log10(spacing * scale))) if spacing > 0 else 0
        return [f"{v * scale:,.{places}f}" for v in values]


# Past this many lines the chart draws one path per colour and shows no legend.
LEGEND_LIMIT = 12


class TimeSeriesChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    """Daily lines over a date axis, with a hover guide and exact values.

    Drawing is what the Analytics page waits for, so the plot items are made
    once and reused: up to ``LEGEND_LIMIT`` lines get one item each (with a
    legend entry); more lines are joined into one path per colour. Colours
    follow the application palette live (light/dark).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": DayAxis(), "left": ValueAxis()})
        self.setAccessibleName("Analytics chart")
        # Small enough that the page fits a 1000x700 window; it grows with it.
        self.setMinimumHeight(150)
        self.setMenuEnabled(False)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        self.showGrid(x=False, y=True, alpha=0.15)
        self._legend = self.addLegend(offset=(10, 6), labelTextSize="9pt")
        self._x = np.zeros(0)
        self._lines: list[Line] = []
        # Reused across redraws (see the class docstring); hidden when unused.
        self._curves: list[pg.PlotDataItem] = []
        self._dots: list[pg.ScatterPlotItem] = []
        self._bundles: list[pg.PlotDataItem] = []
        self._guide = pg.InfiniteLine(angle=90, movable=False)
        self._guide.setZValue(50)
        self._label = pg.TextItem(anchor=(0, 0))
        self._label.setZValue(60)
        for item in (self._guide, self._label):
            item.hide()
            self.addItem(item, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse)
        self.apply_palette()
        self._styled = True

    # -- data ---------------------------------------------------------------------

    def set_lines(self, x: np.ndarray, lines: Sequence[Line]) -> None:
        """Draw ``lines`` over ``x`` (epoch seconds of each day)."""
        plot = self.getPlotItem()
        # One range update at the end, not one per item.
        plot.vb.disableAutoRange()
        self._x = np.asarray(x, dtype=np.float64)
        self._lines = list(lines)
        many = len(self._lines) > LEGEND_LIMIT
        self._draw_each([] if many else self._lines)
        self._draw_joined(self._lines if many else [])
        self._guide.hide()
        self._label.hide()
        if self._x.size:
            plot.setXRange(float(self._x[0]), float(self._x[-1]), padding=0.02)
        plot.enableAutoRange(axis="y")

    def _draw_each(self, lines: Sequence[Line]) -> None:
        """One item per line, named in the legend; a lonely day is a dot."""
        plot = self.getPlotItem()
        while len(self._curves) < len(lines):
            index = len(self._curves)
            colour = QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
            # A second round of colours is dashed so the legend stays unambiguous.
            style = Qt.PenStyle.SolidLine if index < len(SERIES_COLOURS) else Qt.PenStyle.DashLine
            pen = pg.mkPen(colour, width=2.2, style=style)
            curve = pg.PlotDataItem(pen=pen, connect="finite", skipFiniteCheck=True)
            dots = pg.ScatterPlotItem(size=7, pen=pen, brush=pg.mkBrush(colour))
            plot.addItem(curve)
            plot.addItem(dots)
            self._curves.append(curve)
            self._dots.append(dots)
        self._legend.clear()
        for index, (curve, dots) in enumerate(zip(self._curves, self._dots, strict=True)):
            if index >= len(lines):
                if curve.isVisible():
                    curve.setData([], [])
                    dots.setData([], [])
                    curve.hide()
                    dots.hide()
                continue
            values = np.asarray(lines[index].values, dtype=np.float64)
            curve.setData(self._x, values)
            curve.show()
            self._legend.addItem(curve, lines[index].label)
            # A day with no neighbour draws no segment (gaps are NaN): show a dot.
            finite = ~np.isnan(values)
            lonely = finite.copy()
            lonely[1:] &= ~finite[:-1]
            lonely[:-1] &= ~finite[1:]
            dots.setData(self._x[lonely], values[lonely])
            dots.setVisible(bool(lonely.any()))
        self._legend.setVisible(bool(lines))

    def _draw_joined(self, lines: Sequence[Line]) -> None:
        """Hundreds of lines: one path per colour (a NaN between lines), no legend.

        Two hundred separate items cost a relayout and a path each; ten joined
        paths draw the same picture several times faster. The pen is one pixel
        wide on purpose: Qt draws that directly, a wider one goes through the
        stroker and costs about seven times as much for 365,000 points.
        """
        plot = self.getPlotItem()
        count = len(SERIES_COLOURS)
        while lines and len(self._bundles) < count:
            pen = pg.mkPen(QColor(SERIES_COLOURS[len(self._bundles)]), width=1)
            bundle = pg.PlotDataItem(pen=pen, connect="finite", skipFiniteCheck=True)
            plot.addItem(bundle)
            self._bundles.append(bundle)
        days = self._x.size
        row = np.append(self._x, np.nan)
        for index, bundle in enumerate(self._bundles):
            members = lines[index::count]
            if not members:
                if bundle.isVisible():
                    bundle.setData([], [])
                    bundle.hide()
                continue
            ys = np.full((len(members), days + 1), np.nan)
            for slot, member in enumerate(members):
                ys[slot, :days] = member.values
            bundle.setData(np.tile(row, len(members)), ys.ravel())
            bundle.show()

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
        legend_fill = QColor(base)
        legend_fill.setAlpha(215)
        self._legend.setBrush(pg.mkBrush(legend_fill))
        self._legend.setPen(pg.mkPen(muted))
        self._legend.setLabelTextColor(text)
        # pyqtgraph only stores the colour for labels added later: re-render ours.
        for _sample, label in self._legend.items:
            label.setText(label.text)
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        # Qt sends some of these while the base class is still being built.
        if event.type() in _THEME_EVENTS and getattr(self, "_styled", False):
            self.apply_palette()
        super().changeEvent(event)

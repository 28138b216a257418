"""TimeSeriesChart: gaps drawn as gaps, items reused, hover values, many-line mode, axes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from huntaze_desktop.services.analytics.aggregate import Line
from huntaze_desktop.ui.charts import (
    LEGEND_LIMIT,
    SERIES_COLOURS,
    DayAxis,
    TimeSeriesChart,
    ValueAxis,
)

pytestmark = pytest.mark.gui

DAYS = 100
X = (20_000 + np.arange(DAYS, dtype=np.float64)) * 86_400.0


def _line(index: int, gap: slice | None = None, lonely: int | None = None) -> Line:
    values = np.full(DAYS, 1000.0 + 100.0 * index)
    if gap is not None:
        values[gap] = np.nan
    if lonely is not None:
        values[lonely - 1] = values[lonely + 1] = np.nan
    return Line(f"k{index}", f"Line {index}", None, values, [index])


def _chart(qtbot) -> TimeSeriesChart:
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def _column_colours(chart: TimeSeriesChart, day: int) -> set[str]:
    """The colours painted in the pixel column of ``day`` (the chart's real pixels)."""
    chart.getPlotItem().vb.autoRange()  # settle the y range now, as the next frame would
    image = chart.grab().toImage()
    scene = chart.getPlotItem().vb.mapViewToScene(QPointF(float(X[day]), 0.0))
    column = chart.mapFromScene(scene).x()
    return {image.pixelColor(column, y).name() for y in range(image.height())}


def test_a_gap_is_a_break_in_the_line_never_a_drop(qtbot):
    chart = _chart(qtbot)
    colour = QColor(SERIES_COLOURS[0]).name()
    chart.set_lines(X, [_line(0, gap=slice(40, 60))])
    assert colour in _column_colours(chart, 20)
    assert colour not in _column_colours(chart, 50)  # nothing drawn: no dive to 0
    drawn = chart.getPlotItem().listDataItems()[0]
    assert drawn.opts["connect"] == "finite"
    assert np.isnan(drawn.getData()[1][50])


def test_a_lonely_day_is_a_dot_and_hover_names_gaps(qtbot):
    chart = _chart(qtbot)
    chart.set_lines(X, [_line(0, lonely=70), _line(1, gap=slice(0, 10))])
    colour = QColor(SERIES_COLOURS[0]).name()
    assert colour in _column_colours(chart, 70)
    text = chart.hover_at_index(5)
    assert "Line 0: 1,000" in text and "Line 1: no data" in text


def test_many_lines_join_per_colour_and_items_are_reused(qtbot):
    chart = _chart(qtbot)
    legend = chart.getPlotItem().legend
    chart.set_lines(X, [_line(i) for i in range(3)])
    curves = [item for item in chart.getPlotItem().listDataItems() if item.isVisible()]
    assert [label.text for _, label in legend.items] == ["Line 0", "Line 1", "Line 2"]

    many = [_line(i, gap=slice(30, 35)) for i in range(LEGEND_LIMIT + 40)]
    chart.set_lines(X, many)
    visible = [item for item in chart.getPlotItem().listDataItems() if item.isVisible()]
    assert len(visible) == len(SERIES_COLOURS) and not legend.isVisible()
    assert all(item.opts["connect"] == "finite" for item in visible)
    # Every member keeps its gap (and a NaN separates it from the next member).
    y = visible[0].getData()[1].reshape(-1, DAYS + 1)
    assert np.isnan(y[:, 30:35]).all() and np.isnan(y[:, DAYS]).all()
    assert not np.isnan(y[:, :30]).any()
    assert chart.hover_text(31).count("no data") == 12
    assert chart.hover_text(0).endswith(f"and {len(many) - 12} more")

    chart.set_lines(X, [_line(7), _line(8)])
    again = [item for item in chart.getPlotItem().listDataItems() if item.isVisible()]
    assert again == curves[:2]  # the same items, new data
    assert [label.text for _, label in legend.items] == ["Line 7", "Line 8"]
    assert legend.isVisible()
    chart.set_lines(X, [])
    assert not [item for item in chart.getPlotItem().listDataItems() if item.isVisible()]


def test_date_ticks_thin_out_with_the_range_and_the_width(qtbot):
    axis = DayAxis()
    day = 86_400.0
    start = (date(2026, 10, 28) - date(1970, 1, 1)).days * day
    month = (start, start + 29 * day)

    def ticks(span: tuple[float, float], pixels: float) -> list[str]:
        ((spacing, values),) = axis.tickValues(span[0], span[1], pixels)
        return axis.tickStrings(values, 1.0, spacing)

    wide = ticks(month, 1300)
    assert wide[:3] == ["28 Oct", "30 Oct", "1 Nov"]  # every other day
    narrow = ticks(month, 640)  # a 1000 px window: weekly, on Mondays
    assert narrow == ["2 Nov", "9 Nov", "16 Nov", "23 Nov"]
    assert all(date(2026, 11, int(t.split()[0])).weekday() == 0 for t in narrow)
    for pixels in (300, 640, 900, 1300):
        labels = ticks(month, pixels)
        assert len(labels) * DayAxis.DAY_LABEL_PX <= pixels + DayAxis.DAY_LABEL_PX
    year = (start, start + 400 * day)  # months, with the year where it changes
    assert ticks(year, 1300)[:3] == ["Nov 2026", "Dec", "Jan 2027"]
    assert ticks(year, 640)[:3] == ["Nov 2026", "Jan 2027", "Mar"]  # every other month
    assert ticks(year, 300) == ["Jan 2027", "Jul"]  # half years


def test_value_axis_groups_digits(qtbot):
    axis = ValueAxis()
    assert axis.tickStrings([0.0, 20_000.0, 60_000.0], 1.0, 20_000.0) == ["0", "20,000", "60,000"]
    assert axis.tickStrings([4.5, 5.0], 1.0, 0.5) == ["4.5", "5.0"]

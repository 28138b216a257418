"""Aggregate and draw 5 years of daily points for 200 accounts (target: under 150 ms).

    .venv/bin/python benchmarks/bench_aggregate.py [--runs 9]

Each timed run is what the UI thread does when a choice changes, up to the
first frame painted on screen: lines and KPI tiles from the in-memory frame
(the load from SQLite runs off the UI thread and is not counted), the chart's
items updated, then the Qt event loop spun until the chart's viewport has
received its paint event and returned from it. Runs cycle through audience,
reach and engagement so every run draws different data.

* ``chart``: ``group_lines`` + ``kpis`` + ``TimeSeriesChart.set_lines`` + paint,
  for one line per platform (4) and one per account (200).
* ``page``: the real ``AnalyticsPage`` showing a 5-year range (its frame also
  holds the 5 years before, for the tiles' deltas) when the metric changes:
  lines, gap notes, tiles, data notices, chart, paint.
* Baselines in the same run: ``idle_frame_ms`` (repainting the same chart with
  nothing changed: the floor any redraw pays) and ``naive_ms`` (the same 200
  lines drawn the plain pyqtgraph way, a new ``PlotDataItem`` per line).

Figures are medians (``first_ms`` is the first, cold run); ratios compare with
the baselines. Writes ``benchmarks/results/aggregate.json`` and prints it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# PySide6 on Python 3.11 miscounts references to None/True/False returned
# through Qt (PlotDataItem.setData: one per call); they are not immortal before
# 3.12. Extra references keep a long run from tripping over it. Frozen, so the
# garbage collector never walks this list inside a timed run.
_SINGLETON_GUARD = [None, True, False] * 20_000_000
gc.freeze()

import numpy as np  # noqa: E402 - after the guard on purpose

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

ACCOUNTS = 200
YEARS = 5
PLATFORMS = ("alpha", "beta", "gamma", "delta")
TARGET_MS = 150.0
END = date(2026, 11, 20)


def build_frame(days: int) -> tuple[Any, dict[int, str]]:
    """``days`` of followers, likes and reach per account, with a few gaps each."""
    from huntaze_desktop.domain.series import Metric, SeriesKey
    from huntaze_desktop.services.analytics.aggregate import Frame

    start = END - timedelta(days=days - 1)
    rng = np.random.default_rng(42)
    keys = []
    rows = []
    for account in range(1, ACCOUNTS + 1):
        base = 1000 + 50 * account
        audience = base * np.exp(np.linspace(0, 0.4, days)) + rng.normal(0, 5, days)
        likes = rng.poisson(base * 0.05, days).astype(np.float64)
        reach = rng.poisson(base * 0.3, days).astype(np.float64)
        for row in (audience, likes, reach):
            # Some gaps, as a real history has: a few days nothing was recorded.
            row[rng.choice(days, size=days // 50, replace=False)] = np.nan
        keys += [
            SeriesKey(account, Metric.FOLLOWERS),
            SeriesKey(account, Metric.LIKES),
            SeriesKey(account, Metric.REACH),
        ]
        rows += [audience, likes, reach]
    providers = {a: PLATFORMS[a % 4] for a in range(1, ACCOUNTS + 1)}
    return Frame(start, days, keys, np.vstack(rows)), providers


class PaintWatch:
    """Counts paint events of one widget, to wait until a frame was really drawn."""

    def __init__(self, app: Any, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class _Filter(QObject):
            count = 0

            def eventFilter(self, _obj: Any, event: Any) -> bool:
                if event.type() == paint:
                    self.count += 1
                return False

        self._app = app
        self._filter = _Filter()
        widget.installEventFilter(self._filter)

    def settle(self) -> None:
        """Run pending events until three rounds in a row paint nothing."""
        quiet = 0
        while quiet < 3:
            before = self._filter.count
            self._app.processEvents()
            quiet = quiet + 1 if self._filter.count == before else 0

    def until_painted(self, since: int, timeout_s: float = 5.0) -> None:
        # The filter sees the event just before the view paints; processEvents
        # returns only after that paint, so the time taken includes it.
        deadline = time.perf_counter() + timeout_s
        while self._filter.count == since:
            if time.perf_counter() > deadline:
                raise RuntimeError("the chart was never painted")
            self._app.processEvents()

    @property
    def count(self) -> int:
        return self._filter.count


def timed(watch: PaintWatch, action: Callable[[], None]) -> float:
    """Milliseconds from ``action()`` to the end of the next paint of the watched view."""
    watch.settle()
    since = watch.count
    start = time.perf_counter()
    action()
    watch.until_painted(since)
    return (time.perf_counter() - start) * 1000.0


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 1),
        "best_ms": round(min(times), 1),
        "first_ms": round(times[0], 1),
    }


KINDS_CYCLE = ("audience", "reach", "engagement")


def measure_chart(app: Any, runs: int) -> dict[str, Any]:
    from huntaze_desktop.domain.series import MetricKind
    from huntaze_desktop.services.analytics.aggregate import group_lines, kpis
    from huntaze_desktop.ui.charts import TimeSeriesChart

    frame, providers = build_frame(YEARS * 365 + 1)
    labels = {p: p.title() for p in PLATFORMS}
    chart = TimeSeriesChart()
    chart.resize(1100, 500)
    chart.show()
    watch = PaintWatch(app, chart.viewport())
    watch.settle()
    half = frame.start + timedelta(days=frame.days // 2)
    x = frame.epoch_seconds()
    out: dict[str, Any] = {"points": int(frame.values.size), "days": frame.days}
    for by_account in (False, True):
        times: list[float] = []
        parts: dict[str, list[float]] = {"aggregate_ms": [], "set_lines_ms": []}
        for run in range(runs):
            kind = MetricKind(KINDS_CYCLE[run % len(KINDS_CYCLE)])

            def update(
                kind: MetricKind = kind,
                by_account: bool = by_account,
                parts: dict[str, list[float]] = parts,
            ) -> None:
                t0 = time.perf_counter()
                lines = group_lines(
                    frame, kind, by_account=by_account, providers=providers, labels=labels
                )
                kpis(frame, half, frame.end, providers)
                t1 = time.perf_counter()
                chart.set_lines(x, lines)
                parts["aggregate_ms"].append((t1 - t0) * 1000.0)
                parts["set_lines_ms"].append((time.perf_counter() - t1) * 1000.0)

            times.append(timed(watch, update))
        figures: dict[str, Any] = summary(times)
        figures["lines"] = len(chart.lines())
        for name, values in parts.items():
            figures[name] = round(statistics.median(values), 1)
        figures["paint_ms"] = round(
            figures["median_ms"] - figures["aggregate_ms"] - figures["set_lines_ms"], 1
        )
        out["per_account" if by_account else "per_platform"] = figures

    # Floor: the same chart repainted with nothing changed.
    idle = [timed(watch, chart.viewport().update) for _ in range(runs)]
    out["idle_frame_ms"] = round(statistics.median(idle), 1)
    chart.close()
    return out


def measure_naive(app: Any, runs: int) -> dict[str, Any]:
    """The same 200 lines the plain way: clear, then one new PlotDataItem per line."""
    import pyqtgraph as pg

    from huntaze_desktop.domain.series import MetricKind
    from huntaze_desktop.services.analytics.aggregate import group_lines

    frame, providers = build_frame(YEARS * 365 + 1)
    widget = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
    widget.resize(1100, 500)
    widget.show()
    watch = PaintWatch(app, widget.viewport())
    watch.settle()
    x = frame.epoch_seconds()
    times = []
    for run in range(runs):
        kind = MetricKind(KINDS_CYCLE[run % len(KINDS_CYCLE)])
        lines = group_lines(frame, kind, by_account=True, providers=providers, labels={})

        def draw(lines: list[Any] = lines) -> None:
            widget.clear()
            for index, line in enumerate(lines):
                widget.plot(x, line.values, pen=pg.mkPen(pg.intColor(index, 10)), connect="finite")

        times.append(timed(watch, draw))
    widget.close()
    return summary(times)


def measure_page(app: Any, runs: int) -> dict[str, Any]:
    from huntaze_desktop.domain.models import Account
    from huntaze_desktop.domain.series import MetricKind
    from huntaze_desktop.services.analytics.service import AnalyticsData
    from huntaze_desktop.ui.analytics_page import AnalyticsPage

    shown = YEARS * 365 + 1
    frame, providers = build_frame(2 * shown)  # the range and the one before it
    accounts = [
        Account(id=a, user_id=1, provider=p, provider_account_id=f"{p}-{a}", username=f"user{a}")
        for a, p in providers.items()
    ]
    # No services: the page then only renders what it is given (its load path
    # reads SQLite off the UI thread, which is not what is measured here).
    page = AnalyticsPage(None)
    page.resize(1400, 900)
    page.show()
    watch = PaintWatch(app, page.chart.viewport())
    watch.settle()
    page.data = AnalyticsData(frame.end - timedelta(days=shown - 1), frame.end, frame, accounts)
    page.group_combo.setCurrentIndex(1)  # one line per account
    watch.settle()
    times = []
    for run in range(runs):
        kind = MetricKind(KINDS_CYCLE[(run + 1) % len(KINDS_CYCLE)])
        index = page.kind_combo.findData(kind.value)
        times.append(timed(watch, lambda index=index: page.kind_combo.setCurrentIndex(index)))
    figures: dict[str, Any] = summary(times)
    figures["lines"] = len(page.shown_lines)
    figures["days_shown"] = shown
    page.close()
    return figures


def measure(runs: int) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    chart = measure_chart(app, runs)
    naive = measure_naive(app, runs)
    page = measure_page(app, runs)
    per_account = chart["per_account"]["median_ms"]
    return {
        "benchmark": "aggregate",
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "accounts": ACCOUNTS,
        "years": YEARS,
        "runs": runs,
        "target_ms": TARGET_MS,
        "chart": chart,
        "naive_per_account": naive,
        "page_per_account": page,
        "ratio_per_account_to_naive": round(per_account / naive["median_ms"], 3),
        "ratio_per_account_to_idle_frame": round(per_account / chart["idle_frame_ms"], 2),
        "per_account_ok": per_account < TARGET_MS,
        "page_ok": page["median_ms"] < TARGET_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    figures = measure(max(3, args.runs))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "aggregate.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

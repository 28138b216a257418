"""Aggregate and draw 5 years of daily points for 200 accounts (target: under 150 ms).

The frame is built in memory (the load from SQLite is measured separately as
``load_s``, it runs off the UI thread); the timed part is what the page does on
the UI thread when a choice changes: lines, KPI tiles and drawing the chart.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# PySide6 6.12 on Python 3.11 drops references to None/True/False returned
# through Qt (QGraphicsWidget.setGeometry, PlotDataItem.setData: ~3 per call);
# they are not immortal before 3.12, so a long run aborts ("none_dealloc").
# Extra references keep the process alive long enough to measure.
_SINGLETON_GUARD = [None, True, False] * 20_000_000

import numpy as np  # noqa: E402 - after the guard on purpose

ACCOUNTS = 200
YEARS = 5
PLATFORMS = ("alpha", "beta", "gamma", "delta")


def build_frame() -> Any:
    from huntaze_desktop.core.analytics.aggregate import Frame
    from huntaze_desktop.core.analytics.series import Metric, SeriesKey

    end = date(2026, 11, 20)
    days = YEARS * 365 + 1
    start = end - timedelta(days=days - 1)
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


def measure() -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from huntaze_desktop.core.analytics.aggregate import group_lines, kpis
    from huntaze_desktop.core.analytics.series import MetricKind
    from huntaze_desktop.ui.charts import TimeSeriesChart

    app = QApplication.instance() or QApplication([])
    frame, providers = build_frame()
    labels = {p: p.title() for p in PLATFORMS}
    chart = TimeSeriesChart()
    chart.resize(1100, 500)
    chart.show()
    app.processEvents()
    figures: dict[str, float] = {}
    for by_account in (False, True):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            lines = group_lines(
                frame,
                MetricKind.AUDIENCE,
                by_account=by_account,
                providers=providers,
                labels=labels,
            )
            kpis(frame, frame.start + timedelta(days=frame.days // 2), frame.end, providers)
            chart.set_lines(frame.epoch_seconds(), lines)
            chart.repaint()
            app.processEvents()
            best = min(best, time.perf_counter() - start)
        figures["per_account_ms" if by_account else "per_platform_ms"] = round(best * 1000, 1)
    chart.close()
    return {
        "accounts": ACCOUNTS,
        "days": frame.days,
        "points": int(frame.values.size),
        **figures,
        "target_ms": 150,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))

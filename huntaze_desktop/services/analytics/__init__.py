"""Analytics: normalized daily series, snapshots, cache, aggregation, background refresh.

Modules: ``series`` (the model), ``normalize`` (finds each platform's normalizer in
``providers/<name>/analytics.py``), ``aggregate`` (numpy totals, growth, breakdown;
gaps stay NaN), ``service`` (``AnalyticsService``), ``scheduler`` (``RefreshScheduler``).
Import what you need from those modules; this package stays light on purpose.
"""

from huntaze_desktop.domain.series import Metric, MetricKind, Point, SeriesKey

__all__ = ["Metric", "MetricKind", "Point", "SeriesKey"]

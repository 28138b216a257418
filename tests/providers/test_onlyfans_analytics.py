"""OnlyFans normalizer: /users/me stats and both observed earnings-chart shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from huntaze_desktop.domain.series import Metric
from huntaze_desktop.providers.analytics import REVENUE_WITHOUT_CURRENCY
from huntaze_desktop.providers.onlyfans.client import parse_earnings_chart
from huntaze_desktop.providers.registry import default_registry

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 3, tzinfo=UTC)


def _stats(chart: dict, currency: str | None = "USD") -> dict:
    daily, total = parse_earnings_chart(chart)
    return {"currency": currency, "totals": {"earnings": total}, "daily": {"earnings": daily}}


def test_nested_chart_shape_gives_daily_earnings_with_currency():
    chart = {
        "list": {
            "total": {
                "chartAmount": [
                    {"date": "2026-11-01T00:00:00+00:00", "count": 41.5},
                    {"date": "2026-11-02T00:00:00+00:00", "count": 12.25},
                ],
                "total": 53.75,
            }
        },
        "total": 53.75,
    }
    points = default_registry().analytics("onlyfans").stats_points(9, _stats(chart), SINCE, UNTIL)
    assert [(p.metric, p.day, p.value, p.unit) for p in points] == [
        (Metric.EARNINGS, date(2026, 11, 1), 41.5, "USD"),
        (Metric.EARNINGS, date(2026, 11, 2), 12.25, "USD"),
    ]
    assert points[0].key.stored_metric == "earnings:USD"
    assert points[0].source == "onlyfans:earnings_chart"


def test_flat_chart_shape():
    chart = {"list": [{"date": "2026-11-02", "amount": 7}], "total": 7}
    points = (
        default_registry().analytics("onlyfans").stats_points(9, _stats(chart, "eur"), SINCE, UNTIL)
    )
    assert [(p.day, p.value, p.unit) for p in points] == [(date(2026, 11, 2), 7.0, "EUR")]


@pytest.mark.parametrize("currency", [None, "", "   ", 840, "TOO-LONG-CODE"])
def test_earnings_without_a_currency_are_refused_not_stored_unit_less(currency):
    analytics = default_registry().analytics("onlyfans")
    chart = {"list": [{"date": "2026-11-02", "amount": 7}], "total": 7}
    stats = {**_stats(chart), "currency": currency}
    assert analytics.stats_points(9, stats, SINCE, UNTIL) == []
    assert (
        analytics.stats_refused(stats) == [REVENUE_WITHOUT_CURRENCY] == ["revenue without currency"]
    )
    # With a currency, or with no amount at all, nothing is refused.
    assert analytics.stats_refused(_stats(chart, "USD")) == []
    assert analytics.stats_refused({"currency": None, "daily": {"earnings": {}}}) == []


def test_profile_gives_subscribers_and_posts():
    stats = {"subscribers": 1450, "posts": 300, "photos": 200, "videos": 80}
    points = default_registry().analytics("onlyfans").profile_points(9, stats, date(2026, 11, 2))
    assert {(p.metric, p.value) for p in points} == {
        (Metric.SUBSCRIBERS, 1450),
        (Metric.POSTS, 300),
    }

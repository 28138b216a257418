"""Instagram's numbers as normalized points (see ``providers/analytics.py``).

Insights come two ways: ``time_series`` (one value per day: reach, new follows)
and ``total_value`` (one number for the whole window). A total is placed on a
day only when the window is exactly one day. Empty insights (an empty list, a
metric left out, under 100 followers, the 48 h lag) give no point, never a 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from huntaze_desktop.domain.series import Metric, Point
from huntaze_desktop.providers.analytics import (
    PlatformAnalytics,
    Window,
    day_before_end_time,
    day_start,
    finite_number,
    utc_day,
    whole_days,
)
from huntaze_desktop.providers.instagram.spec import SPEC

__all__ = [
    "ANALYTICS",
    "PROFILE_TTL_S",
    "STATS_TTL_S",
    "profile_points",
    "stats_points",
    "stats_windows",
]

PROFILE_TTL_S = 10 * 60
# Insights settle slowly (48 h lag): a few hours is fresh enough.
STATS_TTL_S = 6 * 3600
# The Graph API refuses windows longer than 30 days.
BACKFILL_DAYS = 30
RECENT_DAYS = 7
# Days closer than this to now are still filling in.
LAG_DAYS = 3

_PROFILE = {"followers_count": Metric.FOLLOWERS, "media_count": Metric.MEDIA}
_SERIES = {"reach": Metric.REACH, "follower_count": Metric.NEW_FOLLOWERS}
_TOTALS = {
    "views": Metric.VIEWS,
    "total_interactions": Metric.INTERACTIONS,
    "likes": Metric.LIKES,
    "comments": Metric.COMMENTS,
    "shares": Metric.SHARES,
    "saves": Metric.SAVES,
}


def profile_points(account_id: int, stats: Mapping[str, Any], day: date) -> list[Point]:
    return [
        Point(account_id, metric, day, value, f"{SPEC.name}:me")
        for field, metric in _PROFILE.items()
        if (value := finite_number(stats.get(field))) is not None
    ]


def stats_windows(now: datetime, backfill: bool) -> list[Window]:
    """A series window (30 days the first time, a week after), and one settled day."""
    midnight = day_start(now)
    span = BACKFILL_DAYS if backfill else RECENT_DAYS
    settled = midnight - timedelta(days=LAG_DAYS)
    return [(midnight - timedelta(days=span), midnight), (settled, settled + timedelta(days=1))]


def stats_points(
    account_id: int, stats: Mapping[str, Any], since: datetime, until: datetime
) -> list[Point]:
    source = f"{SPEC.name}:insights"
    points: list[Point] = []
    series = stats.get("series")
    for name, metric in _SERIES.items():
        values = series.get(name) if isinstance(series, Mapping) else None
        for entry in values if isinstance(values, list) else []:
            if not isinstance(entry, Mapping):
                continue
            day = day_before_end_time(entry.get("end_time"))
            value = finite_number(entry.get("value"))
            if day is not None and value is not None:
                points.append(Point(account_id, metric, day, value, source))
    totals = stats.get("totals")
    if whole_days(since, until) == 1 and isinstance(totals, Mapping):
        day = utc_day(since)
        for name, metric in _TOTALS.items():
            value = finite_number(totals.get(name))
            if value is not None:
                points.append(Point(account_id, metric, day, value, source))
    return points


ANALYTICS = PlatformAnalytics(
    provider=SPEC.name,
    profile_ttl_s=PROFILE_TTL_S,
    stats_ttl_s=STATS_TTL_S,
    profile_points=profile_points,
    stats_windows=stats_windows,
    stats_points=stats_points,
)

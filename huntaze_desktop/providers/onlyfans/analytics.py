"""OnlyFans' numbers as normalized points (see ``providers/analytics.py``).

The profile gives subscribers and posts; the earnings chart gives one amount per
day (history as far back as asked), kept with its currency so amounts in two
currencies are never added together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from huntaze_desktop.domain.series import Metric, Point
from huntaze_desktop.providers.analytics import PlatformAnalytics, Window, day_start, finite_number
from huntaze_desktop.providers.onlyfans.spec import SPEC

__all__ = [
    "ANALYTICS",
    "PROFILE_TTL_S",
    "STATS_TTL_S",
    "profile_points",
    "stats_points",
    "stats_windows",
]

PROFILE_TTL_S = 10 * 60
STATS_TTL_S = 30 * 60
BACKFILL_DAYS = 365
RECENT_DAYS = 7

_PROFILE = {"subscribers": Metric.SUBSCRIBERS, "posts": Metric.POSTS}


def profile_points(account_id: int, stats: Mapping[str, Any], day: date) -> list[Point]:
    return [
        Point(account_id, metric, day, value, f"{SPEC.name}:me")
        for field, metric in _PROFILE.items()
        if (value := finite_number(stats.get(field))) is not None
    ]


def stats_windows(now: datetime, backfill: bool) -> list[Window]:
    days = BACKFILL_DAYS if backfill else RECENT_DAYS
    return [(day_start(now) - timedelta(days=days), now)]


def stats_points(
    account_id: int, stats: Mapping[str, Any], since: datetime, until: datetime
) -> list[Point]:
    currency = stats.get("currency")
    unit = currency.upper() if isinstance(currency, str) and 0 < len(currency) <= 8 else None
    daily = stats.get("daily")
    earnings = daily.get("earnings") if isinstance(daily, Mapping) else None
    points: list[Point] = []
    for text, amount in earnings.items() if isinstance(earnings, Mapping) else []:
        value = finite_number(amount)
        try:
            day = date.fromisoformat(str(text)[:10])
        except ValueError:
            continue
        if value is not None:
            points.append(
                Point(account_id, Metric.EARNINGS, day, value, f"{SPEC.name}:earnings_chart", unit)
            )
    return points


ANALYTICS = PlatformAnalytics(
    provider=SPEC.name,
    profile_ttl_s=PROFILE_TTL_S,
    stats_ttl_s=STATS_TTL_S,
    profile_points=profile_points,
    stats_windows=stats_windows,
    stats_points=stats_points,
)

"""OnlyFans' numbers as normalized points (see ``providers/analytics.py``).

The profile gives subscribers and posts; the earnings chart gives one amount per
day (history as far back as asked), kept with its currency so amounts in two
currencies are never added together. An answer that names no currency gives no
earnings at all (``stats_refused`` says so): stored without a unit they would be
a second series beside the one with the currency, counted twice on the tile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from huntaze_desktop.domain.series import Metric, Point
from huntaze_desktop.providers.analytics import (
    REVENUE_WITHOUT_CURRENCY,
    PlatformAnalytics,
    Window,
    day_start,
    finite_number,
)
from huntaze_desktop.providers.onlyfans.spec import SPEC

__all__ = [
    "ANALYTICS",
    "PROFILE_TTL_S",
    "STATS_TTL_S",
    "profile_points",
    "stats_points",
    "stats_refused",
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


def _currency(stats: Mapping[str, Any]) -> str | None:
    currency = stats.get("currency")
    if isinstance(currency, str) and 0 < len(currency.strip()) <= 8:
        return currency.strip().upper()
    return None


def _earnings(stats: Mapping[str, Any]) -> Mapping[str, Any]:
    daily = stats.get("daily")
    earnings = daily.get("earnings") if isinstance(daily, Mapping) else None
    return earnings if isinstance(earnings, Mapping) else {}


def stats_refused(stats: Mapping[str, Any]) -> list[str]:
    """``[REVENUE_WITHOUT_CURRENCY]`` when the answer has amounts but names no currency."""
    if _currency(stats) is None and any(
        finite_number(amount) is not None for amount in _earnings(stats).values()
    ):
        return [REVENUE_WITHOUT_CURRENCY]
    return []


def stats_points(
    account_id: int, stats: Mapping[str, Any], since: datetime, until: datetime
) -> list[Point]:
    unit = _currency(stats)
    if unit is None:
        return []  # refused: see stats_refused
    points: list[Point] = []
    for text, amount in _earnings(stats).items():
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
    stats_refused=stats_refused,
)

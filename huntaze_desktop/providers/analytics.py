"""What a platform's normalizer is, and the helpers normalizers share.

A platform's normalizer lives next to its client, in ``providers/<name>/analytics.py``,
and its package exports it as ``ANALYTICS``, a :class:`PlatformAnalytics` (the
registry reads it like ``SPEC`` and ``Client``):

* ``profile_ttl_s``, ``stats_ttl_s`` — how long a cached answer stays fresh;
* ``profile_points(account_id, stats, day) -> list[Point]`` — ``Profile.stats``
  (current totals) as points on ``day``;
* ``stats_windows(now, backfill) -> list[(since, until)]`` — which windows to ask
  ``fetch_stats`` for (a longer one the first time: backfill);
* ``stats_points(account_id, stats, since, until) -> list[Point]`` — a
  ``fetch_stats`` answer for that window as points;
* ``stats_refused(stats) -> list[str]`` (optional) — what ``stats_points`` left
  out of that answer on purpose, as short phrases the service logs and shows
  (``REVENUE_WITHOUT_CURRENCY``).

Normalizers never turn a missing value into 0: no value, no point. Revenue
without a currency is no point either: an amount stored without its unit would
be a second, unit-less series beside the one with the currency, and the revenue
tile would add them up (``docs/PLATFORMS.md``, "Revenue and currencies").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from huntaze_desktop.domain.series import Point

__all__ = [
    "REVENUE_WITHOUT_CURRENCY",
    "PlatformAnalytics",
    "Window",
    "day_before_end_time",
    "finite_number",
    "per_creation_day",
    "utc_day",
    "whole_days",
]

Window = tuple[datetime, datetime]

# What stats_refused says of amounts a platform sent without naming their currency.
REVENUE_WITHOUT_CURRENCY = "revenue without currency"


def nothing_refused(stats: Mapping[str, Any]) -> list[str]:
    return []


@dataclass(frozen=True, slots=True)
class PlatformAnalytics:
    """One platform's normalizer: its package exports one as ``ANALYTICS``."""

    provider: str
    profile_ttl_s: float
    stats_ttl_s: float
    profile_points: Callable[[int, Mapping[str, Any], date], list[Point]]
    stats_windows: Callable[[datetime, bool], list[Window]]
    stats_points: Callable[[int, Mapping[str, Any], datetime, datetime], list[Point]]
    stats_refused: Callable[[Mapping[str, Any]], list[str]] = nothing_refused


def finite_number(value: Any) -> float | None:
    """A real number from JSON, or None (bools, text, NaN and infinities are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_before_end_time(text: Any) -> date | None:
    """The day a Graph ``end_time`` closes (``2026-11-02T08:00:00+0000`` → 2026-11-01).

    Graph marks a daily value with the end of its day (midnight Pacific, or UTC in
    the sandbox), so the day is the one that ends there.
    """
    if not isinstance(text, str):
        return None
    try:
        end = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return (end - timedelta(days=1)).astimezone(UTC).date()


def whole_days(since: datetime, until: datetime) -> int:
    """How many whole days a window spans."""
    return int((until - since).total_seconds() // 86_400)


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of the day ``moment`` falls in."""
    day = utc_day(moment)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def per_creation_day(
    account_id: int,
    items: list[Mapping[str, Any]],
    *,
    time_field: str,
    fields: Mapping[str, Any],
    since: datetime,
    until: datetime,
    source: str,
    truncated: bool,
) -> list[Point]:
    """Sum item counts by the UTC day each item was created.

    A day of the window with no item created is a real 0 (the listing covered it);
    when the listing was cut short (``truncated``) only days after its oldest item
    count as covered. A day where any item lacks a count has no point for that
    metric: a partial sum would be an invented number.
    """
    first = utc_day(since)
    if truncated and items:
        oldest = min(int(item[time_field]) for item in items)
        first = max(first, utc_day(datetime.fromtimestamp(oldest, UTC)) + timedelta(days=1))
    last = utc_day(until)
    sums: dict[tuple[Any, date], float] = {}
    unknown: set[tuple[Any, date]] = set()
    for item in items:
        day = utc_day(datetime.fromtimestamp(int(item[time_field]), UTC))
        if not first <= day <= last:
            continue
        for field, metric in fields.items():
            value = finite_number(item.get(field))
            if value is None:
                unknown.add((metric, day))
            else:
                sums[(metric, day)] = sums.get((metric, day), 0.0) + value
    points: list[Point] = []
    day = first
    while day <= last:
        for metric in fields.values():
            if (metric, day) not in unknown:
                points.append(Point(account_id, metric, day, sums.get((metric, day), 0.0), source))
        day += timedelta(days=1)
    return points

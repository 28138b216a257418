"""Reddit's numbers as normalized points (see ``providers/analytics.py``).

The profile gives followers and total karma (a running total: its change from
day to day is the engagement). Submitted posts give score and comments by the
day they were posted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from huntaze_desktop.domain.series import Metric, Point
from huntaze_desktop.providers.analytics import (
    PlatformAnalytics,
    Window,
    day_start,
    finite_number,
    per_creation_day,
)
from huntaze_desktop.providers.reddit.spec import SPEC

__all__ = [
    "ANALYTICS",
    "PROFILE_TTL_S",
    "STATS_TTL_S",
    "profile_points",
    "stats_points",
    "stats_windows",
]

PROFILE_TTL_S = 10 * 60
# 100 requests a minute per app: posts change slowly, ask rarely.
STATS_TTL_S = 60 * 60
BACKFILL_DAYS = 365
RECENT_DAYS = 30
# The client asks for one listing page of this size.
_LISTING_LIMIT = 100

_PROFILE = {"followers": Metric.FOLLOWERS, "total_karma": Metric.KARMA}
_POST = {"score": Metric.LIKES, "num_comments": Metric.COMMENTS}


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
    raw = stats.get("posts")
    posts = [
        p
        for p in (raw if isinstance(raw, list) else [])
        if isinstance(p, Mapping) and finite_number(p.get("created_utc")) is not None
    ]
    return per_creation_day(
        account_id,
        posts,
        time_field="created_utc",
        fields=_POST,
        since=since,
        until=until,
        source=f"{SPEC.name}:submitted",
        truncated=len(posts) >= _LISTING_LIMIT,
    )


ANALYTICS = PlatformAnalytics(
    provider=SPEC.name,
    profile_ttl_s=PROFILE_TTL_S,
    stats_ttl_s=STATS_TTL_S,
    profile_points=profile_points,
    stats_windows=stats_windows,
    stats_points=stats_points,
)

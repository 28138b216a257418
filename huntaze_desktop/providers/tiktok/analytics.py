"""TikTok's numbers as normalized points (see ``providers/analytics.py``).

The profile gives current totals (followers, videos). The video list gives each
video's lifetime counts; they are added up by the day the video was posted,
which is also how history is backfilled.
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
from huntaze_desktop.providers.tiktok.client import MAX_PAGES
from huntaze_desktop.providers.tiktok.spec import SPEC

__all__ = [
    "ANALYTICS",
    "PROFILE_TTL_S",
    "STATS_TTL_S",
    "profile_points",
    "stats_points",
    "stats_windows",
]

PROFILE_TTL_S = 10 * 60
STATS_TTL_S = 60 * 60
BACKFILL_DAYS = 365
RECENT_DAYS = 30
_PAGE_SIZE = 20

_PROFILE = {"follower_count": Metric.FOLLOWERS, "video_count": Metric.VIDEOS}
_VIDEO = {
    "view_count": Metric.VIEWS,
    "like_count": Metric.LIKES,
    "comment_count": Metric.COMMENTS,
    "share_count": Metric.SHARES,
}


def profile_points(account_id: int, stats: Mapping[str, Any], day: date) -> list[Point]:
    return [
        Point(account_id, metric, day, value, f"{SPEC.name}:user_info")
        for field, metric in _PROFILE.items()
        if (value := finite_number(stats.get(field))) is not None
    ]


def stats_windows(now: datetime, backfill: bool) -> list[Window]:
    days = BACKFILL_DAYS if backfill else RECENT_DAYS
    return [(day_start(now) - timedelta(days=days), now)]


def stats_points(
    account_id: int, stats: Mapping[str, Any], since: datetime, until: datetime
) -> list[Point]:
    raw = stats.get("videos")
    videos = [
        v
        for v in (raw if isinstance(raw, list) else [])
        if isinstance(v, Mapping) and finite_number(v.get("create_time")) is not None
    ]
    return per_creation_day(
        account_id,
        videos,
        time_field="create_time",
        fields=_VIDEO,
        since=since,
        until=until,
        source=f"{SPEC.name}:video_list",
        # The client stops after MAX_PAGES pages: older days may be missing.
        truncated=len(videos) >= MAX_PAGES * _PAGE_SIZE,
    )


ANALYTICS = PlatformAnalytics(
    provider=SPEC.name,
    profile_ttl_s=PROFILE_TTL_S,
    stats_ttl_s=STATS_TTL_S,
    profile_points=profile_points,
    stats_windows=stats_windows,
    stats_points=stats_points,
)

"""TikTok normalizer against the recorded user-info and video-list shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from recorded import NOW, respond

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.series import Metric
from huntaze_desktop.providers.registry import default_registry


def _api(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/video/list/"):
        return respond("tiktok_video_list")
    return respond("tiktok_user_info")


async def test_profile_gives_followers_and_videos(make_provider):
    profile = await make_provider("tiktok", _api).fetch_profile(TokenSet("tok"))
    points = default_registry().analytics("tiktok").profile_points(2, profile.stats, NOW.date())
    assert {(p.metric, p.value) for p in points} == {
        (Metric.FOLLOWERS, 1520),
        (Metric.VIDEOS, 57),
    }
    assert {p.source for p in points} == {"tiktok:user_info"}


async def test_videos_are_summed_by_posting_day_and_quiet_days_are_real_zeros(make_provider):
    client = make_provider("tiktok", _api)
    since, until = NOW - timedelta(days=40), NOW
    stats = await client.fetch_stats(TokenSet("tok"), {}, since, until)
    points = default_registry().analytics("tiktok").stats_points(2, stats, since, until)
    newest = datetime.fromtimestamp(1793000000, UTC).date()
    older = datetime.fromtimestamp(1792000000, UTC).date()
    by = {(p.metric, p.day): p.value for p in points}
    assert by[(Metric.VIEWS, newest)] == 900 and by[(Metric.VIEWS, older)] == 1500
    assert by[(Metric.SHARES, older)] == 4 and by[(Metric.COMMENTS, newest)] == 5
    # The listing covered the whole window: a day without a new video is a known 0.
    assert by[(Metric.LIKES, older + timedelta(days=1))] == 0
    assert len({p.day for p in points}) == 41
    assert {p.source for p in points} == {"tiktok:video_list"}


def test_a_video_without_counts_leaves_its_day_missing():
    platform = default_registry().analytics("tiktok")
    since = datetime(2026, 11, 1, tzinfo=UTC)
    until = since + timedelta(days=2)
    stamp = int((since + timedelta(hours=5)).timestamp())
    stats = {
        "videos": [
            {
                "id": "1",
                "create_time": stamp,
                "view_count": None,
                "like_count": 3,
                "comment_count": 1,
                "share_count": 0,
            },
            {
                "id": "2",
                "create_time": stamp,
                "view_count": 10,
                "like_count": 4,
                "comment_count": 0,
                "share_count": 0,
            },
        ]
    }
    by = {(p.metric, p.day): p.value for p in platform.stats_points(1, stats, since, until)}
    assert (Metric.VIEWS, since.date()) not in by  # a partial sum would be invented
    assert by[(Metric.LIKES, since.date())] == 7

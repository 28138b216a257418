"""Reddit normalizer against the recorded /api/v1/me and submitted-listing shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from recorded import NOW, respond

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.series import Metric
from huntaze_desktop.providers.registry import default_registry


def _api(request: httpx.Request) -> httpx.Response:
    if "/submitted" in request.url.path:
        return respond("reddit_submitted")
    return respond("reddit_me")


async def test_profile_gives_followers_and_karma(make_provider):
    profile = await make_provider("reddit", _api).fetch_profile(TokenSet("tok"))
    points = default_registry().analytics("reddit").profile_points(5, profile.stats, NOW.date())
    assert {(p.metric, p.value) for p in points} == {
        (Metric.FOLLOWERS, 87),
        (Metric.KARMA, 1540),
    }
    assert Metric.KARMA.is_level and {p.source for p in points} == {"reddit:me"}


async def test_posts_give_score_and_comments_by_day(make_provider):
    client = make_provider("reddit", _api)
    since, until = NOW - timedelta(days=60), NOW
    stats = await client.fetch_stats(TokenSet("tok"), {"username": "sunny_creates"}, since, until)
    points = default_registry().analytics("reddit").stats_points(5, stats, since, until)
    by = {(p.metric, p.day): p.value for p in points}
    day = datetime.fromtimestamp(1793000000, UTC).date()
    assert by[(Metric.LIKES, day)] == 45 and by[(Metric.COMMENTS, day)] == 3
    assert {p.source for p in points} == {"reddit:submitted"}


def test_a_full_listing_only_covers_days_after_its_oldest_post():
    platform = default_registry().analytics("reddit")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    until = datetime(2026, 3, 1, tzinfo=UTC)
    oldest = datetime(2026, 2, 20, 12, tzinfo=UTC)
    posts = [
        {"id": str(i), "score": 1, "num_comments": 0, "created_utc": oldest.timestamp() + i * 60}
        for i in range(100)
    ]
    days = {p.day for p in platform.stats_points(1, {"posts": posts}, since, until)}
    # Before the oldest listed post we do not know: no zeros are made up there.
    assert min(days) == oldest.date() + timedelta(days=1)

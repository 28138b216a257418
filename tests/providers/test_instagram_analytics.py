"""Instagram normalizer against the recorded Graph answer shapes."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from recorded import NOW, respond

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.series import Metric
from huntaze_desktop.providers.registry import default_registry


def _graph(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/insights"):
        kind = request.url.params["metric_type"]
        return respond(
            "instagram_insights_series" if kind == "time_series" else "instagram_insights_totals"
        )
    return respond("instagram_me")


async def test_profile_gives_followers_and_media_on_the_day(make_provider):
    client = make_provider("instagram", _graph)
    profile = await client.fetch_profile(TokenSet("tok"))
    points = (
        default_registry()
        .analytics("instagram")
        .profile_points(7, profile.stats, date(2026, 11, 20))
    )
    assert {(p.metric, p.value) for p in points} == {(Metric.FOLLOWERS, 9800), (Metric.MEDIA, 412)}
    assert all(p.account_id == 7 and p.source == "instagram:me" for p in points)


async def test_series_days_come_from_end_time_and_empty_insights_stay_missing(make_provider):
    client = make_provider("instagram", _graph)
    platform = default_registry().analytics("instagram")
    since, until = NOW - timedelta(days=7), NOW
    stats = await client.fetch_stats(
        TokenSet("tok"), {"ig_business_id": "17841400000000001"}, since, until
    )
    points = platform.stats_points(3, stats, since, until)
    reach = sorted((p.day, p.value) for p in points if p.metric is Metric.REACH)
    # end_time 2026-11-02T08:00+0000 closes the day of 1 November.
    assert reach == [(date(2026, 10, 31), 1200), (date(2026, 11, 1), 1350)]
    # follower_count came back as an empty list: no points at all, not zeros.
    assert not [p for p in points if p.metric is Metric.NEW_FOLLOWERS]
    # A 7-day total cannot be placed on a day.
    assert {p.metric for p in points} == {Metric.REACH}
    assert all(p.source == "instagram:insights" for p in points)


async def test_one_day_window_places_totals_and_skips_missing_ones(make_provider):
    client = make_provider("instagram", _graph)
    platform = default_registry().analytics("instagram")
    since = NOW.replace(hour=0) - timedelta(days=3)
    until = since + timedelta(days=1)
    stats = await client.fetch_stats(TokenSet("tok"), {"ig_business_id": "1"}, since, until)
    totals = {
        p.metric: p.value
        for p in platform.stats_points(3, stats, since, until)
        if p.metric is not Metric.REACH
    }
    # "comments" had no total_value: missing, never 0.
    assert totals == {Metric.VIEWS: 5300, Metric.LIKES: 240}
    days = {
        p.day for p in platform.stats_points(3, stats, since, until) if p.metric is Metric.VIEWS
    }
    assert days == {since.date()}


def test_windows_backfill_thirty_days_then_a_week():
    platform = default_registry().analytics("instagram")
    first = platform.stats_windows(NOW, True)
    later = platform.stats_windows(NOW, False)
    assert first[0][1] - first[0][0] == timedelta(days=30)  # the Graph maximum
    assert later[0][1] - later[0][0] == timedelta(days=7)
    assert all(until - since == timedelta(days=1) for since, until in [first[1], later[1]])

"""The normalized analytics model: every platform's numbers as daily points.

A :class:`Point` is one value of one :class:`Metric` for one account on one day,
and it knows where it came from (``source``: the provider and endpoint that
answered). Missing data is no point at all, never a zero: a day a platform did
not report stays a gap all the way to the chart.

Metrics come in two shapes. A *level* is a running total read at one moment
(followers, media count, karma); a *flow* is what happened during one day
(reach, likes, earnings). Aggregation treats them differently: levels are
summed across accounts day by day and grow; flows add up over a range.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

__all__ = ["Metric", "MetricKind", "Point", "SeriesKey", "split_stored_metric"]


class MetricKind(enum.StrEnum):
    """The families the page shows as KPI tiles and chart choices."""

    AUDIENCE = "audience"
    CONTENT = "content"
    REACH = "reach"
    ENGAGEMENT = "engagement"
    REVENUE = "revenue"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    MetricKind.AUDIENCE: "Audience",
    MetricKind.CONTENT: "Content",
    MetricKind.REACH: "Reach & views",
    MetricKind.ENGAGEMENT: "Engagement",
    MetricKind.REVENUE: "Revenue",
}


class Metric(enum.StrEnum):
    """One normalized metric (the value stored in ``metric_snapshots.metric``)."""

    FOLLOWERS = "followers"
    SUBSCRIBERS = "subscribers"
    NEW_FOLLOWERS = "new_followers"
    MEDIA = "media"
    VIDEOS = "videos"
    POSTS = "posts"
    REACH = "reach"
    VIEWS = "views"
    LIKES = "likes"
    COMMENTS = "comments"
    SHARES = "shares"
    SAVES = "saves"
    INTERACTIONS = "interactions"
    KARMA = "karma"
    EARNINGS = "earnings"

    @property
    def kind(self) -> MetricKind:
        return _KINDS[self]

    @property
    def is_level(self) -> bool:
        """A running total (read at a moment) rather than a per-day amount."""
        return self in _LEVELS

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_KINDS = {
    Metric.FOLLOWERS: MetricKind.AUDIENCE,
    Metric.SUBSCRIBERS: MetricKind.AUDIENCE,
    # New follows per day: an audience flow, not part of the audience total.
    Metric.NEW_FOLLOWERS: MetricKind.AUDIENCE,
    Metric.MEDIA: MetricKind.CONTENT,
    Metric.VIDEOS: MetricKind.CONTENT,
    Metric.POSTS: MetricKind.CONTENT,
    Metric.REACH: MetricKind.REACH,
    Metric.VIEWS: MetricKind.REACH,
    Metric.LIKES: MetricKind.ENGAGEMENT,
    Metric.COMMENTS: MetricKind.ENGAGEMENT,
    Metric.SHARES: MetricKind.ENGAGEMENT,
    Metric.SAVES: MetricKind.ENGAGEMENT,
    Metric.INTERACTIONS: MetricKind.ENGAGEMENT,
    # Karma is a running total; its day-to-day change is the engagement.
    Metric.KARMA: MetricKind.ENGAGEMENT,
    Metric.EARNINGS: MetricKind.REVENUE,
}

_LEVELS = frozenset(
    {
        Metric.FOLLOWERS,
        Metric.SUBSCRIBERS,
        Metric.MEDIA,
        Metric.VIDEOS,
        Metric.POSTS,
        Metric.KARMA,
    }
)


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Which line a value belongs to: account, metric and unit (currency)."""

    account_id: int
    metric: Metric
    unit: str | None = None

    @property
    def stored_metric(self) -> str:
        """The ``metric_snapshots.metric`` text: the unit rides along (``earnings:USD``)."""
        return f"{self.metric.value}:{self.unit}" if self.unit else self.metric.value


@dataclass(frozen=True, slots=True)
class Point:
    """One daily value, with where it came from (``source`` = ``provider:endpoint``)."""

    account_id: int
    metric: Metric
    day: date
    value: float
    source: str
    unit: str | None = None

    @property
    def key(self) -> SeriesKey:
        return SeriesKey(self.account_id, self.metric, self.unit)

    def as_row(self) -> tuple[str, date, float, str]:
        """The ``MetricStore.upsert_snapshots`` tuple."""
        return (self.key.stored_metric, self.day, float(self.value), self.source)


def split_stored_metric(text: str) -> tuple[Metric, str | None] | None:
    """``"earnings:USD"`` → (EARNINGS, "USD"); None for a metric this build does not know."""
    name, _, unit = text.partition(":")
    try:
        return Metric(name), (unit or None)
    except ValueError:
        return None

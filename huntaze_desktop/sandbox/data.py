"""Deterministic, time-varying, plausible numbers for the demo accounts.

Every number is a function of (platform, user, metric, day): a slow growth trend
around ``REFERENCE_DAY`` times a little noise drawn from a hash, so the same day
always gives the same value (tests and backfills can compare) while history
reaches back to the day the account joined.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from huntaze_desktop.sandbox.users import REFERENCE_DAY, DemoUser

__all__ = [
    "Post",
    "audience",
    "daily_metric",
    "day_end",
    "day_start",
    "new_followers",
    "posts",
    "unit",
]

# Daily value of each metric as a share of the audience (before noise).
_RATIOS: dict[str, float] = {
    "reach": 0.30,
    "views": 0.85,
    "accounts_engaged": 0.045,
    "total_interactions": 0.07,
    "likes": 0.055,
    "comments": 0.004,
    "shares": 0.003,
    "saves": 0.006,
    "replies": 0.001,
    "profile_links_taps": 0.002,
    "follows_and_unfollows": 0.002,
    "online_followers": 0.4,
}


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for these parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def day_end(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


@lru_cache(maxsize=65_536)
def audience(user: DemoUser, day: date) -> int:
    """Followers (subscribers, fans) at the end of ``day``; 0 before joining."""
    if day < user.joined:
        return 0
    years = (day - REFERENCE_DAY).days / 365.25
    trend = user.followers * math.exp(math.log1p(user.growth) * years)
    # Young accounts ramp up from nothing over their first months.
    ramp = min(1.0, ((day - user.joined).days + 1) / 120)
    wobble = 1 + 0.004 * (unit(user.provider, user.username, "aud", day) - 0.5)
    return max(0, round(trend * ramp * wobble))


def new_followers(user: DemoUser, day: date) -> int:
    """New followers gained on ``day`` (never negative: unfollows are counted apart)."""
    gained = audience(user, day) - audience(user, day - timedelta(days=1))
    churn = round(audience(user, day) * 0.0008 * unit(user.provider, user.username, "nf", day))
    return max(0, gained + churn)


def daily_metric(user: DemoUser, metric: str, day: date) -> int:
    """The value of ``metric`` on ``day``: audience x ratio x weekday x noise."""
    base = audience(user, day) * _RATIOS.get(metric, 0.01)
    weekend = 1.15 if day.weekday() >= 5 else 1.0
    noise = 0.6 + 0.8 * unit(user.provider, user.username, metric, day)
    return round(base * weekend * noise)


@dataclass(frozen=True, slots=True)
class Post:
    """One post/video/submission of a demo account with its lifetime counts."""

    post_id: str
    created: datetime
    title: str
    views: int
    likes: int
    comments: int
    shares: int


_TITLES = (
    "Morning light study",
    "Behind the scenes",
    "Five tips for new creators",
    "Studio tour",
    "Q&A: your questions",
    "Trying the new trend",
    "A quiet Sunday",
    "Colour palette of the week",
)


def posts(
    user: DemoUser, until: datetime, *, every_days: int = 3, now: datetime | None = None
) -> list[Post]:
    """The account's posts created before ``until``, newest first, with counts as of ``now``.

    Roughly one post every ``every_days`` days since joining; counts grow with
    the post's age and saturate after about a week. ``now`` (default ``until``)
    is the moment the counts are read at: a page of a listing that starts at a
    cursor in the past still answers with today's counts, as the platforms do.
    """
    seen_at = until if now is None else now
    return [
        _post(user, created, post_id, title, reach, seen_at)
        for created, post_id, title, reach in _history(user, every_days, until.date())
        if created < until
    ]


# What never changes about a post (when, id, title, its final reach), per account
# and last day. Each answer used to redraw years of daily hashes (10-20 ms): with
# hundreds of accounts the sandbox itself became the slowest part of a refresh.
@lru_cache(maxsize=4096)
def _history(
    user: DemoUser, every_days: int, last_day: date
) -> tuple[tuple[datetime, str, str, float], ...]:
    result: list[tuple[datetime, str, str, float]] = []
    day = last_day
    while day >= user.joined:
        if unit(user.provider, user.username, "post?", day) < 1 / every_days:
            hour = int(unit(user.provider, user.username, "hour", day) * 24)
            created = day_start(day) + timedelta(hours=hour)
            key = (user.provider, user.username, created.isoformat())
            reach = audience(user, created.date()) * (0.2 + 1.6 * unit(*key, "reach"))
            digits = int(unit(*key, "id") * 10**12)
            post_id = f"{int(created.timestamp())}{digits:012d}"
            title = _TITLES[int(unit(*key, "title") * len(_TITLES))]
            result.append((created, post_id, title, reach))
        day -= timedelta(days=1)
    return tuple(result)


def _post(
    user: DemoUser, created: datetime, post_id: str, title: str, reach: float, now: datetime
) -> Post:
    age_days = max(0.0, (now - created).total_seconds() / 86_400)
    seen = reach * (1 - math.exp(-age_days / 1.5))
    return Post(
        post_id=post_id,
        created=created,
        title=title,
        views=round(seen * 2.5),
        likes=round(seen * 0.08),
        comments=round(seen * 0.006),
        shares=round(seen * 0.004),
    )

"""The demo accounts people and tests sign in with (passwords shown on the login page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["DEFAULT_USERS", "REFERENCE_DAY", "DemoUser"]

# Audience sizes below are the ones on this day; data.py grows them around it.
REFERENCE_DAY = date(2026, 1, 1)


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A sign-in-able account on one sandbox platform.

    ``user_id`` is the platform's own id (Instagram professional account id,
    TikTok open_id, Reddit id without ``t2_``, OnlyFans numeric id).
    ``followers`` is the audience on ``REFERENCE_DAY``; ``growth`` its yearly
    growth rate; nothing exists before ``joined``.
    """

    provider: str
    username: str
    password: str
    user_id: str
    display_name: str
    followers: int
    joined: date
    growth: float = 0.35


# fmt: off
DEFAULT_USERS: tuple[DemoUser, ...] = (
    DemoUser("instagram", "sunny.creates", "sunny-pass", "17841400000000001",
             "Sunny Creates", 9_800, date(2021, 3, 14)),
    DemoUser("instagram", "moonlight.studio", "moon-pass", "17841400000000002",
             "Moonlight Studio", 41_000, date(2019, 9, 2), growth=0.2),
    # Under 100 followers: Instagram gives no follower_count insight for it.
    DemoUser("instagram", "tiny.sprout", "sprout-pass", "17841400000000003",
             "Tiny Sprout", 42, date(2024, 1, 8), growth=0.1),
    DemoUser("tiktok", "sunny.creates", "sunny-pass", "-000sbxSunnyOpenId0001",
             "Sunny ☀️", 25_000, date(2020, 6, 1), growth=0.6),
    DemoUser("tiktok", "dance.with.moon", "moon-pass", "-000sbxMoonOpenId00002",
             "Moon Dances", 310_000, date(2019, 11, 20)),
    DemoUser("reddit", "sunny_creates", "sunny-pass", "1a2b3c",
             "sunny_creates", 1_200, date(2018, 4, 22)),
    DemoUser("reddit", "moonlight_studio", "moon-pass", "4d5e6f",
             "moonlight_studio", 150, date(2022, 2, 2)),
    DemoUser("onlyfans", "sunnycreates", "sunny-pass", "280001",
             "Sunny", 1_450, date(2021, 5, 5)),
    DemoUser("onlyfans", "moonlightstudio", "moon-pass", "280002",
             "Moonlight", 620, date(2022, 8, 30)),
)
# fmt: on

"""Demo accounts: what one is (each platform's stand-in lists its own, ``SandboxPlatform.users``).

Passwords are shown on the sandbox's login pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["REFERENCE_DAY", "DemoUser"]

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

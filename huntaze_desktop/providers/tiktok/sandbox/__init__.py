"""TikTok's sandbox stand-in, as data (the web app is ``app.py``, loaded only to serve).

Hosts: ``www`` (www.tiktok.com, the authorize page) and ``open``
(open.tiktokapis.com: tokens and the Display API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.users import DemoUser

__all__ = ["SANDBOX", "TikTokFlags"]


@dataclass(slots=True)
class TikTokFlags:
    """TikTok's lifetimes differ between doc versions (``/_admin/flags``: ``tiktok_<name>``)."""

    access_lifetime_s: int = 86_400
    refresh_lifetime_s: int = 31_536_000
    rotate_refresh: bool = True


# fmt: off
SANDBOX = SandboxPlatform(
    provider="tiktok",
    hosts={"auth": "www", "api": "open"},
    credentials=("sbxtiktokclientkey01", "sandbox-tiktok-secret-91c2"),
    users=(
        DemoUser("tiktok", "sunny.creates", "sunny-pass", "-000sbxSunnyOpenId0001",
                 "Sunny ☀️", 25_000, date(2020, 6, 1), growth=0.6),
        DemoUser("tiktok", "dance.with.moon", "moon-pass", "-000sbxMoonOpenId00002",
                 "Moon Dances", 310_000, date(2019, 11, 20)),
    ),
    app="huntaze_desktop.providers.tiktok.sandbox.app:APP",
    flags=TikTokFlags,
)
# fmt: on

"""Reddit's sandbox stand-in, as data (the web app is ``app.py``, loaded only to serve).

Hosts: ``www`` (www.reddit.com: authorize, tokens, revocation) and ``oauth``
(oauth.reddit.com, the API). Reddit is an installed app: HTTP Basic with
``client_id:`` and an empty secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.users import DemoUser

__all__ = ["SANDBOX", "RedditFlags"]


@dataclass(slots=True)
class RedditFlags:
    """Answer shapes Reddit has been seen to give (``/_admin/flags``: ``reddit_<name>``)."""

    # Does a refresh grant hand back a new refresh token?
    rotate_refresh: bool = False
    # A bad refresh token as HTTP 200 {"error":"invalid_grant"} ("200")
    # or as HTTP 400 {"error": 400} ("400"); both have been recorded.
    bad_refresh_shape: str = "200"
    access_lifetime_s: int = 3_600
    requests_per_minute: int = 100


# fmt: off
SANDBOX = SandboxPlatform(
    provider="reddit",
    hosts={"auth": "www", "api": "oauth"},
    credentials=("SbxRedditInstalled01", None),
    users=(
        DemoUser("reddit", "sunny_creates", "sunny-pass", "1a2b3c",
                 "sunny_creates", 1_200, date(2018, 4, 22)),
        DemoUser("reddit", "moonlight_studio", "moon-pass", "4d5e6f",
                 "moonlight_studio", 150, date(2022, 2, 2)),
    ),
    app="huntaze_desktop.providers.reddit.sandbox.app:APP",
    flags=RedditFlags,
)
# fmt: on

"""Instagram's sandbox stand-in, as data (the web app is ``app.py``, loaded only to serve).

Hosts: ``www`` (www.instagram.com, the authorize page), ``api``
(api.instagram.com, the code exchange) and ``graph`` (graph.instagram.com).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.users import DemoUser

__all__ = ["SANDBOX", "InstagramFlags"]


@dataclass(slots=True)
class InstagramFlags:
    """Answer shapes Instagram has been seen to give (``/_admin/flags``: ``instagram_<name>``)."""

    # Code exchange: False = flat object, True = {"data": [{...}]}.
    wrapped_token: bool = False


# fmt: off
SANDBOX = SandboxPlatform(
    provider="instagram",
    hosts={"auth": "www", "token": "api", "graph": "graph"},
    credentials=("sandbox-ig-app-1001", "sandbox-ig-secret-7f3a"),
    users=(
        DemoUser("instagram", "sunny.creates", "sunny-pass", "17841400000000001",
                 "Sunny Creates", 9_800, date(2021, 3, 14)),
        DemoUser("instagram", "moonlight.studio", "moon-pass", "17841400000000002",
                 "Moonlight Studio", 41_000, date(2019, 9, 2), growth=0.2),
        # Under 100 followers: Instagram gives no follower_count insight for it.
        DemoUser("instagram", "tiny.sprout", "sprout-pass", "17841400000000003",
                 "Tiny Sprout", 42, date(2024, 1, 8), growth=0.1),
    ),
    app="huntaze_desktop.providers.instagram.sandbox.app:APP",
    flags=InstagramFlags,
)
# fmt: on

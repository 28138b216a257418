"""OnlyFans (session-based, unofficial) as data.

There is no official API: the app uses the web API a signed-in browser uses,
with the captured session and request signatures (see ``signing.py``). Endpoint
shapes are community-observed and may change; they live here so a change is one
edit.
"""

from __future__ import annotations

import msgspec

from huntaze_desktop.providers.base import ProviderSpec, RedirectPolicy, RefreshPolicy

__all__ = ["SPEC", "OnlyFansMetadata"]


class OnlyFansMetadata(msgspec.Struct, kw_only=True):
    """What we keep about an OnlyFans account besides its session (from ``/users/me``).

    The site answers in camelCase; the client turns its keys into these
    snake_case names, the ones stored.
    """

    is_performer: bool | None = None
    subscribers_count: int | None = None
    posts_count: int | None = None
    photos_count: int | None = None
    videos_count: int | None = None
    audios_count: int | None = None
    favorited_count: int | None = None
    subscribe_price: float | None = None
    # Shown on the card: this connection is not an official API.
    session_based: bool = True


SPEC = ProviderSpec(
    name="onlyfans",
    display_name="OnlyFans",
    description="Subscribers and earnings (session-based, unofficial connection).",
    icon="onlyfans.svg",
    sort_order=40,
    auth_kind="session",
    unofficial=True,
    base_urls={"site": "https://onlyfans.com"},
    endpoints={
        "login": ("site", "/"),
        "me": ("site", "/api2/v2/users/me"),
        "earnings_chart": ("site", "/api2/v2/earnings/chart"),
        "balances": ("site", "/api2/v2/payouts/balances"),
    },
    refresh=RefreshPolicy(has_refresh_token=False, margin_seconds=0),
    metadata_model=OnlyFansMetadata,
    redirect=RedirectPolicy(kind="none"),
    requires_client_secret=False,
)

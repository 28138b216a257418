"""Instagram API with Instagram Login (Business and Creator accounts), as data."""

from __future__ import annotations

import msgspec

from huntaze_desktop.providers.base import ProviderSpec, RedirectPolicy, RefreshPolicy

__all__ = ["SPEC", "InstagramMetadata"]


class InstagramMetadata(msgspec.Struct, kw_only=True):
    """What we keep about an Instagram account besides its tokens."""

    # The professional account id from the token answer (``user_id``); insights use it.
    ig_business_id: str
    account_type: str | None = None


SPEC = ProviderSpec(
    name="instagram",
    display_name="Instagram",
    description="Reach, views and followers of your Instagram professional account.",
    icon="instagram.svg",
    sort_order=10,
    auth_kind="oauth",
    base_urls={
        "auth": "https://www.instagram.com",
        "token": "https://api.instagram.com",
        "graph": "https://graph.instagram.com",
    },
    endpoints={
        "authorize": ("auth", "/oauth/authorize"),
        "token": ("token", "/oauth/access_token"),
        "long_lived": ("graph", "/access_token"),
        "refresh": ("graph", "/refresh_access_token"),
        "me": ("graph", "/me"),
        "insights": ("graph", "/{ig_id}/insights"),
    },
    scopes=("instagram_business_basic", "instagram_business_manage_insights"),
    scope_separator=",",
    client_id_param="client_id",
    pkce="none",
    client_auth="form",
    refresh=RefreshPolicy(
        # Long-lived tokens last 60 days; renew a week ahead, never before 24 h of age.
        margin_seconds=7 * 86400,
        min_age_seconds=86400,
        rotating=True,
        has_refresh_token=False,
    ),
    rate_limit_headers=("X-App-Usage", "X-Business-Use-Case-Usage"),
    metadata_model=InstagramMetadata,
    redirect=RedirectPolicy(
        kind="https_intercept", registered_uri="https://localhost/huntaze/callback"
    ),
)

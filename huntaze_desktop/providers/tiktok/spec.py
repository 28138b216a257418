"""TikTok Login Kit v2 for desktop and the Display API, as data."""

from __future__ import annotations

import msgspec

from huntaze_desktop.providers.base import ProviderSpec, RedirectPolicy, RefreshPolicy

__all__ = ["SPEC", "TikTokMetadata"]


class TikTokMetadata(msgspec.Struct, kw_only=True):
    """What we keep about a TikTok account besides its tokens."""

    union_id: str | None = None


SPEC = ProviderSpec(
    name="tiktok",
    display_name="TikTok",
    description="Followers, likes and video views of your TikTok account.",
    icon="tiktok.svg",
    sort_order=20,
    auth_kind="oauth",
    base_urls={"auth": "https://www.tiktok.com", "api": "https://open.tiktokapis.com"},
    endpoints={
        "authorize": ("auth", "/v2/auth/authorize/"),
        "token": ("api", "/v2/oauth/token/"),
        "revoke": ("api", "/v2/oauth/revoke/"),
        "user_info": ("api", "/v2/user/info/"),
        "video_list": ("api", "/v2/video/list/"),
    },
    scopes=("user.info.basic", "user.info.profile", "user.info.stats", "video.list"),
    scope_separator=",",
    client_id_param="client_key",
    # Desktop apps: the challenge is the hex SHA-256 of the verifier, not base64url.
    pkce="s256_hex",
    client_auth="form",
    refresh=RefreshPolicy(margin_seconds=600, rotating=True, has_refresh_token=True),
    rate_limit_headers=(),
    metadata_model=TikTokMetadata,
    # Desktop apps may register a wildcard port: any loopback port works.
    redirect=RedirectPolicy(
        kind="loopback", registered_uri="http://127.0.0.1:8765/callback", loopback_path="/callback"
    ),
)

"""Reddit as an installed app (public client), as data."""

from __future__ import annotations

import msgspec

from huntaze_desktop.providers.base import ProviderSpec, RedirectPolicy, RefreshPolicy

__all__ = ["SPEC", "RedditMetadata"]


class RedditMetadata(msgspec.Struct, kw_only=True):
    """What we keep about a Reddit account besides its tokens."""

    # The submitted listing is addressed by name, not id.
    username: str
    created_utc: float | None = None


SPEC = ProviderSpec(
    name="reddit",
    display_name="Reddit",
    description="Karma, followers and post scores of your Reddit account.",
    icon="reddit.svg",
    sort_order=30,
    auth_kind="oauth",
    base_urls={"auth": "https://www.reddit.com", "api": "https://oauth.reddit.com"},
    endpoints={
        "authorize": ("auth", "/api/v1/authorize"),
        "token": ("auth", "/api/v1/access_token"),
        "revoke": ("auth", "/api/v1/revoke_token"),
        "me": ("api", "/api/v1/me"),
        "submitted": ("api", "/user/{name}/submitted"),
    },
    scopes=("identity", "read", "history", "mysubreddits"),
    scope_separator=" ",
    client_id_param="client_id",
    pkce="none",
    # Installed apps: HTTP Basic with the client id and an empty secret.
    client_auth="basic",
    # Without duration=permanent Reddit issues no refresh token.
    authorize_params={"duration": "permanent"},
    refresh=RefreshPolicy(margin_seconds=300, rotating=False, has_refresh_token=True),
    rate_limit_headers=("X-Ratelimit-Used", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"),
    metadata_model=RedditMetadata,
    # Reddit compares the redirect URI exactly, port included.
    redirect=RedirectPolicy(
        kind="loopback",
        registered_uri="http://127.0.0.1:65010/callback",
        loopback_path="/callback",
        fixed_port=True,
    ),
    # Generic agents get throttled: <platform>:<app id>:<version> (by /u/<name>).
    user_agent_template="desktop:{client_id}:{version} (by /u/huntaze_desktop)",
    requires_client_secret=False,
)

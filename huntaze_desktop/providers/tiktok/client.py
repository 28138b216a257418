"""TikTok: client_key, hex PKCE, rotating refresh tokens, ``{"data","error"}`` envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    MalformedResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.retry import retry_after
from huntaze_desktop.providers.base import Profile, ProviderClient, oauth_error_status_fix
from huntaze_desktop.providers.errors import (
    as_mapping,
    as_str,
    generic_http_error,
    oauth_error_code,
    optional_int,
    optional_str,
)

__all__ = ["Client", "parse_videos"]

_AUTH_CODES = frozenset({"access_token_invalid", "scope_not_authorized"})
# TikTok's own codes; any other ``error`` string is an RFC 6749 one (the base's).
_TIKTOK_CODES = _AUTH_CODES | {"rate_limit_exceeded", "internal_error"}
_USER_FIELDS = (
    "open_id,union_id,avatar_url,display_name,username,"
    "follower_count,following_count,likes_count,video_count"
)
_STAT_FIELDS = ("follower_count", "following_count", "likes_count", "video_count")
_VIDEO_FIELDS = "id,create_time,title,view_count,like_count,comment_count,share_count"
_VIDEO_NUMBERS = ("create_time", "view_count", "like_count", "comment_count", "share_count")
MAX_PAGES = 5  # 100 videos: enough for the analytics window, gentle on the quota


class Client(ProviderClient):
    """TikTok Login Kit v2 (desktop) and Display API.

    Compliance hooks: ``client_key`` for ``client_id`` (the base, from the
    spec), and OAuth errors sent with HTTP 200 get their 400 back (token
    answers). The hex PKCE challenge comes from the spec's ``pkce="s256_hex"``.
    """

    def install_compliance_hooks(self) -> None:
        super().install_compliance_hooks()
        self.register_compliance_hook("access_token_response", oauth_error_status_fix)
        self.register_compliance_hook("refresh_token_response", oauth_error_status_fix)

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        name, status = self.spec.name, response.status_code
        code: str | None = None
        if isinstance(payload, Mapping):
            error = payload.get("error")
            if isinstance(error, Mapping):  # API envelope
                code = optional_str(error, "code")
                if code == "ok":
                    code = None
            elif (oauth_code := oauth_error_code(payload)) is not None:  # OAuth shape
                if oauth_code not in _TIKTOK_CODES and status != 429 and status < 500:
                    return self.oauth_error(response, oauth_code)
                code = oauth_code
        if code is None:
            if response.is_success:
                return None
            return generic_http_error(response, name, self.now())
        if code in _AUTH_CODES:
            return AuthRejectedError(provider=name, code=code, http_status=status)
        if code == "rate_limit_exceeded" or status == 429:
            return RateLimitedError(
                retry_at=retry_after(response, self.now()),
                provider=name,
                code=code,
                http_status=status,
            )
        if status >= 500 or code == "internal_error":
            return ProviderUnavailableError(provider=name, code=code, http_status=status)
        if status == 401:
            return AuthRejectedError(provider=name, code=code, http_status=status)
        return ProviderError(provider=name, code=code, http_status=status)

    def account_id_hint(self, payload: Mapping[str, Any]) -> str | None:
        return optional_str(payload, "open_id")

    async def revoke(self, tokens: TokenSet) -> None:
        # TikTok revokes the access token (and with it the grant).
        response = await self.revoke_request(self.endpoint_url("revoke"), tokens.access_token)
        if response.is_success and not response.content.strip():
            return  # success is an empty body (docs/PLATFORMS.md, "Revoke")
        self.read(response)

    def _bearer(self, tokens: TokenSet) -> dict[str, str]:
        return self.bearer_headers(tokens)

    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        response = await self.send(
            "GET",
            self.endpoint_url("user_info"),
            params={"fields": _USER_FIELDS},
            headers=self._bearer(tokens),
        )
        return parse_user(as_mapping(self.read(response), self.spec.name), self)

    async def fetch_stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        """``{"videos": [...]}`` created in [since, until], newest first (a few pages)."""
        start, end = since.timestamp(), until.timestamp()
        videos: list[dict[str, Any]] = []
        cursor: int | None = None
        for _ in range(MAX_PAGES):
            body: dict[str, Any] = {"max_count": 20}
            if cursor is not None:
                body["cursor"] = cursor
            response = await self.send(
                "POST",
                self.endpoint_url("video_list"),
                params={"fields": _VIDEO_FIELDS},
                json=body,
                headers=self._bearer(tokens),
            )
            page, cursor, has_more = parse_videos(
                as_mapping(self.read(response), self.spec.name), self.spec.name
            )
            videos.extend(v for v in page if start <= v["create_time"] <= end)
            # The list is newest first: once a page reaches before `since`, stop.
            if not has_more or cursor is None or any(v["create_time"] < start for v in page):
                break
        return {"videos": videos}


def parse_user(answer: Mapping[str, Any], client: Client) -> Profile:
    name = client.spec.name
    data = as_mapping(answer.get("data"), name, "data")
    user = as_mapping(data.get("user"), name, "user")
    stats = {k: v for k in _STAT_FIELDS if (v := optional_int(user, k)) is not None}
    return Profile(
        provider_account_id=as_str(user, "open_id", name),
        username=optional_str(user, "username"),
        display_name=optional_str(user, "display_name"),
        avatar_url=optional_str(user, "avatar_url"),
        metadata=client.spec.validate_metadata({"union_id": optional_str(user, "union_id")}),
        stats=stats,
    )


def parse_videos(
    answer: Mapping[str, Any], provider: str
) -> tuple[list[dict[str, Any]], int | None, bool]:
    """One video-list page → (videos, next cursor, has_more). Bad entries are skipped."""
    data = as_mapping(answer.get("data"), provider, "data")
    raw = data.get("videos")
    if not isinstance(raw, list):
        raise MalformedResponseError(provider=provider, code="missing_videos")
    videos: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        video_id = optional_str(item, "id")
        created = optional_int(item, "create_time")
        if video_id is None or created is None:
            continue
        video: dict[str, Any] = {"id": video_id, "title": optional_str(item, "title") or ""}
        for key in _VIDEO_NUMBERS:
            video[key] = optional_int(item, key)
        video["create_time"] = created
        videos.append(video)
    has_more = data.get("has_more") is True
    return videos, optional_int(data, "cursor"), has_more

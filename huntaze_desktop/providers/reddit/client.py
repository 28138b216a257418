"""Reddit: Basic auth with an empty secret, 200-with-error answers, bearer on oauth host."""

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
from huntaze_desktop.net.ratelimit import RateLimitInfo
from huntaze_desktop.net.retry import retry_after
from huntaze_desktop.providers.base import Profile, ProviderClient
from huntaze_desktop.providers.errors import (
    as_mapping,
    as_str,
    generic_http_error,
    optional_int,
    optional_str,
)

__all__ = ["Client", "parse_me", "parse_submitted"]

_AUTH_ERRORS = frozenset({"invalid_grant", "invalid_token", "unauthorized_client"})
_KARMA = ("total_karma", "link_karma", "comment_karma")


class Client(ProviderClient):
    """Reddit installed app (public client)."""

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        name, status = self.spec.name, response.status_code
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if status == 429 or (isinstance(error, int) and error == 429):
            return RateLimitedError(retry_at=self._retry_at(response), provider=name)
        if status >= 500:
            return ProviderUnavailableError(provider=name, http_status=status)
        if isinstance(error, str) and error:
            # The token endpoint answers HTTP 200 {"error": "invalid_grant"}.
            if error in _AUTH_ERRORS:
                return AuthRejectedError(provider=name, code=error, http_status=status)
            return ProviderError(provider=name, code=error, http_status=status)
        if isinstance(error, int) and not isinstance(error, bool):
            # 400 {"error": 400} for a bad refresh token; 401 {"error": 401} for bad
            # credentials or a dead access token.
            if error in (400, 401) or status in (400, 401):
                return AuthRejectedError(provider=name, code=str(error), http_status=status)
            return ProviderError(provider=name, code=str(error), http_status=status)
        if response.is_success:
            return None
        return generic_http_error(response, name, self.now())

    def _retry_at(self, response: httpx.Response) -> datetime | None:
        now = self.now()
        server = retry_after(response, now)
        if server is not None:
            return server
        return RateLimitInfo.from_headers(
            self.spec.rate_limit_headers, response.headers, now
        ).resets_at

    def _bearer(self, tokens: TokenSet) -> dict[str, str]:
        return {"Authorization": f"bearer {tokens.access_token}"}

    async def revoke(self, tokens: TokenSet) -> None:
        form = {"token": tokens.refresh_token or tokens.access_token}
        form["token_type_hint"] = "refresh_token" if tokens.refresh_token else "access_token"
        auth = self._client_auth(form)
        response = await self.send("POST", self.endpoint_url("revoke"), data=form, auth=auth)
        if response.status_code in (200, 204):
            return
        self.read(response)

    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        response = await self.send(
            "GET",
            self.endpoint_url("me"),
            params={"raw_json": "1"},
            headers=self._bearer(tokens),
        )
        return parse_me(as_mapping(self.read(response), self.spec.name), self)

    async def fetch_stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        """``{"posts": [{id, title, subreddit, score, num_comments, created_utc}]}``."""
        username = self.spec.validate_metadata(profile_metadata)["username"]
        response = await self.send(
            "GET",
            self.endpoint_url("submitted", name=username),
            params={"limit": "100", "raw_json": "1", "sort": "new"},
            headers=self._bearer(tokens),
        )
        posts = parse_submitted(as_mapping(self.read(response), self.spec.name), self.spec.name)
        start, end = since.timestamp(), until.timestamp()
        return {"posts": [p for p in posts if start <= p["created_utc"] <= end]}


def parse_me(data: Mapping[str, Any], client: Client) -> Profile:
    name = client.spec.name
    username = as_str(data, "name", name)
    stats = {k: v for k in _KARMA if (v := optional_int(data, k)) is not None}
    subreddit = data.get("subreddit")
    if isinstance(subreddit, Mapping):
        followers = optional_int(subreddit, "subscribers")
        if followers is not None:
            stats["followers"] = followers
    created = data.get("created_utc")
    created_utc = (
        float(created)
        if isinstance(created, int | float)
        and not isinstance(created, bool)
        and abs(created) < 1e12
        else None
    )
    return Profile(
        # Reddit's id has no "t2_" prefix here; strip one if a mirror adds it.
        provider_account_id=as_str(data, "id", name).removeprefix("t2_"),
        username=username,
        display_name=username,
        avatar_url=optional_str(data, "icon_img"),
        metadata=client.spec.validate_metadata({"username": username, "created_utc": created_utc}),
        stats=stats,
    )


def parse_submitted(answer: Mapping[str, Any], provider: str) -> list[dict[str, Any]]:
    """A Listing of the user's submissions → posts (entries without id or time skipped)."""
    data = as_mapping(answer.get("data"), provider, "data")
    children = data.get("children")
    if not isinstance(children, list):
        raise MalformedResponseError(provider=provider, code="missing_children")
    posts: list[dict[str, Any]] = []
    for child in children:
        item = child.get("data") if isinstance(child, Mapping) else None
        if not isinstance(item, Mapping):
            continue
        post_id = optional_str(item, "id")
        created = optional_int(item, "created_utc")
        if post_id is None or created is None:
            continue
        posts.append(
            {
                "id": post_id,
                "title": optional_str(item, "title") or "",
                "subreddit": optional_str(item, "subreddit"),
                "score": optional_int(item, "score"),
                "num_comments": optional_int(item, "num_comments"),
                "created_utc": created,
            }
        )
    return posts

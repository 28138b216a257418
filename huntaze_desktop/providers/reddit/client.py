"""Reddit: Basic auth with an empty secret, 200-with-error answers, bearer on oauth host."""

from __future__ import annotations

import json
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
from huntaze_desktop.providers.base import Profile, ProviderClient, oauth_error_status_fix
from huntaze_desktop.providers.errors import (
    as_mapping,
    as_str,
    generic_http_error,
    optional_int,
    optional_str,
)

__all__ = ["Client", "parse_me", "parse_submitted"]

_KARMA = ("total_karma", "link_karma", "comment_karma")


class Client(ProviderClient):
    """Reddit installed app (public client).

    Compliance hooks: token answers' ``200 {"error": "invalid_grant"}`` get
    their 400; the token endpoint's ``401 {"error": 401}`` (HTTP Basic refused:
    the app's client id or secret is wrong) becomes ``invalid_client``, so the
    account shows refused app credentials, not a reconnect; a refresh's
    ``400 {"error": 400}`` (the other recorded shape of a dead refresh token)
    becomes ``invalid_grant``; API calls send ``bearer`` in lower case, as
    Reddit's documentation does. HTTP Basic with the client id and an empty
    secret comes from the spec (``client_auth``). On the API host a 401 still
    means the access token is dead.
    """

    def install_compliance_hooks(self) -> None:
        super().install_compliance_hooks()
        self.register_compliance_hook("access_token_response", oauth_error_status_fix)
        self.register_compliance_hook(
            "access_token_response", _basic_auth_refused_is_invalid_client
        )
        self.register_compliance_hook("refresh_token_response", oauth_error_status_fix)
        self.register_compliance_hook(
            "refresh_token_response", _basic_auth_refused_is_invalid_client
        )
        self.register_compliance_hook("refresh_token_response", _numeric_400_is_invalid_grant)
        self.register_compliance_hook("protected_request", _lowercase_bearer)

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        name, status = self.spec.name, response.status_code
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if status == 429 or (isinstance(error, int) and error == 429):
            return RateLimitedError(retry_at=self._retry_at(response), provider=name)
        if status >= 500:
            return ProviderUnavailableError(provider=name, http_status=status)
        if isinstance(error, str) and error:
            # RFC 6749 codes (the token endpoint's invalid_grant, even with HTTP 200).
            return self.oauth_error(response, error)
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
        return self.bearer_headers(tokens)

    async def revoke(self, tokens: TokenSet) -> None:
        hint = "refresh_token" if tokens.refresh_token else "access_token"
        token = tokens.refresh_token or tokens.access_token
        response = await self.revoke_request(self.endpoint_url("revoke"), token, hint)
        if response.status_code in (200, 204):
            return
        # Same HTTP Basic check as the token endpoint: a 401 refuses the app, not the token.
        self.read(_basic_auth_refused_is_invalid_client(response))

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


def _basic_auth_refused_is_invalid_client(response: httpx.Response) -> httpx.Response:
    """Token and revoke answers: ``401 {"error": 401}`` is RFC 6749's ``invalid_client``.

    Reddit checks the HTTP Basic client credentials before anything else and
    answers a mismatch with 401, ``WWW-Authenticate: Basic realm="reddit"`` and
    ``{"message": "Unauthorized", "error": 401}`` (docs/PLATFORMS.md).
    """
    if response.status_code != 401:
        return response
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response
    if not isinstance(payload, Mapping) or payload.get("error") != 401:
        return response
    return httpx.Response(
        401,
        headers={"Content-Type": "application/json"},
        content=json.dumps({"error": "invalid_client"}).encode(),
        request=response.request,
    )


def _numeric_400_is_invalid_grant(response: httpx.Response) -> httpx.Response:
    """Refresh answers: Reddit's ``400 {"error": 400}`` is RFC 6749's ``invalid_grant``."""
    if response.status_code != 400:
        return response
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response
    if not isinstance(payload, Mapping) or payload.get("error") != 400:
        return response
    return httpx.Response(
        400,
        headers={"Content-Type": "application/json"},
        content=json.dumps({"error": "invalid_grant"}).encode(),
        request=response.request,
    )


def _lowercase_bearer(
    url: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    value = headers.get("Authorization", "")
    if value.startswith("Bearer "):
        headers["Authorization"] = "bearer " + value.removeprefix("Bearer ")
    return url, headers, body


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

"""Instagram: flat-or-wrapped code answers, the long-lived exchange, Graph errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    MalformedResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.conditional import Validators, is_not_modified
from huntaze_desktop.net.ratelimit import RateLimitInfo
from huntaze_desktop.net.retry import retry_after
from huntaze_desktop.providers.base import Profile, ProviderClient, Stats, TokenGrant, Unchanged
from huntaze_desktop.providers.errors import (
    as_mapping,
    as_str,
    generic_http_error,
    optional_int,
    optional_str,
)

__all__ = ["Client"]

log = logging.getLogger("huntaze.providers.instagram")

_THROTTLE_CODES = frozenset({4, 17, 32, 613})
# Graph: "Error validating client secret" / invalid application (the app, not the user).
_APP_REJECTED = 101
# The legacy code-exchange answers that are about the app's credentials.
_LEGACY_CLIENT_MESSAGES = frozenset({"Invalid platform app", "Error validating client secret."})
_PROFILE_FIELDS = (
    "user_id,username,name,account_type,profile_picture_url,"
    "followers_count,follows_count,media_count"
)
_STAT_FIELDS = ("followers_count", "follows_count", "media_count")
# Daily series the analytics page charts; total_value metrics need another call.
INSIGHT_METRICS = ("reach", "follower_count")
TOTAL_METRICS = ("views", "accounts_engaged", "total_interactions", "likes", "comments")


class Client(ProviderClient):
    """Instagram API with Instagram Login."""

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        name = self.spec.name
        status = response.status_code
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if isinstance(error, Mapping):
            code = optional_int(error, "code")
            if code == 190:
                return AuthRejectedError(provider=name, code="190", http_status=status)
            if code == _APP_REJECTED:
                return self.oauth_error(response, "invalid_client")
            if code in _THROTTLE_CODES:
                return RateLimitedError(
                    retry_at=self._retry_at(response),
                    provider=name,
                    code=str(code),
                    http_status=status,
                )
            if status >= 500 or error.get("is_transient") is True:
                return ProviderUnavailableError(provider=name, code=str(code), http_status=status)
            if status == 401:
                return AuthRejectedError(provider=name, code=str(code), http_status=status)
            return ProviderError(provider=name, code=str(code), http_status=status)
        if isinstance(error, str) and error:
            # RFC 6749 shape (the legacy answers a compliance hook rewrote).
            return self.oauth_error(response, error)
        if isinstance(payload, Mapping) and "error_type" in payload:
            # The OAuth endpoints' legacy shape. A rejected code or token is an auth
            # rejection; anything else (bad app settings) is a plain provider error.
            kind = optional_str(payload, "error_type")
            if kind == "OAuthException" and status in (400, 401, 403):
                return AuthRejectedError(provider=name, code="oauth_exception", http_status=status)
            if status >= 500:
                return ProviderUnavailableError(provider=name, http_status=status)
            return ProviderError(provider=name, code=kind, http_status=status)
        if response.is_success:
            return None
        if status == 429:
            return RateLimitedError(retry_at=self._retry_at(response), provider=name)
        return generic_http_error(response, name, self.now())

    def _retry_at(self, response: httpx.Response) -> datetime | None:
        now = self.now()
        info = RateLimitInfo.from_headers(self.spec.rate_limit_headers, response.headers, now)
        server = retry_after(response, now)
        candidates = [t for t in (server, info.resets_at) if t is not None]
        return max(candidates) if candidates else None

    # -- tokens -----------------------------------------------------------------
    #
    # Compliance hooks: the code answer may come wrapped in {"data": [{...}]}
    # and a refused app comes in the legacy shape (``access_token_response``:
    # unwrapped, and rewritten as RFC 6749 ``invalid_client``). The long-lived
    # exchange (``ig_exchange_token``) and the refresh (``ig_refresh_token``) are
    # Graph GETs whose grant is the access token itself, built with authlib's
    # ``prepare_token_request``.

    def install_compliance_hooks(self) -> None:
        super().install_compliance_hooks()
        self.register_compliance_hook("access_token_response", _unwrap_code_answer)
        self.register_compliance_hook("access_token_response", _legacy_client_error)

    async def exchange_code(
        self, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        # Meta appends "#_" to the redirect; a code read naively may still carry it.
        code = code.removesuffix("#_")
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri)
        short = await self.token_endpoint_request(
            self.endpoint_url("token"), body, response_hook="access_token_response"
        )
        short_token = as_str(short, "access_token", self.spec.name)
        user_id = as_str(short, "user_id", self.spec.name)
        # A short-lived token lasts an hour: trade it for a 60-day one straight away.
        body = prepare_token_request(
            "ig_exchange_token",
            client_secret=self.credentials.client_secret or "",
            access_token=short_token,
        )
        long = await self.token_endpoint_request(
            self.endpoint_url("long_lived"),
            body,
            method="GET",
            authenticate=False,
            response_hook="access_token_response",
        )
        tokens = self.token_set(long)
        permissions = short.get("permissions")
        scope = (
            ",".join(p for p in permissions if isinstance(p, str))
            if isinstance(permissions, list)
            else optional_str(short, "permissions")
        )
        if scope:
            tokens = _replace_scope(tokens, scope)
        return TokenGrant(
            tokens=tokens,
            provider_account_id=user_id,
            raw={"user_id": user_id, "permissions": scope},
        )

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        now = self.now()
        if tokens.expires_at is not None and tokens.expires_at <= now:
            # Instagram cannot renew a lapsed token: only a new sign-in helps.
            raise AuthRejectedError(provider=self.spec.name, code="expired")
        min_age = timedelta(seconds=self.spec.refresh.min_age_seconds)
        if tokens.issued_at is not None and now - tokens.issued_at < min_age:
            log.debug("instagram token younger than 24 h: not refreshed")
            return tokens
        body = prepare_token_request("ig_refresh_token", access_token=tokens.access_token)
        payload = await self.token_endpoint_request(
            self.endpoint_url("refresh"),
            body,
            method="GET",
            authenticate=False,
            request_hook="refresh_token_request",
            response_hook="refresh_token_response",
        )
        return self.token_set(payload, previous=tokens)

    async def revoke(self, tokens: TokenSet) -> None:
        # No revoke endpoint for Instagram Login: the user removes the app on Instagram.
        self.endpoint_url("revoke")

    # -- data -------------------------------------------------------------------

    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        found = await self._profile(tokens, None)
        assert isinstance(found, Profile)  # no validators sent: never a 304
        return found

    async def fetch_profile_if_changed(
        self, tokens: TokenSet, validators: Validators
    ) -> Profile | Unchanged:
        return await self._profile(tokens, validators)

    async def fetch_stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        """``{"series": {metric: [{"end_time", "value"}]}, "totals": {metric: int|None}}``.

        One Graph call per window, for what is daily data over it: a window of
        one whole day asks the day's ``total_value`` metrics (views, likes...);
        a longer one asks the daily ``time_series`` (reach, new followers), as
        Graph sums total_value metrics over the whole window into one number
        that belongs to no day. The other half of the answer is left empty.
        Missing data stays missing (an empty list, None), never 0.
        """
        found = await self._stats(tokens, profile_metadata, since, until, None)
        assert isinstance(found, Stats)  # no validators sent: never a 304
        return found

    async def fetch_stats_if_changed(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
        validators: Validators,
    ) -> dict[str, Any] | Unchanged:
        return await self._stats(tokens, profile_metadata, since, until, validators)

    async def _profile(
        self, tokens: TokenSet, validators: Validators | None
    ) -> Profile | Unchanged:
        response = await self._get(
            self.endpoint_url("me"),
            {"fields": _PROFILE_FIELDS, "access_token": tokens.access_token},
            validators,
        )
        if isinstance(response, Unchanged):
            return response
        data = as_mapping(self.read(response), self.spec.name)
        user_id = as_str(data, "user_id", self.spec.name)
        metadata = self.spec.validate_metadata(
            {"ig_business_id": user_id, "account_type": optional_str(data, "account_type")}
        )
        stats = {k: v for k in _STAT_FIELDS if (v := optional_int(data, k)) is not None}
        return Profile(
            provider_account_id=user_id,
            username=optional_str(data, "username"),
            display_name=optional_str(data, "name"),
            avatar_url=optional_str(data, "profile_picture_url"),
            metadata=metadata,
            stats=stats,
            validators=Validators.of(response),
        )

    async def _stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
        validators: Validators | None,
    ) -> Stats | Unchanged:
        ig_id = self.spec.validate_metadata(profile_metadata)["ig_business_id"]
        url = self.endpoint_url("insights", ig_id=ig_id)
        one_day = until - since == timedelta(days=1)
        params = {
            "since": str(int(since.timestamp())),
            "until": str(int(until.timestamp())),
            "metric": ",".join(TOTAL_METRICS if one_day else INSIGHT_METRICS),
            "period": "day",
            "metric_type": "total_value" if one_day else "time_series",
            "access_token": tokens.access_token,
        }
        response = await self._get(url, params, validators)
        if isinstance(response, Unchanged):
            return response
        answer = as_mapping(self.read(response), self.spec.name)
        stats = Stats(
            series={} if one_day else parse_series(answer, self.spec.name),
            totals=parse_totals(answer, self.spec.name) if one_day else {},
        )
        stats.validators = Validators.of(response)
        return stats

    async def _get(
        self, url: str, params: dict[str, str], validators: Validators | None
    ) -> httpx.Response | Unchanged:
        """A GET, conditional when ``validators`` are given (Graph tags answers with ETag)."""
        headers = validators.request_headers() if validators is not None else None
        response = await self.send("GET", url, params=params, headers=headers)
        if validators is not None and is_not_modified(response):
            return Unchanged(Validators.of(response) or validators)
        return response


def _unwrap_code_answer(response: httpx.Response) -> httpx.Response:
    """The code answer flat, whether it came flat or wrapped in ``{"data": [{...}]}``.

    An empty ``data`` list or a non-object first item is left as it came: the
    parser then reports the answer as malformed.
    """
    if not response.is_success:
        return response
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response
    if not isinstance(payload, Mapping) or "access_token" in payload:
        return response
    data = payload.get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], Mapping):
        return response
    try:
        flat = json.dumps(data[0]).encode()
    except (ValueError, RecursionError):
        return response
    return httpx.Response(
        response.status_code,
        headers={"Content-Type": "application/json"},
        content=flat,
        request=response.request,
    )


def _legacy_client_error(response: httpx.Response) -> httpx.Response:
    """``400 {"error_type": "OAuthException", "error_message": "Invalid platform app"}``
    (or "Error validating client secret.") is RFC 6749's ``invalid_client``.

    Other legacy answers (a used code, a redirect mismatch) are left as they are.
    """
    if response.status_code != 400:
        return response
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return response
    if (
        not isinstance(payload, Mapping)
        or payload.get("error_type") != "OAuthException"
        or payload.get("error_message") not in _LEGACY_CLIENT_MESSAGES
    ):
        return response
    return httpx.Response(
        400,
        headers={"Content-Type": "application/json"},
        content=json.dumps({"error": "invalid_client"}).encode(),
        request=response.request,
    )


def _replace_scope(tokens: TokenSet, scope: str) -> TokenSet:
    return TokenSet(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        refresh_expires_at=tokens.refresh_expires_at,
        token_type=tokens.token_type,
        scope=scope,
        issued_at=tokens.issued_at,
    )


def _metrics(answer: Mapping[str, Any], provider: str) -> list[Mapping[str, Any]]:
    data = answer.get("data")
    if not isinstance(data, list):
        raise MalformedResponseError(provider=provider, code="missing_data")
    return [m for m in data if isinstance(m, Mapping) and isinstance(m.get("name"), str)]


def parse_series(answer: Mapping[str, Any], provider: str) -> dict[str, list[dict[str, Any]]]:
    """Graph ``time_series`` insights → metric → points (non-numeric values dropped)."""
    series: dict[str, list[dict[str, Any]]] = {}
    for metric in _metrics(answer, provider):
        points: list[dict[str, Any]] = []
        values = metric.get("values")
        for point in values if isinstance(values, list) else []:
            if not isinstance(point, Mapping):
                continue
            value = optional_int(point, "value")
            end = optional_str(point, "end_time")
            if value is not None and end is not None:
                points.append({"end_time": end, "value": value})
        series[str(metric["name"])] = points
    return series


def parse_totals(answer: Mapping[str, Any], provider: str) -> dict[str, int | None]:
    """Graph ``total_value`` insights → metric → value (None when missing)."""
    totals: dict[str, int | None] = {}
    for metric in _metrics(answer, provider):
        total = metric.get("total_value")
        totals[str(metric["name"])] = (
            optional_int(total, "value") if isinstance(total, Mapping) else None
        )
    return totals

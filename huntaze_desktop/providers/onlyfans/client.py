"""The OnlyFans client: signed requests carrying a captured browser session.

Every API request carries the session cookies, the exact User-Agent that signed
in, ``x-bc``, and the signing headers (``user-id``, ``app-token``, ``time``,
``sign``) computed from the current rules. There is no refresh and no revoke:
a rejected session means signing in again, and disconnecting just forgets it.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    MalformedResponseError,
    ProviderError,
    SignInError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.net.redact import register_secret
from huntaze_desktop.providers.base import (
    ClientCredentialsLike,
    Clock,
    Profile,
    ProviderClient,
    ProviderSpec,
    is_loopback_host,
)
from huntaze_desktop.providers.errors import (
    NotSupportedError,
    as_mapping,
    as_str,
    generic_http_error,
    optional_int,
    optional_str,
)
from huntaze_desktop.providers.onlyfans.rules import (
    CACHE_FILE_NAME,
    WELL_KNOWN_SOURCES,
    Rules,
    RulesSource,
)
from huntaze_desktop.providers.onlyfans.session import CapturedSession, InvalidSessionError
from huntaze_desktop.providers.onlyfans.signing import sign

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.domain.settings import Settings

__all__ = ["SESSION_EXPIRED", "WRONG_USER", "Client", "session_from_tokens"]

log = logging.getLogger("huntaze.providers.onlyfans")

SESSION_EXPIRED = "Your OnlyFans session has expired. Sign in again."
WRONG_USER = (
    "OnlyFans did not accept this session (its sign-in values come from different "
    "sign-ins). Sign in again."
)
NO_REFRESH = "OnlyFans sessions cannot be renewed. Sign in again."
STALE_RULES = (
    "OnlyFans rejected the request signature. The signing rules may be out of date: "
    "update the OnlyFans rules location in Settings."
)
_WRONG_USER_CODE = 301

# metadata field (as the site names it) -> the name in Profile.stats
_PROFILE_STATS = {
    "subscribersCount": "subscribers",
    "postsCount": "posts",
    "photosCount": "photos",
    "videosCount": "videos",
    "audiosCount": "audios",
    "favoritedCount": "likes",
}


# The session cookies that are credentials (auth_id is the account number, logged as such).
_SECRET_COOKIES = frozenset({"sess", "auth_hash"})


def session_from_tokens(tokens: TokenSet) -> CapturedSession:
    """The session stored as ``tokens.access_token``; unreadable → sign in again.

    Checked before any request: a value no header can carry (CR/LF, an absurd
    size) is an ``AuthRejectedError`` saying the session is not valid.
    """
    try:
        session = CapturedSession.from_json(tokens.access_token)
    except InvalidSessionError as exc:
        raise AuthRejectedError(
            exc.user_message, provider="onlyfans", code="invalid_session"
        ) from None
    except SignInError:
        raise AuthRejectedError(
            "The saved OnlyFans session could not be read. Sign in again.",
            provider="onlyfans",
            code="bad_session",
        ) from None
    # The stored document is registered by the vault that opened it; its values
    # are registered one by one too, for a log line that holds one of them alone.
    owner = ("onlyfans", session.user_id)
    for name, value in session.cookies.items():
        if name in _SECRET_COOKIES or name.startswith("auth_uid_"):
            register_secret(value, owner=owner)
    register_secret(session.x_bc, owner=owner)
    return session


class Client(ProviderClient):
    """OnlyFans over its web API, signed from an updatable rules file."""

    def __init__(
        self,
        spec: ProviderSpec,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str],
        credentials: ClientCredentialsLike,
        *,
        clock: Clock | None = None,
        rules: RulesSource | None = None,
    ) -> None:
        super().__init__(spec, http, base_urls, credentials, clock=clock)
        self.rules = rules or self._default_rules()

    def _site_is_local(self) -> bool:
        return is_loopback_host(urlsplit(self.base_urls.get("site", "")).hostname)

    def _default_rules(self) -> RulesSource:
        # A site stand-in on this computer (the sandbox) publishes its own rules
        # next to its pages; a real site gets its rules once ``configure`` has run.
        site = self.base_urls.get("site", "")
        location = f"{site}/rules.json" if self._site_is_local() else None
        return RulesSource(location, http=self.http)

    def configure(self, settings: Settings, paths: DataPaths) -> None:
        """Rules from Settings, then (real site only) the well-known public sources;
        the last good copy cached in the data directory."""
        location = settings.onlyfans_rules_url or self.rules.location
        fallbacks = () if self._site_is_local() else WELL_KNOWN_SOURCES
        self.rules = RulesSource(
            location,
            cache_file=paths.cache / CACHE_FILE_NAME,
            http=self.http,
            fallbacks=fallbacks,
        )

    def use_rules(self, rules: RulesSource) -> None:
        self.rules = rules

    # -- signed requests -------------------------------------------------------

    def _time_ms(self) -> int:
        return int(self.now().timestamp() * 1000)

    def _request_headers(
        self, session: CapturedSession, rules: Rules, path_with_query: str
    ) -> dict[str, str]:
        headers = sign(rules, path_with_query, session.user_id, self._time_ms())
        headers.update(
            {
                "x-bc": session.x_bc,
                # The session is bound to the browser that signed in: same UA exactly.
                "User-Agent": session.user_agent,
                # An explicit header: never mix in cookies another account left in the
                # shared client's jar.
                "Cookie": session.cookie_header(),
                "Accept": "application/json, text/plain, */*",
            }
        )
        return headers

    async def api_get(
        self, tokens: TokenSet, endpoint: str, params: Mapping[str, str] | None = None
    ) -> Any:
        """GET a signed API endpoint; returns decoded JSON or raises a typed error."""
        session = session_from_tokens(tokens)
        url = self.endpoint_url(endpoint) + ("?" + urlencode(params) if params else "")
        signed_path = self._signed_path(url)
        rules = await self.rules.get()
        headers = self._request_headers(session, rules, signed_path)
        response = await self.send("GET", url, headers=headers)
        if self._signature_rejected(response):
            # Rules rotate often: reload once, and retry only if they changed.
            fresh = await self.rules.refresh()
            if fresh != rules:
                log.info("OnlyFans rules changed (revision %s); retrying", fresh.revision)
                headers = self._request_headers(session, fresh, signed_path)
                response = await self.send("GET", url, headers=headers)
        return self.read(response)

    def _signed_path(self, url: str) -> str:
        """The path and query exactly as sent, relative to the site root."""
        raw = httpx.URL(url).raw_path.decode("ascii")
        base_path = urlsplit(self.base_urls["site"]).path.rstrip("/")
        return raw[len(base_path) :] if base_path and raw.startswith(base_path) else raw

    def _signature_rejected(self, response: httpx.Response) -> bool:
        if response.status_code != 400:
            return False
        return _error_code(response) != _WRONG_USER_CODE

    def classify_error(self, response: httpx.Response, payload: Any) -> ProviderError | None:
        status = response.status_code
        if response.is_success:
            return None
        name = self.spec.name
        code = _payload_error_code(payload)
        if status == 401 and isinstance(payload, Mapping):
            return AuthRejectedError(
                SESSION_EXPIRED, provider=name, code="session_expired", http_status=401
            )
        if status == 400 and code == _WRONG_USER_CODE:
            return AuthRejectedError(WRONG_USER, provider=name, code="wrong_user", http_status=400)
        if status == 400:
            return ProviderError(
                STALE_RULES, provider=name, code="rejected_signature", http_status=400
            )
        if status == 401:
            # A 401 without the site's JSON is some proxy's page, not a verdict on the session.
            return MalformedResponseError(provider=name, code="not_json", http_status=401)
        return generic_http_error(response, name, self.now())

    # -- what the app asks -----------------------------------------------------

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        raise AuthRejectedError(NO_REFRESH, provider=self.spec.name, code="no_refresh")

    async def revoke(self, tokens: TokenSet) -> None:
        # There is no sign-out API we may call; disconnecting forgets the session.
        raise NotSupportedError(provider=self.spec.name, code="no_revoke")

    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        data = as_mapping(await self.api_get(tokens, "me"), self.spec.name)
        return self.parse_profile(data)

    def parse_profile(self, data: Mapping[str, Any]) -> Profile:
        """``/users/me`` as a Profile; only typed errors escape."""
        name = self.spec.name
        account_id = as_str(data, "id", name)
        fields = {key: optional_int(data, key) for key in _PROFILE_STATS}
        # The site's camelCase keys under OnlyFansMetadata's snake_case names.
        raw_meta: dict[str, Any] = {_snake_case(k): v for k, v in fields.items() if v is not None}
        if isinstance(data.get("isPerformer"), bool):
            raw_meta["is_performer"] = data["isPerformer"]
        price = _number(data.get("subscribePrice"))
        if price is not None:
            raw_meta["subscribe_price"] = price
        metadata = self.spec.validate_metadata(raw_meta)
        avatar = optional_str(data, "avatar")
        return Profile(
            provider_account_id=account_id,
            username=optional_str(data, "username"),
            display_name=optional_str(data, "name"),
            avatar_url=avatar if avatar and avatar.startswith(("https://", "http://")) else None,
            metadata=metadata,
            stats={_PROFILE_STATS[k]: v for k, v in fields.items() if v is not None},
        )

    async def fetch_stats(
        self,
        tokens: TokenSet,
        profile_metadata: Mapping[str, Any],
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        """Earnings per day in [since, until] and the payout balances.

        Returns ``{"currency": str | None, "totals": {name: number}, "daily":
        {"earnings": {"YYYY-MM-DD": number}}}``. Totals hold ``earnings``,
        ``balance_current``, ``balance_pending`` and ``subscribers`` when known.
        """
        params = {
            "startDate": since.astimezone(UTC).date().isoformat(),
            "endDate": until.astimezone(UTC).date().isoformat(),
            "withTotal": "true",
        }
        chart = as_mapping(await self.api_get(tokens, "earnings_chart", params), self.spec.name)
        balances = as_mapping(await self.api_get(tokens, "balances"), self.spec.name)
        daily, total = parse_earnings_chart(chart)
        totals: dict[str, float | int] = {}
        if total is not None:
            totals["earnings"] = total
        elif daily:
            totals["earnings"] = round(sum(daily.values()), 2)
        for key, field in (
            ("balance_current", "currentBalance"),
            ("balance_pending", "pendingBalance"),
        ):
            value = _number(balances.get(field))
            if value is not None:
                totals[key] = value
        subscribers = optional_int(profile_metadata, "subscribers_count")
        if subscribers is not None:
            totals["subscribers"] = subscribers
        currency = optional_str(balances, "currency")
        return {"currency": currency, "totals": totals, "daily": {"earnings": daily}}


def parse_earnings_chart(data: Mapping[str, Any]) -> tuple[dict[str, float], float | None]:
    """Daily amounts and the total from ``/earnings/chart`` (two shapes have been seen).

    ``{"list": [{"date", "count"|"amount"}…], "total": n}`` or
    ``{"list": {"total": {"chartAmount": [...], "total": n}, …}}``.
    """
    items: Any = data.get("list")
    total = _number(data.get("total"))
    if isinstance(items, Mapping):
        overall = items.get("total")
        if isinstance(overall, Mapping):
            items = overall.get("chartAmount")
            if total is None:
                total = _number(overall.get("total"))
        else:
            items = None
    if total is None and isinstance(data.get("total"), Mapping):
        total = _number(data["total"].get("total"))
    daily: dict[str, float] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        day = _day(item.get("date"))
        amount = _number(item.get("count", item.get("amount", item.get("net"))))
        if day is not None and amount is not None:
            daily[day] = round(daily.get(day, 0.0) + amount, 2)
    return daily, total


def _snake_case(name: str) -> str:
    """``subscribersCount`` -> ``subscribers_count``."""
    return re.sub(r"(?=[A-Z])", "_", name).lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and len(value) < 32:
        try:
            result = float(value)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def _day(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _payload_error_code(payload: Any) -> int | None:
    if isinstance(payload, Mapping) and isinstance(payload.get("error"), Mapping):
        code = payload["error"].get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def _error_code(response: httpx.Response) -> int | None:
    try:
        return _payload_error_code(response.json())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None

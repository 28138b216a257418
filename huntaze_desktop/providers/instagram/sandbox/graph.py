"""Instagram's Graph host (graph.instagram.com): profile, insights, media.

Answers in the Graph error shape, carries the usage headers, tags profile and
insights answers with an ``ETag`` (``If-None-Match`` gets a 304), and keeps the
insights quirks a client must cope with: metrics that only take
``metric_type=total_value``, days within the 48 h lag coming back as an empty
list (never as zero), no ``follower_count`` under 100 followers.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.conditional import tagged_json
from huntaze_desktop.sandbox.request_auth import bearer_token
from huntaze_desktop.sandbox.state import AccessToken, SandboxState
from huntaze_desktop.sandbox.users import DemoUser

__all__ = ["INSIGHT_METRICS", "app_scoped_id", "graph_error", "graph_routes", "token_problem"]

# Metrics that also accept metric_type=time_series; the others want total_value.
_TIME_SERIES = {"reach", "follower_count"}
INSIGHT_METRICS = (
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "follows_and_unfollows",
    "profile_links_taps",
    "follower_count",
    "online_followers",
)
_PROFILE_FIELDS = {
    "id",
    "user_id",
    "username",
    "name",
    "account_type",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
    "biography",
}
_MEDIA_FIELDS = {
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "timestamp",
    "like_count",
    "comments_count",
    "permalink",
    "media_url",
}
LAG = timedelta(hours=48)
MAX_RANGE_S = 30 * 86_400
HOURLY_CALLS = 200  # the sandbox's budget behind the usage-header percentages


def graph_error(
    message: str,
    code: int,
    *,
    status: int = 400,
    subcode: int | None = None,
    error_type: str = "OAuthException",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Graph's ``{"error": {...}}`` shape."""
    error: dict[str, object] = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(9),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
        error["error_user_title"] = "Session problem"
        error["error_user_msg"] = "Please log in again."
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def token_problem(state: SandboxState, token: str | None) -> JSONResponse | AccessToken:
    """The live token record, or the Graph error a client would get for it."""
    found = state.lookup_access_token("instagram", token)
    if found is None:
        return graph_error("Invalid OAuth access token - Cannot parse access token", 190)
    if found.revoked:
        return graph_error(
            "Error validating access token: The user has not authorized application.",
            190,
            subcode=458,
        )
    if found.expires_at <= state.now():
        when = datetime.fromtimestamp(found.expires_at, UTC).strftime("%A, %d-%b-%y %H:%M:%S")
        return graph_error(
            f"Error validating access token: Session has expired on {when} UTC.",
            190,
            subcode=463,
        )
    return found


def app_scoped_id(user: DemoUser) -> str:
    return str(int(data.unit("instagram", user.username, "asid") * 10**16) + 10**16)


def _usage_headers(state: SandboxState, user: DemoUser) -> dict[str, str]:
    hour = int(state.now() // 3600)
    key = f"instagram.calls.{user.user_id}.{hour}"
    state.count(key)
    percent = min(100, round(100 * state.counters[key] / HOURLY_CALLS))
    usage = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
    business = {
        user.user_id: [{"type": "instagram", **usage, "estimated_time_to_regain_access": 0}]
    }
    return {
        "X-App-Usage": json.dumps(usage),
        "X-Business-Use-Case-Usage": json.dumps(business),
    }


def _profile(user: DemoUser, day: date) -> dict[str, object]:
    return {
        "id": app_scoped_id(user),
        "user_id": user.user_id,
        "username": user.username,
        "name": user.display_name,
        "account_type": "MEDIA_CREATOR" if user.followers < 20_000 else "BUSINESS",
        "profile_picture_url": f"https://sandbox.invalid/ig/{user.username}.jpg",
        "followers_count": data.audience(user, day),
        "follows_count": 180 + int(data.unit("ig", user.username, "follows") * 400),
        "media_count": len(data.posts(user, data.day_end(day))),
        "biography": "Sandbox creator account.",
    }


def _insight(user: DemoUser, metric: str, day: date) -> object | None:
    """One day's value, or None where Instagram would have no data."""
    if metric == "follower_count":
        if data.audience(user, day) < 100:
            return None
        return data.new_followers(user, day)
    if metric == "online_followers":
        total = data.daily_metric(user, metric, day)
        return {
            str(h): round(total * (0.5 + data.unit(user.username, day, h)) / 24) for h in range(24)
        }
    return data.daily_metric(user, metric, day)


def graph_routes(state: SandboxState) -> list[Route]:
    """``/me``, ``/{ig-id}/insights``, ``/{ig-id}/media`` (token endpoints live elsewhere)."""

    def authorised(request: Request, scope: str) -> AccessToken | JSONResponse:
        token = request.query_params.get("access_token") or bearer_token(request)
        found = token_problem(state, token)
        if isinstance(found, JSONResponse):
            return found
        if scope not in found.scopes:
            return graph_error(
                "(#10) Application does not have permission for this action", 10, status=403
            )
        return found

    def node_user(token: AccessToken, node: str) -> DemoUser | None:
        ids = {"me", token.user.user_id, app_scoped_id(token.user)}
        return token.user if node in ids else None

    def unsupported(node: str) -> JSONResponse:
        return graph_error(
            f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
            f"loaded due to missing permissions, or does not support this operation",
            100,
            subcode=33,
            error_type="GraphMethodException",
        )

    def wanted_fields(raw: str | None, allowed: set[str], default: list[str]) -> list[str] | str:
        fields = [f.strip() for f in raw.split(",") if f.strip()] if raw else default
        for name in fields:
            if name not in allowed:
                return name
        return fields

    async def me(request: Request) -> Response:
        token = authorised(request, "instagram_business_basic")
        if isinstance(token, JSONResponse):
            return token
        fields = wanted_fields(request.query_params.get("fields"), _PROFILE_FIELDS, ["id"])
        if isinstance(fields, str):
            return graph_error(
                f"(#100) Tried accessing nonexisting field ({fields}) on node type (User)",
                100,
                error_type="IGApiException",
            )
        profile = _profile(token.user, state.today())
        body = {name: profile[name] for name in fields}
        return tagged_json(request, state, "instagram", body, _usage_headers(state, token.user))

    async def insights(request: Request) -> Response:
        node = request.path_params["node"]
        token = authorised(request, "instagram_business_manage_insights")
        if isinstance(token, JSONResponse):
            return token
        user = node_user(token, node)
        if user is None:
            return unsupported(node)
        query = request.query_params
        metrics = [m.strip() for m in query.get("metric", "").split(",") if m.strip()]
        if not metrics:
            return graph_error("(#100) The parameter metric is required", 100)
        for index, metric in enumerate(metrics):
            if metric not in INSIGHT_METRICS:
                return graph_error(
                    f"(#100) metric[{index}] must be one of the following values: "
                    + ", ".join(INSIGHT_METRICS),
                    100,
                )
        period = query.get("period")
        if period not in {"day", "lifetime"}:
            return graph_error("(#100) period must be one of the following values: day", 100)
        metric_type = query.get("metric_type", "time_series")
        if metric_type not in {"time_series", "total_value"}:
            return graph_error("(#100) metric_type must be time_series or total_value", 100)
        if metric_type == "time_series":
            wrong = [m for m in metrics if m not in _TIME_SERIES | {"online_followers"}]
            if wrong:
                return graph_error(
                    f"(#100) The following metrics ({', '.join(wrong)}) should be specified "
                    "with parameter metric_type=total_value",
                    100,
                )
        now = state.now()
        try:
            until = float(query.get("until", now))
            since = float(query.get("since", until - 2 * 86_400))
        except ValueError:
            return graph_error("(#100) since and until must be unix timestamps", 100)
        if since > until:
            return graph_error("(#100) since must be earlier than until", 100)
        if until - since > MAX_RANGE_S:
            return graph_error(
                "(#100) There cannot be more than 30 days (2592000 s) between since and until",
                100,
            )
        first = datetime.fromtimestamp(since, UTC).date()
        last_end = datetime.fromtimestamp(min(until, now), UTC)
        available_until = datetime.fromtimestamp(now, UTC) - LAG
        days = []
        day = first
        while data.day_end(day) <= last_end:
            days.append(day)
            day += timedelta(days=1)
        entries = []
        for metric in metrics:
            values = []
            for day in days:
                value = None
                if data.day_end(day) <= available_until:
                    value = _insight(user, metric, day)
                if value is not None:
                    end = data.day_end(day).strftime("%Y-%m-%dT%H:%M:%S+0000")
                    values.append({"value": value, "end_time": end})
            entry: dict[str, object] = {
                "name": metric,
                "period": period,
                "title": metric.replace("_", " ").capitalize(),
                "description": f"Sandbox {metric}",
                "id": f"{user.user_id}/insights/{metric}/{period}",
            }
            counts = [v["value"] for v in values if isinstance(v["value"], int)]
            if metric_type == "time_series":
                entries.append({**entry, "values": values})
            elif values and len(counts) == len(values):
                # No day with data: Instagram leaves the metric out rather than say 0.
                entries.append({**entry, "total_value": {"value": sum(counts)}})
        return tagged_json(
            request, state, "instagram", {"data": entries}, _usage_headers(state, user)
        )

    async def media(request: Request) -> Response:
        node = request.path_params["node"]
        token = authorised(request, "instagram_business_basic")
        if isinstance(token, JSONResponse):
            return token
        user = node_user(token, node)
        if user is None:
            return unsupported(node)
        fields = wanted_fields(request.query_params.get("fields"), _MEDIA_FIELDS, ["id"])
        if isinstance(fields, str):
            return graph_error(
                f"(#100) Tried accessing nonexisting field ({fields}) on node type (Media)", 100
            )
        try:
            limit = min(100, max(1, int(request.query_params.get("limit", "25"))))
            after = request.query_params.get("after")
            start = int(base64.urlsafe_b64decode(after.encode()).decode()) if after else 0
        except ValueError:
            return graph_error("(#100) Invalid paging parameters", 100)
        everything = data.posts(user, datetime.fromtimestamp(state.now(), UTC))
        page = everything[start : start + limit]
        items = []
        for post in page:
            record = {
                "id": post.post_id,
                "caption": post.title,
                "media_type": "IMAGE",
                "media_product_type": "FEED",
                "timestamp": post.created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "like_count": post.likes,
                "comments_count": post.comments,
                "permalink": f"https://sandbox.invalid/p/{post.post_id}/",
                "media_url": f"https://sandbox.invalid/m/{post.post_id}.jpg",
            }
            items.append({name: record[name] for name in fields})
        body: dict[str, object] = {"data": items}
        end = start + len(page)
        cursors = {"before": _cursor(start), "after": _cursor(max(start, end - 1) + 1)}
        paging: dict[str, object] = {"cursors": cursors}
        if end < len(everything):
            paging["next"] = str(request.url.include_query_params(after=_cursor(end)))
        body["paging"] = paging
        return JSONResponse(body, headers=_usage_headers(state, user))

    # Clients may or may not put a Graph version in front (``/v21.0/me``).
    routes = [
        Route("/me", me),
        Route("/{node}/insights", insights),
        Route("/{node}/media", media),
    ]
    versioned = [Route("/v{version}" + r.path, r.endpoint) for r in routes]
    return routes + versioned


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(str(index).encode()).decode()

"""Reddit (installed app = public client).

Hosts: ``www`` (www.reddit.com: ``/api/v1/authorize``, ``/api/v1/access_token``,
``/api/v1/revoke_token``) and ``oauth`` (oauth.reddit.com: ``/api/v1/me``,
``/user/{name}/submitted``).

Rules kept from the real one: HTTP Basic ``client_id:`` with an empty secret,
space-separated scopes, ``duration=permanent`` or no refresh token, a bad code
or refresh token answered **HTTP 200** ``{"error": "invalid_grant"}`` (or, per
flag, the other recorded shape: HTTP 400 ``{"error": 400}``), bad client
credentials 401 ``{"message": "Unauthorized", "error": 401}``, revoke always 204,
a descriptive User-Agent required (generic ones get 429), ``X-Ratelimit-*``
headers on every API answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.authorize import (
    AuthorizeProblem,
    AuthorizeRequest,
    AuthorizeRules,
    authorize_route,
    is_loopback_http,
)
from huntaze_desktop.sandbox.faults import FaultShapes
from huntaze_desktop.sandbox.platform import SandboxApp
from huntaze_desktop.sandbox.request_auth import basic_credentials, bearer_token, form_fields
from huntaze_desktop.sandbox.state import AccessToken, SandboxState

__all__ = ["APP", "FAULT_SHAPES", "SCOPES", "routes"]

PROVIDER = "reddit"
SCOPES = (
    "identity",
    "read",
    "history",
    "mysubreddits",
    "submit",
    "edit",
    "vote",
    "save",
    "flair",
    "privatemessages",
)
REFRESH_LIFETIME_S = 10 * 365 * 86_400  # Reddit's permanent tokens do not expire
# Library defaults Reddit throttles: the product token before the first "/".
_GENERIC_AGENTS = {
    "",
    "python-httpx",
    "python-requests",
    "python-urllib",
    "curl",
    "wget",
    "aiohttp",
    "go-http-client",
    "okhttp",
    "java",
    "node-fetch",
    "axios",
}
WINDOW_S = 60


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"message": "Unauthorized", "error": 401},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="reddit", error="invalid_token"'},
    )


def _too_many(retry_after_s: int) -> JSONResponse:
    return JSONResponse(
        {"message": "Too Many Requests", "error": 429},
        status_code=429,
        headers={"Retry-After": str(retry_after_s)},
    )


FAULT_SHAPES = FaultShapes(
    rate_limited=_too_many,
    revoked_grant=lambda: JSONResponse({"error": "invalid_grant"}),
    expired_session=_unauthorized,
)


def generic_agent(request: Request) -> bool:
    """True for a missing or library-default User-Agent."""
    agent = request.headers.get("user-agent", "")
    return agent.split("/")[0].strip().lower() in _GENERIC_AGENTS


def _authorize_rules(state: SandboxState) -> AuthorizeRules:
    client_id, _ = state.credentials[PROVIDER]

    def parse(params: Mapping[str, str]) -> AuthorizeRequest | AuthorizeProblem:
        if params.get("client_id") != client_id:
            return AuthorizeProblem("invalid_request", "invalid client id")
        redirect_uri = params.get("redirect_uri", "")
        if urlsplit(redirect_uri).scheme != "https" and not is_loopback_http(redirect_uri):
            return AuthorizeProblem("invalid_request", "invalid redirect_uri parameter")
        request = AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            scopes=tuple(params.get("scope", "").split()),
            wants_refresh=params.get("duration") == "permanent",
        )
        if params.get("response_type") != "code":
            return AuthorizeProblem("unsupported_response_type", "", True, request)
        if params.get("duration", "temporary") not in {"temporary", "permanent"}:
            return AuthorizeProblem("invalid_request", "invalid duration", True, request)
        if not request.scopes or any(s not in SCOPES for s in request.scopes):
            return AuthorizeProblem("invalid_scope", "invalid scope requested", True, request)
        return request

    return AuthorizeRules(
        provider=PROVIDER, platform_name="reddit", brand_color="#ff4500", parse=parse
    )


def _oauth_routes(state: SandboxState) -> list[Route]:
    def client_problem(request: Request) -> Response | None:
        if generic_agent(request):
            return _too_many(60)
        credentials = basic_credentials(request)
        if credentials is None or not state.client_ok(PROVIDER, *credentials):
            # Reddit's check of the HTTP Basic client credentials (r2 oauth2.py).
            return JSONResponse(
                {"message": "Unauthorized", "error": 401},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="reddit"'},
            )
        return None

    def bad_refresh() -> JSONResponse:
        if state.flags.reddit_bad_refresh_shape == "400":
            return JSONResponse({"error": 400}, status_code=400)
        return JSONResponse({"error": "invalid_grant"})

    def answer(token: AccessToken, refresh_token: str | None) -> JSONResponse:
        body: dict[str, object] = {
            "access_token": token.token,
            "token_type": "bearer",
            "expires_in": round(token.expires_at - token.issued_at),
            "scope": " ".join(token.scopes),
        }
        if refresh_token:
            body["refresh_token"] = refresh_token
        return JSONResponse(body)

    async def access_token(request: Request) -> Response:
        if problem := client_problem(request):
            return problem
        client_id, _ = state.credentials[PROVIDER]
        form = await form_fields(request)
        lifetime = state.flags.reddit_access_lifetime_s
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = state.consume_code(form.get("code", ""))
            if (
                code is None
                or code.provider != PROVIDER
                or code.redirect_uri != form.get("redirect_uri")
            ):
                return JSONResponse({"error": "invalid_grant"})
            family = None
            if code.wants_refresh:
                family = state.start_family(
                    provider=PROVIDER,
                    client_id=client_id,
                    user=code.user,
                    scopes=code.scopes,
                    lifetime_s=REFRESH_LIFETIME_S,
                )
            token = state.issue_access_token(
                provider=PROVIDER,
                client_id=client_id,
                user=code.user,
                scopes=code.scopes,
                lifetime_s=lifetime,
                family_id=family.family_id if family else None,
            )
            state.count("reddit.code_exchanges")
            return answer(token, family.current if family else None)
        if grant_type == "refresh_token":
            rotate = state.flags.reddit_rotate_refresh
            outcome = state.use_refresh_token(
                PROVIDER, form.get("refresh_token", ""), client_id, rotate=rotate
            )
            family = outcome.family
            if outcome.error is not None or family is None:
                return bad_refresh()
            token = state.issue_access_token(
                provider=PROVIDER,
                client_id=client_id,
                user=family.user,
                scopes=family.scopes,
                lifetime_s=lifetime,
                family_id=family.family_id,
            )
            return answer(token, family.current if rotate else None)
        return JSONResponse({"error": "unsupported_grant_type"})

    async def revoke_token(request: Request) -> Response:
        if problem := client_problem(request):
            return problem
        form = await form_fields(request)
        if form.get("token"):
            state.revoke_token(PROVIDER, form["token"])
        return Response(status_code=204)

    return [
        Route("/api/v1/access_token", access_token, methods=["POST"]),
        Route("/api/v1/revoke_token", revoke_token, methods=["POST"]),
    ]


def _rate_headers(state: SandboxState, client_id: str) -> tuple[dict[str, str], bool]:
    """Count one request against the client's window; True when over the limit."""
    now = state.now()
    window = int(now // WINDOW_S)
    key = f"reddit.rate.{client_id}.{window}"
    state.count(key)
    used = state.counters[key]
    limit = state.flags.reddit_requests_per_minute
    reset = max(1, round((window + 1) * WINDOW_S - now))
    headers = {
        "X-Ratelimit-Used": str(used),
        "X-Ratelimit-Remaining": f"{max(0, limit - used):.1f}",
        "X-Ratelimit-Reset": str(reset),
    }
    if used > limit:
        headers["Retry-After"] = str(reset)
    return headers, used > limit


def _api_routes(state: SandboxState) -> list[Route]:
    def authorised(request: Request, scope: str) -> tuple[AccessToken | None, Response | None]:
        if generic_agent(request):
            return None, _too_many(60)
        token = state.valid_access_token(PROVIDER, bearer_token(request))
        if token is None:
            return None, _unauthorized()
        headers, limited = _rate_headers(state, token.client_id)
        if limited:
            response = _too_many(int(headers["Retry-After"]))
            response.headers.update(headers)
            return None, response
        if scope not in token.scopes:
            return None, JSONResponse({"message": "Forbidden", "error": 403}, 403, headers)
        request.state.rate_headers = headers
        return token, None

    async def me(request: Request) -> Response:
        token, problem = authorised(request, "identity")
        if problem or token is None:
            return problem or _unauthorized()
        user = token.user
        posts = data.posts(user, datetime.fromtimestamp(state.now(), UTC), every_days=4)
        link_karma = sum(p.likes for p in posts)
        comment_karma = round(link_karma * 0.4)
        icon = f"https://sandbox.invalid/reddit/{user.username}.png?width=256&amp;s=abc"
        body = {
            "id": user.user_id,
            "name": user.username,
            "link_karma": link_karma,
            "comment_karma": comment_karma,
            "total_karma": link_karma + comment_karma,
            "icon_img": icon
            if "raw_json" not in request.query_params
            else icon.replace("&amp;", "&"),
            "created_utc": float(data.day_start(user.joined).timestamp()),
            "has_verified_email": True,
            "subreddit": {
                "display_name": f"u_{user.username}",
                "subscribers": data.audience(user, state.today()),
            },
        }
        return JSONResponse(body, headers=request.state.rate_headers)

    async def submitted(request: Request) -> Response:
        token, problem = authorised(request, "history")
        if problem or token is None:
            return problem or _unauthorized()
        name = request.path_params["name"]
        user = state.find_user(PROVIDER, name)
        if user is None:
            return JSONResponse({"message": "Not Found", "error": 404}, 404)
        try:
            limit = min(100, max(1, int(request.query_params.get("limit", "25"))))
        except ValueError:
            limit = 25
        everything = data.posts(user, datetime.fromtimestamp(state.now(), UTC), every_days=4)
        after = request.query_params.get("after")
        start = 0
        if after:
            ids = [f"t3_{p.post_id}" for p in everything]
            start = ids.index(after) + 1 if after in ids else len(ids)
        page = everything[start : start + limit]
        children = [
            {
                "kind": "t3",
                "data": {
                    "id": post.post_id,
                    "name": f"t3_{post.post_id}",
                    "title": post.title,
                    "author": user.username,
                    "subreddit": "sandbox",
                    "score": post.likes,
                    "ups": post.likes,
                    "upvote_ratio": 0.9,
                    "num_comments": post.comments,
                    "created_utc": float(post.created.timestamp()),
                    "permalink": f"/r/sandbox/comments/{post.post_id}/",
                },
            }
            for post in page
        ]
        more = start + limit < len(everything)
        listing = {
            "kind": "Listing",
            "data": {
                "after": f"t3_{page[-1].post_id}" if page and more else None,
                "before": None,
                "dist": len(children),
                "children": children,
            },
        }
        return JSONResponse(listing, headers=request.state.rate_headers)

    return [
        Route("/api/v1/me", me),
        Route("/user/{name}/submitted", submitted),
        Route("/user/{name}/submitted.json", submitted),
    ]


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    """Reddit's two hosts (see ``SANDBOX.hosts``)."""
    rules = _authorize_rules(state)
    return {
        "www": [
            authorize_route("/api/v1/authorize", rules, state),
            authorize_route("/api/v1/authorize.compact", rules, state),
            *_oauth_routes(state),
        ],
        "oauth": list(_api_routes(state)),
    }


APP = SandboxApp(routes=routes, fault_shapes=FAULT_SHAPES)

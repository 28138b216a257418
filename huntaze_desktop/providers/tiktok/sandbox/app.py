"""TikTok (Login Kit v2 for desktop + Display API).

Hosts: ``www`` (www.tiktok.com: ``/v2/auth/authorize/``) and ``open``
(open.tiktokapis.com: ``/v2/oauth/token/``, ``/v2/oauth/revoke/``,
``/v2/user/info/``, ``/v2/video/list/``).

Rules kept from the real one: ``client_key`` (not client_id), comma-separated
scopes, PKCE required with the **hex** SHA-256 challenge (a base64url challenge
is only refused at the token endpoint, with "Code verifier or code challenge is
invalid"), rotating refresh tokens with ``refresh_expires_in``, OAuth errors as
``{"error","error_description","log_id"}`` and API answers always in the
``{"data","error":{"code","message","log_id"}}`` envelope.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
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
from huntaze_desktop.sandbox.request_auth import bearer_token, form_fields
from huntaze_desktop.sandbox.state import AccessToken, RefreshFamily, SandboxState

__all__ = ["APP", "FAULT_SHAPES", "SCOPES", "routes"]

PROVIDER = "tiktok"
SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
_FIELD_SCOPES = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "username": "user.info.profile",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
_VIDEO_FIELDS = {
    "id",
    "create_time",
    "title",
    "video_description",
    "duration",
    "cover_image_url",
    "share_url",
    "view_count",
    "like_count",
    "comment_count",
    "share_count",
}
_HEX_CHALLENGE = re.compile(r"[0-9a-f]{64}")
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
REQUESTS_PER_MINUTE = 600


def log_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10).upper()


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    body = {"error": error, "error_description": description, "log_id": log_id()}
    return JSONResponse(body, status_code=status)


def api_answer(
    payload: object, code: str = "ok", message: str = "", status: int = 200
) -> JSONResponse:
    body = {"data": payload, "error": {"code": code, "message": message, "log_id": log_id()}}
    return JSONResponse(body, status_code=status)


FAULT_SHAPES = FaultShapes(
    rate_limited=lambda _s: api_answer(
        {}, "rate_limit_exceeded", "The API rate limit was exceeded.", 429
    ),
    revoked_grant=lambda: oauth_error("invalid_grant", "Refresh token is invalid or expired."),
    expired_session=lambda: api_answer(
        {}, "access_token_invalid", "The access token is invalid or not found in the request.", 401
    ),
)


def _authorize_rules(state: SandboxState) -> AuthorizeRules:
    client_key, _ = state.credentials[PROVIDER]

    def parse(params: Mapping[str, str]) -> AuthorizeRequest | AuthorizeProblem:
        if params.get("client_key") != client_key:
            return AuthorizeProblem("invalid_client", "Something went wrong: client_key")
        redirect_uri = params.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        loopback_ok = is_loopback_http(redirect_uri) and parts.port is not None
        if not (loopback_ok or parts.scheme == "https") or parts.query or parts.fragment:
            return AuthorizeProblem("invalid_request", "Something went wrong: redirect_uri")
        request = AuthorizeRequest(
            client_id=client_key,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            scopes=tuple(s.strip() for s in params.get("scope", "").split(",") if s.strip()),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
        )
        if params.get("response_type") != "code":
            return AuthorizeProblem(
                "unsupported_response_type", "response_type must be code", True, request
            )
        if not request.scopes or any(s not in SCOPES for s in request.scopes):
            return AuthorizeProblem("invalid_scope", "The scope is invalid.", True, request)
        if not request.code_challenge or request.code_challenge_method != "S256":
            return AuthorizeProblem(
                "invalid_request",
                "code_challenge and code_challenge_method=S256 are required.",
                True,
                request,
            )
        return request

    return AuthorizeRules(
        provider=PROVIDER,
        platform_name="TikTok",
        brand_color="#fe2c55",
        parse=parse,
        success_extras=lambda req: {"scopes": ",".join(req.scopes)},
    )


def _token_answer(state: SandboxState, family: RefreshFamily) -> JSONResponse:
    access = state.issue_access_token(
        provider=PROVIDER,
        client_id=family.client_id,
        user=family.user,
        scopes=family.scopes,
        lifetime_s=state.flags.tiktok_access_lifetime_s,
        family_id=family.family_id,
        prefix="act.",
    )
    return JSONResponse(
        {
            "access_token": access.token,
            "expires_in": state.flags.tiktok_access_lifetime_s,
            "open_id": family.user.user_id,
            "refresh_expires_in": max(0, round(family.expires_at - state.now())),
            "refresh_token": family.current,
            "scope": ",".join(family.scopes),
            "token_type": "Bearer",
        }
    )


def _oauth_routes(state: SandboxState) -> list[Route]:
    async def client_problem(form: Mapping[str, str]) -> JSONResponse | None:
        if not state.client_ok(PROVIDER, form.get("client_key"), form.get("client_secret")):
            return oauth_error("invalid_client", "Client key or secret is incorrect.", 401)
        return None

    async def token(request: Request) -> Response:
        form = await form_fields(request)
        if problem := await client_problem(form):
            return problem
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return exchange_code(form)
        if grant_type == "refresh_token":
            return refresh(form)
        return oauth_error("unsupported_grant_type", "The grant_type is not supported.")

    def exchange_code(form: Mapping[str, str]) -> Response:
        code = state.consume_code(form.get("code", ""))
        if code is None or code.provider != PROVIDER or code.client_id != form["client_key"]:
            return oauth_error("invalid_grant", "Authorization code is expired or invalid.")
        if code.redirect_uri != form.get("redirect_uri"):
            return oauth_error("invalid_request", "The redirect_uri does not match.")
        verifier = form.get("code_verifier", "")
        challenge = code.code_challenge or ""
        if (
            not _VERIFIER.fullmatch(verifier)
            or not _HEX_CHALLENGE.fullmatch(challenge)
            or hashlib.sha256(verifier.encode()).hexdigest() != challenge
        ):
            return oauth_error("invalid_request", "Code verifier or code challenge is invalid.")
        family = state.start_family(
            provider=PROVIDER,
            client_id=code.client_id,
            user=code.user,
            scopes=code.scopes,
            lifetime_s=state.flags.tiktok_refresh_lifetime_s,
            prefix="rft.",
        )
        state.count("tiktok.code_exchanges")
        return _token_answer(state, family)

    def refresh(form: Mapping[str, str]) -> Response:
        outcome = state.use_refresh_token(
            PROVIDER,
            form.get("refresh_token", ""),
            form["client_key"],
            rotate=state.flags.tiktok_rotate_refresh,
            prefix="rft.",
        )
        if outcome.error is not None or outcome.family is None:
            return oauth_error("invalid_grant", "Refresh token is invalid or expired.")
        return _token_answer(state, outcome.family)

    async def revoke(request: Request) -> Response:
        form = await form_fields(request)
        if problem := await client_problem(form):
            return problem
        if not form.get("token"):
            return oauth_error("invalid_request", "token is required.")
        state.revoke_token(PROVIDER, form["token"])
        # "A successful request returns an empty response body" (TikTok's revoke page).
        return Response(status_code=200)

    return [
        Route("/v2/oauth/token/", token, methods=["POST"]),
        Route("/v2/oauth/revoke/", revoke, methods=["POST"]),
    ]


def _api_routes(state: SandboxState) -> list[Route]:
    def authorised(request: Request, scope: str) -> AccessToken | Response:
        minute = int(state.now() // 60)
        key = f"tiktok.rate.{request.url.path}.{minute}"
        state.count(key)
        if state.counters[key] > REQUESTS_PER_MINUTE:
            limited = FAULT_SHAPES.rate_limited(60)
            limited.headers["Retry-After"] = "60"
            return limited
        found = state.valid_access_token(PROVIDER, bearer_token(request))
        if found is None:
            return FAULT_SHAPES.expired_session()
        if scope not in found.scopes:
            return api_answer(
                {}, "scope_not_authorized", f"The user did not authorize the scope {scope}.", 401
            )
        return found

    def requested_fields(request: Request, allowed: set[str]) -> list[str] | JSONResponse:
        fields = [f.strip() for f in request.query_params.get("fields", "").split(",")]
        fields = [f for f in fields if f]
        unknown = [f for f in fields if f not in allowed]
        if not fields or unknown:
            return api_answer(
                {}, "invalid_params", f"Invalid fields: {','.join(unknown) or '(none)'}", 400
            )
        return fields

    async def user_info(request: Request) -> Response:
        fields = requested_fields(request, set(_FIELD_SCOPES))
        if isinstance(fields, JSONResponse):
            return fields
        token = authorised(request, "user.info.basic")
        if isinstance(token, Response):
            return token
        missing = sorted({_FIELD_SCOPES[f] for f in fields} - set(token.scopes))
        if missing:
            return api_answer(
                {},
                "scope_not_authorized",
                f"The user did not authorize the scope {missing[0]}.",
                401,
            )
        user, day = token.user, state.today()
        now = datetime.fromtimestamp(state.now(), UTC)
        videos = data.posts(user, now, every_days=2)
        profile = {
            "open_id": user.user_id,
            "union_id": "u" + user.user_id.lstrip("-"),
            "avatar_url": f"https://sandbox.invalid/tt/{user.username}.jpeg",
            "avatar_url_100": f"https://sandbox.invalid/tt/{user.username}-100.jpeg",
            "avatar_large_url": f"https://sandbox.invalid/tt/{user.username}-large.jpeg",
            "display_name": user.display_name,
            "username": user.username,
            "bio_description": "Sandbox creator account.",
            "profile_deep_link": f"https://sandbox.invalid/@{user.username}",
            "is_verified": user.followers > 100_000,
            "follower_count": data.audience(user, day),
            "following_count": 120 + int(data.unit("tt", user.username, "following") * 300),
            "likes_count": sum(v.likes for v in videos),
            "video_count": len(videos),
        }
        return api_answer({"user": {f: profile[f] for f in fields}})

    async def video_list(request: Request) -> Response:
        fields = requested_fields(request, _VIDEO_FIELDS)
        if isinstance(fields, JSONResponse):
            return fields
        token = authorised(request, "video.list")
        if isinstance(token, Response):
            return token
        try:
            body = json.loads(await request.body() or b"{}")
            max_count = int(body.get("max_count", 10))
            cursor = body.get("cursor")
            cursor_ms = int(cursor) if cursor is not None else None
        except (ValueError, TypeError, AttributeError):
            return api_answer({}, "invalid_params", "The request body is invalid.", 400)
        if not 1 <= max_count <= 20:
            return api_answer({}, "invalid_params", "max_count must be between 1 and 20.", 400)
        now = state.now()
        until = datetime.fromtimestamp(min(now, (cursor_ms or now * 1000) / 1000), UTC)
        # The cursor says where the listing goes on; the counts are today's on every page.
        at = datetime.fromtimestamp(now, UTC)
        everything = data.posts(token.user, until, every_days=2, now=at)
        page = everything[:max_count]
        videos = []
        for post in page:
            record = {
                "id": post.post_id,
                "create_time": int(post.created.timestamp()),
                "title": post.title,
                "video_description": post.title + " #sandbox",
                "duration": 8 + int(data.unit(post.post_id, "dur") * 50),
                "cover_image_url": f"https://sandbox.invalid/tt/v/{post.post_id}.jpeg",
                "share_url": f"https://sandbox.invalid/@{token.user.username}/video/{post.post_id}",
                "view_count": post.views,
                "like_count": post.likes,
                "comment_count": post.comments,
                "share_count": post.shares,
            }
            videos.append({f: record[f] for f in fields})
        next_cursor = int(page[-1].created.timestamp() * 1000) if page else (cursor_ms or 0)
        return api_answer(
            {"videos": videos, "cursor": next_cursor, "has_more": len(everything) > len(page)}
        )

    return [
        Route("/v2/user/info/", user_info, methods=["GET"]),
        Route("/v2/video/list/", video_list, methods=["POST"]),
    ]


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    """TikTok's two hosts (see ``SANDBOX.hosts``)."""
    return {
        "www": [authorize_route("/v2/auth/authorize/", _authorize_rules(state), state)],
        "open": [*_oauth_routes(state), *_api_routes(state)],
    }


APP = SandboxApp(routes=routes, fault_shapes=FAULT_SHAPES)

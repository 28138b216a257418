"""Instagram (API with Instagram Login): authorize page, token endpoints, Graph.

Hosts: ``www`` (www.instagram.com: ``/oauth/authorize``), ``api``
(api.instagram.com: ``/oauth/access_token``, legacy OAuth error shape) and
``graph`` (graph.instagram.com: ``/access_token``, ``/refresh_access_token`` and
the API in ``instagram_graph.py``).

Rules kept from the real one: comma-separated scopes, no PKCE, ``#_`` appended to
the redirect, a 1 h short-lived token exchanged for a 60-day one, refresh only
when the token is at least 24 h old and not expired, no refresh token.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from huntaze_desktop.providers.instagram.sandbox.graph import (
    graph_error,
    graph_routes,
    token_problem,
)
from huntaze_desktop.sandbox.authorize import (
    AuthorizeProblem,
    AuthorizeRequest,
    AuthorizeRules,
    authorize_route,
    is_loopback_http,
)
from huntaze_desktop.sandbox.faults import FaultShapes
from huntaze_desktop.sandbox.platform import SandboxApp
from huntaze_desktop.sandbox.request_auth import form_fields
from huntaze_desktop.sandbox.state import AccessToken, SandboxState

__all__ = ["APP", "FAULT_SHAPES", "LONG_LIVED_S", "SCOPES", "SHORT_LIVED_S", "routes"]

PROVIDER = "instagram"
SCOPES = (
    "instagram_business_basic",
    "instagram_business_manage_insights",
    "instagram_business_manage_messages",
    "instagram_business_manage_comments",
    "instagram_business_content_publish",
)
SHORT_LIVED_S = 3_600
LONG_LIVED_S = 60 * 86_400
REFRESH_MIN_AGE_S = 24 * 3_600


def _legacy_error(message: str, status: int = 400) -> JSONResponse:
    """The api.instagram.com OAuth shape."""
    return JSONResponse(
        {"error_type": "OAuthException", "code": status, "error_message": message},
        status_code=status,
    )


def _rate_limited(retry_after_s: int) -> Response:
    minutes = max(1, retry_after_s // 60)
    return graph_error(
        "(#4) Application request limit reached",
        4,
        status=429,
        error_type="IGApiException",
        headers={
            "X-Business-Use-Case-Usage": (
                '{"0":[{"type":"instagram","call_count":100,"total_cputime":40,'
                f'"total_time":60,"estimated_time_to_regain_access":{minutes}}}]}}'
            )
        },
    )


FAULT_SHAPES = FaultShapes(
    rate_limited=_rate_limited,
    revoked_grant=lambda: graph_error(
        "Error validating access token: The user has not authorized application.",
        190,
        subcode=458,
    ),
    expired_session=lambda: graph_error(
        "Error validating access token: Session has expired.", 190, subcode=463
    ),
)


def _parse_authorize(state: SandboxState) -> AuthorizeRules:
    client_id, _ = state.credentials[PROVIDER]

    def parse(params: Mapping[str, str]) -> AuthorizeRequest | AuthorizeProblem:
        if params.get("client_id") != client_id:
            return AuthorizeProblem(
                "invalid_request",
                "Invalid Request: Request parameters are invalid: Invalid platform app",
            )
        redirect_uri = params.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        if not (parts.scheme == "https" and parts.hostname) and not is_loopback_http(redirect_uri):
            return AuthorizeProblem("invalid_request", "Invalid redirect_uri")
        if params.get("response_type") != "code":
            return AuthorizeProblem("invalid_request", "Invalid response_type: must be code")
        scopes = tuple(s.strip() for s in params.get("scope", "").split(",") if s.strip())
        bad = [s for s in scopes if s not in SCOPES]
        if not scopes or bad:
            return AuthorizeProblem(
                "invalid_scope", f"Invalid Scopes: {', '.join(bad) or '(none given)'}"
            )
        return AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            scopes=scopes,
        )

    return AuthorizeRules(
        provider=PROVIDER,
        platform_name="Instagram",
        brand_color="#d62976",
        parse=parse,
        fragment="#_",
    )


def _token_routes(state: SandboxState) -> list[Route]:
    """api.instagram.com: the code exchange."""

    async def access_token(request: Request) -> Response:
        form = await form_fields(request)
        expected_id, expected_secret = state.credentials[PROVIDER]
        if form.get("client_id") != expected_id:
            return _legacy_error("Invalid platform app")
        if form.get("client_secret") != expected_secret:
            return _legacy_error("Error validating client secret.")
        if form.get("grant_type") != "authorization_code":
            return _legacy_error("Invalid grant_type: must be authorization_code")
        if not form.get("code") or not form.get("redirect_uri"):
            return _legacy_error("Missing required parameter: code and redirect_uri")
        code = state.consume_code(form["code"])
        if code is None or code.provider != PROVIDER or code.client_id != expected_id:
            return _legacy_error("This authorization code has been used or is invalid")
        if code.redirect_uri != form["redirect_uri"]:
            return _legacy_error(
                "Error validating verification code. Please make sure your redirect_uri "
                "is identical to the one you used in the OAuth dialog request"
            )
        token = state.issue_access_token(
            provider=PROVIDER,
            client_id=expected_id,
            user=code.user,
            scopes=code.scopes,
            lifetime_s=SHORT_LIVED_S,
            kind="short",
            prefix="IGQ",
        )
        state.count("instagram.code_exchanges")
        if state.flags.instagram_wrapped_token:
            item = {
                "access_token": token.token,
                "user_id": code.user.user_id,
                "permissions": ",".join(code.scopes),
            }
            return JSONResponse({"data": [item]})
        return JSONResponse(
            {
                "access_token": token.token,
                "user_id": int(code.user.user_id),
                "permissions": list(code.scopes),
            }
        )

    return [Route("/oauth/access_token", access_token, methods=["POST"])]


def _long_lived_routes(state: SandboxState) -> list[Route]:
    """graph.instagram.com: the long-lived exchange and the refresh."""

    def long_lived_answer(found: AccessToken) -> JSONResponse:
        """A new 60-day token for the same grant: what exchange and refresh both answer."""
        fresh = state.issue_access_token(
            provider=PROVIDER,
            client_id=found.client_id,
            user=found.user,
            scopes=found.scopes,
            lifetime_s=LONG_LIVED_S,
            kind="long",
            prefix="IGAA",
        )
        return JSONResponse(
            {"access_token": fresh.token, "token_type": "bearer", "expires_in": LONG_LIVED_S}
        )

    async def exchange(request: Request) -> Response:
        query = request.query_params
        _, expected_secret = state.credentials[PROVIDER]
        if query.get("grant_type") != "ig_exchange_token":
            return graph_error("(#100) Unsupported grant_type", 100)
        if query.get("client_secret") != expected_secret:
            return graph_error("Error validating client secret.", 101)
        found = token_problem(state, query.get("access_token"))
        if isinstance(found, JSONResponse):
            return found
        if found.kind != "short":
            return graph_error("(#100) Only short-lived access tokens can be exchanged", 100)
        state.count("instagram.long_lived_exchanges")
        return long_lived_answer(found)

    async def refresh(request: Request) -> Response:
        query = request.query_params
        if query.get("grant_type") != "ig_refresh_token":
            return graph_error("(#100) Unsupported grant_type", 100)
        state.count("instagram.refresh_attempts")
        found = token_problem(state, query.get("access_token"))
        if isinstance(found, JSONResponse):
            return found
        if found.kind != "long":
            return graph_error("(#100) Only long-lived access tokens can be refreshed", 100)
        if state.now() - found.issued_at < REFRESH_MIN_AGE_S:
            return graph_error(
                "(#100) The access token must be at least 24 hours old to be refreshed", 100
            )
        state.count("instagram.refresh_grants")
        return long_lived_answer(found)

    return [Route("/access_token", exchange), Route("/refresh_access_token", refresh)]


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    """Instagram's three hosts (see ``SANDBOX.hosts``)."""
    return {
        "www": [authorize_route("/oauth/authorize", _parse_authorize(state), state)],
        "api": list(_token_routes(state)),
        "graph": [*_long_lived_routes(state), *graph_routes(state)],
    }


APP = SandboxApp(routes=routes, fault_shapes=FAULT_SHAPES)

"""The stand-in pieces of a platform that follows OAuth 2.0 as written.

A new platform whose sign-in is plain RFC 6749 + RFC 7636 (PKCE ``S256``) gets
its sandbox authorize page and token endpoint from here; the four built-in
platforms each bend the standard and have their own (``providers/<name>/sandbox``).

- ``standard_authorize_rules(...)``: ``client_id``, ``redirect_uri`` (loopback
  http with a port, or https), ``response_type=code``, space-separated ``scope``
  among the platform's, ``code_challenge`` + ``code_challenge_method=S256``;
  feeds ``authorize.authorize_route``.
- ``standard_token_route(...)``: ``grant_type=authorization_code`` (code, redirect
  URI and verifier checked) and ``grant_type=refresh_token`` (rotating refresh
  tokens, replay detection), client authentication by HTTP Basic or by form
  fields; errors as RFC 6749 §5.2 ``{"error", "error_description"}`` with 400, or
  401 for ``invalid_client``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from huntaze_desktop.sandbox.authorize import (
    AuthorizeProblem,
    AuthorizeRequest,
    AuthorizeRules,
    is_loopback_http,
)
from huntaze_desktop.sandbox.request_auth import basic_credentials, form_fields
from huntaze_desktop.sandbox.state import RefreshFamily, SandboxState

__all__ = ["TokenPolicy", "oauth_error", "standard_authorize_rules", "standard_token_route"]


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Lifetimes and rotation of the tokens a standard token endpoint hands out."""

    access_lifetime_s: int = 3_600
    refresh_lifetime_s: int = 90 * 86_400
    rotate_refresh: bool = True


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """An RFC 6749 §5.2 error answer."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def s256(verifier: str) -> str:
    """The RFC 7636 ``S256`` challenge of ``verifier`` (base64url, no padding)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def standard_authorize_rules(
    state: SandboxState,
    *,
    provider: str,
    platform_name: str,
    scopes: tuple[str, ...],
    brand_color: str = "#2f6fed",
) -> AuthorizeRules:
    """The authorize-page rules of a standards-following platform."""
    client_id, _ = state.credentials[provider]

    def parse(params: Mapping[str, str]) -> AuthorizeRequest | AuthorizeProblem:
        if params.get("client_id") != client_id:
            return AuthorizeProblem("invalid_client", "The client_id is not known.")
        redirect_uri = params.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        loopback_ok = is_loopback_http(redirect_uri) and parts.port is not None
        if not (loopback_ok or parts.scheme == "https") or parts.fragment:
            return AuthorizeProblem("invalid_request", "The redirect_uri is not allowed.")
        request = AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            scopes=tuple(params.get("scope", "").split()),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
        )
        if params.get("response_type") != "code":
            return AuthorizeProblem(
                "unsupported_response_type", "response_type must be code.", True, request
            )
        if not request.scopes or any(s not in scopes for s in request.scopes):
            return AuthorizeProblem("invalid_scope", "The scope is not valid.", True, request)
        if not request.code_challenge or request.code_challenge_method != "S256":
            return AuthorizeProblem(
                "invalid_request", "PKCE (code_challenge_method=S256) is required.", True, request
            )
        return request

    return AuthorizeRules(
        provider=provider, platform_name=platform_name, brand_color=brand_color, parse=parse
    )


def standard_token_route(
    path: str, state: SandboxState, *, provider: str, policy: TokenPolicy | None = None
) -> Route:
    """The ``POST`` token endpoint of a standards-following platform."""
    rules = policy or TokenPolicy()

    def answer(family: RefreshFamily) -> JSONResponse:
        access = state.issue_access_token(
            provider=provider,
            client_id=family.client_id,
            user=family.user,
            scopes=family.scopes,
            lifetime_s=rules.access_lifetime_s,
            family_id=family.family_id,
        )
        return JSONResponse(
            {
                "access_token": access.token,
                "token_type": "Bearer",
                "expires_in": rules.access_lifetime_s,
                "refresh_token": family.current,
                "scope": " ".join(family.scopes),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def token(request: Request) -> Response:
        form = await form_fields(request)
        basic = basic_credentials(request)
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if client_id is None or not state.client_ok(provider, client_id, secret):
            return oauth_error("invalid_client", "Client authentication failed.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = state.consume_code(form.get("code", ""))
            if code is None or code.provider != provider or code.client_id != client_id:
                return oauth_error("invalid_grant", "The authorization code is not valid.")
            if code.redirect_uri != form.get("redirect_uri"):
                return oauth_error("invalid_grant", "The redirect_uri does not match.")
            if s256(form.get("code_verifier", "")) != code.code_challenge:
                return oauth_error("invalid_grant", "The code_verifier does not match.")
            family = state.start_family(
                provider=provider,
                client_id=client_id,
                user=code.user,
                scopes=code.scopes,
                lifetime_s=rules.refresh_lifetime_s,
            )
            state.count(f"{provider}.code_exchanges")
            return answer(family)
        if grant_type == "refresh_token":
            outcome = state.use_refresh_token(
                provider,
                form.get("refresh_token", ""),
                client_id,
                rotate=rules.rotate_refresh,
                lifetime_s=rules.refresh_lifetime_s,
            )
            if outcome.error is not None or outcome.family is None:
                return oauth_error("invalid_grant", "The refresh token is not valid.")
            return answer(outcome.family)
        return oauth_error("unsupported_grant_type", "The grant_type is not supported.")

    return Route(path, token, methods=["POST"])

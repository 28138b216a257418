"""The authorize step shared by the OAuth platforms: a login + consent form.

A platform supplies ``AuthorizeRules``: how to read and check its query
parameters (each platform names and validates them differently) and how its
callback looks. This module runs the page: ``GET`` shows the form, ``POST``
checks the demo password and redirects to ``redirect_uri`` with a one-time code,
or with ``error=access_denied`` when the person pressed Cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from huntaze_desktop.sandbox import pages
from huntaze_desktop.sandbox.state import SandboxState

__all__ = [
    "AuthorizeProblem",
    "AuthorizeRequest",
    "AuthorizeRules",
    "authorize_route",
    "is_loopback_http",
    "with_query",
]


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """A valid authorize request, as the platform understood it."""

    client_id: str
    redirect_uri: str
    state: str | None
    scopes: tuple[str, ...]
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    wants_refresh: bool = True


@dataclass(frozen=True, slots=True)
class AuthorizeProblem:
    """A rejected authorize request.

    With ``redirect=False`` the platform shows an error page (it cannot trust the
    redirect URI); otherwise it sends ``error``/``error_description`` back.
    """

    error: str
    description: str
    redirect: bool = False
    request: AuthorizeRequest | None = None


@dataclass(frozen=True, slots=True)
class AuthorizeRules:
    """What differs between platforms on the authorize page."""

    provider: str
    platform_name: str
    brand_color: str
    parse: Callable[[Mapping[str, str]], AuthorizeRequest | AuthorizeProblem]
    # Extra callback parameters on success (TikTok echoes the granted scopes).
    success_extras: Callable[[AuthorizeRequest], dict[str, str]] = field(default=lambda _req: {})
    # Instagram appends "#_" to the redirect.
    fragment: str = ""


def with_query(url: str, params: Mapping[str, str], fragment: str = "") -> str:
    """``url`` with ``params`` appended to its query string."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}{fragment}"


def is_loopback_http(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}


def authorize_route(path: str, rules: AuthorizeRules, state: SandboxState) -> Route:
    """The ``GET``/``POST`` route of one platform's authorize page."""

    def form(
        params: Mapping[str, str], req: AuthorizeRequest, error: str | None, username: str = ""
    ) -> HTMLResponse:
        users = [(u.username, u.password) for u in state.users.get(rules.provider, [])]
        html = pages.login_page(
            platform=rules.platform_name,
            brand_color=rules.brand_color,
            app_name="Huntaze Desktop (sandbox app)",
            scopes=req.scopes,
            hidden=params,
            users=users,
            error=error,
            username=username,
        )
        return HTMLResponse(html)

    def problem_response(problem: AuthorizeProblem) -> Response:
        if problem.redirect and problem.request is not None:
            return _redirect_with_error(problem.request, problem.error, problem.description)
        html = pages.error_page(rules.platform_name, problem.description, rules.brand_color)
        return HTMLResponse(html, status_code=400)

    def _redirect_with_error(req: AuthorizeRequest, error: str, description: str) -> Response:
        params = {"error": error, "error_description": description}
        if req.state is not None:
            params["state"] = req.state
        return RedirectResponse(with_query(req.redirect_uri, params, rules.fragment), 302)

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
            parsed = rules.parse(params)
            if isinstance(parsed, AuthorizeProblem):
                return problem_response(parsed)
            return form(params, parsed, None)

        submitted = await request.form()
        fields = {k: v for k, v in submitted.items() if isinstance(v, str)}
        action = fields.pop("action", "")
        username = fields.pop("username", "")
        password = fields.pop("password", "")
        parsed = rules.parse(fields)
        if isinstance(parsed, AuthorizeProblem):
            return problem_response(parsed)
        if action != "allow":
            return _redirect_with_error(
                parsed, "access_denied", "The user denied the authorization request."
            )
        user = state.check_login(rules.provider, username, password)
        if user is None:
            state.count(f"{rules.provider}.login_failures")
            return form(fields, parsed, "Wrong username or password.", username)
        code = state.issue_code(
            provider=rules.provider,
            client_id=parsed.client_id,
            redirect_uri=parsed.redirect_uri,
            user=user,
            scopes=parsed.scopes,
            code_challenge=parsed.code_challenge,
            code_challenge_method=parsed.code_challenge_method,
            wants_refresh=parsed.wants_refresh,
        )
        params = {"code": code.code, **rules.success_extras(parsed)}
        if parsed.state is not None:
            params["state"] = parsed.state
        return RedirectResponse(with_query(parsed.redirect_uri, params, rules.fragment), 302)

    return Route(path, endpoint, methods=["GET", "POST"])

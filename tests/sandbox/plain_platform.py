"""A stand-in built only from the sandbox's shared pieces (tests/sandbox only).

"plain" follows OAuth 2.0 as written: the generic authorize page, the standard
token endpoint, a bearer-protected ``/me``, and one quirk flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from huntaze_desktop.sandbox.authorize import authorize_route
from huntaze_desktop.sandbox.oauth import (
    TokenPolicy,
    oauth_error,
    standard_authorize_rules,
    standard_token_route,
)
from huntaze_desktop.sandbox.platform import SandboxApp, SandboxPlatform
from huntaze_desktop.sandbox.request_auth import bearer_token
from huntaze_desktop.sandbox.state import SandboxState
from huntaze_desktop.sandbox.users import DemoUser


@dataclass(slots=True)
class PlainFlags:
    loud: bool = False
    answer: int = 42


PLAIN = SandboxPlatform(
    provider="plain",
    hosts={"auth": "id", "api": "api"},
    credentials=("plain-client", "plain-secret"),
    users=(DemoUser("plain", "pat", "pat-pass", "p-1", "Pat", 10, date(2020, 1, 1)),),
    app="plain_platform:APP",
    flags=PlainFlags,
)


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    async def me(request: Request) -> Response:
        token = state.valid_access_token("plain", bearer_token(request))
        if token is None:
            return oauth_error("invalid_token", "The access token is not valid.", 401)
        loud = state.flags.of("plain", PlainFlags).loud
        name = token.user.display_name.upper() if loud else token.user.display_name
        return JSONResponse({"id": token.user.user_id, "name": name})

    rules = standard_authorize_rules(state, provider="plain", platform_name="Plain", scopes=("me",))
    return {
        "id": [
            authorize_route("/authorize", rules, state),
            standard_token_route("/token", state, provider="plain", policy=TokenPolicy()),
        ],
        "api": [Route("/me", me)],
    }


APP = SandboxApp(routes=routes)

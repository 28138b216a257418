"""A fifth platform is one folder: a throwaway OAuth platform signs in through the real CLI.

The platform is written into ``tmp_path`` as one package — spec, client (on the
base client), analytics and its sandbox stand-in (built from the sandbox's shared
pieces: the generic authorize page and the standard token endpoint) — plus the
``*.dist-info`` whose ``entry_points.txt`` registers it in the
``huntaze_desktop.platforms`` group. No file of the app or of its sandbox names
it: with ``tmp_path`` on ``PYTHONPATH`` the registry finds it, the sandbox serves
its stand-in, and ``accounts connect acme`` works like it does for Reddit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli_runner import Cli, make_cli

pytestmark = pytest.mark.e2e

PACKAGE = "acme_platform"

INIT = '''
"""Acme: a throwaway platform that follows OAuth 2.0 as written (tests only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.series import Metric, Point
from huntaze_desktop.providers.analytics import PlatformAnalytics
from huntaze_desktop.providers.base import Profile, ProviderClient, ProviderSpec, RefreshPolicy
from huntaze_desktop.providers.errors import as_mapping, as_str


class AcmeMetadata(msgspec.Struct, kw_only=True):
    username: str


SPEC = ProviderSpec(
    name="acme",
    display_name="Acme",
    description="Followers of your Acme account.",
    icon="acme.svg",
    sort_order=90,
    auth_kind="oauth",
    base_urls={"auth": "https://auth.acme.example", "api": "https://api.acme.example"},
    endpoints={
        "authorize": ("auth", "/oauth/authorize"),
        "token": ("auth", "/oauth/token"),
        "me": ("api", "/v1/me"),
    },
    scopes=("profile",),
    pkce="s256",
    refresh=RefreshPolicy(margin_seconds=300, rotating=True),
    metadata_model=AcmeMetadata,
)


class Client(ProviderClient):
    async def fetch_profile(self, tokens: TokenSet) -> Profile:
        bearer = {"Authorization": f"Bearer {tokens.access_token}"}
        response = await self.send("GET", self.endpoint_url("me"), headers=bearer)
        me = as_mapping(self.read(response), SPEC.name)
        username = as_str(me, "username", SPEC.name)
        return Profile(
            provider_account_id=as_str(me, "id", SPEC.name),
            username=username,
            display_name=as_str(me, "name", SPEC.name),
            metadata={"username": username},
            stats={"followers": int(me["followers"])},
        )


def _profile_points(account_id: int, stats: Mapping[str, Any], day: date) -> list[Point]:
    followers = stats.get("followers")
    if not isinstance(followers, int):
        return []
    return [Point(account_id, Metric.FOLLOWERS, day, float(followers), "acme:me")]


ANALYTICS = PlatformAnalytics(
    provider="acme",
    profile_ttl_s=600,
    stats_ttl_s=3600,
    profile_points=_profile_points,
    stats_windows=lambda now, backfill: [],
    stats_points=lambda account_id, stats, since, until: [],
)
'''

SANDBOX = '''
"""Acme's stand-in: the shared authorize page, the standard token endpoint, /v1/me."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.authorize import authorize_route
from huntaze_desktop.sandbox.oauth import (
    oauth_error,
    standard_authorize_rules,
    standard_token_route,
)
from huntaze_desktop.sandbox.platform import SandboxApp, SandboxPlatform
from huntaze_desktop.sandbox.request_auth import bearer_token
from huntaze_desktop.sandbox.state import SandboxState
from huntaze_desktop.sandbox.users import DemoUser

SANDBOX = SandboxPlatform(
    provider="acme",
    hosts={"auth": "auth", "api": "api"},
    credentials=("acme-sandbox-client", "acme-sandbox-secret-5e1d"),
    users=(
        DemoUser("acme", "road.runner", "meep-pass", "acme-1001", "Road Runner", 777,
                 date(2020, 2, 2)),
    ),
    app="acme_platform.sandbox:APP",
)


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    async def me(request: Request) -> Response:
        token = state.valid_access_token("acme", bearer_token(request))
        if token is None:
            return oauth_error("invalid_token", "The access token is not valid.", 401)
        user = token.user
        return JSONResponse(
            {
                "id": user.user_id,
                "username": user.username,
                "name": user.display_name,
                "followers": data.audience(user, state.today()),
            }
        )

    rules = standard_authorize_rules(
        state, provider="acme", platform_name="Acme", scopes=("profile",)
    )
    return {
        "auth": [
            authorize_route("/oauth/authorize", rules, state),
            standard_token_route("/oauth/token", state, provider="acme"),
        ],
        "api": [Route("/v1/me", me, methods=["GET"])],
    }


APP = SandboxApp(routes=routes)
'''


def write_platform(root: Path) -> Path:
    """The throwaway platform as an installed distribution under ``root``."""
    package = root / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(INIT.lstrip(), encoding="utf-8")
    (package / "sandbox.py").write_text(SANDBOX.lstrip(), encoding="utf-8")
    info = root / "acme_platform-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-platform\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[huntaze_desktop.platforms]\nacme = {PACKAGE}\n", encoding="utf-8"
    )
    return root


@pytest.fixture
def cli_with_acme(tmp_path: Path) -> Iterator[Cli]:
    """CLI runs (each with its own sandbox) that see the throwaway platform."""
    plugins = write_platform(tmp_path / "plugins")
    for cli in make_cli(tmp_path, shared=False):
        inherited = cli.env.get("PYTHONPATH")
        cli.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugins), inherited]))
        yield cli


def test_a_platform_from_one_package_signs_in_through_the_cli(cli_with_acme: Cli) -> None:
    cli = cli_with_acme
    stderr = cli.connect("acme", ("road.runner", "meep-pass"))
    assert "Acme connected as @road.runner" in stderr

    (account,) = cli.accounts()
    assert account["provider"] == "acme"
    assert account["provider_account_id"] == "acme-1001"
    assert account["username"] == "road.runner"
    assert account["status"] == "connected"

    # A later process reuses the stored tokens against the stand-in's persisted grants.
    checked = cli.run("accounts", "refresh")
    assert "road.runner" in checked.stdout
    (account,) = cli.accounts()
    assert account["status"] == "connected"


def test_without_its_package_the_platform_is_unknown(tmp_path: Path) -> None:
    # The control: the same CLI without the plug-in on its path has no such platform.
    for cli in make_cli(tmp_path, shared=False):
        failed = cli.run("accounts", "connect", "acme", "--browser", "print", rc=1)
        assert failed.stderr.startswith("Error: Unknown platform 'acme'")

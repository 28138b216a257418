"""Stand-ins declared as data (SandboxPlatform), their flags, and the standard OAuth pieces."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from consent_form import consent
from plain_platform import PLAIN, PlainFlags

from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.endpoints import sandbox_platforms
from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.state import SandboxFlags, SandboxState
from huntaze_desktop.sandbox.users import DemoUser

REDIRECT = "http://127.0.0.1:50123/callback"
VERIFIER = "v" * 64


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_every_platform_with_a_stand_in_is_found_through_the_registry() -> None:
    found = sandbox_platforms()
    assert list(found) == ["instagram", "tiktok", "reddit", "onlyfans"]
    for name, platform in found.items():
        spec = default_registry().get_spec(name)
        # Every role of the spec has a sandbox host, so no real host is ever called.
        assert set(platform.hosts) == set(spec.base_urls)
        assert platform.users and all(u.provider == name for u in platform.users)
        assert platform.load_app().routes is not None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"provider": "Bad Name"}, "not a URL path segment"),
        ({"hosts": {}}, "no hosts"),
        ({"hosts": {"api": "a/b"}}, "host 'a/b' of role 'api'"),
        ({"app": "plain_platform.APP"}, "app must be 'module:attribute'"),
        ({"flags": dict}, "flags must be a dataclass"),
        (
            {"users": (DemoUser("other", "x", "y", "1", "X", 1, date(2020, 1, 1)),)},
            "demo user 'x' belongs to 'other'",
        ),
    ],
)
def test_a_stand_in_is_checked_when_declared(changes: dict[str, object], problem: str) -> None:
    fields = {
        "provider": "plain",
        "hosts": {"api": "api"},
        "credentials": ("c", None),
        "users": (),
        "app": "plain_platform:APP",
    }
    with pytest.raises(ValueError, match=problem):
        SandboxPlatform(**{**fields, **changes})  # type: ignore[arg-type]


def test_an_app_that_is_not_a_sandbox_app_is_refused() -> None:
    platform = SandboxPlatform(
        provider="plain",
        hosts={"api": "api"},
        credentials=("c", None),
        users=(),
        app="plain_platform:PLAIN",
    )
    with pytest.raises(TypeError, match="plain_platform:PLAIN is not a SandboxApp"):
        platform.load_app()


def test_flags_have_flat_names_and_typed_groups() -> None:
    flags = SandboxFlags([PLAIN, *sandbox_platforms().values()])
    assert flags.as_dict()["plain_loud"] is False
    assert flags.as_dict()["reddit_rotate_refresh"] is False
    flags.plain_loud = True
    flags.update({"plain_answer": "7", "tiktok_rotate_refresh": False})
    group = flags.of("plain", PlainFlags)
    assert (group.loud, group.answer) == (True, 7)
    assert flags.tiktok_rotate_refresh is False
    with pytest.raises(KeyError):
        flags.update({"plain_nope": 1})
    with pytest.raises(AttributeError):
        flags.nope_loud = True
    with pytest.raises(AttributeError):
        _ = flags.plain_nope
    with pytest.raises(TypeError):
        flags.of("reddit", PlainFlags)


@dataclass
class Plain:
    server: SandboxServer
    http: httpx.Client

    def code(self) -> str:
        params = {
            "client_id": "plain-client",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "me",
            "state": "s1",
            "code_challenge": _challenge(VERIFIER),
            "code_challenge_method": "S256",
        }
        result = consent(self.http, "/plain/id/authorize", params, "pat", "pat-pass")
        callback = result.callback()
        assert callback["state"] == "s1"
        return callback["code"]

    def token(self, **form: str) -> httpx.Response:
        return self.http.post("/plain/id/token", data=form)


@pytest.fixture
def plain() -> Iterator[Plain]:
    # A server with the test's stand-in only: SandboxState(platforms=...).
    state = SandboxState(platforms=[PLAIN])
    with SandboxServer(state=state) as server, httpx.Client(base_url=server.base_url) as http:
        yield Plain(server, http)


def test_the_standard_pieces_sign_in_and_refresh(plain: Plain) -> None:
    assert plain.server.base_urls() == {
        "plain": {
            "auth": f"{plain.server.base_url}/plain/id",
            "api": f"{plain.server.base_url}/plain/api",
        }
    }
    code = plain.code()
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    creds = {"client_id": "plain-client", "client_secret": "plain-secret"}

    wrong_secret = plain.token(**exchange, code_verifier=VERIFIER, client_id="plain-client")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    wrong_verifier = plain.token(**exchange, **creds, code_verifier="w" * 64)
    assert (wrong_verifier.status_code, wrong_verifier.json()["error"]) == (400, "invalid_grant")

    code = plain.code()  # a code is spent by any exchange attempt that got that far
    exchange["code"] = code
    granted = plain.http.post(
        "/plain/id/token",
        data={**exchange, "code_verifier": VERIFIER},
        auth=("plain-client", "plain-secret"),  # HTTP Basic works as well as the form
    )
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "me"
    again = plain.token(**exchange, **creds, code_verifier=VERIFIER)
    assert again.json()["error"] == "invalid_grant"

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert plain.http.get("/plain/api/me", headers=bearer).json() == {"id": "p-1", "name": "Pat"}
    plain.server.state.flags.plain_loud = True
    assert plain.http.get("/plain/api/me", headers=bearer).json()["name"] == "PAT"

    renewed = plain.token(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], **creds
    )
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]
    # The rotated-away token presented again is a replay: the whole grant is revoked.
    replay = plain.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"], **creds)
    assert replay.json()["error"] == "invalid_grant"
    fresh = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert plain.http.get("/plain/api/me", headers=fresh).status_code == 401


def test_the_standard_authorize_page_refuses_what_it_must(plain: Plain) -> None:
    base = {
        "client_id": "plain-client",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "me",
        "code_challenge": _challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    unknown_client = plain.http.get("/plain/id/authorize", params={**base, "client_id": "x"})
    assert unknown_client.status_code == 400  # an error page, no redirect to an unchecked URI
    for changed in ({"scope": "everything"}, {"code_challenge_method": "plain"}):
        answer = plain.http.get("/plain/id/authorize", params={**base, **changed})
        assert answer.status_code == 302
        assert "error=" in answer.headers["location"]

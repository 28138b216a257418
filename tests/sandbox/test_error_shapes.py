"""The stand-ins answer in the platforms' own error and success shapes (docs/PLATFORMS.md)."""

from __future__ import annotations

import httpx
import pytest

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.providers.answers import ClientCredentials
from huntaze_desktop.providers.errors import AppCredentialsRejectedError
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.endpoints import sandbox_credentials
from huntaze_desktop.sandbox.server import SandboxServer


async def test_tiktok_revoke_answers_an_empty_body(sandbox_server: SandboxServer) -> None:
    client_key, secret = sandbox_credentials()["tiktok"]
    url = sandbox_server.base_urls()["tiktok"]["api"] + "/v2/oauth/revoke/"
    form = {"client_key": client_key, "client_secret": secret or "", "token": "any-token"}
    async with httpx.AsyncClient() as http:
        done = await http.post(url, data=form)
        refused = await http.post(url, data={**form, "client_secret": "wrong"})
    assert (done.status_code, done.content) == (200, b"")
    assert refused.status_code != 200 and refused.json()["error"]


async def test_reddit_token_endpoint_refuses_bad_app_credentials(
    sandbox_server: SandboxServer,
) -> None:
    url = sandbox_server.base_urls()["reddit"]["auth"] + "/api/v1/access_token"
    form = {"grant_type": "refresh_token", "refresh_token": "r"}
    headers = {"User-Agent": "desktop:test:1.0 (by /u/tester)"}
    async with httpx.AsyncClient(headers=headers) as http:
        answer = await http.post(url, data=form, auth=("not-our-app", ""))
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "error": 401}
    assert answer.headers["www-authenticate"] == 'Basic realm="reddit"'


async def test_tiktok_client_takes_the_empty_revoke_answer(sandbox_server: SandboxServer) -> None:
    client_key, secret = sandbox_credentials()["tiktok"]
    urls = sandbox_server.base_urls()["tiktok"]
    async with httpx.AsyncClient() as http:
        client = default_registry().make_client(
            "tiktok", http, urls, ClientCredentials(client_key, secret)
        )
        await client.revoke(TokenSet("an-access-token"))  # 200, empty body: done
        wrong = default_registry().make_client(
            "tiktok", http, urls, ClientCredentials(client_key, "not-the-secret")
        )
        with pytest.raises(AppCredentialsRejectedError):
            await wrong.revoke(TokenSet("an-access-token"))

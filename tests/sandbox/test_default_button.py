"""Enter in a sandbox form must do what the person came for (issue #18, item 12).

A browser's implicit submission (Enter in a text field) submits the form with its
first submit button. These tests read every stand-in's sign-in page over real
loopback HTTP and check that this first button is the affirmative one (Allow, or
Log in on a session platform), never Cancel/deny.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from huntaze_desktop.providers.base import ClientCredentials
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.endpoints import sandbox_platforms
from huntaze_desktop.sandbox.server import SandboxServer

REDIRECT = "http://127.0.0.1:50123/callback"


class _SubmitButtons(HTMLParser):
    """The submit buttons of each form, in document order (id, name, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[dict[str, str]]] = []
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append([])
            self._in_form = True
        elif self._in_form and (
            (tag == "button" and values.get("type", "submit") == "submit")
            or (tag == "input" and values.get("type") in {"submit", "image"})
        ):
            self.forms[-1].append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def _sign_in_pages() -> list[tuple[str, str]]:
    """(provider, endpoint) of every stand-in's sign-in page: authorize or login."""
    registry = default_registry()
    pages = []
    for provider in sandbox_platforms():
        endpoints = registry.get_spec(provider).endpoints
        pages.append((provider, "authorize" if "authorize" in endpoints else "login"))
    return pages


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


async def _page_url(server: SandboxServer, provider: str, endpoint: str) -> str:
    registry = default_registry()
    spec = registry.get_spec(provider)
    urls = server.base_urls()[provider]
    if endpoint == "login":
        role, path = spec.endpoints["login"]
        return urls[role].rstrip("/") + path
    credentials = ClientCredentials(*server.state.credentials[provider])
    async with httpx.AsyncClient() as http:
        client = registry.make_client(provider, http, urls, credentials)
        verifier = client.new_code_verifier()
        challenge = client.code_challenge(verifier) if verifier else None
        return client.authorization_url(REDIRECT, client.new_state(), challenge)


def test_every_stand_in_has_a_sign_in_page() -> None:
    assert sorted(_sign_in_pages()) == [
        ("instagram", "authorize"),
        ("onlyfans", "login"),
        ("reddit", "authorize"),
        ("tiktok", "authorize"),
    ]


@pytest.mark.parametrize(("provider", "endpoint"), _sign_in_pages())
async def test_the_first_submit_button_of_every_form_is_the_affirmative_one(
    server: SandboxServer, provider: str, endpoint: str
) -> None:
    url = await _page_url(server, provider, endpoint)
    async with httpx.AsyncClient(timeout=10) as http:
        page = await http.get(url)
    assert page.status_code == 200, page.text
    reader = _SubmitButtons()
    reader.feed(page.text)
    assert reader.forms, f"{provider}: no form on {url}"
    for buttons in reader.forms:
        assert buttons, f"{provider}: a form without a submit button"
        first = buttons[0]
        if endpoint == "authorize":
            assert (first.get("id"), first.get("value")) == ("allow", "allow"), buttons
            # The deny button is still there, after it.
            assert [b.get("id") for b in buttons] == ["allow", "deny"]
        else:
            assert first.get("id") == "login", buttons

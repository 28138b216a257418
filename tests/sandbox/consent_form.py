"""Submitting a sandbox authorize page the way a person would (tests/sandbox only)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx


class _FormReader(HTMLParser):
    """Collects the named inputs and the ids of the first form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.ids: set[str] = set()
        self.action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")


@dataclass
class Consent:
    """What the authorize page led to: the page itself and the final answer."""

    page: httpx.Response
    answer: httpx.Response

    @property
    def location(self) -> str:
        return self.answer.headers["location"]

    def callback(self) -> dict[str, str]:
        """The callback query parameters (a trailing ``#_`` is stripped, as clients must)."""
        parts = urlsplit(self.location)
        return dict(parse_qsl(parts.query))


def consent(
    client: httpx.Client,
    authorize_url: str,
    params: dict[str, str],
    username: str,
    password: str,
    action: str = "allow",
) -> Consent:
    """Open the authorize page and submit its form like a person would."""
    page = client.get(authorize_url, params=params)
    assert page.status_code == 200, page.text
    reader = _FormReader()
    reader.feed(page.text)
    assert {"username", "password", "allow", "deny"} <= reader.ids
    form = {**reader.fields, "username": username, "password": password, "action": action}
    target = urljoin(str(page.url), reader.action or "")
    return Consent(page, client.post(target, data=form))

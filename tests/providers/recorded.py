"""Recorded provider answer shapes (fixtures/*.json) and a MockTransport-backed client."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.providers.base import ClientCredentials, ProviderClient
from huntaze_desktop.providers.registry import default_registry

make_client = default_registry().make_client

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def respond(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=fixture_json(name), headers=headers)


CREDENTIALS = {
    "instagram": ClientCredentials("ig-app", "ig-secret"),
    "tiktok": ClientCredentials("tt-key", "tt-secret"),
    "reddit": ClientCredentials("rd-installed", None),
}


def provider_client(name: str, handler: Handler, now: datetime = NOW) -> ProviderClient:
    """A real provider client whose network is ``handler`` (httpx.MockTransport)."""
    http = create_http_client(transport=httpx.MockTransport(handler))
    return make_client(name, http, None, CREDENTIALS[name], clock=lambda: now)

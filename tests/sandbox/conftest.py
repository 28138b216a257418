"""A sandbox server shared by the sandbox tests, with state reset around each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.state import SandboxFlags


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The shared server with faults, flags and counters cleared for this test."""
    state = sandbox_server.state
    state.faults.clear()
    state.flags = SandboxFlags()
    state.counters.clear()
    yield sandbox_server
    state.faults.clear()
    state.flags = SandboxFlags()


@pytest.fixture
def admin(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A client that carries the sandbox's admin token (``/_admin/`` needs it)."""
    with httpx.Client(
        base_url=sandbox.base_url, headers=sandbox.admin_headers(), timeout=10
    ) as client:
        yield client


@pytest.fixture
def http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A plain client with a descriptive User-Agent (Reddit throttles generic ones)."""
    headers = {"User-Agent": "desktop:huntaze-tests:1.0 (by /u/huntaze_dev)"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10) as client:
        yield client

"""Validators for conditional requests, and the lean connection pool over real loopback HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpcore
import httpx
import pytest

from huntaze_desktop.net.client import create_http_client
from huntaze_desktop.net.conditional import Validators, is_not_modified
from huntaze_desktop.net.pool import LeanPool, lean_transport
from huntaze_desktop.sandbox.faults import Fault, FaultKind


def test_validators_from_an_answer_and_back_into_a_request() -> None:
    tagged = httpx.Response(
        200, headers={"ETag": 'W/"v1"', "Last-Modified": "Sat, 01 Jun 2024 10:00:00 GMT"}
    )
    found = Validators.of(tagged)
    assert found == Validators('W/"v1"', "Sat, 01 Jun 2024 10:00:00 GMT")
    assert found.request_headers() == {
        "If-None-Match": 'W/"v1"',
        "If-Modified-Since": "Sat, 01 Jun 2024 10:00:00 GMT",
    }
    assert Validators.of(httpx.Response(200)) is None
    # Junk is no validator: nothing to send back.
    assert Validators.from_headers({"etag": " ", "last-modified": "x" * 500}) is None
    assert Validators.from_headers({"etag": '"a"\r\nX-Evil: 1'}) is None
    assert Validators(last_modified="Sat, 01 Jun 2024").request_headers() == {
        "If-Modified-Since": "Sat, 01 Jun 2024"
    }
    assert is_not_modified(httpx.Response(304)) and not is_not_modified(httpx.Response(200))


def _pool(client: httpx.AsyncClient) -> Any:
    return client._transport._pool  # type: ignore[attr-defined]


async def test_the_app_client_uses_the_lean_pool() -> None:
    async with create_http_client() as client:
        assert type(_pool(client)) is (
            LeanPool if httpcore.__version__.startswith("1.0.") else httpcore.AsyncConnectionPool
        )


@pytest.mark.skipif(not httpcore.__version__.startswith("1.0."), reason="stock pool in use")
async def test_lean_pool_serves_concurrent_requests_and_reuses_connections(
    sandbox_server: Any,
) -> None:
    sandbox_server.state.faults.add(
        Fault("instagram", FaultKind.LATENCY, path="/me", times=None, latency_ms=30)
    )
    url = f"{sandbox_server.base_url}/instagram/graph/me"
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=4)
    transport = lean_transport()
    pool = transport._pool  # type: ignore[attr-defined]
    pool._max_connections = limits.max_connections
    pool._max_keepalive_connections = limits.max_keepalive_connections
    async with httpx.AsyncClient(transport=transport) as client:
        answers = await asyncio.gather(*[client.get(url) for _ in range(40)])
        assert [a.status_code for a in answers] == [400] * 40  # no token: Graph's error
        # Never more connections than allowed; the idle ones kept are within the limit.
        assert len(pool.connections) <= 8
        idle = [c for c in pool.connections if c.is_idle()]
        assert 1 <= len(idle) <= 4
        served = sum(c._connection._request_count for c in pool.connections)
        # 40 requests over at most 8 connections at a time: connections were reused.
        assert served > len(pool.connections)
        # A burst after a pause reuses the idle ones first.
        before = {id(c) for c in idle}
        await asyncio.gather(*[client.get(url) for _ in range(len(idle))])
        assert before <= {id(c) for c in pool.connections}


@pytest.mark.skipif(not httpcore.__version__.startswith("1.0."), reason="stock pool in use")
async def test_lean_pool_replaces_a_connection_the_server_closed(sandbox_server: Any) -> None:
    url = f"{sandbox_server.base_url}/_admin/whoami"
    async with httpx.AsyncClient(
        transport=lean_transport(), headers=sandbox_server.admin_headers()
    ) as client:
        first = await client.get(url)
        assert first.status_code == 200
        (connection,) = _pool(client).connections
        # The server hangs up on the idle connection (as after its keep-alive timeout).
        stream = connection._connection._network_stream
        stream.get_extra_info("socket").shutdown(2)
        await asyncio.sleep(0.05)
        again = await client.get(url)
        assert again.status_code == 200
        assert connection not in _pool(client).connections

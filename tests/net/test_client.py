"""The app's client against a real forward proxy and real targets on loopback: proxies, limits.

``proxied.test`` is a host name only the test proxy can resolve (it maps it to the
target on 127.0.0.1), so a request that reaches the target under that name went
through the proxy. Nothing here leaves loopback: the proxy refuses any other host.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from loopback_http import ForwardProxy, Seen, Target, dead_port

from huntaze_desktop.net.client import DEFAULT_LIMITS, PoolEntryGate, create_http_client

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets exactly the proxy variables it is about."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def proxy(target: Target) -> AsyncIterator[ForwardProxy]:
    server = ForwardProxy()
    await server.start()
    server.route(f"proxied.test:{target.port}", target.port)
    yield server
    await server.stop()


@pytest.fixture
async def other_proxy(target: Target) -> AsyncIterator[ForwardProxy]:
    server = ForwardProxy()
    await server.start()
    server.route(f"proxied.test:{target.port}", target.port)
    yield server
    await server.stop()


async def _get(http: httpx.AsyncClient, url: str) -> dict[str, object]:
    answer = await http.get(url)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_a_proxy_from_the_environment_carries_the_requests(
    monkeypatch: pytest.MonkeyPatch, target: Target, proxy: ForwardProxy, variable: str
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    url = f"http://proxied.test:{target.port}/v1/me?fields=id"
    async with create_http_client() as http:
        echo = await _get(http, url)
    assert echo == {
        "method": "GET",
        "path": "/v1/me?fields=id",
        "host": f"proxied.test:{target.port}",
        "via_proxy": True,
    }
    assert proxy.seen == [Seen("GET", url, f"proxied.test:{target.port}")]


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY", "settings"])
async def test_https_requests_ask_the_proxy_for_a_tunnel(
    monkeypatch: pytest.MonkeyPatch, target: Target, proxy: ForwardProxy, variable: str
) -> None:
    # The test proxy refuses every tunnel, so nothing goes further than its log.
    settings_proxy = proxy.url if variable == "settings" else None
    if settings_proxy is None:
        monkeypatch.setenv(variable, proxy.url)
    async with create_http_client(proxy=settings_proxy, timeout=5) as http:
        with pytest.raises(httpx.ProxyError):
            await http.get(f"https://proxied.test:{target.port}/oauth/access_token")
    assert [(s.method, s.target) for s in proxy.seen] == [
        ("CONNECT", f"proxied.test:{target.port}")
    ]


async def test_the_settings_proxy_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    target: Target,
    proxy: ForwardProxy,
    other_proxy: ForwardProxy,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", other_proxy.url)
    monkeypatch.setenv("ALL_PROXY", other_proxy.url)
    # NO_PROXY is about the environment's proxies: the settings proxy takes the host anyway.
    monkeypatch.setenv("NO_PROXY", "proxied.test")
    url = f"http://proxied.test:{target.port}/token"
    async with create_http_client(proxy=proxy.url) as http:
        answer = await http.post(url, data={"grant_type": "refresh_token"})
    assert answer.status_code == 200 and answer.json()["via_proxy"] is True
    assert proxy.seen == [Seen("POST", url, f"proxied.test:{target.port}")]
    assert other_proxy.seen == []


async def test_no_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch, proxy: ForwardProxy) -> None:
    # 127.0.0.2 stands for a host the client was not told is on this machine (the
    # client only keeps the loopback names it knows off the proxy): with HTTP_PROXY
    # alone it goes through the proxy, and NO_PROXY is what sends it direct.
    elsewhere = Target(host="127.0.0.2")
    await elsewhere.start()
    try:
        url = f"http://127.0.0.2:{elsewhere.port}/x"
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with create_http_client() as http:
            assert (await _get(http, url))["via_proxy"] is True
        assert [s.target for s in proxy.seen] == [url]

        proxy.seen.clear()
        for no_proxy in ("127.0.0.2", "example.test, 127.0.0.2", "*"):
            monkeypatch.setenv("NO_PROXY", no_proxy)
            async with create_http_client() as http:
                assert (await _get(http, url))["via_proxy"] is False, no_proxy
        assert proxy.seen == []

        # The same host named as a direct one needs no NO_PROXY.
        monkeypatch.delenv("NO_PROXY")
        async with create_http_client(direct_hosts=["127.0.0.2"]) as http:
            assert (await _get(http, url))["via_proxy"] is False
        assert proxy.seen == []
    finally:
        await elsewhere.stop()


@pytest.mark.parametrize("source", ["environment", "settings"])
async def test_loopback_never_goes_through_a_proxy(
    monkeypatch: pytest.MonkeyPatch, target: Target, proxy: ForwardProxy, source: str
) -> None:
    ipv6 = Target(host="::1")
    await ipv6.start()
    try:
        settings_proxy = None
        if source == "environment":
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                monkeypatch.setenv(name, proxy.url)
        else:
            settings_proxy = proxy.url
        async with create_http_client(proxy=settings_proxy) as http:
            for url in (
                f"http://127.0.0.1:{target.port}/sandbox",
                f"http://localhost:{target.port}/sandbox",
                f"http://LocalHost:{target.port}/sandbox",
                f"http://[::1]:{ipv6.port}/sandbox",
            ):
                assert (await _get(http, url))["via_proxy"] is False, url
            # The same client does use the proxy for other hosts.
            assert (await _get(http, f"http://proxied.test:{target.port}/"))["via_proxy"]
        assert [s.target for s in proxy.seen] == [f"http://proxied.test:{target.port}/"]
    finally:
        await ipv6.stop()


async def test_a_dead_proxy_does_not_stop_loopback(
    monkeypatch: pytest.MonkeyPatch, target: Target
) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    monkeypatch.setenv("ALL_PROXY", dead)
    for settings_proxy in (None, dead):
        async with create_http_client(proxy=settings_proxy, timeout=5) as http:
            for host in ("127.0.0.1", "localhost"):
                echo = await _get(http, f"http://{host}:{target.port}/")
                assert echo["via_proxy"] is False


def test_only_loopback_hosts_can_be_direct() -> None:
    for host in ("example.com", "10.0.0.1", "::2", ""):
        with pytest.raises(ValueError):
            create_http_client(direct_hosts=[host])


async def test_connections_are_limited_and_kept_alive_between_bursts() -> None:
    slow = Target(delay=0.02)
    await slow.start()
    try:
        url = f"http://127.0.0.1:{slow.port}/"
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        async with create_http_client(limits=limits) as http:
            answers = await _gather(http, url, 40)
        assert [a.status_code for a in answers] == [200] * 40
        # Never more than 8 at once, and connections were reused.
        assert slow.requests == 40 and slow.connections <= 8

        # With the keep-alive limit equal to the connection limit, as in the app's
        # defaults, a burst's 32 connections all serve the next burst (the expiry is
        # long here so that a slow machine cannot close them between the bursts).
        assert DEFAULT_LIMITS.max_keepalive_connections == DEFAULT_LIMITS.max_connections
        kept = httpx.Limits(
            max_connections=DEFAULT_LIMITS.max_connections,
            max_keepalive_connections=DEFAULT_LIMITS.max_keepalive_connections,
            keepalive_expiry=60,
        )
        slow.connections = 0
        async with create_http_client(limits=kept) as http:
            await _gather(http, url, 32)
            opened = slow.connections
            assert opened <= 32
            await _gather(http, url, 32)
            assert slow.connections == opened
    finally:
        await slow.stop()


async def _gather(http: httpx.AsyncClient, url: str, n: int) -> list[httpx.Response]:
    return list(await asyncio.gather(*[http.get(url) for _ in range(n)]))


async def test_a_connection_the_server_closed_is_replaced() -> None:
    # The server hangs up on idle connections (as after its keep-alive timeout).
    hasty = Target(idle_timeout=0.05)
    await hasty.start()
    try:
        url = f"http://127.0.0.1:{hasty.port}/"
        async with create_http_client() as http:
            assert (await http.get(url)).status_code == 200
            await asyncio.sleep(0.3)  # long after the server closed the idle connection
            assert (await http.get(url)).status_code == 200
        assert (hasty.connections, hasty.requests) == (2, 2)
    finally:
        await hasty.stop()


def _gate(http: httpx.AsyncClient) -> PoolEntryGate:
    (gate,) = [h for h in http.event_hooks["request"] if isinstance(h, PoolEntryGate)]
    return gate


async def test_requests_enter_the_pool_one_at_a_time_without_stalling() -> None:
    slow = Target(hold_until=32)
    await slow.start()
    try:
        url = f"http://127.0.0.1:{slow.port}/"
        kept = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=60)
        async with create_http_client(limits=kept) as http:
            gate = _gate(http)
            # However slow this machine is, a request reaching its connection within
            # 5 s is no time-out: a time-out here means a request never reported.
            gate.max_wait = 5.0
            for _ in range(3):  # bursts on new, then on kept-alive connections
                answers = await _gather(http, url, 32)
                assert [a.status_code for a in answers] == [200] * 32
            # Bursts waited at the gate, and every request reported its connection:
            # no wait ran into the gate's time limit.
            assert gate.waits > 0
            assert gate.timeouts == 0
            # The gate does not serialize the requests themselves: 32 at a time, on
            # 32 connections opened by the first burst and reused by the others.
            assert slow.peak_in_flight == 32
            assert slow.connections == 32
            slow.hold_until = 0

            # A request that fails to connect reports too; the next one is not held.
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{dead_port()}/")
            assert (await http.get(url)).status_code == 200
            assert gate.timeouts == 0

            # Cancelled requests (waiting at the gate or in flight) hold nobody up.
            tasks = [asyncio.ensure_future(http.get(url)) for _ in range(16)]
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            assert [a.status_code for a in await _gather(http, url, 8)] == [200] * 8
        assert slow.requests >= 3 * 32 + 1 + 8
    finally:
        await slow.stop()


async def test_a_traced_request_and_a_test_transport_are_left_alone(target: Target) -> None:
    events: list[str] = []

    async def trace(name: str, info: dict[str, object]) -> None:
        events.append(name)

    async with create_http_client() as http:
        answer = await http.get(f"http://127.0.0.1:{target.port}/", extensions={"trace": trace})
        assert answer.status_code == 200
    # The caller's trace saw the whole request, not only its first event.
    assert "http11.receive_response_headers.complete" in events
    mock = httpx.MockTransport(lambda request: httpx.Response(204))
    async with create_http_client(transport=mock) as http:
        assert http.event_hooks["request"] == []


async def test_the_runtime_keeps_its_loopback_overrides_off_the_proxy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, target: Target, proxy: ForwardProxy
) -> None:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.domain.settings import ProviderOverrides, Settings, save_settings
    from huntaze_desktop.runtime import Runtime, RuntimeOptions

    graph = Target(host="127.0.0.2")
    await graph.start()
    try:
        paths = DataPaths(tmp_path / "data").ensure()
        overrides = ProviderOverrides(base_urls={"graph": f"http://127.0.0.2:{graph.port}"})
        save_settings(paths.settings_file, Settings(providers={"instagram": overrides}))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        rt = await Runtime.create(RuntimeOptions(data_dir=paths.root))
        try:
            # The override's host is direct although only HTTP_PROXY is set...
            assert (await _get(rt.http, f"http://127.0.0.2:{graph.port}/me"))["via_proxy"] is False
            # ...while another host still follows the environment's proxy.
            echo = await _get(rt.http, f"http://proxied.test:{target.port}/me")
            assert echo["via_proxy"] is True
        finally:
            await rt.aclose()
        assert [s.target for s in proxy.seen] == [f"http://proxied.test:{target.port}/me"]
    finally:
        await graph.stop()

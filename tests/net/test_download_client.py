"""The Runtime's download client: its own small pool, the API client's proxy rules.

Issue #15 item 13: avatar downloads used to share the API client's pool. The
download client is a second client, built like the API client, so it must take
the same road to every host: through the proxy from the settings or from the
environment, and straight to loopback whatever those say. The checks below run
on both clients of one Runtime and compare what the proxy saw.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from loopback_http import ForwardProxy, Target

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.domain.settings import Settings, save_settings
from huntaze_desktop.runtime import Runtime, RuntimeOptions

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
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


async def _via_proxy(http: httpx.AsyncClient, url: str) -> bool:
    answer = await http.get(url)
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["via_proxy"])


@pytest.mark.parametrize("source", ["environment", "settings"])
async def test_downloads_take_the_same_road_as_api_calls(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sandbox_server: object,
    target: Target,
    proxy: ForwardProxy,
    source: str,
) -> None:
    paths = DataPaths(tmp_path / "data").ensure()
    if source == "environment":
        monkeypatch.setenv("ALL_PROXY", proxy.url)
    else:
        save_settings(paths.settings_file, Settings(proxy_url=proxy.url))
    rt = await Runtime.create(
        RuntimeOptions(data_dir=paths.root, sandbox=True, sandbox_server=sandbox_server)  # type: ignore[arg-type]
    )
    try:
        assert rt.downloads is not rt.http
        remote = f"http://proxied.test:{target.port}/avatar.png"
        loopback = f"http://127.0.0.1:{target.port}/avatar.png"
        roads = {}
        for name, client in (("api", rt.http), ("downloads", rt.downloads)):
            proxy.seen.clear()
            roads[name] = (await _via_proxy(client, remote), await _via_proxy(client, loopback))
            assert [s.target for s in proxy.seen] == [remote], name
        assert roads == {"api": (True, False), "downloads": (True, False)}
    finally:
        await rt.aclose()
    # Both are closed with the runtime.
    assert rt.http.is_closed and rt.downloads.is_closed

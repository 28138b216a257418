"""The OnlyFans client against the real sandbox over loopback HTTP."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    ConfigurationError,
    HuntazeError,
    MalformedResponseError,
    NetworkError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.domain.settings import Settings
from huntaze_desktop.providers.base import ClientCredentials
from huntaze_desktop.providers.errors import NotSupportedError
from huntaze_desktop.providers.onlyfans import SPEC, CapturedSession, Client, RulesSource
from huntaze_desktop.providers.onlyfans.client import (
    SESSION_EXPIRED,
    WRONG_USER,
    parse_earnings_chart,
)
from huntaze_desktop.providers.onlyfans.sandbox.app import RULES_FILE, scripted_sign_in
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.sandbox.server import SandboxServer

make_client = default_registry().make_client

UA = "Mozilla/5.0 (X11; Linux x86_64) ClientTest/2.0"
SUNNY = ("sunnycreates@example.com", "sunny-pass")
MOON = ("moonlightstudio@example.com", "moon-pass")


def site(server: SandboxServer) -> str:
    return server.base_urls()["onlyfans"]["site"]


async def tokens_for(server: SandboxServer, who: tuple[str, str] = SUNNY, ua: str = UA) -> TokenSet:
    data = await scripted_sign_in(site(server), *who, ua)
    session = CapturedSession.from_mapping(data)
    return TokenSet(access_token=session.to_json(), refresh_token=None, token_type="session")


@pytest.fixture
async def client(sandbox_server: SandboxServer) -> Any:
    async with httpx.AsyncClient() as http:
        yield make_client(
            "onlyfans", http, sandbox_server.base_urls()["onlyfans"], ClientCredentials("x")
        )


async def test_profile_and_stats(client: Client, sandbox_server: SandboxServer) -> None:
    before = sandbox_server.state.counters["onlyfans.bad_signatures"]
    tokens = await tokens_for(sandbox_server, MOON)  # the two-factor user: auth_uid cookie too
    profile = await client.fetch_profile(tokens)
    assert profile.provider_account_id == "280002"
    assert profile.username == "moonlightstudio" and profile.display_name == "Moonlight"
    assert profile.avatar_url and profile.avatar_url.startswith(site(sandbox_server))
    assert profile.metadata["is_performer"] is True
    assert profile.metadata["subscribers_count"] == profile.stats["subscribers"] > 0
    now = datetime.now(UTC)
    stats = await client.fetch_stats(tokens, profile.metadata, now - timedelta(days=89), now)
    daily = stats["daily"]["earnings"]
    assert len(daily) == 90
    assert stats["totals"]["earnings"] == pytest.approx(sum(daily.values()), abs=0.05)
    assert stats["totals"]["balance_pending"] > 0
    assert stats["totals"]["subscribers"] == profile.stats["subscribers"]
    assert stats["currency"] == "USD"
    assert sandbox_server.state.counters["onlyfans.bad_signatures"] == before


async def test_rotated_rules_are_reloaded_once(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    rules_file = tmp_path / "rules.json"
    good = json.loads(RULES_FILE.read_text())
    rules_file.write_text(json.dumps({**good, "static_param": "an-old-revision"}))
    source = RulesSource(str(rules_file), max_age=10_000)
    async with httpx.AsyncClient() as http:
        client = make_client(
            "onlyfans", http, sandbox_server.base_urls()["onlyfans"], ClientCredentials("x")
        )
        assert isinstance(client, Client)
        client.use_rules(source)
        tokens = await tokens_for(sandbox_server)
        with pytest.raises(ProviderError) as info:
            await client.fetch_profile(tokens)
        assert not isinstance(info.value, AuthRejectedError)
        assert "rules" in info.value.user_message
        # The user updates the file; the memoised copy is stale until the site says so.
        rules_file.write_text(json.dumps(good))
        assert (await client.fetch_profile(tokens)).provider_account_id == "280001"


@pytest.mark.parametrize("mix", ["x_bc", "user_agent"])
async def test_mixed_session_is_auth_rejected(
    client: Client, sandbox_server: SandboxServer, mix: str
) -> None:
    one = json.loads((await tokens_for(sandbox_server)).access_token)
    two = json.loads((await tokens_for(sandbox_server, ua=UA + " B")).access_token)
    one[mix] = two[mix]
    mixed = TokenSet(access_token=json.dumps(one), refresh_token=None)
    with pytest.raises(AuthRejectedError) as info:
        await client.fetch_profile(mixed)
    assert info.value.user_message == WRONG_USER and info.value.code == "wrong_user"


async def test_expired_session_is_auth_rejected(
    client: Client, sandbox_server: SandboxServer
) -> None:
    tokens = await tokens_for(sandbox_server)
    sess = json.loads(tokens.access_token)["cookies"]["sess"]
    from huntaze_desktop.providers.onlyfans.sandbox.app import sessions

    sessions(sandbox_server.state)[sess].expired = True
    with pytest.raises(AuthRejectedError) as info:
        await client.fetch_profile(tokens)
    assert info.value.user_message == SESSION_EXPIRED


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault("onlyfans", FaultKind.RATE_LIMIT, "/api2/v2/users/me"), RateLimitedError),
        (Fault("onlyfans", FaultKind.SERVER_ERROR, "/api2/v2/users/me"), ProviderUnavailableError),
        (Fault("onlyfans", FaultKind.SERVER_ERROR, "*", status=500), ProviderUnavailableError),
        (Fault("onlyfans", FaultKind.HTML, "/api2/*"), MalformedResponseError),
        (Fault("onlyfans", FaultKind.HTML, "/api2/*", status=401), MalformedResponseError),
        (Fault("onlyfans", FaultKind.MALFORMED_JSON, "/api2/v2/users/me"), MalformedResponseError),
    ],
)
async def test_faults_are_never_auth_rejections(
    client: Client, sandbox_server: SandboxServer, fault: Fault, expected: type[Exception]
) -> None:
    tokens = await tokens_for(sandbox_server)
    sandbox_server.state.faults.add(fault)
    with pytest.raises(expected) as info:
        await client.fetch_profile(tokens)
    assert not isinstance(info.value, AuthRejectedError)
    if isinstance(info.value, RateLimitedError):
        assert info.value.retry_at is not None and info.value.retry_at > datetime.now(UTC)
    # The next call, with the fault spent, works again.
    assert (await client.fetch_profile(tokens)).provider_account_id == "280001"


async def test_network_failure_is_network_error(sandbox_server: SandboxServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tokens = await tokens_for(sandbox_server)
    async with httpx.AsyncClient() as http:
        # Rules from the sandbox, requests to a port where nothing listens.
        rules = RulesSource(site(sandbox_server) + "/rules.json", http=http)
        client = Client(
            SPEC, http, {"site": f"http://127.0.0.1:{port}"}, ClientCredentials("x"), rules=rules
        )
        with pytest.raises(NetworkError):
            await client.fetch_profile(tokens)


async def test_no_refresh_no_revoke(client: Client) -> None:
    tokens = TokenSet(access_token="{}", refresh_token=None)
    with pytest.raises(AuthRejectedError, match="Sign in again"):
        await client.refresh(tokens)
    with pytest.raises(NotSupportedError):
        await client.revoke(tokens)
    with pytest.raises(AuthRejectedError, match="could not be read"):
        await client.fetch_profile(TokenSet(access_token="not json"))


async def test_production_site_needs_configured_rules(tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        client = make_client("onlyfans", http, None, ClientCredentials("x"))
        assert isinstance(client, Client)
        with pytest.raises(ConfigurationError, match="Settings"):
            await client.rules.get()
        paths = DataPaths(tmp_path)
        client.configure(Settings(onlyfans_rules_url=str(RULES_FILE)), paths)
        assert (await client.rules.get()).revision == "sandbox-1"
        assert (paths.cache / "onlyfans_rules.json").exists()


async def test_rules_from_sandbox_url_then_cache_when_down(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "onlyfans_rules.json"
    server = SandboxServer().start()
    try:
        url = server.base_urls()["onlyfans"]["site"] + "/rules.json"
        first = await RulesSource(url, cache_file=cache).get()
    finally:
        server.stop()
    assert cache.exists()
    assert await RulesSource(url, cache_file=cache).get() == first


def test_parse_flat_earnings_shape() -> None:
    daily, total = parse_earnings_chart(
        {
            "list": [
                {"date": "2026-01-01T00:00:00+00:00", "amount": "1.5"},
                {"date": "2026-01-01T12:00:00+00:00", "count": 2},
                {"date": "garbage", "count": 3},
                {"date": "2026-01-02", "net": float("nan")},
            ],
            "total": {"total": 9.5},
        }
    )
    assert daily == {"2026-01-01": 3.5}
    assert total == 9.5


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "username",
                    "name",
                    "avatar",
                    "isPerformer",
                    "subscribersCount",
                    "list",
                    "total",
                    "chartAmount",
                    "date",
                    "count",
                    "error",
                    "code",
                    "message",
                ]
            )
            | st.text(max_size=5),
            inner,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=200)
@given(body=json_values, status=st.sampled_from([200, 400, 401, 403, 429, 500, 503]))
def test_parsing_arbitrary_answers_raises_only_typed_errors(body: Any, status: int) -> None:
    client = Client(SPEC, httpx.AsyncClient(), SPEC.base_urls, ClientCredentials("x"))
    request = httpx.Request("GET", "https://onlyfans.com/api2/v2/users/me")
    response = httpx.Response(status, content=json.dumps(body).encode(), request=request)
    try:
        data = client.read(response)
        if isinstance(data, dict):
            client.parse_profile(data)
            parse_earnings_chart(data)
    except HuntazeError as exc:
        assert exc.user_message
        if status != 401 and not (status == 400 and "301" in json.dumps(body)):
            assert not isinstance(exc, AuthRejectedError)


async def test_rules_url_not_found_is_a_setting_problem(sandbox_server: SandboxServer) -> None:
    with pytest.raises(ConfigurationError, match="HTTP 404"):
        await RulesSource(site(sandbox_server) + "/no-such-rules.json").get()

"""Loading the OnlyFans signing rules: files, URLs, the cached copy, bad documents."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from huntaze_desktop.domain.errors import BusyError, ConfigurationError, NetworkError
from huntaze_desktop.providers.onlyfans.rules import Rules, RulesSource, parse_rules
from huntaze_desktop.sandbox.faults import Fault, FaultKind

SANDBOX_RULES = (
    Path(__file__).parents[2]
    / "huntaze_desktop"
    / "providers"
    / "onlyfans"
    / "sandbox"
    / "rules.json"
)

GOOD = {
    "static_param": "abc",
    "checksum_indexes": [1, 2, 3],
    "checksum_constant": 5,
    "format": "1:{}:{:x}:2",
    "app_token": "tok",
    "revision": 7,
}


def _closed_port_url() -> str:
    # Bind then close: nothing listens there, so a connect is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/rules.json"


def test_sandbox_rules_file_is_valid() -> None:
    rules = parse_rules(SANDBOX_RULES.read_bytes(), origin="sandbox")
    assert rules.format is not None and rules.revision == "sandbox-1"


def test_aliases_start_end_and_constants_list() -> None:
    doc = {**GOOD, "format": None, "start": "9", "end": "8", "checksum_constants": [1, 2]}
    del doc["checksum_constant"]
    rules = parse_rules(json.dumps(doc), origin="x")
    assert (rules.prefix, rules.suffix, rules.checksum_constant) == ("9", "8", 3)


@pytest.mark.parametrize(
    ("mutation", "named"),
    [
        ({"static_param": ""}, "static_param"),
        ({"checksum_indexes": []}, "checksum_indexes"),
        ({"checksum_indexes": [99]}, "document"),
        ({"format": None}, "document"),
        ({"format": "{}:{}:{}"}, "document"),
        ({"app_token": ""}, "app_token"),
        ({"checksum_indexes": [1, "two"]}, "checksum_indexes.1"),
        ({"checksum_constant": "five"}, "checksum_constant"),
    ],
)
def test_invalid_rules_name_the_problem(mutation: dict[str, object], named: str) -> None:
    doc = {**GOOD, **mutation}
    with pytest.raises(ConfigurationError) as info:
        parse_rules(json.dumps(doc), origin="my-rules.json")
    assert info.value.user_message == (
        "The OnlyFans rules from my-rules.json are incomplete or invalid "
        f"(problem with: {named}). Check the rules location in Settings."
    )


def test_a_missing_field_is_named_and_values_never_shown() -> None:
    doc = dict(GOOD)
    del doc["static_param"]
    with pytest.raises(ConfigurationError, match=r"problem with: static_param\)"):
        parse_rules(json.dumps(doc), origin="x")
    with pytest.raises(ConfigurationError) as info:
        parse_rules(json.dumps({**GOOD, "app_token": ["secret-token"]}), origin="x")
    assert "app_token" in info.value.user_message
    assert "secret-token" not in info.value.user_message


def test_numbers_in_quotes_are_accepted() -> None:
    rules = parse_rules(json.dumps({**GOOD, "checksum_constant": "5"}), origin="x")
    assert rules.checksum_constant == 5


def test_rules_are_immutable() -> None:
    rules = parse_rules(json.dumps(GOOD), origin="x")
    with pytest.raises(AttributeError):
        rules.app_token = "other"


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", ""])
def test_not_an_object(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="OnlyFans rules"):
        parse_rules(raw, origin="x")


async def test_load_from_file_writes_cache(tmp_path: Path) -> None:
    src = tmp_path / "rules.json"
    src.write_text(json.dumps(GOOD))
    cache = tmp_path / "cache" / "onlyfans_rules.json"
    rules = await RulesSource(str(src), cache_file=cache).get()
    assert rules.static_param == "abc"
    assert msgspec.json.decode(cache.read_bytes(), type=Rules) == rules


async def test_a_bad_file_is_refused_and_the_saved_copy_kept(tmp_path: Path) -> None:
    src = tmp_path / "rules.json"
    src.write_text(json.dumps({**GOOD, "static_param": ""}))
    cache = tmp_path / "onlyfans_rules.json"
    cache.write_text(json.dumps(GOOD))
    with pytest.raises(ConfigurationError, match="problem with: static_param"):
        await RulesSource(str(src), cache_file=cache).get()
    assert json.loads(cache.read_text()) == GOOD


async def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="could not be read"):
        await RulesSource(str(tmp_path / "nope.json")).get()


async def test_no_location_uses_cache_or_explains(tmp_path: Path) -> None:
    cache = tmp_path / "onlyfans_rules.json"
    with pytest.raises(ConfigurationError, match="Settings"):
        await RulesSource(None, cache_file=cache).get()
    cache.write_text(json.dumps(GOOD))
    assert (await RulesSource(None, cache_file=cache).get()).app_token == "tok"


async def test_unreachable_url_falls_back_to_cache(tmp_path: Path) -> None:
    url = _closed_port_url()
    cache = tmp_path / "onlyfans_rules.json"
    with pytest.raises(NetworkError, match="no earlier copy"):
        await RulesSource(url, cache_file=cache).get()
    cache.write_text(json.dumps(GOOD))
    assert (await RulesSource(url, cache_file=cache).get()).revision == "7"


async def test_broken_cache_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "onlyfans_rules.json"
    cache.write_text("{broken")
    with pytest.raises(NetworkError, match="no earlier copy"):
        await RulesSource(_closed_port_url(), cache_file=cache).get()


async def test_get_memoises_until_refresh(tmp_path: Path) -> None:
    src = tmp_path / "rules.json"
    src.write_text(json.dumps(GOOD))
    source = RulesSource(str(src))
    first = await source.get()
    src.write_text(json.dumps({**GOOD, "app_token": "new"}))
    assert await source.get() is first
    assert (await source.refresh()).app_token == "new"


@pytest.mark.slow  # the rules request waits 15 s for a connection before it gives up
async def test_a_busy_pool_is_busy_not_unreachable(tmp_path: Path, sandbox_server: Any) -> None:
    # One connection, held by a slow download: the rules request never gets one
    # (a real httpx.PoolTimeout). Nothing was sent; the URL is not "unreachable".
    site = f"{sandbox_server.base_url}/onlyfans/site"
    faults = sandbox_server.state.faults
    faults.add(Fault("onlyfans", FaultKind.LATENCY, "/files/avatar/*", latency_ms=17_000))
    cache = tmp_path / "onlyfans_rules.json"
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as http:
        holding = asyncio.ensure_future(http.get(f"{site}/files/avatar/u1.svg"))
        deadline = asyncio.get_running_loop().time() + 10
        while faults.active():  # taken when the slow request reaches the sandbox
            assert asyncio.get_running_loop().time() < deadline, "the download never got there"
            await asyncio.sleep(0.01)
        with pytest.raises(BusyError) as caught:
            await RulesSource(f"{site}/rules.json", cache_file=cache, http=http).get()
        assert not isinstance(caught.value, NetworkError)
        assert not holding.done()  # still holding the only connection
        assert (await holding).status_code == 200

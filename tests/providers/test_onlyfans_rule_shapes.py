"""Every published shape of the OnlyFans rules, signing one known request.

The fixtures are rules files as published (tests/providers/fixtures/onlyfans_rules/
SOURCES.md names each repository). For each one the reference headers are worked
out here, from the published algorithm, with hashlib and the file's own keys read
by hand; the app's loader and signer must give exactly the same headers.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from huntaze_desktop.domain.errors import ConfigurationError, NetworkError
from huntaze_desktop.providers.onlyfans.rules import RulesSource, parse_rules
from huntaze_desktop.providers.onlyfans.signing import sign
from huntaze_desktop.sandbox.server import SandboxServer

FIXTURES = Path(__file__).parent / "fixtures" / "onlyfans_rules"

# The request signed in every case: a path with a query, an account number, a time.
PATH = "/api2/v2/earnings/chart?startDate=2026-11-01&endDate=2026-12-01&withTotal=true"
USER_ID = "280001"
TIME_MS = "1765152000000"
# The web app's token community clients send when a file carries none (this test's
# own copy of the published value, not the app's constant).
PUBLISHED_APP_TOKEN = "33d57ade8c02dbc5a333db99ff9ae26a"


@dataclass(frozen=True)
class Shape:
    """Where one publisher keeps each value (its own key names)."""

    static: str
    indexes: str
    constant: str  # a number, or a list of numbers to add up
    format: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    token: str | None = None  # None: the file has no app token
    drops_user_id: bool = False


SHAPES = {
    "datahoarders_format.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constant",
        format="format",
        token="app_token",
        drops_user_id=True,
    ),
    "digitalcriminal_constants_list.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constants",
        format="format",
        token="app_token",
        drops_user_id=True,
    ),
    "deviint_start_end.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constant",
        prefix="start",
        suffix="end",
        token="app_token",
        drops_user_id=True,
    ),
    "kazin8_format_and_prefix.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constant",
        prefix="start",
        suffix="end",
        token="app_token",
        drops_user_id=True,
    ),
    "sneakyovis_app_token_dash.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constant",
        prefix="prefix",
        suffix="suffix",
        token="app-token",
    ),
    "patchsets_camel_case.json": Shape(
        "staticParam", "checksumIndexes", "checksumConstant", prefix="start", suffix="end"
    ),
    "andpewka_camel_case.json": Shape(
        "staticParam", "checksumIndexes", "checksumConstant", prefix="start", suffix="end"
    ),
    "lyonsquad_first_last_param.json": Shape(
        "static_param",
        "checksum_indexes",
        "checksum_constants",
        prefix="first_param",
        suffix="last_param",
    ),
}


def reference_headers(raw: dict[str, Any], shape: Shape) -> dict[str, str]:
    """The published algorithm, step by step (deviint/onlyfans-dynamic-rules example.py)."""
    message = "\n".join([raw[shape.static], TIME_MS, PATH, USER_ID])
    digest = hashlib.sha1(message.encode("utf-8")).hexdigest()  # noqa: S324 - the site's choice
    ascii_codes = digest.encode("ascii")
    constant = raw[shape.constant]
    total = sum(ascii_codes[i] for i in raw[shape.indexes]) + (
        sum(constant) if isinstance(constant, list) else constant
    )
    check = format(abs(total), "x")
    if shape.format is not None:
        # The JavaScript clients' way: replace the two placeholders in the template.
        sign_value = raw[shape.format].replace("{}", digest, 1).replace("{:x}", check, 1)
    else:
        assert shape.prefix is not None and shape.suffix is not None
        sign_value = ":".join([raw[shape.prefix], digest, check, raw[shape.suffix]])
    headers = {
        "sign": sign_value,
        "time": TIME_MS,
        "app-token": raw[shape.token] if shape.token else PUBLISHED_APP_TOKEN,
    }
    if not shape.drops_user_id:
        headers["user-id"] = USER_ID
    return headers


def test_every_fixture_has_a_shape() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_published_shape_signs_like_the_reference(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    rules = parse_rules(text, origin=name)
    assert sign(rules, PATH, USER_ID, TIME_MS) == reference_headers(json.loads(text), SHAPES[name])


def test_camel_case_and_snake_case_are_the_same_rules() -> None:
    camel = json.loads((FIXTURES / "patchsets_camel_case.json").read_text())
    snake = {
        "static_param": camel["staticParam"],
        "checksum_indexes": camel["checksumIndexes"],
        "checksum_constant": camel["checksumConstant"],
        "prefix": camel["start"],
        "suffix": camel["end"],
        "app_token": PUBLISHED_APP_TOKEN,
    }
    assert parse_rules(json.dumps(camel), origin="a") == parse_rules(json.dumps(snake), origin="b")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"format": "1:{}:{:x}:2", "prefix": "1", "suffix": "3"}, "document"),
        ({"checksum_constants": [1, 2]}, "checksum_constant, checksum_constants"),
        ({"app-token": "another"}, "app_token, app-token"),
        ({"start": "9"}, "prefix, start"),
        ({"format": "{}:{}"}, "document"),
    ],
)
def test_self_check_refuses_rules_that_disagree(changes: dict[str, Any], named: str) -> None:
    doc = {
        "static_param": "abc",
        "checksum_indexes": [1],
        "checksum_constant": 5,
        "prefix": "1",
        "suffix": "2",
        "app_token": "tok",
        **changes,
    }
    with pytest.raises(ConfigurationError, match=rf"\(problem with: {named}\)"):
        parse_rules(json.dumps(doc), origin="x")


def test_a_constants_list_that_is_not_numbers_is_named() -> None:
    doc = {"static_param": "a", "checksum_indexes": [1], "checksum_constants": [1, "x"]}
    with pytest.raises(ConfigurationError) as info:
        parse_rules(json.dumps({**doc, "prefix": "1", "suffix": "2"}), origin="x")
    assert "incomplete or invalid (problem with: checksum_constants)" in info.value.user_message


def _dead_url() -> str:
    # Bind then close: nothing listens there, so a connect is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/rules.json"


def _sandbox_rules_url(server: SandboxServer) -> str:
    return server.base_urls()["onlyfans"]["site"] + "/rules.json"


async def test_sources_are_tried_in_turn_and_the_good_one_cached(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "onlyfans_rules.json"
    dead = _dead_url()
    missing = sandbox_server.base_urls()["onlyfans"]["site"] + "/no-such-rules.json"
    source = RulesSource(
        dead, fallbacks=(missing, _sandbox_rules_url(sandbox_server)), cache_file=cache
    )
    rules = await source.get()
    assert rules.revision == "sandbox-1"
    assert source.loaded_from == _sandbox_rules_url(sandbox_server)
    assert parse_rules(cache.read_bytes(), origin="cache") == rules
    if os.name == "posix":
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600


async def test_all_sources_down_uses_the_cache_then_explains(tmp_path: Path) -> None:
    cache = tmp_path / "onlyfans_rules.json"
    first, second = _dead_url(), _dead_url().replace("rules.json", "other.json")
    with pytest.raises(NetworkError) as info:
        await RulesSource(first, fallbacks=(second,), cache_file=cache).get()
    message = info.value.user_message
    assert message.startswith("None of the OnlyFans rules sources gave usable rules (")
    assert f"{first} could not be reached" in message
    assert "no earlier copy is saved" in message
    cache.write_text((FIXTURES / "deviint_start_end.json").read_text())
    source = RulesSource(first, fallbacks=(second,), cache_file=cache)
    assert (await source.get()).revision == "202305041104-d64bb67bcf"
    assert source.loaded_from == "the saved copy"


async def test_only_unusable_sources_is_a_setting_problem(sandbox_server: SandboxServer) -> None:
    site = sandbox_server.base_urls()["onlyfans"]["site"]
    source = RulesSource(site + "/no-such-rules.json", fallbacks=(site + "/missing-too.json",))
    with pytest.raises(ConfigurationError, match="answered with HTTP 404"):
        await source.get()

"""OnlyFans request signing: a known answer worked out by hand, and properties."""

from __future__ import annotations

import hashlib
import string

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from huntaze_desktop.providers.onlyfans.rules import Rules
from huntaze_desktop.providers.onlyfans.signing import checksum, sign, signature

RULES = Rules(
    static_param="abc123",
    checksum_indexes=(0, 5, 39),
    checksum_constant=7,
    format="11:{}:{:x}:22",
    app_token="tok",
)


def test_known_answer() -> None:
    # SHA-1 of "abc123\n1700000000000\n/api2/v2/users/me\n12345":
    sha = "5567891b72f0dce4cc5b3fdd76bed03af8095389"
    # digest[0]='5' (53), digest[5]='9' (57), digest[39]='9' (57): 167 + 7 = 174 = 0xae.
    headers = sign(RULES, "/api2/v2/users/me", 12345, 1700000000000)
    assert headers == {
        "sign": f"11:{sha}:ae:22",
        "time": "1700000000000",
        "app-token": "tok",
        "user-id": "12345",
    }


def test_prefix_suffix_rules() -> None:
    rules = Rules(
        static_param="abc123",
        checksum_indexes=(0, 5, 39),
        checksum_constant=7,
        prefix="11",
        suffix="22",
        app_token="tok",
    )
    assert signature(rules, "/api2/v2/users/me", "12345", "1700000000000") == (
        "11:5567891b72f0dce4cc5b3fdd76bed03af8095389:ae:22"
    )


def test_query_string_is_signed() -> None:
    a = sign(RULES, "/api2/v2/earnings/chart?startDate=2026-01-01", "1", "5")["sign"]
    b = sign(RULES, "/api2/v2/earnings/chart?startDate=2026-01-02", "1", "5")["sign"]
    assert a != b


def test_remove_headers_drops_named_header() -> None:
    rules = msgspec.structs.replace(RULES, remove_headers=("user_id",))
    assert "user-id" not in sign(rules, "/x", "1", "2")


def test_negative_total_is_formatted_without_sign() -> None:
    rules = msgspec.structs.replace(RULES, checksum_constant=-10_000)
    sig = signature(rules, "/x", "1", "2")
    assert "-" not in sig.split(":")[2]


hex_digest = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)
paths = st.text(alphabet=string.ascii_letters + string.digits + "/?&=_-.%", max_size=80).map(
    lambda s: "/" + s
)


@st.composite
def rule_sets(draw: st.DrawFn) -> Rules:
    return Rules(
        static_param=draw(st.text(alphabet=string.ascii_letters + string.digits, min_size=1)),
        checksum_indexes=tuple(draw(st.lists(st.integers(0, 39), min_size=1, max_size=40))),
        checksum_constant=draw(st.integers(-5000, 5000)),
        format="{}-{:x}",
        app_token="t",
    )


@given(rules=rule_sets(), path=paths, uid=st.integers(1, 10**12), t=st.integers(0, 2**45))
def test_signature_matches_definition(rules: Rules, path: str, uid: int, t: int) -> None:
    headers = sign(rules, path, uid, t)
    message = f"{rules.static_param}\n{t}\n{path}\n{uid}"
    sha = hashlib.sha1(message.encode()).hexdigest()  # noqa: S324 - the site's choice
    total = sum(ord(sha[i]) for i in rules.checksum_indexes) + rules.checksum_constant
    assert headers["sign"] == f"{sha}-{abs(total):x}"
    assert headers["time"] == str(t)
    assert headers["user-id"] == str(uid)


@given(rules=rule_sets(), path=paths, t=st.integers(0, 2**45))
def test_signature_depends_on_user(rules: Rules, path: str, t: int) -> None:
    assert sign(rules, path, 1, t)["sign"] != sign(rules, path, 2, t)["sign"]


@given(rules=rule_sets(), sha=hex_digest)
def test_checksum_is_non_negative_and_deterministic(rules: Rules, sha: str) -> None:
    assert checksum(rules, sha) == checksum(rules, sha) >= 0

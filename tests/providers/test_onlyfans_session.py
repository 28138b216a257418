"""The captured OnlyFans session: validation, secrecy and round trips."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huntaze_desktop.domain.errors import ConfigurationError, HuntazeError
from huntaze_desktop.providers.onlyfans.session import (
    MAX_COOKIE_HEADER,
    MAX_SESSION_FILE,
    CapturedSession,
    IncompleteSessionError,
    InvalidSessionError,
)

COOKIES = {"sess": "s3cr3tsess", "auth_id": "4242", "auth_uid_4242": "2fa-value"}
UA = "Mozilla/5.0 (X11; Linux x86_64) HuntazeTest/1.0"


def make(**over: object) -> CapturedSession:
    args: dict[str, object] = {"cookies": dict(COOKIES), "x_bc": "bc-token-value", "user_agent": UA}
    args.update(over)
    return CapturedSession(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"cookies": {"auth_id": "1"}}, "the sign-in cookie 'sess' was not found."),
        ({"cookies": {"sess": "x"}}, "the sign-in cookie 'auth_id' was not found."),
        (
            {"cookies": {"sess": "x", "auth_id": "  "}},
            "the sign-in cookie 'auth_id' was not found.",
        ),
        ({"cookies": {"sess": "x", "auth_id": "abc"}}, "'auth_id' does not hold an account number"),
        ({"x_bc": ""}, "'x-bc' (bcTokenSha) was not found."),
        ({"user_agent": " "}, "User-Agent is missing."),
    ],
)
def test_incomplete_session_names_what_is_missing(over: dict[str, object], expected: str) -> None:
    with pytest.raises(IncompleteSessionError) as info:
        make(**over)
    assert info.value.user_message.startswith("The OnlyFans session is incomplete: ")
    assert expected in info.value.user_message


def test_repr_hides_values() -> None:
    session = make()
    for text in (repr(session), str(session), f"{session}"):
        assert "s3cr3tsess" not in text and "bc-token-value" not in text and "Huntaze" not in text
        assert "sess" in text  # cookie names are fine to show


def test_json_round_trip_and_equality() -> None:
    session = make()
    again = CapturedSession.from_json(session.to_json())
    assert again == session and hash(again) == hash(session)
    assert again.user_id == "4242"
    assert again != make(x_bc="other")


def test_cookies_are_copied() -> None:
    cookies = dict(COOKIES)
    session = make(cookies=cookies)
    cookies["sess"] = "changed"
    assert session.cookies["sess"] == "s3cr3tsess"


def test_from_file_accepts_dash_names_and_cookie_lists(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    path.write_text(
        json.dumps(
            {
                "cookies": [{"name": k, "value": v} for k, v in COOKIES.items()],
                "x-bc": "bc-token-value",
                "user_agent": UA,
            }
        )
    )
    assert CapturedSession.from_file(path) == make()


def test_from_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="could not be read"):
        CapturedSession.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(IncompleteSessionError, match="not a JSON object"):
        CapturedSession.from_file(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


# The first draw of a recursive strategy can be slow on a busy CI machine.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.sampled_from(["cookies", "x_bc", "x-bc", "user_agent"]), json_values))
def test_from_mapping_only_raises_typed_errors(data: dict[str, object]) -> None:
    with contextlib.suppress(HuntazeError):
        CapturedSession.from_mapping(data)


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"cookies": {**COOKIES, "sess": "abc\r\nX-Injected: 1"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "sess": "abc\ndef"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "sess": "a\x00b"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "sess": "a\x7fb"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "sess": "a; auth_id=1"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "sess": "caf\u00e9"}}, "the cookie 'sess' holds"),
        ({"cookies": {**COOKIES, "bad\r\nname": "v"}}, "a cookie name holds"),
        ({"cookies": {**COOKIES, "sess": "x" * (50 * 1024 * 1024)}}, "over 16 kB"),
        ({"cookies": {**COOKIES, **{f"c{i}": "v" * 1000 for i in range(17)}}}, "over 16 kB"),
        ({"x_bc": "bc\r\nvalue"}, "the browser value 'x-bc' holds"),
        ({"user_agent": "Mozilla\n/5.0"}, "the browser value 'User-Agent' holds"),
        ({"user_agent": "M" * 3000}, "'User-Agent' is larger than any browser sends"),
    ],
)
def test_values_no_browser_sends_are_an_invalid_session(
    over: dict[str, object], expected: str
) -> None:
    with pytest.raises(InvalidSessionError) as info:
        make(**over)
    message = info.value.user_message
    assert message.startswith("That OnlyFans session is not valid: ")
    assert expected in message and message.endswith("Please sign in again.")
    assert "abc" not in message and "X-Injected" not in message  # never the value
    assert isinstance(info.value, IncompleteSessionError)  # refused where those are


def test_large_but_real_sessions_pass() -> None:
    session = make(cookies={**COOKIES, "sess": "s" * 8000, "fp": "f" * 7000}, user_agent="U" * 2048)
    assert len(session.cookie_header()) < MAX_COOKIE_HEADER
    # Surrounding white space (a copied line break included) is trimmed, as before.
    assert make(cookies={**COOKIES, "sess": " s3cr3t\r\n"}).cookies["sess"] == "s3cr3t"


def test_a_huge_session_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    value = "x" * (MAX_SESSION_FILE + 10)
    path.write_text(
        json.dumps({"cookies": {**COOKIES, "sess": value}, "x_bc": "b", "user_agent": UA})
    )
    with pytest.raises(InvalidSessionError, match="is larger than any sign-in"):
        CapturedSession.from_file(path)

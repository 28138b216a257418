"""redact / redact_url / register_secret / RedactingFilter."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huntaze_desktop.net.redact import (
    REDACTED,
    RedactingFilter,
    clear_registered_secrets,
    forget_secrets,
    redact,
    redact_url,
    register_secret,
    registered_secret_count,
)

SECRET = "IGQWRPa1ZA3xYz_secret-TOKEN.value"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.mark.parametrize(
    "text",
    [
        f"GET https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token={SECRET}",
        f"POST body: grant_type=refresh_token&refresh_token={SECRET}&client_id=abc",
        f"callback http://127.0.0.1:8765/cb?code={SECRET}&state=xyz",
        f"client_secret={SECRET}",
        f"code_verifier={SECRET}&x=1",
        f"https://example.com/?token={SECRET}",
        f"https://graph.facebook.com/oauth/access_token?fb_exchange_token={SECRET}",
        f'{{"access_token": "{SECRET}", "expires_in": 3600}}',
        f'{{"refresh_token":"{SECRET}"}}',
        f'{{"id_token": "{SECRET}"}}',
        f'{{"client_secret": "{SECRET}"}}',
        f'{{"code": "{SECRET}"}}',
        f'{{"sess": "{SECRET}"}}',
        f'{{"auth_id": "{SECRET}"}}',
        f'{{"x-bc": "{SECRET}"}}',
        f'{{"password": "{SECRET}"}}',
        f'{{"ACCESS_TOKEN" : "{SECRET}"}}',
        f"{{'access_token': '{SECRET}', 'user_id': 1}}",
        f'payload="{{\\"access_token\\": \\"{SECRET}\\"}}"',
        f"Authorization: Bearer {SECRET}",
        f"authorization: Basic {base64.b64encode(SECRET.encode()).decode()}",
        f"Headers({{'authorization': 'Bearer {SECRET}'}})",
        f"Cookie: sess={SECRET}; auth_id=123; lang=en",
        f"Set-Cookie: sess={SECRET}; Path=/; HttpOnly",
        f"cookies sess={SECRET}; auth_uid_12345={SECRET}",
        f"x-bc={SECRET}",
        f"refresh_token: {SECRET}",
        f"redirect=https%3A%2F%2Fapp%2Fcb%3Fcode%3D{SECRET}%26state%3Dabc",
    ],
)
def test_named_patterns_are_scrubbed(text: str) -> None:
    out = redact(text)
    assert SECRET not in out
    assert REDACTED in out
    assert redact(out) == out  # idempotent


def test_context_is_kept() -> None:
    out = redact(
        "GET https://graph.instagram.com/refresh_access_token"
        f"?grant_type=ig_refresh_token&access_token={SECRET} -> 200"
    )
    assert out == (
        "GET https://graph.instagram.com/refresh_access_token"
        f"?grant_type=ig_refresh_token&access_token={REDACTED} -> 200"
    )
    assert redact(f"Authorization: Bearer {SECRET}") == f"Authorization: Bearer {REDACTED}"
    assert (
        redact(f'{{"access_token": "{SECRET}", "x": 1}}')
        == f'{{"access_token": "{REDACTED}", "x": 1}}'
    )


def test_json_string_with_escaped_quote_is_fully_scrubbed() -> None:
    text = json.dumps({"password": 'a"b' + SECRET, "user": "me"})
    out = redact(text)
    assert SECRET not in out
    assert json.loads(out) == {"password": REDACTED, "user": "me"}


def test_numeric_auth_id_is_scrubbed() -> None:
    assert "987654321" not in redact('{"auth_id": 987654321, "name": "x"}')


def test_similar_names_and_random_strings_are_kept() -> None:
    text = (
        "error_code=190 next_page_token=QVFIUmx media_id=17895695668004550 "
        "request_id=AbCdEf0123456789AbCdEf0123456789"
    )
    assert redact(text) == text


def test_redact_url_keeps_shape() -> None:
    url = (
        "https://user:pw12345@api.example.com/oauth/token"
        f"?grant_type=authorization_code&code={SECRET}&redirect_uri=http%3A%2F%2F127.0.0.1"
        f"#access_token={SECRET}&state=s1"
    )
    out = redact_url(url)
    assert SECRET not in out and "pw12345" not in out
    assert out.startswith(f"https://user:{REDACTED}@api.example.com/oauth/token?")
    assert "grant_type=authorization_code" in out
    assert f"code={REDACTED}" in out and "state=s1" in out
    plain = "https://graph.instagram.com/me?fields=id,username"
    assert redact_url(plain) == plain


def test_registered_secret_is_scrubbed_in_all_forms() -> None:
    opaque = "zq81xk2pLLm0"  # matches no named pattern
    register_secret(opaque)
    forms = [
        opaque,
        quote(opaque, safe=""),
        base64.b64encode(opaque.encode()).decode(),
        base64.urlsafe_b64encode(opaque.encode()).decode().rstrip("="),
    ]
    for form in forms:
        assert redact(f"value [{form}] end") == f"value [{REDACTED}] end"
    clear_registered_secrets()
    assert redact(opaque) == opaque


def test_registered_secret_with_special_characters() -> None:
    secret = "a+b/c=d&e f?g"
    register_secret(secret)
    assert redact(f"x={quote(secret, safe='')}") == f"x={REDACTED}"
    assert redact(f"raw {secret} raw") == f"raw {REDACTED} raw"


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    register_secret(None)
    assert redact("abc abc") == "abc abc"


@settings(max_examples=150, deadline=None)
@given(
    secret=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&;,'\"#<>"),
        min_size=6,
        max_size=60,
    ),
    name=st.sampled_from(["access_token", "refresh_token", "code", "client_secret", "token"]),
)
def test_property_query_values_never_survive(secret: str, name: str) -> None:
    url = f"https://h.example/p?a=1&{name}={quote(secret, safe='')}&b=2"
    expected = f"https://h.example/p?a=1&{name}={REDACTED}&b=2"
    assert redact(url) == expected
    assert redact_url(url) == expected


def _record(msg: object, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"msg": msg, "args": args or None, "levelno": logging.INFO})
    record.__dict__.update(extra)
    return record


def test_filter_formats_then_scrubs_args() -> None:
    record = _record("refreshing %s with %s", "acct", f"access_token={SECRET}")
    assert RedactingFilter().filter(record)
    assert record.args is None
    assert record.getMessage() == f"refreshing acct with access_token={REDACTED}"


def test_filter_scrubs_exceptions_stack_and_extras() -> None:
    try:
        raise ValueError(f"bad answer {{'refresh_token': '{SECRET}'}}")
    except ValueError:
        import sys

        record = _record(
            "failed",
            url=f"https://x/?code={SECRET}",
            body={"sess": SECRET, "n": [{"access_token": SECRET}], "note": f"code={SECRET}"},
        )
        record.exc_info = sys.exc_info()
    record.stack_info = f"Stack: call(token={SECRET})"
    RedactingFilter().filter(record)
    formatted = logging.Formatter("%(message)s %(url)s %(body)s").format(record)
    assert SECRET not in formatted
    assert "ValueError" in formatted and "Traceback" in formatted
    assert record.exc_info is None
    assert record.body["sess"] == REDACTED


def test_filter_survives_a_bad_format_string() -> None:
    record = _record("%d items token=%s", "not-a-number", SECRET)
    RedactingFilter().filter(record)
    assert SECRET not in record.getMessage()
    assert "items token=" in record.getMessage()


@pytest.mark.parametrize(
    "text",
    [
        '{"x_bc": "0123456789abcdef0123456789abcdef01234567"}',
        '{"bcTokenSha": "0123456789abcdef0123456789abcdef01234567"}',
        "x_bc=0123456789abcdef0123456789abcdef01234567&user=5",
        "https://example.test/?bcTokenSha=0123456789abcdef0123456789abcdef01234567",
        "{'x_bc': '0123456789abcdef0123456789abcdef01234567'}",
    ],
)
def test_onlyfans_browser_ids_are_scrubbed(text: str) -> None:
    assert "0123456789abcdef0123456789abcdef01234567" not in redact(text)


def test_registered_secrets_inside_longer_runs_and_overlapping() -> None:
    token = "act.Zz81xk2pLLm0q!1234.va"  # TikTok-like: "!" and "." inside
    register_secret(token)
    assert redact(f"GET /v2/user?x={token}&y=1") == f"GET /v2/user?x={REDACTED}&y=1"
    inner = quote(f"https://h/cb?access={token}", safe="")
    assert token not in redact(inner) and quote(token, safe="") not in redact(inner)
    assert redact(f"{token}{token} {token}") == f"{REDACTED} {REDACTED}"
    register_secret("Zz81xk2pLLm0")  # a part of the first one: the longest form wins
    assert redact(f"<{token}>") == f"<{REDACTED}>"
    assert redact("<Zz81xk2pLLm0>") == f"<{REDACTED}>"


def test_owners_forget_their_secrets_and_the_registry_is_bounded() -> None:
    from huntaze_desktop.net import redact as module

    register_secret("firstAccountToken1", owner=("reddit", "a"))
    register_secret("secondAccountToken2", owner=("reddit", "b"))
    forget_secrets(("reddit", "a"))
    assert redact("firstAccountToken1 secondAccountToken2") == (f"firstAccountToken1 {REDACTED}")
    for i in range(module._MAX_FORMS):  # every one has several forms: the oldest go
        register_secret(f"bulkSecretValue{i:06d}")
    assert registered_secret_count() == module._MAX_FORMS
    assert redact("secondAccountToken2") == "secondAccountToken2"
    newest = f"bulkSecretValue{module._MAX_FORMS - 1:06d}"
    assert redact(newest) == REDACTED
    register_secret("x" * 9000)  # a document, not a credential
    assert redact("x" * 9000) == "x" * 9000

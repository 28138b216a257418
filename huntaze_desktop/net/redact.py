"""Scrub secrets from text before it reaches a log file, a crash file or a toast.

Only *named* patterns are scrubbed (OAuth parameters, JSON fields, auth headers,
session cookies), plus exact values registered with :func:`register_secret`.
Long random-looking strings are deliberately left alone: media ids, cursors and
request ids are what make a log useful, and guessing would hide them.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import traceback
from collections import OrderedDict
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "clear_registered_secrets",
    "redact",
    "redact_url",
    "register_secret",
]

REDACTED = "[REDACTED]"

# Query-string / form parameters whose value is a credential.
_PARAM_NAMES = (
    "access_token|refresh_token|id_token|code|client_secret|code_verifier|token"
    "|fb_exchange_token|input_token|password|x_bc|x-bc|bctokensha"
)
# JSON / dict keys whose value is a credential (OnlyFans session fields included).
_FIELD_NAMES = (
    "access_token|refresh_token|id_token|client_secret|code|code_verifier|token"
    "|fb_exchange_token|sess|auth_id|auth_hash|auth_uid_\\w+|x-bc|x_bc|bctokensha|password"
    "|authorization|proxy-authorization|cookie|set-cookie"
)
# Session cookie pairs (``sess=...; auth_id=...``) wherever they appear.
_COOKIE_NAMES = "sess|auth_id|auth_hash|auth_uid_\\w+"

_NOT_NAME = r"(?<![\w-])"  # "error_code=" or "page-token=" are other parameters
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer <t> / Basic <b64> / <t>; keep the scheme for context.
    (
        re.compile(
            r"\b((?:proxy-)?authorization\s*:\s*)((?:bearer|basic|digest|token|oauth)\s+)?"
            r"[^\s'\",;}]+",
            re.IGNORECASE,
        ),
        rf"\1\2{REDACTED}",
    ),
    # Cookie / Set-Cookie headers: the whole value to the end of the line.
    (
        re.compile(r"(?<![\w-])((?:set-)?cookie\s*:\s*)[^\r\n]+", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*", re.IGNORECASE), rf"\1{REDACTED}"),
    # "key": "value" (JSON), \"key\": \"value\" (JSON inside a JSON string), 'key': 'value'.
    (
        re.compile(rf'"({_FIELD_NAMES})"(\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE),
        rf'"\1"\2"{REDACTED}"',
    ),
    (
        re.compile(rf'\\"({_FIELD_NAMES})\\"(\s*:\s*)\\"(?:(?!\\").)*\\"', re.IGNORECASE),
        rf'\\"\1\\"\2\\"{REDACTED}\\"',
    ),
    (
        re.compile(rf"(')({_FIELD_NAMES})'(\s*:\s*)'(?:[^'\\]|\\.)*'", re.IGNORECASE),
        rf"\1\2'\3'{REDACTED}'",
    ),
    # Numeric ids that are credentials (OnlyFans auth_id) in JSON or repr.
    (
        re.compile(rf"""(["']({_COOKIE_NAMES})["']\s*:\s*)-?\d+""", re.IGNORECASE),
        rf'\1"{REDACTED}"',
    ),
    # name=value in URLs, forms and cookies; also percent-encoded inside another URL.
    (
        re.compile(rf"{_NOT_NAME}({_PARAM_NAMES}|{_COOKIE_NAMES}|x-bc)=[^&\s;,'\"#<>]+", re.I),
        rf"\1={REDACTED}",
    ),
    (
        re.compile(
            rf"(?:{_NOT_NAME}|(?<=%3F)|(?<=%26))({_PARAM_NAMES})(%3D)(?:(?!%26)[^&\s'\"#<>])+", re.I
        ),
        rf"\1\2{REDACTED}",
    ),
    # Unquoted "refresh_token: abc" as in hand-written log lines.
    (
        re.compile(
            rf"{_NOT_NAME}(access_token|refresh_token|id_token|client_secret|code_verifier"
            rf"|fb_exchange_token|password|x-bc)(\s*:\s*)(?!\s*['\"\[])[^\s,;&'\"}}]+",
            re.IGNORECASE,
        ),
        rf"\1\2{REDACTED}",
    ),
)

_MIN_SECRET_LENGTH = 6  # shorter values would scrub ordinary words
_MAX_SECRETS = 512  # bounded: tokens come and go, the oldest are forgotten


class _SecretRegistry:
    """Exact secrets (and their encoded forms) to scrub anywhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if len(value) < _MIN_SECRET_LENGTH:
            return
        raw = value.encode("utf-8")
        forms = {
            value,
            quote(value, safe=""),
            quote_plus(value, safe=""),
            base64.b64encode(raw).decode("ascii"),
            base64.urlsafe_b64encode(raw).decode("ascii"),
        }
        forms |= {form.rstrip("=") for form in forms}
        with self._lock:
            for form in forms:
                if len(form) >= _MIN_SECRET_LENGTH:
                    self._secrets[form] = None
                    self._secrets.move_to_end(form)
            while len(self._secrets) > _MAX_SECRETS:
                self._secrets.popitem(last=False)
            self._pattern = None

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._pattern = None

    def scrub(self, text: str) -> str:
        with self._lock:
            if not self._secrets:
                return text
            if self._pattern is None:
                # Longest first, so a secret's base64 form beats a prefix of it.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))
            pattern = self._pattern
        return pattern.sub(REDACTED, text)


_registry = _SecretRegistry()


def register_secret(value: str | None) -> None:
    """Scrub this exact value (raw, URL-encoded and base64) from all future output."""
    if value:
        _registry.add(value)


def clear_registered_secrets() -> None:
    """Forget every registered secret (tests; account removal)."""
    _registry.clear()


def redact(text: str) -> str:
    """``text`` with every named credential pattern and registered secret scrubbed."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _registry.scrub(text)


_QUERY_PARAM = re.compile(rf"(^|[&;])({_PARAM_NAMES}|{_COOKIE_NAMES})=[^&;]*", re.IGNORECASE)


def redact_url(url: str) -> str:
    """Scheme, host and path kept; credential query/fragment values and passwords hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else f"{REDACTED}@{host}"
    query = _QUERY_PARAM.sub(rf"\1\2={REDACTED}", parts.query)
    fragment = _QUERY_PARAM.sub(rf"\1\2={REDACTED}", parts.fragment)
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
    return redact(rebuilt)


# Attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_FIELD_KEY = re.compile(rf"^(?:{_FIELD_NAMES}|{_PARAM_NAMES})$", re.IGNORECASE)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and _FIELD_KEY.match(k) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Scrubs a record's message, arguments, extras, traceback and stack in place.

    Attach it to every handler: the message is formatted first (so a secret in an
    argument is caught), then ``args`` is cleared; the traceback is rendered to
    ``exc_text`` and ``exc_info`` dropped, so no formatter can render it raw.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line...
            # ...nor leak an argument that no pattern names, so arguments are dropped.
            message = f"{record.msg} [arguments dropped: the message could not be formatted]"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = _redact_value(value)
        return True

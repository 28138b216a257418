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
from collections.abc import Hashable
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "clear_registered_secrets",
    "forget_secrets",
    "redact",
    "redact_url",
    "register_secret",
    "registered_secret_count",
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
_MAX_SECRET_LENGTH = 8192  # longer values are documents, not credentials: not registered
_MAX_FORMS = 16_384  # ~200 accounts x 3 secrets x 7 forms, with room; oldest forgotten first
_MAX_IRREGULAR = 512  # forms holding a delimiter: each costs a find() per scrubbed text

# Runs of characters that tokens are made of (RFC 6750 b64token, base64, URL
# encoding, TikTok's "act.…!1234"); white space, quotes, brackets, "=", "&", ";"
# and "," end a run. A form made only of these characters is found by looking
# up each run's 6-character windows in a dict; any other form ("irregular": a
# client secret with a space in it, say) by str.find.
_RUN_CHARS = r"A-Za-z0-9\-._~+/%!*:@$"
_RUN = re.compile(rf"[{_RUN_CHARS}]{{{_MIN_SECRET_LENGTH},}}")
_REGULAR = re.compile(rf"[{_RUN_CHARS}]+")


class _SecretRegistry:
    """Exact secrets (and their encoded forms) to scrub anywhere, found in one pass.

    A regex alternation of every form had to be recompiled after each new
    secret, at a cost growing with their number; with 200 accounts' tokens
    registered as they are opened it would be rebuilt again and again. Here a
    form is filed under its first 6 characters (every form has at least 6): to
    scrub, a precompiled pattern finds the token-like runs of the text (in C),
    and each 6-character window of a run is one dict look-up, whose few
    candidates are compared in place. Registering is a dict insert; scrubbing
    costs a look-up per character of the token-like text, whatever the number
    of secrets (``benchmarks/bench_redact.py``). Memory is bounded by
    ``_MAX_FORMS`` (least recently registered forgotten first).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # form -> owner (None: no owner), in registration order, for the bound.
        self._forms: OrderedDict[str, Hashable] = OrderedDict()
        self._buckets: dict[str, list[str]] = {}  # first 6 chars -> forms, longest first
        self._irregular: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._forms)

    def add(self, value: str, owner: Hashable) -> None:
        if not _MIN_SECRET_LENGTH <= len(value) <= _MAX_SECRET_LENGTH:
            return
        raw = value.encode("utf-8")
        # Base64 padding is left out: the form without it matches, and "=" tells nothing.
        forms = {
            form.rstrip("=")
            for form in (
                value,
                quote(value, safe=""),
                quote_plus(value, safe=""),
                base64.b64encode(raw).decode("ascii"),
                base64.urlsafe_b64encode(raw).decode("ascii"),
            )
        }
        with self._lock:
            for form in forms:
                if len(form) >= _MIN_SECRET_LENGTH:
                    self._add_form(form, owner)
            while len(self._forms) > _MAX_FORMS:
                self._drop_form(next(iter(self._forms)))
            while len(self._irregular) > _MAX_IRREGULAR:
                self._drop_form(next(iter(self._irregular)))

    def _add_form(self, form: str, owner: Hashable) -> None:
        if form in self._forms:
            self._forms[form] = owner
            self._forms.move_to_end(form)
            if form in self._irregular:
                self._irregular.move_to_end(form)
            return
        self._forms[form] = owner
        if _REGULAR.fullmatch(form):
            bucket = self._buckets.setdefault(form[:_MIN_SECRET_LENGTH], [])
            bucket.append(form)
            bucket.sort(key=len, reverse=True)
        else:
            self._irregular[form] = None

    def _drop_form(self, form: str) -> None:
        del self._forms[form]
        if form in self._irregular:
            del self._irregular[form]
            return
        key = form[:_MIN_SECRET_LENGTH]
        bucket = self._buckets[key]
        bucket.remove(form)
        if not bucket:
            del self._buckets[key]

    def forget(self, owner: Hashable) -> None:
        with self._lock:
            for form in [f for f, o in self._forms.items() if o == owner]:
                self._drop_form(form)

    def clear(self) -> None:
        with self._lock:
            self._forms.clear()
            self._buckets.clear()
            self._irregular.clear()

    def scrub(self, text: str) -> str:
        if not self._forms:
            return text
        spans: list[tuple[int, int]] = []
        with self._lock:
            if self._buckets:
                get, window = self._buckets.get, _MIN_SECRET_LENGTH
                for run in _RUN.finditer(text):
                    start, end = run.span()
                    for i in range(start, end - window + 1):
                        candidates = get(text[i : i + window])
                        if candidates is None:
                            continue
                        for form in candidates:  # longest first
                            if text.startswith(form, i, end):
                                spans.append((i, i + len(form)))
                                break
            for form in self._irregular:
                found = text.find(form)
                while found >= 0:
                    spans.append((found, found + len(form)))
                    found = text.find(form, found + len(form))
        if not spans:
            return text
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:  # overlapping or touching spans become one
            if start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        pieces: list[str] = []
        done = 0
        for start, end in merged:
            pieces += (text[done:start], REDACTED)
            done = end
        pieces.append(text[done:])
        return "".join(pieces)


_registry = _SecretRegistry()


def register_secret(value: str | None, owner: Hashable = None) -> None:
    """Scrub this exact value (raw, URL-encoded and base64) from all future output.

    ``owner`` (e.g. ``(provider, provider_account_id)``) lets
    :func:`forget_secrets` drop an account's values when it is disconnected.
    Values shorter than 6 or longer than 8192 characters are not registered.
    """
    if value:
        _registry.add(value, owner)


def forget_secrets(owner: Hashable) -> None:
    """Stop scrubbing the values registered with ``owner`` (the account is gone)."""
    if owner is not None:
        _registry.forget(owner)


def registered_secret_count() -> int:
    """How many forms are registered (bounded; for tests and diagnostics)."""
    return len(_registry)


def clear_registered_secrets() -> None:
    """Forget every registered secret (tests)."""
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

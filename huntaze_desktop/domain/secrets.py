"""The last guard of a diagnostics report: no stored secret may leave in it.

A report is built from secret-free fields, but it quotes error messages, audit
details and settings that a bug could one day fill with a token. So before the
report is written, every secret the app holds (account tokens, captured sessions
and their cookie values, pending revocations, developer client secrets) is
replaced in the text in each form it could take — raw, JSON-escaped,
URL-encoded and base64 — and then the text is scanned for those forms again. A
hit after redaction means the redaction itself failed: nothing is written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from huntaze_desktop.domain.errors import HuntazeError

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SecretLeakError",
    "ensure_no_secrets",
    "find_secrets",
    "redact_secrets",
    "secret_forms",
    "secret_values",
]

REDACTED = "[REDACTED]"
# Shorter values would match ordinary words; every real token is far longer.
MIN_SECRET_LENGTH = 6


class SecretLeakError(HuntazeError):
    """A report still contained a stored secret; it was not written."""

    default_message = (
        "The diagnostics report was not saved because it would have contained a "
        "credential. Please report this problem."
    )


def secret_forms(value: str) -> set[str]:
    """The ways ``value`` could appear in text: raw, JSON-escaped, URL-encoded, base64."""
    raw = value.encode("utf-8")
    forms = {
        value,
        json.dumps(value)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
        base64.b64encode(raw).decode("ascii"),
        base64.urlsafe_b64encode(raw).decode("ascii"),
    }
    forms |= {form.rstrip("=") for form in forms}
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def secret_values(stored: str | None) -> list[str]:
    """A stored secret and, when it is a captured session (JSON), each value inside it."""
    if not stored:
        return []
    found = [stored]
    try:
        data: Any = json.loads(stored)
    except ValueError:
        return found
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and len(item) >= MIN_SECRET_LENGTH:
            found.append(item)
    return found


def _all_forms(secrets: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            forms |= secret_forms(secret)
    # Longest first: a secret's base64 form is replaced before a prefix of it.
    return sorted(forms, key=len, reverse=True)


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of every secret replaced by ``[REDACTED]``."""
    for form in _all_forms(secrets):
        text = text.replace(form, REDACTED)
    return text


def find_secrets(text: str, secrets: Iterable[str]) -> int:
    """How many distinct secrets appear in ``text`` in any form (never which ones)."""
    return sum(
        1
        for secret in {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        if any(form in text for form in secret_forms(secret))
    )


def ensure_no_secrets(text: str, secrets: Iterable[str]) -> None:
    """Raise ``SecretLeakError`` when any form of any secret is in ``text``."""
    if find_secrets(text, secrets):
        raise SecretLeakError()

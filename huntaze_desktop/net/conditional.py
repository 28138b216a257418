"""Conditional requests (RFC 9110 §13): the validators of an answer, sent back later.

A platform that tags an answer with ``ETag`` or ``Last-Modified`` lets a client
ask again with ``If-None-Match`` / ``If-Modified-Since``; when nothing changed it
answers ``304 Not Modified`` with no body, and the copy already held stays valid.
That saves the platform's work, the transfer and, on some platforms, the rate
budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

__all__ = ["NOT_MODIFIED", "Validators", "is_not_modified"]

NOT_MODIFIED = 304
# Longer values are not validators anyone sends; they would not fit the cache columns.
_MAX_ETAG = 500
_MAX_LAST_MODIFIED = 100


@dataclass(frozen=True, slots=True)
class Validators:
    """What identifies one version of an answer: its ``ETag`` and/or ``Last-Modified``."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> Validators | None:
        """The validators a successful answer carries, or None when it has none."""
        return cls.from_headers(response.headers)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Validators | None:
        etag = _clean(headers.get("etag"), _MAX_ETAG)
        last_modified = _clean(headers.get("last-modified"), _MAX_LAST_MODIFIED)
        if etag is None and last_modified is None:
            return None
        return cls(etag, last_modified)

    def request_headers(self) -> dict[str, str]:
        """The headers of a conditional request for the version these describe.

        Both are sent when both are known; a server that understands ``ETag``
        must then ignore ``If-Modified-Since`` (RFC 9110 §13.1.3).
        """
        headers: dict[str, str] = {}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.last_modified is not None:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def is_not_modified(response: httpx.Response) -> bool:
    """True for a ``304 Not Modified`` answer (the held copy is still current)."""
    return response.status_code == NOT_MODIFIED


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > limit or any(ord(c) < 0x20 for c in value):
        return None
    return value

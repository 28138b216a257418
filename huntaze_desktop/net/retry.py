"""Retry timing: the server's ``Retry-After`` and a capped, full-jitter backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["Backoff", "retry_after"]

# A server asking us to wait longer than a day is more likely broken than serious.
_MAX_SERVER_DELAY = timedelta(days=1)


def retry_after(response: httpx.Response, now: datetime) -> datetime | None:
    """When the server says we may try again (``Retry-After``), as an aware UTC time.

    Accepts delta-seconds and HTTP-dates; returns None when the header is absent
    or unparseable. Past dates clamp to ``now``; absurd values clamp to one day.
    """
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    when: datetime | None
    if raw.isdigit():
        if len(raw) > 9:
            return now + _MAX_SERVER_DELAY
        when = now + timedelta(seconds=int(raw))
    else:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    return min(max(when, now), now + _MAX_SERVER_DELAY)


class Backoff:
    """Capped exponential backoff with full jitter (AWS architecture blog style).

    ``next_delay(attempt)`` draws uniformly from ``[0, min(cap, base * 2**attempt)]``;
    a server-provided delay (seconds) is a floor, never shortened by jitter.
    """

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None):
        if base <= 0 or cap <= 0:
            raise ValueError("base and cap must be positive")
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def ceiling(self, attempt: int) -> float:
        """The largest delay the given attempt (0-based) may draw."""
        attempt = max(0, attempt)
        # Avoid float overflow for absurd attempt numbers.
        if attempt > 64:
            return self.cap
        return float(min(self.cap, self.base * (2**attempt)))

    def next_delay(self, attempt: int, server_delay: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        delay = self._rng.uniform(0.0, self.ceiling(attempt))
        if server_delay is not None and server_delay > 0:
            # The server knows best: its delay is a floor that jitter never shortens.
            return max(delay, float(server_delay))
        return delay

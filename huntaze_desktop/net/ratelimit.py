"""Rate-limit headers, read into one shape, and a per-account request budget.

Reddit counts requests (``X-Ratelimit-Used/Remaining/Reset``); Meta reports usage
percentages as JSON (``X-App-Usage``, ``X-Business-Use-Case-Usage`` with
``estimated_time_to_regain_access`` in minutes); TikTok sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["RateBudget", "RateLimitInfo"]

_MAX_WAIT = timedelta(days=1)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def _usage_values(entry: Any) -> tuple[list[float], float | None]:
    """Percentages and the regain delay (minutes) found in one Meta usage object."""
    percents: list[float] = []
    regain: float | None = None
    if not isinstance(entry, Mapping):
        return percents, regain
    for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
        number = _number(entry.get(key))
        if number is not None:
            percents.append(number)
    minutes = _number(entry.get("estimated_time_to_regain_access"))
    if minutes is not None and minutes > 0:
        regain = minutes
    return percents, regain


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What one answer's headers say about the request budget (None: not said)."""

    remaining: float | None = None
    used: float | None = None
    resets_at: datetime | None = None
    usage_percent: float | None = None  # Meta: the highest of the reported percentages

    @property
    def exhausted(self) -> bool:
        if self.remaining is not None and self.remaining < 1:
            return True
        return self.usage_percent is not None and self.usage_percent >= 100

    @classmethod
    def from_headers(
        cls,
        names: Iterable[str],
        headers: Mapping[str, str],
        now: datetime | None = None,
    ) -> RateLimitInfo:
        """Parse the headers the spec names; anything malformed is ignored, never raised."""
        now = now or datetime.now(UTC)
        lower = {k.lower(): v for k, v in headers.items()}
        remaining = used = None
        resets_at: datetime | None = None
        percents: list[float] = []
        regain_minutes: float | None = None
        for name in names:
            key = name.lower()
            raw = lower.get(key)
            if raw is None:
                continue
            if key == "x-ratelimit-remaining":
                remaining = _number(raw)
            elif key == "x-ratelimit-used":
                used = _number(raw)
            elif key == "x-ratelimit-reset":
                seconds = _number(raw)
                if seconds is not None and seconds >= 0:
                    resets_at = now + min(timedelta(seconds=seconds), _MAX_WAIT)
            elif key in ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"):
                try:
                    data = json.loads(raw)
                except (ValueError, RecursionError):
                    continue
                entries: list[Any] = [data]
                if isinstance(data, Mapping) and key == "x-business-use-case-usage":
                    # {"<business id>": [{...}, ...]}
                    entries = [e for v in data.values() if isinstance(v, list) for e in v]
                for entry in entries:
                    found, regain = _usage_values(entry)
                    percents.extend(found)
                    if regain is not None:
                        regain_minutes = max(regain_minutes or 0.0, regain)
        if regain_minutes is not None:
            regain_at = now + min(timedelta(minutes=regain_minutes), _MAX_WAIT)
            resets_at = max(resets_at, regain_at) if resets_at else regain_at
        return cls(
            remaining=remaining,
            used=used,
            resets_at=resets_at,
            usage_percent=max(percents) if percents else None,
        )


class RateBudget:
    """One account's request budget, updated from every answer's headers."""

    def __init__(self) -> None:
        self.remaining: float | None = None
        self.resets_at: datetime | None = None
        self.usage_percent: float | None = None
        self._blocked_until: datetime | None = None

    def update(self, info: RateLimitInfo) -> None:
        if info.remaining is not None:
            self.remaining = info.remaining
        if info.resets_at is not None:
            self.resets_at = info.resets_at
        if info.usage_percent is not None:
            self.usage_percent = info.usage_percent
        if info.exhausted and info.resets_at is not None:
            self._blocked_until = info.resets_at

    def rate_limited_until(self, retry_at: datetime | None) -> None:
        """The platform said 429 (or equivalent): wait until ``retry_at``."""
        if retry_at is not None:
            self._blocked_until = max(self._blocked_until or retry_at, retry_at)

    def wait_time(self, now: datetime) -> float:
        """Seconds to wait before the next request (0 when free to go)."""
        until = self._blocked_until
        exhausted = (self.remaining is not None and self.remaining < 1) or (
            self.usage_percent is not None and self.usage_percent >= 100
        )
        if exhausted and self.resets_at is not None:
            until = max(until or self.resets_at, self.resets_at)
        if until is None:
            return 0.0
        return max(0.0, (until - now).total_seconds())

"""Retry-After parsing, full-jitter backoff, rate-limit headers and the per-account budget."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from huntaze_desktop.net.client import create_http_client, default_user_agent
from huntaze_desktop.net.ratelimit import RateBudget, RateLimitInfo
from huntaze_desktop.net.retry import Backoff, retry_after

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        ("Fri, 20 Nov 2026 12:05:00 GMT", NOW + timedelta(minutes=5)),
        ("Fri, 20 Nov 2026 11:00:00 GMT", NOW),  # in the past: now
        ("99999999999", NOW + timedelta(days=1)),  # absurd: capped
        ("soon", None),
    ],
)
def test_retry_after(header: str, expected: datetime | None) -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": header}), NOW) == expected


def test_retry_after_absent() -> None:
    assert retry_after(httpx.Response(429), NOW) is None


def test_backoff_is_capped_full_jitter_and_honours_the_server() -> None:
    backoff = Backoff(base=1, cap=300, rng=random.Random(7))
    draws = [backoff.next_delay(3) for _ in range(200)]
    assert all(0 <= d <= 8 for d in draws)
    assert max(draws) > 4 and min(draws) < 4  # actually jittered
    assert all(backoff.next_delay(50) <= 300 for _ in range(50))
    assert all(backoff.next_delay(0, server_delay=30) >= 30 for _ in range(50))


def test_reddit_headers() -> None:
    names = ("X-Ratelimit-Used", "X-Ratelimit-Remaining", "X-Ratelimit-Reset")
    headers = {"x-ratelimit-used": "99", "x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "42"}
    info = RateLimitInfo.from_headers(names, headers, NOW)
    assert (info.used, info.remaining) == (99, 0)
    assert info.resets_at == NOW + timedelta(seconds=42)
    budget = RateBudget()
    budget.update(info)
    assert budget.wait_time(NOW) == 42
    assert budget.wait_time(NOW + timedelta(seconds=50)) == 0


def test_meta_usage_headers() -> None:
    names = ("X-App-Usage", "X-Business-Use-Case-Usage")
    usage = {"1": [{"type": "instagram", "call_count": 100, "estimated_time_to_regain_access": 5}]}
    headers = {
        "X-App-Usage": json.dumps({"call_count": 40, "total_cputime": 10, "total_time": 12}),
        "X-Business-Use-Case-Usage": json.dumps(usage),
    }
    info = RateLimitInfo.from_headers(names, headers, NOW)
    assert info.usage_percent == 100
    assert info.resets_at == NOW + timedelta(minutes=5)
    assert info.exhausted


def test_garbage_headers_are_ignored_and_tiktok_has_none() -> None:
    names = ("X-App-Usage", "X-Ratelimit-Remaining")
    info = RateLimitInfo.from_headers(names, {"X-App-Usage": "{nope", "x-ratelimit-remaining": "x"})
    assert info == RateLimitInfo()
    assert RateLimitInfo.from_headers((), {"x-ratelimit-remaining": "0"}) == RateLimitInfo()
    assert RateBudget().wait_time(NOW) == 0


async def test_http_client_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204))
    async with create_http_client(transport=transport) as http:
        assert http.timeout.connect == 10 and http.timeout.read == 30
        assert http.trust_env
        await http.get("https://example.test/x")
        await http.get("https://example.test/x", headers={"User-Agent": "desktop:id:1 (by /u/x)"})
    assert seen[0].headers["user-agent"] == default_user_agent()
    assert default_user_agent().startswith("huntaze-desktop/")
    assert seen[1].headers["user-agent"] == "desktop:id:1 (by /u/x)"
    async with create_http_client(proxy="http://127.0.0.1:9", timeout=3) as http:
        assert not http.trust_env
        assert http.timeout.read == 3

"""Whatever a platform sends, parsers raise only the typed errors of core.errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recorded import NOW, fixture_json, provider_client

from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.domain.models import TokenSet

pytestmark = pytest.mark.slow

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "data",
                    "error",
                    "user",
                    "videos",
                    "children",
                    "access_token",
                    "user_id",
                    "open_id",
                    "name",
                    "id",
                    "code",
                    "values",
                    "value",
                    "total_value",
                    "expires_in",
                    "refresh_token",
                    "cursor",
                    "has_more",
                    "create_time",
                    "created_utc",
                    "subreddit",
                    "error_type",
                    "username",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)

OPERATIONS = {
    "instagram": ["exchange", "refresh", "profile", "stats"],
    "tiktok": ["exchange", "refresh", "profile", "stats"],
    "reddit": ["exchange", "refresh", "profile", "stats"],
}
METADATA = {
    "instagram": {"ig_business_id": "1"},
    "tiktok": {},
    "reddit": {"username": "u"},
}
CASES = [(p, op) for p, ops in OPERATIONS.items() for op in ops]


async def _run(provider: str, op: str, body: bytes, status: int) -> None:
    client = provider_client(provider, lambda r: httpx.Response(status, content=body))
    tokens = TokenSet("a", refresh_token="r", issued_at=NOW - timedelta(days=30))
    if op == "exchange":
        await client.exchange_code("c", "http://127.0.0.1:1/cb", "v")
    elif op == "refresh":
        await client.refresh(tokens)
    elif op == "profile":
        await client.fetch_profile(tokens)
    else:
        await client.fetch_stats(tokens, METADATA[provider], NOW - timedelta(days=30), NOW)


@pytest.mark.parametrize(("provider", "op"), CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=json_values,
    status=st.sampled_from([200, 400, 401, 403, 429, 500, 503]),
)
def test_arbitrary_json_raises_only_typed_errors(provider, op, value, status):
    body = json.dumps(value).encode()
    with contextlib.suppress(HuntazeError):
        asyncio.run(_run(provider, op, body, status))


@pytest.mark.parametrize(("provider", "op"), CASES)
@settings(max_examples=30, deadline=None)
@given(body=st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_typed_errors(provider, op, body):
    with contextlib.suppress(HuntazeError):
        asyncio.run(_run(provider, op, body, 200))


@pytest.mark.parametrize(
    "name",
    ["reddit_me", "tiktok_user_info", "instagram_me", "tiktok_video_list", "reddit_submitted"],
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_mutated_recorded_answers_raise_only_typed_errors(name, data):
    """Recorded answers with one field replaced by junk: parsed or typed error, nothing else."""
    answer = fixture_json(name)
    target = answer.get("data", answer) if isinstance(answer.get("data"), dict) else answer
    if isinstance(target.get("user"), dict):
        target = target["user"]
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(json_values)
    provider = name.split("_")[0]
    op = "stats" if "list" in name or "submitted" in name else "profile"
    with contextlib.suppress(HuntazeError):
        asyncio.run(_run(provider, op, json.dumps(answer).encode(), 200))

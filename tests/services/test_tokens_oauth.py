"""Token manager against the Reddit and TikTok sandboxes: refresh, 401 replay, rejections."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from huntaze_desktop.domain.errors import AuthRejectedError
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:  # tests/services/conftest.py; a runtime import would pick whichever
    from conftest import CoreEnv  # conftest module pytest loaded first

HOUR = 3600


async def test_reddit_keeps_the_old_refresh_token_when_none_returns(core_env: CoreEnv) -> None:
    core_env.sandbox.state.flags.reddit_rotate_refresh = False
    account = await core_env.connect("reddit")
    before = core_env.store.load_tokens(account.id)
    assert before.refresh_token
    core_env.advance(HOUR - 60)  # inside the 5-minute margin
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token != before.access_token
    assert tokens.refresh_token == before.refresh_token
    assert core_env.counter("reddit.refresh_grants") == 1
    # The kept refresh token still works for the next expiry.
    core_env.advance(HOUR)
    again = await core_env.tokens.ensure_valid(account.id)
    assert again.access_token != tokens.access_token
    assert core_env.counter("reddit.refresh_grants") == 2


async def test_401_refreshes_once_and_replays_once(core_env: CoreEnv) -> None:
    account = await core_env.connect("reddit")
    tokens = core_env.store.load_tokens(account.id)
    # Our record says the token is good for hours; the platform already dropped it.
    core_env.store.save_tokens(
        account.id, dataclasses.replace(tokens, expires_at=core_env.now() + timedelta(hours=10))
    )
    core_env.advance(2 * HOUR)
    client = core_env.clients("reddit")
    calls = core_env.counter("requests.reddit./api/v1/me")
    profile = await core_env.tokens.call(account.id, client.fetch_profile)
    assert profile.username == "sunny_creates"
    assert core_env.counter("reddit.refresh_grants") == 1
    assert core_env.counter("requests.reddit./api/v1/me") == calls + 2
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED


async def test_401_after_a_fresh_token_is_reported_not_looped(core_env: CoreEnv) -> None:
    account = await core_env.connect("reddit")
    client = core_env.clients("reddit")
    core_env.sandbox.state.faults.add(
        Fault("reddit", FaultKind.EXPIRED_SESSION, "/api/v1/me", times=None)
    )
    calls = core_env.counter("requests.reddit./api/v1/me")
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.call(account.id, client.fetch_profile)
    assert core_env.counter("requests.reddit./api/v1/me") == calls + 2
    assert core_env.counter("reddit.refresh_grants") == 1
    assert core_env.store.get(account.id).status is ConnectionStatus.NEEDS_RECONNECT


@pytest.mark.parametrize("shape", ["200", "400"])
async def test_reddit_invalid_grant_shapes_need_reconnect(core_env: CoreEnv, shape: str) -> None:
    core_env.sandbox.state.flags.reddit_bad_refresh_shape = shape
    account = await core_env.connect("reddit")
    core_env.sandbox.state.revoke_user("reddit", "sunny_creates")
    core_env.advance(HOUR)
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.ensure_valid(account.id)
    got = core_env.store.get(account.id)
    assert got.status is ConnectionStatus.NEEDS_RECONNECT
    assert got.last_error
    assert "refresh_failed" in [e.event for e in core_env.store.audit_events()]


async def test_a_refused_grant_is_not_asked_again_until_a_reconnect(core_env: CoreEnv) -> None:
    """Every API call that meets a 401 would otherwise send the dead refresh token again."""
    account = await core_env.connect("reddit")
    core_env.sandbox.state.revoke_user("reddit", "sunny_creates")
    client = core_env.clients("reddit")
    token_calls = core_env.counter("requests.reddit./api/v1/access_token")
    results = await asyncio.gather(
        *(core_env.tokens.call(account.id, client.fetch_profile) for _ in range(4)),
        return_exceptions=True,
    )
    assert all(isinstance(r, AuthRejectedError) for r in results), results
    with pytest.raises(AuthRejectedError):  # later calls too: no new attempt
        await core_env.tokens.call(account.id, client.fetch_profile)
    assert core_env.counter("requests.reddit./api/v1/access_token") == token_calls + 1
    events = [e.event for e in core_env.store.audit_events()]
    assert events.count("refresh_failed") == 1
    assert core_env.store.get(account.id).status is ConnectionStatus.NEEDS_RECONNECT

    # The user signs in again: new tokens, and calls go through.
    await core_env.connect("reddit")
    profile = await core_env.tokens.call(account.id, client.fetch_profile)
    assert profile.username == "sunny_creates"


async def test_tiktok_revoked_grant_needs_reconnect(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    core_env.sandbox.state.revoke_user("tiktok", "sunny.creates")
    core_env.advance(25 * HOUR)
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.ensure_valid(account.id)
    assert core_env.store.get(account.id).status is ConnectionStatus.NEEDS_RECONNECT


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (FaultKind.RATE_LIMIT, ConnectionStatus.RATE_LIMITED),
        (FaultKind.SERVER_ERROR, ConnectionStatus.DEGRADED),
        (FaultKind.MALFORMED_JSON, ConnectionStatus.DEGRADED),
        (FaultKind.HTML, ConnectionStatus.DEGRADED),
    ],
)
async def test_tiktok_token_endpoint_faults_keep_the_grant(
    core_env: CoreEnv, kind: FaultKind, status: ConnectionStatus
) -> None:
    account = await core_env.connect("tiktok")
    before = core_env.store.load_tokens(account.id)
    core_env.advance(25 * HOUR)
    core_env.sandbox.state.faults.add(Fault("tiktok", kind, "/v2/oauth/token/"))
    with pytest.raises(Exception) as caught:
        await core_env.tokens.ensure_valid(account.id)
    assert not isinstance(caught.value, AuthRejectedError)
    got = core_env.store.get(account.id)
    assert got.status is status
    assert got.retry_at is not None
    assert core_env.store.load_tokens(account.id).refresh_token == before.refresh_token
    if status is ConnectionStatus.RATE_LIMITED:
        core_env.advance(60)
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token != before.access_token
    assert core_env.counter("tiktok.refresh_replays") == 0

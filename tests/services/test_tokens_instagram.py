"""Token manager against the Instagram sandbox: margin, the 24 h rule, expiry, faults."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from refresh_worker import build_token_manager

from huntaze_desktop.domain.errors import (
    AuthRejectedError,
    HuntazeError,
    MalformedResponseError,
    NetworkError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:  # tests/services/conftest.py; a runtime import would pick whichever
    from conftest import CoreEnv  # conftest module pytest loaded first

DAY = 86_400
REFRESH_PATH = "/refresh_access_token"


async def test_fresh_token_is_used_as_is(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    stored = core_env.store.load_tokens(account.id)
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token == stored.access_token
    assert core_env.counter("instagram.refresh_attempts") == 0


async def test_refreshes_inside_the_margin_once(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    before = core_env.store.load_tokens(account.id)
    # 60-day token, 7-day margin: at day 54 it is due (and well over 24 h old).
    core_env.advance(54 * DAY)
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token != before.access_token
    assert core_env.counter("instagram.refresh_grants") == 1
    # Stored durably, and the new one is not due: no second grant.
    assert core_env.store.load_tokens(account.id).access_token == tokens.access_token
    again = await core_env.tokens.ensure_valid(account.id)
    assert again.access_token == tokens.access_token
    assert core_env.counter("instagram.refresh_grants") == 1
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED
    # The renewed token works at the platform.
    profile = await core_env.clients("instagram").fetch_profile(tokens)
    assert profile.username == "sunny.creates"


async def test_young_token_is_never_sent_for_refresh(core_env: CoreEnv) -> None:
    """A 401 on a token under 24 h old cannot be fixed by a refresh: reconnect."""
    account = await core_env.connect("instagram")
    client = core_env.clients("instagram")
    core_env.sandbox.state.revoke_user("instagram", "sunny.creates")
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.call(account.id, client.fetch_profile)
    assert core_env.counter("instagram.refresh_attempts") == 0
    assert core_env.store.get(account.id).status is ConnectionStatus.NEEDS_RECONNECT


async def test_expired_token_needs_reconnect_without_asking(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    core_env.advance(61 * DAY)
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.ensure_valid(account.id)
    assert core_env.counter("instagram.refresh_attempts") == 0
    assert core_env.store.get(account.id).status is ConnectionStatus.NEEDS_RECONNECT


async def test_revoked_grant_needs_reconnect(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    core_env.advance(54 * DAY)
    core_env.sandbox.state.revoke_user("instagram", "sunny.creates")
    with pytest.raises(AuthRejectedError):
        await core_env.tokens.ensure_valid(account.id)
    got = core_env.store.get(account.id)
    assert got.status is ConnectionStatus.NEEDS_RECONNECT
    events = [e.event for e in core_env.store.audit_events()]
    assert "refresh_failed" in events


@pytest.mark.parametrize(
    ("fault", "error", "status"),
    [
        (
            Fault("instagram", FaultKind.RATE_LIMIT, REFRESH_PATH, retry_after_s=120),
            RateLimitedError,
            ConnectionStatus.RATE_LIMITED,
        ),
        (
            Fault("instagram", FaultKind.SERVER_ERROR, REFRESH_PATH, status=503),
            ProviderUnavailableError,
            ConnectionStatus.DEGRADED,
        ),
        (
            Fault("instagram", FaultKind.SERVER_ERROR, REFRESH_PATH, status=500),
            ProviderUnavailableError,
            ConnectionStatus.DEGRADED,
        ),
        (
            Fault("instagram", FaultKind.MALFORMED_JSON, REFRESH_PATH),
            MalformedResponseError,
            ConnectionStatus.DEGRADED,
        ),
        (
            Fault("instagram", FaultKind.HTML, REFRESH_PATH),
            MalformedResponseError,
            ConnectionStatus.DEGRADED,
        ),
        (
            Fault("instagram", FaultKind.HTML, REFRESH_PATH, status=502),
            ProviderUnavailableError,
            ConnectionStatus.DEGRADED,
        ),
    ],
    ids=["429", "503", "500", "malformed", "html", "html-502"],
)
async def test_faults_never_need_reconnect(
    core_env: CoreEnv, fault: Fault, error: type[HuntazeError], status: ConnectionStatus
) -> None:
    account = await core_env.connect("instagram")
    before = core_env.store.load_tokens(account.id)
    core_env.advance(54 * DAY)
    core_env.sandbox.state.faults.add(fault)
    with pytest.raises(error):
        await core_env.tokens.ensure_valid(account.id)
    got = core_env.store.get(account.id)
    assert got.status is status
    assert got.retry_at is not None and got.retry_at > core_env.now()
    assert got.last_error  # user-safe text for the card
    if status is ConnectionStatus.RATE_LIMITED:
        # The platform's Retry-After is honoured: never earlier than it asked.
        assert got.retry_at >= core_env.now() + timedelta(seconds=110)
    # The old token is untouched, and once the platform recovers all is well.
    assert core_env.store.load_tokens(account.id).access_token == before.access_token
    if status is ConnectionStatus.RATE_LIMITED:
        core_env.advance(121)
    tokens = await core_env.tokens.ensure_valid(account.id)
    assert tokens.access_token != before.access_token
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED


async def test_rate_limit_is_honoured_before_retry_at(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    core_env.advance(54 * DAY)
    core_env.sandbox.state.faults.add(
        Fault("instagram", FaultKind.RATE_LIMIT, REFRESH_PATH, retry_after_s=300)
    )
    with pytest.raises(RateLimitedError):
        await core_env.tokens.ensure_valid(account.id)
    attempts = core_env.counter("instagram.refresh_attempts") + core_env.counter(
        f"requests.instagram.{REFRESH_PATH}"
    )
    with pytest.raises(RateLimitedError) as caught:
        await core_env.tokens.ensure_valid(account.id)
    assert caught.value.retry_at is not None
    # No request reached the platform before the time it gave.
    assert (
        core_env.counter("instagram.refresh_attempts")
        + core_env.counter(f"requests.instagram.{REFRESH_PATH}")
        == attempts
    )
    assert core_env.store.get(account.id).status is ConnectionStatus.RATE_LIMITED


async def test_timeout_is_offline_not_reconnect(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    core_env.advance(54 * DAY)
    core_env.sandbox.state.faults.add(
        Fault("instagram", FaultKind.TIMEOUT, REFRESH_PATH, hang_s=5.0)
    )
    async with httpx.AsyncClient(timeout=0.5) as impatient:
        manager = build_token_manager(
            core_env.store, impatient, core_env.sandbox.base_url, core_env.paths.locks, core_env.now
        )
        with pytest.raises(NetworkError):
            await manager.ensure_valid(account.id)
    got = core_env.store.get(account.id)
    assert got.status is ConnectionStatus.OFFLINE
    assert got.retry_at is not None and got.retry_at > core_env.now()


async def test_backoff_grows_and_is_capped(core_env: CoreEnv) -> None:
    account = await core_env.connect("instagram")
    core_env.advance(54 * DAY)
    core_env.sandbox.state.faults.add(
        Fault("instagram", FaultKind.SERVER_ERROR, REFRESH_PATH, times=None)
    )
    delays = []
    for _ in range(12):
        with pytest.raises(ProviderUnavailableError):
            await core_env.tokens.ensure_valid(account.id)
        got = core_env.store.get(account.id)
        delays.append((got.retry_at - core_env.now()).total_seconds())
    assert all(d <= 900 for d in delays)
    assert max(delays[6:]) > max(delays[:2])

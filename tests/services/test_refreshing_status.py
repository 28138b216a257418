""" "Refreshing" is shown from memory, never stored (issue #15 item 7).

A status written before the token request and left by a crash stayed for ever.
Now the stored status is the one from before until the outcome replaces it; the
account service shows "Refreshing" while this process renews the token (the
card's test, tests/ui/test_refreshing_card.py, follows the bus events).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:  # tests/services/conftest.py
    from conftest import CoreEnv

HOUR = 3600


async def _while_renewing(core_env: CoreEnv, account_id: int) -> asyncio.Future[object]:
    """Start a renewal the sandbox holds at its token endpoint; returns when it is held."""
    core_env.sandbox.state.faults.add(
        Fault("reddit", FaultKind.LATENCY, "/api/v1/access_token", times=1, latency_ms=1500)
    )
    core_env.advance(HOUR - 60)  # inside the 5-minute margin: due
    renewal = asyncio.ensure_future(core_env.tokens.ensure_valid(account_id))
    deadline = asyncio.get_running_loop().time() + 10
    while core_env.sandbox.state.faults.active():  # the fault is taken when the request lands
        assert asyncio.get_running_loop().time() < deadline, "the renewal never got there"
        await asyncio.sleep(0.01)
    return renewal


async def test_refreshing_is_shown_but_the_stored_status_is_the_previous_one(
    core_env: CoreEnv,
) -> None:
    account = await core_env.connect("reddit")
    retry = core_env.now() + timedelta(minutes=5)
    core_env.store.update_status(
        account.id, ConnectionStatus.OFFLINE, reason="Unreachable.", retry_at=retry
    )
    renewal = await _while_renewing(core_env, account.id)

    # Shown by the service the UI and the CLI read...
    assert core_env.tokens.refreshing() == {account.id}
    shown = await core_env.accounts.get(account.id)
    assert shown.status is ConnectionStatus.REFRESHING
    (listed,) = await core_env.accounts.list_accounts()
    assert listed.status is ConnectionStatus.REFRESHING
    # ...but never stored: a crash now would leave the status from before.
    stored = core_env.store.get(account.id)
    assert stored.status is ConnectionStatus.OFFLINE
    assert stored.status_reason == "Unreachable." and stored.retry_at is not None

    await renewal
    assert core_env.tokens.refreshing() == frozenset()
    assert (await core_env.accounts.get(account.id)).status is ConnectionStatus.CONNECTED
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED


async def test_a_failed_renewal_stops_showing_refreshing(core_env: CoreEnv) -> None:
    account = await core_env.connect("reddit")
    core_env.sandbox.state.faults.add(
        Fault("reddit", FaultKind.SERVER_ERROR, "/api/v1/access_token", times=1, status=503)
    )
    renewal = await _while_renewing(core_env, account.id)
    await asyncio.gather(renewal, return_exceptions=True)
    assert core_env.tokens.refreshing() == frozenset()
    shown = await core_env.accounts.get(account.id)
    assert shown.status is ConnectionStatus.DEGRADED  # the outcome, stored
    assert core_env.store.get(account.id).status is ConnectionStatus.DEGRADED

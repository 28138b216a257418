"""AccountService against the sandbox: connect, check, switch, disconnect, diagnostics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from huntaze_desktop.domain.errors import AccountNotFoundError, AuthRejectedError
from huntaze_desktop.domain.events import AccountChanged, AccountRemoved, Notice
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:  # tests/services/conftest.py; a runtime import would pick whichever
    from conftest import CoreEnv  # conftest module pytest loaded first

REVOKE_PATH = "/v2/oauth/revoke/"


async def test_connect_publishes_and_becomes_active(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    notices = [e for e in core_env.events if isinstance(e, Notice)]
    assert notices[-1].text == "TikTok connected as @sunny.creates"
    assert notices[-1].level == "success"
    assert AccountChanged(account.id, "tiktok") in core_env.events
    assert core_env.accounts.active_account_id("tiktok") == account.id
    assert core_env.saved_settings[-1].active_accounts == {"tiktok": account.id}


async def test_set_active_persists(core_env: CoreEnv) -> None:
    first = await core_env.connect("reddit")
    second = await core_env.connect("reddit", ("moonlight_studio", "moon-pass"))
    assert core_env.accounts.active_account_id("reddit") == first.id
    core_env.accounts.set_active("reddit", second.id)
    assert core_env.accounts.active_account_id("reddit") == second.id
    assert core_env.saved_settings[-1].active_accounts["reddit"] == second.id
    listed = await core_env.accounts.list_accounts("reddit")
    assert {a.id for a in listed} == {first.id, second.id}


async def test_disconnect_revokes_at_the_platform_and_deletes(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    tokens = core_env.store.load_tokens(account.id)
    client = core_env.clients("tiktok")
    await client.fetch_profile(tokens)  # works before
    await core_env.accounts.disconnect(account.id)
    with pytest.raises(AuthRejectedError):
        await client.fetch_profile(tokens)
    with pytest.raises(AccountNotFoundError):
        core_env.store.get(account.id)
    assert core_env.store.pending_revocations() == []
    assert core_env.accounts.active_account_id("tiktok") is None
    assert AccountRemoved(account.id, "tiktok") in core_env.events
    with core_env.db.transaction() as session:
        rows = session.exec_driver_sql(
            "SELECT length(access_token), refresh_token, status FROM oauth_accounts"
        ).fetchall()
    # No secret is left; the row stays, without one, for the account's analytics
    # history (issue #17: disconnect keeps the history unless asked).
    assert rows == [(0, None, "not_connected")]


async def test_disconnect_during_an_outage_keeps_a_pending_revocation(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    tokens = core_env.store.load_tokens(account.id)
    client = core_env.clients("tiktok")
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, REVOKE_PATH, status=503)
    )
    await core_env.accounts.disconnect(account.id)
    # The account and its secrets are gone at once...
    with pytest.raises(AccountNotFoundError):
        core_env.store.get(account.id)
    with core_env.db.transaction() as session:
        assert (
            session.exec_driver_sql(
                "SELECT count(*) FROM oauth_accounts WHERE length(access_token) > 0"
            ).fetchone()[0]
            == 0
        )
        sealed = session.exec_driver_sql("SELECT token FROM pending_revocations").fetchone()[0]
    # ...the pending record is sealed, never plain text...
    assert tokens.access_token.encode() not in sealed
    assert tokens.refresh_token is not None and tokens.refresh_token.encode() not in sealed
    (pending,) = core_env.store.pending_revocations()
    assert pending.provider == "tiktok"
    # ...and the grant still works at the platform until the retry gets through.
    await client.fetch_profile(tokens)
    result = await core_env.accounts.retry_pending_revocations()
    assert result.revoked == 1 and result.pending == 0
    assert core_env.store.pending_revocations() == []
    with pytest.raises(AuthRejectedError):
        await client.fetch_profile(tokens)


async def test_pending_revocation_waits_while_the_platform_is_down(core_env: CoreEnv) -> None:
    account = await core_env.connect("tiktok")
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, REVOKE_PATH, status=503, times=2)
    )
    await core_env.accounts.disconnect(account.id)
    result = await core_env.accounts.retry_pending_revocations()
    assert result.pending == 1 and result.revoked == 0
    (pending,) = core_env.store.pending_revocations()
    assert pending.attempts == 1 and pending.next_try_at is not None
    # Not due yet: no request is sent.
    before = core_env.counter(f"requests.tiktok.{REVOKE_PATH}")
    again = await core_env.accounts.retry_pending_revocations()
    assert again.pending == 1
    assert core_env.counter(f"requests.tiktok.{REVOKE_PATH}") == before


async def test_validate_updates_profile_and_status(core_env: CoreEnv) -> None:
    account = await core_env.connect("reddit")
    core_env.store.update_status(account.id, ConnectionStatus.DEGRADED, last_error="x")
    updated = await core_env.accounts.validate(account.id)
    assert updated.username == "sunny_creates"
    assert core_env.store.get(account.id).status is ConnectionStatus.CONNECTED


async def test_validate_all_records_failures_and_never_raises(core_env: CoreEnv) -> None:
    good = await core_env.connect("reddit")
    bad = await core_env.connect("tiktok")
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.RATE_LIMIT, "/v2/user/info/", retry_after_s=90)
    )
    accounts = {a.id: a for a in await core_env.accounts.validate_all()}
    assert accounts[good.id].status is ConnectionStatus.CONNECTED
    assert accounts[bad.id].status is ConnectionStatus.RATE_LIMITED
    assert accounts[bad.id].retry_at is not None


async def test_diagnostics_hold_no_secret(core_env: CoreEnv, tmp_path: Path) -> None:
    account = await core_env.connect("tiktok")
    tokens = core_env.store.load_tokens(account.id)
    info = await core_env.accounts.diagnostics(account.id)
    assert info["status"] == "connected"
    assert info["provider"] == "tiktok"
    assert any(e["event"] for e in info["recent_events"])
    (tmp_path / "diag").mkdir()  # the report goes into a folder that exists
    out = await core_env.accounts.export_diagnostics(tmp_path / "diag" / "report.json")
    report = out.read_text()
    assert tokens.access_token not in report
    assert tokens.refresh_token is not None and tokens.refresh_token not in report
    assert json.loads(report)["accounts"][0]["id"] == account.id


async def test_a_pending_revocation_waits_for_app_credentials(core_env: CoreEnv) -> None:
    from huntaze_desktop.domain.errors import ConfigurationError
    from huntaze_desktop.services.revocation import retry_pending_revocations

    account = await core_env.connect("tiktok")
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, REVOKE_PATH, status=503, times=1)
    )
    assert (await core_env.accounts.disconnect(account.id)).revocation_pending

    def no_credentials(provider: str) -> Any:
        # What the runtime's client_for says when the app credentials were removed.
        raise ConfigurationError("Add your TikTok developer credentials in Settings.")

    result = await retry_pending_revocations(core_env.store, no_credentials)
    assert (result.pending, result.dropped) == (1, 0)  # kept, not forgotten
    (pending,) = core_env.store.pending_revocations()
    core_env.store.defer_pending_revocation(pending.id, datetime.now(UTC))
    assert (await core_env.accounts.retry_pending_revocations()).revoked == 1


async def test_disconnect_keeps_the_history_and_reconnect_reattaches_it(core_env: CoreEnv) -> None:
    from datetime import date

    from huntaze_desktop.storage.metrics import MetricStore

    account = await core_env.connect("tiktok")
    metrics = MetricStore(core_env.db)
    day = date(2026, 12, 1)
    metrics.upsert_snapshots(account.id, [("followers", day, 42.0, "tiktok")])
    await core_env.accounts.disconnect(account.id)
    assert await core_env.accounts.list_accounts() == []
    again = await core_env.connect("tiktok")
    assert again.id == account.id  # the same platform account: its history is back
    assert [r[3] for r in metrics.snapshot_rows([again.id], day, day)] == [42.0]
    result = await core_env.accounts.disconnect(again.id, delete_history=True)
    assert "history was deleted" in result.message
    assert metrics.snapshot_rows([again.id], day, day) == []

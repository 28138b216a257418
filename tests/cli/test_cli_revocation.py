"""A disconnect the platform could not confirm is finished later (the real CLI).

TikTok's refresh tokens last a year and Reddit's for ever: a revocation that met a
503 at disconnect must not be forgotten. The CLI says it will be retried, and the
next start of the services (any command) revokes the grant at the platform.
"""

from __future__ import annotations

import json

from support.cli_runner import Cli

from huntaze_desktop.sandbox.faults import Fault, FaultKind

TIKTOK_REVOKE = "/v2/oauth/revoke/"


def _tiktok_grants_revoked(cli: Cli) -> bool:
    assert cli.sandbox is not None
    state = cli.sandbox.state
    with state.lock:
        families = [f for f in state._families.values() if f.provider == "tiktok"]
    return bool(families) and all(f.revoked for f in families)


def test_a_revocation_that_met_a_503_is_finished_at_the_next_start(cli: Cli) -> None:
    assert cli.sandbox is not None
    cli.connect("tiktok")
    # TikTok is down for the disconnect's revocation only.
    cli.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, TIKTOK_REVOKE, status=503, times=1)
    )
    done = cli.run("accounts", "disconnect", "tiktok", "@sunny.creates")
    assert "revoking its access at TikTok will be retried" in done.stdout
    assert not _tiktok_grants_revoked(cli)  # the grant is still live at TikTok
    # The next start of the services (any command) finishes the revocation.
    assert cli.accounts() == []
    assert _tiktok_grants_revoked(cli)


def test_diagnostics_list_pending_revocations_without_their_tokens(cli: Cli) -> None:
    assert cli.sandbox is not None
    cli.connect("tiktok")
    cli.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.SERVER_ERROR, TIKTOK_REVOKE, status=503, times=100)
    )
    cli.run("accounts", "disconnect", "tiktok", "@sunny.creates")
    report = cli.data_dir.parent / "report.json"
    cli.run("diagnostics", "export", str(report))
    (pending,) = json.loads(report.read_text(encoding="utf-8"))["pending_revocations"]
    assert pending["provider"] == "tiktok"
    assert set(pending) == {"provider", "attempts", "next_try_at"}
    assert not _tiktok_grants_revoked(cli)

"""Platform error shapes as the user meets them, through the real CLI and the sandbox.

Reddit answers a refresh with 401 ``{"error": 401}`` when the app's client id is
wrong: the account is fine, the app credentials are not, so the status says to
check Settings and never to reconnect. TikTok's revoke answers an empty body on
success: disconnecting finishes, nothing is left pending.
"""

from __future__ import annotations

import json

from support.cli_runner import Cli

LABEL = "App credentials rejected — check Settings"


def test_refused_reddit_app_credentials_say_check_settings(cli: Cli) -> None:
    assert cli.sandbox is not None
    state = cli.sandbox.state
    cli.connect("reddit")
    # The app's registration changes at Reddit (e.g. the app was deleted and made
    # again): the client id the CLI sends is no longer the one Reddit knows.
    right = state.credentials["reddit"]
    state.credentials["reddit"] = ("a-newer-client-id", None)
    state.advance(2 * 3600)  # the hour-long access token is gone: a refresh is due
    refreshed = cli.run("accounts", "refresh", "reddit", rc=1).stdout
    assert LABEL in refreshed
    assert "Needs reconnect" not in refreshed
    assert "The Reddit app credentials were rejected" in refreshed
    (reddit,) = cli.accounts()
    assert reddit["status"] == "app_credentials_rejected"
    assert "Settings" in reddit["status_reason"]
    assert LABEL in cli.run("accounts", "list").stdout
    # Fixed (here: at Reddit's end): the same grant renews; no new sign-in was needed.
    state.credentials["reddit"] = right
    assert "Connected" in cli.run("accounts", "refresh", "reddit").stdout
    assert cli.accounts()[0]["status"] == "connected"


def test_tiktok_disconnect_accepts_the_empty_revoke_answer(cli: Cli) -> None:
    assert cli.sandbox is not None
    cli.connect("tiktok")
    done = cli.run("accounts", "disconnect", "tiktok", "@sunny.creates")
    assert "retried" not in done.stdout
    state = cli.sandbox.state
    with state.lock:
        families = [f for f in state._families.values() if f.provider == "tiktok"]
    assert families and all(f.revoked for f in families)
    report = cli.data_dir.parent / "report.json"
    cli.run("diagnostics", "export", str(report))
    assert json.loads(report.read_text(encoding="utf-8"))["pending_revocations"] == []


def test_a_revoke_refusing_the_app_is_kept_for_when_it_is_accepted(cli: Cli) -> None:
    """Reddit's 401 at the revoke endpoint says nothing of the token: keep it, retry later."""
    assert cli.sandbox is not None
    state = cli.sandbox.state
    cli.connect("reddit")
    right = state.credentials["reddit"]
    state.credentials["reddit"] = ("a-newer-client-id", None)
    done = cli.run("accounts", "disconnect", "reddit", "@sunny_creates")
    assert "will be retried once Reddit accepts the app credentials (check them in Settings)" in (
        done.stdout
    )
    with state.lock:
        families = [f for f in state._families.values() if f.provider == "reddit"]
    assert families and not any(f.revoked for f in families)
    # Accepted again: the next start of the services (any command) revokes the grant,
    # which a revocation dropped at the disconnect would never do.
    state.credentials["reddit"] = right
    assert cli.accounts() == []
    with state.lock:
        assert all(f.revoked for f in state._families.values() if f.provider == "reddit")

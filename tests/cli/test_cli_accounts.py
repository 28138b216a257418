"""The real CLI in subprocesses: sign-ins as a person would do them, list, refresh, disconnect.

The checks are grouped per data directory because each CLI start costs about a second.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from support.cli_runner import PASSPHRASE, Cli

from huntaze_desktop import __version__

LIST_KEYS = {
    "id",
    "provider",
    "provider_account_id",
    "username",
    "display_name",
    "status",
    "status_reason",
    "last_error",
    "expires_at",
    "connected_at",
    "last_success_at",
    "retry_at",
}


def test_version_empty_store_vault_status_and_usage_errors(cli: Cli) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.returncode == 0 and __version__ in version.stdout

    assert "No accounts connected" in cli.run("accounts", "list").stdout
    assert cli.accounts() == []
    assert "No accounts to refresh" in cli.run("accounts", "refresh").stdout

    status = cli.run("vault", "status").stdout
    assert "mode: passphrase" in status
    assert PASSPHRASE not in status

    # 2: argparse refuses; and arguments that parse but do not fit together.
    assert "invalid choice" in cli.run("accounts", "bogus", rc=2).stderr
    cli.run("accounts", "list", "--no-such-flag", rc=2)
    cli.run("accounts", "disconnect", "reddit", "x", "y", rc=2)
    assert "--session-file" in cli.run("accounts", "connect", "onlyfans", rc=2).stderr
    # 1: a real failure, with a user-safe message on stderr.
    failed = cli.run("accounts", "connect", "myspace", "--browser", "print", rc=1)
    assert failed.stderr.startswith("Error: Unknown platform 'myspace'")
    assert "Traceback" not in failed.stderr
    assert (
        "No connected reddit account"
        in cli.run("accounts", "disconnect", "reddit", "x", rc=1).stderr
    )


def test_every_platform_connects_lists_refreshes_and_disconnects(cli: Cli) -> None:
    assert cli.sandbox is not None
    state = cli.sandbox.state
    for provider in ("instagram", "tiktok", "reddit"):
        assert "connected as" in cli.connect(provider)
    # A second Instagram account side by side, then the first one again.
    cli.connect("instagram", ("moonlight.studio", "moon-pass"))
    cli.connect("instagram")
    session = cli.session_file("sunnycreates@example.com", "sunny-pass")
    connected = cli.run("accounts", "connect", "onlyfans", "--session-file", str(session))
    assert "OnlyFans connected as @sunnycreates" in connected.stdout

    accounts = cli.accounts()
    assert all(set(a) == LIST_KEYS for a in accounts)
    ids = sorted((a["provider"], a["provider_account_id"]) for a in accounts)
    assert ids == [
        ("instagram", "17841400000000001"),
        ("instagram", "17841400000000002"),
        ("onlyfans", "280001"),
        ("reddit", "1a2b3c"),
        ("tiktok", "-000sbxSunnyOpenId0001"),
    ]  # reconnecting updated the account instead of adding one
    assert all(a["status"] == "connected" and a["connected_at"] for a in accounts)
    assert all(a["expires_at"] for a in accounts if a["provider"] != "onlyfans")

    table = cli.run("accounts", "list").stdout
    for column in ("PLATFORM", "ACCOUNT ID", "NAME", "STATUS", "REASON", "EXPIRES", "CONNECTED"):
        assert column in table
    assert "Moonlight Studio" in table and "17841400000000002" in table

    # Refresh: everything checks out; after two days TikTok's token is renewed.
    assert cli.run("accounts", "refresh").stdout.count("Connected") == 5
    state.advance(2 * 86_400)
    before = state.counters["tiktok.refresh_grants"]
    assert "Connected" in cli.run("accounts", "refresh", "tiktok").stdout
    assert state.counters["tiktok.refresh_grants"] == before + 1

    # The user removes the app on Reddit: refresh says so and exits 1.
    state.revoke_user("reddit", "sunny_creates")
    refreshed = cli.run("accounts", "refresh", rc=1).stdout
    assert "Needs reconnect" in refreshed
    cli.run("accounts", "refresh", "reddit", "1a2b3c", rc=1)
    one = cli.run("accounts", "refresh", "instagram", "@moonlight.studio").stdout
    assert one.count("\n") == 1 and "@moonlight.studio" in one
    reddit = next(a for a in cli.accounts() if a["provider"] == "reddit")
    assert reddit["status"] == "needs_reconnect" and reddit["status_reason"]

    # Disconnect by platform account id, @username, local id, and the old NAME form.
    onlyfans_id = next(a["id"] for a in accounts if a["provider"] == "onlyfans")
    cli.run("accounts", "disconnect", "reddit", "1a2b3c")
    cli.run("accounts", "disconnect", "instagram", "@moonlight.studio")
    cli.run("accounts", "disconnect", str(onlyfans_id))
    cli.run("accounts", "disconnect", "tiktok:sunny.creates")
    left = cli.accounts()
    assert [(a["provider"], a["username"]) for a in left] == [("instagram", "sunny.creates")]
    cli.run("accounts", "disconnect", "instagram", "@moonlight.studio", rc=1)
    # Disconnecting revoked TikTok's grant at the platform too.
    assert refresh_outcome_after_disconnect(cli) == "revoked"


def refresh_outcome_after_disconnect(cli: Cli) -> str | None:
    """What the sandbox says about TikTok's (now disconnected) refresh family."""
    assert cli.sandbox is not None
    state = cli.sandbox.state
    with state.lock:
        families = [f for f in state._families.values() if f.provider == "tiktok"]
    return "revoked" if families and all(f.revoked for f in families) else None


def test_grants_survive_between_cli_runs_that_each_start_a_sandbox(cli_alone: Cli) -> None:
    # No sandbox is running: each CLI run starts one on the port and stops it at exit.
    cli_alone.connect("reddit")
    cli_alone.connect("tiktok")
    checked = cli_alone.run("accounts", "refresh").stdout
    assert checked.count("Connected") == 2, checked
    assert (cli_alone.data_dir / "sandbox-state.json").exists()


def test_rotate_key_keeps_every_account_working(cli: Cli) -> None:
    cli.connect("tiktok")
    session = cli.session_file("moonlightstudio@example.com", "moon-pass")
    cli.run("accounts", "connect", "onlyfans", "--session-file", str(session))
    rotated = cli.run("vault", "rotate-key").stdout
    assert "Re-encrypted" in rotated
    assert cli.run("accounts", "refresh").stdout.count("Connected") == 2
    assert "rotation_pending: False" in cli.run("vault", "status").stdout


def test_cli_runs_reuse_a_separately_served_sandbox(cli_alone: Cli) -> None:
    from huntaze_desktop.sandbox.endpoints import read_admin_token
    from huntaze_desktop.sandbox.shared import probe

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "huntaze_desktop",
            "sandbox",
            "serve",
            "--data-dir",
            str(cli_alone.data_dir),
        ],
        env=cli_alone.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{cli_alone.port}"
    try:
        deadline = time.monotonic() + 30
        while probe(base, read_admin_token(cli_alone.data_dir))[1] is None:
            assert server.poll() is None and time.monotonic() < deadline, server.communicate()
            time.sleep(0.1)
        # The sign-in address is on the served sandbox: the CLI reused it.
        proc = subprocess.Popen(
            cli_alone.argv("accounts", "connect", "reddit", "--browser", "print"),
            env=cli_alone.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith(base + "/reddit/"), url
        proc.kill()
        proc.communicate()
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert (cli_alone.data_dir / "sandbox-state.json").exists()

"""A moved data directory finds its key; a key that is gone is never silently replaced.

The real CLI on the sandbox, in passphrase mode (the test processes have no OS
keyring; keyring mode has its own tests in tests/storage and tests/e2e).
"""

from __future__ import annotations

import shutil
from dataclasses import replace

from support.cli_runner import Cli


def _files(cli: Cli) -> dict[str, bytes]:
    root = cli.data_dir
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.iterdir())
        if p.is_file() and p.suffix in (".sqlite3", ".json")
    }


def test_a_copied_data_directory_signs_in_with_its_key(cli: Cli) -> None:
    cli.connect("reddit")
    copy = replace(cli, data_dir=cli.data_dir.parent / "restored-backup")
    shutil.copytree(cli.data_dir, copy.data_dir)
    done = copy.run("accounts", "refresh")
    assert "Traceback" not in done.stderr
    [account] = copy.accounts()
    assert account["status"] == "connected", account
    status = copy.run("vault", "status").stdout
    assert "problem: none" in status


def test_a_missing_vault_file_is_refused_and_nothing_changes(cli: Cli) -> None:
    cli.connect("reddit")
    (cli.data_dir / "vault.json").unlink()
    before = _files(cli)
    for command in (["accounts", "list"], ["accounts", "refresh"], ["vault", "rotate-key"]):
        done = cli.run(*command, rc=1)
        assert "Traceback" not in done.stderr
        assert "passphrase file" in done.stderr and "vault.json" in done.stderr, done.stderr
        assert "huntaze-desktop vault reset" in done.stderr
        assert "No new key was made" in done.stderr
    status = cli.run("vault", "status", rc=1)
    assert "problem: the database is protected by a passphrase, but vault.json is missing" in (
        status.stdout
    )
    assert _files(cli) == before  # no new vault.json, the database untouched


def test_vault_reset_forgets_the_sign_ins_and_keeps_the_accounts(cli: Cli) -> None:
    cli.connect("reddit")
    (cli.data_dir / "vault.json").unlink()
    before = _files(cli)
    refused = cli.run("vault", "reset", rc=1)  # stdin is not a terminal: no confirmation
    assert "--yes" in refused.stderr and "Nothing was changed" in refused.stderr
    assert _files(cli) == before

    done = cli.run("vault", "reset", "--yes")
    assert "Forgot 2 saved sign-in value(s)" in done.stdout
    cli.run("vault", "init", "--passphrase")  # the new vault's key, under the passphrase
    [account] = cli.accounts()
    assert account["provider"] == "reddit" and account["username"] == "sunny_creates"
    assert account["status"] == "needs_reconnect"
    assert "forgotten" in account["status_reason"]
    assert "problem: none" in cli.run("vault", "status").stdout
    cli.connect("reddit")  # reconnecting stores it under the new key
    [account] = cli.accounts()
    assert account["status"] == "connected"

"""Credentials that cannot be opened are never "Connected" (the real CLI on the sandbox).

An attacker or a damaged disk swaps sealed tokens between rows, or flips one bit of a
ciphertext: each account becomes "error" with a plain reason, the audit log says so,
and `accounts refresh` exits 1.
"""

from __future__ import annotations

import json
import sqlite3

from support.cli_runner import Cli


def _accounts_by_provider(cli: Cli) -> dict[str, dict[str, object]]:
    return {a["provider"]: a for a in cli.accounts()}


def _unreadable(cli: Cli, provider: str) -> None:
    account = _accounts_by_provider(cli)[provider]
    assert account["status"] == "error", account
    assert account["status_reason"] == (
        f"The saved sign-in for {account['username'] and '@' + str(account['username'])}"
        " cannot be read; reconnect it."
    )


def test_swapped_ciphertexts_make_both_accounts_errors(cli: Cli) -> None:
    cli.connect("reddit")
    cli.connect("tiktok")
    assert cli.run("accounts", "refresh").returncode == 0
    path = cli.data_dir / "huntaze.sqlite3"
    with sqlite3.connect(path) as db:
        rows = dict(db.execute("SELECT provider, access_token FROM oauth_accounts").fetchall())
        db.execute(
            "UPDATE oauth_accounts SET access_token = ? WHERE provider = 'reddit'",
            (rows["tiktok"],),
        )
        db.execute(
            "UPDATE oauth_accounts SET access_token = ? WHERE provider = 'tiktok'",
            (rows["reddit"],),
        )
    db.close()
    done = cli.run("accounts", "refresh", rc=1)
    assert "Traceback" not in done.stderr
    assert done.stdout.count("cannot be read; reconnect it") == 2
    _unreadable(cli, "reddit")
    _unreadable(cli, "tiktok")
    report = cli.data_dir.parent / "report.json"
    cli.run("diagnostics", "export", str(report))
    events = json.loads(report.read_text(encoding="utf-8"))["recent_events"]
    assert sum(e["event"] == "credentials_unreadable" for e in events) >= 2


def test_one_flipped_bit_makes_that_account_an_error(cli: Cli) -> None:
    cli.connect("reddit")
    cli.connect("tiktok")
    path = cli.data_dir / "huntaze.sqlite3"
    with sqlite3.connect(path) as db:
        (blob,) = db.execute(
            "SELECT access_token FROM oauth_accounts WHERE provider = 'reddit'"
        ).fetchone()
        flipped = bytearray(blob)
        flipped[-5] ^= 0x01
        db.execute(
            "UPDATE oauth_accounts SET access_token = ? WHERE provider = 'reddit'",
            (bytes(flipped),),
        )
    db.close()
    cli.run("accounts", "refresh", rc=1)
    _unreadable(cli, "reddit")
    assert _accounts_by_provider(cli)["tiktok"]["status"] == "connected"
    cli.run("accounts", "refresh", "tiktok")  # the other account still refreshes, exit 0


def test_rotate_key_names_the_account_it_cannot_read(cli: Cli) -> None:
    cli.connect("reddit")
    path = cli.data_dir / "huntaze.sqlite3"
    with sqlite3.connect(path) as db:
        (blob,) = db.execute("SELECT refresh_token FROM oauth_accounts").fetchone()
        flipped = bytearray(blob)
        flipped[-5] ^= 0x01
        db.execute("UPDATE oauth_accounts SET refresh_token = ?", (bytes(flipped),))
    db.close()
    before = cli.data_dir.joinpath("vault.json").read_bytes()
    done = cli.run("vault", "rotate-key", rc=1)
    assert "The saved sign-in of @sunny_creates (reddit) cannot be read" in done.stderr
    assert "key was not changed" in done.stderr and "Traceback" not in done.stderr
    assert cli.data_dir.joinpath("vault.json").read_bytes() == before

"""Reconnect means that account: another account coming back is refused, nothing stored.

The real CLI on the sandbox: `accounts reconnect PROVIDER ID --browser print`, and a
script acting as the browser that signs in as the right or the wrong demo user.
"""

from __future__ import annotations

from support.cli_runner import LOGINS, Cli

MOONLIGHT = ("moonlight_studio", "moon-pass")


def _revocations(cli: Cli) -> int:
    assert cli.sandbox is not None
    counters = cli.sandbox.state.counters
    return sum(
        n for key, n in counters.items() if key.startswith("requests.reddit") and "revoke" in key
    )


def test_signing_in_as_another_account_is_refused(cli: Cli) -> None:
    cli.connect("reddit")
    [before] = cli.accounts()
    revoked = _revocations(cli)
    err = cli.sign_in(["accounts", "reconnect", "reddit", "@sunny_creates"], MOONLIGHT, rc=1)
    assert (
        "You signed in as @moonlight_studio; sign in as @sunny_creates to reconnect it. "
        "Nothing was changed." in err
    ), err
    assert "Traceback" not in err
    assert cli.accounts() == [before]  # nothing added, nothing replaced
    assert _revocations(cli) == revoked + 1  # the unwanted grant was revoked at Reddit


def test_signing_in_as_the_same_account_reconnects_it(cli: Cli) -> None:
    cli.connect("reddit")
    [before] = cli.accounts()
    err = cli.sign_in(
        ["accounts", "reconnect", "reddit", before["provider_account_id"]], LOGINS["reddit"]
    )
    assert "@sunny_creates is connected to Reddit again." in err
    [after] = cli.accounts()
    assert after["id"] == before["id"] and after["status"] == "connected"


def test_a_tiktok_id_starting_with_a_dash_can_be_reconnected(cli: Cli) -> None:
    cli.connect("tiktok")
    [account] = cli.accounts()
    assert account["provider_account_id"].startswith("-")
    err = cli.sign_in(
        ["accounts", "reconnect", "tiktok", account["provider_account_id"]], LOGINS["tiktok"]
    )
    assert "connected to TikTok again" in err


def test_reconnecting_an_unknown_account_says_so(cli: Cli) -> None:
    done = cli.run("accounts", "reconnect", "reddit", "@nobody", rc=1)
    assert "No connected reddit account matches '@nobody'." in done.stderr
    assert "Traceback" not in done.stderr

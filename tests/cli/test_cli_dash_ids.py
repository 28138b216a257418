"""Account ids that start with "-" (TikTok's open_id can) are ids, not options."""

from __future__ import annotations

import pytest
from support.cli_runner import Cli

from huntaze_desktop.cli.main import parse_cli_args

OPEN_ID = "-000sbxSunnyOpenId0001"  # the sandbox's sunny.creates on TikTok


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["accounts", "disconnect", "tiktok", "-000abc"], ["tiktok", "-000abc"]),
        (["--sandbox", "accounts", "disconnect", "x", "--data-dir", "/d", "-0"], ["x", "-0"]),
        (["accounts", "disconnect", "tiktok", "--", "-000abc"], ["tiktok", "-000abc"]),
        (["accounts", "disconnect", "tiktok:-000abc"], ["tiktok:-000abc"]),
    ],
)  # fmt: skip
def test_disconnect_reads_dash_ids(argv: list[str], target: list[str]) -> None:
    assert parse_cli_args(argv).target == target


def test_refresh_reads_a_dash_id_with_options_after_it() -> None:
    args = parse_cli_args(["accounts", "refresh", "tiktok", "-000abc", "--json"])
    assert (args.provider, args.account, args.json) == ("tiktok", "-000abc", True)


def test_a_value_of_an_option_is_not_taken_for_an_id() -> None:
    args = parse_cli_args(["accounts", "refresh", "--log-level", "debug", "tiktok", "-0a"])
    assert (args.provider, args.account, args.log_level) == ("tiktok", "-0a", "DEBUG")
    args = parse_cli_args(["--data-dir", "/d", "accounts", "refresh", "tiktok", "--json"])
    assert (str(args.data_dir), args.provider, args.account) == ("/d", "tiktok", None)


def test_other_commands_still_refuse_unknown_options() -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_cli_args(["accounts", "list", "-x"])
    assert exit_.value.code == 2


def test_the_real_cli_refreshes_and_disconnects_a_dash_id(cli: Cli) -> None:
    cli.connect("tiktok")
    (account,) = cli.accounts()
    assert account["provider_account_id"] == OPEN_ID
    cli.run("accounts", "refresh", "tiktok", OPEN_ID, "--json")
    done = cli.run("accounts", "disconnect", "tiktok", OPEN_ID)
    assert "disconnected" in (done.stdout + done.stderr).lower()
    assert cli.accounts() == []
    missing = cli.run("accounts", "disconnect", "tiktok", "--", OPEN_ID, rc=1)
    assert "Traceback" not in missing.stderr

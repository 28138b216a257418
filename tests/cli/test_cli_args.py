"""Starting the app parses only its own options; everything else goes to the full parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huntaze_desktop.cli.args import parse_app_args
from huntaze_desktop.cli.main import build_parser

APP_ARGV = [
    [],
    ["--sandbox"],
    ["--data-dir", "/tmp/somewhere", "--no-err-windows"],
    ["--data-dir=/tmp/x", "--log-level", "debug", "--json-logging"],
    ["--smoke-test", "--sandbox", "--data-dir", "accounts"],  # a directory named like a command
]


@pytest.mark.parametrize("argv", APP_ARGV)
def test_app_arguments_parse_as_the_full_parser_parses_them(argv: list[str]) -> None:
    quick = parse_app_args(argv)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


def test_the_values_arrive_typed() -> None:
    args = parse_app_args(["--data-dir", "/tmp/d", "--log-level", "warning"])
    assert args is not None
    assert args.data_dir == Path("/tmp/d") and args.log_level == "WARNING"
    assert args.command is None and not args.sandbox


@pytest.mark.parametrize(
    "argv",
    [
        ["accounts", "list"],
        ["gui"],
        ["--sandbox", "vault", "status"],
        ["--help"],
        ["-h"],
        ["--version"],
        ["--log-level", "loud"],  # the full parser explains the mistake
        ["--data-dir"],
        ["--sand"],  # abbreviations are the full parser's business
        ["--no-such-option"],
    ],
)
def test_anything_else_is_left_to_the_full_parser(argv: list[str]) -> None:
    assert parse_app_args(argv) is None


def test_a_mistake_is_explained_once_by_the_full_parser(capsys: pytest.CaptureFixture[str]) -> None:
    from huntaze_desktop.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--log-level", "loud"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("invalid choice: 'LOUD'") == 1
    assert err.startswith("usage: huntaze-desktop")


def _app_options() -> dict[str, int]:
    """Each option of the app's full parser at top level -> how many values it takes."""
    import argparse

    from huntaze_desktop.cli.args import add_app_options, add_common_options

    parser = argparse.ArgumentParser(add_help=False)
    add_common_options(parser, suppress=False)
    add_app_options(parser)
    return {
        option: 0 if action.nargs == 0 else 1
        for action in parser._actions
        for option in action.option_strings
    }


def test_the_quick_parse_knows_exactly_the_app_options() -> None:
    from huntaze_desktop.cli import args as cli_args

    quick = {name: 0 for name in cli_args._APP_FLAGS} | {name: 1 for name in cli_args._APP_VALUES}
    assert quick == _app_options()


# Words an argument list is made of: every app option, plain and with "=",
# values good and bad, commands, help, abbreviations, "--", and look-alikes.
_TOKENS = [
    *_app_options(),
    *(f"{option}=" for option in _app_options()),
    "--data-dir=/tmp/a=b",
    "--log-level=debug",
    "--log-level=Warning",
    "--log-level=loud",
    "--sandbox=yes",
    "debug",
    "error",
    "INFO",
    "loud",
    "/tmp/data dir",
    "",
    "-",
    "--",
    "-1",
    "-x",
    "--sand",
    "--data",
    "--help",
    "-h",
    "--version",
    "gui",
    "accounts",
    "list",
    "vault",
    "status",
]


def _full_parse(argv: list[str]) -> dict[str, object] | None:
    """What the full parser makes of argv, or None if it stops (error, help, version)."""
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(build_parser().parse_args(argv))
        except SystemExit:
            return None


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=6))
def test_the_quick_parse_answers_as_the_full_parser_or_not_at_all(argv: list[str]) -> None:
    quick = parse_app_args(argv)
    if quick is not None:
        assert vars(quick) == _full_parse(argv)

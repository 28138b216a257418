"""Starting the app parses only its own options; everything else goes to the full parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from huntaze_desktop.cli import build_parser
from huntaze_desktop.cli_args import parse_app_args

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

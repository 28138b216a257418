"""The options the app and every command share, and the app's own quick parse.

Starting the app (no command) is the common case and is on the path to the
first paint, so it is parsed by a parser with only the app's options: the full
command-line parser (a dozen sub-parsers, the CLI's imports) is built only when
the arguments name a command or ask for help or the version.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["add_app_options", "add_common_options", "parse_app_args"]


def add_common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted before or after any command.

    ``suppress`` (for sub-parsers) keeps a sub-parser from overwriting a value
    given before the command with its default.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default(None),
        metavar="DIR",
        help="keep all state (database, logs, settings) in DIR",
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="use local stand-ins for the platforms (own data directory)",
    )
    parser.add_argument(
        "--log-level",
        default=default("INFO"),
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
    )
    parser.add_argument(
        "--json-logging",
        action="store_true",
        default=default(False),
        help="write log lines to stderr as JSON objects",
    )


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """Options of the desktop app itself (top level only)."""
    parser.add_argument(
        "--no-err-windows",
        action="store_true",
        help="never show error dialogs (headless runs, tests)",
    )
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)


class _NotForUs(Exception):
    pass


class _QuietParser(argparse.ArgumentParser):
    """Leaves every complaint to the full parser, which words it for the user."""

    def error(self, message: str) -> NoReturn:
        raise _NotForUs(message)


def parse_app_args(argv: list[str]) -> argparse.Namespace | None:
    """The app's arguments, or None when ``argv`` is for the full parser.

    None when anything is left over: a command, ``--help``, ``--version``, or a
    mistake; the full parser then does what it always does (runs the command,
    prints help or the version, or explains the mistake).
    """
    parser = _QuietParser(prog="huntaze-desktop", add_help=False, allow_abbrev=False)
    add_common_options(parser, suppress=False)
    add_app_options(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except _NotForUs:  # e.g. --log-level with a value it does not know
        return None
    if rest:
        return None
    args.command = None
    return args

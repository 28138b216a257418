"""The options the app and every command share, and the app's own quick parse.

Starting the app (no command) is the common case and is on the path to the
first paint, so ``parse_app_args`` reads the app's own options without building
a parser: the full command-line parser (a dozen sub-parsers, the CLI's imports)
is built only when the arguments name a command, ask for help or the version,
or hold anything the quick parse does not read exactly as the full one would.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "PASSPHRASE_ENV",
    "add_app_options",
    "add_common_options",
    "env_passphrase",
    "parse_app_args",
    "take_env_passphrase",
]

PASSPHRASE_ENV = "HUNTAZE_VAULT_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
_env_passphrase: str | None = None


def take_env_passphrase() -> None:
    """Take the vault passphrase out of the environment, once, at process start.

    A script may hand the passphrase over in ``HUNTAZE_VAULT_PASSPHRASE``. It is
    read here and removed from ``os.environ``, so no program the app starts
    afterwards (the system browser, the file manager) inherits it; the app reads
    it back with :func:`env_passphrase`.
    """
    global _env_passphrase
    value = os.environ.pop(PASSPHRASE_ENV, None)
    if value:
        _env_passphrase = value


def env_passphrase() -> str | None:
    """The passphrase the environment gave at start (see :func:`take_env_passphrase`)."""
    return _env_passphrase


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


# The app's own options as the quick parse reads them: flag -> attribute, and
# option taking a value -> (attribute, conversion or None when not accepted).
# tests/cli/test_cli_args.py holds them to add_common_options/add_app_options.
_APP_FLAGS = {
    "--sandbox": "sandbox",
    "--json-logging": "json_logging",
    "--no-err-windows": "no_err_windows",
    "--smoke-test": "smoke_test",
}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(value: str) -> str | None:
    level = value.upper()
    return level if level in _LOG_LEVELS else None


_APP_VALUES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--data-dir": ("data_dir", Path),
    "--log-level": ("log_level", _log_level),
}


def parse_app_args(argv: list[str]) -> argparse.Namespace | None:
    """The app's arguments, or None when ``argv`` is for the full parser.

    Reads only the plain forms of the app's own options (``--flag``,
    ``--option VALUE``, ``--option=VALUE``), exactly as the full parser reads
    them, without building a parser (~2.5 ms on the path to the first paint:
    argparse's messages load gettext's locale machinery). None when anything
    else is there: a command, ``--help``, ``--version``, an abbreviation, a
    value that looks like an option, or a mistake; the full parser then does
    what it always does (runs the command, prints help or the version, or
    explains the mistake). A property test holds the two parsers to the same
    answers.
    """
    values: dict[str, Any] = {
        "data_dir": None,
        "sandbox": False,
        "log_level": "INFO",
        "json_logging": False,
        "no_err_windows": False,
        "smoke_test": False,
    }
    tokens = iter(argv)
    for token in tokens:
        name, equals, inline = token.partition("=")
        if not equals and name in _APP_FLAGS:
            values[_APP_FLAGS[name]] = True
            continue
        if name not in _APP_VALUES:
            return None
        raw: str | None = inline if equals else next(tokens, None)
        if raw is None or (not equals and raw.startswith("-")):
            return None  # no value, or one the full parser would take for an option
        attribute, convert = _APP_VALUES[name]
        value = convert(raw)
        if value is None:
            return None
        values[attribute] = value
    return argparse.Namespace(**values, command=None)

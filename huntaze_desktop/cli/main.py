"""The command-line interface: the same services as the app, headless.

Exit codes: 0 ok, 1 failed (a user-safe message on stderr), 2 bad usage.

This module holds the parser, the runner and the vault/sandbox commands; the
account and diagnostics commands are in ``cli/accounts.py``, the OnlyFans rules
commands in ``cli/onlyfans.py``.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huntaze_desktop import __version__
from huntaze_desktop.cli.args import add_app_options, add_common_options, env_passphrase
from huntaze_desktop.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    PASSPHRASE_ENV,
    UsageError,
    ask_passphrase,
    with_runtime,
)
from huntaze_desktop.domain.errors import HuntazeError, StorageError, disk_problem

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.runtime import Runtime

# asyncio is imported where it is used: the GUI parses its arguments here too and
# must not pay for asyncio before its first paint.

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PASSPHRASE_ENV",
    "UsageError",
    "build_parser",
    "parse_cli_args",
    "run_cli",
    "with_runtime",
]

log = logging.getLogger("huntaze.cli")


def build_parser() -> argparse.ArgumentParser:
    from huntaze_desktop.cli.analytics import METRICS, parse_range

    parser = argparse.ArgumentParser(
        prog="huntaze-desktop",
        description="Connect and manage your Instagram, TikTok, Reddit and OnlyFans accounts.",
        epilog="Exit codes: 0 ok, 1 failed (message on stderr), 2 bad usage.",
    )
    parser.add_argument("--version", action="version", version=f"huntaze-desktop {__version__}")
    add_common_options(parser, suppress=False)
    add_app_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        add_common_options(p, suppress=True)
        return p

    command("gui", "start the desktop app (the default)")

    accounts = command("accounts", "list, connect, refresh and disconnect accounts")
    acc = accounts.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("list", "list connected accounts", acc)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    for name, help_text in (
        ("connect", "connect an account"),
        ("reconnect", "sign in again to one account (another account is refused)"),
    ):
        p = command(name, help_text, acc)
        p.add_argument("provider", help="platform name, e.g. instagram")
        if name == "reconnect":
            p.add_argument(
                "account",
                metavar="ID",
                help='platform account id, local id or @username; may start with "-"',
            )
        p.add_argument(
            "--browser",
            choices=["system", "print"],
            default="system",
            help="open the system browser, or print the sign-in URL on stdout",
        )
        p.add_argument(
            "--session-file",
            type=Path,
            metavar="FILE",
            help="session-based platforms: JSON with cookies, x_bc and user_agent",
        )
    p = command("refresh", "check accounts with their platforms, renewing tokens when due", acc)
    p.add_argument("provider", nargs="?", help="only this platform")
    p.add_argument(
        "account",
        nargs="?",
        metavar="ID",
        help="only this account: platform account id, local id or @username",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command("validate", "check every account (same as refresh without arguments)", acc)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command("disconnect", "disconnect an account and delete its credentials", acc)
    p.add_argument(
        "target",
        nargs="+",
        metavar="PROVIDER ID",
        help="platform and account (platform account id, local id or @username); "
        'or one local id, or PROVIDER:NAME; an id may start with "-" (or put -- before it)',
    )
    p.add_argument(
        "--delete-history",
        action="store_true",
        help="also delete the account's analytics history (kept by default)",
    )

    analytics = command("analytics", "fetch your numbers and export them as CSV")
    an = analytics.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("refresh", "fetch and store the latest numbers (what the app's refresh does)", an)
    p.add_argument("provider", nargs="?", help="only this platform")
    p.add_argument(
        "account",
        nargs="?",
        metavar="ID",
        help="only this account: platform account id, local id or @username",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="ask the platforms even for answers still fresh in the cache (like Refresh now)",
    )
    p = command("export", "write the Analytics chart's numbers to FILE as CSV", an)
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--range",
        type=parse_range,
        default=parse_range("30d"),
        metavar="7d|30d|90d|YYYY-MM-DD:YYYY-MM-DD",
        help="the last N days up to today, or from one day to another (default: 30d)",
    )
    p.add_argument(
        "--metric",
        choices=list(METRICS),
        default="audience",
        help="what the chart shows (default: audience)",
    )
    p.add_argument(
        "--by",
        choices=["platform", "account"],
        default="platform",
        help="one column per platform or per account (default: platform)",
    )

    diagnostics = command("diagnostics", "support information without any secret")
    dg = diagnostics.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("export", "write statuses, recent errors, versions and settings to FILE", dg)
    p.add_argument("file", type=Path, metavar="FILE")

    vault = command("vault", "the encrypted credential store")
    va = vault.add_subparsers(dest="action", metavar="ACTION", required=True)
    command("status", "show how credentials are protected", va)
    command("rotate-key", "re-encrypt every credential under a new key", va)
    p = command(
        "reset",
        "forget the saved sign-ins and start over (when the vault key is lost); "
        "accounts, analytics and settings are kept",
        va,
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = command("init", "choose how the vault key is protected", va)
    p.add_argument(
        "--passphrase",
        action="store_true",
        required=True,
        help="derive the key from a passphrase (when no keyring is available)",
    )

    # -- onlyfans: its signing rules (one block: other command groups go above or below)
    onlyfans = command("onlyfans", "OnlyFans signing rules: check them, sign a request")
    of = onlyfans.add_subparsers(dest="action", metavar="ACTION", required=True)
    rules = command("rules", "the signing rules", of)
    ru = rules.add_subparsers(dest="rules_action", metavar="ACTION", required=True)
    p = command("check", "load, normalise and self-check rules, then print them", ru)
    p.add_argument("source", metavar="FILE_OR_URL", help="a rules file or an http(s) URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command("sign", "print the signing headers of one request", of)
    p.add_argument("--rules", required=True, metavar="FILE", help="a rules file (or URL)")
    p.add_argument("--path", required=True, metavar="PATH", help="the request path with its query")
    p.add_argument("--time", required=True, type=int, metavar="MS", help="milliseconds since 1970")
    p.add_argument("--user-id", required=True, metavar="ID", help="the account number")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    # -- end of onlyfans

    sandbox = command("sandbox", "the local stand-ins for the platforms")
    sb = sandbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("serve", "run the sandbox server alone (the app and CLI reuse it)", sb)
    p.add_argument(
        "--port", type=int, default=None, help="port (default: HUNTAZE_SANDBOX_PORT, else 8787)"
    )
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    return parser


# Options that take a value: the token after them is that value, never an id.
_VALUE_OPTIONS = frozenset(
    {
        "--data-dir",
        "--log-level",
        "--port",
        "--host",
        "--session-file",
        "--browser",
        # onlyfans sign
        "--rules",
        "--path",
        "--time",
        "--user-id",
    }
)
# Commands whose positionals are platform account ids, which may start with "-"
# (TikTok's open_id does).
_ID_COMMANDS = frozenset(
    {
        ("accounts", "disconnect"),
        ("accounts", "refresh"),
        ("accounts", "reconnect"),
        ("analytics", "refresh"),
    }
)


def _ids_after_double_dash(argv: list[str]) -> list[str]:
    """``argv`` with the command's positionals behind ``--`` when an id starts with "-".

    argparse reads ``-000abc`` as an (unknown) option. Every option of ours is
    spelled with two dashes (or is ``-h``), so for the commands that take account
    ids a arg with one leading dash is an id. When there is one, the command's
    options go first and its positionals, in their order, behind ``--``
    (argparse does not read positionals split by options). An explicit ``--`` is
    left as given.
    """
    if "--" in argv:
        return argv
    words: list[str] = []
    for index, arg in enumerate(argv):
        if not arg.startswith("-") and (index == 0 or argv[index - 1] not in _VALUE_OPTIONS):
            words.append(arg)
            if len(words) == 2:
                break
    if tuple(words) not in _ID_COMMANDS:
        return argv
    head = argv[: index + 1]
    options: list[str] = []
    positionals: list[str] = []
    tail = iter(argv[index + 1 :])
    for arg in tail:
        if arg.startswith("--") or arg == "-h":
            options.append(arg)
            value = next(tail, None) if arg in _VALUE_OPTIONS else None
            if value is not None:
                options.append(value)
        else:
            positionals.append(arg)
    if not any(arg.startswith("-") for arg in positionals):
        return argv
    return [*head, *options, "--", *positionals]


def parse_cli_args(argv: list[str]) -> argparse.Namespace:
    """The full parser's reading of ``argv`` (ids starting with "-" accepted)."""
    return build_parser().parse_args(_ids_after_double_dash(argv))


def run_cli(args: argparse.Namespace) -> int:
    """Run one CLI command; returns the exit code."""
    import asyncio

    from huntaze_desktop.domain.paths import DataPaths, default_data_dir
    from huntaze_desktop.logsetup import setup_logging

    handler = _handlers().get((args.command, getattr(args, "action", None)))
    if handler is None:  # argparse guarantees this never happens
        build_parser().print_usage(sys.stderr)
        return EXIT_USAGE
    # `sandbox serve` keeps its state where `--sandbox` runs look for it.
    sandbox = args.sandbox or args.command == "sandbox"
    try:
        paths = DataPaths(args.data_dir or default_data_dir(sandbox=sandbox)).ensure()
    except HuntazeError as exc:
        print(f"Error: {exc.user_message}", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "sandbox":
        return int(handler(args, paths))
    setup_logging(
        paths,
        level=args.log_level,
        json_logging=args.json_logging,
        console=True,
        console_level="WARNING" if not args.json_logging else args.log_level,
    )
    try:
        return int(asyncio.run(handler(args, paths)))
    except UsageError as exc:
        print(f"huntaze-desktop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HuntazeError as exc:
        # A storage error whose cause is a full or read-only disk says so; others
        # (a report that could not be written elsewhere) keep their own sentence.
        shown = (disk_problem(exc, paths.root) if isinstance(exc, StorageError) else None) or exc
        print(f"Error: {shown.user_message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        if (problem := disk_problem(exc, paths.root)) is not None:
            # No traceback to the log first: it is on the disk that just refused a write.
            print(f"Error: {problem.user_message}", file=sys.stderr)
            return EXIT_FAILED
        log.exception("Unexpected error in '%s'", args.command)
        print(
            f"Error: something unexpected went wrong. Details are in {paths.log_file}.",
            file=sys.stderr,
        )
        return EXIT_FAILED


async def _vault_status(args: argparse.Namespace, paths: DataPaths) -> int:
    """Mode, backend, the vault id and key ids; exit 1 when the key does not match."""
    import asyncio

    from huntaze_desktop.storage.vault_setup import vault_report

    report = await asyncio.to_thread(vault_report, paths)
    for key, value in report.fields().items():
        print(f"{key}: {value}")
    return EXIT_OK if report.problem is None else EXIT_FAILED


async def _vault_reset(args: argparse.Namespace, paths: DataPaths) -> int:
    """Forget the saved sign-ins after a confirmation; everything else stays."""
    import asyncio

    from huntaze_desktop.storage.vault_setup import reset_vault

    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "Error: 'vault reset' deletes every saved sign-in; run it on a terminal to "
                "confirm, or add --yes. Nothing was changed.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        print(
            f"This deletes every saved sign-in and app secret in {paths.root}.\n"
            "Your accounts, analytics history and settings are kept; you will reconnect "
            "each account."
        )
        answer = await asyncio.to_thread(input, "Type 'forget' to confirm: ")
        if answer.strip().lower() != "forget":
            print("Nothing was changed.")
            return EXIT_FAILED
    count = await asyncio.to_thread(reset_vault, paths)
    print(
        f"Forgot {count} saved sign-in value(s). Start Huntaze Desktop and reconnect "
        "your accounts; a new vault key is made at the next start."
    )
    return EXIT_OK


async def _vault_rotate(args: argparse.Namespace, paths: DataPaths) -> int:
    async def body(rt: Runtime) -> int:
        count = await rt.rotate_vault_key()
        print(f"Re-encrypted {count} stored secret(s) under a new key.")
        return EXIT_OK

    return await with_runtime(args, paths, body)


async def _vault_init(args: argparse.Namespace, paths: DataPaths) -> int:
    import asyncio

    from huntaze_desktop.storage.vault_setup import switch_to_passphrase

    first = ask_passphrase("New vault passphrase: ")
    if not first:
        print(f"Give the passphrase on a terminal or in {PASSPHRASE_ENV}.", file=sys.stderr)
        return EXIT_FAILED
    asked = sys.stdin.isatty() and not env_passphrase()
    if asked and getpass.getpass("Repeat the passphrase: ") != first:
        print("The passphrases do not match. Nothing was changed.", file=sys.stderr)
        return EXIT_FAILED
    await asyncio.to_thread(switch_to_passphrase, paths, first)
    print("The vault is now protected by your passphrase.")
    return EXIT_OK


def _sandbox_serve(args: argparse.Namespace, paths: DataPaths) -> int:
    from huntaze_desktop.domain.errors import ConfigurationError
    from huntaze_desktop.sandbox.server import serve
    from huntaze_desktop.sandbox.shared import sandbox_port, state_file_for

    logging.basicConfig(level=args.log_level)
    try:
        port = args.port if args.port is not None else sandbox_port()
    except ConfigurationError as exc:
        print(f"Error: {exc.user_message}", file=sys.stderr)
        return EXIT_FAILED
    # Same state file as `--sandbox` runs on this data directory: they reuse this server.
    serve(host=args.host, port=port, state_file=state_file_for(paths.root))
    return EXIT_OK


def _handlers() -> dict[tuple[str | None, str | None], Callable[..., Any]]:
    from huntaze_desktop.cli import accounts, analytics, onlyfans

    return {
        # onlyfans (``rules`` has one action, ``check``)
        ("onlyfans", "rules"): onlyfans.onlyfans_rules,
        ("onlyfans", "sign"): onlyfans.onlyfans_sign,
        ("analytics", "refresh"): analytics.analytics_refresh,
        ("analytics", "export"): analytics.analytics_export,
        ("accounts", "list"): accounts.accounts_list,
        ("accounts", "connect"): accounts.accounts_connect,
        ("accounts", "reconnect"): accounts.accounts_reconnect,
        ("accounts", "refresh"): accounts.accounts_refresh,
        ("accounts", "validate"): accounts.accounts_refresh,
        ("accounts", "disconnect"): accounts.accounts_disconnect,
        ("diagnostics", "export"): accounts.diagnostics_export,
        ("vault", "status"): _vault_status,
        ("vault", "rotate-key"): _vault_rotate,
        ("vault", "reset"): _vault_reset,
        ("vault", "init"): _vault_init,
        ("sandbox", "serve"): _sandbox_serve,
    }

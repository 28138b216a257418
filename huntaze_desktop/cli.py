"""The command-line interface: the same services as the app, headless.

Exit codes: 0 ok, 1 failed (a user-safe message on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from huntaze_desktop import __version__
from huntaze_desktop.core.errors import HuntazeError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "run_cli"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PASSPHRASE_ENV = "HUNTAZE_VAULT_PASSPHRASE"

log = logging.getLogger("huntaze.cli")


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Accepted before or after the command; SUPPRESS keeps a sub-parser from
    # overwriting a value given before the command with its default.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--data-dir", type=Path, default=default, metavar="DIR",
                        help="keep all state (database, logs, settings) in DIR")
    parser.add_argument("--sandbox", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="use local stand-ins for the platforms (own data directory)")
    parser.add_argument("--log-level", default=argparse.SUPPRESS if suppress else "INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    parser.add_argument("--json-logging", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="write log lines to stderr as JSON objects")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="huntaze-desktop",
        description="Connect and manage your Instagram, TikTok, Reddit and OnlyFans accounts.",
    )
    parser.add_argument("--version", action="version", version=f"huntaze-desktop {__version__}")
    _add_common(parser, suppress=False)
    parser.add_argument("--no-err-windows", action="store_true",
                        help="never show error dialogs (headless runs, tests)")
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        _add_common(p, suppress=True)
        return p

    command("gui", "start the desktop app (the default)")

    accounts = command("accounts", "list, connect and disconnect accounts")
    acc = accounts.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("list", "list connected accounts", acc)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command("connect", "connect an account", acc)
    p.add_argument("provider", help="platform name, e.g. instagram")
    p.add_argument("--browser", choices=["system", "print"], default="system",
                   help="open the system browser, or print the sign-in URL on stdout")
    p.add_argument("--session-file", type=Path, metavar="FILE",
                   help="session-based platforms: JSON with cookies, x_bc and user_agent")
    p = command("disconnect", "disconnect an account and delete its credentials", acc)
    p.add_argument("account", help="account id, or PROVIDER:NAME")
    p = command("validate", "check every account with its platform", acc)
    p.add_argument("--json", action="store_true")

    vault = command("vault", "the encrypted credential store")
    va = vault.add_subparsers(dest="action", metavar="ACTION", required=True)
    command("status", "show how credentials are protected", va)
    command("rotate-key", "re-encrypt every credential under a new key", va)
    p = command("init", "choose how the vault key is protected", va)
    p.add_argument("--passphrase", action="store_true", required=True,
                   help="derive the key from a passphrase (when no keyring is available)")

    sandbox = command("sandbox", "the local stand-ins for the platforms")
    sb = sandbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = command("serve", "run the sandbox server alone", sb)
    p.add_argument("--port", type=int, default=8787)
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    return parser


def _passphrase(prompt: str = "Vault passphrase: ") -> str | None:
    """A passphrase from the environment, or asked for on a terminal."""
    if value := os.environ.get(PASSPHRASE_ENV):
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def _fmt_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def run_cli(args: argparse.Namespace) -> int:
    """Run one CLI command; returns the exit code."""
    from huntaze_desktop.logsetup import setup_logging

    handler = _HANDLERS.get((args.command, getattr(args, "action", None)))
    if handler is None:  # argparse guarantees this never happens
        build_parser().print_usage(sys.stderr)
        return EXIT_USAGE
    if args.command == "sandbox":
        return handler(args)  # type: ignore[no-any-return]
    from huntaze_desktop.core.paths import DataPaths, default_data_dir

    paths = DataPaths(args.data_dir or default_data_dir(sandbox=args.sandbox)).ensure()
    setup_logging(paths, level=args.log_level, json_logging=args.json_logging, console=True,
                  console_level="WARNING" if not args.json_logging else args.log_level)
    try:
        return asyncio.run(handler(args, paths))  # type: ignore[no-any-return]
    except HuntazeError as exc:
        print(f"Error: {exc.user_message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return EXIT_FAILED
    except Exception:
        log.exception("Unexpected error in '%s'", args.command)
        print(f"Error: something unexpected went wrong. Details are in {paths.log_file}.",
              file=sys.stderr)
        return EXIT_FAILED


async def _with_runtime(args: argparse.Namespace, paths: Any,
                        body: Callable[[Any], Awaitable[int]]) -> int:
    from huntaze_desktop.core.errors import (
        KeyringUnavailableError,
        VaultLockedError,
        WrongPassphraseError,
    )
    from huntaze_desktop.core.runtime import Runtime, RuntimeOptions

    passphrase = os.environ.get(PASSPHRASE_ENV)
    while True:
        try:
            runtime = await Runtime.create(RuntimeOptions(
                data_dir=paths.root, sandbox=args.sandbox, passphrase=passphrase,
            ))
            break
        except (VaultLockedError, WrongPassphraseError) as exc:
            # Ask on a terminal; a script gives the passphrase in the environment.
            if isinstance(exc, KeyringUnavailableError) or not sys.stdin.isatty():
                raise
            if isinstance(exc, WrongPassphraseError):
                print(exc.user_message, file=sys.stderr)
            passphrase = await asyncio.to_thread(getpass.getpass, "Vault passphrase: ")
    try:
        return await body(runtime)
    finally:
        await runtime.aclose()


async def _accounts_list(args: argparse.Namespace, paths: Any) -> int:
    async def body(rt: Any) -> int:
        accounts = await rt.accounts.list_accounts()
        if args.json:
            print(json.dumps([_account_json(a) for a in accounts], indent=2))
            return EXIT_OK
        if not accounts:
            print("No accounts connected. Connect one with: huntaze-desktop accounts connect PLATFORM")
            return EXIT_OK
        print(f"{'ID':>4}  {'PLATFORM':<10} {'ACCOUNT':<24} {'STATUS':<16} CONNECTED")
        for a in accounts:
            print(f"{a.id:>4}  {a.provider:<10} {a.name[:24]:<24} {a.status.label:<16} "
                  f"{_fmt_time(a.created_at)}")
        return EXIT_OK

    return await _with_runtime(args, paths, body)


def _account_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.id, "provider": a.provider, "provider_account_id": a.provider_account_id,
        "username": a.username, "display_name": a.display_name, "status": a.status.value,
        "status_reason": a.status_reason, "last_error": a.last_error,
        "connected_at": a.created_at.isoformat() if a.created_at else None,
        "last_success_at": a.last_success_at.isoformat() if a.last_success_at else None,
        "retry_at": a.retry_at.isoformat() if a.retry_at else None,
    }


async def _accounts_connect(args: argparse.Namespace, paths: Any) -> int:
    async def body(rt: Any) -> int:
        spec = rt.spec(args.provider)
        if spec.auth_kind == "session":
            if args.session_file is None:
                print(f"{spec.display_name} uses a browser session: sign in in the app, or pass "
                      "--session-file FILE (JSON with cookies, x_bc and user_agent).",
                      file=sys.stderr)
                return EXIT_FAILED
            from huntaze_desktop.providers.onlyfans.session import CapturedSession

            account = await rt.accounts.connect_session(
                spec.name, CapturedSession.from_file(args.session_file))
        else:
            if args.session_file is not None:
                print(f"--session-file is only for session-based platforms, "
                      f"not {spec.display_name}.", file=sys.stderr)
                return EXIT_USAGE
            account = await rt.accounts.sign_in_with_browser(spec.name, _url_opener(args.browser))
        print(f"{spec.display_name} connected as {account.name} (account {account.id}).",
              file=sys.stderr if args.browser == "print" else sys.stdout)
        return EXIT_OK

    return await _with_runtime(args, paths, body)


def _url_opener(browser: str) -> Callable[[str], None]:
    if browser == "print":
        def emit(url: str) -> None:
            # One line on stdout, so a script can act as the browser.
            print(url, flush=True)

        return emit

    def open_system(url: str) -> None:
        import webbrowser

        print("Opening your browser to sign in… (waiting for you to finish)", file=sys.stderr)
        if not webbrowser.open(url):
            print(f"Open this address in your browser:\n{url}", file=sys.stderr)

    return open_system


async def _accounts_disconnect(args: argparse.Namespace, paths: Any) -> int:
    async def body(rt: Any) -> int:
        account = await _find_account(rt, args.account)
        await rt.accounts.disconnect(account.id)
        print(f"Disconnected {account.name} from {rt.spec(account.provider).display_name}.")
        return EXIT_OK

    return await _with_runtime(args, paths, body)


async def _find_account(rt: Any, ref: str) -> Any:
    from huntaze_desktop.core.errors import AccountNotFoundError

    accounts = await rt.accounts.list_accounts()
    for a in accounts:
        if ref == str(a.id):
            return a
        provider, _, name = ref.partition(":")
        if name and provider == a.provider and name.lstrip("@") in (
            a.username, a.display_name, a.provider_account_id,
        ):
            return a
    raise AccountNotFoundError(f"No connected account matches '{ref}'.")


async def _accounts_validate(args: argparse.Namespace, paths: Any) -> int:
    async def body(rt: Any) -> int:
        accounts = await rt.accounts.validate_all()
        if args.json:
            print(json.dumps([_account_json(a) for a in accounts], indent=2))
        else:
            for a in accounts:
                line = f"{a.provider:<10} {a.name:<24} {a.status.label}"
                print(line + (f" — {a.last_error}" if a.last_error else ""))
        bad = [a for a in accounts if a.status.needs_user_action]
        return EXIT_FAILED if bad else EXIT_OK

    return await _with_runtime(args, paths, body)


async def _vault_status(args: argparse.Namespace, paths: Any) -> int:
    from huntaze_desktop.storage.keystore import KeyStore

    status = await asyncio.to_thread(KeyStore(paths).status)
    for key, value in _status_fields(status).items():
        print(f"{key}: {value}")
    return EXIT_OK


def _status_fields(status: Any) -> dict[str, Any]:
    import dataclasses

    if dataclasses.is_dataclass(status) and not isinstance(status, type):
        return dataclasses.asdict(status)
    return dict(vars(status))


async def _vault_rotate(args: argparse.Namespace, paths: Any) -> int:
    async def body(rt: Any) -> int:
        count = await rt.rotate_vault_key()
        print(f"Re-encrypted {count} stored secret(s) under a new key.")
        return EXIT_OK

    return await _with_runtime(args, paths, body)


async def _vault_init(args: argparse.Namespace, paths: Any) -> int:
    from huntaze_desktop.storage.keystore import KeyStore

    first = _passphrase("New vault passphrase: ")
    if not first:
        print(f"Give the passphrase on a terminal or in {PASSPHRASE_ENV}.", file=sys.stderr)
        return EXIT_FAILED
    if sys.stdin.isatty() and not os.environ.get(PASSPHRASE_ENV):
        if getpass.getpass("Repeat the passphrase: ") != first:
            print("The passphrases do not match. Nothing was changed.", file=sys.stderr)
            return EXIT_FAILED
    await asyncio.to_thread(KeyStore(paths).init_passphrase, first)
    print("The vault is now protected by your passphrase.")
    return EXIT_OK


def _sandbox_serve(args: argparse.Namespace) -> int:
    from huntaze_desktop.sandbox.server import serve

    logging.basicConfig(level=args.log_level)
    print(f"Sandbox listening on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    serve(host=args.host, port=args.port)
    return EXIT_OK


_HANDLERS: dict[tuple[str | None, str | None], Callable[..., Any]] = {
    ("accounts", "list"): _accounts_list,
    ("accounts", "connect"): _accounts_connect,
    ("accounts", "disconnect"): _accounts_disconnect,
    ("accounts", "validate"): _accounts_validate,
    ("vault", "status"): _vault_status,
    ("vault", "rotate-key"): _vault_rotate,
    ("vault", "init"): _vault_init,
    ("sandbox", "serve"): _sandbox_serve,
}

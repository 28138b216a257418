"""CLI commands for accounts (list, connect, refresh, disconnect) and diagnostics export.

Accounts are named as on the platform: ``PROVIDER ID`` where ID is the platform's
account id, the local id shown by ``accounts list``, or ``@username``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from huntaze_desktop.cli.args import env_passphrase
from huntaze_desktop.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    with_runtime,
)
from huntaze_desktop.domain.errors import AccountNotFoundError, HuntazeError
from huntaze_desktop.domain.models import Account

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.providers.base import ProviderSpec
    from huntaze_desktop.runtime import Runtime

__all__ = [
    "account_json",
    "accounts_connect",
    "accounts_disconnect",
    "accounts_list",
    "accounts_reconnect",
    "accounts_refresh",
    "diagnostics_export",
    "find_account",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _short_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def account_json(a: Account) -> dict[str, Any]:
    """What ``accounts list --json`` prints per account (no secrets)."""
    return {
        "id": a.id,
        "provider": a.provider,
        "provider_account_id": a.provider_account_id,
        "username": a.username,
        "display_name": a.display_name,
        "status": a.status.value,
        "status_reason": a.status_reason,
        "last_error": a.last_error,
        "expires_at": _iso(a.expires_at),
        "connected_at": _iso(a.created_at),
        "last_success_at": _iso(a.last_success_at),
        "retry_at": _iso(a.retry_at),
    }


def _print_table(accounts: list[Account]) -> None:
    header = (
        f"{'ID':>4}  {'PLATFORM':<10} {'ACCOUNT ID':<22} {'NAME':<22} {'STATUS':<16} "
        f"{'REASON':<18} {'EXPIRES':<16} CONNECTED"
    )
    print(header)
    for a in accounts:
        name = a.display_name or a.name
        print(
            f"{a.id:>4}  {a.provider:<10} {a.provider_account_id[:22]:<22} {name[:22]:<22} "
            f"{a.status.label:<16} {(a.status_reason or '-')[:18]:<18} "
            f"{_short_time(a.expires_at):<16} {_short_time(a.created_at)}"
        )


async def accounts_list(args: argparse.Namespace, paths: DataPaths) -> int:
    async def body(rt: Runtime) -> int:
        accounts = await rt.accounts.list_accounts()
        if args.json:
            print(json.dumps([account_json(a) for a in accounts], indent=2))
        elif not accounts:
            print(
                "No accounts connected. Connect one with: huntaze-desktop accounts connect PLATFORM"
            )
        else:
            _print_table(accounts)
        return EXIT_OK

    return await with_runtime(args, paths, body)


async def accounts_connect(args: argparse.Namespace, paths: DataPaths) -> int:
    async def body(rt: Runtime) -> int:
        spec = rt.spec(args.provider)
        account = await _sign_in(rt, spec, args, reconnect=None)
        # With --browser print, stdout carries only the URL: the result goes to stderr.
        out = sys.stderr if args.browser == "print" else sys.stdout
        print(f"{spec.display_name} connected as {account.name} (account {account.id}).", file=out)
        return EXIT_OK

    return await with_runtime(args, paths, body)


async def accounts_reconnect(args: argparse.Namespace, paths: DataPaths) -> int:
    """Sign in again to one account; another account coming back is refused (exit 1)."""

    async def body(rt: Runtime) -> int:
        spec = rt.spec(args.provider)
        found = find_account(await rt.accounts.list_accounts(), spec.name, args.account)
        if len(found) != 1:
            raise AccountNotFoundError(f"No {spec.display_name} account matches '{args.account}'.")
        account = await _sign_in(rt, spec, args, reconnect=found[0].id)
        out = sys.stderr if args.browser == "print" else sys.stdout
        print(f"{account.name} is connected to {spec.display_name} again.", file=out)
        return EXIT_OK

    return await with_runtime(args, paths, body)


async def _sign_in(
    rt: Runtime, spec: ProviderSpec, args: argparse.Namespace, *, reconnect: int | None
) -> Account:
    """The platform's sign-in: a session file, or OAuth in the browser."""
    if spec.auth_kind == "session":
        if args.session_file is None:
            raise UsageError(
                f"{spec.display_name} uses a browser session: sign in in the app, or pass "
                "--session-file FILE (JSON with cookies, x_bc and user_agent)."
            )
        from huntaze_desktop.providers.onlyfans.session import CapturedSession

        captured = CapturedSession.from_file(args.session_file)
        return await rt.accounts.connect_session(spec.name, captured, reconnect=reconnect)
    if args.session_file is not None:
        raise UsageError(
            f"--session-file is only for session-based platforms, not {spec.display_name}."
        )
    return await rt.accounts.sign_in_with_browser(
        spec.name, _url_opener(args.browser), reconnect=reconnect
    )


def _url_opener(browser: str) -> Callable[[str], None]:
    if browser == "print":

        def emit(url: str) -> None:
            # One line on stdout, so a script can act as the browser.
            print(url, flush=True)

        return emit

    def open_system(url: str) -> None:
        # The user's browser, with the user's environment (not the bundle's).
        from huntaze_desktop.outside import open_url

        print("Opening your browser to sign in… (waiting for you to finish)", file=sys.stderr)
        if not open_url(url):
            print(f"Open this address in your browser:\n{url}", file=sys.stderr)

    return open_system


def find_account(accounts: list[Account], provider: str | None, ref: str | None) -> list[Account]:
    """The accounts a ``[PROVIDER [ID]]`` selection names (raises when ID matches none).

    ID is tried as the platform's account id, then the local id, then a username
    (``@name`` only as a username); ``PROVIDER:NAME`` in one word also works.
    """
    if provider and ref is None and ":" in provider:
        provider, _, ref = provider.partition(":")
    if provider is None:
        return list(accounts)
    mine = [a for a in accounts if a.provider == provider]
    if ref is None:
        return mine
    name = ref.removeprefix("@").lower()
    tests: list[Callable[[Account], bool]] = [
        lambda a: (a.username or "").lower() == name or (a.display_name or "").lower() == name,
    ]
    if not ref.startswith("@"):
        tests = [
            lambda a: a.provider_account_id == ref,
            lambda a: str(a.id) == ref,
            *tests,
        ]
    for test in tests:
        found = [a for a in mine if test(a)]
        if found:
            return found[:1]
    raise AccountNotFoundError(f"No connected {provider} account matches '{ref}'.")


async def accounts_refresh(args: argparse.Namespace, paths: DataPaths) -> int:
    provider = getattr(args, "provider", None)
    ref = getattr(args, "account", None)

    async def body(rt: Runtime) -> int:
        if provider is not None and ":" not in provider:
            rt.spec(provider)  # an unknown platform is an error, not "nothing to do"
        selected = find_account(await rt.accounts.list_accounts(), provider, ref)
        results: list[Account] = []
        for account in selected:
            # A failure is recorded as the account's status, printed below.
            with contextlib.suppress(HuntazeError):
                await rt.accounts.validate(account.id)
            results.append(await rt.accounts.get(account.id))
        if args.json:
            print(json.dumps([account_json(a) for a in results], indent=2))
        elif not results:
            print("No accounts to refresh.")
        for a in results if not args.json else ():
            line = f"{a.provider:<10} {a.name:<24} {a.status.label}"
            print(line + (f" — {a.last_error}" if a.last_error else ""))
        return EXIT_FAILED if any(a.status.needs_user_action for a in results) else EXIT_OK

    return await with_runtime(args, paths, body)


async def accounts_disconnect(args: argparse.Namespace, paths: DataPaths) -> int:
    target: list[str] = args.target
    if len(target) > 2:
        raise UsageError("disconnect takes PROVIDER ID (or one local id).")

    async def body(rt: Runtime) -> int:
        accounts = await rt.accounts.list_accounts()
        if len(target) == 2:
            rt.spec(target[0])
            found = find_account(accounts, target[0], target[1])
        elif ":" in target[0]:
            found = find_account(accounts, target[0], None)
        else:
            found = [a for a in accounts if str(a.id) == target[0]]
        if len(found) != 1:
            raise AccountNotFoundError(f"No connected account matches '{' '.join(target)}'.")
        account = found[0]
        result = await rt.accounts.disconnect(account.id, delete_history=args.delete_history)
        print(result.message)
        return EXIT_OK

    return await with_runtime(args, paths, body)


async def diagnostics_export(args: argparse.Namespace, paths: DataPaths) -> int:
    async def body(rt: Runtime) -> int:
        import asyncio

        from huntaze_desktop.storage.vault_setup import vault_report

        report = await asyncio.to_thread(vault_report, rt.paths)
        extra = {
            "sandbox": rt.sandbox_mode,
            "data_dir": str(rt.paths.root),
            # Ids and names only: nothing here opens a value.
            "vault": report.fields(),
            "platforms": [s.name for s in rt.specs],
        }
        path = await rt.accounts.export_diagnostics(
            args.file, known_secrets=_client_secrets(rt), extra=extra
        )
        print(f"Diagnostics written to {path}. They contain no passwords or tokens.")
        return EXIT_OK

    return await with_runtime(args, paths, body)


def _client_secrets(rt: Runtime) -> list[str]:
    """Developer client secrets and the vault passphrase: never in a report either."""
    found = [env_passphrase() or ""]
    for provider in rt.credentials.providers():
        stored = rt.credentials.get(provider)
        if stored is not None and stored.client_secret:
            found.append(stored.client_secret)
    if rt.sandbox_mode:
        from huntaze_desktop.sandbox.endpoints import sandbox_credentials

        found += [secret for _, secret in sandbox_credentials().values() if secret]
    return [s for s in found if s]

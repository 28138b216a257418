"""What every CLI command shares: exit codes, usage errors, the passphrase, the services.

``main`` (the parser and the vault and sandbox commands) and ``accounts`` (account and
diagnostics commands) both import this module; neither imports the other at load time.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from huntaze_desktop.cli.args import PASSPHRASE_ENV, env_passphrase

log = logging.getLogger("huntaze.cli")

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.runtime import Runtime

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PASSPHRASE_ENV",
    "UsageError",
    "ask_passphrase",
    "with_runtime",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Arguments argparse accepted but that do not fit together (exit code 2)."""


def ask_passphrase(prompt: str = "Vault passphrase: ") -> str | None:
    """A passphrase from the environment, or asked for on a terminal."""
    if value := env_passphrase():
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


async def with_runtime(
    args: argparse.Namespace, paths: DataPaths, body: Callable[[Runtime], Awaitable[int]]
) -> int:
    """Start the services for ``paths`` (asking for the passphrase on a terminal), run ``body``."""
    import asyncio

    from huntaze_desktop.domain.errors import (
        KeyringUnavailableError,
        VaultLockedError,
        WrongPassphraseError,
    )
    from huntaze_desktop.runtime import Runtime, RuntimeOptions

    passphrase = env_passphrase()
    while True:
        try:
            runtime = await Runtime.create(
                RuntimeOptions(data_dir=paths.root, sandbox=args.sandbox, passphrase=passphrase)
            )
            break
        except (VaultLockedError, WrongPassphraseError) as exc:
            # Ask on a terminal; a script gives the passphrase in the environment.
            if isinstance(exc, KeyringUnavailableError) or not sys.stdin.isatty():
                raise
            if isinstance(exc, WrongPassphraseError):
                print(exc.user_message, file=sys.stderr)
            passphrase = await asyncio.to_thread(getpass.getpass, "Vault passphrase: ")
    try:
        await _finish_revocations(runtime)
        return await body(runtime)
    finally:
        await runtime.aclose()


# How long a command waits, before its own work, for revocations left pending by an
# earlier disconnect; what is not done by then stays pending for the next start.
_REVOCATIONS_GRACE_S = 3.0


async def _finish_revocations(runtime: Runtime) -> None:
    """Every start of the services retries due revocations (the GUI on its refresh loop)."""
    import asyncio

    from huntaze_desktop.domain.errors import HuntazeError

    try:
        await asyncio.wait_for(
            runtime.accounts.retry_pending_revocations(), timeout=_REVOCATIONS_GRACE_S
        )
    except (TimeoutError, HuntazeError) as exc:
        log.info("pending revocations left for later: %s", type(exc).__name__)

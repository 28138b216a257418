"""Entry point: ``huntaze-desktop`` and ``python -m huntaze_desktop``.

Without a command the desktop app starts; with one, the CLI runs it headless
on the same services.
"""

from __future__ import annotations

import sys

from huntaze_desktop.cli.args import parse_app_args, take_env_passphrase

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    take_env_passphrase()  # before anything can start another program
    # Starting the app needs only its own options: the full command-line parser
    # (and the CLI module) is for commands, help and the version.
    args = parse_app_args(argv)
    if args is None:
        from huntaze_desktop.cli.main import parse_cli_args, run_cli

        args = parse_cli_args(argv)
        if args.command not in (None, "gui"):
            return run_cli(args)
    # Qt is imported only on this path: CLI commands never pay for it.
    from huntaze_desktop.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())

"""Entry point: ``huntaze-desktop`` and ``python -m huntaze_desktop``.

Without a command the desktop app starts; with one, the CLI runs it headless
on the same services.
"""

from __future__ import annotations

import sys

from huntaze_desktop.cli import build_parser, run_cli

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "gui"):
        # Qt is imported only on this path: CLI commands never pay for it.
        from huntaze_desktop.app import run_gui

        return run_gui(args)
    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())

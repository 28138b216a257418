"""A sandbox with many demo accounts in its own process (benchmarks only).

Run as ``python sandbox_proc.py N_PER_PLATFORM``; prints the base URL and, on the
next line, the admin token (``/_admin/`` needs it), then serves until stdin
closes. Its own process keeps the server's work off the GIL of the process being
measured.
"""

from __future__ import annotations

import sys
from datetime import date

from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.state import SandboxState
from huntaze_desktop.sandbox.users import DemoUser

PLATFORMS = ("instagram", "tiktok", "reddit", "onlyfans")


def users(per_platform: int) -> tuple[DemoUser, ...]:
    out = []
    for provider in PLATFORMS:
        for i in range(per_platform):
            uid = {
                "instagram": f"178414{i:011d}",
                "tiktok": f"-000bench{i:013d}",
                "reddit": f"b{i:05x}",
                "onlyfans": str(300000 + i),
            }[provider]
            out.append(
                DemoUser(
                    provider,
                    f"bench{i}",
                    "bench-pass",
                    uid,
                    f"Bench {i}",
                    1000 + 37 * i,
                    date(2021, 1, 1 + i % 28),
                )
            )
    return tuple(out)


if __name__ == "__main__":
    state = SandboxState(users(int(sys.argv[1])))
    # Reddit's 100 requests/minute is per app; 50 accounts refreshed three times in
    # a minute would meet it. The figures here are about concurrency, not that budget.
    state.flags.reddit_requests_per_minute = 1_000_000
    server = SandboxServer(state=state).start()
    print(server.base_url, flush=True)
    print(state.admin_token, flush=True)
    sys.stdin.read()
    server.stop()

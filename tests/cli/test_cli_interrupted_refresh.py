"""A CLI killed (SIGKILL) while it renews a token leaves the status from before (#15 item 7).

The real CLI in a subprocess: the API refuses its token once, so it renews the
token, and the sandbox holds that renewal at the token endpoint. Killed there,
the next ``accounts list`` shows what the account was before, never
"refreshing". A row an older version left "refreshing" is corrected at the next
start.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time

from support.cli_runner import TIMEOUT, Cli

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.sandbox.faults import Fault, FaultKind

TOKEN_REQUESTS = "requests.reddit./api/v1/access_token"


def _count(cli: Cli, key: str) -> int:
    assert cli.sandbox is not None
    with cli.sandbox.state.lock:
        return int(cli.sandbox.state.counters.get(key, 0))


def test_a_renewal_killed_midway_leaves_the_previous_status(cli: Cli) -> None:
    assert cli.sandbox is not None
    faults = cli.sandbox.state.faults
    assert "connected as" in cli.connect("reddit")
    # The status before the renewal: rate limited (not the default "connected").
    faults.add(Fault("reddit", FaultKind.RATE_LIMIT, "/api/v1/me", times=1, retry_after_s=1))
    cli.run("accounts", "refresh")
    (before,) = cli.accounts()
    assert before["status"] == "rate_limited"

    faults.add(Fault("reddit", FaultKind.EXPIRED_SESSION, "/api/v1/me", times=1))
    faults.add(Fault("reddit", FaultKind.TIMEOUT, "/api/v1/access_token", times=1, hang_s=50))
    renewals = _count(cli, TOKEN_REQUESTS)
    proc = subprocess.Popen(
        cli.argv("accounts", "refresh"),
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while _count(cli, TOKEN_REQUESTS) == renewals:  # not yet at the token endpoint
            assert proc.poll() is None, "the CLI ended before it renewed the token"
            assert time.monotonic() < deadline, "the CLI never asked for a new token"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # mid-renewal
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL

    (after,) = cli.accounts()
    assert after["status"] == "rate_limited"
    assert {k: after[k] for k in ("status_reason", "last_error", "retry_at")} == {
        k: before[k] for k in ("status_reason", "last_error", "retry_at")
    }
    # And the account works on: the next refresh renews the token and connects.
    faults.clear()
    cli.run("accounts", "refresh")
    (fine,) = cli.accounts()
    assert fine["status"] == "connected"


def test_a_row_an_older_version_left_refreshing_is_corrected_at_the_next_start(
    cli: Cli,
) -> None:
    assert "connected as" in cli.connect("reddit")
    # What an older version wrote before a renewal a crash then cut short.
    database = sqlite3.connect(DataPaths(cli.data_dir).database)
    try:
        with database:
            database.execute("UPDATE oauth_accounts SET status = 'refreshing'")
    finally:
        database.close()
    (account,) = cli.accounts()  # the next start settles it: the token has not expired
    assert account["status"] == "connected"
    report = cli.data_dir.parent / "diagnostics.json"
    cli.run("diagnostics", "export", str(report))
    assert "refresh_interrupted" in report.read_text(encoding="utf-8")  # and why, for support

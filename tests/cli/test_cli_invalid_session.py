"""`accounts connect onlyfans --session-file`: a cookie no browser sends is an invalid
session, refused before any request (not "could not reach the platform")."""

from __future__ import annotations

import json

import pytest
from support.cli_runner import Cli


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("\r\nX-Injected: yes", "the cookie 'sess' holds characters no browser sends"),
        ("x" * (50 * 1024 * 1024), "is larger than any sign-in (over 1 MB)"),
        ("x" * (20 * 1024), "its cookies are larger than any sign-in (over 16 kB)"),
    ],
    ids=["crlf", "50MB", "20kB"],
)
def test_a_cookie_no_browser_sends_is_an_invalid_session(cli: Cli, bad: str, expected: str) -> None:
    assert cli.sandbox is not None
    path = cli.session_file("sunnycreates@example.com", "sunny-pass")
    data = json.loads(path.read_text(encoding="utf-8"))
    sess = data["cookies"]["sess"]
    data["cookies"]["sess"] = sess[:4] + bad + sess[4:]
    path.write_text(json.dumps(data), encoding="utf-8")
    requests = cli.sandbox.state.counters["requests.onlyfans"]

    done = cli.run("accounts", "connect", "onlyfans", "--session-file", str(path), rc=1)
    assert done.stderr.startswith("Error: That OnlyFans session is not valid: "), done.stderr
    assert expected in done.stderr and "Please sign in again." in done.stderr
    assert "reach" not in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert sess not in done.stderr and "X-Injected" not in done.stderr
    assert cli.sandbox.state.counters["requests.onlyfans"] == requests
    assert cli.accounts() == []

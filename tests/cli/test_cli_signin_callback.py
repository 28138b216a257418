"""A forged request to the CLI's loopback listener cannot end a sign-in (the real CLI).

Any local process can reach the listener's port. It must answer a callback whose
``state`` is not the attempt's with an error page and keep waiting, so that the
browser's real callback still connects the account.
"""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from support.cli_runner import LOGINS, TIMEOUT, Cli, act_as_browser


def test_forged_callbacks_are_refused_and_the_real_one_connects(cli: Cli) -> None:
    proc = subprocess.Popen(
        cli.argv("accounts", "connect", "tiktok", "--browser", "print"),
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        query = parse_qs(urlsplit(url).query)
        redirect_uri, state = query["redirect_uri"][0], query["state"][0]
        with httpx.Client(timeout=10, trust_env=False) as http:
            forged = [
                {"code": "attacker-code", "state": "not-the-state"},
                {"code": "attacker-code"},
                {"code": "attacker-code", "state": state[:-1]},
                {"error": "access_denied", "state": "not-the-state"},
            ]
            for params in forged:
                page = http.get(f"{redirect_uri}?{urlencode(params)}")
                assert page.status_code == 400
                assert "not from your sign-in" in page.text
                assert proc.poll() is None  # still waiting for the real callback
            callback = act_as_browser(url, LOGINS["tiktok"])
            assert parse_qs(urlsplit(callback).query)["state"] == [state]
            assert http.get(callback).status_code == 200
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out == ""
    (account,) = cli.accounts()
    assert (account["provider"], account["status"]) == ("tiktok", "connected")

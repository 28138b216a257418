"""Running the real CLI as a subprocess, with the test acting as the person's browser.

Imported by ``tests/cli`` (its fixtures are in ``tests/cli/conftest.py``): a
module of its own, because ``from conftest import`` finds whichever conftest
the run loaded first.

Each ``Cli`` has its own data directory in passphrase mode (a subprocess cannot
see the in-memory keyring of the tests) and points ``HUNTAZE_SANDBOX_PORT`` at a
free port. With ``shared=True`` the test starts a sandbox there itself, keeping
the same state file as the data directory, so every CLI run reuses it and the
test can look into its state; otherwise each CLI run starts its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sandbox"))

from consent_form import consent

from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in
from huntaze_desktop.sandbox.persistence import STATE_FILE_NAME
from huntaze_desktop.sandbox.server import SandboxServer

PASSPHRASE = "correct horse battery staple"
LOGINS = {
    "instagram": ("sunny.creates", "sunny-pass"),
    "tiktok": ("sunny.creates", "sunny-pass"),
    "reddit": ("sunny_creates", "sunny-pass"),
}
UA = "Mozilla/5.0 (X11; Linux x86_64) HuntazeCliTest/1.0"
TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cli:
    """One data directory and the environment every CLI run of a test shares."""

    data_dir: Path
    port: int
    sandbox: SandboxServer | None = None
    env: dict[str, str] = field(default_factory=dict)

    def argv(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "huntaze_desktop",
            "--sandbox",
            "--data-dir",
            str(self.data_dir),
            *args,
        ]

    def run(self, *args: str, rc: int | None = 0) -> subprocess.CompletedProcess[str]:
        """Run one command; check its exit code unless ``rc`` is None."""
        done = subprocess.run(
            self.argv(*args), env=self.env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if rc is not None:
            assert done.returncode == rc, (args, done.returncode, done.stdout, done.stderr)
        return done

    def accounts(self) -> list[dict[str, Any]]:
        return list(json.loads(self.run("accounts", "list", "--json").stdout))

    def connect(self, provider: str, login: tuple[str, str] | None = None) -> str:
        """``accounts connect PROVIDER --browser print``, doing what the person does."""
        return self.sign_in(["accounts", "connect", provider], login or LOGINS[provider])

    def sign_in(self, command: list[str], login: tuple[str, str], rc: int = 0) -> str:
        """``COMMAND --browser print``, signing in as ``login``; returns stderr.

        The command must exit with ``rc``; on success stdout carried the URL only.
        """
        proc = subprocess.Popen(
            self.argv(*command, "--browser", "print"),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), (url, proc.stderr and proc.stderr.read())
            callback = act_as_browser(url, login)
            with httpx.Client(timeout=10, trust_env=False) as http:
                page = http.get(callback)
            assert page.status_code == 200, page.text
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == rc, (out, err)
        assert out == ""  # stdout carried the URL only
        return err

    def session_file(self, email: str, password: str, base_url: str | None = None) -> Path:
        """An OnlyFans session file, signed in through the sandbox's own form."""
        root = base_url or (self.sandbox.base_url if self.sandbox else "")
        site = f"{root}/onlyfans/site"
        session = asyncio.run(scripted_sign_in(site, email, password, UA))
        path = self.data_dir.parent / f"session-{email.split('@')[0]}.json"
        path.write_text(json.dumps(session), encoding="utf-8")
        return path


def act_as_browser(authorize_url: str, login: tuple[str, str]) -> str:
    """Open the sign-in page, submit the form; returns the redirect to the CLI's listener."""
    parts = urlsplit(authorize_url)
    page_url = urlunsplit(parts._replace(query=""))
    with httpx.Client(timeout=10, trust_env=False) as http:
        result = consent(http, page_url, dict(parse_qsl(parts.query)), *login)
    assert result.answer.status_code in (302, 303), result.answer.text[:300]
    return urljoin(page_url, result.location)


def make_cli(tmp_path: Path, shared: bool) -> Iterator[Cli]:
    data_dir = tmp_path / "data"
    port = free_port()
    env = dict(os.environ)
    env.update(
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        HUNTAZE_SANDBOX_PORT=str(port),
        NO_PROXY="127.0.0.1,localhost",
        QT_QPA_PLATFORM="offscreen",
    )
    server = None
    if shared:
        data_dir.mkdir(parents=True)
        server = SandboxServer(port=port, state_file=data_dir / STATE_FILE_NAME).start()
    cli = Cli(data_dir, port, server, env)
    try:
        cli.run("vault", "init", "--passphrase")
        yield cli
    finally:
        if server is not None:
            server.stop()

"""One sandbox per data directory, shared by every ``--sandbox`` process.

The GUI and the CLI each used to start a private sandbox on a random port, so an
account connected by one process had tokens the other's sandbox never issued.
Now a ``--sandbox`` process asks the fixed port (8787, or ``HUNTAZE_SANDBOX_PORT``)
who is there (``GET /_admin/whoami``, with this data directory's admin token from
``sandbox-admin.token``):

- a Huntaze sandbox that knows the token and keeps the same state file → reuse it
  (``RemoteSandbox``);
- nothing → start one there, persisting to ``<data_dir>/sandbox-state.json``;
- anything else (another program, or the sandbox of another data directory) →
  start one on a free port, still persisting to this data directory's file.

``HUNTAZE_SANDBOX_PORT=0`` always starts a private sandbox on a free port.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from huntaze_desktop.domain.errors import ConfigurationError
from huntaze_desktop.sandbox.endpoints import (
    STATE_FILE_NAME,
    admin_headers,
    base_urls,
    read_admin_token,
)

if TYPE_CHECKING:
    from huntaze_desktop.sandbox.server import SandboxServer

__all__ = [
    "DEFAULT_PORT",
    "PORT_ENV",
    "RemoteSandbox",
    "probe",
    "sandbox_port",
    "start_or_reuse",
    "state_file_for",
]

log = logging.getLogger(__name__)

DEFAULT_PORT = 8787
PORT_ENV = "HUNTAZE_SANDBOX_PORT"
_HOST = "127.0.0.1"
_BIND_ATTEMPTS = 4


class RemoteSandbox:
    """A sandbox another process runs: this one only talks to it (never stops it)."""

    state: Any = None  # the state lives in the other process

    def __init__(self, base_url: str, state_file: Path | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.state_file = state_file

    def base_urls(self) -> dict[str, dict[str, str]]:
        return base_urls(self.base_url)

    def admin_headers(self) -> dict[str, str]:
        """The admin token the other process wrote beside its state file."""
        token = read_admin_token(self.state_file.parent) if self.state_file else None
        return admin_headers(token)

    def stop(self) -> None:
        """Nothing to stop: the owning process stops it."""


def state_file_for(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE_NAME


def sandbox_port() -> int:
    """The port from ``HUNTAZE_SANDBOX_PORT``, else 8787."""
    raw = os.environ.get(PORT_ENV, "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65_535:
        raise ConfigurationError(f"{PORT_ENV} must be a port number (0 picks a free one).")
    return port


def probe(
    base_url: str, token: str | None = None, timeout: float = 1.0
) -> tuple[bool, dict[str, Any] | None]:
    """(anything answered, the sandbox's whoami if it is a Huntaze sandbox we hold the token of)."""
    try:
        # trust_env=False: a proxy from the environment must not answer for loopback.
        with httpx.Client(timeout=timeout, trust_env=False) as http:
            response = http.get(f"{base_url}/_admin/whoami", headers=admin_headers(token))
    except httpx.HTTPError:
        return False, None
    try:
        info = response.json()
    except ValueError:
        return True, None
    if response.status_code == 200 and isinstance(info, dict) and info.get("huntaze_sandbox"):
        return True, info
    return True, None


def _same_file(reported: Any, ours: Path) -> bool:
    if not isinstance(reported, str) or not reported:
        return False
    try:
        return Path(reported).resolve() == ours.resolve()
    except OSError:
        return False


def _start(port: int, state_file: Path) -> SandboxServer:
    # Only a process that runs the sandbox imports its server (uvicorn, Starlette,
    # click...: ~5 MB); reusing one already running needs none of it.
    from huntaze_desktop.sandbox.server import SandboxServer

    return SandboxServer(port=port, host=_HOST, state_file=state_file).start()


def start_or_reuse(
    data_dir: Path, port: int | None = None
) -> tuple[SandboxServer | RemoteSandbox, bool]:
    """The sandbox for ``data_dir`` and whether this process owns it (blocks: use a thread)."""
    state_file = state_file_for(data_dir)
    port = sandbox_port() if port is None else port
    if port == 0:
        return _start(0, state_file), True
    url = f"http://{_HOST}:{port}"
    for attempt in range(_BIND_ATTEMPTS):
        # Only a sandbox that knows this data directory's admin token is reused.
        answered, info = probe(url, read_admin_token(data_dir))
        if info is not None:
            if _same_file(info.get("state_file"), state_file):
                log.info("Reusing the sandbox already running at %s", url)
                return RemoteSandbox(url, state_file), False
            log.info("The sandbox at %s keeps another data directory; using a free port", url)
            return _start(0, state_file), True
        if answered:
            break  # something else holds the port
        try:
            return _start(port, state_file), True
        except (OSError, RuntimeError):
            # Taken between the probe and the bind: maybe a sandbox starting right now.
            time.sleep(0.1 * (attempt + 1))
    log.warning("Port %d is in use by another program; the sandbox uses a free port", port)
    return _start(0, state_file), True

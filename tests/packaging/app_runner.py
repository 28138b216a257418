"""Run the app (from source or frozen) the way CI does, and read its JSON log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSPHRASE = "packaging smoke passphrase"
REPO = Path(__file__).resolve().parents[2]
SOURCE_COMMAND = [sys.executable, "-m", "huntaze_desktop"]


def app_env(*, frozen: bool) -> dict[str, str]:
    """Headless, root-safe Chromium, passphrase vault; a frozen run sees no Python setup."""
    env = dict(os.environ)
    if frozen:
        # The bundle must stand alone: nothing may lead it back to .venv or the checkout.
        for name in list(env):
            if name.startswith("PYTHON") or name in ("VIRTUAL_ENV", "QT_PLUGIN_PATH"):
                del env[name]
    env.update(
        QT_QPA_PLATFORM="offscreen",
        # CI runs as root: Chromium refuses to start with its sandbox on.
        QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu --disable-dev-shm-usage",
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        # A private sandbox on a free port: never another run's (or a developer's) on 8787.
        HUNTAZE_SANDBOX_PORT="0",
    )
    return env


@dataclass
class Run:
    """How one app process ended, with its JSON log records."""

    code: int
    records: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("event") == name]


def vault_init(command: list[str], data_dir: Path, *, frozen: bool) -> None:
    done = subprocess.run(
        [*command, "vault", "init", "--passphrase", "--sandbox", "--data-dir", str(data_dir)],
        env=app_env(frozen=frozen),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def smoke_test(command: list[str], data_dir: Path, *, frozen: bool) -> Run:
    """Start the GUI with ``--smoke-test``; it must quit by itself."""
    done = subprocess.run(
        [
            *command,
            "--sandbox",
            "--data-dir",
            str(data_dir),
            "--no-err-windows",
            "--json-logging",
            "--smoke-test",
        ],
        env=app_env(frozen=frozen),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
        cwd=data_dir,  # not the checkout: nothing may be found by accident
    )
    records = []
    for line in done.stderr.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # Chromium and Qt write plain lines too
        if isinstance(record, dict):
            records.append(record)
    return Run(done.returncode, records, done.stderr)

"""Packaging tests: the frozen app is built once per run (or reused when up to date)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from app_runner import REPO


@pytest.fixture(scope="session")
def frozen_build() -> Path:
    """``scripts/build``: reuses dist/ when its stamp matches the sources, else rebuilds."""
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build")],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1500,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    print(f"scripts/build took {time.monotonic() - started:.0f} s")
    return REPO / "dist"

"""The frozen (PyInstaller) app: builds, answers --version, runs the smoke test.

Marked slow: the first run builds dist/ (about a minute on 2 cores); later runs
reuse it while dist/.huntaze-desktop.stamp matches the sources.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tarfile
from contextlib import closing
from pathlib import Path

import pytest
from app_runner import app_env, smoke_test, vault_init

from huntaze_desktop import __version__
from huntaze_desktop.storage.db import SCHEMA_HEAD

# The first test builds dist/ in its set-up: allow for a cold build on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.webengine, pytest.mark.timeout(1200)]


def test_frozen_binary_answers_version(frozen_build: Path) -> None:
    binary = frozen_build / "huntaze-desktop" / "huntaze-desktop"
    done = subprocess.run(
        [str(binary), "--version"],
        env=app_env(frozen=True),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"huntaze-desktop {__version__}"


def test_frozen_app_opens_the_embedded_sign_in_and_quits_with_0(
    frozen_build: Path, tmp_path: Path
) -> None:
    app_dir = (frozen_build / "huntaze-desktop").resolve()
    command = [str(app_dir / "huntaze-desktop")]
    vault_init(command, tmp_path, frozen=True)
    run = smoke_test(command, tmp_path, frozen=True)
    assert run.code == 0, run.stderr[-4000:]
    (loaded,) = run.events("smoke.signin_loaded")
    assert loaded["frozen"] is True
    assert loaded["page_title"]
    # Chromium's helper came from the bundle, not from .venv on this machine.
    helpers = [Path(p) for p in loaded["helper_processes"]]
    assert any(p.name == "QtWebEngineProcess" for p in helpers), helpers
    assert all(p.is_relative_to(app_dir) for p in helpers), helpers
    # Alembic ran the bundle's migration scripts (data files, read from disk).
    with closing(sqlite3.connect(tmp_path / "huntaze.sqlite3")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(SCHEMA_HEAD,)]
    assert run.events("app.ready") and run.events("app.quit")


def test_linux_archive_has_the_app_the_desktop_file_and_the_icon(frozen_build: Path) -> None:
    archive = frozen_build / f"huntaze-desktop-{__version__}-linux-x86_64.tar.gz"
    top = f"huntaze-desktop-{__version__}"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        binary = members[f"{top}/huntaze-desktop/huntaze-desktop"]
        assert binary.isfile() and binary.mode & 0o111
        assert f"{top}/huntaze-desktop/_internal/PySide6/Qt/libexec/QtWebEngineProcess" in members
        icon = tar.extractfile(f"{top}/huntaze-desktop.png")
        assert icon is not None and icon.read(8) == b"\x89PNG\r\n\x1a\n"
        desktop_file = tar.extractfile(f"{top}/huntaze-desktop.desktop")
        assert desktop_file is not None
        entry = desktop_file.read().decode()
    lines = set(entry.splitlines())
    assert "[Desktop Entry]" in lines
    assert "Exec=huntaze-desktop %U" in lines and "Icon=huntaze-desktop" in lines
    assert "@" not in entry  # every placeholder was filled in

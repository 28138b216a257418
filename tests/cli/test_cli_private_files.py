"""Files only the user can read: the data directory is 0700, everything in it 0600.

Through the real CLI, on a data directory that already existed with wider modes,
and for the diagnostics report wherever it is written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from support.cli_runner import Cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _loose(root: Path) -> list[str]:
    """Everything below ``root`` (itself included) that group or others can reach."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found.append(f"{path.relative_to(root.parent)} {oct(stat.S_IMODE(mode))}")
    return found


def test_a_wide_open_existing_data_directory_is_made_private(cli: Cli) -> None:
    # `vault init` (the fixture) made the directory; widen it as another tool might,
    # with a file and a folder of the user's own beside the app's.
    root = cli.data_dir
    (root / "notes.txt").write_text("mine", encoding="utf-8")
    (root / "scripts").mkdir()
    (root / "scripts" / "run.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755)
    cli.connect("tiktok")
    cli.run("accounts", "refresh")
    report = root / "report.json"
    cli.run("diagnostics", "export", str(report))
    assert (root / "huntaze.sqlite3").exists() and (root / "logs").is_dir()
    # Nothing of the app's is open to others, and the folder itself is closed...
    users = {root / "notes.txt", root / "scripts", root / "scripts" / "run.sh"}
    assert [p for p in _loose(root) if root.parent / p.split()[0] not in users] == []
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    # ...while the user's own files keep their permissions and content.
    for path in users:
        assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert (root / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_diagnostics_report_is_private_wherever_it_goes(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "shared-folder"
    outside.mkdir(mode=0o755)
    report = outside / "report.json"
    cli.run("diagnostics", "export", str(report))
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_the_report_needs_an_existing_folder_and_a_file_name(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "report.json"
    done = cli.run("diagnostics", "export", str(missing), rc=1)
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()  # nothing was created
    folder = tmp_path / "a-folder"
    folder.mkdir()
    done = cli.run("diagnostics", "export", str(folder), rc=1)
    assert "is a folder" in done.stderr and "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


def test_the_first_run_creates_everything_private(cli: Cli) -> None:
    # The fixture's first run was `vault init --passphrase`, which made the database
    # (the vault's identity lives in it): private from that first run on.
    assert _loose(cli.data_dir) == []
    cli.run("accounts", "list")  # creates the logs, the settings
    assert (cli.data_dir / "huntaze.sqlite3").exists()
    assert _loose(cli.data_dir) == []

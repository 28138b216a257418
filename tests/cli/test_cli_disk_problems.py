"""A full disk or a read-only data folder: one sentence, exit code 1, nothing lost.

Real file systems (support/filesystems.py): a small tmpfs filled to the last
byte, a read-only bind mount (``chmod 0500`` when not root).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from support.filesystems import fill, full_disk, read_only, snapshot
from support.seeding import seed_stored_accounts

PASSPHRASE = "correct horse battery staple"


def _run(
    data_dir: Path, *args: str, limit_file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTAZE_")}
    env.update(HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE, QT_QPA_PLATFORM="offscreen")

    def limit() -> None:
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        preexec_fn=limit if limit_file_size is not None else None,
    )


def _accounts(data_dir: Path) -> list[tuple[str, str, str]]:
    done = _run(data_dir, "accounts", "list", "--json")
    assert done.returncode == 0, done.stderr
    return sorted(
        (a["provider"], a["provider_account_id"], a["status"]) for a in json.loads(done.stdout)
    )


# Every command: each must refuse before it starts, `vault status` (which only reads) too.
COMMANDS = [
    ("accounts", "list"),
    ("accounts", "refresh"),
    ("accounts", "disconnect", "reddit", "seed-reddit-2"),
    ("accounts", "connect", "onlyfans", "--session-file", "{tmp}/session.json"),
    ("diagnostics", "export", "{tmp}/diagnostics.json"),
    ("vault", "status"),
    ("vault", "rotate-key"),
    ("vault", "init", "--passphrase"),
    ("sandbox", "serve", "--port", "1"),
]


def test_every_command_says_the_data_folder_is_read_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed_stored_accounts(data, 4, PASSPHRASE, prefix="seed")
    before_accounts = _accounts(data)
    (tmp_path / "session.json").write_text("{}", encoding="utf-8")
    before = snapshot(data)
    with read_only(data):
        for command in COMMANDS:
            args = [part.format(tmp=tmp_path) for part in command]
            done = _run(data, *args)
            assert done.returncode == 1, (command, done.stdout, done.stderr)
            assert done.stderr == (
                f"Error: The data folder {data} is read-only: Huntaze Desktop needs to write"
                " there. Make it writable, or choose another folder with --data-dir.\n"
            ), command
            assert done.stdout == ""
        gui = _run(data, "--no-err-windows")
        assert gui.returncode == 1, gui.stderr
        assert f"Huntaze Desktop cannot start: The data folder {data} is read-only" in gui.stderr
        assert "Traceback" not in gui.stderr
    assert not (tmp_path / "diagnostics.json").exists()
    assert snapshot(data) == before
    assert _accounts(data) == before_accounts


def _kept(files: dict[str, bytes]) -> dict[str, bytes]:
    """What must not change: all but the log and SQLite's -wal/-shm side files."""
    return {
        name: data
        for name, data in files.items()
        if not name.startswith("logs") and not name.endswith(("-wal", "-shm"))
    }


def test_a_full_disk_is_one_sentence_naming_the_folder_and_loses_nothing(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        seed_stored_accounts(data, 4, PASSPHRASE, prefix="seed")
        before_accounts = _accounts(data)
        before = snapshot(data)
        filler = fill(disk)
        message = f"Error: The disk holding {data} is full: free some space and try again.\n"
        for command in (
            ("accounts", "list"),
            ("accounts", "refresh"),
            ("accounts", "disconnect", "reddit", "seed-reddit-2"),
            ("vault", "rotate-key"),
        ):
            done = _run(data, *command)
            assert done.returncode == 1, (command, done.stdout, done.stderr)
            # One sentence: no traceback, and no "--- Logging error ---" from a log
            # handler that met the full disk.
            assert done.stderr == message, command
        gui = _run(data, "--no-err-windows")
        assert gui.returncode == 1, gui.stderr
        assert f"Huntaze Desktop cannot start: The disk holding {data} is full" in gui.stderr
        assert "Traceback" not in gui.stderr and "Logging error" not in gui.stderr
        assert "Traceback" not in (data / "logs" / "huntaze-desktop.log").read_text("utf-8")
        filler.unlink()
        assert _kept(snapshot(data)) == _kept(before)
        assert _accounts(data) == before_accounts


def test_a_file_size_limit_is_met_like_a_full_disk(tmp_path: Path) -> None:
    """EFBIG (RLIMIT_FSIZE: needs no root) mid-transaction is a full disk too."""
    data = tmp_path / "data"
    seed_stored_accounts(data, 200, PASSPHRASE, prefix="seed")
    before_accounts = _accounts(data)
    before = snapshot(data)
    # Room for SQLite's 32 KiB WAL index, not for the re-sealing of 400 secrets.
    done = _run(data, "vault", "rotate-key", limit_file_size=32 * 1024)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr == (
        f"Error: The disk holding {data} is full: free some space and try again.\n"
    )
    assert _kept(snapshot(data)) == _kept(before)
    assert _accounts(data) == before_accounts


def test_a_report_to_another_full_disk_names_that_file_not_the_data_folder(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    seed_stored_accounts(data, 2, PASSPHRASE, prefix="seed")
    with full_disk(tmp_path / "disk") as disk:
        fill(disk)
        report = disk / "report.json"
        done = _run(data, "diagnostics", "export", str(report))
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert done.stderr == (
            f"Error: The report could not be written to {report}: No space left on device.\n"
        )
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]

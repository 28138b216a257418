"""A --data-dir that cannot be a data folder gets a sentence and exit code 1, nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTAZE_")}
    return subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("command", [["accounts", "list"], ["vault", "status"]])
def test_a_file_as_the_data_folder(tmp_path: Path, command: list[str]) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    for target in (a_file, Path(os.devnull), a_file / "below-a-file"):
        done = _cli(*command, "--data-dir", str(target))
        assert done.returncode == 1, done
        assert "cannot be used" in done.stderr and "--data-dir" in done.stderr
        assert "Traceback" not in done.stderr
    assert a_file.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

"""fileio.tree_size: what the Settings page shows as the data folder's size."""

from __future__ import annotations

import os
from pathlib import Path

from huntaze_desktop.fileio import tree_size


def test_every_file_below_counts_once_and_links_as_themselves(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "logs" / "crashes").mkdir(parents=True)
    (root / "huntaze.sqlite3").write_bytes(b"d" * 4096)
    (root / "huntaze.sqlite3-wal").write_bytes(b"w" * 1000)
    (root / "logs" / "huntaze-desktop.log").write_bytes(b"l" * 300)
    (root / "logs" / "crashes" / "crash.txt").write_bytes(b"c" * 7)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "big").write_bytes(b"b" * 1_000_000)
    (root / "to-a-folder").symlink_to(elsewhere)
    (root / "to-a-file").symlink_to(elsewhere / "big")
    links = os.lstat(root / "to-a-folder").st_size + os.lstat(root / "to-a-file").st_size

    assert tree_size(root) == 4096 + 1000 + 300 + 7 + links
    assert tree_size(root / "huntaze.sqlite3") == 4096


def test_a_missing_folder_measures_nothing(tmp_path: Path) -> None:
    assert tree_size(tmp_path / "not-there") == 0
    (tmp_path / "empty").mkdir()
    assert tree_size(tmp_path / "empty") == 0

"""disk_problem: the sentence for a write the disk refused, from real errors."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from huntaze_desktop.domain.errors import (
    DiskFullError,
    ReadOnlyDataError,
    StorageError,
    disk_problem,
)
from huntaze_desktop.fileio import replace_atomically


def _full_sqlite(path: Path) -> sqlite3.Error:
    """SQLite's own SQLITE_FULL: a database that may not grow (max_page_count)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE t (x BLOB)")
        conn.execute("PRAGMA max_page_count = 3")
        with pytest.raises(sqlite3.OperationalError) as caught:
            conn.execute("INSERT INTO t VALUES (?)", (b"\0" * 100_000,))
        return caught.value
    finally:
        conn.close()


def test_sqlite_full_directly_wrapped_by_sqlalchemy_and_chained(tmp_path: Path) -> None:
    error = _full_sqlite(tmp_path / "a.sqlite3")
    assert "full" in str(error)
    problem = disk_problem(error, tmp_path)
    assert isinstance(problem, DiskFullError)
    assert problem.user_message == (
        f"The disk holding {tmp_path} is full: free some space and try again."
    )

    engine = create_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x BLOB)"))
        with pytest.raises(OperationalError) as caught, engine.begin() as conn:
            conn.execute(text("PRAGMA max_page_count = 3"))
            conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": b"\0" * 100_000})
    finally:
        engine.dispose()
    assert isinstance(disk_problem(caught.value, tmp_path), DiskFullError)

    # A storage error raised "from None" while handling it still has it as context.
    try:
        try:
            raise caught.value
        except OperationalError:
            raise StorageError("The local database could not be used.") from None
    except StorageError as wrapped:
        assert isinstance(disk_problem(wrapped, tmp_path), DiskFullError)


def test_os_errors(tmp_path: Path) -> None:
    for code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        assert isinstance(disk_problem(OSError(code, "x"), tmp_path), DiskFullError)
    read_only = disk_problem(OSError(errno.EROFS, "x"), tmp_path)
    assert isinstance(read_only, ReadOnlyDataError)
    assert str(tmp_path) in read_only.user_message
    assert disk_problem(OSError(errno.ECONNREFUSED, "x"), tmp_path) is None
    assert disk_problem(ValueError("x"), tmp_path) is None


def test_an_atomic_write_to_a_full_disk_leaves_the_old_file(tmp_path: Path) -> None:
    from support.filesystems import fill, full_disk

    with full_disk(tmp_path / "disk") as disk:
        target = disk / "vault.json"
        target.write_text("old", encoding="utf-8")
        filler = fill(disk)
        with pytest.raises(OSError) as caught, replace_atomically(target) as handle:
            handle.write("new" * 100_000)
        assert isinstance(disk_problem(caught.value, disk), DiskFullError)
        assert target.read_text(encoding="utf-8") == "old"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "vault.json"]
        filler.unlink()

"""Real file systems that refuse writes: a small full tmpfs, a read-only folder.

Mounting needs root (CI and the development machines run as root); where it is
not possible the tests that need it skip with the reason. A read-only folder
falls back to ``chmod 0500`` when not root (root ignores permission bits, so
there it must be a read-only bind mount).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["fill", "full_disk", "read_only", "snapshot"]


def _mount(*args: str) -> str | None:
    """None when mounted, else why not."""
    if os.name != "posix" or os.geteuid() != 0:
        return "mounting needs root"
    done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    return None if done.returncode == 0 else f"mount failed: {done.stderr.strip()}"


def _unmount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30, check=False)


@contextlib.contextmanager
def full_disk(point: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``point`` (made if missing); unmounted after."""
    point.mkdir(parents=True, exist_ok=True)
    if why := _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)):
        pytest.skip(f"no small file system to fill: {why}")
    try:
        yield point
    finally:
        _unmount(point)


def fill(point: Path) -> Path:
    """Fill the file system at ``point`` to the last byte; returns the filler file."""
    filler = point / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(block) == 1:
                    break
                block = block[: len(block) // 2]
    return filler


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """``folder`` read-only: a read-only bind mount as root, ``chmod 0500`` otherwise.

    Yields how ("mount" or "chmod").
    """
    if os.name == "posix" and os.geteuid() != 0:
        mode = stat.S_IMODE(folder.stat().st_mode)
        folder.chmod(0o500)
        try:
            yield "chmod"
        finally:
            folder.chmod(mode)
        return
    if why := _mount("--bind", "-o", "ro", str(folder), str(folder)):
        pytest.skip(f"cannot make a read-only folder: {why}")
    try:
        yield "mount"
    finally:
        _unmount(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative name -> bytes)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }

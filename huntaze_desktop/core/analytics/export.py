"""CSV export of the series the Analytics page shows (no Qt).

The file is written next to its target under a hidden temporary name, synced,
then renamed over the target: if the write fails halfway (disk full, I/O error,
the app killed) the user's earlier file is still whole and no half CSV appears
under the chosen name. Errors are the plain ``OSError`` subclasses ``open``
would raise (the page shows their ``strerror``).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import math
import os
import secrets
import stat
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from huntaze_desktop.core.analytics.aggregate import Line

__all__ = ["write_csv"]

# Part of the target's name kept in the temporary's, in UTF-8 bytes: the
# temporary adds 14 bytes, and a name must stay under the usual 255.
_NAME_BYTES_KEPT = 200
_NAME_ATTEMPTS = 100


def write_csv(path: Path, start: date, end: date, lines: Sequence[Line]) -> int:
    """One row per day, one column per line; a missing value is an empty cell.

    Replaces the file at ``path`` atomically, except in a folder where no new
    file may be created but the existing one may be written: that file is then
    rewritten in place, as a plain ``open`` would. Returns the number of rows
    written (header excluded).
    """
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    # Through a symlink to the user's file, like open() would: the link stays.
    target = Path(os.path.realpath(path))
    mode = _mode_for(target)
    try:
        fd, tmp = _create_temporary(target)
    except PermissionError:
        if mode is None:  # no file to write in place either
            raise
        with target.open("w", newline="", encoding="utf-8") as fh:
            _write_rows(fh, days, lines)
        return len(days)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            _write_rows(fh, days, lines)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)
    return len(days)


def _write_rows(fh: TextIO, days: Sequence[date], lines: Sequence[Line]) -> None:
    writer = csv.writer(fh)
    writer.writerow(["date", *[line.label for line in lines]])
    for index, day in enumerate(days):
        writer.writerow([day.isoformat(), *[_cell(line, index) for line in lines]])


def _cell(line: Line, index: int) -> str:
    value = float(line.values[index])
    if math.isnan(value):
        return ""
    return f"{value:g}" if line.unit is None else f"{value:.2f}"


def _mode_for(target: Path) -> int | None:
    """The permission bits to give the new file: the old file's, if it exists.

    ``None`` for a new file: it keeps the mode it was created with (0o666 less
    the umask), like any file the user creates. A read-only file refuses the
    export as ``open`` did, rather than being silently swapped for a new one.
    """
    try:
        info = target.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None  # a folder and the like: os.replace says why it cannot be
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
    return stat.S_IMODE(info.st_mode)


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target`` (same file system, so the rename is atomic).

    Opened with 0o666 so the kernel applies the umask, as for any new file;
    ``mkstemp`` would give 0o600, and reading the umask means changing it for
    the whole process.
    """
    kept = os.fsdecode(os.fsencode(target.name)[:_NAME_BYTES_KEPT])
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_BINARY", 0)  # Windows: csv writes its own \r\n
    )
    for _ in range(_NAME_ATTEMPTS):
        tmp = target.with_name(f".{kept}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No free temporary file name", str(target.parent))


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX).

    Best effort: the new file is already in place, so a failure here must not
    tell the user that the export failed.
    """
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

"""CSV export of the series the Analytics page shows (no Qt).

The file replaces its target atomically (``fileio.replace_atomically``): if the
write fails halfway (disk full, I/O error, the app killed) the user's earlier
file is still whole and no half CSV appears under the chosen name. Errors are
the plain ``OSError`` subclasses ``open`` would raise (the page shows their
``strerror``).
"""

from __future__ import annotations

import csv
import errno
import math
import os
import stat
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.services.analytics.aggregate import Line

__all__ = ["write_csv"]


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
        with replace_atomically(target, mode=mode, newline="") as fh:
            _write_rows(fh, days, lines)
    except PermissionError:
        if mode is None:  # a new file: nowhere to write it
            raise
        # A folder that takes no new file, holding a file that may be written:
        # rewrite that file in place, as a plain open() would.
        with target.open("w", newline="", encoding="utf-8") as fh:
            _write_rows(fh, days, lines)
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

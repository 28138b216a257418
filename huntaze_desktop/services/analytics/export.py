"""CSV export of the series the Analytics page shows (no Qt).

The file replaces its target atomically (``fileio.replace_atomically``): if the
write fails halfway (disk full, I/O error, the app killed) the user's earlier
file is still whole and no half CSV appears under the chosen name. Errors are
the plain ``OSError`` subclasses ``open`` would raise (the page shows their
``strerror``).

Cells are exact (``format_count``, ``format_money``): a count is written as the
number it is (``1167508``, never ``1.16751e+06``; a fractional one with the
digits it has, never in exponent form), and money with its currency's ISO 4217
minor units (``USD`` 2 decimals, ``JPY`` none, ``BHD`` 3; rounded half up),
read from the ``iso4217`` package's copy of the ISO table. An amount in a
currency the table does not know, or one without minor units (``XAU``), is
written exactly as held rather than rounded to a guess.
"""

from __future__ import annotations

import csv
import errno
import functools
import math
import os
import stat
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.services.analytics.aggregate import Line

if TYPE_CHECKING:
    from huntaze_desktop.domain.models import Account
    from huntaze_desktop.providers.base import ProviderSpec

__all__ = ["format_count", "format_money", "line_labels", "minor_units", "write_csv"]


def line_labels(specs: Iterable[ProviderSpec], accounts: Iterable[Account]) -> dict[str, str]:
    """What the chart's legend (and so the CSV header) calls each line.

    A platform line is the platform's name (``Instagram``); an account line
    (key ``account:<id>``) is ``@sunny.creates · Instagram``. ``group_lines``
    adds the currency to a revenue line: ``OnlyFans (USD)``.
    """
    labels = {spec.name: spec.display_name for spec in specs}
    for account in accounts:
        platform = labels.get(account.provider, account.provider)
        labels[f"account:{account.id}"] = f"{account.name} · {platform}"
    return labels


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
    if not math.isfinite(value):
        return ""  # NaN: not recorded
    return format_count(value) if line.unit is None else format_money(value, line.unit)


def format_count(value: float) -> str:
    """A count as written in a cell: ``1167508``, ``2.5``, ``0.0001``; never an exponent.

    A whole number is written as an integer; any other with the shortest
    decimal digits that read back as the same float (Python's ``repr``).
    """
    if value.is_integer():
        return str(int(value))
    return _plain(Decimal(repr(value)))


def format_money(value: float, currency: str) -> str:
    """An amount with its currency's minor units: ``5.50`` USD, ``1235`` JPY, ``1.250`` BHD.

    Rounded half up from the amount's shortest decimal form (``0.125`` USD is
    ``0.13``). A currency without known minor units is written as a count is
    (:func:`format_count`): every digit held, none invented.
    """
    digits = minor_units(currency)
    if digits is None:
        return format_count(value)
    amount = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _plain(amount)


@functools.cache
def minor_units(currency: str) -> int | None:
    """ISO 4217 minor units of ``currency`` (``"USD"`` → 2), or None when unknown.

    None for a code the ISO table does not list and for one without minor
    units (precious metals, ``XXX``).
    """
    # Imported here: the table (~50 KB of XML) is parsed only when money is written.
    from iso4217 import Currency

    try:
        return Currency(currency.upper()).exponent
    except ValueError:
        return None


def _plain(number: Decimal) -> str:
    if number.is_zero():
        number = number.copy_abs()  # no "-0.00"
    return format(number, "f")


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

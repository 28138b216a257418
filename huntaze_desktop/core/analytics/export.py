"""CSV export of the series the Analytics page shows (no Qt)."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from huntaze_desktop.core.analytics.aggregate import Line

__all__ = ["write_csv"]


def write_csv(path: Path, start: date, end: date, lines: Sequence[Line]) -> int:
    """One row per day, one column per line; a missing value is an empty cell.

    Returns the number of rows written (header excluded).
    """
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["date", *[line.label for line in lines]])
        for index, day in enumerate(days):
            writer.writerow([day.isoformat(), *[_cell(line, index) for line in lines]])
    return len(days)


def _cell(line: Line, index: int) -> str:
    value = float(line.values[index])
    if math.isnan(value):
        return ""
    return f"{value:g}" if line.unit is None else f"{value:.2f}"

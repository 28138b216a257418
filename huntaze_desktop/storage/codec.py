"""How values are written to SQLite and read back: UTC datetimes, dates, JSON.

SQLite has no datetime, date or JSON type. The formats are those the schema
has always used (SQLAlchemy's SQLite defaults, which wrote the first
databases): ``2024-05-01 12:00:00.000000`` for a datetime, stored as naive UTC;
``2024-05-01`` for a date; JSON text for a JSON column. Naive datetimes are
refused rather than guessed: a local time mistaken for UTC would shift token
expiries by hours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, overload

__all__ = [
    "db_value",
    "db_values",
    "read_date",
    "read_datetime",
    "read_json",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind this layer stores)."""
    return datetime.now(UTC)


def db_value(value: Any) -> Any:
    """``value`` as SQLite stores it (datetime, date and dict/list converted)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        # isoformat, not strftime: the year is always four digits.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def db_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of a row to write, as SQLite stores it."""
    return {name: db_value(value) for name, value in values.items()}


@overload
def read_datetime(value: str) -> datetime: ...
@overload
def read_datetime(value: str | None) -> datetime | None: ...
def read_datetime(value: str | None) -> datetime | None:
    """A stored datetime, aware (UTC)."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def read_date(value: str) -> date:
    return date.fromisoformat(value)


def read_json(value: str | None) -> Any:
    return None if value is None else json.loads(value)

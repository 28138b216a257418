"""How values are stored: round trips, and an order SQL comparisons can rely on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huntaze_desktop.storage.codec import db_value, read_date, read_datetime, read_json

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Aware datetimes whose UTC value stays within datetime's range.
aware = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 30), timezones=offsets
)


@given(aware)
def test_a_datetime_reads_back_as_the_same_instant_in_utc(value: datetime) -> None:
    stored = db_value(value)
    assert read_datetime(stored) == value
    assert read_datetime(stored).tzinfo is UTC


@given(aware, aware)
def test_stored_text_sorts_as_the_instants_do(a: datetime, b: datetime) -> None:
    # The stores compare stored text in SQL (expires_at < ?, day >= ?).
    assert (db_value(a) < db_value(b)) == (a < b)


@given(st.dates(), st.dates())
def test_dates_round_trip_and_sort(a: date, b: date) -> None:
    assert read_date(db_value(a)) == a
    assert (db_value(a) < db_value(b)) == (a < b)


def test_the_format_is_the_one_earlier_versions_wrote() -> None:
    paris = timezone(timedelta(hours=2))
    assert db_value(datetime(2024, 5, 1, 14, 0, tzinfo=paris)) == "2024-05-01 12:00:00.000000"
    assert db_value(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02 03:04:05.000006"
    assert read_datetime("2024-05-01 12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_naive_datetimes_are_refused_and_other_values_pass_through() -> None:
    with pytest.raises(ValueError, match="naive"):
        db_value(datetime(2024, 5, 1))
    assert db_value({"a": [1, "x"]}) == '{"a": [1, "x"]}'
    assert read_json(db_value({"a": [1, "x"]})) == {"a": [1, "x"]}
    assert (db_value(3), db_value("s"), db_value(b"b"), db_value(None)) == (3, "s", b"b", None)
    assert (read_datetime(None), read_json(None)) == (None, None)

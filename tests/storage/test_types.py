"""How the column types of ``models.py`` store values: round trips, formats, order.

SQLite has no datetime, date or JSON type: the types write text. These tests
look at that text through SQLAlchemy's public type API (the processors the
SQLite dialect uses) and through a real database file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Date, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.models import (
    UTCDateTime,
    audit_log,
    check_columns,
    metric_snapshots,
    oauth_accounts,
    users,
)

DIALECT = sqlite.dialect()


def _processors(type_: TypeEngine[Any]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """(value -> stored, stored -> value), as the SQLite dialect runs them."""
    impl = type_.dialect_impl(DIALECT)
    write, read = impl.bind_processor(DIALECT), impl.result_processor(DIALECT, None)
    assert write is not None and read is not None
    return write, read


store_datetime, read_datetime = _processors(UTCDateTime())
store_date, read_date = _processors(Date())
store_json, read_json = _processors(JSON())

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Aware datetimes whose UTC value stays within datetime's range.
aware = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 30), timezones=offsets
)


@given(aware)
def test_a_datetime_reads_back_as_the_same_instant_in_utc(value: datetime) -> None:
    stored = store_datetime(value)
    assert isinstance(stored, str)
    assert read_datetime(stored) == value
    assert read_datetime(stored).tzinfo is UTC


@given(aware, aware)
def test_stored_text_sorts_as_the_instants_do(a: datetime, b: datetime) -> None:
    # The stores compare stored text in SQL (expires_at < ?, day >= ?).
    assert (store_datetime(a) < store_datetime(b)) == (a < b)
    assert (store_datetime(a) == store_datetime(b)) == (a == b)


@given(st.dates(), st.dates())
def test_dates_round_trip_and_sort(a: date, b: date) -> None:
    assert read_date(store_date(a)) == a
    assert (store_date(a) < store_date(b)) == (a < b)


def test_the_formats_are_the_ones_earlier_versions_wrote() -> None:
    paris = timezone(timedelta(hours=2))
    assert store_datetime(datetime(2024, 5, 1, 14, 0, tzinfo=paris)) == "2024-05-01 12:00:00.000000"
    assert (
        store_datetime(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02 03:04:05.000006"
    )
    assert read_datetime("2024-05-01 12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert store_date(date(24, 5, 1)) == "0024-05-01"
    assert store_json({"a": [1, "x", None]}) == '{"a": [1, "x", null]}'
    assert read_json('{"a": [1, "x", null]}') == {"a": [1, "x", None]}
    assert (read_datetime(None), store_datetime(None)) == (None, None)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        store_datetime(datetime(2024, 5, 1))


@pytest.fixture(scope="module")
def db_for_hypothesis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(DataPaths(tmp_path_factory.mktemp("types")))
    try:
        yield database
    finally:
        database.close()


@given(st.lists(aware, min_size=2, max_size=6, unique_by=lambda d: d.astimezone(UTC)))
def test_sql_orders_and_filters_stored_instants_as_python_does(
    db_for_hypothesis: Database, instants: list[datetime]
) -> None:
    # The same through a real database file: ORDER BY and < on the stored text.
    pivot = instants[0]
    with db_for_hypothesis.transaction() as conn:
        conn.execute(insert(audit_log), [{"at": at, "event": "t"} for at in instants])
        ordered = list(conn.execute(select(audit_log.c.at).order_by(audit_log.c.at)).scalars())
        before = set(conn.execute(select(audit_log.c.at).where(audit_log.c.at < pivot)).scalars())
        conn.rollback()
    assert ordered == sorted(instants)
    assert before == {at for at in instants if at < pivot}


def test_json_and_dates_go_through_the_table_columns(db: Database) -> None:
    with db.transaction() as conn:
        account_id = conn.execute(
            insert(oauth_accounts).returning(oauth_accounts.c.id),
            {
                "user_id": db.default_user_id,
                "provider": "reddit",
                "provider_account_id": "r-1",
                "access_token": b"sealed",
                "metadata": {"karma": 3, "name": "Émile"},
            },
        ).scalar_one()
        conn.execute(
            insert(metric_snapshots),
            {
                "account_id": account_id,
                "metric": "followers",
                "day": date(2024, 5, 1),
                "value": 5.0,
                "source": "/me",
            },
        )
        raw = conn.exec_driver_sql(
            "SELECT a.metadata, m.day, m.fetched_at FROM oauth_accounts a "
            "JOIN metric_snapshots m ON m.account_id = a.id"
        ).one()
        read = conn.execute(
            select(oauth_accounts.c.metadata, metric_snapshots.c.day).join_from(
                oauth_accounts, metric_snapshots
            )
        ).one()
    assert raw[0] == '{"karma": 3, "name": "\\u00c9mile"}'
    assert raw[1] == "2024-05-01"
    assert read == ({"karma": 3, "name": "Émile"}, date(2024, 5, 1))


def test_a_name_that_is_no_column_is_refused_before_it_is_written() -> None:
    # SQLAlchemy passes over a parameter that names no column of an INSERT/UPDATE.
    check_columns(users, {"name": "x", "created_at": None})
    for bad in ({"nmae": "x"}, {"name": "x", "name; DROP TABLE users": 1}):
        with pytest.raises(ValueError, match="not columns of users"):
            check_columns(users, bad)

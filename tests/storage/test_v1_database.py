"""A database written by the first storage format opens and reads back unchanged.

``fixtures/v1-huntaze.sqlite3`` was written, and ``fixtures/v1-expected.json``
read back, by the stores as they were before SQLAlchemy Core built their
statements (see ``v1_fixture.py``). Today's code must read the same values
(tokens open with the fixture's key, datetimes are the same instants, JSON the
same) and write the same formats.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from v1_fixture import (
    DATABASE,
    EXPECTED,
    T0,
    TEST_KEY,
    WRITTEN_ON,
    read_everything,
    write_database,
)

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import SCHEMA_HEAD, Database
from huntaze_desktop.storage.vault import Vault

_TABLES = (
    "users",
    "oauth_accounts",
    "metric_snapshots",
    "api_cache",
    "audit_log",
    "client_credentials",
    "pending_revocations",
    "alembic_version",
)
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def _copy_of_fixture(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(DATABASE, data / "huntaze.sqlite3")
    return data


def test_the_v1_database_reads_back_every_value(tmp_path: Path) -> None:
    data = _copy_of_fixture(tmp_path)
    expected = json.loads(EXPECTED.read_text())
    assert read_everything(data) == expected
    # And it stays writable: a token write lands and reads back.
    db = Database.open(DataPaths(data))
    try:
        store = AccountStore(db, Vault(TEST_KEY), db.default_user_id)
        tiktok = store.find("tiktok", "tt-1")
        assert tiktok is not None
        generation = store.save_tokens(tiktok.id, TokenSet("new-access", expires_at=T0))
        tokens, stored_generation = store.load_tokens_with_generation(tiktok.id)
        assert (tokens.access_token, tokens.refresh_token) == ("new-access", "rft.tiktok-refresh-1")
        assert (tokens.expires_at, stored_generation) == (T0, generation)
    finally:
        db.close()


def _raw_rows(database: Path, clock_from: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, each value as (SQLite type, value); clock stamps (at
    or after ``clock_from``) and ciphertexts, which differ on every run, reduced to
    what they are."""

    def shape(value: Any) -> Any:
        if isinstance(value, bytes):
            return ("sealed", value[:4])  # magic and format version
        if isinstance(value, str) and _STAMP.fullmatch(value) and value >= clock_from:
            return ("clock", len(value))
        return (type(value).__name__, value)

    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as conn:
        return {
            table: [
                tuple(shape(v) for v in row)
                for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608
            ]
            for table in _TABLES
        }


def test_todays_code_writes_what_v1_wrote(tmp_path: Path) -> None:
    started = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    write_database(tmp_path / "today")
    written = _raw_rows(tmp_path / "today" / "huntaze.sqlite3", clock_from=started)
    # The fixture's own instants are all before the day it was written. Read from
    # a copy: even a read-only connection leaves -wal/-shm files beside a WAL database.
    fixture = _copy_of_fixture(tmp_path) / "huntaze.sqlite3"
    # Every table v1 had holds the same; the schema revision is today's (migrations
    # since v1 only added tables).
    assert written.pop("alembic_version") == [(("str", SCHEMA_HEAD),)]
    expected = _raw_rows(fixture, clock_from=WRITTEN_ON)
    assert expected.pop("alembic_version") == [(("str", "0001"),)]
    assert written == expected
    assert len(written["oauth_accounts"]) == 3  # the comparison saw the rows

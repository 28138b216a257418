"""Database.open: schema by Alembic, pragmas, default user, corruption handling."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError

from huntaze_desktop.domain.errors import DatabaseCorruptError, StorageError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.db import SCHEMA_HEAD, Database, alembic_config
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.models import audit_log, metadata, users

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_open_creates_schema_at_alembic_head(db: Database, data_paths: DataPaths) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head == SCHEMA_HEAD
    raw = sqlite3.connect(data_paths.database)
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        raw.close()
    assert set(metadata.tables) <= tables


def test_migration_matches_the_models(db: Database, data_paths: DataPaths) -> None:
    # The tables in models.py and the migration must describe the same schema.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.transaction() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def _one(conn: Connection, sql: str) -> object:
    row = conn.exec_driver_sql(sql).first()
    assert row is not None
    return row[0]


def test_pragmas_hold_on_every_connection(db: Database) -> None:
    with db.transaction() as session:
        assert _one(session, "PRAGMA journal_mode") == "wal"
        assert _one(session, "PRAGMA synchronous") == 2  # FULL
        assert _one(session, "PRAGMA foreign_keys") == 1
        assert _one(session, "PRAGMA busy_timeout") == 10_000
    with db.immediate() as session:
        assert _one(session, "PRAGMA synchronous") == 2


def test_default_user_exists_and_reopen_is_idempotent(data_paths: DataPaths) -> None:
    first = Database.open(data_paths)
    try:
        with first.transaction() as conn:
            ids = list(conn.execute(select(users.c.id)).scalars())
        assert ids == [first.default_user_id]
    finally:
        first.close()
    again = Database.open(data_paths)
    try:
        with again.transaction() as session:
            assert _one(session, "SELECT count(*) FROM users") == 1
            assert _one(session, "SELECT version_num FROM alembic_version") == SCHEMA_HEAD
        assert again.default_user_id == first.default_user_id
    finally:
        again.close()


def _audit_count(db: Database) -> object:
    with db.transaction() as conn:
        return _one(conn, "SELECT count(*) FROM audit_log")


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.exec_driver_sql("INSERT INTO audit_log (at, event) VALUES ('2024-01-01', 'x')")
        raise RuntimeError("boom")
    assert _audit_count(db) == 0


def test_connections_are_pooled_and_closed_with_the_database(db: Database) -> None:
    with db.transaction() as conn:
        first = conn.connection.driver_connection
    with db.transaction() as again:
        assert again.connection.driver_connection is first  # handed back and reused
        # Two at once (two threads in the app): a second connection is opened.
        with db.transaction() as other:
            assert other.connection.driver_connection is not first
    with pytest.raises(OperationalError), db.immediate() as broken:
        broken.exec_driver_sql("SELECT * FROM no_such_table")
    with db.transaction() as after:
        assert _one(after, "SELECT 1") == 1  # an error in a transaction spoils nothing
        with db.transaction() as running:
            db.close()  # while a transaction runs elsewhere
            running_driver = running.connection.driver_connection
        assert running_driver is not None
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            running_driver.execute("SELECT 1")  # closed when it ended, not pooled
    assert first is not None
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        first.execute("SELECT 1")


def test_a_commit_that_fails_leaves_nothing_half_written(db: Database) -> None:
    # A deferred foreign key violation surfaces at COMMIT, after the statements ran.
    with pytest.raises(IntegrityError), db.transaction() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        conn.exec_driver_sql("INSERT INTO audit_log (at, event) VALUES ('2024-01-01', 'x')")
        conn.exec_driver_sql(
            "INSERT INTO client_credentials (user_id, provider, client_id, created_at, updated_at)"
            " VALUES (9999, 'reddit', 'id', '2024-01-01', '2024-01-01')"
        )
    assert _audit_count(db) == 0


def test_immediate_takes_the_write_lock_at_begin(db: Database, data_paths: DataPaths) -> None:
    other = sqlite3.connect(data_paths.database, timeout=0, isolation_level=None)
    try:
        # No statement has run in our transaction yet: only BEGIN IMMEDIATE
        # explains why another writer is locked out.
        with db.immediate(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_plain_transaction_does_not_lock_writers(db: Database, data_paths: DataPaths) -> None:
    # Control for the test above: a deferred BEGIN takes no lock by itself.
    other = sqlite3.connect(data_paths.database, timeout=0, isolation_level=None)
    try:
        with db.transaction():
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_datetimes_are_stored_utc_and_read_back_aware(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    with db.transaction() as conn:
        conn.execute(
            insert(audit_log).values(at=datetime(2024, 5, 1, 14, 0, tzinfo=paris), event="tz")
        )
    with db.transaction() as conn:
        raw = _one(conn, "SELECT at FROM audit_log")
        at = conn.execute(select(audit_log.c.at)).scalar_one()
    assert raw == "2024-05-01 12:00:00.000000"
    assert at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert at.tzinfo is UTC


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive") as caught:
        MetricStore(db).cache_purge(datetime(2024, 5, 1, 12, 0))
    assert isinstance(caught.value.orig, ValueError)


def test_migrations_are_found_whatever_the_cwd(
    data_paths: DataPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database.open(DataPaths(Path("relative-data")))
    try:
        assert (tmp_path / "relative-data" / "huntaze.sqlite3").exists()
    finally:
        db.close()


def test_two_processes_opening_at_once_both_succeed(data_paths: DataPaths) -> None:
    # Threads stand in for processes here: each open has its own engine and
    # connections, and the migration runs under BEGIN IMMEDIATE.
    errors: list[BaseException] = []
    opened: list[Database] = []

    def run() -> None:
        try:
            opened.append(Database.open(data_paths))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len({d.default_user_id for d in opened}) == 1
        with opened[0].transaction() as conn:
            assert _one(conn, "SELECT count(*) FROM users") == 1
    finally:
        for d in opened:
            d.close()


# -- corruption -----------------------------------------------------------------


def _fill(data_paths: DataPaths) -> None:
    db = Database.open(data_paths)
    try:
        with db.transaction() as conn:
            conn.execute(
                insert(audit_log),
                [
                    {"at": datetime.now(UTC), "event": f"event-{i}", "detail": "x" * 200}
                    for i in range(2000)
                ],
            )
    finally:
        db.close()  # checkpoints: everything is in the main file now
    assert not Path(str(data_paths.database) + "-wal").exists()


def _backups(data_paths: DataPaths) -> list[Path]:
    return sorted(data_paths.backups.glob("*"))


def test_garbage_in_the_middle_is_detected_and_backed_up(data_paths: DataPaths) -> None:
    _fill(data_paths)
    path = data_paths.database
    data = bytearray(path.read_bytes())
    assert len(data) > 64 * 1024
    middle = len(data) // 2
    data[middle - 8192 : middle + 8192] = bytes((i * 97 + 13) % 256 for i in range(16384))
    path.write_bytes(bytes(data))
    damaged = path.read_bytes()

    with pytest.raises(DatabaseCorruptError) as caught:
        Database.open(data_paths)

    backup = Path(caught.value.backup_path or "")
    assert backup.parent == data_paths.backups
    assert backup.read_bytes() == damaged
    assert str(backup) in caught.value.user_message
    assert path.read_bytes() == damaged  # the original is left as it was


def test_a_file_that_is_not_a_database_is_refused(data_paths: DataPaths) -> None:
    data_paths.ensure()
    junk = b"this is not sqlite at all, just some text\n" * 200
    data_paths.database.write_bytes(junk)
    with pytest.raises(DatabaseCorruptError) as caught:
        Database.open(data_paths)
    assert [p.read_bytes() for p in _backups(data_paths)] == [junk]
    assert data_paths.database.read_bytes() == junk
    assert "damaged" in caught.value.user_message


def test_wal_and_shm_are_backed_up_with_the_file(data_paths: DataPaths) -> None:
    data_paths.ensure()
    data_paths.database.write_bytes(b"\x00garbage" * 512)
    wal = Path(str(data_paths.database) + "-wal")
    wal.write_bytes(b"wal-bytes")
    with pytest.raises(DatabaseCorruptError) as caught:
        Database.open(data_paths)
    backup = Path(caught.value.backup_path or "")
    assert Path(str(backup) + "-wal").read_bytes() == b"wal-bytes"


def test_a_healthy_database_makes_no_backup(data_paths: DataPaths) -> None:
    _fill(data_paths)
    Database.open(data_paths).close()
    assert _backups(data_paths) == []


def test_a_directory_in_place_of_the_file_is_a_storage_error(data_paths: DataPaths) -> None:
    data_paths.ensure()
    data_paths.database.mkdir()
    with pytest.raises(StorageError) as caught:
        Database.open(data_paths)
    assert not isinstance(caught.value, DatabaseCorruptError)


def test_sql_errors_never_show_parameter_values(db: Database) -> None:
    # A failing statement must not echo what it was writing (values are bound).
    with pytest.raises(IntegrityError) as caught, db.transaction() as session:
        session.execute(
            insert(users),
            {
                "id": db.default_user_id,
                "name": "secret-looking-value",
                "created_at": datetime.now(UTC),
            },
        )
    assert "secret-looking-value" not in str(caught.value)
    assert "UNIQUE constraint failed" in str(caught.value)

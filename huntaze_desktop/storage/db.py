"""The local SQLite database: open, check, migrate, and hand out transactions.

Every connection runs in WAL mode with ``synchronous=FULL`` (a rotated refresh
token must survive a power cut), a busy timeout (the GUI and the CLI may share
the file) and foreign keys on. pysqlite's own transaction handling is switched
off so that we emit ``BEGIN`` ourselves, and ``BEGIN IMMEDIATE`` for token
writes: a writer takes the write lock up front instead of failing half-way when
another process wrote first.

All of it blocks: callers run :meth:`Database.open` and every store method via
``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from huntaze_desktop.core.errors import DatabaseCorruptError, StorageError
from huntaze_desktop.core.paths import DataPaths
from huntaze_desktop.storage.models import users

__all__ = ["DEFAULT_USER_NAME", "MIGRATIONS_DIR", "SCHEMA_HEAD", "Database"]

log = logging.getLogger("huntaze.storage")

# Shipped inside the package, found next to this file: works from a source tree,
# an installed wheel and a PyInstaller bundle alike, whatever the cwd.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest Alembic revision. When the database is already there, Alembic is
# not even imported (faster start). A test keeps this equal to the scripts' head.
SCHEMA_HEAD = "0001"
DEFAULT_USER_NAME = "Local user"
BUSY_TIMEOUT_MS = 10_000

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_BEGIN_OPTION = "huntaze_begin"


class Database:
    """The open database of one data directory (thread-safe; one per process)."""

    def __init__(self, engine: Engine, paths: DataPaths, default_user_id: int) -> None:
        self._engine = engine
        self.paths = paths
        self.default_user_id = default_user_id
        self._immediate_engine = engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
        # SQLite has one writer. Writers of this process queue here, woken the
        # moment the previous one commits; left to SQLite, a writer that finds the
        # lock taken sleeps in its busy handler (up to 100 ms a nap) however soon
        # the lock frees, and hundreds of accounts refreshing at once crawl.
        # Other processes (the CLI) still meet the busy timeout.
        self._write_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Database({str(self.paths.database)!r})"

    @property
    def engine(self) -> Engine:
        return self._engine

    @classmethod
    def open(cls, paths: DataPaths) -> Database:
        """Check, migrate and open the database (blocking).

        Raises :class:`DatabaseCorruptError` (with ``backup_path``) when the file
        fails ``quick_check`` or is not a database; the damaged file is copied to
        ``paths.backups`` first and left as it was. Other failures raise
        :class:`StorageError`.
        """
        paths.ensure()
        path = paths.database
        if path.exists():
            _check_integrity(path, paths.backups)
        engine = _create_engine(path)
        try:
            with engine.connect() as conn:
                current = _schema_revision(conn)
            if current != SCHEMA_HEAD:
                _migrate(engine)
            user_id = _ensure_default_user(engine)
        except DBAPIError as exc:
            engine.dispose()
            log.error("could not open the database: %s", type(exc.orig).__name__)
            raise StorageError(
                f"The local database at {path} could not be opened or updated."
            ) from None
        except BaseException:
            engine.dispose()
            raise
        log.info("database open (schema %s)", SCHEMA_HEAD)
        return cls(engine, paths, user_id)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: commits on success, rolls back on error.

        Reads and light writes. Writes that must not fail half-way under
        contention (tokens) use :meth:`immediate`.
        """
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def immediate(self) -> Iterator[Connection]:
        """A transaction begun with ``BEGIN IMMEDIATE``: the write lock is taken at start."""
        with self._write_lock, self._immediate_engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Close every pooled connection (the last one checkpoints the WAL)."""
        self._engine.dispose()


def _create_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}", hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from emitting BEGIN/COMMIT on its own (SQLAlchemy's
        # "serializable isolation / savepoints" recipe); "begin" below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted rows (a disconnected account's metadata) are zeroed on disk.
            cursor.execute("PRAGMA secure_delete=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))

    return engine


def _check_integrity(path: Path, backups: Path) -> None:
    """Run ``quick_check`` read-only; on damage keep a copy and raise."""
    problem: str | None = None
    try:
        # Read-only: a damaged file must stay exactly as we found it.
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
        if [r[0] for r in rows] != ["ok"]:
            problem = "; ".join(str(r[0]) for r in rows[:3])
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) not in _CORRUPT_CODES:
            log.error("database check failed: %s", exc)
            raise StorageError(f"The local database at {path} could not be opened.") from None
        problem = str(exc)
    if problem is None:
        return
    backup = _backup_damaged(path, backups)
    log.error("database failed its integrity check (%s); copy kept at %s", problem, backup)
    raise DatabaseCorruptError(
        f"The local database is damaged and was not opened. A copy was kept at {backup}. "
        f"Move or delete {path} to start with an empty database, then reconnect your accounts.",
        backup_path=str(backup),
    )


def _backup_damaged(path: Path, backups: Path) -> Path:
    backups.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups / f"{path.stem}-damaged-{stamp}{path.suffix}"
    shutil.copy2(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            shutil.copy2(side, target.with_name(target.name + suffix))
    return target


def _schema_revision(conn: Connection) -> str | None:
    exists = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if exists is None:
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def alembic_config() -> Any:
    """The Alembic ``Config`` for the shipped migrations (no ini file needed)."""
    from alembic.config import Config  # imported lazily: only needed to migrate

    config = Config()
    # ConfigParser interpolates '%': escape it in the path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def _migrate(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    # One BEGIN IMMEDIATE around the whole upgrade: two processes starting
    # together migrate one after the other, never interleaved.
    immediate = engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    with immediate.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    log.info("database migrated to %s", SCHEMA_HEAD)


def _ensure_default_user(engine: Engine) -> int:
    first_user = select(users.c.id).order_by(users.c.id).limit(1)
    with engine.connect() as conn:
        found = conn.execute(first_user).scalar()
        conn.rollback()
    if found is not None:
        return int(found)
    immediate = engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    with immediate.begin() as conn:
        found = conn.execute(first_user).scalar()
        if found is not None:  # another process created it meanwhile
            return int(found)
        created = conn.execute(insert(users).values(name=DEFAULT_USER_NAME))
        return int(created.lastrowid)  # the INTEGER PRIMARY KEY of the new row

"""The local SQLite database: open, check, migrate, and hand out transactions.

Every connection runs in WAL mode with ``synchronous=FULL`` (a rotated refresh
token must survive a power cut), a busy timeout (the GUI and the CLI may share
the file) and foreign keys on. pysqlite's own transaction handling is switched
off so that we emit ``BEGIN`` ourselves, and ``BEGIN IMMEDIATE`` for token
writes: a writer takes the write lock up front instead of failing half-way when
another process wrote first.

The stores speak SQL to the standard ``sqlite3`` module; the schema is
described by the SQLAlchemy tables in ``models.py`` and created and changed by
Alembic, which are imported only when a database must be migrated (first start,
upgrade). The running app does not load SQLAlchemy: importing it cost the idle
app about 16 MB, for statements the stores write as plain SQL just as well.
Values go in and out through :mod:`~huntaze_desktop.storage.codec`.

All of it blocks: callers run :meth:`Database.open` and every store method via
``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huntaze_desktop.domain.errors import DatabaseCorruptError, StorageError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.codec import db_value, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "DEFAULT_USER_NAME",
    "MIGRATIONS_DIR",
    "SCHEMA_HEAD",
    "Database",
    "insert_sql",
    "update_sql",
]

log = logging.getLogger("huntaze.storage")

# Shipped inside the package, found next to this file: works from a source tree,
# an installed wheel and a PyInstaller bundle alike, whatever the cwd.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest Alembic revision. When the database is already there, Alembic is
# not even imported (faster start). A test keeps this equal to the scripts' head.
SCHEMA_HEAD = "0001"
DEFAULT_USER_NAME = "Local user"
BUSY_TIMEOUT_MS = 10_000
# Connections kept open between transactions (more are opened when threads
# overlap, and closed when handed back beyond this).
POOL_SIZE = 5

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    # Deleted rows (a disconnected account's metadata) are zeroed on disk.
    "PRAGMA secure_delete=ON",
)


class Database:
    """The open database of one data directory (thread-safe; one per process).

    Connections are pooled: a transaction takes one, any thread may use it
    while the transaction lasts, and it goes back to the pool afterwards.
    """

    def __init__(self, paths: DataPaths, default_user_id: int) -> None:
        self.paths = paths
        self.default_user_id = default_user_id
        self._pool: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        # SQLite has one writer. Writers of this process queue here, woken the
        # moment the previous one commits; left to SQLite, a writer that finds the
        # lock taken sleeps in its busy handler (up to 100 ms a nap) however soon
        # the lock frees, and hundreds of accounts refreshing at once crawl.
        # Other processes (the CLI) still meet the busy timeout.
        self._write_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Database({str(self.paths.database)!r})"

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
        try:
            conn = _connect(path)
            try:
                current = _schema_revision(conn)
                if current != SCHEMA_HEAD:
                    _migrate(path)
                user_id = _ensure_default_user(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.error("could not open the database: %s", type(exc).__name__)
            raise StorageError(
                f"The local database at {path} could not be opened or updated."
            ) from None
        log.info("database open (schema %s)", SCHEMA_HEAD)
        return cls(paths, user_id)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction: commits on success, rolls back on error.

        Reads and light writes. Writes that must not fail half-way under
        contention (tokens) use :meth:`immediate`. Rows read are ``sqlite3.Row``.
        """
        with self._begin("BEGIN") as conn:
            yield conn

    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """A transaction begun with ``BEGIN IMMEDIATE``: the write lock is taken at start."""
        with self._write_lock, self._begin("BEGIN IMMEDIATE") as conn:
            yield conn

    def close(self) -> None:
        """Close every pooled connection (the last one checkpoints the WAL).

        A transaction still running elsewhere closes its connection when it ends.
        """
        with self._pool_lock:
            self._closed = True
            idle, self._pool = self._pool, []
        for conn in idle:
            conn.close()

    @contextmanager
    def _begin(self, begin: str) -> Iterator[sqlite3.Connection]:
        conn = self._checkout()
        try:
            conn.execute(begin)
        except BaseException:
            conn.close()
            raise
        try:
            yield conn
        except BaseException:
            self._end(conn, conn.rollback)
            raise
        self._end(conn, conn.commit)

    def _end(self, conn: sqlite3.Connection, finish: Callable[[], None]) -> None:
        """Commit or roll back, then pool the connection (closed if that failed)."""
        try:
            finish()
        except BaseException:
            conn.close()  # closing rolls back whatever is still open
            raise
        self._checkin(conn)

    def _checkout(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._pool:
                return self._pool.pop()
        return _connect(self.paths.database)

    def _checkin(self, conn: sqlite3.Connection) -> None:
        with self._pool_lock:
            if not self._closed and len(self._pool) < POOL_SIZE:
                self._pool.append(conn)
                return
        conn.close()


def insert_sql(table: str, columns: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)`` for these columns."""
    names = _checked(columns)
    return (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - names checked, values bound
        f"VALUES ({', '.join(':' + name for name in names)})"
    )


def update_sql(table: str, columns: Iterable[str], where: str) -> str:
    """``UPDATE table SET a = :a, b = :b WHERE <where>`` for these columns."""
    assignments = ", ".join(f"{name} = :{name}" for name in _checked(columns))
    return f"UPDATE {table} SET {assignments} WHERE {where}"  # noqa: S608 - as above


def _checked(columns: Iterable[str]) -> list[str]:
    """Column names come from this package's code; refuse anything else outright."""
    names = list(columns)
    if not names or not all(name.isidentifier() for name in names):
        raise ValueError(f"not a list of column names: {names!r}")
    return names


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: pysqlite emits no BEGIN/COMMIT of its own; Database does.
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,  # pooled: used by one thread at a time, any thread
    )
    try:
        for pragma in _PRAGMAS:
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


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


def _schema_revision(conn: sqlite3.Connection) -> str | None:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if exists is None:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def alembic_config() -> Any:
    """The Alembic ``Config`` for the shipped migrations (no ini file needed)."""
    from alembic.config import Config  # imported lazily: only needed to migrate

    config = Config()
    # ConfigParser interpolates '%': escape it in the path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def migration_engine(path: Path) -> Engine:
    """A SQLAlchemy engine on ``path`` with the app's pragmas, for Alembic.

    Its transactions begin with ``BEGIN IMMEDIATE``. Dispose of it when done.
    """
    from sqlalchemy import create_engine, event  # only to migrate (see the module doc)

    engine = create_engine(f"sqlite+pysqlite:///{path}", hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from emitting BEGIN/COMMIT on its own (SQLAlchemy's
        # "serializable isolation / savepoints" recipe); "begin" below does it.
        dbapi_connection.isolation_level = None
        for pragma in _PRAGMAS:
            dbapi_connection.execute(pragma)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _migrate(path: Path) -> None:
    """Upgrade the schema to head. SQL failures come out as ``sqlite3.Error``."""
    from alembic import command
    from sqlalchemy.exc import DBAPIError

    config = alembic_config()
    engine = migration_engine(path)
    try:
        # One BEGIN IMMEDIATE around the whole upgrade: two processes starting
        # together migrate one after the other, never interleaved.
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        if isinstance(exc.orig, sqlite3.Error):
            raise exc.orig from None
        raise
    finally:
        engine.dispose()
    log.info("database migrated to %s", SCHEMA_HEAD)


def _ensure_default_user(conn: sqlite3.Connection) -> int:
    first_user = "SELECT id FROM users ORDER BY id LIMIT 1"
    found = conn.execute(first_user).fetchone()
    if found is not None:
        return int(found[0])
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = conn.execute(first_user).fetchone()
        if found is None:  # nobody else created it meanwhile
            (found,) = conn.execute(
                "INSERT INTO users (name, created_at) VALUES (?, ?) RETURNING id",
                (DEFAULT_USER_NAME, db_value(utcnow())),
            ).fetchall()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(found[0])

"""The local SQLite database: open, check, migrate, and hand out transactions.

One SQLAlchemy engine (Core, no ORM) per open database; its pool keeps the
connections. Every connection runs in WAL mode with ``synchronous=FULL`` (a
rotated refresh token must survive a power cut), a busy timeout (the GUI and the
CLI may share the file), foreign keys on and ``secure_delete`` (deleted rows are
zeroed on disk). pysqlite's own transaction handling is switched off and the
engine's ``begin`` event emits ``BEGIN`` itself, ``BEGIN IMMEDIATE`` for writes
(SQLAlchemy's pysqlite recipe, "Serializable isolation / Savepoints /
Transactional DDL"): a writer takes the write lock up front instead of failing
half-way when another process wrote first.

The statements are built by the stores from the tables in ``models.py``; the
schema is created and changed by Alembic, imported only when the stored
revision is not :data:`SCHEMA_HEAD` (first start, upgrade).

All of it blocks: callers run :meth:`Database.open` and every store method on
the storage thread (:func:`~huntaze_desktop.storage.worker.offload`) or through
``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, event, insert, select, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from huntaze_desktop.domain.errors import DatabaseCorruptError, StorageError, disk_problem
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.models import users, utcnow

__all__ = [
    "DEFAULT_USER_NAME",
    "MIGRATIONS_DIR",
    "SCHEMA_HEAD",
    "Database",
    "alembic_config",
]

log = logging.getLogger("huntaze.storage")

# Shipped inside the package, found next to this file: works from a source tree,
# an installed wheel and a PyInstaller bundle alike, whatever the cwd.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest Alembic revision. When the database is already there, Alembic is
# not even imported (faster start). A test keeps this equal to the scripts' head.
SCHEMA_HEAD = "0002"
DEFAULT_USER_NAME = "Local user"
BUSY_TIMEOUT_MS = 10_000
# Connections the pool keeps open between transactions; more are opened when
# threads overlap (no limit), and closed when handed back beyond this.
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
# The execution option that makes the "begin" event take the write lock.
_IMMEDIATE = "huntaze_begin_immediate"

_sqlite_master = table("sqlite_master", column("type"), column("name"))
_alembic_version = table("alembic_version", column("version_num"))
_FIRST_USER = select(users.c.id).order_by(users.c.id).limit(1)
_ADD_USER = insert(users).returning(users.c.id)


class Database:
    """The open database of one data directory (thread-safe; one per process).

    A transaction takes a connection from the engine's pool; any thread may use
    it while the transaction lasts, and it goes back to the pool afterwards.
    """

    def __init__(self, paths: DataPaths, engine: Engine, default_user_id: int) -> None:
        self.paths = paths
        self.default_user_id = default_user_id
        self._engine = engine
        # Same pool and events; its connections begin with BEGIN IMMEDIATE.
        self._writer = engine.execution_options(**{_IMMEDIATE: True})
        self._closed = False
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
        """The SQLAlchemy engine (its transactions begin with a deferred ``BEGIN``)."""
        return self._engine

    @classmethod
    def open(cls, paths: DataPaths) -> Database:
        """Check, migrate and open the database (blocking).

        Raises :class:`DatabaseCorruptError` (with ``backup_path``) when the file
        fails ``quick_check`` or is not a database; the damaged file is copied to
        ``paths.backups`` first and left as it was. A full disk is a
        :class:`DiskFullError`, a read-only one a :class:`ReadOnlyDataError`
        (also from ``paths.ensure()``). Other failures raise :class:`StorageError`.
        """
        paths.ensure()
        path = paths.database
        if path.exists():
            _check_integrity(path, paths.backups)
        else:
            _create_private(path)
        engine = _engine(path)
        try:
            with engine.connect() as conn:
                current = _schema_revision(conn)
            writer = engine.execution_options(**{_IMMEDIATE: True})
            if current != SCHEMA_HEAD:
                _refuse_newer(current, path)
                _migrate(writer)
            user_id = _ensure_default_user(engine, writer)
        except (sqlite3.Error, SQLAlchemyError) as exc:
            engine.dispose()
            if (problem := disk_problem(exc, paths.root)) is not None:
                log.info("could not open the database: %s", type(exc).__name__)
                raise problem from None  # the disk's sentence (on stderr once, by the caller)
            log.error("could not open the database: %s", type(exc).__name__)
            raise StorageError(
                f"The local database at {path} could not be opened or updated."
            ) from None
        except BaseException:
            engine.dispose()
            raise
        log.info("database open (schema %s)", SCHEMA_HEAD)
        return cls(paths, engine, user_id)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: commits on success, rolls back on error.

        Reads and light writes. Writes that must not fail half-way under
        contention (tokens) use :meth:`immediate`. SQL errors come out as
        SQLAlchemy's ``DBAPIError`` subclasses (``IntegrityError``...), their
        parameters hidden.
        """
        with self._begin(self._engine) as conn:
            yield conn

    @contextmanager
    def immediate(self) -> Iterator[Connection]:
        """A transaction begun with ``BEGIN IMMEDIATE``: the write lock is taken at start."""
        with self._write_lock, self._begin(self._writer) as conn:
            yield conn

    def close(self) -> None:
        """Close every pooled connection (the last one checkpoints the WAL).

        A transaction still running elsewhere closes its connection when it ends.
        """
        self._closed = True
        self._engine.dispose()

    @contextmanager
    def _begin(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            finally:
                if self._closed:
                    conn.invalidate()  # closed now, not handed back to a pool


def _engine(path: Path) -> Engine:
    """The engine of the database file ``path``, with the app's pragmas on every connection."""
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        # A failing statement never echoes the values it was writing.
        hide_parameters=True,
        pool_size=POOL_SIZE,
        max_overflow=-1,
        connect_args={
            "timeout": BUSY_TIMEOUT_MS / 1000,
            # Pooled: used by one thread at a time, any thread.
            "check_same_thread": False,
        },
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite emits no BEGIN/COMMIT of its own; "begin" below does.
        dbapi_connection.isolation_level = None
        for pragma in _PRAGMAS:
            dbapi_connection.execute(pragma)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _check_integrity(path: Path, backups: Path) -> None:
    """Run ``quick_check`` read-only; on damage keep a copy and raise."""
    problem: str | None = None
    try:
        # Read-only, and so not through the engine (whose connections switch the
        # file to WAL): a damaged file must stay exactly as we found it.
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
            if (full := disk_problem(exc, path.parent)) is not None:
                log.info("database check failed: %s", exc)
                raise full from None
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
    found = conn.execute(
        select(_sqlite_master.c.name).where(
            _sqlite_master.c.type == "table", _sqlite_master.c.name == "alembic_version"
        )
    ).first()
    if found is None:
        return None
    version = conn.execute(select(_alembic_version.c.version_num)).scalar()
    return None if version is None else str(version)


def alembic_config() -> Any:
    """The Alembic ``Config`` for the shipped migrations (no ini file needed)."""
    from alembic.config import Config  # imported lazily: only needed to migrate

    config = Config()
    # ConfigParser interpolates '%': escape it in the path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def _create_private(path: Path) -> None:
    """Create the empty database file as the user's alone (0600) before SQLite opens it.

    SQLite creates a new file with the umask's mode, and its -wal and -shm files
    take the database file's mode: making the file first makes all three private.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it meanwhile
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StorageError(
            f"The local database at {path} could not be created ({reason})."
        ) from None
    os.close(fd)


def _refuse_newer(current: str | None, path: Path) -> None:
    """StorageError when the stored revision is one this version does not know (a newer app's).

    Alembic cannot downgrade to a revision it has no script for; an older app must
    not touch a newer app's data.
    """
    if current is None:
        return
    from alembic.script import ScriptDirectory  # only when the revision is not head

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except Exception:  # alembic raises its own (ResolutionError, CommandError) for unknown ids
        raise StorageError(
            f"The local database at {path} was made by a newer Huntaze Desktop. "
            "Update the app to open it; nothing was changed."
        ) from None


def _migrate(writer: Engine) -> None:
    """Upgrade the schema to head, in one ``BEGIN IMMEDIATE`` transaction.

    Two processes starting together migrate one after the other, never interleaved.
    """
    from alembic import command  # only to migrate (see the module doc)

    config = alembic_config()
    with writer.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    log.info("database migrated to %s", SCHEMA_HEAD)


def _ensure_default_user(engine: Engine, writer: Engine) -> int:
    with engine.connect() as conn:
        found = conn.execute(_FIRST_USER).scalar()
    if found is not None:
        return int(found)
    with writer.begin() as conn:
        found = conn.execute(_FIRST_USER).scalar()  # nobody else created it meanwhile?
        if found is None:
            found = conn.execute(
                _ADD_USER, {"name": DEFAULT_USER_NAME, "created_at": utcnow()}
            ).scalar_one()
    return int(found)

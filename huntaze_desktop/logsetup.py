"""Logging for the app and the CLI: a private rotating file, stderr, optional JSON.

Every handler carries a :class:`~huntaze_desktop.net.redact.RedactingFilter`, so a
token that slips into a message, an argument, an ``extra`` field or a traceback is
scrubbed before it is written anywhere. With ``json_logging`` each line is one JSON
object (``ts``, ``level``, ``logger``, ``message``, and ``event`` plus the extra
fields of records logged with :func:`log_event`); end-to-end tests wait on those.

:func:`install_excepthook` routes uncaught exceptions (main thread and others) to
a CRITICAL log line, a crash file and an optional user-facing dialog, and points
``faulthandler`` at a file so a hard crash still leaves a trace.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.domain.paths import DataPaths

# logging.handlers (socket, pickle...) and the redaction patterns are imported by
# setup_logging and the crash handler, not here: the GUI imports this module on
# the path to its first paint and sets logging up after it (see hold_records).

__all__ = [
    "AREAS",
    "LOG_BACKUPS",
    "LOG_MAX_BYTES",
    "area_logger",
    "hold_records",
    "install_excepthook",
    "log_event",
    "setup_logging",
]

LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 5
#: The areas of ``huntaze.<area>`` loggers; one per layer plus security events.
AREAS = ("app", "ui", "core", "providers", "storage", "net", "sandbox", "security", "crash")
# Chatty libraries whose INFO/DEBUG lines would drown ours (and may echo URLs).
_QUIET = ("httpx", "httpcore", "hpack", "sqlalchemy", "alembic.runtime.plugins", "asyncio")
_OUR_ROOTS = ("huntaze", "huntaze_desktop")
_MARK = "_huntaze_handler"  # tags the handlers we own, for idempotent setup
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def area_logger(area: str) -> logging.Logger:
    """The ``huntaze.<area>`` logger (``area`` is one of :data:`AREAS`)."""
    if area not in AREAS:
        raise ValueError(f"unknown log area {area!r}")
    return logging.getLogger(f"huntaze.{area}")


def log_event(
    logger: logging.Logger,
    event: str,
    message: str = "",
    *,
    level: int = logging.INFO,
    **fields: Any,
) -> None:
    """Log a structured event (``{"event": "app.ready", ...}`` in JSON mode)."""
    logger.log(level, message or event, extra={"event": event, **fields})


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


class _JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        from datetime import UTC, datetime  # not at the top: on the path to the first paint

        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        extras = _extras(record)
        if "event" in extras:
            data["event"] = extras.pop("event")
            for key, value in extras.items():
                data.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    """Human-readable lines; structured events show their name and fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-8s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = _extras(record)
        if "event" in extras:
            fields = " ".join(f"{k}={v}" for k, v in extras.items())
            line = f"{line} [{fields}]"
        return line


#: After a write to the log file failed (disk full, file system gone read-only), how
#: long records are dropped before the file is tried again.
LOG_RETRY_AFTER_S = 30.0


def _private_rotating_handler(path: Path) -> logging.Handler:
    """A rotating log whose files are created owner-only (0600), rotations too.

    A write that fails with an ``OSError`` (disk full, quota, read-only) neither
    raises nor reaches stderr (``logging``'s default ``handleError`` prints the
    whole traceback there, for every record): the file is closed and records are
    dropped for :data:`LOG_RETRY_AFTER_S`, then the file is opened again. The app
    tells the user about the disk itself, in one sentence.
    """
    import logging.handlers
    import time

    class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        quiet_until = 0.0  # time.monotonic() before which records are dropped

        def _open(self) -> io.TextIOWrapper:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.chmod(self.baseFilename, 0o600)  # an existing file keeps its old mode otherwise
            return os.fdopen(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)

        def emit(self, record: logging.LogRecord) -> None:
            if self.quiet_until and time.monotonic() < self.quiet_until:
                return
            self.quiet_until = 0.0
            super().emit(record)

        def handleError(self, record: logging.LogRecord) -> None:
            if not isinstance(sys.exc_info()[1], OSError):
                super().handleError(record)
                return
            self.quiet_until = time.monotonic() + LOG_RETRY_AFTER_S
            stream, self.stream = self.stream, None
            if stream is not None:
                with contextlib.suppress(OSError):  # flushing what is buffered fails again
                    stream.close()

    try:
        return _PrivateRotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError:  # cannot be opened now: tried again at a record after the pause
        handler = _PrivateRotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
        )
        handler.quiet_until = time.monotonic() + LOG_RETRY_AFTER_S
        return handler


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is now (pytest and the GUI swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _level(name: str) -> int:
    numeric = logging.getLevelName(name.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {name!r}")
    return numeric


class _HeldRecords(logging.Handler):
    """Keeps records in memory until :func:`setup_logging` gives them their handlers."""

    LIMIT = 10_000  # a runaway logger before setup must not grow without bound

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


def hold_records(level: str = "INFO") -> None:
    """Keep log records at ``level`` and above in memory until :func:`setup_logging`.

    The GUI's boot logs from its first line but sets logging up (log file,
    redaction patterns: ~10 ms of imports and regex compiling) only after its
    window has painted; the records wait here and are written then, in order,
    through the real handlers and their redaction.
    """
    numeric = _level(level)
    root = logging.getLogger()
    if not any(isinstance(h, _HeldRecords) for h in root.handlers):
        root.addHandler(_HeldRecords())
    root.setLevel(numeric)
    for name in _OUR_ROOTS:
        logging.getLogger(name).setLevel(numeric)


def setup_logging(
    paths: DataPaths,
    level: str = "INFO",
    json_logging: bool = False,
    console: bool = True,
    console_level: str | None = None,
) -> None:
    """Configure logging for this process; calling it again replaces, never duplicates.

    ``console_level`` lets the CLI keep stderr to warnings while the file gets
    ``level``; by default both use ``level``.
    """
    numeric = _level(level)
    console_numeric = _level(console_level) if console_level else numeric
    paths.logs.mkdir(parents=True, exist_ok=True, mode=0o700)

    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()

    from huntaze_desktop.net.redact import RedactingFilter

    formatter: logging.Formatter = _JsonFormatter() if json_logging else _TextFormatter()
    handlers: list[logging.Handler] = [_private_rotating_handler(paths.log_file)]
    if console:
        stderr_handler = _StderrHandler()
        stderr_handler.setLevel(console_numeric)
        handlers.append(stderr_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        setattr(handler, _MARK, True)
        root.addHandler(handler)

    root.setLevel(min(numeric, console_numeric))
    for name in _OUR_ROOTS:
        logging.getLogger(name).setLevel(numeric)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))

    # Records held since hold_records(): written now, in order, as they would have been.
    for held in [h for h in root.handlers if isinstance(h, _HeldRecords)]:
        root.removeHandler(held)
        for record in held.records:
            for handler in handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
        held.records.clear()


# -- crashes -----------------------------------------------------------------


def _user_summary(exc: BaseException, crash_file: Path | None) -> str:
    # str(exc) of a foreign exception may hold a URL or a token: never show it.
    if isinstance(exc, HuntazeError):
        summary = exc.user_message
    else:
        summary = f"Huntaze Desktop hit an unexpected problem ({type(exc).__name__})."
    if crash_file is not None:
        summary += f" A crash report was saved to {crash_file}."
    return summary


def _write_crash_file(paths: DataPaths, text: str, thread_name: str) -> Path | None:
    from datetime import UTC, datetime

    from huntaze_desktop import __version__

    now = datetime.now(UTC)
    try:
        paths.crash_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = paths.crash_dir / f"crash-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.txt"
        header = (
            f"Huntaze Desktop {__version__} crash report\n"
            f"time: {now.isoformat()}\nthread: {thread_name}\n"
            f"python: {sys.version.split()[0]} on {sys.platform}\n\n"
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(header + text + "\n")
        return path
    except OSError:
        logging.getLogger("huntaze.crash").exception("could not write the crash file")
        return None


def install_excepthook(
    show_dialog: Callable[[str], None] | None, paths: DataPaths
) -> Callable[[], None]:
    """Handle uncaught exceptions in every thread; returns a function that undoes it.

    ``show_dialog`` (None for headless runs / ``--no-err-windows``) receives a
    user-safe summary; the hook may run on any thread, so a GUI implementation
    must marshal to the Qt thread itself.
    """
    log = logging.getLogger("huntaze.crash")
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook
    was_enabled = faulthandler.is_enabled()
    fault_file: TextIO | None = None
    try:
        paths.logs.mkdir(parents=True, exist_ok=True, mode=0o700)
        fault_fd = os.open(
            paths.logs / "faulthandler.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        fault_file = os.fdopen(fault_fd, "a", encoding="utf-8")
        faulthandler.enable(file=fault_file, all_threads=True)
    except OSError:  # a full or read-only disk: a hard crash goes to stderr, as before
        log.warning("faulthandler.log could not be opened; hard crashes go to stderr")

    def handle(
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str,
    ) -> None:
        try:
            log.critical(
                "Uncaught exception in thread %s",
                thread_name,
                exc_info=(exc_type, exc, tb),
                extra={"event": "app.crash", "exception": exc_type.__name__},
            )
            from huntaze_desktop.net.redact import redact

            text = redact("".join(traceback.format_exception(exc_type, exc, tb)))
            crash_file = _write_crash_file(paths, text, thread_name)
            if show_dialog is not None:
                show_dialog(_user_summary(exc, crash_file))
        except Exception:  # the hook must never raise: fall back to a bare line
            sys.__stderr__ and sys.__stderr__.write(f"crash handler failed ({exc_type.__name__})\n")

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_hook(exc_type, exc, tb)
            return
        handle(exc_type, exc, tb, threading.current_thread().name)

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "unknown"
        handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook

    def uninstall() -> None:
        sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook
        if fault_file is not None:
            faulthandler.disable()
            if was_enabled and sys.__stderr__ is not None:
                faulthandler.enable(file=sys.__stderr__, all_threads=True)
            fault_file.close()

    return uninstall

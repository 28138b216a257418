"""setup_logging and install_excepthook, against real files in a temp data dir."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import WrongPassphraseError
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.logsetup import (
    LOG_BACKUPS,
    LOG_MAX_BYTES,
    area_logger,
    hold_records,
    install_excepthook,
    log_event,
    setup_logging,
)

SECRET = "EAAGm0PX4ZCpsBAsecretTOKEN123"
_LOGGERS = ("", "huntaze", "huntaze_desktop", "httpx", "httpcore", "sqlalchemy", "hpack", "asyncio")


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data").ensure()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    before = list(logging.getLogger().handlers)
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_huntaze_handler", False)]


def _json_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_file_is_private_rotating_and_filtered(paths: DataPaths) -> None:
    setup_logging(paths, level="DEBUG", console=False)
    area_logger("core").debug("hello %s", f"access_token={SECRET}")
    handlers = _ours()
    assert len(handlers) == 1
    (handler,) = handlers
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (LOG_MAX_BYTES, LOG_BACKUPS)
    assert LOG_MAX_BYTES == 5 * 1024 * 1024 and LOG_BACKUPS == 5
    assert paths.log_file.stat().st_mode & 0o777 == 0o600
    handler.doRollover()
    area_logger("core").info("after rollover")
    assert paths.log_file.with_name(paths.log_file.name + ".1").stat().st_mode & 0o777 == 0o600
    assert paths.log_file.stat().st_mode & 0o777 == 0o600
    text = "".join(p.read_text() for p in paths.logs.glob("*.log*"))
    assert "hello access_token=[REDACTED]" in text and SECRET not in text


def test_records_held_before_setup_are_written_in_order_and_redacted(paths: DataPaths) -> None:
    # The GUI logs from its first line and sets logging up after its first paint.
    hold_records("INFO")
    log = area_logger("app")
    log.info("first %s", f"access_token={SECRET}")
    log_event(log, "app.first_paint", "painted")
    log.debug("below the level")
    assert not paths.log_file.exists()
    setup_logging(paths, level="INFO", json_logging=True, console=False)
    log.info("after setup")
    lines = _json_lines(paths.log_file)
    assert [line["message"] for line in lines] == [
        "first access_token=[REDACTED]",
        "painted",
        "after setup",
    ]
    assert lines[1]["event"] == "app.first_paint"
    assert SECRET not in paths.log_file.read_text()
    # Nothing is held any more: setup took the records and its handler away.
    assert [type(h).__name__ for h in logging.getLogger().handlers].count("_HeldRecords") == 0


def test_setup_twice_does_not_duplicate(paths: DataPaths) -> None:
    setup_logging(paths, console=True)
    setup_logging(paths, console=True)
    assert len(_ours()) == 2
    area_logger("app").info("only once")
    assert paths.log_file.read_text().count("only once") == 1


def test_json_lines_carry_events_and_extras(
    paths: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(paths, level="INFO", json_logging=True, console=True)
    log_event(area_logger("app"), "app.ready", "Huntaze Desktop is ready", accounts=3)
    logging.getLogger("huntaze_desktop.services.tokens").info("plain line")
    file_lines = _json_lines(paths.log_file)
    ready = next(line for line in file_lines if line.get("event") == "app.ready")
    assert ready["message"] == "Huntaze Desktop is ready"
    assert ready["accounts"] == 3 and ready["level"] == "INFO"
    assert ready["logger"] == "huntaze.app" and str(ready["ts"]).endswith("+00:00")
    plain = next(line for line in file_lines if line.get("message") == "plain line")
    assert "event" not in plain
    stderr_lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert any(line.get("event") == "app.ready" for line in stderr_lines)


def test_levels_quiet_libraries_and_console_level(
    paths: DataPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging(paths, level="DEBUG", console=True, console_level="WARNING")
    logging.getLogger("httpx").info("HTTP Request: GET https://x/?a=1")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT secret_column")
    area_logger("net").debug("debug line")
    area_logger("net").warning("warning line")
    text = paths.log_file.read_text()
    assert "HTTP Request" not in text and "SELECT" not in text
    assert "debug line" in text and "warning line" in text
    err = capsys.readouterr().err
    assert "warning line" in err and "debug line" not in err
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING


def test_unknown_level_is_refused(paths: DataPaths) -> None:
    with pytest.raises(ValueError):
        setup_logging(paths, level="LOUD")
    with pytest.raises(ValueError):
        area_logger("nowhere")


def test_excepthook_logs_writes_crash_file_and_shows_safe_summary(paths: DataPaths) -> None:
    setup_logging(paths, level="INFO", json_logging=True, console=False)
    shown: list[str] = []
    hooks_before = (sys.excepthook, threading.excepthook)
    uninstall = install_excepthook(shown.append, paths)
    try:
        try:
            raise RuntimeError(f"GET https://api/?access_token={SECRET} failed")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        worker = threading.Thread(target=lambda: _raise(WrongPassphraseError()), name="worker-1")
        worker.start()
        worker.join()
    finally:
        uninstall()
    assert (sys.excepthook, threading.excepthook) == hooks_before
    crashes = sorted(paths.crash_dir.iterdir())
    assert len(crashes) == 2
    for crash in crashes:
        assert crash.stat().st_mode & 0o777 == 0o600
        assert SECRET not in crash.read_text()
    assert any("access_token=[REDACTED]" in c.read_text() for c in crashes)
    assert any("thread: worker-1" in c.read_text() for c in crashes)
    assert len(shown) == 2 and all(SECRET not in s for s in shown)
    assert shown[0].startswith("Huntaze Desktop hit an unexpected problem (RuntimeError).")
    assert shown[1].startswith(WrongPassphraseError.default_message)
    critical = [line for line in _json_lines(paths.log_file) if line["level"] == "CRITICAL"]
    assert len(critical) == 2 and all(line["event"] == "app.crash" for line in critical)
    assert "RuntimeError" in str(critical[0]["exc"]) and SECRET not in str(critical[0]["exc"])
    assert (paths.logs / "faulthandler.log").exists()


def _raise(exc: BaseException) -> None:
    raise exc


def _run_child(paths: DataPaths, body: str) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from huntaze_desktop.domain.paths import DataPaths
        from huntaze_desktop.logsetup import install_excepthook, setup_logging
        paths = DataPaths(Path({str(paths.root)!r}))
        setup_logging(paths, console=False)
        install_excepthook(None, paths)
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_real_uncaught_exception_in_a_process(paths: DataPaths) -> None:
    result = _run_child(paths, f"raise KeyError('refresh_token={SECRET}')\n")
    assert result.returncode == 1
    (crash,) = paths.crash_dir.iterdir()
    assert "KeyError" in crash.read_text() and SECRET not in crash.read_text()
    assert "Uncaught exception in thread MainThread" in paths.log_file.read_text()
    assert SECRET not in paths.log_file.read_text() + result.stderr


def test_hard_crash_leaves_a_faulthandler_trace(paths: DataPaths) -> None:
    result = _run_child(paths, "import faulthandler\nfaulthandler._sigsegv()\n")
    assert result.returncode != 0
    assert "Fatal Python error" in (paths.logs / "faulthandler.log").read_text()


def test_a_full_disk_silences_the_log_file_then_it_resumes(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No exception and nothing on stderr (logging's handleError prints tracebacks there)."""
    from support.filesystems import fill, full_disk

    import huntaze_desktop.logsetup as logsetup

    monkeypatch.setattr(logsetup, "LOG_RETRY_AFTER_S", 0.0)  # try the file again at once
    with full_disk(tmp_path / "disk") as disk:
        paths = DataPaths(disk / "data").ensure()
        filler = fill(disk)
        setup_logging(paths, level="INFO", console=False)
        log = area_logger("storage")
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            log.exception("a write failed %s", "x" * 10_000)
        log.error("and another %s", "y" * 10_000)
        assert capfd.readouterr().err == ""
        assert paths.log_file.read_text(encoding="utf-8") == ""
        filler.unlink()
        log.warning("space again")
        for handler in _ours():
            handler.flush()
        assert "space again" in paths.log_file.read_text(encoding="utf-8")
        assert capfd.readouterr().err == ""
        for handler in _ours():  # before the file system goes away
            logging.getLogger().removeHandler(handler)
            handler.close()

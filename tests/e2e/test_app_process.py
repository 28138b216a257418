"""End to end: the real app process starts in sandbox mode, comes up, quits cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _wait_for_event(proc: subprocess.Popen[str], event: str, timeout: float) -> list[dict]:
    """Read JSON log lines from stderr until one carries ``event``."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        seen.append(record)
        if record.get("event") == event:
            return seen
    raise AssertionError(f"no {event!r} log line; got {[r.get('message') for r in seen]}")


PASSPHRASE = "e2e passphrase"


def _env() -> dict[str, str]:
    # A subprocess cannot see the tests' in-memory keyring: use passphrase mode,
    # which is the real, supported set-up for machines without a keyring.
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        HUNTAZE_SANDBOX_PORT="0",  # never the shared default port
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "huntaze_desktop",
            "vault",
            "init",
            "--passphrase",
            "--sandbox",
            "--data-dir",
            str(tmp_path),
        ],
        env=_env(),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return tmp_path


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = _env()
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "huntaze_desktop",
            "--sandbox",
            "--data-dir",
            str(tmp_path),
            "--no-err-windows",
            "--json-logging",
            *extra,
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def test_app_comes_up_and_quits_cleanly_on_sigterm(data_dir: Path) -> None:
    tmp_path = data_dir
    proc = _start(tmp_path)
    try:
        records = _wait_for_event(proc, "app.ready", timeout=60)
        messages = [r.get("message", "") for r in records]
        assert any("Services ready" in m for m in messages)
        # The real window paints first; the services are imported and opened after.
        events = [r.get("event") for r in records]
        assert events.count("app.first_paint") == 1
        painted = events.index("app.first_paint")
        assert messages[painted] == "Main window painted"
        imported = next(i for i, m in enumerate(messages) if m == "Services imported")
        assert painted < imported < events.index("app.ready")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        assert proc.stderr is not None
        assert code == 0, proc.stderr.read()[-3000:]
        proc.stderr.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # It really used the data directory it was given.
    assert (tmp_path / "huntaze.sqlite3").exists()
    assert (tmp_path / "logs" / "huntaze-desktop.log").exists()


def test_second_launch_hands_over_to_the_first(data_dir: Path) -> None:
    with _start(data_dir) as first:
        try:
            _wait_for_event(first, "app.ready", timeout=60)
            with _start(data_dir) as second:
                # It asked the first one to come forward, then left.
                assert second.wait(timeout=60) == 0
            # The first heard it (its window is brought to the front).
            _wait_for_event(first, "app.activation_requested", timeout=30)
            assert first.poll() is None
        finally:
            first.send_signal(signal.SIGTERM)
            try:
                first.wait(timeout=30)
            except subprocess.TimeoutExpired:
                first.kill()


# Once the display server is gone, Qt stops its event loop, and stops it again
# every time it is run: the probe does the same from app.ready on.
DISPLAY_GONE_PROBE = """
import logging, sys
from huntaze_desktop.__main__ import main

class Ready(logging.Handler):
    def emit(self, record):
        if getattr(record, "event", None) == "app.ready":
            from PySide6.QtCore import QTimer
            from PySide6.QtWidgets import QApplication

            timer = QTimer(QApplication.instance())
            timer.timeout.connect(lambda: QApplication.exit(1))
            timer.start(0)

logging.getLogger("huntaze.boot").addHandler(Ready())
sys.exit(main(sys.argv[1:]))
"""


def test_a_loop_stopped_from_outside_ends_the_app_without_a_crash(data_dir: Path) -> None:
    args = ["--sandbox", "--data-dir", str(data_dir), "--no-err-windows", "--json-logging"]
    out = subprocess.run(
        [sys.executable, "-c", DISPLAY_GONE_PROBE, *args],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    records = []
    for line in out.stderr.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    events = [r.get("event") for r in records]
    messages = [r.get("message", "") for r in records]
    assert "app.ready" in events, out.stderr[-3000:]
    assert "app.crash" not in events, out.stderr[-3000:]
    assert "The event loop stopped before the services closed" in messages
    assert out.returncode == 0, out.stderr[-3000:]

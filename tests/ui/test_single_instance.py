"""SingleInstance: one GUI per data directory, later launches wake the first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from huntaze_desktop.ui.single_instance import SingleInstance

pytestmark = pytest.mark.gui

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QCoreApplication
    from huntaze_desktop.ui.single_instance import SingleInstance
    app = QCoreApplication(sys.argv)
    guard = SingleInstance(sys.argv[1])
    print("acquired" if guard.acquire() else "refused", flush=True)
    if sys.argv[2] == "hold":
        time.sleep(600)
    else:
        print("notified" if guard.notify_running() else "silent", flush=True)
    """
)


def _run_second(data_dir: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir), mode],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_second_instance_is_refused_and_wakes_the_first(qtbot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    second = SingleInstance(tmp_path)
    try:
        assert first.acquire()
        assert not second.acquire()
        with qtbot.waitSignal(first.activationRequested, timeout=10000):
            assert second.notify_running()
    finally:
        first.release()
        second.release()
    # Released: the next launch gets the lock.
    third = SingleInstance(tmp_path)
    assert third.acquire()
    third.release()


def test_second_process_is_refused_and_activates_us(qtbot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()
    try:
        with qtbot.waitSignal(first.activationRequested, timeout=20000):
            proc = _run_second(tmp_path, "notify")
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20000)
        out, _ = proc.communicate(timeout=10)
        assert out.split() == ["refused", "notified"]
    finally:
        first.release()


def test_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    holder = _run_second(tmp_path, "hold")
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "acquired"
        assert not SingleInstance(tmp_path).acquire()  # it is alive: respected
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=10)
    assert (tmp_path / "locks" / "gui.lock").exists()  # left behind by the crash
    guard = SingleInstance(tmp_path)
    assert guard.acquire()
    guard.release()


def test_different_data_dirs_do_not_block_each_other(tmp_path: Path) -> None:
    a = SingleInstance(tmp_path / "a")
    b = SingleInstance(tmp_path / "b")
    try:
        assert a.acquire()
        assert b.acquire()
        assert a.server_name != b.server_name
    finally:
        a.release()
        b.release()


def test_a_launch_during_start_up_is_answered_once_the_server_listens(
    qtbot, tmp_path: Path
) -> None:
    # The boot takes the lock before its first paint and listens after it: a
    # launch in between keeps knocking instead of giving up at once.
    first = SingleInstance(tmp_path)
    assert first.acquire(listen=False)
    try:
        proc = _run_second(tmp_path, "notify")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "refused"  # knocking from now on
        qtbot.wait(300)
        assert proc.poll() is None
        with qtbot.waitSignal(first.activationRequested, timeout=10000):
            first.listen()
            qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10000)
        out, _ = proc.communicate(timeout=10)
        assert out.split() == ["notified"]
    finally:
        first.release()


def test_nobody_listening_is_reported_after_the_knocking(tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire(listen=False)
    try:
        assert not SingleInstance(tmp_path).notify_running(knock_for_ms=500)
    finally:
        first.release()


def test_a_launch_knocks_for_longer_than_the_boot_waits_for_its_first_paint() -> None:
    from huntaze_desktop.app import FIRST_PAINT_WAIT_MS
    from huntaze_desktop.ui.single_instance import KNOCK_FOR_MS

    assert KNOCK_FOR_MS >= FIRST_PAINT_WAIT_MS + 1000


def test_acquiring_again_can_start_the_server(tmp_path: Path) -> None:
    guard = SingleInstance(tmp_path)
    try:
        assert guard.acquire(listen=False)
        assert guard.acquire()  # already ours: now it listens too
        assert SingleInstance(tmp_path).notify_running(knock_for_ms=2000)
    finally:
        guard.release()

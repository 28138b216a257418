"""Shared test set-up: Qt offscreen, an in-memory keyring, the sandbox, a real Runtime.

Tests talk to the real sandbox over loopback HTTP, to real SQLite files and to
real Qt widgets (offscreen); nothing here replaces a part with a mock. The only
stand-in is the keyring backend, an in-memory implementation of keyring's real
backend interface (the real Secret Service has its own test).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

# Before anything imports Qt: render offscreen, and let QtWebEngine (Chromium)
# run as root in CI without its sandbox or any background network traffic.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run --disable-dev-shm-usage"
)
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.pop("HUNTAZE_VAULT_PASSPHRASE", None)

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.memory_keyring import memory_keyring

__all__ = ["memory_keyring"]


def pytest_configure(config: pytest.Config) -> None:
    # QtWebEngine needs shared GL contexts set before the QApplication exists.
    try:
        from PySide6.QtCore import QCoreApplication, Qt
    except ImportError:  # pragma: no cover - PySide6 is a hard dependency
        return
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


@pytest.fixture(autouse=True)
def _isolated_keyring(memory_keyring: object) -> Iterator[None]:
    """No test ever touches the real keyring of the machine it runs on."""
    yield


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """One real sandbox server on 127.0.0.1 for the whole run (faults reset per test)."""
    from huntaze_desktop.sandbox.server import SandboxServer

    server = SandboxServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox_server(sandbox: object) -> Iterator[object]:
    """The shared sandbox with no faults left over from another test."""
    state = sandbox.state  # type: ignore[attr-defined]
    state.faults.clear()
    yield sandbox
    state.faults.clear()


@pytest.fixture
async def runtime(tmp_path: Path, sandbox_server: object) -> AsyncIterator[object]:
    """A real Runtime in sandbox mode with its own data directory."""
    from huntaze_desktop.runtime import Runtime, RuntimeOptions

    rt = await Runtime.create(
        RuntimeOptions(data_dir=tmp_path / "data", sandbox=True, sandbox_server=sandbox_server)
    )
    try:
        yield rt
    finally:
        await rt.aclose()

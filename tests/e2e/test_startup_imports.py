"""What the real app has loaded at its first paint, once it is up, and after Analytics (#4).

The process is the real boot (``python -m huntaze_desktop --sandbox``) with a
passphrase vault, accounts stored, a database already at its schema head and a
sandbox another process runs: the set-up of the start-up benchmark. Libraries
only some paths need stay out of the idle app: numpy and pyqtgraph until the
Analytics page opens, keyring in passphrase mode, Alembic when there is nothing
to migrate and the sandbox's server when it is reused. SQLAlchemy Core builds the
stores' statements, so it is loaded once the services are up, but never its ORM;
pydantic is not loaded at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.seeding import seed_stored_accounts

from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.shared import state_file_for

pytestmark = pytest.mark.e2e

PASSPHRASE = "e2e startup passphrase"
NOT_AT_IDLE = (
    *("numpy", "pyqtgraph", "keyring", "alembic", "uvicorn", "starlette"),
    *("pydantic", "pydantic_core"),  # msgspec validates the settings, specs and rules
)

# Runs the real entry point; at app.ready (plus a moment for the start-up checks
# of the accounts) it notes the loaded top-level packages, opens Analytics,
# notes them again and quits through SIGTERM like a session end.
PROBE = """
import json, logging, os, signal, sys
from huntaze_desktop.__main__ import main

seen = {}

def modules():
    return sorted({name.split(".")[0] for name in sys.modules})

def open_analytics():
    from PySide6.QtWidgets import QApplication
    from huntaze_desktop.ui.main_window import MainWindow

    seen["ready"] = modules()
    seen["sqlalchemy_orm"] = "sqlalchemy.orm" in sys.modules
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    window.show_page(1)
    seen["analytics"] = modules()
    print(json.dumps(seen), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

class Ready(logging.Handler):
    def emit(self, record):
        if getattr(record, "event", None) == "app.ready":
            from PySide6.QtCore import QTimer

            QTimer.singleShot(1500, open_analytics)

logging.getLogger("huntaze.boot").addHandler(Ready())
sys.exit(main(sys.argv[1:]))
"""


def run_probe(probe: str, data_dir: Path, accounts: int) -> dict[str, Any]:
    """Run ``probe`` as the real app on a seeded data directory; its last JSON line."""
    seed_stored_accounts(data_dir, accounts, PASSPHRASE, prefix="startup")
    with SandboxServer(state_file=state_file_for(data_dir)) as sandbox:
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
            HUNTAZE_SANDBOX_PORT=str(sandbox.port),
        )
        args = ["--sandbox", "--data-dir", str(data_dir), "--no-err-windows"]
        out = subprocess.run(
            [sys.executable, "-c", probe, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    seen: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return seen


def test_idle_app_leaves_out_what_only_some_paths_need(tmp_path: Path) -> None:
    seen = run_probe(PROBE, tmp_path / "data", accounts=8)
    ready, analytics = set(seen["ready"]), set(seen["analytics"])
    assert {"sqlite3", "httpx", "PySide6"} <= ready  # the probe saw the app up
    assert not ready & set(NOT_AT_IDLE), sorted(ready & set(NOT_AT_IDLE))
    # The stores are SQLAlchemy Core; the ORM stays out.
    assert "sqlalchemy" in ready
    assert seen["sqlalchemy_orm"] is False
    # Opening Analytics brings its charts' libraries in.
    assert {"numpy", "pyqtgraph"} <= analytics
    assert not analytics & {"pydantic", "pydantic_core"}  # nor later


BEFORE_FIRST_PAINT = (
    *("sqlite3", "sqlalchemy", "httpx", "msgspec", "cryptography", "qasync"),
    *NOT_AT_IDLE,
)

# Notes, as the main window receives its first Paint event, whether QtSvg is
# loaded and which packages are; at app.ready, whether QtWebEngine's shared GL
# contexts are on.
FIRST_FRAME_PROBE = """
import json, logging, os, signal, sys
from PySide6 import QtCore
from huntaze_desktop.__main__ import main
from huntaze_desktop.ui import main_window

seen = {}
original_event = main_window.MainWindow.event

def event(self, ev):
    if "paint" not in seen and ev.type() == QtCore.QEvent.Type.Paint:
        seen["paint"] = {
            "svg_renderer_loaded": "PySide6.QtSvg" in sys.modules,
            "modules": sorted({name.split(".")[0] for name in sys.modules}),
        }
    return original_event(self, ev)

main_window.MainWindow.event = event

class Ready(logging.Handler):
    def emit(self, record):
        if getattr(record, "event", None) == "app.ready":
            from PySide6.QtCore import QCoreApplication, Qt

            attribute = Qt.ApplicationAttribute.AA_ShareOpenGLContexts
            seen["share_gl_contexts"] = QCoreApplication.testAttribute(attribute)
            print(json.dumps(seen), flush=True)
            os.kill(os.getpid(), signal.SIGTERM)

logging.getLogger("huntaze.boot").addHandler(Ready())
sys.exit(main(sys.argv[1:]))
"""


def test_the_first_frame_needs_no_service_library(tmp_path: Path) -> None:
    seen = run_probe(FIRST_FRAME_PROBE, tmp_path / "data", accounts=2)
    paint = seen["paint"]
    assert not paint["svg_renderer_loaded"]  # the sidebar's logo is a PNG
    assert "PySide6" in paint["modules"]  # the probe saw the real frame
    loaded = set(paint["modules"]) & set(BEFORE_FIRST_PAINT)
    assert not loaded, sorted(loaded)
    # QtWebEngine (the sign-in window) needs this set before the application existed.
    assert seen["share_gl_contexts"] is True

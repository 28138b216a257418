"""A damaged installation is a sentence the user reads, never a traceback nor a missing feature.

Two real processes: the CLI on a copy of the app whose analytics scheduler
module is missing (a partial install), and the desktop app with a ``numpy``
that fails on import first on its ``sys.path`` (a broken wheel). Analytics is
always built at start-up (``Runtime._build_analytics``), so the first stops
the CLI with a clear message and a non-zero exit; numpy is only imported when
charts are asked for, so the second shows the reason on the Analytics page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.seeding import seed_stored_accounts

import huntaze_desktop
from huntaze_desktop.sandbox.server import SandboxServer
from huntaze_desktop.sandbox.shared import state_file_for

pytestmark = pytest.mark.e2e

PACKAGE = Path(huntaze_desktop.__file__).resolve().parent
PASSPHRASE = "e2e broken install passphrase"

BROKEN_NUMPY = (
    "raise ImportError(\n"
    '    "Importing the numpy C-extensions failed. This error can happen for many reasons."\n'
    ")\n"
)


def _install_copy(site: Path) -> Path:
    """The app's package and resources copied under ``site`` (what an install holds)."""
    shutil.copytree(PACKAGE, site / "huntaze_desktop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE.parent / "resources", site / "resources")
    return site / "huntaze_desktop"


def _run_app(data_dir: Path, env: dict[str, str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real app on ``data_dir``, with no error windows, until it exits."""
    return subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", "--no-err-windows", "--data-dir", str(data_dir)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_cli_says_which_part_of_a_damaged_install_is_missing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    copy = _install_copy(site)
    (copy / "services" / "analytics" / "scheduler.py").unlink()
    data_dir = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(site), HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    seed_stored_accounts(data_dir, 1, PASSPHRASE, prefix="broken")
    out = subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", "accounts", "list", "--data-dir", str(data_dir)],
        env=env,
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout
    assert out.stderr.strip().splitlines()[-1] == (
        "Error: huntaze_desktop.services.analytics.scheduler could not be loaded, and "
        "Analytics needs it. The installation looks incomplete or damaged: reinstalling it "
        "should fix this."
    )
    # The copy ran, not the checkout: the same command there lists the account.
    env["PYTHONPATH"] = str(PACKAGE.parent)
    ok = subprocess.run(
        [sys.executable, "-m", "huntaze_desktop", "accounts", "list", "--data-dir", str(data_dir)],
        env=env,
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "Creator 000" in ok.stdout


# At app.ready, opens Analytics and reports what the page says, then quits
# through SIGTERM like a session end.
ANALYTICS_PROBE = """
import json, logging, os, signal, sys
from huntaze_desktop.__main__ import main

def open_analytics():
    from PySide6.QtWidgets import QApplication, QLabel
    from huntaze_desktop.ui.main_window import MainWindow

    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    window.show_page(1)
    page = window.stack.currentWidget()
    texts = [label.text() for label in page.findChildren(QLabel)]
    print(json.dumps({"texts": texts, "numpy": "numpy" in sys.modules}), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

class Ready(logging.Handler):
    def emit(self, record):
        if getattr(record, "event", None) == "app.ready":
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, open_analytics)

logging.getLogger("huntaze.boot").addHandler(Ready())
sys.exit(main(sys.argv[1:]))
"""


def test_a_broken_numpy_is_named_on_the_analytics_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / "numpy").mkdir(parents=True)
    (broken / "numpy" / "__init__.py").write_text(BROKEN_NUMPY)
    data_dir = tmp_path / "data"
    seed_stored_accounts(data_dir, 2, PASSPHRASE, prefix="broken")
    with SandboxServer(state_file=state_file_for(data_dir)) as sandbox:
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
            HUNTAZE_SANDBOX_PORT=str(sandbox.port),
            PYTHONPATH=os.pathsep.join([str(broken), str(PACKAGE.parent)]),
        )
        args = ["--sandbox", "--data-dir", str(data_dir), "--no-err-windows"]
        out = subprocess.run(
            [sys.executable, "-c", ANALYTICS_PROBE, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert (
        "numpy could not be loaded, and Analytics needs it. The installation looks "
        "incomplete or damaged: reinstalling it should fix this."
    ) in seen["texts"]


def test_the_app_names_a_broken_library_of_its_services_and_stops(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / "httpx").mkdir(parents=True)
    (broken / "httpx" / "__init__.py").write_text('raise ImportError("a damaged wheel")\n')
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        PYTHONPATH=os.pathsep.join([str(broken), str(PACKAGE.parent)]),
    )
    data_dir = tmp_path / "data"
    out = _run_app(data_dir, env, cwd=tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert (
        "Huntaze Desktop cannot start: httpx could not be loaded, and Huntaze Desktop needs "
        "it. The installation looks incomplete or damaged: reinstalling it should fix this."
    ) in out.stderr.splitlines()


def test_the_app_names_a_missing_module_of_its_pages_and_stops(tmp_path: Path) -> None:
    site = tmp_path / "site"
    copy = _install_copy(site)
    (copy / "ui" / "card.py").unlink()  # the integrations page's cards
    data_dir = tmp_path / "data"
    seed_stored_accounts(data_dir, 1, PASSPHRASE, prefix="broken")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        PYTHONPATH=str(site),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = _run_app(data_dir, env, cwd=site)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert (
        "Huntaze Desktop cannot start: huntaze_desktop.ui.card could not be loaded, and "
        "Huntaze Desktop needs it. The installation looks incomplete or damaged: "
        "reinstalling it should fix this."
    ) in out.stderr.splitlines()

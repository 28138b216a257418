"""The GUI opens the user's browser with the user's environment (ui/links.py).

The same route the app installs at start (``route_links_to_user_programs``):
``QDesktopServices.openUrl`` in the sign-in window reaches a real program, a
fake browser that writes down its environment, here with the variables a
PyInstaller bundle sets simulated on the source run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject
from PySide6.QtGui import QDesktopServices
from support.cli_runner import act_as_browser
from support.qt_async import SignalRecorder, pump_until

from huntaze_desktop.domain.settings import SignInMethod
from huntaze_desktop.ui.crash_dialog import CrashDialog
from huntaze_desktop.ui.links import SCHEMES, route_links_to_user_programs
from huntaze_desktop.ui.signin_window import BrowserWaitDialog, SignInController

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Qt's own opener there"),
]

FAKE_BROWSER = """\
import json, os, sys
with open(sys.argv[1] + ".part", "w", encoding="utf-8") as out:
    json.dump({"env": dict(os.environ), "url": sys.argv[2]}, out)
os.replace(sys.argv[1] + ".part", sys.argv[1])
"""


@pytest.fixture(autouse=True)
def _keep_loop_running(qapp: Any) -> None:
    # Closing the wait dialog, the only window, would otherwise quit the app and
    # with it the loop the test runs on (as in test_signin_window.py).
    qapp.setQuitOnLastWindowClosed(False)


@pytest.fixture
def routed(qapp: Any) -> Any:
    owner = QObject()
    opener = route_links_to_user_programs(owner)
    assert opener is not None
    yield opener
    for scheme in SCHEMES:
        QDesktopServices.unsetUrlHandler(scheme)
    owner.deleteLater()


async def test_use_my_browser_starts_it_with_the_users_environment(
    runtime: Any, qtbot: Any, routed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = str(tmp_path / "huntaze-desktop" / "_internal")
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE_BROWSER, encoding="utf-8")
    record = tmp_path / "browser.json"
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script} {record} %s")
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{bundle}:/home/sam/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/home/sam/lib")
    monkeypatch.setenv("_PYI_APPLICATION_HOME_DIR", bundle)
    monkeypatch.setenv("QT_PLUGIN_PATH", f"{bundle}/PySide6/Qt/plugins")

    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    controller = SignInController(runtime)
    outcome = SignalRecorder(
        succeeded=controller.succeeded, failed=controller.failed, cancelled=controller.cancelled
    )
    controller.start("reddit")
    await pump_until(record.exists, 30, "the fake browser to be started")
    assert isinstance(controller.dialog, BrowserWaitDialog)
    seen = json.loads(record.read_text(encoding="utf-8"))
    callback = act_as_browser(seen["url"], ("sunny_creates", "sunny-pass"))
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        assert (await http.get(callback)).status_code == 200
    await pump_until(lambda: outcome.events, 30, "the sign-in to end")
    assert outcome.events[0][0] == "succeeded", outcome.events

    env = seen["env"]
    assert env["LD_LIBRARY_PATH"] == "/home/sam/lib"
    assert not [n for n in env if n.startswith(("_PYI_", "LD_LIBRARY_PATH_"))]
    assert not [n for n, v in env.items() if bundle in v]
    assert env["BROWSER"].startswith(sys.executable)  # the rest is the user's, unchanged


FAKE_XDG_OPEN = """\
#!{python}
import json, os, sys
record = {record!r}
with open(record + ".part", "w", encoding="utf-8") as out:
    json.dump({{"env": dict(os.environ), "args": sys.argv[1:]}}, out)
os.replace(record + ".part", record)
"""


async def test_open_log_folder_starts_the_file_manager_with_the_users_environment(
    qtbot: Any, routed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # xdg-open is what starts the user's file manager: a fake one, first on PATH.
    bundle = str(tmp_path / "huntaze-desktop" / "_internal")
    tools = tmp_path / "bin"
    tools.mkdir()
    record = tmp_path / "xdg-open.json"
    fake = tools / "xdg-open"
    fake.write_text(FAKE_XDG_OPEN.format(python=sys.executable, record=str(record)))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("LD_LIBRARY_PATH", bundle)  # the user had none
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    monkeypatch.setenv("_PYI_APPLICATION_HOME_DIR", bundle)

    log = tmp_path / "logs" / "huntaze-desktop.log"
    log.parent.mkdir()
    dialog = CrashDialog("Oops.", log)
    qtbot.addWidget(dialog)
    dialog.open_button.click()
    await pump_until(record.exists, 30, "the fake xdg-open to be started")

    seen = json.loads(record.read_text(encoding="utf-8"))
    assert seen["args"] == [str(log.parent)]
    assert "LD_LIBRARY_PATH" not in seen["env"]
    assert not [n for n in seen["env"] if n.startswith("_PYI_")]

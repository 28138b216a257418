"""Programs the CLI starts get the user's environment: no vault passphrase, nothing of a
PyInstaller bundle (real CLI, real browser process)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from support.cli_runner import LOGINS, PASSPHRASE, TIMEOUT, Cli, act_as_browser

# A stand-in for the user's browser: it writes down its environment and the
# address it was asked to open, then exits (as a browser handing over to a
# running instance does).
FAKE_BROWSER = """\
import json, os, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"env": dict(os.environ), "url": sys.argv[2]}, out)
"""


def test_the_system_browser_gets_no_passphrase(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE_BROWSER, encoding="utf-8")
    record = tmp_path / "browser.json"
    env = dict(cli.env, BROWSER=f"{sys.executable} {script} {record} %s")
    assert env["HUNTAZE_VAULT_PASSPHRASE"] == PASSPHRASE  # the CLI is given it...
    proc = subprocess.Popen(
        cli.argv("accounts", "connect", "reddit", "--browser", "system"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not record.exists() or not record.read_text(encoding="utf-8"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        seen = json.loads(record.read_text(encoding="utf-8"))
        # ...and what it starts does not get it, in any variable.
        assert "HUNTAZE_VAULT_PASSPHRASE" not in seen["env"]
        assert not [name for name, value in seen["env"].items() if PASSPHRASE in value]
        callback = act_as_browser(seen["url"], LOGINS["reddit"])
        with httpx.Client(timeout=10, trust_env=False) as http:
            assert http.get(callback).status_code == 200
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert [a["provider"] for a in cli.accounts()] == ["reddit"]


def test_the_system_browser_gets_the_users_environment_not_the_bundles(
    cli: Cli, tmp_path: Path
) -> None:
    # What a frozen app's environment holds (PyInstaller's boot loader and run-time
    # hooks), simulated on the source run; tests/packaging checks the real bundle.
    bundle = str(tmp_path / "huntaze-desktop" / "_internal")
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE_BROWSER, encoding="utf-8")
    record = tmp_path / "browser.json"
    env = dict(
        cli.env,
        BROWSER=f"{sys.executable} {script} {record} %s",
        LD_LIBRARY_PATH=f"{bundle}:/home/sam/lib",
        LD_LIBRARY_PATH_ORIG="/home/sam/lib",
        _PYI_APPLICATION_HOME_DIR=bundle,
        _PYI_ARCHIVE_FILE=str(tmp_path / "huntaze-desktop" / "huntaze-desktop"),
        _MEIPASS2=bundle,
        QT_PLUGIN_PATH=f"{bundle}/PySide6/Qt/plugins",
        HUNTAZE_TEST_USER_MARKER="kept",
    )
    proc = subprocess.Popen(
        cli.argv("accounts", "connect", "reddit", "--browser", "system"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not record.exists() or not record.read_text(encoding="utf-8"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        seen = json.loads(record.read_text(encoding="utf-8"))["env"]
        callback = act_as_browser(
            json.loads(record.read_text(encoding="utf-8"))["url"], LOGINS["reddit"]
        )
        with httpx.Client(timeout=10, trust_env=False) as http:
            assert http.get(callback).status_code == 200
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert seen["LD_LIBRARY_PATH"] == "/home/sam/lib"
    assert not [n for n in seen if n.startswith(("_PYI_", "_MEIPASS", "LD_LIBRARY_PATH_"))]
    assert not [n for n, v in seen.items() if bundle in v]
    assert seen["HUNTAZE_TEST_USER_MARKER"] == "kept"

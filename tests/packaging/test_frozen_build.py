"""The frozen (PyInstaller) app: builds, answers --version, runs the smoke test.

Marked slow: the first run builds dist/ (about a minute on 2 cores); later runs
reuse it while dist/.huntaze-desktop.stamp matches the sources.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tarfile
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from app_runner import REPO, app_env, smoke_test, vault_init
from support.cli_runner import LOGINS, act_as_browser

from huntaze_desktop import __version__
from huntaze_desktop.storage.db import SCHEMA_HEAD

# The first test builds dist/ in its set-up: allow for a cold build on 2 cores.
pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.webengine, pytest.mark.timeout(1200)]


def test_frozen_binary_answers_version(frozen_build: Path) -> None:
    binary = frozen_build / "huntaze-desktop" / "huntaze-desktop"
    done = subprocess.run(
        [str(binary), "--version"],
        env=app_env(frozen=True),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"huntaze-desktop {__version__}"


def test_frozen_app_opens_the_embedded_sign_in_and_quits_with_0(
    frozen_build: Path, tmp_path: Path
) -> None:
    app_dir = (frozen_build / "huntaze-desktop").resolve()
    command = [str(app_dir / "huntaze-desktop")]
    vault_init(command, tmp_path, frozen=True)
    run = smoke_test(command, tmp_path, frozen=True)
    assert run.code == 0, run.stderr[-4000:]
    (loaded,) = run.events("smoke.signin_loaded")
    assert loaded["frozen"] is True
    assert loaded["page_title"]
    # Chromium's helper came from the bundle, not from .venv on this machine.
    helpers = [Path(p) for p in loaded["helper_processes"]]
    assert any(p.name == "QtWebEngineProcess" for p in helpers), helpers
    assert all(p.is_relative_to(app_dir) for p in helpers), helpers
    # Alembic ran the bundle's migration scripts (data files, read from disk).
    with closing(sqlite3.connect(tmp_path / "huntaze.sqlite3")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(SCHEMA_HEAD,)]
    assert run.events("app.ready") and run.events("app.quit")


def test_linux_archive_has_the_app_the_desktop_file_and_the_icon(frozen_build: Path) -> None:
    archive = frozen_build / f"huntaze-desktop-{__version__}-linux-x86_64.tar.gz"
    top = f"huntaze-desktop-{__version__}"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        binary = members[f"{top}/huntaze-desktop/huntaze-desktop"]
        assert binary.isfile() and binary.mode & 0o111
        assert f"{top}/huntaze-desktop/_internal/PySide6/Qt/libexec/QtWebEngineProcess" in members
        icon = tar.extractfile(f"{top}/huntaze-desktop.png")
        assert icon is not None and icon.read(8) == b"\x89PNG\r\n\x1a\n"
        svg = tar.extractfile(f"{top}/huntaze-desktop.svg")
        assert svg is not None and b"<svg" in svg.read()
        metainfo = tar.extractfile(f"{top}/com.huntaze.desktop.metainfo.xml")
        assert metainfo is not None and f'version="{__version__}"'.encode() in metainfo.read()
        desktop_file = tar.extractfile(f"{top}/huntaze-desktop.desktop")
        assert desktop_file is not None
        entry = desktop_file.read().decode()
    lines = set(entry.splitlines())
    assert "[Desktop Entry]" in lines
    # No %U: the app takes no addresses on its command line (issue #19, item 5).
    assert "Exec=huntaze-desktop" in lines and "Icon=huntaze-desktop" in lines
    assert "X-AppImage-Version" not in entry
    assert "@" not in entry  # every placeholder was filled in


# Libraries every desktop provides (README "Build"; build.spec's _SYSTEM_LIBRARIES),
# and what only the left-out GTK theme and CUPS print plugins brought in.
LEFT_OUT = {
    "libc.so.6",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "libexpat.so.1",
    "libz.so.1",
    "libfontconfig.so.1",
    "libfreetype.so.6",
    "libharfbuzz.so.0",
    "libfribidi.so.0",
    "libglib-2.0.so.0",
    "libgobject-2.0.so.0",
    "libgio-2.0.so.0",
    "libgmodule-2.0.so.0",
    "libX11.so.6",
    "libX11-xcb.so.1",
    "libXext.so.6",
    "libxcb.so.1",
    "libxcb-shm.so.0",
    "libwayland-client.so.0",
    "libasound.so.2",
    "libgbm.so.1",
    "libdrm.so.2",
    "libEGL.so.1",
    "libGL.so.1",
    "libuuid.so.1",
    "libgmp.so.10",
    "libgpg-error.so.0",
    "libnss3.so",
    "libnssutil3.so",
    "libsoftokn3.so",
    "libnssckbi.so",
    "libnspr4.so",
    "libgtk-3.so.0",
    "libgdk-3.so.0",
    "libpango-1.0.so.0",
    "libcairo.so.2",
    "libatk-1.0.so.0",
    "libgdk_pixbuf-2.0.so.0",
    "libcups.so.2",
    "libqgtk3.so",
    "libcupsprintersupport.so",
}


def test_the_bundle_leaves_out_what_the_system_provides(frozen_build: Path) -> None:
    app_dir = frozen_build / "huntaze-desktop"
    found = sorted(str(p.relative_to(app_dir)) for p in app_dir.rglob("*") if p.name in LEFT_OUT)
    assert found == []
    # The xcb-util libraries, which distributions do not install by default, stay.
    assert (app_dir / "_internal" / "libxcb-cursor.so.0").is_file()


def test_the_bundle_needs_no_newer_glibc_than_the_readme_says(frozen_build: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (stated,) = re.findall(r"needs glibc (\d+\.\d+) or newer", readme)
    done = subprocess.run(
        [str(REPO / "scripts" / "check-bundle"), str(frozen_build / "huntaze-desktop"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["elf_files"] > 100  # the whole bundle was read
    floor = report["glibc_floor"]

    def version(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    assert version(floor) <= version(stated), (
        f"the bundle needs glibc {floor} (README says {stated}): {report['needed_by']}"
    )
    # check-bundle itself fails on a floor above the limit it is given.
    over = subprocess.run(
        [
            str(REPO / "scripts" / "check-bundle"),
            str(frozen_build / "huntaze-desktop"),
            "--max",
            "2.17",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert over.returncode == 1 and f"needs glibc {floor}" in over.stderr


def test_the_bundle_is_lean(frozen_build: Path) -> None:
    app_dir = frozen_build / "huntaze-desktop"
    qt = app_dir / "_internal" / "PySide6" / "Qt"
    # One Chromium locale: the app is English-only.
    locales = sorted(p.name for p in (qt / "translations" / "qtwebengine_locales").iterdir())
    assert locales == ["en-US.pak"]
    assert not (qt / "resources" / "qtwebengine_devtools_resources.pak").exists()
    assert (qt / "resources" / "qtwebengine_resources.pak").is_file()
    # Platform plugins for a desktop only; nothing that pulls in QtPdf.
    platforms = sorted(p.name for p in (qt / "plugins" / "platforms").iterdir())
    assert platforms == ["libqminimal.so", "libqoffscreen.so", "libqwayland.so", "libqxcb.so"]
    assert not (qt / "plugins" / "egldeviceintegrations").exists()
    assert not (qt / "plugins" / "imageformats" / "libqpdf.so").exists()
    assert not [p for p in app_dir.rglob("*") if "eglfs" in p.name.lower() or "Pdf" in p.name]
    # Every symbolic link leads to a file of the bundle.
    broken = [
        str(p.relative_to(app_dir)) for p in app_dir.rglob("*") if p.is_symlink() and not p.exists()
    ]
    assert broken == []


FAKE_BROWSER = """\
import json, os, sys
with open(sys.argv[1] + ".part", "w", encoding="utf-8") as out:
    json.dump({"env": dict(os.environ), "url": sys.argv[2]}, out)
os.replace(sys.argv[1] + ".part", sys.argv[1])
"""


def test_the_browser_the_frozen_app_opens_gets_the_users_environment(
    frozen_build: Path, tmp_path: Path
) -> None:
    app_dir = (frozen_build / "huntaze-desktop").resolve()
    command = [str(app_dir / "huntaze-desktop")]
    vault_init(command, tmp_path, frozen=True)
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE_BROWSER, encoding="utf-8")
    record = tmp_path / "browser.json"
    env = app_env(frozen=True)
    env.pop("QTWEBENGINE_CHROMIUM_FLAGS")  # the user has none: the app must not add its own
    env.update(
        BROWSER=f"{sys.executable} {script} {record} %s",
        LD_LIBRARY_PATH="/home/sam/lib",
        QT_PLUGIN_PATH="/home/sam/qt-plugins",  # PyInstaller's hook replaces it in the app
        HUNTAZE_TEST_USER_MARKER="kept",
    )
    proc = subprocess.Popen(
        [
            *command,
            "--sandbox",
            "--data-dir",
            str(tmp_path),
            "accounts",
            "connect",
            "reddit",
            "--browser",
            "system",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not record.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        seen = json.loads(record.read_text(encoding="utf-8"))
        callback = act_as_browser(seen["url"], LOGINS["reddit"])
        with httpx.Client(timeout=10, trust_env=False) as http:
            assert http.get(callback).status_code == 200
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    child = seen["env"]
    # The user's LD_LIBRARY_PATH, not the bundle's; nothing else of the bundle either.
    assert child["LD_LIBRARY_PATH"] == "/home/sam/lib"
    assert child["QT_PLUGIN_PATH"] == "/home/sam/qt-plugins"
    assert "QML2_IMPORT_PATH" not in child  # the user had none
    assert not [n for n in child if n.startswith(("_PYI_", "_MEIPASS", "LD_LIBRARY_PATH_"))]
    assert not [n for n, v in child.items() if str(app_dir) in v]
    assert "QTWEBENGINE_CHROMIUM_FLAGS" not in child
    assert "HUNTAZE_VAULT_PASSPHRASE" not in child
    assert child["HUNTAZE_TEST_USER_MARKER"] == "kept"

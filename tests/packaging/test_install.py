"""install.sh from the Linux archive, run as a user would, in a throw-away home folder.

Marked slow: it needs the archive that ``scripts/build`` makes (the session fixture
builds it once). The home folder's path has a space, so the quoting of ``Exec`` is
exercised; desktop-file-validate and appstreamcli (``bootstrap``'s test packages)
check what was installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from app_runner import app_env

from huntaze_desktop import __version__

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(1200)]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _extract(frozen_build: Path, into: Path) -> Path:
    archive = frozen_build / f"huntaze-desktop-{__version__}-linux-x86_64.tar.gz"
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="tar")
    return into / f"huntaze-desktop-{__version__}"


def _run(script: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    return subprocess.run(
        ["sh", str(script), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_install_and_remove_leave_the_home_folder_as_it_was(
    frozen_build: Path, tmp_path: Path
) -> None:
    top = _extract(frozen_build, tmp_path / "archive")
    home = tmp_path / "a home"
    # Another app's launcher and a desktop database were there before.
    apps = home / ".local" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "other.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Other\nExec=other\n", encoding="utf-8"
    )
    (apps / "mimeinfo.cache").write_text("[MIME Cache]\n", encoding="utf-8")
    before = _tree(home)

    done = _run(top / "install.sh", home)
    assert done.returncode == 0, done.stderr
    opt = home / ".local" / "opt" / "huntaze-desktop"
    data = home / ".local" / "share"
    desktop = apps / "huntaze-desktop.desktop"
    entry = desktop.read_text(encoding="utf-8").splitlines()
    assert f'Exec="{opt}/huntaze-desktop"' in entry  # quoted: the path has a space
    assert not [line for line in entry if "%U" in line or "X-AppImage" in line]
    assert (data / "icons/hicolor/scalable/apps/huntaze-desktop.svg").is_file()
    assert (data / "icons/hicolor/512x512/apps/huntaze-desktop.png").is_file()
    metainfo = data / "metainfo" / "com.huntaze.desktop.metainfo.xml"
    assert metainfo.is_file()
    validate = shutil.which("desktop-file-validate")
    appstream = shutil.which("appstreamcli")
    assert validate and appstream, "bootstrap test installs desktop-file-utils and appstream"
    checked = subprocess.run([validate, str(desktop)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = subprocess.run(
        [appstream, "validate", "--no-net", str(metainfo)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The command on ~/.local/bin is the installed app.
    version = subprocess.run(
        [str(home / ".local" / "bin" / "huntaze-desktop"), "--version"],
        env=app_env(frozen=True),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.stdout.strip() == f"huntaze-desktop {__version__}", version.stderr

    done = _run(top / "install.sh", home, "--remove")
    assert done.returncode == 0, done.stderr
    assert _tree(home) == before  # no file, empty folder or cache of ours is left
    assert (apps / "other.desktop").is_file()


def test_install_refuses_to_replace_or_remove_a_running_app(
    frozen_build: Path, tmp_path: Path
) -> None:
    top = _extract(frozen_build, tmp_path / "archive")
    home = tmp_path / "home"
    home.mkdir()
    assert _run(top / "install.sh", home).returncode == 0
    app = home / ".local" / "opt" / "huntaze-desktop" / "huntaze-desktop"
    # The installed app, running: its sandbox server runs until it is stopped.
    running = subprocess.Popen(
        [str(app), "--sandbox", "--data-dir", str(tmp_path / "data"), "sandbox", "serve"],
        env=app_env(frozen=True),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for args in ((), ("--remove",)):
            done = _run(top / "install.sh", home, *args)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            assert "Huntaze Desktop is running: quit it" in done.stderr
            assert app.is_file()  # untouched
        assert running.poll() is None
    finally:
        running.terminate()
        running.wait(timeout=60)
    assert _run(top / "install.sh", home).returncode == 0  # once it has quit
    assert _run(top / "install.sh", home, "--remove").returncode == 0
    assert _tree(home) == set()

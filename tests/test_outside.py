"""outside.user_environment: what a program the app opens gets as its environment."""

from __future__ import annotations

import os

import pytest

from huntaze_desktop import outside

BUNDLE = "/opt/huntaze-desktop/_internal"

# What PyInstaller's boot loader and run-time hooks leave in a frozen app's
# environment (the user's own values are HOME, PATH, the LD_LIBRARY_PATH_ORIG
# the boot loader kept, and a Qt plug-in folder of theirs).
FROZEN = {
    "HOME": "/home/sam",
    "PATH": "/home/sam/bin:/usr/bin",
    "LD_LIBRARY_PATH": f"{BUNDLE}:/home/sam/lib",
    "LD_LIBRARY_PATH_ORIG": "/home/sam/lib",
    "_PYI_APPLICATION_HOME_DIR": BUNDLE,
    "_PYI_ARCHIVE_FILE": "/opt/huntaze-desktop/huntaze-desktop",
    "_PYI_PARENT_PROCESS_LEVEL": "0",
    "_MEIPASS2": BUNDLE,
    "QT_PLUGIN_PATH": f"{BUNDLE}/PySide6/Qt/plugins",
    "QML2_IMPORT_PATH": f"{BUNDLE}/PySide6/Qt/qml",
    "OPENSSL_MODULES": f"{BUNDLE}/ossl-modules",
    "XDG_DATA_DIRS": f"/usr/share:{BUNDLE}/share",
    "BROWSER": "firefox",
}


def test_a_frozen_apps_environment_becomes_the_users() -> None:
    env = outside.user_environment(FROZEN)
    assert env == {
        "HOME": "/home/sam",
        "PATH": "/home/sam/bin:/usr/bin",
        "LD_LIBRARY_PATH": "/home/sam/lib",
        "XDG_DATA_DIRS": "/usr/share",
        "BROWSER": "firefox",
    }


def test_without_an_original_ld_library_path_there_is_none() -> None:
    frozen = dict(FROZEN, LD_LIBRARY_PATH=BUNDLE)
    del frozen["LD_LIBRARY_PATH_ORIG"]
    assert "LD_LIBRARY_PATH" not in outside.user_environment(frozen)


def test_a_source_run_keeps_the_environment_as_it_is() -> None:
    plain = {"HOME": "/home/sam", "LD_LIBRARY_PATH": "/home/sam/lib", "PATH": "/usr/bin"}
    assert outside.user_environment(plain) == plain


def test_a_variable_the_app_sets_for_itself_goes_back_to_the_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A name of this test's own: set_for_this_process remembers it for the process.
    name = "HUNTAZE_TEST_OUTSIDE_FLAGS"
    monkeypatch.setenv(name, "--user-flag")
    outside.set_for_this_process(name, "--user-flag --no-sandbox")
    assert os.environ[name] == "--user-flag --no-sandbox"
    assert outside.user_environment()[name] == "--user-flag"

    absent = "HUNTAZE_TEST_OUTSIDE_ABSENT"
    monkeypatch.delenv(absent, raising=False)
    outside.set_for_this_process(absent, "--app-only")
    monkeypatch.setenv(absent, "--app-only")  # monkeypatch removes it afterwards
    assert absent not in outside.user_environment()


def test_a_value_remembered_before_pyinstallers_hooks_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "HUNTAZE_TEST_OUTSIDE_REMEMBERED"
    monkeypatch.setenv(name, "/home/sam/qt-plugins")
    outside.remember_user_values((name,))
    monkeypatch.setenv(name, f"{BUNDLE}/PySide6/Qt/plugins")  # what the hook sets
    env = outside.user_environment(dict(FROZEN, **{name: os.environ[name]}))
    assert env[name] == "/home/sam/qt-plugins"

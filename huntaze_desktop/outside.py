"""Programs outside the app (the user's browser, file manager), started as the user would.

The app's own process environment is not the user's: a PyInstaller bundle's
boot loader points ``LD_LIBRARY_PATH`` into the bundle (keeping the user's value
as ``LD_LIBRARY_PATH_ORIG``) and sets ``_PYI_*`` variables; its run-time hooks
point ``QT_PLUGIN_PATH``, ``QML2_IMPORT_PATH`` and ``OPENSSL_MODULES`` into the
bundle; the GUI adds its own ``QTWEBENGINE_CHROMIUM_FLAGS``. A browser or file
manager started with that environment loads the bundle's libraries and Qt
plugins instead of its own, and may not start at all on another distribution.

:func:`user_environment` is the environment as the user had it, and
:func:`open_url` / :func:`open_folder` start the user's programs with it. The
CLI calls them directly; the GUI routes ``QDesktopServices.openUrl`` to them
(``ui/links.py``). No Qt here: this is the ground layer, used by both.

On Linux (and other X11/Wayland systems) a web address goes to the first command
of ``BROWSER`` that starts (``:``-separated, ``%s`` replaced by the address or
the address appended, as Python's ``webbrowser`` reads it), else to
``xdg-open``; a folder goes to ``xdg-open``. On Windows and macOS the standard
library's ``webbrowser`` and the system's ``open``/``os.startfile`` are used as
they are (the GUI keeps Qt's own opener there): what a frozen build changes in the
environment on those systems is not handled here yet.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "open_folder",
    "open_url",
    "remember_user_values",
    "set_for_this_process",
    "user_environment",
]

log = logging.getLogger("huntaze.outside")

# The values the user had for the variables this process set for itself
# (None: the user had none), recorded by set_for_this_process and
# remember_user_values.
_USER_VALUES: dict[str, str | None] = {}
_LOCK = threading.Lock()


def set_for_this_process(name: str, value: str) -> None:
    """Set an environment variable the app needs for itself, never for the user's programs.

    The value the user had (or its absence) is recorded the first time, and
    :func:`user_environment` gives it back.
    """
    with _LOCK:
        _USER_VALUES.setdefault(name, os.environ.get(name))
        os.environ[name] = value


def remember_user_values(names: tuple[str, ...]) -> None:
    """Record the user's values of variables something is about to change for this process.

    Called by the frozen app's first run-time hook
    (``packaging/rthook_user_environment.py``), before PyInstaller's own hooks
    point these variables into the bundle; :func:`user_environment` gives the
    recorded values (or their absence) back.
    """
    with _LOCK:
        for name in names:
            _USER_VALUES.setdefault(name, os.environ.get(name))


def _bundle_dirs(environ: Mapping[str, str]) -> list[str]:
    """The folders of the running PyInstaller bundle (none when run from source)."""
    dirs = []
    meipass = getattr(sys, "_MEIPASS", None)  # PyInstaller's documented attribute
    if getattr(sys, "frozen", False) and isinstance(meipass, str):
        dirs.append(meipass)
    home = environ.get("_PYI_APPLICATION_HOME_DIR")  # set by PyInstaller's boot loader
    if home:
        dirs.append(home)
    return [os.path.normpath(d) for d in dirs]


def _inside(entry: str, dirs: list[str]) -> bool:
    entry = os.path.normpath(entry) if entry else entry
    return any(entry == d or entry.startswith(d + os.sep) for d in dirs)


def user_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment as the user had it, for a program started on their behalf.

    - ``LD_LIBRARY_PATH`` is the user's (PyInstaller's ``LD_LIBRARY_PATH_ORIG``),
      or absent when the user had none;
    - ``_PYI_*`` and ``_MEIPASS*`` (the boot loader's) are left out;
    - in every variable, folders inside the bundle are left out of a
      ``:``-separated list, and a variable left empty by that is left out;
    - a variable the app set with :func:`set_for_this_process`, or one recorded with
      :func:`remember_user_values` before PyInstaller's hooks changed it, has the
      user's value again, or is left out.
    """
    env = dict(os.environ if environ is None else environ)
    dirs = _bundle_dirs(env)
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        env["LD_LIBRARY_PATH"] = original
    for name in list(env):
        if name.startswith(("_PYI_", "_MEIPASS")):
            del env[name]
    if dirs:
        for name, value in list(env.items()):
            entries = value.split(os.pathsep)
            if not any(_inside(entry, dirs) for entry in entries):
                continue
            kept = [entry for entry in entries if not _inside(entry, dirs)]
            if any(kept):
                env[name] = os.pathsep.join(kept)
            else:
                del env[name]
    with _LOCK:
        for name, users in _USER_VALUES.items():
            if users is None:
                env.pop(name, None)
            else:
                env[name] = users
    return env


def _uses_xdg() -> bool:
    return sys.platform not in ("win32", "darwin")


def _start(argv: list[str]) -> bool:
    """Start one program with the user's environment, detached; False if it cannot start."""
    try:
        process = subprocess.Popen(
            argv,
            env=user_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # not in the app's process group: closing the app leaves it
        )
    except OSError as exc:
        log.info("Could not start %s: %s", argv[0], exc.strerror or type(exc).__name__)
        return False
    # Collect its exit status when it ends, so it never lingers as a zombie.
    threading.Thread(target=process.wait, name="outside-wait", daemon=True).start()
    return True


def _browser_commands(url: str, browser: str) -> list[list[str]]:
    commands = []
    for entry in browser.split(os.pathsep):
        try:
            words = shlex.split(entry)
        except ValueError:
            continue
        if not words:
            continue
        if any("%s" in word for word in words):
            commands.append([word.replace("%s", url) for word in words])
        else:
            commands.append([*words, url])
    return commands


def open_url(url: str) -> bool:
    """Open a web address in the user's browser; False if no browser could be started."""
    if not _uses_xdg():
        import webbrowser

        return webbrowser.open(url)
    env = user_environment()
    for argv in _browser_commands(url, env.get("BROWSER", "")):
        if _start(argv):
            return True
    return _start(["xdg-open", url])


def open_folder(path: Path) -> bool:
    """Show a folder in the user's file manager; False if none could be started."""
    if sys.platform == "win32":
        try:
            os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606 - Windows only
        except OSError:
            return False
        return True
    if sys.platform == "darwin":
        return _start(["open", str(path)])
    return _start(["xdg-open", str(path)])

"""GUI boot: a written-down sequence of small steps, each logging one line.

1. logging (records held in memory until the log file is set up in step 8)
2. environment for Qt/QtWebEngine (``Qt::AA_ShareOpenGLContexts``)
3. QApplication  4. single-instance lock  5. crash hooks  6. main window,
painted (``app.first_paint``)  7. qasync loop  8. services imported (on a
worker thread, so the window stays live) and opened (vault, storage…); while
the vault key is derived off the loop, the loop's thread sets up the log
file, the application icon and the single-instance server, and imports the
pages (``_prepare_pages``)  9. services attached to the window
(``app.ready``)  10. run until quit  11. close services

Steps 1-6 import nothing but Qt and a few small modules: the window the user
sees first is the real one, with its navigation and an outline of each page.
The services (httpx, cryptography, SQLite…) come after that paint. No
automatic garbage collection runs until step 9 is done (``gc_policy``).

Only public APIs of PySide6 and the standard library are used. The costs of
that are accepted and measured (benchmarks/bench_startup.py):

* the attribute of step 2 is named through PySide6's ``Qt`` namespace, whose
  first use builds its enum classes (~12 ms before the first paint);
* ``import httpx`` tries its command-line client whenever click is installed
  (uvicorn brings it), which loads click and pygments before failing on rich:
  ~3 MB and ~15 ms on the worker thread, for a client the app never runs;
* PySide6's ``__feature__`` import hook reads the source of every module
  imported after PySide6 through ``inspect.getsource``, which leaves it in
  ``linecache``. The boot empties ``linecache`` (``linecache.clearcache``,
  public) after each large group of imports (asyncio and qasync; httpx; the
  rest of the services; the pages) rather than once at the end, so that no
  more than one group's source text is alive at a time and the memory it
  freed is reused by the next group instead of being left fragmented (~7 MB
  less at idle than one clearing at the end). The frozen build ships no
  ``.py`` sources, so there the hook finds none to read.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from huntaze_desktop import __version__

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths

__all__ = ["run_gui"]

log = logging.getLogger("huntaze.boot")

FIRST_PAINT_WAIT_MS = 3000  # ui.single_instance.KNOCK_FOR_MS must stay longer


def _prepare_qt_environment() -> None:
    """QtWebEngine (Chromium) refuses to run as root without its sandbox off."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    wanted = ["--disable-background-networking", "--disable-component-update"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wanted.append("--no-sandbox")
    missing = [f for f in wanted if f not in flags.split()]
    if missing:
        # For Chromium in this process only: programs the app opens get the user's.
        from huntaze_desktop.outside import set_for_this_process

        set_for_this_process("QTWEBENGINE_CHROMIUM_FLAGS", " ".join([flags, *missing]).strip())
    # QtWebEngine is loaded lazily; it needs shared GL contexts set before the app exists.
    _share_gl_contexts()


def _share_gl_contexts() -> None:
    """Set ``Qt::AA_ShareOpenGLContexts``, which QtWebEngine needs before the app exists.

    The first use of PySide6's ``Qt`` namespace builds its enum classes (~12 ms
    on the path to the first paint on a 2-core machine): the price of asking
    for the attribute by name through PySide6's public API. QtWebEngine (the
    sign-in window) is loaded lazily, long after the application exists, so
    this cannot wait until it is needed. tests/e2e/test_startup_imports.py
    checks that the attribute is set.
    """
    from PySide6.QtCore import Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def _show_window(paths: DataPaths, args: argparse.Namespace) -> Any:
    """Build the main window before the services and wait until it has painted."""
    from PySide6.QtCore import QEventLoop, QTimer

    from huntaze_desktop.domain.early_settings import read_early_settings
    from huntaze_desktop.ui.main_window import MainWindow, WindowShell

    early = read_early_settings(paths.settings_file)
    window = MainWindow(shell=WindowShell(paths.root, args.sandbox, early.theme))
    if early.start_minimized and window.has_tray():
        log.info("Starting minimized to the tray")
        return window
    window.show()
    # A short local loop, only until the frame is on screen (bounded, in case a
    # window manager never exposes the window): the services load after it.
    waiting = QEventLoop()
    announced = False

    def painted() -> None:
        nonlocal announced
        announced = True
        # Logged as the frame is on screen, before the window's finishing
        # touches (icon, shortcuts) that follow the same signal.
        log.info("Main window painted", extra={"event": "app.first_paint"})
        waiting.quit()

    window.firstPainted.connect(painted)
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, waiting.quit)
    waiting.exec()
    window.firstPainted.disconnect(painted)
    if not announced:
        log.info("Main window shown (not painted yet)", extra={"event": "app.first_paint"})
    return window


def _paint_first(paths: DataPaths, args: argparse.Namespace) -> tuple[Any, Any, QApplication]:
    """Steps 2-6: Qt, the single-instance lock, crash hooks, the painted window.

    The window is None when another instance has this data directory (it was
    asked to come forward instead).
    """
    from huntaze_desktop.logsetup import install_excepthook

    log.info("Huntaze Desktop %s starting (data: %s)", __version__, paths.root)

    _prepare_qt_environment()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Huntaze Desktop")
    app.setOrganizationName("Huntaze")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("huntaze-desktop")
    app.setQuitOnLastWindowClosed(False)  # the tray keeps the app alive
    log.info("Qt application created (platform %s)", app.platformName())

    from huntaze_desktop.ui.single_instance import SingleInstance

    instance = SingleInstance(paths.root)
    # The lock now; the server that answers later launches after the first paint.
    if not instance.acquire(listen=False):
        log.info("Another window is open for this data directory: bringing it forward")
        instance.notify_running()
        return None, instance, app
    log.info("Single-instance lock taken")

    dialog = None
    if not args.no_err_windows:
        from huntaze_desktop.ui.crash_dialog import show_crash_dialog

        def dialog(summary: str) -> None:
            show_crash_dialog(summary, paths.logs)

    install_excepthook(dialog, paths)
    log.info("Crash handler installed")

    return _show_window(paths, args), instance, app


def _after_first_paint(app: QApplication, instance: Any) -> None:
    """What the first frame does not need: the icon dialogs inherit, the link opener, the
    instance server."""
    from PySide6.QtGui import QIcon

    from huntaze_desktop.resources import resource_path
    from huntaze_desktop.ui.links import route_links_to_user_programs

    app.setWindowIcon(QIcon(str(resource_path("icons", "app.svg"))))
    # Browser and file manager get the user's environment, not the bundle's.
    route_links_to_user_programs(app)
    instance.listen()


def run_gui(args: argparse.Namespace) -> int:
    """Start the desktop app; returns the process exit code."""
    from huntaze_desktop import gc_policy
    from huntaze_desktop.domain.errors import DataDirectoryError, DiskFullError, HuntazeError
    from huntaze_desktop.domain.paths import DataPaths, default_data_dir
    from huntaze_desktop.logsetup import hold_records

    try:
        paths = DataPaths(args.data_dir or default_data_dir(sandbox=args.sandbox)).ensure()
    except HuntazeError as exc:  # a read-only folder, a file in its place...
        return _cannot_start(args, exc.user_message)
    # The log file and its redaction (~10 ms of imports) are set up once the window
    # has painted; until then records wait in memory, then are written in order.
    hold_records(args.log_level)
    # No automatic collection until the boot is over (gc_policy): on again in
    # settle_boot_heap, or when run_gui returns.
    gc_policy.pause_for_boot()
    try:
        return _run(args, paths)
    except (DataDirectoryError, DiskFullError) as exc:  # the instance lock not written
        return _cannot_start(args, exc.user_message)
    finally:
        gc_policy.resume_after_boot()


def _cannot_start(args: argparse.Namespace, reason: str) -> int:
    """Before anything else could start: the reason on stderr and in a box; exit code 1."""
    print(f"Huntaze Desktop cannot start: {reason}", file=sys.stderr)
    if not args.no_err_windows:
        from huntaze_desktop.app_services import fatal_message_box

        _prepare_qt_environment()
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        fatal_message_box(None, reason).exec()
    return 1


def _run(args: argparse.Namespace, paths: DataPaths) -> int:
    """run_gui's steps 2-11 (see the module docstring)."""
    from huntaze_desktop.logsetup import setup_logging

    logging_set_up = False

    def set_up_logging() -> None:
        nonlocal logging_set_up
        if not logging_set_up:
            logging_set_up = True
            setup_logging(paths, level=args.log_level, json_logging=args.json_logging, console=True)

    try:
        return _run_window(args, paths, set_up_logging)
    finally:
        set_up_logging()  # whenever the boot stops, the held records are written


def _run_window(
    args: argparse.Namespace, paths: DataPaths, set_up_logging: Callable[[], None]
) -> int:
    window, instance, app = _paint_first(paths, args)
    if window is None:
        return 0

    def after_first_paint() -> None:
        """What waits for a moment the boot's thread is free (see _prepare_pages)."""
        set_up_logging()
        _after_first_paint(app, instance)

    # Only now asyncio, qasync and (in ServicesBoot) the services: the window is on screen.
    import asyncio
    import linecache

    import qasync

    linecache.clearcache()  # their source, read by PySide6's import hook (module docstring)

    from huntaze_desktop.app_services import ServicesBoot

    boot = ServicesBoot(app, args, paths, instance, window, after_first_paint)
    runner = asyncio.Runner(loop_factory=qasync.QEventLoop)
    try:
        code = runner.run(boot.main())
    except RuntimeError as exc:
        if not _stopped_from_outside(exc):
            raise
        # Qt's loop was stopped from outside (e.g. the display server went away)
        # before the services could close; SQLite's WAL keeps committed data safe.
        log.warning("The event loop stopped before the services closed")
        code = 0
    finally:
        try:
            runner.close()  # cancels what is left, which needs the loop to run again
        except RuntimeError as exc:
            if not _stopped_from_outside(exc):
                raise
            # Stopped from outside again (Qt stops it on every turn once the
            # display is gone): not a crash, the process is ending anyway.
            log.warning("The event loop could not run again to cancel what was left")
    instance.release()
    log.info("Exited with code %d", code)
    return code


def _stopped_from_outside(exc: RuntimeError) -> bool:
    """The error asyncio and qasync raise when Qt's loop stops under a running task."""
    return str(exc).startswith("Event loop stopped before Future completed")

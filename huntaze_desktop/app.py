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
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from huntaze_desktop import __version__

if TYPE_CHECKING:
    from huntaze_desktop.domain.errors import HuntazeError
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
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *missing]).strip()
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
    """What the first frame does not need: the icon dialogs inherit, the instance server."""
    from PySide6.QtGui import QIcon

    from huntaze_desktop.resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons", "app.svg"))))
    instance.listen()


def run_gui(args: argparse.Namespace) -> int:
    """Start the desktop app; returns the process exit code."""
    from huntaze_desktop import gc_policy
    from huntaze_desktop.domain.paths import DataPaths, default_data_dir
    from huntaze_desktop.logsetup import hold_records

    paths = DataPaths(args.data_dir or default_data_dir(sandbox=args.sandbox)).ensure()
    # The log file and its redaction (~10 ms of imports) are set up once the window
    # has painted; until then records wait in memory, then are written in order.
    hold_records(args.log_level)
    # No automatic collection until the boot is over (gc_policy): on again in
    # settle_boot_heap, or when run_gui returns.
    gc_policy.pause_for_boot()
    try:
        return _run(args, paths)
    finally:
        gc_policy.resume_after_boot()


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

    # Only now asyncio, qasync and (in _Boot) the services: the window is on screen.
    import asyncio
    import linecache

    import qasync

    linecache.clearcache()  # their source, read by PySide6's import hook (module docstring)

    boot = _Boot(app, args, paths, instance, window, after_first_paint)
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


def _worker_pool() -> Any:
    """The executor behind ``asyncio.to_thread``: the one asyncio itself would use.

    qasync's own default starts ten QThreads up front, each with its stack and,
    once it allocates, its own malloc arena; the blocking work (SQLite, the
    vault, key derivation) is short, and a thread pool sized like asyncio's
    (``cpu_count + 4`` at most) that starts a thread only when no idle one is
    left does it as well, as it does in the CLI.
    """
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(thread_name_prefix="huntaze-worker")


def _import_runtime() -> Any:
    """Import the services (on a worker thread), in two groups; see the module docstring.

    httpx and what it brings (the ``email``, ``http`` and ``ssl`` modules of the
    standard library, httpcore, h11, idna; and httpx's command-line client's
    click and pygments, which ``import httpx`` tries whenever click is
    installed) is more than half of the source text PySide6's hook reads for
    the services; ``linecache`` is emptied after it and after the rest.
    """
    import linecache

    import httpx  # noqa: F401  (the first group)

    linecache.clearcache()
    # A plain import statement, so that the frozen build's analysis still sees it.
    from huntaze_desktop import runtime

    linecache.clearcache()
    return runtime


def _prepare_pages(after_first_paint: Callable[[], None]) -> None:
    """Work for the boot's thread while ``Runtime.create`` waits on the vault key.

    The key's derivation from a passphrase (Argon2id, ~0.1-0.2 s; a keyring's
    D-Bus call otherwise) runs on a worker thread in code that releases the
    GIL, and the loop's thread is idle meanwhile. What the first frame did not
    need is done then rather than on the way to the services:
    ``after_first_paint`` (the log file, whose records wait in memory until
    then; the application icon; the single-instance server), the import of
    the modules ``MainWindow.attach`` needs, and the garbage collector's long
    walk over all that boot has built so far (``gc_policy.freeze_so_far``; it
    also empties ``linecache``, see the module docstring).
    """
    from huntaze_desktop import gc_policy

    after_first_paint()
    from huntaze_desktop.ui import bus_bridge, integrations  # noqa: F401

    gc_policy.freeze_so_far()


class _Boot:
    """The async half of the boot, on the qasync loop."""

    def __init__(
        self,
        app: QApplication,
        args: argparse.Namespace,
        paths: DataPaths,
        instance: Any,
        window: Any,
        after_first_paint: Callable[[], None] | None = None,
    ) -> None:
        self.app, self.args, self.paths, self.instance = app, args, paths, instance
        self.window = window
        # What waits for the boot's thread to be free (see _prepare_pages).
        self.after_first_paint = after_first_paint or (lambda: None)
        self.exit_code = 0
        self.passphrase_dialog: Any = None  # the passphrase dialog, while one is open

    async def main(self) -> int:
        import asyncio

        # Quitting goes through this event so the services close while the loop runs.
        quit_event = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.set_default_executor(_worker_pool())
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, quit_event.set)
            except (NotImplementedError, RuntimeError):  # Windows
                signal.signal(signum, lambda *_: loop.call_soon_threadsafe(quit_event.set))
        window = self.window
        window.quitRequested.connect(quit_event.set)
        self.instance.activationRequested.connect(window.bring_to_front)

        runtime = await self._open_runtime()
        if runtime is None:
            window.hide()
            return 1
        log.info(
            "Services ready (%d platforms, sandbox=%s)", len(runtime.specs), runtime.sandbox_mode
        )
        try:
            window.attach(runtime)
            # Boot is over: later GC passes must not walk all it built (UI stalls),
            # and automatic collection is on again (gc_policy).
            from huntaze_desktop import gc_policy

            gc_policy.settle_boot_heap()
            if runtime.scheduler is not None:
                runtime.scheduler.start()
            log.info("Main window shown", extra={"event": "app.ready"})
            if self.args.smoke_test:
                from huntaze_desktop.ui.smoke import run_smoke_test

                self.exit_code = await run_smoke_test(window, runtime)
                quit_event.set()
            await quit_event.wait()
            log.info("Quitting", extra={"event": "app.quit"})
        finally:
            window.shutdown()
            window.hide()
            await runtime.aclose()
            log.info("Services closed")
        return self.exit_code

    async def _open_runtime(self) -> Any:
        import asyncio

        from huntaze_desktop.domain.errors import (
            HuntazeError,
            InstallationError,
            KeyringUnavailableError,
            VaultLockedError,
            WrongPassphraseError,
        )

        # Imported on a worker thread (services have no Qt): the window keeps painting.
        try:
            runtime_module = await asyncio.to_thread(_import_runtime)
        except ImportError as exc:
            self.after_first_paint()
            # The user reads the InstallationError; the traceback only at DEBUG.
            log.info("The services could not be imported: %r", exc)
            log.debug("The services could not be imported", exc_info=True)
            self._fatal(InstallationError.from_import(exc, "Huntaze Desktop"))
            return None
        log.info("Services imported")

        from huntaze_desktop.cli.args import env_passphrase

        passphrase = env_passphrase()
        pages_prepared = False
        while True:
            try:
                creating = asyncio.ensure_future(
                    runtime_module.Runtime.create(
                        runtime_module.RuntimeOptions(
                            data_dir=self.paths.root,
                            sandbox=self.args.sandbox,
                            passphrase=passphrase,
                        )
                    )
                )
                if not pages_prepared:
                    pages_prepared = True
                    await asyncio.sleep(0)  # create() runs up to the vault key, off the loop
                    try:
                        _prepare_pages(self.after_first_paint)
                    except BaseException as exc:
                        creating.cancel()
                        await asyncio.gather(creating, return_exceptions=True)
                        if not isinstance(exc, ImportError):
                            raise
                        log.info("The pages could not be imported: %r", exc)
                        log.debug("The pages could not be imported", exc_info=True)
                        self._fatal(InstallationError.from_import(exc, "Huntaze Desktop"))
                        return None
                return await creating
            except KeyringUnavailableError as exc:
                # No keyring to keep the key in: offer a passphrase instead of
                # sending the user to the command line (once; never headless).
                if self.args.no_err_windows or passphrase is not None:
                    self._fatal(exc)
                    return None
                passphrase = await self._set_up_passphrase()
                if passphrase is None:
                    return None
            except (WrongPassphraseError, VaultLockedError) as exc:
                if self.args.no_err_windows:
                    self._fatal(exc)
                    return None
                from huntaze_desktop.ui.passphrase_setup import UnlockDialog

                wrong = isinstance(exc, WrongPassphraseError)
                passphrase = await self._ask_passphrase(UnlockDialog(self.window, wrong=wrong))
                if passphrase is None:
                    return None
            except HuntazeError as exc:
                self._fatal(exc)
                return None

    async def _set_up_passphrase(self) -> str | None:
        """Ask for a new passphrase and switch the vault to it; None when the user quits.

        ``switch_to_passphrase`` refuses (and this reports why) when credentials
        sealed under an unreachable keyring's key exist: they would be lost.
        """
        import asyncio

        from huntaze_desktop.domain.errors import HuntazeError
        from huntaze_desktop.storage.vault_setup import switch_to_passphrase
        from huntaze_desktop.ui.passphrase_setup import PassphraseSetupDialog

        chosen = await self._ask_passphrase(PassphraseSetupDialog(self.window))
        if chosen is None:
            return None
        try:
            await asyncio.to_thread(switch_to_passphrase, self.paths, chosen)
        except HuntazeError as exc:
            self._fatal(exc)
            return None
        log.info("The vault is now protected by a passphrase", extra={"event": "vault.passphrase"})
        return chosen

    async def _ask_passphrase(self, dialog: Any) -> str | None:
        """Open a passphrase ``dialog`` window-modal (no nested event loop).

        Returns what was typed, or None when the user quit. While it is open it
        is ``self.passphrase_dialog`` (tests type into it).
        """
        import asyncio

        answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def finished(code: int) -> None:
            if not answered.done():
                answered.set_result(code)

        dialog.finished.connect(finished)
        self.passphrase_dialog = dialog
        dialog.open()
        try:
            accepted = await answered == dialog.DialogCode.Accepted.value
            return str(dialog.passphrase()) if accepted else None
        finally:
            self.passphrase_dialog = None
            dialog.deleteLater()

    def _fatal(self, exc: HuntazeError) -> None:
        log.error("Cannot start: %s", exc.user_message, extra={"event": "app.failed"})
        print(f"Huntaze Desktop cannot start: {exc.user_message}", file=sys.stderr)
        if not self.args.no_err_windows:
            fatal_message_box(self.window, exc.user_message).exec()
        self.exit_code = 1


def fatal_message_box(parent: Any, reason: str) -> Any:
    """The "cannot start" box: a short headline, and the reason as wrapped detail.

    The reason is the informative text, which QMessageBox always wraps: given
    as the main text, a reason of two sentences came out on one clipped line
    under X11.
    """
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Huntaze Desktop cannot start")
    box.setText("Huntaze Desktop cannot start")
    box.setInformativeText(reason)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box

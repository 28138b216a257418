"""GUI boot: a written-down sequence of small steps, each logging one line.

1. environment for Qt/QtWebEngine  2. QApplication  3. single instance
4. logging + crash hooks  5. qasync loop  6. runtime (vault, storage, services)
7. main window  8. run until quit  9. close services
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from huntaze_desktop import __version__
from huntaze_desktop.core.errors import (
    HuntazeError,
    KeyringUnavailableError,
    VaultLockedError,
    WrongPassphraseError,
)
from huntaze_desktop.core.paths import DataPaths, default_data_dir
from huntaze_desktop.resources import resource_path

__all__ = ["run_gui"]

log = logging.getLogger("huntaze.boot")


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
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def _keep_singletons_alive() -> None:
    """Work around PySide6 6.12.0 on Python 3.11 dropping a reference per call.

    Every Qt call that returns void (``QPainter.setPen``, ``QWidget.setVisible``…)
    releases one reference to ``None`` it never took (bools likewise). Before
    Python 3.12 these objects are not immortal, so after a few thousand calls —
    at start-up with a couple of hundred accounts — the process aborts with
    "none_dealloc". PySide6 6.11 does not have the bug (pinning ``<6.12`` is the
    real fix); this gives the three singletons a reference count no session can
    spend, at no memory cost.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return  # immortal there
    import ctypes

    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40  # ob_refcnt is first


def run_gui(args: argparse.Namespace) -> int:
    """Start the desktop app; returns the process exit code."""
    _keep_singletons_alive()
    from huntaze_desktop.logsetup import install_excepthook, setup_logging

    paths = DataPaths(args.data_dir or default_data_dir(sandbox=args.sandbox)).ensure()
    setup_logging(paths, level=args.log_level, json_logging=args.json_logging, console=True)
    log.info("Huntaze Desktop %s starting (data: %s)", __version__, paths.root)

    _prepare_qt_environment()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Huntaze Desktop")
    app.setOrganizationName("Huntaze")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("huntaze-desktop")
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.svg"))))
    app.setQuitOnLastWindowClosed(False)  # the tray keeps the app alive
    log.info("Qt application created (platform %s)", app.platformName())

    from huntaze_desktop.ui.single_instance import SingleInstance

    instance = SingleInstance(paths.root)
    if not instance.acquire():
        log.info("Another window is open for this data directory: bringing it forward")
        instance.notify_running()
        return 0
    log.info("Single-instance lock taken")

    dialog = None
    if not args.no_err_windows:
        from huntaze_desktop.ui.crash_dialog import show_crash_dialog

        def dialog(summary: str) -> None:
            show_crash_dialog(summary, paths.logs)

    install_excepthook(dialog, paths)
    log.info("Crash handler installed")

    import qasync

    boot = _Boot(app, args, paths, instance)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        try:
            code = runner.run(boot.main())
        except RuntimeError:
            # Qt's loop was stopped from outside (e.g. the session ended) before the
            # services could close; SQLite's WAL keeps committed data safe regardless.
            log.warning("The event loop stopped before the services closed")
            code = 0
    instance.release()
    log.info("Exited with code %d", code)
    return code


class _Boot:
    """The async half of the boot, on the qasync loop."""

    def __init__(
        self, app: QApplication, args: argparse.Namespace, paths: DataPaths, instance: Any
    ) -> None:
        self.app, self.args, self.paths, self.instance = app, args, paths, instance
        self.exit_code = 0

    async def main(self) -> int:
        # Quitting goes through this event so the services close while the loop runs.
        quit_event = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, quit_event.set)
            except (NotImplementedError, RuntimeError):  # Windows
                signal.signal(signum, lambda *_: loop.call_soon_threadsafe(quit_event.set))

        runtime = await self._open_runtime()
        if runtime is None:
            return 1
        log.info(
            "Services ready (%d platforms, sandbox=%s)", len(runtime.specs), runtime.sandbox_mode
        )
        window = None
        try:
            from huntaze_desktop.ui.main_window import MainWindow

            window = MainWindow(runtime)
            window.quitRequested.connect(quit_event.set)
            self.instance.activationRequested.connect(window.bring_to_front)
            if runtime.settings.start_minimized and window.has_tray():
                log.info("Starting minimized to the tray")
            else:
                window.show()
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
            if window is not None:
                window.shutdown()
                window.hide()
            await runtime.aclose()
            log.info("Services closed")
        return self.exit_code

    async def _open_runtime(self) -> Any:
        from huntaze_desktop.core.runtime import Runtime, RuntimeOptions

        passphrase: str | None = os.environ.get("HUNTAZE_VAULT_PASSPHRASE")
        while True:
            try:
                return await Runtime.create(
                    RuntimeOptions(
                        data_dir=self.paths.root,
                        sandbox=self.args.sandbox,
                        passphrase=passphrase,
                    )
                )
            except (WrongPassphraseError, VaultLockedError) as exc:
                if isinstance(exc, KeyringUnavailableError) or self.args.no_err_windows:
                    self._fatal(exc)
                    return None
                prompt = (
                    "That passphrase is not correct. Try again:"
                    if isinstance(exc, WrongPassphraseError)
                    else "Your credentials are protected by a passphrase. Enter it to unlock:"
                )
                text, ok = QInputDialog.getText(
                    None, "Unlock Huntaze Desktop", prompt, QLineEdit.EchoMode.Password
                )
                if not ok:
                    return None
                passphrase = text
            except HuntazeError as exc:
                self._fatal(exc)
                return None

    def _fatal(self, exc: HuntazeError) -> None:
        log.error("Cannot start: %s", exc.user_message, extra={"event": "app.failed"})
        print(f"Huntaze Desktop cannot start: {exc.user_message}", file=sys.stderr)
        if not self.args.no_err_windows:
            QMessageBox.critical(None, "Huntaze Desktop cannot start", exc.user_message)
        self.exit_code = 1

"""GUI boot, steps 7-11: the services behind the painted window (see ``app``).

Imported once the first frame is on screen: the services are imported on a
worker thread, opened while the loop's thread prepares the pages, attached to
the window, run until quit and closed. Start-up failures (a locked or missing
vault, a damaged installation) end here as a message the user reads.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from huntaze_desktop.domain.errors import HuntazeError
    from huntaze_desktop.domain.paths import DataPaths

__all__ = ["ServicesBoot", "fatal_message_box", "import_runtime"]

log = logging.getLogger("huntaze.boot")


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


def import_runtime() -> Any:
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
    """Work for the boot's thread while ``Runtime.create`` opens the database and the vault.

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


class ServicesBoot:
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
        self.vault_dialog: Any = None  # the vault-key-missing dialogs, while one is open

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
            StorageError,
            VaultKeyMissingError,
            VaultLockedError,
            WrongPassphraseError,
            disk_problem,
        )

        # Imported on a worker thread (services have no Qt): the window keeps painting.
        try:
            runtime_module = await asyncio.to_thread(import_runtime)
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
                    await asyncio.sleep(0)  # create() runs up to the database, off the loop
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
            except VaultKeyMissingError as exc:
                # Never a new key over sealed values: the user reads why, and may
                # choose to forget the saved sign-ins (after a confirmation).
                if self.args.no_err_windows:
                    self._fatal(exc)
                    return None
                if not await self._offer_vault_reset(exc):
                    log.error("Cannot start: %s", exc.user_message, extra={"event": "app.failed"})
                    self.exit_code = 1
                    return None
                passphrase = None  # the old vault's; the new one asks again if need be
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
                full = disk_problem(exc, self.paths.root) if isinstance(exc, StorageError) else None
                self._fatal(full or exc)
                return None
            except Exception as exc:
                # A full or read-only disk met while opening (SQLite, a file write)
                # is a sentence; anything else is a crash, for the crash handler.
                if (problem := disk_problem(exc, self.paths.root)) is None:
                    raise
                self._fatal(problem)
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

    async def _offer_vault_reset(self, exc: HuntazeError) -> bool:
        """Show why the vault cannot open; True once the user forgot the sign-ins.

        Two steps, the second with Cancel as its default: the reason with Quit and
        "Forget the saved sign-ins and start over…", then what goes and what stays.
        While open, each is ``self.vault_dialog`` (tests click in it).
        """
        import asyncio

        from huntaze_desktop.storage.vault_setup import reset_vault
        from huntaze_desktop.ui.vault_reset import ConfirmForgetDialog, VaultKeyMissingDialog

        while True:
            missing = VaultKeyMissingDialog(exc.user_message, self.window)
            await self._show(missing)
            if missing.result_choice != "forget":
                return False
            confirm = ConfirmForgetDialog(self.window)
            await self._show(confirm)
            if confirm.confirmed:
                break
        count = await asyncio.to_thread(reset_vault, self.paths)
        log.warning("Saved sign-ins forgotten (%d values)", count, extra={"event": "vault.reset"})
        return True

    async def _show(self, dialog: Any) -> int:
        """Open a vault ``dialog``; while open it is ``self.vault_dialog``."""
        self.vault_dialog = dialog
        try:
            return await _finished(dialog)
        finally:
            self.vault_dialog = None

    async def _ask_passphrase(self, dialog: Any) -> str | None:
        """Open a passphrase ``dialog`` window-modal (no nested event loop).

        Returns what was typed, or None when the user quit. While it is open it
        is ``self.passphrase_dialog`` (tests type into it).
        """
        self.passphrase_dialog = dialog
        try:
            # Read before _finished's deleteLater takes effect (at the next loop turn).
            accepted = await _finished(dialog) == dialog.DialogCode.Accepted.value
            return str(dialog.passphrase()) if accepted else None
        finally:
            self.passphrase_dialog = None

    def _fatal(self, exc: HuntazeError) -> None:
        log.error("Cannot start: %s", exc.user_message, extra={"event": "app.failed"})
        print(f"Huntaze Desktop cannot start: {exc.user_message}", file=sys.stderr)
        if not self.args.no_err_windows:
            fatal_message_box(self.window, exc.user_message).exec()
        self.exit_code = 1


async def _finished(dialog: Any) -> int:
    """Open ``dialog`` window-modal and wait for its result (no nested event loop).

    The dialog is deleted later (at the next turn of the loop), so the caller can
    still read its fields right after.
    """
    import asyncio

    answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not answered.done():
            answered.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answered
    finally:
        dialog.deleteLater()


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

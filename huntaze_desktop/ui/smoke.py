"""The hidden ``--smoke-test``: prove a build can open the embedded sign-in page.

Called by the boot (``app.py``) once the main window is shown. It opens the
sign-in window of the first OAuth platform exactly as the integrations page
does (:class:`SignInController`), waits for QtWebEngine to finish loading the
platform's sign-in page (the sandbox's, in ``--sandbox`` runs), checks that the
page's JavaScript ran, logs ``smoke.signin_loaded``, cancels the attempt and
returns the exit code. In a frozen build this exercises Chromium's helper
process, its resources and locales, which nothing else touches at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.domain.settings import SignInMethod
from huntaze_desktop.logsetup import log_event

__all__ = ["SMOKE_TIMEOUT_S", "SmokeFailure", "run_smoke_test"]

log = logging.getLogger("huntaze.ui.smoke")

#: How long the sign-in page may take to appear and load (Chromium's first
#: start in a cold frozen build is the slow part).
SMOKE_TIMEOUT_S = 60.0
_POLL_S = 0.02


class SmokeFailure(Exception):
    """Why the smoke test failed (internal: logged, never shown to a user)."""


async def run_smoke_test(window: Any, runtime: Any, limit_s: float = SMOKE_TIMEOUT_S) -> int:
    """Open, load and cancel one embedded sign-in; 0 when the page loaded, 1 otherwise."""
    started = time.monotonic()
    try:
        provider, title, helpers = await asyncio.wait_for(_load_sign_in(window, runtime), limit_s)
    except TimeoutError:
        log_event(
            log,
            "smoke.failed",
            f"Smoke test: the sign-in page did not load within {limit_s:.0f} s",
            level=logging.ERROR,
        )
        return 1
    except (SmokeFailure, HuntazeError) as exc:
        log_event(log, "smoke.failed", f"Smoke test failed: {exc}", level=logging.ERROR)
        return 1
    log_event(
        log,
        "smoke.signin_loaded",
        f"Smoke test: the {provider} sign-in page loaded in the embedded browser",
        provider=provider,
        page_title=title,
        seconds=round(time.monotonic() - started, 3),
        frozen=bool(getattr(sys, "frozen", False)),
        # Which Chromium helper really ran: in a frozen build it must be the
        # bundle's, not one found in a Python environment on the same machine.
        helper_processes=helpers,
    )
    return 0


def _child_executables() -> list[str]:
    """Executables of this process's live children (Linux ``/proc``; empty elsewhere)."""
    found: set[str] = set()
    me = str(os.getpid())
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            # Field 4 of stat is the parent pid; the command name may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[1] == me:
                found.add(os.readlink(entry / "exe"))
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
    return sorted(found)


async def _load_sign_in(window: Any, runtime: Any) -> tuple[str, str, list[str]]:
    from huntaze_desktop.ui.signin_window import SignInController
    from huntaze_desktop.ui.webengine import SignInDialog

    spec = next((s for s in runtime.specs if s.auth_kind == "oauth"), None)
    if spec is None:
        raise SmokeFailure("no OAuth platform is registered")
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def end(reason: str) -> None:
        if not ended.done():
            ended.set_result(reason)

    controller = SignInController(runtime, window)
    controller.failed.connect(lambda message: end(f"sign-in failed: {message}"))
    controller.cancelled.connect(lambda: end("sign-in was cancelled"))
    controller.succeeded.connect(lambda _account: end("sign-in ended before the page loaded"))
    # The embedded window even if a saved setting asks for the system browser:
    # exercising QtWebEngine is the point of the smoke test.
    settings = runtime.settings
    saved_method = settings.sign_in_method
    settings.sign_in_method = SignInMethod.EMBEDDED
    try:
        controller.start(spec.name)
        dialog = await _wait_for_dialog(controller, ended, SignInDialog)
        title = await _wait_for_page(dialog, ended)
        helpers = _child_executables()  # while the page's renderer is alive
    finally:
        settings.sign_in_method = saved_method
        controller.cancel()
        controller.deleteLater()
    return spec.name, title, helpers


async def _wait_for_dialog(controller: Any, ended: asyncio.Future[str], kind: type) -> Any:
    """The embedded dialog appears once the service has prepared the attempt."""
    while not isinstance(controller.dialog, kind):
        if ended.done():
            raise SmokeFailure(ended.result())
        await asyncio.sleep(_POLL_S)
    return controller.dialog


async def _wait_for_page(dialog: Any, ended: asyncio.Future[str]) -> str:
    """Wait for ``loadFinished(True)``, then read the page's title through JavaScript."""
    loop = asyncio.get_running_loop()
    loaded: asyncio.Future[bool] = loop.create_future()

    def on_finished(ok: bool) -> None:
        if not loaded.done():
            loaded.set_result(ok)

    page = dialog.page
    page.loadFinished.connect(on_finished)
    if not page.isLoading() and not page.url().isEmpty():
        # The load may have finished between the dialog appearing and our
        # connection: load it again rather than wait for a signal that has passed.
        dialog.view.reload()
    either: set[asyncio.Future[Any]] = {loaded, ended}
    done, _ = await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if ended in done:
        raise SmokeFailure(ended.result())
    if not loaded.result():
        raise SmokeFailure("QtWebEngine reported that the sign-in page failed to load")

    title: asyncio.Future[object] = loop.create_future()

    def on_title(value: object) -> None:
        if not title.done():
            title.set_result(value)

    # Proves the renderer process runs JavaScript, not only that a load ended.
    page.runJavaScript("document.title", 0, on_title)
    value = await title
    if not isinstance(value, str) or not value:
        raise SmokeFailure("the sign-in page has no title: its renderer did not run")
    return value

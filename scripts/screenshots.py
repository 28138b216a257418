"""Render the main screens of Huntaze Desktop in sandbox mode to PNG files.

    .venv/bin/python scripts/screenshots.py                 # the curated README set
    .venv/bin/python scripts/screenshots.py --all --out DIR # every screen, theme and size

Everything is real: a private sandbox on a free port, a fresh data directory in
passphrase mode, accounts connected through the sandbox's own sign-in pages (this
script plays the browser, as ``accounts connect --browser print`` allows), a
rate limit and a revoked grant injected in the sandbox so that validation finds
them, analytics fetched from the sandbox. The windows render offscreen
(``QT_QPA_PLATFORM=offscreen``) and are captured with ``QWidget.grab()``.

Screens: integrations-empty, analytics-empty, integrations, switcher (the
account switcher open), disconnect (the confirmation), details (an account's
diagnostics), toasts, signin, settings, analytics; themes light and dark; sizes
1000x700 and 1600x1000. Files are named ``<screen>-<theme>-<width>x<height>.png``.
Dialogs and popups are separate windows offscreen: they are drawn over the main
window where a window manager would put them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A private sandbox on a free port: never share one with a running app.
os.environ["HUNTAZE_SANDBOX_PORT"] = "0"
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update",
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

SCREENS = (
    "integrations-empty",
    "analytics-empty",
    "integrations",
    "switcher",
    "disconnect",
    "details",
    "toasts",
    "signin",
    "settings",
    "analytics",
)
THEMES = ("light", "dark")
SIZES = ((1000, 700), (1600, 1000))
# The README set: one of each screen, both themes shown, both sizes shown.
CURATED = (
    ("integrations", "dark", (1600, 1000)),
    ("integrations-empty", "light", (1000, 700)),
    ("signin", "light", (1000, 700)),
    ("analytics", "light", (1600, 1000)),
    ("settings", "dark", (1000, 700)),
    ("switcher", "light", (1000, 700)),
    ("disconnect", "dark", (1000, 700)),
)
PASSPHRASE = "screenshots-only-passphrase"  # noqa: S105 - a throwaway data dir
OAUTH_LOGINS = (
    ("instagram", "sunny.creates", "sunny-pass"),
    ("instagram", "moonlight.studio", "moon-pass"),
    ("tiktok", "sunny.creates", "sunny-pass"),
    ("reddit", "sunny_creates", "sunny-pass"),
)
ONLYFANS_LOGIN = ("sunnycreates@example.com", "sunny-pass")
_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")


async def settle(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:  # noqa: ASYNC109
    """Yield to the (qasync) loop until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or 'the UI'}")
        await asyncio.sleep(0.03)


async def pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


class Shooter:
    """Owns the runtime and the window; renders the requested shots."""

    def __init__(self, out: Path, wanted: set[tuple[str, str, tuple[int, int]]]) -> None:
        self.out = out
        self.wanted = wanted
        self.written: list[Path] = []
        self.runtime: Any = None
        self.window: Any = None

    def wants(self, screen: str) -> list[tuple[str, tuple[int, int]]]:
        return sorted((t, s) for (sc, t, s) in self.wanted if sc == screen)

    async def run(self, data_dir: Path) -> None:
        from huntaze_desktop.domain.paths import DataPaths
        from huntaze_desktop.runtime import Runtime, RuntimeOptions
        from huntaze_desktop.storage.keystore import KeyStore

        KeyStore(DataPaths(data_dir).ensure()).init_passphrase(PASSPHRASE)
        self.runtime = await Runtime.create(
            RuntimeOptions(data_dir=data_dir, sandbox=True, passphrase=PASSPHRASE)
        )
        try:
            await self._shoot_all()
        finally:
            if self.window is not None:
                self.window.shutdown()
                self.window.hide()
            await self._drain()
            await self.runtime.aclose()

    async def _drain(self) -> None:
        """Let the UI's own tasks (reloads after the last disconnects) end before the
        runtime closes under them; one left hanging kept the script from exiting."""
        from huntaze_desktop.ui.tasks import pending_tasks

        try:
            await settle(lambda: not pending_tasks(), timeout=15, what="the UI's tasks")
        except TimeoutError:
            for task in pending_tasks():
                print(f"  warning: cancelling {task.get_coro()!r}")
                task.cancel()

    async def _shoot_all(self) -> None:
        from huntaze_desktop.ui.main_window import MainWindow

        self.window = MainWindow(self.runtime, tray=False)
        self.window.show()
        page = self.window.integrations
        await settle(lambda: page._loaded, what="the accounts list")
        await self.shoot_window("integrations-empty", page_index=0)

        await self.connect_accounts()
        await self.inject_problems()
        await self.runtime.accounts.validate_all()
        page.reload()
        await settle(lambda: len(page.accounts) == 5 and not page._reload_pending)
        await self.shoot_window("integrations", page_index=0)
        await self.shoot_switcher()
        await self.shoot_dialogs()
        await self.shoot_toasts()
        await self.shoot_window("settings", page_index=2)
        await self.shoot_signin()

        # Analytics last: once built, its minimum width is the whole window's
        # (a stacked widget is as wide as its widest page), see _check_size.
        await self.refresh_analytics()
        await self.shoot_window("analytics", page_index=1)
        if self.wants("analytics-empty"):
            await self.disconnect_all()
            await self.shoot_window("analytics-empty", page_index=1)

    # -- data --------------------------------------------------------------------

    async def connect_accounts(self) -> None:
        from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in
        from huntaze_desktop.providers.onlyfans.session import CapturedSession

        accounts = self.runtime.accounts
        async with httpx.AsyncClient(timeout=15.0) as browser:
            for provider, user, password in OAUTH_LOGINS:
                attempt = await accounts.begin_sign_in(provider)
                callback = await _consent(browser, attempt.authorize_url, user, password)
                await accounts.complete_sign_in(callback)
        site = self.runtime.base_urls("onlyfans")["site"]
        session = await scripted_sign_in(site, *ONLYFANS_LOGIN, "Mozilla/5.0 (Screenshots)")
        await accounts.connect_session("onlyfans", CapturedSession.from_mapping(session))
        for toast in list(self.window.toasts.toasts()):
            toast.dismiss()

    async def inject_problems(self) -> None:
        """TikTok answers 429 to everything; the Reddit grant is revoked."""
        base = self.runtime.sandbox.base_url
        headers = self.runtime.sandbox.admin_headers()
        async with httpx.AsyncClient(timeout=10.0, headers=headers) as admin:
            fault = {"provider": "tiktok", "kind": "rate_limit", "times": None}
            (await admin.post(f"{base}/_admin/faults", json=fault)).raise_for_status()
            revoke = {"provider": "reddit", "user": "sunny_creates"}
            (await admin.post(f"{base}/_admin/revoke", json=revoke)).raise_for_status()

    async def disconnect_all(self) -> None:
        """Back to no accounts (what a new user's Analytics page shows)."""
        accounts = self.runtime.accounts
        for account in await accounts.list_accounts():
            await accounts.disconnect(account.id)
        self.window.analytics.reload()
        await pause(1.0)
        for toast in list(self.window.toasts.toasts()):
            toast.dismiss()

    async def refresh_analytics(self) -> None:
        analytics = self.runtime.analytics
        if analytics is None:
            return
        for account in await self.runtime.accounts.list_accounts():
            try:
                await analytics.refresh(account.id, force=True)
            except Exception as exc:  # a limited or revoked account shows its notice
                print(f"  analytics for {account.provider}/{account.name}: {exc}")
        self.window.analytics.reload()
        await pause(1.0)

    # -- capture -----------------------------------------------------------------

    def _apply_theme(self, theme: str) -> None:
        from huntaze_desktop.domain.settings import Theme

        page = self.window.settings_page
        combo = getattr(page, "theme", None)
        if combo is not None:
            # Through the Settings page, as a user would: it saves and applies.
            combo.setCurrentIndex(combo.findData(Theme(theme).value))
        self.runtime.settings.theme = Theme(theme)
        self.window.theme.set_theme(Theme(theme))

    async def shoot_window(self, screen: str, page_index: int) -> None:
        shots = self.wants(screen)
        if not shots:
            return
        for theme, size in shots:
            # The theme first: show_page re-applies the saved theme, and a page built
            # on first visit (Settings) shows the setting it was built with.
            self._apply_theme(theme)
            self.window.show_page(page_index)
            self.window.resize(*size)
            self._drop_focus()
            await pause(0.4)
            self.save(self.window, screen, theme, size)

    async def _each_shot(self, screen: str) -> AsyncIterator[tuple[str, tuple[int, int]]]:
        """Theme and size each wanted shot of ``screen`` on the Integrations page."""
        for theme, size in self.wants(screen):
            self._apply_theme(theme)
            self.window.show_page(0)
            self.window.resize(*size)
            self._drop_focus()
            await pause(0.4)
            yield theme, size

    async def shoot_switcher(self) -> None:
        """The Instagram card's account switcher, open."""
        switcher = self.window.integrations.cards["instagram"].switcher
        async for theme, size in self._each_shot("switcher"):
            switcher.showPopup()
            await pause(0.3)
            popup = switcher.view().window()
            at = popup.mapToGlobal(popup.rect().topLeft()) - self.window.mapToGlobal(
                self.window.rect().topLeft()
            )
            self.save(self.window, "switcher", theme, size, overlay=popup, at=(at.x(), at.y()))
            switcher.hidePopup()
            await pause(0.1)

    async def shoot_dialogs(self) -> None:
        """The disconnect confirmation and an account's diagnostics."""
        page = self.window.integrations
        reddit = next(a for a in page.accounts if a.provider == "reddit")
        async for theme, size in self._each_shot("disconnect"):
            dialog = page.confirm_disconnect(reddit.id)
            assert dialog is not None
            await pause(0.3)
            self.save(self.window, "disconnect", theme, size, overlay=dialog)
            dialog.reject()
        async for theme, size in self._each_shot("details"):
            page.details_dialog = None
            page.show_details(reddit.id)
            await settle(lambda: page.details_dialog is not None, what="the details dialog")
            await pause(0.3)
            self.save(self.window, "details", theme, size, overlay=page.details_dialog)
            page.details_dialog.reject()
        await pause(0.1)

    async def shoot_toasts(self) -> None:
        """One toast of each level, with messages the app shows."""
        toasts = self.window.toasts
        async for theme, size in self._each_shot("toasts"):
            toasts.success("Instagram connected as @moonlight.studio")
            toasts.info("Instagram account @moonlight.studio disconnected")
            toasts.warning("The platform is limiting requests. We will try again shortly.")
            toasts.error("The platform no longer accepts this sign-in. Please reconnect.")
            await pause(0.3)
            self.save(self.window, "toasts", theme, size)
            for toast in toasts.toasts():
                toast.dismiss()
            await pause(0.1)

    def _drop_focus(self) -> None:
        # Offscreen, the first nav button keeps the focus ring a mouse user never sees.
        focused = QApplication.focusWidget()
        if focused is not None:
            focused.clearFocus()

    async def shoot_signin(self) -> None:
        shots = self.wants("signin")
        if not shots:
            return
        from huntaze_desktop.ui.signin_window import SignInController

        self.window.show_page(0)
        controller = SignInController(self.runtime, self.window)
        controller.start("instagram")
        await settle(lambda: controller.dialog is not None, what="the sign-in window")
        dialog = controller.dialog
        assert dialog is not None
        for theme, size in shots:
            self._apply_theme(theme)
            self.window.show_page(0)
            self.window.resize(*size)
            self._drop_focus()
            # As a window manager would place it: inside the main window, with a margin.
            dialog.resize(min(dialog.width(), size[0] - 160), size[1] - 80)
            await _wait_for_element(dialog, "username")
            await pause(0.8)
            # The sign-in window is shown over the main window, as the user sees it.
            self.save(self.window, "signin", theme, size, overlay=dialog)
        controller.cancel()

    def save(
        self,
        widget: QWidget,
        screen: str,
        theme: str,
        size: tuple[int, int],
        overlay: QWidget | None = None,
        at: tuple[int, int] | None = None,
    ) -> None:
        """Write ``widget``; an ``overlay`` window is drawn over it: a dialog centred
        on a dimmed window, or a popup ``at`` its place (window coordinates).

        Callers ``await pause(...)`` first: that lets Qt lay out and paint. A nested
        ``processEvents()`` here would wake asyncio tasks inside the running one, which
        asyncio refuses, and those tasks then never finish."""
        self._check_size(widget, size)
        image = widget.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
        if overlay is not None:
            from PySide6.QtGui import QColor, QPainter

            top = overlay.grab().toImage()
            painter = QPainter(image)
            if at is None:
                painter.fillRect(image.rect(), QColor(0, 0, 0, 110))
                x = max(0, (image.width() - top.width()) // 2)
                y = max(0, (image.height() - top.height()) // 2)
            else:
                x, y = at
            painter.drawImage(x, y, top)
            if at is None:
                # The window frame a window manager would draw (offscreen has none).
                painter.setPen(QColor(0, 0, 0, 140))
                painter.drawRect(x - 1, y - 1, top.width() + 1, top.height() + 1)
            painter.end()
        path = self.out / f"{screen}-{theme}-{size[0]}x{size[1]}.png"
        # Quality 0 = the strongest zlib compression Qt offers for PNG.
        if not image.convertToFormat(QImage.Format.Format_RGB32).save(str(path), "PNG", 0):
            raise OSError(f"could not write {path}")
        self.written.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    @staticmethod
    def _check_size(widget: QWidget, size: tuple[int, int]) -> None:
        """Say so when the window cannot be as small as asked, and which page holds it."""
        if (widget.width(), widget.height()) == size:
            return
        actual = f"{widget.width()}x{widget.height()}"
        print(f"  warning: the window is {actual}, not {size[0]}x{size[1]}")
        stack = getattr(widget, "stack", None)
        for index in range(stack.count() if stack is not None else 0):
            page = stack.widget(index)
            hint = page.minimumSizeHint()
            print(f"    page {type(page).__name__}: minimum {hint.width()}x{hint.height()}")


async def _consent(http: httpx.AsyncClient, authorize_url: str, user: str, password: str) -> str:
    """Act as the browser on a sandbox authorize page; returns the callback URL."""
    page = await http.get(authorize_url)
    page.raise_for_status()
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": user, "password": password, "action": "allow"})
    answer = await http.post(str(page.url), data=form)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"the sandbox refused the sign-in of {user}")
    return urljoin(str(page.url), answer.headers["location"])


async def _wait_for_element(dialog: Any, element: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    page = getattr(dialog, "page", None)
    if page is None:
        await pause(2.0)
        return
    found: list[bool] = []
    deadline = time.monotonic() + timeout
    while not found or not found[-1]:
        if time.monotonic() > deadline:
            raise TimeoutError("the sign-in page never showed its form")
        page.runJavaScript(f"!!document.getElementById({element!r})", 0, found.append)
        await pause(0.1)


def _wanted(args: argparse.Namespace) -> set[tuple[str, str, tuple[int, int]]]:
    if not args.all:
        return set(CURATED)
    screens = args.screens or SCREENS
    return {(sc, t, s) for sc in screens for t in THEMES for s in SIZES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--all", action="store_true", help="every screen, theme and size")
    parser.add_argument("--screens", nargs="*", choices=SCREENS, help="with --all: only these")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    import qasync

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Huntaze Desktop")
    app.setQuitOnLastWindowClosed(False)
    shooter = Shooter(args.out, _wanted(args))
    with (
        tempfile.TemporaryDirectory(prefix="huntaze-shots-") as tmp,
        asyncio.Runner(loop_factory=qasync.QEventLoop) as runner,
    ):
        runner.run(shooter.run(Path(tmp) / "data"))
    total = sum(p.stat().st_size for p in shooter.written)
    print(f"{len(shooter.written)} screenshots, {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

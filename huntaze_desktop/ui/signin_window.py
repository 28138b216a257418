"""Connecting an account: the embedded window or the system browser.

:class:`SignInController` is what the integrations page calls. It picks the
embedded QtWebEngine window (``ui/webengine.py``, imported only here and only
when needed, so start-up never pays for Chromium) or the system browser, by
``Settings.sign_in_method``; session platforms (OnlyFans) always use the
embedded window because the session must be captured from it.

Success is announced by the service itself (a bus ``Notice`` becomes the
"… connected as @name" toast), so the controller only emits ``succeeded``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.errors import (
    HuntazeError,
    SignInCancelledError,
    SignInError,
    WrongAccountError,
)
from huntaze_desktop.domain.models import Account
from huntaze_desktop.domain.settings import SignInMethod
from huntaze_desktop.providers.base import ProviderSpec
from huntaze_desktop.ui.tasks import UNEXPECTED_ERROR, run_task

if TYPE_CHECKING:
    from huntaze_desktop.runtime import Runtime
    from huntaze_desktop.ui.webengine import SessionSignInDialog, SignInDialog

__all__ = ["BrowserWaitDialog", "SignInController", "login_url", "shown_address"]

log = logging.getLogger("huntaze.ui.signin")


def login_url(runtime: Runtime, spec: ProviderSpec) -> str:
    """The session platform's login page, with the sandbox (or other) overrides applied."""
    urls = runtime.base_urls(spec.name)
    role, path = spec.endpoints["login"]
    return urls[role].rstrip("/") + path


def shown_address(url: str) -> str:
    """The address as the browser dialog shows it: no query (it holds the state)."""
    parts = QUrl(url)
    port = f":{parts.port()}" if parts.port() != -1 else ""
    shown = f"{parts.scheme()}://{parts.host()}{port}{parts.path()}"
    return shown + ("?…" if parts.hasQuery() else "")


class BrowserWaitDialog(QDialog):
    """Shown while the person finishes signing in in their own browser.

    It says what really happened: ``browser_opened(url)`` once a browser was
    started, ``browser_failed(url)`` when none could be (then it offers the
    address to copy into one). Either way "Copy address" puts the full address
    on the clipboard, and ``embeddedRequested`` asks to use the in-app window.
    """

    embeddedRequested = Signal()

    def __init__(self, display_name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Connect {display_name}")
        self.setObjectName("browserWaitDialog")
        self._display_name = display_name
        self._url = ""
        self.title = QLabel(f"<b>Opening {display_name} in your web browser…</b>")
        self.title.setAccessibleName("Title")
        self.message = QLabel(
            "Sign in there and allow Huntaze Desktop; this window closes by itself "
            "when you are done."
        )
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What to do")
        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setAccessibleName("Sign-in address")
        self.address.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.address.hide()
        self.copy_button = QPushButton("Copy address")
        self.copy_button.setAccessibleName("Copy the sign-in address")
        self.copy_button.clicked.connect(self.copy_address)
        self.copy_button.hide()
        self.copied_label = QLabel("")
        self.copied_label.setAccessibleName("Copy status")
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_button)
        self.embedded_button = QPushButton("Use the window in the app instead")
        self.embedded_button.setAccessibleName("Sign in in the app's own window instead")
        self.embedded_button.setProperty("role", "link")
        self.embedded_button.clicked.connect(self.embeddedRequested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel sign-in")
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.embedded_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(address_row)
        layout.addWidget(self.copied_label)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

    @property
    def url(self) -> str:
        """The full sign-in address ("" until the browser was asked to open it)."""
        return self._url

    def browser_opened(self, url: str) -> None:
        """A browser was started with ``url``: say so, and keep the address at hand."""
        self._url = url
        self.title.setText("<b>Continue in your browser</b>")
        self.message.setText(
            f"We opened {self._display_name} in your web browser. Sign in there and allow "
            "Huntaze Desktop; this window closes by itself when you are done. If no browser "
            "window appeared, copy the address below into one."
        )
        self._show_address(url)

    def browser_failed(self, url: str) -> None:
        """No browser could be started: offer ``url`` to copy, and the in-app window."""
        self._url = url
        self.title.setText("<b>No web browser could be opened</b>")
        self.message.setText(
            f"Copy this address into a web browser on this computer, sign in to "
            f"{self._display_name} there and allow Huntaze Desktop; this window closes by "
            "itself when you are done. Or use the window in the app instead."
        )
        self._show_address(url)
        self.copy_button.setDefault(True)
        self.copy_button.setFocus()

    def _show_address(self, url: str) -> None:
        self.address.setText(shown_address(url))
        self.address.setCursorPosition(0)
        self.address.show()
        self.copy_button.show()

    def copy_address(self) -> None:
        QGuiApplication.clipboard().setText(self._url)
        self.copied_label.setText("Address copied to the clipboard.")


class SignInController(QObject):
    """Runs one sign-in at a time for the UI and reports how it ended.

    ``succeeded(Account)``, ``failed(message)`` (a user-safe sentence),
    ``wrongAccount(provider, message, signed_in_as)`` (a reconnect that came back
    as another account) or ``cancelled()`` is emitted exactly once per ``start``.
    Nothing is stored unless the service completed the sign-in.
    """

    succeeded = Signal(object)
    failed = Signal(str)
    wrongAccount = Signal(str, str, str)
    cancelled = Signal()

    def __init__(self, runtime: Runtime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self._parent_widget = parent
        self._provider: str | None = None
        self._state: str | None = None
        self._dialog: QDialog | None = None
        self._task: asyncio.Task[Any] | None = None
        self._finished = True
        self._reconnect: Account | None = None

    @property
    def active(self) -> bool:
        return not self._finished

    @property
    def dialog(self) -> QDialog | None:
        """The window currently shown (embedded, session or browser wait), if any."""
        return self._dialog

    def start(self, provider: str, reconnect: Account | None = None) -> None:
        """Begin connecting ``provider``; a second call while busy raises the window.

        With ``reconnect``, the sign-in is for that account only: the window says
        so, and another account coming back is refused by the service.
        """
        if self.active:
            if self._dialog is not None:
                self._dialog.raise_()
                self._dialog.activateWindow()
            return
        spec = self._spec(provider)
        self._provider, self._state, self._finished = provider, None, False
        self._reconnect = reconnect
        if spec.auth_kind == "session":
            self._start_session(spec)
        elif self._runtime.settings.sign_in_method == SignInMethod.SYSTEM_BROWSER:
            self._start_browser(spec)
        else:
            self._start_embedded(spec)

    def cancel(self) -> None:
        """Cancel whatever is in progress (same as the Cancel button)."""
        if self.active:
            self._user_cancelled()

    # -- the three ways in ---------------------------------------------------------

    def _start_embedded(self, spec: ProviderSpec) -> None:
        async def begin() -> None:
            attempt = await self._runtime.accounts.begin_sign_in(
                spec.name, reconnect=self._reconnect_id
            )
            self._state = attempt.state
            if self._finished:  # cancelled while the attempt was being prepared
                self._runtime.accounts.cancel_sign_in(attempt.state)
                return
            self._show_embedded(spec, attempt)

        self._task = run_task(self._guard(begin()))

    def _show_embedded(self, spec: ProviderSpec, attempt: Any) -> None:
        from huntaze_desktop.ui.webengine import SignInDialog  # lazy: Chromium is heavy

        dialog: SignInDialog = SignInDialog(
            spec.display_name, attempt.authorize_url, attempt.redirect_uri, self._parent_widget
        )
        dialog.redirectCaught.connect(self._on_redirect)
        dialog.browserRequested.connect(lambda: self._switch_to_browser(spec))
        self._show(dialog)

    def _on_redirect(self, url: str) -> None:
        async def complete() -> None:
            account = await self._runtime.accounts.complete_sign_in(url)
            self._state = None  # consumed by the engine; nothing to cancel any more
            self._succeed(account)

        self._task = run_task(self._guard(complete()))

    def _switch_to_browser(self, spec: ProviderSpec) -> None:
        if self._state is not None:
            self._runtime.accounts.cancel_sign_in(self._state)
            self._state = None
        self._close_dialog()
        self._start_browser(spec)

    def _start_browser(self, spec: ProviderSpec) -> None:
        dialog = BrowserWaitDialog(spec.display_name, self._parent_widget)
        dialog.embeddedRequested.connect(lambda: self._switch_to_embedded(spec))
        self._show(dialog)

        def open_url(url: str) -> None:
            # Qt says whether a browser could be started (on Linux: xdg-open, then
            # $DEFAULT_BROWSER / $BROWSER, then known browsers); the dialog says so too.
            opened = QDesktopServices.openUrl(QUrl(url))
            if not opened:
                log.warning("No web browser could be opened")
            if self._dialog is dialog:
                if opened:
                    dialog.browser_opened(url)
                else:
                    dialog.browser_failed(url)

        async def run() -> None:
            account = await self._runtime.accounts.sign_in_with_browser(
                spec.name, open_url, reconnect=self._reconnect_id
            )
            self._succeed(account)

        self._task = run_task(self._guard(run()))

    def _switch_to_embedded(self, spec: ProviderSpec) -> None:
        # Stops the browser attempt (its listener closes, its state is dropped).
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._close_dialog()
        self._start_embedded(spec)

    def _start_session(self, spec: ProviderSpec) -> None:
        from huntaze_desktop.ui.webengine import SessionSignInDialog  # lazy

        try:
            url = login_url(self._runtime, spec)
        except HuntazeError as exc:
            self._fail(exc.user_message)
            return
        dialog: SessionSignInDialog = SessionSignInDialog(
            spec.display_name, url, self._parent_widget
        )
        dialog.sessionCaptured.connect(lambda session: self._on_session(spec, session))
        self._show(dialog)

    def _on_session(self, spec: ProviderSpec, session: Any) -> None:
        async def connect() -> None:
            account = await self._runtime.accounts.connect_session(
                spec.name, session, reconnect=self._reconnect_id
            )
            self._succeed(account)

        self._task = run_task(self._guard(connect()))

    # -- endings ---------------------------------------------------------------------

    async def _guard(self, coro: Any) -> None:
        """Turn a failure into ``failed``; the service already logged the details."""
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except WrongAccountError as exc:
            self._fail(exc.user_message, wrong_account=exc.signed_in_as)
        except SignInCancelledError as exc:
            # The person pressed Cancel/Deny on the platform's own page.
            self._fail(exc.user_message)
        except HuntazeError as exc:
            self._fail(exc.user_message)
        except Exception:
            log.exception("Sign-in failed unexpectedly")
            self._fail(UNEXPECTED_ERROR)

    @property
    def _reconnect_id(self) -> int | None:
        return None if self._reconnect is None else self._reconnect.id

    def _show(self, dialog: QDialog) -> None:
        if self._reconnect is not None:
            # Name the account: "Reconnect @sunny.creates to Instagram".
            platform = self._spec(self._reconnect.provider).display_name
            dialog.setWindowTitle(f"Reconnect {self._reconnect.name} to {platform}")
        self._dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.rejected.connect(self._user_cancelled)
        dialog.show()

    def _close_dialog(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None:
            dialog.rejected.disconnect(self._user_cancelled)
            dialog.done(QDialog.DialogCode.Accepted)
            dialog.deleteLater()

    def _user_cancelled(self) -> None:
        if self._finished:
            return
        if self._task is not None and not self._task.done():
            # Stops the browser listener or an exchange still waiting to start.
            self._task.cancel()
        if self._state is not None:
            self._runtime.accounts.cancel_sign_in(self._state)
            self._state = None
        self._end()
        log.info("Sign-in to %s cancelled", self._provider)
        self.cancelled.emit()

    def _succeed(self, account: Any) -> None:
        if self._finished:
            return
        self._end()
        self.succeeded.emit(account)

    def _fail(self, message: str, *, wrong_account: str | None = None) -> None:
        if self._finished:
            return
        if self._state is not None:
            self._runtime.accounts.cancel_sign_in(self._state)
            self._state = None
        provider = self._provider or ""
        self._end()
        if wrong_account is not None:
            self.wrongAccount.emit(provider, message, wrong_account)
        else:
            self.failed.emit(message)

    def _end(self) -> None:
        self._finished = True
        self._task = None
        self._close_dialog()

    def _spec(self, provider: str) -> ProviderSpec:
        for spec in self._runtime.specs:
            if spec.name == provider:
                return spec
        raise SignInError(f"Unknown platform '{provider}'.")

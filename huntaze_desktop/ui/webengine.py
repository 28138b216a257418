"""The embedded sign-in window (QtWebEngine). Import this module lazily.

QtWebEngine starts a Chromium: the main window must not pay for it at start-up,
so only :mod:`huntaze_desktop.ui.signin_window` imports this module, inside a
function, when a sign-in actually needs the embedded window.

Each attempt gets an off-the-record profile owned by its dialog: no cookie,
cache or password outlives the attempt (the OnlyFans session is captured and
stored in the vault by the service, never by Chromium). There is no
QWebChannel: the page cannot call into the app.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtNetwork import QNetworkCookie
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.providers.base import is_loopback_host
from huntaze_desktop.providers.onlyfans.session import CapturedSession, IncompleteSessionError
from huntaze_desktop.ui.screen_fit import fit_to_screen

__all__ = ["RedirectCatchingPage", "SessionSignInDialog", "SignInDialog", "connection_label"]

log = logging.getLogger("huntaze.ui.signin")

_SESSION_COOKIES = ("sess", "auth_id")
_NOT_FOUND = (
    "We couldn't find your OnlyFans session on this page. The site may have changed; "
    "try again or use a session file."
)
_UNOFFICIAL_NOTE = (
    "This connection is session-based and unofficial: OnlyFans has no public API. "
    "Huntaze keeps your session encrypted on this computer; OnlyFans may end it at any time."
)
# Scoped to the dialog; palette() colours follow the app's light/dark theme.
_DIALOG_STYLE = """
QFrame#addressFrame { background: palette(alternate-base); border: 1px solid palette(mid);
    border-radius: 8px; }
QFrame#addressFrame QLineEdit { border: none; background: transparent; padding: 2px; }
QFrame#addressFrame QLabel { background: transparent; }
QLabel#securityLabel { font-weight: 600; }
QLabel#securityLabel[security="secure"] { color: #1E8E3E; }
QLabel#securityLabel[security="local"] { color: #B7791F; }
QLabel#securityLabel[security="insecure"] { color: #C5221F; }
QProgressBar { border: none; background: transparent; }
QProgressBar::chunk { background: palette(highlight); }
QLabel#unofficialNote { background: #FFF4D6; color: #6B4700; border-radius: 6px;
    padding: 6px 10px; margin: 0 10px 6px 10px; }
QLabel#signInStatus { padding: 6px 12px 0 12px; }
"""
# After a signed-in page has loaded, how long cookies and storage may lag behind.
_CAPTURE_GRACE_MS = 4000


def connection_label(url: QUrl) -> tuple[str, str]:
    """The address bar's verdict on a URL: (text, key) with key secure/local/insecure."""
    if url.scheme() == "https":
        return "Secure", "secure"
    if url.scheme() == "http" and is_loopback_host(url.host()):
        # The sandbox and loopback redirects never leave this computer.
        return "Local sandbox", "local"
    return "Not secure", "insecure"


def _lock_pixmap(key: str, size: int = 16) -> QPixmap:
    """A small padlock (closed for secure/local, open and red otherwise)."""
    colour = {"secure": "#1E8E3E", "local": "#8A5A00", "insecure": "#C5221F"}[key]
    ratio = 2.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(colour), size / 8))
    shackle = QPainterPath()
    lift = size * 0.12 if key == "insecure" else 0.0  # an open padlock for http
    shackle.moveTo(QPointF(size * 0.3, size * 0.48))
    shackle.lineTo(QPointF(size * 0.3, size * 0.3 - lift))
    shackle.arcTo(QRectF(size * 0.3, size * 0.1 - lift, size * 0.4, size * 0.4), 180, -180)
    shackle.lineTo(QPointF(size * 0.7, size * 0.36 - lift if lift else size * 0.48))
    painter.drawPath(shackle)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(size * 0.18, size * 0.46, size * 0.64, size * 0.46), 2, 2)
    painter.end()
    return pixmap


def _same_endpoint(url: QUrl, target: QUrl) -> bool:
    """Scheme, host, port and path equal: the query (code, state) may differ."""
    default = 443 if target.scheme() == "https" else 80
    return (
        url.scheme() == target.scheme()
        and url.host().lower() == target.host().lower()
        and url.port(default) == target.port(default)
        and (url.path() or "/") == (target.path() or "/")
    )


class RedirectCatchingPage(QWebEnginePage):
    """A page that stops at the OAuth redirect URI instead of loading it.

    The redirect never reaches the network, so a platform that insists on a
    registered https redirect URI works without any server behind it.
    """

    redirectCaught = Signal(str)

    def __init__(self, profile: QWebEngineProfile, redirect_uri: str, parent: QWidget) -> None:
        super().__init__(profile, parent)
        self._target = QUrl(redirect_uri)
        self._caught = False

    def acceptNavigationRequest(
        self, url: QUrl | str, navigation_type: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        url = QUrl(url)
        if _same_endpoint(url, self._target):
            if not self._caught:
                # One callback per attempt: a replayed redirect must not complete twice.
                self._caught = True
                self.redirectCaught.emit(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
            return False
        return super().acceptNavigationRequest(url, navigation_type, is_main_frame)


class _BrowserDialog(QDialog):
    """The shared frame: address bar with TLS state, progress, web view, buttons."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("signInDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        # 600x780 where the screen has room; less on a small one (Cancel stays on it).
        fit_to_screen(self, QSize(600, 780))
        # No storage name: an off-the-record profile, one per attempt.
        self.profile = QWebEngineProfile()

        self.lock_icon = QLabel()
        self.lock_icon.setAccessibleName("Connection security icon")
        self.security_label = QLabel()
        self.security_label.setObjectName("securityLabel")
        self.security_label.setAccessibleName("Connection security")
        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setObjectName("addressBar")
        self.address.setAccessibleName("Address")
        self.address.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        address_bar = QFrame()
        address_bar.setObjectName("addressFrame")
        bar = QHBoxLayout(address_bar)
        bar.setContentsMargins(10, 4, 10, 4)
        bar.setSpacing(6)
        bar.addWidget(self.lock_icon)
        bar.addWidget(self.security_label)
        bar.addWidget(self.address, 1)
        top = QHBoxLayout()
        top.setContentsMargins(10, 8, 10, 6)
        top.addWidget(address_bar)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Page loading progress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(3)

        self.view = QWebEngineView()
        self.view.setAccessibleName("Sign-in page")
        self.page = self._make_page()
        self.view.setPage(self.page)
        # Children die in creation order: re-parent the profile after the view
        # so every page using it is gone first (Chromium insists).
        self.profile.setParent(self)

        self.status = QLabel()
        self.status.setObjectName("signInStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Sign-in status")
        self.status.hide()

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel sign-in")
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = QHBoxLayout()
        self.buttons.setContentsMargins(10, 6, 10, 10)
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addLayout(self.buttons)

        self.setStyleSheet(_DIALOG_STYLE)
        self.page.urlChanged.connect(self._show_url)
        self.page.loadStarted.connect(lambda: self.progress.setVisible(True))
        self.page.loadProgress.connect(self.progress.setValue)
        self.page.loadFinished.connect(lambda _ok: self.progress.setVisible(False))
        self._disposed = False
        self.finished.connect(self._dispose)

    def _make_page(self) -> QWebEnginePage:
        return QWebEnginePage(self.profile, self.view)

    def load(self, url: str) -> None:
        self._show_url(QUrl(url))
        self.view.load(QUrl(url))

    def _show_url(self, url: QUrl) -> None:
        text, key = connection_label(url)
        self.security_label.setText(text)
        self.security_label.setProperty("security", key)
        self.lock_icon.setPixmap(_lock_pixmap(key))
        port = f":{url.port()}" if url.port() != -1 else ""
        self.address.setText(f"{url.host()}{port}")
        # The query may hold a code or state: never show it, not even as a tooltip.
        self.address.setToolTip(f"{url.scheme()}://{url.host()}{port}{url.path()}")

    def show_status(self, text: str, *, busy: bool = False) -> None:
        self.status.setText(text)
        self.status.show()
        self.view.setEnabled(not busy)

    def _dispose(self) -> None:
        # The attempt is over: drop the page, then its profile (Chromium wants
        # them gone in that order), so no cookie of this attempt lingers.
        if self._disposed:
            return
        self._disposed = True
        self.page.triggerAction(QWebEnginePage.WebAction.Stop)
        self.view.setEnabled(False)
        self.page.deleteLater()
        self.profile.deleteLater()


class SignInDialog(_BrowserDialog):
    """The OAuth sign-in page of one attempt, stopped at its redirect URI.

    ``redirectCaught(url)`` carries the callback URL (code and state) to the
    controller; ``browserRequested`` asks to finish in the system browser.
    """

    redirectCaught = Signal(str)
    browserRequested = Signal()

    def __init__(
        self, display_name: str, authorize_url: str, redirect_uri: str, parent: QWidget | None
    ) -> None:
        self._redirect_uri = redirect_uri
        super().__init__(f"Connect {display_name}", parent)
        self.browser_button = QPushButton("Use my browser instead")
        self.browser_button.setAccessibleName("Use my browser instead")
        self.browser_button.setProperty("role", "link")
        self.browser_button.clicked.connect(self.browserRequested)
        self.buttons.insertWidget(0, self.browser_button)
        assert isinstance(self.page, RedirectCatchingPage)
        self.page.redirectCaught.connect(self._on_redirect)
        self.load(authorize_url)

    def _make_page(self) -> QWebEnginePage:
        return RedirectCatchingPage(self.profile, self._redirect_uri, self.view)

    def _on_redirect(self, url: str) -> None:
        self.show_status("Finishing sign-in…", busy=True)
        self.browser_button.setEnabled(False)
        self.redirectCaught.emit(url)


class SessionSignInDialog(_BrowserDialog):
    """The OnlyFans site login; captures the session once the person has signed in.

    Watches the profile's cookies for ``sess``, ``auth_id`` and ``auth_uid_*`` on
    the site host, reads ``bcTokenSha`` from localStorage after each load, and
    emits ``sessionCaptured(CapturedSession)`` once all are present.
    """

    sessionCaptured = Signal(object)

    def __init__(self, display_name: str, login_url: str, parent: QWidget | None) -> None:
        super().__init__(f"Connect {display_name}", parent)
        self._login_url = QUrl(login_url)
        self._site_host = self._login_url.host().lower()
        self._cookies: dict[str, str] = {}
        self._x_bc = ""
        self._captured = False
        self.note = QLabel(_UNOFFICIAL_NOTE)
        self.note.setObjectName("unofficialNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About this connection")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(2, self.note)
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.setInterval(_CAPTURE_GRACE_MS)
        self._grace.timeout.connect(self._give_up_if_missing)
        store = self.profile.cookieStore()
        store.cookieAdded.connect(self._on_cookie_added)
        store.cookieRemoved.connect(self._on_cookie_removed)
        self.page.loadFinished.connect(self._on_load_finished)
        self.load(login_url)

    def _wanted(self, cookie: QNetworkCookie) -> str | None:
        name = bytes(cookie.name().data()).decode("ascii", "replace")
        if name not in _SESSION_COOKIES and not name.startswith("auth_uid_"):
            return None
        domain = cookie.domain().lstrip(".").lower()
        if domain and not (self._site_host == domain or self._site_host.endswith("." + domain)):
            return None
        return name

    def _on_cookie_added(self, cookie: QNetworkCookie) -> None:
        name = self._wanted(cookie)
        if name is None:
            return
        self._cookies[name] = bytes(cookie.value().data()).decode("utf-8", "replace")
        self._try_capture()

    def _on_cookie_removed(self, cookie: QNetworkCookie) -> None:
        name = self._wanted(cookie)
        if name is not None:
            self._cookies.pop(name, None)

    def _on_load_finished(self, ok: bool) -> None:
        if not ok or self._captured:
            return
        self.page.runJavaScript("window.localStorage.getItem('bcTokenSha')", 0, self._on_bc_token)
        if self._looks_signed_in():
            self._grace.start()

    def _on_bc_token(self, value: object) -> None:
        if isinstance(value, str) and value:
            self._x_bc = value
        self._try_capture()

    def _looks_signed_in(self) -> bool:
        url = self.page.url()
        moved_on = url.host().lower() == self._site_host and url.path() != self._login_url.path()
        return moved_on or "auth_id" in self._cookies

    def _try_capture(self) -> None:
        if (
            self._captured
            or not self._x_bc
            or not all(c in self._cookies for c in _SESSION_COOKIES)
        ):
            return
        try:
            session = CapturedSession(
                cookies=dict(self._cookies),
                x_bc=self._x_bc,
                user_agent=self.profile.httpUserAgent(),
            )
        except IncompleteSessionError as exc:
            self.show_status(exc.user_message)
            return
        self._captured = True
        self._grace.stop()
        log.info("OnlyFans session captured (cookies: %s)", ", ".join(sorted(self._cookies)))
        self.show_status("Signed in. Checking your session…", busy=True)
        self.sessionCaptured.emit(session)

    def _give_up_if_missing(self) -> None:
        if not self._captured:
            log.warning(
                "OnlyFans session not found (cookies seen: %s; x-bc: %s)",
                ", ".join(sorted(self._cookies)) or "none",
                "yes" if self._x_bc else "no",
            )
            self.show_status(_NOT_FOUND)

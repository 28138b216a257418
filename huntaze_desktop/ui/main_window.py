"""The main window: sidebar navigation, pages, toasts, tray and theme.

It wires the pieces together: card intentions that leave the page (sign in)
go to the sign-in controller, bus notices become toasts, account states feed
the tray, and the window remembers where it was (QSettings in the data dir,
never anything secret).

The window exists before the services do. The boot builds it from a
``WindowShell`` (data directory, sandbox or not, theme), paints it with the real
navigation and an outline of each page, and only then imports and opens the
services and calls ``attach(runtime)``, which puts the real pages in. Given a
runtime, the constructor attaches at once. Everything the shell does not need
(the pages, the tray, the bus, the toasts) is imported later: this module is on
the path to the first paint. The cursors, the declared colour scheme, the
window icon (QtSvg) and the shortcuts come on the turn after the first paint.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QByteArray, QEvent, QMetaMethod, QSettings, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.early_settings import Theme
from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.ui.sidebar import Sidebar
from huntaze_desktop.ui.skeleton import SkeletonPage
from huntaze_desktop.ui.theme import ThemeManager

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from huntaze_desktop.domain.events import Notice
    from huntaze_desktop.domain.models import Account
    from huntaze_desktop.runtime import Runtime
    from huntaze_desktop.ui.bus_bridge import BusBridge
    from huntaze_desktop.ui.integrations import IntegrationsPage
    from huntaze_desktop.ui.toasts import ToastHost
    from huntaze_desktop.ui.tray import TrayController

__all__ = ["PAGES", "SANDBOX_BANNER", "MainWindow", "WindowShell"]

log = logging.getLogger("huntaze.ui.main_window")

TITLE = "Huntaze Desktop"
SANDBOX_BANNER = "Sandbox mode: local stand-ins for the platforms, no real accounts"
PAGES = ("Integrations", "Analytics", "Settings")
_TRAY_HINT = (
    "Huntaze Desktop keeps running in the system tray and keeps your accounts fresh. "
    "To quit, choose Quit in the tray menu or the File menu ({shortcut}). You can also "
    "have the app quit whenever you close the window (Settings, \u201cQuit when I close "
    "the window\u201d)."
)


class WindowShell(NamedTuple):
    """What the window needs before the services exist (a NamedTuple, like DataPaths)."""

    data_dir: Path
    sandbox_mode: bool
    theme: Theme = Theme.SYSTEM


class MainWindow(QMainWindow):
    """The app window. ``tray``: None = use one when the system offers a tray."""

    signInRequested = Signal(str)
    quitRequested = Signal()
    firstPainted = Signal()  # once, on the event-loop turn after the first paint

    def __init__(
        self,
        runtime: Runtime | None = None,
        parent: QWidget | None = None,
        *,
        tray: bool | None = None,
        shell: WindowShell | None = None,
    ) -> None:
        super().__init__(parent)
        if shell is None:
            if runtime is None:
                raise TypeError("MainWindow needs a runtime or a WindowShell")
            shell = WindowShell(runtime.paths.root, runtime.sandbox_mode, runtime.settings.theme)
        self.runtime: Runtime | None = None
        self._quitting = False
        self._painted = False
        self._signin: Any = None
        self.wrong_account_dialog: Any = None  # the "signed in as another account" box
        self._integrations: IntegrationsPage | None = None
        self.settings_page: QWidget | None = None
        self.bridge: BusBridge | None = None
        self.tray: TrayController | None = None
        self.network: Any = None  # NetworkMonitor, from the first network failure on
        self._use_tray = tray
        self.setWindowTitle(f"{TITLE} — Sandbox" if shell.sandbox_mode else TITLE)
        self.setAccessibleName(TITLE)
        self._state = QSettings(str(shell.data_dir / "window.ini"), QSettings.Format.IniFormat)

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = ThemeManager(app, shell.theme, self)
        # The first frame goes by the platform's palette; _finish_chrome asks the
        # platform's declared scheme (see ``theme``) once it is painted.
        self.theme.apply(ask_platform=False)
        self._toasts: ToastHost | None = None  # built with the first toast (see toasts)

        central = QWidget(self)
        central.setObjectName("Central")
        self.setCentralWidget(central)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.banner: QLabel | None = None
        if shell.sandbox_mode:
            self.banner = QLabel(SANDBOX_BANNER, central)
            self.banner.setObjectName("Banner")
            self.banner.setAccessibleName(SANDBOX_BANNER)
            column.addWidget(self.banner)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        column.addLayout(row, 1)

        sidebar = Sidebar(PAGES, central)
        sidebar.pageRequested.connect(self.show_page)
        self.nav, self.nav_buttons = sidebar.group, sidebar.buttons
        row.addWidget(sidebar)
        self.stack = QStackedWidget(central)
        self.stack.setAccessibleName("Pages")
        row.addWidget(self.stack, 1)
        # Outlines until the services are attached. Afterwards Analytics and
        # Settings are still built on first visit: the Analytics page pulls in
        # pyqtgraph and numpy (~0.1 s, ~30 MB) and loads its data.
        self._analytics: QWidget | None = None
        self._integrations_slot = SkeletonPage(PAGES[0], self.stack)
        self._analytics_slot = SkeletonPage(PAGES[1], self.stack, cards=1, card_height=320)
        self._settings_slot = SkeletonPage(PAGES[2], self.stack, cards=2, columns=1)
        for page in (self._integrations_slot, self._analytics_slot, self._settings_slot):
            self.stack.addWidget(page)
        self.signInRequested.connect(self.start_sign_in)

        # File > Refresh / Quit; the shortcuts (shown in the menu) come with the chrome.
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = file_menu.addAction("&Refresh all accounts")
        self.refresh_action.triggered.connect(lambda _checked=False: self.refresh_now())
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.triggered.connect(lambda _checked=False: self.quit_app())
        self.close_notice: QMessageBox | None = None  # the first-close explanation

        self._restore_geometry()
        self.show_page(0)
        # Icon and shortcuts are not part of the first frame (the application's
        # icon stands in until then): they come on the turn after it, once
        # firstPainted's receivers (the boot notes the paint) have run.
        self._finished = False
        if runtime is not None:
            self.attach(runtime)

    def _finish_chrome(self) -> None:
        if self._finished:
            return
        self._finished = True
        from PySide6.QtCore import Qt

        self.theme.apply()  # now the scheme the platform declares, if any
        for button in self.nav_buttons:
            button.setCursor(Qt.CursorShape.PointingHandCursor)
        from huntaze_desktop.ui.icons import app_icon  # QtSvg: not for the first frame

        self.setWindowIcon(app_icon())
        self._shortcuts()

    def attach(self, runtime: Runtime) -> None:
        """The services are up: put the real pages in and start the tray."""
        from huntaze_desktop.ui.bus_bridge import BusBridge
        from huntaze_desktop.ui.integrations import IntegrationsPage

        self._finish_chrome()  # a window attached before it was ever shown
        if self.runtime is not None:
            raise RuntimeError("the window already has its services")
        self.runtime = runtime
        self.theme.set_theme(runtime.settings.theme)
        self.bridge = BusBridge(runtime.bus, self)
        self.bridge.notice.connect(self._on_notice)
        self.bridge.networkLost.connect(self._watch_network)
        page = IntegrationsPage(runtime, self.toasts, self.stack, self.bridge)
        page.signInRequested.connect(self.signInRequested)
        page.reconnectRequested.connect(self.start_reconnect)
        page.settingsRequested.connect(lambda: self.show_page(2))
        self._integrations = page
        self._replace_slot(0, self._integrations_slot, page)

        if self.has_tray():
            from huntaze_desktop.ui.tray import TrayController

            self.tray = TrayController(self)
            self.tray.openRequested.connect(self.bring_to_front)
            self.tray.signInRequested.connect(self._tray_sign_in)
            self.tray.settingsRequested.connect(self._tray_settings)
            self.tray.refreshRequested.connect(self.refresh_now)
            self.tray.quitRequested.connect(self.quit_app)
            page.accountsLoaded.connect(self._update_tray)
            self.tray.show()
        # Whatever page the user went to while the services started is built now.
        self.show_page(self.current_page())

    def _watch_network(self, _event: object = None) -> None:
        """From the first network failure on, the system says when it is back (ui/network)."""
        if self.network is None and self.runtime is not None and self.runtime.scheduler is not None:
            from huntaze_desktop.ui.network import NetworkMonitor

            self.network = NetworkMonitor(self.runtime.scheduler, self)

    def is_attached(self) -> bool:
        return self.runtime is not None

    @property
    def integrations(self) -> IntegrationsPage:
        """The Integrations page (there once the services are attached)."""
        if self._integrations is None:
            raise RuntimeError("the services are not attached yet")
        return self._integrations

    def _replace_slot(self, index: int, slot: QWidget, page: QWidget) -> None:
        current = self.stack.currentIndex()
        self.stack.removeWidget(slot)
        slot.deleteLater()
        self.stack.insertWidget(index, page)
        self.stack.setCurrentIndex(current)

    # -- first paint -------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            # The next turn of the loop: the frame has been flushed to the screen.
            QTimer.singleShot(0, self._announce_first_paint)
        return handled

    def _announce_first_paint(self) -> None:
        self.firstPainted.emit()
        self._finish_chrome()

    @property
    def toasts(self) -> ToastHost:
        """The window's toasts; their module loads with the first one, after the paint."""
        if self._toasts is None:
            from huntaze_desktop.ui.toasts import ToastHost

            self._toasts = ToastHost(self)
        return self._toasts

    def has_painted(self) -> bool:
        return self._painted

    # -- construction ------------------------------------------------------------

    def _shortcuts(self) -> None:
        from PySide6.QtGui import QShortcut

        from huntaze_desktop.ui.keys import quit_shortcut

        for index in range(len(PAGES)):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.show_page(i))
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.focus_search)
        # Actions of the window (so their shortcuts work with the menu closed) and of
        # the File menu (which shows them).
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.quit_action.setShortcut(quit_shortcut())  # shown in the menu
        self.quit_action.setMenuRole(self.quit_action.MenuRole.QuitRole)
        self.addActions([self.refresh_action, self.quit_action])

    # -- pages -------------------------------------------------------------------

    def current_page(self) -> int:
        return self.stack.currentIndex()

    @property
    def analytics(self) -> QWidget:
        """The Analytics page (built now if it was not yet; needs the services)."""
        if self._analytics is None:
            if self.runtime is None:
                raise RuntimeError("the services are not attached yet")
            try:
                from huntaze_desktop.ui.analytics_page import AnalyticsPage
            except ImportError as exc:  # numpy or pyqtgraph will not load: say so, here
                page: QWidget = _placeholder(
                    "Analytics", _installation_error(exc, "Analytics"), self.stack
                )
            else:
                page = AnalyticsPage(self.runtime, self.stack)
                page.integrationsRequested.connect(lambda: self.show_page(0))
            self._replace_slot(1, self._analytics_slot, page)
            self._analytics = page
        return self._analytics

    def show_page(self, index: int) -> None:
        if self.runtime is not None:
            if index == 1:
                self.analytics  # noqa: B018 - builds the page on first visit
            if index == 2:
                self._ensure_settings_page()
        self.stack.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        if self.runtime is None:
            return  # an outline until the services are attached
        # The Settings page may have changed the theme: apply it live.
        self.theme.set_theme(self.runtime.settings.theme)
        if index == 0:
            self.integrations.request_validation()

    def _ensure_settings_page(self) -> None:
        if self.settings_page is not None:
            return
        if self.runtime is None:
            raise RuntimeError("the services are not attached yet")
        try:
            from huntaze_desktop.ui.settings_page import SettingsPage
        except ImportError as exc:  # a damaged installation: say so, here
            page: QWidget = _placeholder(
                "Settings", _installation_error(exc, "Settings"), self.stack
            )
        else:
            settings_page = SettingsPage(self.runtime, self.stack, tray=self.has_tray())
            settings_page.themeChanged.connect(self.apply_settings)
            settings_page.settingsChanged.connect(self.apply_settings)
            page = settings_page
        self._replace_slot(2, self._settings_slot, page)
        self.settings_page = page

    def apply_settings(self, *_args: object) -> None:
        """Re-read live settings (theme) after the Settings page saved them."""
        if self.runtime is not None:
            self.theme.set_theme(self.runtime.settings.theme)

    def focus_search(self) -> None:
        self.show_page(0)
        if self._integrations is not None:
            self._integrations.focus_search()

    # -- actions -----------------------------------------------------------------

    def start_reconnect(self, account: Account) -> None:
        """Sign in again to ``account`` (and only to it)."""
        self.start_sign_in(account.provider, reconnect=account)

    def start_sign_in(self, provider: str, reconnect: Account | None = None) -> None:
        if self.runtime is None:
            return  # nothing offers sign-in before the services are attached
        try:
            from huntaze_desktop.ui.signin_window import SignInController
        except ImportError as exc:  # e.g. QtWebEngine missing from a damaged installation
            self.toasts.error(_installation_error(exc, "Signing in"))
            return
        if self._signin is None:
            # One controller: a second request while signing in raises its window.
            # Success is announced by the service (a bus Notice becomes a toast).
            self._signin = SignInController(self.runtime, self)
            self._signin.failed.connect(self.toasts.error)
            self._signin.wrongAccount.connect(self._wrong_account)
            self._signin.cancelled.connect(
                lambda: self.toasts.info("Sign-in cancelled. Nothing was stored.")
            )
        self._signin.start(provider, reconnect)

    def _wrong_account(self, provider: str, message: str, signed_in_as: str) -> None:
        """A reconnect came back as another account: say so, offer to add that one."""
        from huntaze_desktop.ui.dialogs import WrongAccountDialog

        dialog = WrongAccountDialog(message, signed_in_as, self)
        dialog.addRequested.connect(lambda: self.start_sign_in(provider))
        self.wrong_account_dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _tray_sign_in(self, provider: str) -> None:
        self.bring_to_front()
        self.signInRequested.emit(provider)

    def _tray_settings(self) -> None:
        self.bring_to_front()
        self.show_page(2)

    def refresh_now(self) -> None:
        if self.runtime is None:
            self.toasts.info("Huntaze is still starting. Your accounts refresh once it is up.")
            return

        self.toasts.info("Refreshing all accounts…")
        self.runtime.scheduler.refresh_now()

    def _on_notice(self, notice: Notice) -> None:
        self.toasts.show(notice.text, notice.level)

    def _update_tray(self, accounts: list[Account]) -> None:
        if self.tray is not None and self.runtime is not None:
            platforms = {spec.name: spec.display_name for spec in self.runtime.specs}
            self.tray.update_accounts(accounts, platforms)

    # -- window life -------------------------------------------------------------

    def has_tray(self) -> bool:
        """Whether the window lives in a tray (the tray itself comes with the services)."""
        if self._use_tray is None:
            from PySide6.QtWidgets import QSystemTrayIcon

            self._use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        return self._use_tray

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def _restore_geometry(self) -> None:
        geometry = self._state.value("window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            return
        # First start: 1200x800, or less on a small screen, centred on it.
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(1200, 800)
            return
        available = screen.availableGeometry()
        width = min(1200, available.width() - 40)
        height = min(800, available.height() - 40)
        self.setGeometry(
            available.x() + (available.width() - width) // 2,
            available.y() + (available.height() - height) // 2,
            width,
            height,
        )

    def save_geometry(self) -> None:
        self._state.setValue("window/geometry", self.saveGeometry())
        self._state.sync()

    def quits_on_close(self) -> bool:
        """Whether closing the window quits the app: always without a tray, else by setting."""
        if not self.has_tray():
            return True
        return self.runtime is not None and self.runtime.settings.quit_on_close is True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        if self._quitting:
            event.accept()
            return
        if self.quits_on_close():
            # No tray to live in (or the user asked for it): a window-less app
            # nobody can reach must not keep running. Quitting stops the refresh too.
            event.accept()
            self.quit_app()
            return
        # Closing hides to the tray; Quit (tray menu, File menu, Ctrl+Q) really quits.
        # Before the services are up the tray is a moment away.
        event.ignore()
        self.hide()
        if self.tray is not None and not self._state.value("tray/hint_shown", False, type=bool):
            self._state.setValue("tray/hint_shown", True)
            self._state.sync()
            self._explain_tray()

    def _explain_tray(self) -> None:
        """Once: the app is still running in the tray, and how to make closing quit."""
        from PySide6.QtCore import Qt

        shortcut = self.quit_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        notice = QMessageBox(self)
        notice.setWindowTitle(TITLE)
        notice.setIcon(QMessageBox.Icon.Information)
        notice.setText("<b>Huntaze Desktop is still running</b>")
        notice.setInformativeText(_TRAY_HINT.format(shortcut=shortcut))
        keep = notice.addButton("Keep running in the tray", QMessageBox.ButtonRole.AcceptRole)
        quit_button = notice.addButton(
            "Quit when I close the window", QMessageBox.ButtonRole.DestructiveRole
        )
        keep.setAccessibleName("Keep running in the tray")
        quit_button.setAccessibleName("Quit whenever I close the window")
        notice.setDefaultButton(keep)
        notice.setEscapeButton(keep)
        notice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(button: object) -> None:
            self.close_notice = None
            if button is quit_button:
                self.set_quit_on_close(True)
                self.quit_app()

        notice.buttonClicked.connect(chosen)
        self.close_notice = notice
        notice.open()

    def set_quit_on_close(self, value: bool) -> None:
        """Save the "quit when the window closes" choice (the Settings page shows it)."""
        if self.runtime is None:
            return
        try:
            self.runtime.settings.quit_on_close = value
            self.runtime.save_settings()
        except (HuntazeError, OSError, ValueError) as exc:
            log.warning("Close behaviour not saved: %s", type(exc).__name__)
        if isinstance(self.settings_page, QWidget) and hasattr(self.settings_page, "sync"):
            self.settings_page.sync()

    def quit_app(self) -> None:
        """Quit for real. The boot listens to ``quitRequested`` so it can close the
        services while the event loop still runs; without a listener, quit Qt directly."""
        self._quitting = True
        self.save_geometry()
        if self.isSignalConnected(QMetaMethod.fromSignal(self.quitRequested)):
            self.quitRequested.emit()
        else:
            QApplication.quit()

    def shutdown(self) -> None:
        """Called by the boot before the runtime closes: let go of everything."""
        self._quitting = True
        self.save_geometry()
        if self.bridge is not None:
            self.bridge.close()
        if self.tray is not None:
            self.tray.hide()


def _installation_error(exc: ImportError, feature: str) -> str:
    """What the user reads when ``feature``'s module will not import (logged too)."""
    from huntaze_desktop.domain.errors import InstallationError

    error = InstallationError.from_import(exc, feature)
    log.error("Cannot offer %s: %s (%r)", feature, error.user_message, exc)
    log.debug("%s could not be imported", feature, exc_info=True)
    return error.user_message


def _placeholder(title: str, text: str, parent: QWidget) -> QWidget:
    page = QWidget(parent)
    page.setAccessibleName(f"{title} page")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(32, 28, 32, 32)
    heading = QLabel(title, page)
    heading.setProperty("role", "title")
    heading.setAccessibleName(title)
    layout.addWidget(heading)
    body = QLabel(text, page)
    body.setProperty("role", "muted")
    body.setAccessibleName(text)
    body.setWordWrap(True)
    layout.addWidget(body)
    layout.addStretch(1)
    return page

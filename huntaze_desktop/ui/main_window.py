"""The main window: sidebar navigation, pages, toasts, tray and theme.

It wires the pieces together: card intentions that leave the page (sign in)
go to the sign-in controller, bus notices become toasts, account states feed
the tray, and the window remembers where it was (QSettings in the data dir,
never anything secret).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from PySide6.QtCore import QByteArray, QMetaMethod, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop import __version__
from huntaze_desktop.core.events import Notice
from huntaze_desktop.core.models import Account
from huntaze_desktop.ui.bus_bridge import BusBridge
from huntaze_desktop.ui.icons import ICON_DIR, app_icon, svg_pixmap
from huntaze_desktop.ui.integrations import IntegrationsPage
from huntaze_desktop.ui.tasks import run_task
from huntaze_desktop.ui.theme import ThemeManager
from huntaze_desktop.ui.toasts import ToastHost
from huntaze_desktop.ui.tray import TrayController

__all__ = ["PAGES", "SANDBOX_BANNER", "MainWindow"]

log = logging.getLogger("huntaze.ui.main_window")

TITLE = "Huntaze Desktop"
SANDBOX_BANNER = "Sandbox mode: local stand-ins for the platforms, no real accounts"
PAGES = ("Integrations", "Analytics", "Settings")
_TRAY_HINT = (
    "Huntaze keeps running in the tray and keeps your accounts fresh. Quit from the tray menu."
)


class MainWindow(QMainWindow):
    """The app window. ``tray``: None = use one when the system offers a tray."""

    signInRequested = Signal(str)
    quitRequested = Signal()

    def __init__(
        self, runtime: Any, parent: QWidget | None = None, *, tray: bool | None = None
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self._quitting = False
        self._signin: Any = None
        self.settings_page: QWidget | None = None
        self.setWindowTitle(f"{TITLE} — Sandbox" if runtime.sandbox_mode else TITLE)
        self.setWindowIcon(app_icon())
        self.setAccessibleName(TITLE)
        self._state = QSettings(str(runtime.paths.root / "window.ini"), QSettings.Format.IniFormat)

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = ThemeManager(app, runtime.settings.theme, self)
        self.theme.apply()

        self.toasts = ToastHost(self)
        self.bridge = BusBridge(runtime.bus, self)
        self.bridge.notice.connect(self._on_notice)

        central = QWidget(self)
        central.setObjectName("Central")
        self.setCentralWidget(central)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.banner: QLabel | None = None
        if runtime.sandbox_mode:
            self.banner = QLabel(SANDBOX_BANNER, central)
            self.banner.setObjectName("Banner")
            self.banner.setAccessibleName(SANDBOX_BANNER)
            column.addWidget(self.banner)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        column.addLayout(row, 1)

        row.addWidget(self._build_sidebar(central))
        self.stack = QStackedWidget(central)
        self.stack.setAccessibleName("Pages")
        row.addWidget(self.stack, 1)

        self.integrations = IntegrationsPage(runtime, self.toasts, self.stack, self.bridge)
        self.integrations.signInRequested.connect(self.signInRequested)
        # Analytics and Settings are built on first visit: the Analytics page pulls
        # in pyqtgraph (~0.1 s and ~30 MB) and loads its data, none of which the
        # first painted window needs.
        self._analytics: QWidget | None = None
        self._analytics_slot = QWidget(self.stack)
        self._settings_slot = QWidget(self.stack)
        for page in (self.integrations, self._analytics_slot, self._settings_slot):
            self.stack.addWidget(page)
        self.signInRequested.connect(self.start_sign_in)

        self.tray: TrayController | None = None
        if tray if tray is not None else QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = TrayController(self)
            self.tray.openRequested.connect(self.bring_to_front)
            self.tray.signInRequested.connect(self._tray_sign_in)
            self.tray.refreshRequested.connect(self.refresh_now)
            self.tray.quitRequested.connect(self.quit_app)
            self.integrations.accountsLoaded.connect(self._update_tray)
            self.tray.show()

        self._shortcuts()
        self._restore_geometry()
        self.show_page(0)

    # -- construction ------------------------------------------------------------

    def _build_sidebar(self, parent: QWidget) -> QWidget:
        sidebar = QWidget(parent)
        sidebar.setObjectName("Sidebar")
        sidebar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        sidebar.setFixedWidth(216)
        layout = QVBoxLayout(sidebar)
        layout.setContentsMargins(14, 18, 14, 14)
        layout.setSpacing(4)
        brand = QHBoxLayout()
        brand.setSpacing(10)
        logo = QLabel(sidebar)
        pixmap = svg_pixmap(ICON_DIR / "app.svg", 28)
        if pixmap is not None:
            logo.setPixmap(pixmap)
        logo.setAccessibleName("Huntaze logo")
        brand.addWidget(logo)
        name = QLabel("Huntaze", sidebar)
        name.setObjectName("AppName")
        name.setAccessibleName("Huntaze")
        brand.addWidget(name, 1)
        layout.addLayout(brand)
        layout.addSpacing(18)
        self.nav = QButtonGroup(self)
        self.nav.setExclusive(True)
        self.nav_buttons: list[QPushButton] = []
        for index, title in enumerate(PAGES):
            button = QPushButton(title, sidebar)
            button.setProperty("role", "nav")
            button.setCheckable(True)
            button.setAccessibleName(f"{title} page")
            button.setToolTip(f"{title} (Ctrl+{index + 1})")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _c=False, i=index: self.show_page(i))
            self.nav.addButton(button, index)
            self.nav_buttons.append(button)
            layout.addWidget(button)
        layout.addStretch(1)
        version = QLabel(f"Version {__version__}", sidebar)
        version.setProperty("role", "muted")
        version.setAccessibleName(version.text())
        layout.addWidget(version)
        return sidebar

    def _shortcuts(self) -> None:
        for index in range(len(PAGES)):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.show_page(i))
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.focus_search)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.refresh_now)
        QShortcut(QKeySequence.StandardKey.Quit, self).activated.connect(self.quit_app)

    # -- pages -------------------------------------------------------------------

    def current_page(self) -> int:
        return self.stack.currentIndex()

    @property
    def analytics(self) -> QWidget:
        """The Analytics page (built now if it was not yet)."""
        if self._analytics is None:
            from huntaze_desktop.ui.analytics_page import AnalyticsPage

            page = AnalyticsPage(self.runtime, self.stack)
            current = self.stack.currentIndex()
            self.stack.removeWidget(self._analytics_slot)
            self._analytics_slot.deleteLater()
            self.stack.insertWidget(1, page)
            self.stack.setCurrentIndex(current)
            self._analytics = page
        return self._analytics

    def show_page(self, index: int) -> None:
        if index == 1:
            self.analytics  # noqa: B018 - builds the page on first visit
        if index == 2:
            self._ensure_settings_page()
        self.stack.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        # The Settings page may have changed the theme: apply it live.
        self.theme.set_theme(self.runtime.settings.theme)
        if index == 0:
            self.integrations.request_validation()

    def _ensure_settings_page(self) -> None:
        if self.settings_page is not None:
            return
        try:
            from huntaze_desktop.ui.settings_page import SettingsPage
        except ImportError:
            page: QWidget = _placeholder("Settings", "Settings are on their way.", self.stack)
        else:
            page = SettingsPage(self.runtime, self.stack)
            for name in ("themeChanged", "settingsChanged"):
                signal = getattr(page, name, None)
                if signal is not None:
                    signal.connect(self.apply_settings)
        self.stack.removeWidget(self._settings_slot)
        self._settings_slot.deleteLater()
        self.stack.insertWidget(2, page)
        self.settings_page = page

    def apply_settings(self, *_args: object) -> None:
        """Re-read live settings (theme) after the Settings page saved them."""
        self.theme.set_theme(self.runtime.settings.theme)

    def focus_search(self) -> None:
        self.show_page(0)
        self.integrations.focus_search()

    # -- actions -----------------------------------------------------------------

    def start_sign_in(self, provider: str) -> None:
        try:
            from huntaze_desktop.ui.signin_window import SignInController
        except ImportError:
            self.toasts.error("Signing in is not available in this build yet.")
            return
        self._signin = SignInController(self.runtime, self)
        self._signin.start(provider)

    def _tray_sign_in(self, provider: str) -> None:
        self.bring_to_front()
        self.signInRequested.emit(provider)

    def refresh_now(self) -> None:
        scheduler = getattr(self.runtime, "scheduler", None)
        refresh = getattr(scheduler, "refresh_now", None)
        self.toasts.info("Refreshing all accounts…")
        if refresh is None:
            self.integrations.request_validation()
            return
        result = refresh()
        if inspect.isawaitable(result):
            run_task(result, on_error=self.toasts.error)  # type: ignore[arg-type]

    def _on_notice(self, notice: Notice) -> None:
        self.toasts.show(notice.text, notice.level)

    def _update_tray(self, accounts: list[Account]) -> None:
        if self.tray is not None:
            platforms = {spec.name: spec.display_name for spec in self.runtime.specs}
            self.tray.update_accounts(accounts, platforms)

    # -- window life -------------------------------------------------------------

    def has_tray(self) -> bool:
        return self.tray is not None

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
        self.resize(1200, 800)

    def save_geometry(self) -> None:
        self._state.setValue("window/geometry", self.saveGeometry())
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        if self.tray is not None and not self._quitting:
            # Closing hides to the tray; Quit (tray menu, Ctrl+Q) really quits.
            event.ignore()
            self.hide()
            if not self._state.value("tray/hint_shown", False, type=bool):
                self._state.setValue("tray/hint_shown", True)
                self.tray.notify(TITLE, _TRAY_HINT)
            return
        event.accept()

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
        self.bridge.close()
        if self.tray is not None:
            self.tray.hide()


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
    layout.addWidget(body)
    layout.addStretch(1)
    return page

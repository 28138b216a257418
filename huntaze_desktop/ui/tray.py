"""The tray icon: health at a glance, accounts needing attention, quick actions.

The arithmetic (counts, worst severity, once-per-incident notifications) lives
in ``domain/health.py``; this module only renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from huntaze_desktop.domain.health import (
    HealthSummary,
    IncidentTracker,
    incident_notice,
    summarize,
)
from huntaze_desktop.domain.models import Account, ConnectionStatus, Severity
from huntaze_desktop.ui.icons import tray_icon
from huntaze_desktop.ui.keys import quit_shortcut

__all__ = ["MENU_ATTENTION_LIMIT", "TrayController"]

MENU_ATTENTION_LIMIT = 8  # accounts needing attention listed in the tray menu


class TrayController(QObject):
    """Owns the ``QSystemTrayIcon`` and its menu; emits what the user asked for."""

    openRequested = Signal()
    signInRequested = Signal(str)
    settingsRequested = Signal()  # refused app credentials: fixed in Settings, not by a sign-in
    refreshRequested = Signal()
    quitRequested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.incidents = IncidentTracker()
        self.summary: HealthSummary = summarize([])
        # Every balloon shown, as (title, text): what the user saw, in order.
        self.notifications: list[tuple[str, str]] = []
        self.menu = QMenu()
        self.menu.setAccessibleName("Huntaze tray menu")
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.update_accounts([], {})

    @property
    def severity(self) -> Severity:
        return self.summary.worst

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def update_accounts(self, accounts: list[Account], platforms: Mapping[str, str]) -> None:
        """Re-render from the current accounts; ``platforms`` maps name → display name."""
        self.summary = summarize(accounts)
        self.icon.setIcon(tray_icon(self.summary.worst))
        self.icon.setToolTip(f"Huntaze Desktop — {self.summary.tooltip}")
        self._rebuild_menu(platforms)
        notice = incident_notice(self.incidents.update(accounts), platforms)
        if notice is not None:
            self.notify(*notice)

    def notify(self, title: str, text: str) -> None:
        self.notifications.append((title, text))
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 8000)

    def _rebuild_menu(self, platforms: Mapping[str, str]) -> None:
        self.menu.clear()
        self._add(self.menu, "Open Huntaze", self.openRequested.emit)
        if self.summary.attention:
            self.menu.addSeparator()
            heading = self.menu.addAction(self.summary.tooltip)
            heading.setEnabled(False)
            shown = self.summary.attention[:MENU_ATTENTION_LIMIT]
            for account in shown:
                platform = platforms.get(account.provider, account.provider)
                text = f"{platform}: {account.name} — {account.status.label}"
                if account.status is ConnectionStatus.APP_CREDENTIALS_REJECTED:
                    self._add(self.menu, text, self.settingsRequested.emit)
                else:
                    self._add(self.menu, text, partial(self.signInRequested.emit, account.provider))
            hidden = len(self.summary.attention) - len(shown)
            if hidden:
                # A menu as tall as the screen helps nobody: the window lists them all.
                self._add(self.menu, f"{hidden} more — open Huntaze", self.openRequested.emit)
        self.menu.addSeparator()
        self._add(self.menu, "Refresh now", self.refreshRequested.emit)
        quit_action = self._add(self.menu, "Quit", self.quitRequested.emit)
        # Shown in the menu; the keys act through the window's File > Quit (through
        # this action only while the tray menu itself is open).
        quit_action.setShortcut(quit_shortcut())
        quit_action.setShortcutVisibleInContextMenu(True)

    @staticmethod
    def _add(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
        action = menu.addAction(text)
        # triggered(bool) would pass "checked" as the first argument: drop it.
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.openRequested.emit()

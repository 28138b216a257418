"""Dialogs of the integrations page: confirm a disconnect, show diagnostics.

Both open window-modal with ``open()`` (never a nested ``exec()`` loop, which
would stall the asyncio loop that shares Qt's event loop).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ConfirmDisconnectDialog", "DiagnosticsDialog"]


class ConfirmDisconnectDialog(QMessageBox):
    """ "Disconnect @name from Instagram?" with Cancel as the default button.

    ``confirmed`` fires only when the user chooses Disconnect.
    """

    confirmed = Signal()

    def __init__(self, account_name: str, platform: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Disconnect account")
        self.setText(f"Disconnect {account_name} from {platform}?")
        self.setInformativeText(
            "Its stored credentials will be deleted from this computer and Huntaze stops "
            "refreshing it. You can connect it again at any time."
        )
        self.setAccessibleName("Confirm disconnect")
        self.setAccessibleDescription(self.text() + " " + self.informativeText())
        self.confirm_button = self.addButton("Disconnect", QMessageBox.ButtonRole.DestructiveRole)
        self.confirm_button.setAccessibleName(f"Disconnect {account_name}")
        self.confirm_button.setProperty("role", "danger")  # red, like the card's button
        # Already polished by addButton: re-polish so the property takes effect.
        self.confirm_button.style().unpolish(self.confirm_button)
        self.confirm_button.style().polish(self.confirm_button)
        layout = self.layout()
        if layout is not None:  # Qt's margins crowd the text against the edge
            layout.setContentsMargins(20, 18, 20, 16)
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        assert cancel is not None
        self.cancel_button: QPushButton = cancel
        self.cancel_button.setAccessibleName("Cancel")
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        if button is self.confirm_button:
            self.confirmed.emit()


class DiagnosticsDialog(QDialog):
    """Read-only diagnostics of one account (no secrets) with a Copy button."""

    copied = Signal()

    def __init__(self, title: str, diagnostics: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Details — {title}")
        self.setAccessibleName(f"Details of {title}")
        self.resize(560, 460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        heading = QLabel("Diagnostics (no passwords or tokens are included)", self)
        heading.setProperty("role", "muted")
        layout.addWidget(heading)
        self.text = json.dumps(diagnostics, indent=2, sort_keys=True, default=str)
        self.view = QPlainTextEdit(self.text, self)
        self.view.setReadOnly(True)
        self.view.setAccessibleName("Diagnostics")
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(self)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        assert self.copy_button is not None
        self.copy_button.setAccessibleName("Copy diagnostics")
        self.copy_button.clicked.connect(self.copy)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        assert close is not None
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
        self.copy_button.setText("Copied")
        self.copied.emit()

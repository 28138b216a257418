"""When the vault's key is gone: say so, and offer the one explicit way to start over.

The boot (``app_services``) opens these window-modal with ``open()`` and waits on
their ``finished`` signal, never a nested ``exec()`` loop.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

__all__ = ["ConfirmForgetDialog", "VaultKeyMissingDialog"]


def _danger(button: QPushButton) -> None:
    button.setProperty("role", "danger")
    # Already polished by addButton: re-polish so the property takes effect.
    button.style().unpolish(button)
    button.style().polish(button)


class VaultKeyMissingDialog(QMessageBox):
    """ "Your saved sign-ins cannot be opened": the reason, Quit, and the way to start over.

    ``result_choice`` is ``"forget"`` when the user chose to start over, else ``"quit"``.
    """

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle("Huntaze Desktop cannot start")
        self.setText("Your saved sign-ins cannot be opened")
        # The informative text wraps (see app_services.fatal_message_box).
        self.setInformativeText(reason)
        self.forget_button = self.addButton(
            "Forget the saved sign-ins and start over…", QMessageBox.ButtonRole.DestructiveRole
        )
        _danger(self.forget_button)
        quit_button = self.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        assert quit_button is not None
        self.quit_button: QPushButton = quit_button
        self.setDefaultButton(self.quit_button)
        self.setEscapeButton(self.quit_button)
        self.result_choice = "quit"
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        self.result_choice = "forget" if button is self.forget_button else "quit"


class ConfirmForgetDialog(QMessageBox):
    """The confirmation, with Cancel as the default: what goes and what stays."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Forget the saved sign-ins")
        self.setText("Forget every saved sign-in on this computer?")
        self.setInformativeText(
            "Your accounts, their analytics history and your settings are kept. Each "
            "account shows “Needs reconnect” until you sign in to it again, and app "
            "credentials entered in Settings must be entered again. This cannot be undone."
        )
        self.confirm_button = self.addButton(
            "Forget saved sign-ins", QMessageBox.ButtonRole.DestructiveRole
        )
        _danger(self.confirm_button)
        cancel = self.addButton(QMessageBox.StandardButton.Cancel)
        assert cancel is not None
        self.cancel_button: QPushButton = cancel
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)
        self.confirmed = False
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        self.confirmed = button is self.confirm_button

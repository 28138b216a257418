"""The vault's passphrase dialogs: choose one (first start without a keyring), unlock.

Where no keyring service runs (a minimal Linux desktop, a fresh VM) the vault
key cannot be kept in the keyring; instead of stopping with a message about a
command-line option, the app offers passphrase mode (``PassphraseSetupDialog``)
and asks for the passphrase at later starts (``UnlockDialog``). The dialogs only
collect the passphrase; the boot switches or unlocks the vault. Both open
window-modal with ``open()``: no nested event loop under the asyncio one.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

__all__ = ["MIN_LENGTH", "WRONG_PASSPHRASE", "PassphraseSetupDialog", "UnlockDialog"]

MIN_LENGTH = 8
WRONG_PASSPHRASE = "That passphrase is not correct. Try again."  # noqa: S105 - a message
EXPLANATION = (
    "No system keyring is available on this computer to protect your sign-ins. "
    "Choose a passphrase instead: Huntaze Desktop asks for it each time it starts.\n\n"
    "Keep it safe. If you forget it, your stored sign-ins cannot be recovered and "
    "you would connect your accounts again."
)


class PassphraseSetupDialog(QDialog):
    """Two password fields, a hint that says what is missing, Quit or accept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Protect your credentials")
        self.setAccessibleName("Protect your credentials with a passphrase")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)
        text = QLabel(EXPLANATION, self)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.first = QLineEdit(self)
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("Passphrase")
        self.second = QLineEdit(self)
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("Repeat the passphrase")
        form.addRow("Passphrase", self.first)
        form.addRow("Repeat it", self.second)
        layout.addLayout(form)
        self.hint = QLabel("", self)
        self.hint.setProperty("role", "muted")
        self.hint.setAccessibleName("Passphrase hint")
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(self)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.accept_button = buttons.addButton(
            "Use this passphrase", QDialogButtonBox.ButtonRole.AcceptRole
        )
        assert self.quit_button is not None and self.accept_button is not None
        self.accept_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.first.textChanged.connect(self._check)
        self.second.textChanged.connect(self._check)
        self.first.setFocus()
        self._check()

    def passphrase(self) -> str:
        return self.first.text()

    def problem(self) -> str | None:
        """What keeps the passphrase from being used, in words; None when it is fine."""
        first, second = self.first.text(), self.second.text()
        if len(first) < MIN_LENGTH:
            return f"Use at least {MIN_LENGTH} characters."
        if first != second:
            return "Type the same passphrase twice." if second else "Repeat it to be sure."
        return None

    def _check(self) -> None:
        problem = self.problem()
        self.hint.setText(problem or "Ready.")
        self.accept_button.setEnabled(problem is None)

    def accept(self) -> None:
        if self.problem() is None:  # Enter in a field must not skip the checks
            super().accept()


class UnlockDialog(QDialog):
    """Asks for the vault's passphrase; ``wrong=True`` says the last one did not unlock it."""

    def __init__(self, parent: QWidget | None = None, *, wrong: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock Huntaze Desktop")
        self.setAccessibleName("Unlock Huntaze Desktop")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)
        text = QLabel("Your credentials are protected by a passphrase. Enter it to unlock.", self)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName("Passphrase")
        layout.addWidget(self.field)
        self.error = QLabel(WRONG_PASSPHRASE, self)
        self.error.setProperty("role", "error")
        self.error.setAccessibleName(WRONG_PASSPHRASE)
        self.error.setVisible(wrong)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.unlock_button = buttons.addButton("Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        assert self.quit_button is not None and self.unlock_button is not None
        self.unlock_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.field.textChanged.connect(lambda text: self.unlock_button.setEnabled(bool(text)))
        self.unlock_button.setEnabled(False)
        self.field.setFocus()

    def passphrase(self) -> str:
        return self.field.text()

    def accept(self) -> None:
        if self.field.text():
            super().accept()

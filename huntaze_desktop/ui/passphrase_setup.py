"""First start without a system keyring: choose a passphrase to protect credentials.

Where no keyring service runs (a minimal Linux desktop, a fresh VM) the vault
key cannot be kept in the keyring; instead of stopping with a message about a
command-line option, the app offers passphrase mode here. The dialog only
collects and checks the passphrase; the boot switches the vault.
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

__all__ = ["MIN_LENGTH", "PassphraseSetupDialog"]

MIN_LENGTH = 8
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

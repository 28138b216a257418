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


class _PassphraseDialog(QDialog):
    """What both dialogs share: an explanation, fields, Quit, an accept button.

    Subclasses add their fields between ``__init__`` and ``_add_buttons`` and say
    in ``problem()`` what keeps the passphrase from being used (None: nothing).
    """

    def __init__(self, parent: QWidget | None, title: str, explanation: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 18, 20, 18)
        self.body.setSpacing(12)
        text = QLabel(explanation, self)
        text.setWordWrap(True)
        self.body.addWidget(text)

    def _password_field(self, accessible_name: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setAccessibleName(accessible_name)
        field.textChanged.connect(self._check)
        return field

    def _add_buttons(self, accept_text: str) -> None:
        buttons = QDialogButtonBox(self)
        quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        accept_button = buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        assert quit_button is not None and accept_button is not None
        self.quit_button, self.accept_button = quit_button, accept_button
        accept_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self._check()

    def problem(self) -> str | None:
        raise NotImplementedError

    def _check(self) -> None:  # on every keystroke, and once the buttons exist
        self.accept_button.setEnabled(self.problem() is None)

    def accept(self) -> None:
        if self.problem() is None:  # Enter in a field must not skip the checks
            super().accept()


class PassphraseSetupDialog(_PassphraseDialog):
    """Choose a passphrase: typed twice, a hint that says what is missing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Protect your credentials", EXPLANATION)
        self.setAccessibleName("Protect your credentials with a passphrase")
        form = QFormLayout()
        self.first = self._password_field("Passphrase")
        self.second = self._password_field("Repeat the passphrase")
        form.addRow("Passphrase", self.first)
        form.addRow("Repeat it", self.second)
        self.body.addLayout(form)
        self.hint = QLabel("", self)
        self.hint.setProperty("role", "muted")
        self.hint.setAccessibleName("Passphrase hint")
        self.body.addWidget(self.hint)
        self._add_buttons("Use this passphrase")
        self.first.setFocus()

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
        super()._check()
        self.hint.setText(self.problem() or "Ready.")


class UnlockDialog(_PassphraseDialog):
    """Asks for the vault's passphrase; ``wrong=True`` says the last one did not unlock it."""

    def __init__(self, parent: QWidget | None = None, *, wrong: bool = False) -> None:
        super().__init__(
            parent,
            "Unlock Huntaze Desktop",
            "Your credentials are protected by a passphrase. Enter it to unlock.",
        )
        self.setAccessibleName("Unlock Huntaze Desktop")
        self.field = self._password_field("Passphrase")
        self.body.addWidget(self.field)
        self.error = QLabel(WRONG_PASSPHRASE, self)
        self.error.setProperty("role", "error")
        self.error.setAccessibleName(WRONG_PASSPHRASE)
        self.error.setVisible(wrong)
        self.body.addWidget(self.error)
        self._add_buttons("Unlock")
        self.field.setFocus()

    def passphrase(self) -> str:
        return self.field.text()

    def problem(self) -> str | None:
        return None if self.field.text() else "Type your passphrase."

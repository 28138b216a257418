"""Dialogs of the integrations page: confirm a disconnect, show diagnostics.

Both open window-modal with ``open()`` (never a nested ``exec()`` loop, which
would stall the asyncio loop that shares Qt's event loop).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.ui.screen_fit import fit_to_screen

__all__ = ["ConfirmDisconnectDialog", "DiagnosticsDialog", "WrongAccountDialog", "summary_rows"]

_EVENTS_SHOWN = 5  # recent events in the summary (all of them are in the JSON)
# The audit log's event names, in words; others are shown with spaces for "_".
_EVENT_WORDS = {
    "connect": "Account added",
    "reconnect": "Signed in again",
    "connected": "Signed in",
    "disconnect": "Disconnected",
    "refresh_failed": "Refresh failed",
    "connect_rejected": "Sign-in refused",
    "state_rejected": "Sign-in stopped (security check failed)",
}


class ConfirmDisconnectDialog(QMessageBox):
    """ "Disconnect @name from Instagram?" with Cancel as the default button.

    ``confirmed`` fires only when the user chooses Disconnect; ``delete_history``
    then says whether "Also delete this account's analytics history" was ticked
    (unticked by default: the history is kept for when it connects again).
    """

    confirmed = Signal()

    def __init__(self, account_name: str, platform: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Disconnect account")
        self.setText(f"Disconnect {account_name} from {platform}?")
        self.setInformativeText(
            "Its stored credentials will be deleted from this computer and Huntaze stops "
            "refreshing it. Its analytics history is kept and comes back when you connect "
            "it again, unless you delete it below."
        )
        self.history_box = QCheckBox("Also delete this account's analytics history")
        self.history_box.setAccessibleName("Also delete this account's analytics history")
        self.setCheckBox(self.history_box)
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

    @property
    def delete_history(self) -> bool:
        return self.history_box.isChecked()

    def _clicked(self, button: object) -> None:
        if button is self.confirm_button:
            self.confirmed.emit()


class WrongAccountDialog(QMessageBox):
    """A reconnect came back as another account: nothing was stored.

    OK (the default) closes; "Add @other as a new account" emits ``addRequested``,
    and the caller starts an ordinary sign-in to add it.
    """

    addRequested = Signal()

    def __init__(self, message: str, signed_in_as: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle("Signed in as another account")
        self.setText(message)
        self.setAccessibleName("Signed in as another account")
        self.add_button = self.addButton(
            f"Add {signed_in_as} as a new account", QMessageBox.ButtonRole.ActionRole
        )
        ok = self.addButton(QMessageBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.setDefaultButton(self.ok_button)
        self.setEscapeButton(self.ok_button)
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        if button is self.add_button:
            self.addRequested.emit()


def _when(value: object) -> str | None:
    """An ISO timestamp from the diagnostics as the user reads it: local time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def summary_rows(diagnostics: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts a person looks for first, as (label, text); absent facts are left out."""
    rows: list[tuple[str, str]] = []
    with contextlib.suppress(ValueError):  # an unknown status: the JSON below has it
        rows.append(("Status", ConnectionStatus(str(diagnostics.get("status"))).label))
    problem = diagnostics.get("last_error") or diagnostics.get("status_reason")
    if problem:
        rows.append(("Problem", str(problem)))
    for key, label in (
        ("last_success_at", "Last success"),
        ("retry_at", "Next try"),
        ("expires_at", "Access valid until"),
        ("created_at", "Connected on"),
    ):
        if text := _when(diagnostics.get(key)):
            rows.append((label, text))
    events = diagnostics.get("recent_events") or []
    lines = []
    for event in events[:_EVENTS_SHOWN]:
        if not isinstance(event, dict):
            continue
        name = str(event.get("event", ""))
        what = _EVENT_WORDS.get(name) or name.replace("_", " ").capitalize()
        detail = event.get("detail")
        when = _when(event.get("at")) or ""
        lines.append(f"{when}  {what}" + (f" ({detail})" if detail else ""))
    if lines:
        rows.append(("Recent events", "\n".join(lines)))
    return rows


class DiagnosticsDialog(QDialog):
    """One account's details: a readable summary, then the full diagnostics (no secrets).

    Copy puts the full diagnostics (JSON) on the clipboard, for a support request.
    """

    copied = Signal()

    def __init__(self, title: str, diagnostics: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Details — {title}")
        self.setAccessibleName(f"Details of {title}")
        fit_to_screen(self, QSize(600, 540))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        summary = QFormLayout()
        summary.setHorizontalSpacing(16)
        summary.setVerticalSpacing(6)
        self.summary: dict[str, QLabel] = {}
        for label, text in summary_rows(diagnostics):
            value = QLabel(text, self)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(f"{label}: {text}")
            name = QLabel(label, self)
            name.setProperty("role", "muted")
            summary.addRow(name, value)
            self.summary[label] = value
        layout.addLayout(summary)
        heading = QLabel("Technical details for support (no passwords or tokens)", self)
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
        close.setDefault(True)
        close.setFocus()  # not the text: Escape and Enter both close

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
        self.copy_button.setText("Copied")
        self.copied.emit()

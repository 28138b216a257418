"""The dialog shown when something unexpected breaks.

It shows only the user-safe summary; the full traceback is in the (redacted)
log, which the user can open or copy to send to support.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

__all__ = ["CrashDialog", "show_crash_dialog"]


class CrashDialog(QDialog):
    """Tells the user something went wrong, where the log is, and how to share it."""

    def __init__(
        self,
        summary: str,
        log_path: Path | str | None,
        *,
        details: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Huntaze Desktop — unexpected problem")
        self.setObjectName("crashDialog")
        self.summary = summary
        self.log_path = Path(log_path) if log_path else None
        self.details = details

        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(48, 48)
        )
        icon.setAccessibleName("Error icon")
        title = QLabel("<b>Something went wrong.</b>")
        title.setAccessibleName("Title")
        self.summary_label = QLabel(summary)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName("What happened")
        where = (
            f"The details were written to <code>{self.log_path}</code>."
            if self.log_path
            else "No log file is available."
        )
        hint = QLabel(
            where + " Your accounts and credentials are safe; you can keep using the app "
            "or restart it."
        )
        hint.setWordWrap(True)
        hint.setAccessibleName("Where the details are")

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(self.summary_label)
        text.addWidget(hint)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)

        buttons = QDialogButtonBox()
        self.open_button = QPushButton("Open log folder")
        self.open_button.setAccessibleName("Open log folder")
        self.open_button.setEnabled(self.log_path is not None)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setAccessibleName("Copy details to the clipboard")
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setDefault(True)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_log_folder)
        self.copy_button.clicked.connect(self.copy_details)
        self.copied_label = QLabel("")
        self.copied_label.setAccessibleName("Copy status")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.copied_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def details_text(self) -> str:
        """What "Copy details" puts on the clipboard: summary, log path, details."""
        parts = [f"Huntaze Desktop problem: {self.summary}"]
        if self.log_path:
            parts.append(f"Log: {self.log_path}")
        if self.details:
            parts.append(self.details)
        return "\n".join(parts)

    def open_log_folder(self) -> None:
        if self.log_path is None:
            return
        folder = self.log_path if self.log_path.is_dir() else self.log_path.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.details_text())
        self.copied_label.setText("Details copied to the clipboard.")


def show_crash_dialog(
    summary: str,
    log_path: Path | str | None,
    *,
    details: str | None = None,
    parent: QWidget | None = None,
) -> None:
    """Show the crash dialog modally; the boot calls this from its exception hook."""
    dialog = CrashDialog(summary, log_path, details=details, parent=parent)
    dialog.exec()
    dialog.deleteLater()

"""The Settings page: developer credentials, refresh, sign-in, look, network, data.

Every change is saved at once through ``runtime.settings`` and
``runtime.save_settings()`` (no Save button to forget); developer credentials
go to the vault through ``runtime.credentials`` in a worker thread, and a
stored secret is never shown back, only its last four characters. "Your data"
shows the data folder and its size on disk (measured in a worker thread each
time the page is shown) and says how long stored data is kept.
"""

from __future__ import annotations

import asyncio
import logging
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.domain.retention import AUDIT_RETENTION_DAYS
from huntaze_desktop.domain.settings import SignInMethod, Theme, proxy_problem
from huntaze_desktop.fileio import tree_size
from huntaze_desktop.ui.tasks import run_task
from huntaze_desktop.ui.theme import pad_spin_box

if TYPE_CHECKING:
    from huntaze_desktop.providers.base import ProviderSpec
    from huntaze_desktop.runtime import Runtime

__all__ = ["CredentialsRow", "SettingsPage", "format_size", "mask_secret", "proxy_error"]

log = logging.getLogger("huntaze.ui.settings")


def proxy_error(text: str) -> str | None:
    """Why ``text`` is not a usable proxy URL (None when it is fine or empty).

    The same rule as a settings file's ``proxy_url`` (``domain.settings``).
    """
    return proxy_problem(text)


def mask_secret(secret: str | None) -> str:
    """What the page shows for a stored secret: never more than its last four characters."""
    if not secret:
        return "Not set"
    tail = secret[-4:] if len(secret) >= 12 else ""
    return f"•••• {tail}".rstrip()


def format_size(size: int) -> str:
    """A size in bytes as people read it: ``512 bytes``, ``12.4 MB`` (powers of 1000)."""
    if size < 1000:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 999.95:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} TB"


# Labels centred on their field's line, not on its top edge.
_LABELS = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_MAX_WIDTH = 920


def _form_label(text: str, buddy: QWidget) -> QLabel:
    """A form label tied to its field (screen readers say the label with the field)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setAlignment(_LABELS)
    label.setObjectName("formLabel")
    return label


class CredentialsRow(QGroupBox):
    """One platform's developer app credentials: client id, masked secret, Replace."""

    def __init__(self, runtime: Runtime, spec: ProviderSpec, page: SettingsPage) -> None:
        super().__init__(spec.display_name)
        self._runtime, self.spec, self._page = runtime, spec, page
        self.setObjectName(f"credentials-{spec.name}")
        self.client_id = QLineEdit()
        id_label = "Client key" if spec.client_id_param == "client_key" else "Client ID"
        self.client_id.setAccessibleName(f"{spec.display_name} {id_label.lower()}")
        self.client_id.setPlaceholderText(f"{id_label} of your {spec.display_name} app")
        self.secret_state = QLabel("Not set")
        self.secret_state.setAccessibleName(f"{spec.display_name} client secret")
        self.replace_button = QPushButton("Replace")
        self.replace_button.setAccessibleName(f"Replace the {spec.display_name} client secret")
        self.replace_button.clicked.connect(self._start_replace)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName(f"New {spec.display_name} client secret")
        self.secret.setPlaceholderText("Paste the new client secret")
        self.secret.hide()
        self._replacing = False
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName(f"Save {spec.display_name} credentials")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setAccessibleName(f"{spec.display_name} credentials status")
        self.message.setWordWrap(True)

        form = QFormLayout(self)
        form.setLabelAlignment(_LABELS)
        self.labels = [_form_label(id_label, self.client_id)]
        form.addRow(self.labels[0], self.client_id)
        if spec.requires_client_secret:
            secret_row = QHBoxLayout()
            secret_row.addWidget(self.secret_state, 1)
            secret_row.addWidget(self.replace_button)
            self.labels.append(_form_label("Client secret", self.replace_button))
            form.addRow(self.labels[-1], secret_row)
            form.addRow("", self.secret)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)

    def focus_order(self) -> list[QWidget]:
        """The row's controls in reading order."""
        if not self.spec.requires_client_secret:
            return [self.client_id, self.save_button]
        return [self.client_id, self.replace_button, self.secret, self.save_button]

    def load(self) -> None:
        async def read() -> Any:
            return await asyncio.to_thread(self._runtime.credentials.get, self.spec.name)

        run_task(read(), on_done=self._show, on_error=self.message.setText)

    def _show(self, creds: Any) -> None:
        self.client_id.setText(creds.client_id if creds else "")
        self.secret_state.setText(mask_secret(creds.client_secret if creds else None))
        self.replace_button.setText("Replace" if creds and creds.client_secret else "Add")

    def _start_replace(self) -> None:
        self._replacing = True
        self.secret.clear()
        self.secret.show()
        self.secret.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        client_id = self.client_id.text().strip()
        new_secret = self.secret.text().strip() if self._replacing else ""
        if not client_id:
            self.message.setText("Enter the client ID first.")
            return
        self.save_button.setEnabled(False)
        store, name = self._runtime.credentials, self.spec.name

        def write() -> Any:
            current = store.get(name)
            secret = new_secret or (current.client_secret if current else None)
            store.set(name, client_id, secret)
            return store.get(name)

        def saved(creds: Any) -> None:
            # The running services pick the new credentials up from here on.
            self._runtime.use_client_credentials(name, creds)
            self.save_button.setEnabled(True)
            self._replacing = False
            self.secret.clear()
            self.secret.hide()
            self._show(creds)
            self.message.setText("Saved.")

        def failed(message: str) -> None:
            self.save_button.setEnabled(True)
            self.message.setText(message)

        run_task(asyncio.to_thread(write), on_done=saved, on_error=failed)


def _close_behaviour(quit_on_close: bool, tray: bool | None) -> tuple[QCheckBox, QLabel]:
    """The "quit when I close the window" box and the sentence saying what closing does."""
    if tray is None:
        from PySide6.QtWidgets import QSystemTrayIcon

        tray = QSystemTrayIcon.isSystemTrayAvailable()
    box = QCheckBox("Quit when I close the window")
    box.setAccessibleName("Quit when I close the window")
    note = QLabel()
    note.setObjectName("closeNote")
    note.setProperty("role", "muted")
    note.setWordWrap(True)
    if tray:
        box.setChecked(quit_on_close)
        note.setText(
            "Otherwise closing the window leaves Huntaze Desktop running in the system tray, "
            "where it keeps refreshing your accounts."
        )
    else:
        box.setChecked(True)
        box.setEnabled(False)
        note.setText(
            "This computer has no system tray, so closing the window quits Huntaze Desktop "
            "and background refresh stops until you open it again."
        )
    note.setAccessibleName(note.text())
    return box, note


class SettingsPage(QWidget):
    """Everything the user can change; saved as soon as it changes.

    ``themeChanged(str)`` carries the new ``Theme`` value for the main window.
    """

    themeChanged = Signal(str)
    settingsChanged = Signal()

    def __init__(
        self, runtime: Runtime, parent: QWidget | None = None, *, tray: bool | None = None
    ) -> None:
        """``tray``: whether the app lives in a system tray (None: ask the system)."""
        super().__init__(parent)
        self._runtime = runtime
        self._measuring = False
        self.setObjectName("settingsPage")
        settings = runtime.settings

        self.refresh_interval = QSpinBox()
        self.refresh_interval.setRange(1, 24 * 60)
        self.refresh_interval.setSuffix(" min")
        self.refresh_interval.setValue(settings.refresh_interval_minutes)
        self.refresh_interval.setAccessibleName("Refresh interval in minutes")
        pad_spin_box(self.refresh_interval)
        self.sign_in_method = QComboBox()
        self.sign_in_method.addItem("In-app window (recommended)", SignInMethod.EMBEDDED.value)
        self.sign_in_method.addItem("My web browser", SignInMethod.SYSTEM_BROWSER.value)
        self.sign_in_method.setAccessibleName("Sign-in method")
        self.sign_in_method.view().setAccessibleName("Sign-in methods")
        self._select(self.sign_in_method, settings.sign_in_method.value)
        self.theme = QComboBox()
        for label, theme in (("Follow the system", Theme.SYSTEM), ("Light", Theme.LIGHT)):
            self.theme.addItem(label, theme.value)
        self.theme.addItem("Dark", Theme.DARK.value)
        self.theme.setAccessibleName("Theme")
        self.theme.view().setAccessibleName("Themes")
        self._select(self.theme, settings.theme.value)
        self.proxy = QLineEdit(settings.proxy_url or "")
        self.proxy.setPlaceholderText("None (use the system's proxy variables)")
        self.proxy.setAccessibleName("Proxy URL")
        self.proxy_message = QLabel()
        self.proxy_message.setObjectName("fieldError")
        self.proxy_message.setProperty("role", "error")
        self.proxy_message.setWordWrap(True)
        self.proxy_message.setAccessibleName("Proxy URL problem")
        self.proxy_message.hide()
        self.start_minimized = QCheckBox("Start minimized to the tray")
        self.start_minimized.setChecked(settings.start_minimized)
        self.start_minimized.setAccessibleName("Start minimized to the tray")
        self.quit_on_close, self.close_note = _close_behaviour(settings.quit_on_close is True, tray)

        general = QGroupBox("General")
        form = QFormLayout(general)
        form.setLabelAlignment(_LABELS)
        labels = [
            _form_label("Refresh every", self.refresh_interval),
            _form_label("Sign in with", self.sign_in_method),
            _form_label("Theme", self.theme),
            _form_label("Proxy", self.proxy),
        ]
        for form_label in labels:
            form.addRow(form_label, form_label.buddy())
        form.addRow("", self.proxy_message)
        form.addRow("", self.start_minimized)
        form.addRow("", self.quit_on_close)
        form.addRow("", self.close_note)

        credentials = QGroupBox("Developer credentials")
        cred_layout = QVBoxLayout(credentials)
        cred_layout.setSpacing(12)
        intro = QLabel(
            "Each platform needs the credentials of a developer app you registered with it. "
            "Secrets are encrypted on this computer and never shown again."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        cred_layout.addWidget(intro)
        self.credential_rows: dict[str, CredentialsRow] = {}
        if runtime.sandbox_mode:
            note = QLabel("Sandbox mode: the sandbox's own developer credentials are in use.")
            note.setObjectName("sandboxNote")
            note.setProperty("role", "note")
            note.setAccessibleName("Sandbox credentials note")
            note.setWordWrap(True)
            cred_layout.addWidget(note)
        for spec in runtime.specs:
            if spec.auth_kind != "oauth":
                continue  # session platforms have no developer app
            row = CredentialsRow(runtime, spec, self)
            row.setEnabled(not runtime.sandbox_mode)
            self.credential_rows[spec.name] = row
            cred_layout.addWidget(row)
            labels += row.labels
        # One label column for every form on the page, so all fields line up.
        for form_label in labels:
            form_label.ensurePolished()  # measured in the stylesheet's font
        label_width = max(form_label.sizeHint().width() for form_label in labels)
        for form_label in labels:
            form_label.setMinimumWidth(label_width)
            # As tall as its field, so the text is centred on the field's text line.
            field = form_label.buddy()
            field.ensurePolished()
            form_label.setMinimumHeight(min(field.sizeHint().height(), field.maximumHeight()))

        data = QGroupBox("Your data")
        self.open_folder_button = QPushButton("Open data folder")
        self.open_folder_button.setAccessibleName("Open data folder")
        self.export_button = QPushButton("Export diagnostics…")
        self.export_button.setAccessibleName("Export diagnostics")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Settings status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_folder = QLabel(self._data_folder_text("measuring…"))
        self.data_folder.setObjectName("dataFolder")
        self.data_folder.setWordWrap(True)
        self.data_folder.setAccessibleName("Data folder and its size")
        self.data_folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        retention = QLabel(
            "Everything the app keeps is in this folder. Cached platform answers are"
            " deleted once they are out of date, and the security log of connections and"
            f" sign-ins keeps the last {AUDIT_RETENTION_DAYS} days."
        )
        retention.setObjectName("dataRetention")
        retention.setWordWrap(True)
        retention.setProperty("role", "muted")
        data_column = QVBoxLayout(data)
        data_column.addWidget(self.data_folder)
        data_column.addWidget(retention)
        data_row = QHBoxLayout()
        data_row.addWidget(self.open_folder_button)
        data_row.addWidget(self.export_button)
        data_row.addStretch(1)
        data_column.addLayout(data_row)

        body = QWidget()
        column = QVBoxLayout(body)
        # Same margins as the other pages; a readable column on wide windows.
        column.setContentsMargins(32, 28, 32, 32)
        column.setSpacing(16)
        body.setMaximumWidth(_MAX_WIDTH)
        title = QLabel("Settings")
        title.setObjectName("pageTitle")
        title.setProperty("role", "title")
        column.addWidget(title)
        for box in (general, credentials, data):
            column.addWidget(box)
        column.addWidget(self.status)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a Tab stop of its own
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        for first, second in pairwise(self.focus_order()):
            QWidget.setTabOrder(first, second)

        self.refresh_interval.valueChanged.connect(self._save_refresh)
        self.sign_in_method.currentIndexChanged.connect(self._save_sign_in)
        self.theme.currentIndexChanged.connect(self._save_theme)
        self.proxy.editingFinished.connect(self._save_proxy)
        self.start_minimized.toggled.connect(self._save_start_minimized)
        self.quit_on_close.toggled.connect(self._save_quit_on_close)
        self.open_folder_button.clicked.connect(self.open_data_folder)
        self.export_button.clicked.connect(self.ask_export_diagnostics)
        if not runtime.sandbox_mode:
            for row in self.credential_rows.values():
                row.load()

    def focus_order(self) -> list[QWidget]:
        """Every control in visual order: General, each platform's credentials, data."""
        order: list[QWidget] = [
            self.refresh_interval,
            self.sign_in_method,
            self.theme,
            self.proxy,
            self.start_minimized,
            self.quit_on_close,
        ]
        for row in self.credential_rows.values():
            order += row.focus_order()
        return [*order, self.open_folder_button, self.export_button]

    @staticmethod
    def _select(box: QComboBox, value: str) -> None:
        index = box.findData(value)
        box.setCurrentIndex(max(index, 0))

    def _save(self, **changes: Any) -> bool:
        try:
            for name, value in changes.items():
                setattr(self._runtime.settings, name, value)
            self._runtime.save_settings()
        except (HuntazeError, OSError, ValueError) as exc:
            log.warning("Settings not saved: %s", type(exc).__name__)
            self.status.setText(getattr(exc, "user_message", "The settings could not be saved."))
            return False
        self.status.setText("Saved.")
        self.settingsChanged.emit()
        return True

    def _save_refresh(self, minutes: int) -> None:
        self._save(refresh_interval_minutes=minutes)

    def _save_sign_in(self) -> None:
        self._save(sign_in_method=SignInMethod(self.sign_in_method.currentData()))

    def _save_theme(self) -> None:
        theme = Theme(self.theme.currentData())
        if self._save(theme=theme):
            self.themeChanged.emit(theme.value)

    def _save_proxy(self) -> None:
        text = self.proxy.text().strip()
        problem = proxy_error(text)
        self.proxy_message.setText(problem or "")
        self.proxy_message.setVisible(problem is not None)
        changed = problem is None and (text or None) != self._runtime.settings.proxy_url
        if changed and self._save(proxy_url=text or None):
            self.status.setText("Saved. The proxy is used from the next start.")

    def _save_start_minimized(self, checked: bool) -> None:
        self._save(start_minimized=checked)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.measure_data_folder()  # what the refreshes wrote since it was last shown

    def _data_folder_text(self, size: str) -> str:
        return f"Data folder: {self._runtime.paths.root} — {size}"

    def measure_data_folder(self) -> None:
        """Show the data folder's size on disk (database, WAL, logs, everything in it).

        Measured in a worker thread: a folder of many log files must not stall the UI.
        """
        if self._measuring:
            return
        self._measuring = True
        run_task(
            asyncio.to_thread(tree_size, self._runtime.paths.root),
            on_done=self._show_data_size,
            on_error=self._data_size_unknown,
        )

    def _show_data_size(self, size: int) -> None:
        self._measuring = False
        self.data_folder.setText(self._data_folder_text(format_size(size)))

    def _data_size_unknown(self, _message: str) -> None:
        self._measuring = False
        self.data_folder.setText(self._data_folder_text("size unknown"))

    def _save_quit_on_close(self, checked: bool) -> None:
        if self.quit_on_close.isEnabled():  # without a tray it only shows what happens
            self._save(quit_on_close=checked)

    def sync(self) -> None:
        """Show a setting changed elsewhere (the main window's first-close question)."""
        if self.quit_on_close.isEnabled():
            self.quit_on_close.blockSignals(True)
            self.quit_on_close.setChecked(self._runtime.settings.quit_on_close is True)
            self.quit_on_close.blockSignals(False)

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._runtime.paths.root)))

    def ask_export_diagnostics(self) -> None:
        default = str(Path.home() / "huntaze-diagnostics.json")
        path, _ = QFileDialog.getSaveFileName(
            self, "Export diagnostics", default, "JSON files (*.json)"
        )
        if path:
            self.export_diagnostics(Path(path))

    def export_diagnostics(self, path: Path) -> None:
        """Write the diagnostics report (no secrets) to ``path`` and say where it went."""
        self.export_button.setEnabled(False)
        self.status.setText("Exporting diagnostics…")

        def done(written: Path) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(f"Diagnostics saved to {written}")

        def failed(message: str) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(message)

        run_task(self._runtime.accounts.export_diagnostics(path), on_done=done, on_error=failed)

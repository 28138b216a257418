"""The Settings page: every change persists, secrets stay masked, proxy is validated."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QSpinBox
from support.qt_async import pump_until

from huntaze_desktop.domain.settings import SignInMethod, Theme, load_settings
from huntaze_desktop.ui.settings_page import (
    CredentialsRow,
    SettingsPage,
    format_size,
    mask_secret,
    proxy_error,
)

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _keep_loop_running(qapp: Any) -> None:
    # Closing a dialog that is the only window would quit the app, and with it
    # the qasync loop the test runs on (tests/ui/conftest.py could set this).
    qapp.setQuitOnLastWindowClosed(False)


class _FileUrlSink(QObject):
    """Receives file:// URLs through Qt's URL-handler hook instead of a file manager."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def _on_disk(runtime: Any) -> Any:
    return load_settings(runtime.paths.settings_file)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("", True),
        ("http://proxy.example.com:8080", True),
        ("https://proxy.example.com", True),
        ("socks5://127.0.0.1:1080", True),
        ("ftp://proxy.example.com", False),
        ("proxy.example.com:8080", False),
        ("http://", False),
        ("http://proxy:99999", False),
        ("http://proxy:8080/path?x=1", False),
    ],
)
def test_proxy_validation(text: str, ok: bool) -> None:
    assert (proxy_error(text) is None) is ok


def test_mask_never_shows_more_than_four_characters() -> None:
    assert mask_secret(None) == "Not set"
    assert mask_secret("short") == "••••"  # too short to reveal any of it
    assert mask_secret("0123456789abcdef") == "•••• cdef"


async def test_changes_are_saved_to_disk_and_theme_is_announced(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    themes: list[str] = []
    page.themeChanged.connect(themes.append)

    page.theme.setCurrentIndex(page.theme.findData(Theme.DARK.value))
    page.refresh_interval.setValue(42)
    page.sign_in_method.setCurrentIndex(page.sign_in_method.findData("system"))
    page.start_minimized.setChecked(True)

    assert themes == ["dark"]
    saved = _on_disk(runtime)
    assert saved.theme == Theme.DARK
    assert saved.refresh_interval_minutes == 42
    assert saved.sign_in_method == SignInMethod.SYSTEM_BROWSER
    assert saved.start_minimized is True
    assert runtime.settings.theme == Theme.DARK


async def test_invalid_proxy_is_refused_with_a_clear_message(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    page.proxy.setText("proxy.example.com:8080")
    page.proxy.editingFinished.emit()
    assert not page.proxy_message.isHidden()
    assert "http://" in page.proxy_message.text()
    assert _on_disk(runtime).proxy_url is None

    page.proxy.setText("socks5://127.0.0.1:1080")
    page.proxy.editingFinished.emit()
    assert page.proxy_message.isHidden()
    assert _on_disk(runtime).proxy_url == "socks5://127.0.0.1:1080"

    page.proxy.setText("")
    page.proxy.editingFinished.emit()
    assert _on_disk(runtime).proxy_url is None


async def test_sandbox_mode_says_sandbox_credentials_are_used(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    assert runtime.sandbox_mode
    note = page.findChild(QObject, "sandboxNote")
    assert note is not None and "sandbox" in note.text().lower()
    oauth = {s.name for s in runtime.specs if s.auth_kind == "oauth"}
    assert set(page.credential_rows) == oauth
    assert "onlyfans" not in page.credential_rows
    assert not any(row.isEnabled() for row in page.credential_rows.values())


async def test_credentials_are_stored_and_the_secret_is_masked(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    spec = next(s for s in runtime.specs if s.name == "tiktok")
    row = CredentialsRow(runtime, spec, page)
    qtbot.addWidget(row)
    secret = "tt-secret-0123456789-WXYZ"
    row.client_id.setText("my-client-key")
    row.replace_button.click()
    assert row.secret.isVisibleTo(row)
    row.secret.setText(secret)
    row.save()
    await pump_until(lambda: row.message.text() == "Saved.", 10, "the credentials to be saved")

    stored = runtime.credentials.get("tiktok")
    assert (stored.client_id, stored.client_secret) == ("my-client-key", secret)
    assert row.secret_state.text() == "•••• WXYZ"
    assert row.secret.text() == "" and not row.secret.isVisibleTo(row)
    shown = [w.text() for w in row.findChildren(QLineEdit)]
    assert secret not in shown

    # Changing only the client id keeps the stored secret.
    row.client_id.setText("other-key")
    row.message.clear()
    row.save()
    await pump_until(lambda: row.message.text() == "Saved.", 10, "the second save")
    stored = runtime.credentials.get("tiktok")
    assert (stored.client_id, stored.client_secret) == ("other-key", secret)


async def test_export_diagnostics_writes_the_file(runtime: Any, qtbot: Any, tmp_path: Path) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    target = tmp_path / "out" / "diagnostics.json"
    target.parent.mkdir()  # the save dialog only offers folders that exist
    page.export_diagnostics(target)
    await pump_until(lambda: page.status.text().startswith("Diagnostics saved"), 20, "export")
    assert str(target) in page.status.text()
    assert "accounts" in json.loads(target.read_text(encoding="utf-8"))


async def test_open_data_folder_opens_the_data_directory(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    sink = _FileUrlSink()
    QDesktopServices.setUrlHandler("file", sink, "open")
    try:
        page.open_folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in sink.urls] == [str(runtime.paths.root)]


async def test_every_control_has_an_accessible_name(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    controls = [
        w
        for kind in (QAbstractButton, QLineEdit, QComboBox, QSpinBox)
        for w in page.findChildren(kind)
        if not isinstance(w.parent(), (QComboBox, QSpinBox))  # their internal editors
    ]
    assert controls
    unnamed = [type(w).__name__ for w in controls if not w.accessibleName()]
    assert unnamed == []


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1.0 kB"),
        (12_400_000, "12.4 MB"),
        (999_960_000, "1.0 GB"),
        (3_210_000_000_000, "3.2 TB"),
    ],
)
def test_sizes_read_as_people_write_them(size: int, text: str) -> None:
    assert format_size(size) == text


async def test_the_data_folder_and_its_real_size_are_shown(runtime: Any, qtbot: Any) -> None:
    root = runtime.paths.root
    # Something of every kind the folder holds: the database (and its WAL), logs, a
    # nested folder; a link is counted as itself, not as what it points to.
    (root / "logs" / "extra.log").write_bytes(b"x" * 1_234_567)
    (root / "cache" / "deep" / "er").mkdir(parents=True)
    (root / "cache" / "deep" / "er" / "blob").write_bytes(b"y" * 654_321)
    (root / "backups" / "to-the-log").symlink_to(root / "logs" / "extra.log")
    page = SettingsPage(runtime)
    qtbot.addWidget(page)
    assert page.data_folder.text() == f"Data folder: {root} — measuring…"
    retention = page.findChild(QLabel, "dataRetention")
    assert retention is not None and "keeps the last 365 days" in retention.text()

    before = _walked_size(root)
    page.show()
    await pump_until(lambda: "measuring" not in page.data_folder.text(), 10, "measured")
    after = _walked_size(root)  # the log may have grown meanwhile; nothing shrinks
    assert before > 1_888_888 and (root / "huntaze.sqlite3").stat().st_size > 0
    shown = {f"Data folder: {root} — {format_size(size)}" for size in (before, after)}
    assert page.data_folder.text() in shown


def _walked_size(root: Path) -> int:
    """Every file below ``root`` (links as themselves), the way os.walk sees them."""
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            total += os.lstat(os.path.join(folder, name)).st_size
    return total

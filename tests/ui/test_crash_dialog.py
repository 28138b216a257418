"""The crash dialog: safe summary, log folder, copy details."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication

from huntaze_desktop.ui.crash_dialog import CrashDialog

pytestmark = pytest.mark.gui


class _FileUrlSink(QObject):
    """Receives file:// URLs through Qt's own URL-handler hook instead of xdg-open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_crash_dialog_shows_summary_and_copies_details(qtbot, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "huntaze-desktop.log"
    dialog = CrashDialog("The database could not be used.", log, details="Traceback: boom")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.summary_label.text() == "The database could not be used."
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "The database could not be used." in copied
    assert str(log) in copied
    assert "Traceback: boom" in copied
    assert dialog.copied_label.text() == "Details copied to the clipboard."


def test_open_log_folder_opens_the_folder_holding_the_log(qtbot, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "huntaze-desktop.log"
    sink = _FileUrlSink()
    QDesktopServices.setUrlHandler("file", sink, "open")
    try:
        dialog = CrashDialog("Oops.", log)
        qtbot.addWidget(dialog)
        dialog.open_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in sink.urls] == [str(log.parent)]


def test_without_a_log_the_open_button_is_disabled(qtbot) -> None:
    dialog = CrashDialog("Oops.", None)
    qtbot.addWidget(dialog)
    assert not dialog.open_button.isEnabled()
    assert dialog.details_text() == "Huntaze Desktop problem: Oops."

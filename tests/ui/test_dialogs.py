"""The Details dialog's summary: the facts first, in words and local time."""

from __future__ import annotations

from datetime import UTC, datetime

from huntaze_desktop.ui.dialogs import DiagnosticsDialog, summary_rows

DIAGNOSTICS = {
    "id": 4,
    "provider": "reddit",
    "status": "needs_reconnect",
    "status_reason": "invalid_grant",
    "last_error": "The platform no longer accepts this sign-in. Please reconnect.",
    "created_at": "2026-11-26T03:37:13.253777+00:00",
    "expires_at": "2026-11-26T04:37:13.237995+00:00",
    "last_success_at": "2026-11-26T03:37:13.253777+00:00",
    "retry_at": None,
    "recent_events": [
        {
            "at": "2026-11-26T03:37:23.794375+00:00",
            "event": "refresh_failed",
            "detail": "invalid_grant",
        },
        {"at": "2026-11-26T03:37:13.253777+00:00", "event": "connected", "detail": None},
    ],
}


def _local(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone()
    return f"{moment.day} {moment:%b %Y}, {moment:%H:%M}"


def test_summary_rows_put_the_facts_in_words() -> None:
    rows = dict(summary_rows(DIAGNOSTICS))
    assert list(rows) == [
        "Status",
        "Problem",
        "Last success",
        "Access valid until",
        "Connected on",
        "Recent events",
    ]  # no "Next try": there is none
    assert rows["Status"] == "Needs reconnect"
    assert rows["Problem"] == DIAGNOSTICS["last_error"]
    assert rows["Last success"] == _local("2026-11-26T03:37:13.253777+00:00")
    assert rows["Recent events"].split("\n") == [
        f"{_local('2026-11-26T03:37:23.794375+00:00')}  Refresh failed (invalid_grant)",
        f"{_local('2026-11-26T03:37:13.253777+00:00')}  Signed in",
    ]


def test_summary_rows_skip_what_they_cannot_read() -> None:
    rows = dict(summary_rows({"status": "from the future", "created_at": "yesterday-ish"}))
    assert rows == {}
    assert summary_rows({}) == []
    naive = dict(summary_rows({"last_success_at": "2026-11-26T03:37:00"}))  # read as UTC
    expected = datetime(2026, 11, 26, 3, 37, tzinfo=UTC).astimezone()
    assert naive["Last success"] == f"{expected.day} {expected:%b %Y}, {expected:%H:%M}"


def test_dialog_shows_the_summary_and_copies_the_full_json(qtbot) -> None:
    dialog = DiagnosticsDialog("@owl on Reddit", DIAGNOSTICS)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Details — @owl on Reddit"
    assert dialog.summary["Status"].text() == "Needs reconnect"
    assert dialog.summary["Status"].accessibleName() == "Status: Needs reconnect"
    assert '"status_reason": "invalid_grant"' in dialog.view.toPlainText()
    with qtbot.waitSignal(dialog.copied):
        dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == dialog.text


def test_cannot_start_box_wraps_the_reason_under_a_headline(qtbot) -> None:
    from PySide6.QtWidgets import QLabel, QMessageBox

    from huntaze_desktop.app_services import fatal_message_box

    reason = (
        "No system keyring is available to protect your credentials. Set "
        "HUNTAZE_VAULT_PASSPHRASE or install a keyring service, then start again."
    )
    box = fatal_message_box(None, reason)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert box.text() == "Huntaze Desktop cannot start"
    assert box.informativeText() == reason
    assert box.icon() == QMessageBox.Icon.Critical
    detail = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert detail is not None and detail.wordWrap()
    for label in box.findChildren(QLabel):
        if label.isVisible() and label.text():
            # Every line is inside the box, and the label is as tall as its wrapped text.
            assert label.geometry().right() < box.width()
            assert label.height() >= label.heightForWidth(label.width())

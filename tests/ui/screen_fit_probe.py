"""Open every dialog of the app on whatever screen Qt gives and report where it lands.

Run as a program by tests/ui/test_screen_fit.py, with
``QT_QPA_PLATFORM=offscreen:configfile=<screen.json>`` describing a small screen
(offscreen's own is 800x800). Prints one JSON object: the screen's available
geometry and, per dialog, its frame geometry and the global rectangle of each
visible button, as [x, y, width, height].
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QWidget

from huntaze_desktop.ui.crash_dialog import CrashDialog
from huntaze_desktop.ui.dialogs import ConfirmDisconnectDialog, DiagnosticsDialog
from huntaze_desktop.ui.passphrase_setup import PassphraseSetupDialog, UnlockDialog
from huntaze_desktop.ui.signin_window import BrowserWaitDialog
from huntaze_desktop.ui.theme import LIGHT, stylesheet


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _diagnostics() -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "status": "connected",
        "last_error": "Reddit answered slowly; the numbers will be refreshed at the next try.",
        "last_success_at": now.isoformat(),
        "retry_at": (now + timedelta(minutes=30)).isoformat(),
        "expires_at": (now + timedelta(days=1)).isoformat(),
        "created_at": (now - timedelta(days=90)).isoformat(),
        "recent_events": [{"event": "refresh_failed", "detail": "timeout", "at": now.isoformat()}]
        * 5,
        "scope": "identity read history",
        "metadata": {f"field_{i}": "x" * 40 for i in range(60)},
    }


def main() -> None:
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet(LIGHT))
    screen = app.primaryScreen()
    available = screen.availableGeometry()
    parent = QWidget()
    parent.setGeometry(available.adjusted(10, 10, -10, -10))
    parent.show()

    from huntaze_desktop.ui.webengine import SessionSignInDialog, SignInDialog

    long_text = "The refresh of the analytics failed in an unexpected way. " * 12
    dialogs: dict[str, QDialog] = {
        "sign-in": SignInDialog("Reddit", "about:blank", "http://127.0.0.1:9/cb", parent),
        "session sign-in": SessionSignInDialog("OnlyFans", "about:blank", parent),
        "browser wait": BrowserWaitDialog("Reddit", parent),
        "diagnostics": DiagnosticsDialog("@sunny_creates", _diagnostics(), parent),
        "disconnect": ConfirmDisconnectDialog("@sunny_creates", "Reddit", parent),
        "crash": CrashDialog(
            long_text, Path("/tmp/huntaze/logs/huntaze.log"), details=long_text, parent=parent
        ),
        "passphrase setup": PassphraseSetupDialog(parent),
        "unlock": UnlockDialog(parent, wrong=True),
    }
    report: dict[str, object] = {"available": _rect(available), "dialogs": {}}
    for name, dialog in dialogs.items():
        dialog.show()
        for _ in range(20):
            app.processEvents()
        buttons = {
            button.accessibleName() or button.text(): _rect(
                QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
            )
            for button in dialog.findChildren(QAbstractButton)
            if button.isVisible()
        }
        report["dialogs"][name] = {  # type: ignore[index]
            "frame": _rect(dialog.frameGeometry()),
            "buttons": buttons,
        }
        dialog.done(QDialog.DialogCode.Rejected)
        app.processEvents()
    print(json.dumps(report))


if __name__ == "__main__":
    main()

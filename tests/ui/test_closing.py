"""Closing the window (issue #18, item 5).

Without a system tray (the offscreen platform has none) closing the window quits
the app; with one, the first close explains once that the app keeps running in
the tray and offers to quit on close instead. Quit is in the File menu and the
tray menu, with its shortcut shown.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon
from support.qt_async import SignalRecorder

from huntaze_desktop.domain.settings import load_settings
from huntaze_desktop.ui.settings_page import SettingsPage

pytestmark = pytest.mark.gui

CTRL_Q = QKeySequence("Ctrl+Q")


async def _shown(main_window_factory: Any, runtime: Any, wait_for: Any, tray: bool | None) -> Any:
    window = main_window_factory(runtime, tray=tray)
    window.show()
    await wait_for(lambda: window.has_painted() and window.integrations._loaded)
    return window


def _notice_button(notice: QMessageBox, text: str) -> Any:
    return next(b for b in notice.buttons() if b.text() == text)


async def test_without_a_tray_closing_the_window_quits(
    main_window_factory: Any, runtime: Any, wait_for: Any
) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: no tray host
    window = await _shown(main_window_factory, runtime, wait_for, tray=None)
    assert not window.has_tray() and window.tray is None
    quits = SignalRecorder(quit=window.quitRequested)
    assert window.close()  # accepted: the window really closes...
    assert not window.isVisible()
    assert quits.names() == ["quit"]  # ...and the app quits (the boot stops the services)
    assert window.close_notice is None


async def test_without_a_tray_settings_say_closing_quits(runtime: Any, qtbot: Any) -> None:
    page = SettingsPage(runtime)  # asks the system: no tray offscreen
    qtbot.addWidget(page)
    assert page.quit_on_close.isChecked() and not page.quit_on_close.isEnabled()
    assert "no system tray" in page.close_note.text()
    assert "background refresh stops" in page.close_note.text()


async def test_with_a_tray_the_first_close_explains_once(
    main_window_factory: Any, runtime: Any, wait_for: Any
) -> None:
    window = await _shown(main_window_factory, runtime, wait_for, tray=True)
    quits = SignalRecorder(quit=window.quitRequested)
    window.close()
    assert not window.isVisible()  # hidden to the tray
    notice = window.close_notice
    assert notice is not None
    await wait_for(notice.isVisible)
    assert "still running" in notice.text()
    assert "tray" in notice.informativeText()
    assert CTRL_Q.toString(QKeySequence.SequenceFormat.NativeText) in notice.informativeText()
    _notice_button(notice, "Keep running in the tray").click()
    await wait_for(lambda: window.close_notice is None)
    assert quits.events == []
    assert runtime.settings.quit_on_close is not True

    # The second close hides again, without a word.
    window.show()
    window.close()
    assert not window.isVisible() and window.close_notice is None
    assert quits.events == []
    # Explained once per data directory, not once per run.
    state = QSettings(str(runtime.paths.root / "window.ini"), QSettings.Format.IniFormat)
    assert state.value("tray/hint_shown", False, type=bool) is True


async def test_with_a_tray_quit_on_close_can_be_chosen_at_the_first_close(
    main_window_factory: Any, runtime: Any, wait_for: Any
) -> None:
    window = await _shown(main_window_factory, runtime, wait_for, tray=True)
    quits = SignalRecorder(quit=window.quitRequested)
    window.close()
    notice = window.close_notice
    assert notice is not None
    await wait_for(notice.isVisible)
    _notice_button(notice, "Quit when I close the window").click()
    await wait_for(lambda: quits.events)
    assert quits.names() == ["quit"]
    assert runtime.settings.quit_on_close is True
    assert load_settings(runtime.paths.settings_file).quit_on_close is True


async def test_with_a_tray_the_setting_makes_closing_quit(
    main_window_factory: Any, runtime: Any, wait_for: Any
) -> None:
    window = await _shown(main_window_factory, runtime, wait_for, tray=True)
    window.show_page(2)
    await wait_for(lambda: window.settings_page is not None)
    page = window.settings_page
    assert page.quit_on_close.isEnabled() and not page.quit_on_close.isChecked()
    assert "system tray" in page.close_note.text()
    page.quit_on_close.click()
    assert load_settings(runtime.paths.settings_file).quit_on_close is True
    quits = SignalRecorder(quit=window.quitRequested)
    assert window.close()
    assert quits.names() == ["quit"]
    assert window.close_notice is None  # nothing to explain: the user chose it


@pytest.mark.parametrize("tray", [False, True])
async def test_quit_is_in_the_file_menu_with_its_shortcut(
    main_window_factory: Any, runtime: Any, wait_for: Any, tray: bool
) -> None:
    window = await _shown(main_window_factory, runtime, wait_for, tray=tray)
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    assert [m.title() for m in menus] == ["&File"]
    quit_action = next(a for a in menus[0].actions() if a.text() == "&Quit")
    assert quit_action is window.quit_action
    assert quit_action.shortcut() == CTRL_Q
    if tray:
        # The tray menu shows the same keys next to its Quit.
        tray_quit = next(a for a in window.tray.menu.actions() if a.text() == "Quit")
        assert tray_quit.shortcut() == CTRL_Q
        assert tray_quit.isShortcutVisibleInContextMenu()
    # The keys work with the menus closed (and are not made ambiguous by the tray's).
    quits = SignalRecorder(quit=window.quitRequested)
    window.activateWindow()
    await wait_for(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    await wait_for(lambda: quits.events)
    assert quits.names() == ["quit"]

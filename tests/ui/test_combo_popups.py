"""Every combo box's open list shows all its rows, no scroll arrow (issue #18, item 7).

The themed combo boxes are opened the way a person does (a click: the combo takes
the focus, then its list opens), offscreen, and the list's viewport is measured
against the rows it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QVBoxLayout, QWidget

from huntaze_desktop.domain.models import Account, ConnectionStatus
from huntaze_desktop.ui.analytics_controls import AnalyticsControls
from huntaze_desktop.ui.avatars import AvatarCache
from huntaze_desktop.ui.settings_page import SettingsPage
from huntaze_desktop.ui.switcher import AccountSwitcher
from huntaze_desktop.ui.theme import DARK, LIGHT, Palette, stylesheet

pytestmark = pytest.mark.gui


@pytest.fixture(params=[LIGHT, DARK], ids=["light", "dark"])
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[Palette]:
    previous = qapp.styleSheet()
    qapp.setStyleSheet(stylesheet(request.param))
    try:
        yield request.param
    finally:
        qapp.setStyleSheet(previous)


def _rows_height(combo: QComboBox) -> int:
    view, model = combo.view(), combo.model()
    return sum(view.visualRect(model.index(row, 0)).height() for row in range(combo.count()))


def assert_popup_shows_every_row(qtbot: Any, combo: QComboBox) -> None:
    """Open ``combo`` with a click and check its list needs no scrolling."""
    assert combo.count() >= 2, combo.accessibleName()
    window = combo.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # A click focuses the combo box before its list opens (the focused look counts).
    combo.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(combo.hasFocus)
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    try:
        rows = _rows_height(combo)
        assert rows > 0
        name = combo.accessibleName()
        assert view.viewport().height() >= rows, f"{name}: {view.viewport().height()} < {rows}"
        assert view.verticalScrollBar().maximum() == 0, name
        last = view.visualRect(combo.model().index(combo.count() - 1, 0))
        # The last row is wholly inside the list (the rows may be wider than it).
        assert last.top() >= 0 and last.bottom() < view.viewport().height(), name
    finally:
        combo.hidePopup()
        qtbot.waitUntil(lambda: not view.isVisible())


def _account(account_id: int, username: str, status: ConnectionStatus) -> Account:
    return Account(
        id=account_id,
        user_id=1,
        provider="instagram",
        provider_account_id=str(account_id),
        username=username,
        status=status,
    )


def _host(qtbot: Any, *widgets: QWidget) -> QWidget:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    for widget in widgets:
        layout.addWidget(widget)
    host.resize(900, 600)
    host.show()
    qtbot.waitExposed(host)
    return host


def test_the_account_switcher_with_two_accounts(themed: Palette, qtbot: Any) -> None:
    avatars = AvatarCache(None)
    switcher = AccountSwitcher("Instagram", avatars)
    switcher.set_accounts(
        [
            _account(1, "sunny.creates", ConnectionStatus.CONNECTED),
            _account(2, "moonlight.studio", ConnectionStatus.CONNECTED),
        ],
        1,
    )
    host = _host(qtbot, switcher)
    assert_popup_shows_every_row(qtbot, switcher)
    host.close()


def test_the_analytics_filters(themed: Palette, qtbot: Any) -> None:
    controls = AnalyticsControls(lambda: date(2026, 11, 26))
    controls.set_accounts([(3, "@sunny.creates · Instagram"), (5, "@sunny · Reddit")])
    host = _host(qtbot, controls)
    for combo in (controls.kind_combo, controls.group_combo, controls.account_combo):
        assert_popup_shows_every_row(qtbot, combo)
    host.close()


async def test_the_settings_choices(
    themed: Palette, runtime: Any, qtbot: Any, wait_for: Any
) -> None:
    page = SettingsPage(runtime)
    host = _host(qtbot, page)
    # The page measures the data folder when shown (a worker thread, answered on the
    # loop): let that finish on this loop before the popups' nested Qt loops run.
    await wait_for(lambda: "measuring" not in page.data_folder.text())
    for combo in (page.theme, page.sign_in_method):
        assert_popup_shows_every_row(qtbot, combo)
    host.close()

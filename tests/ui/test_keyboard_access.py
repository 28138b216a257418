"""Keyboard and screen-reader access of the main window (issue #4).

Every control a keyboard can reach has an accessible name, and Tab walks the
Integrations page and the Settings page in the order a reader's eye does: from
the navigation to the search box, then each card's controls, card by card in the
grid's reading order; the Settings form top to bottom.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget

from huntaze_desktop.ui.card import IntegrationCard
from huntaze_desktop.ui.theme import LIGHT, stylesheet

pytestmark = pytest.mark.gui


@pytest.fixture
async def window(main_window_factory, runtime, seed_busy_cards, qapp, wait_for):
    """The real window at 1000x700 with cards in several states (light theme)."""
    previous = qapp.styleSheet()
    await seed_busy_cards(runtime)
    w = main_window_factory(runtime, tray=False)
    qapp.setStyleSheet(stylesheet(LIGHT))
    w.resize(1000, 700)
    w.show()
    page = w.integrations
    await wait_for(lambda: page._loaded and len(page.accounts) == 4)
    await wait_for(lambda: page.cards["reddit"].reconnect_button.isVisible())
    yield w
    qapp.setStyleSheet(previous)


def _keyboard_controls(root: QWidget) -> list[QWidget]:
    """Widgets under ``root`` that Tab can stop on (visible or not)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # their inner editors: the combo or spin box is what is announced
        found.append(widget)
    return found


def _describe(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parent()).__name__}"


async def test_every_keyboard_control_has_an_accessible_name(window, wait_for) -> None:
    window.show_page(2)
    await wait_for(lambda: window.settings_page is not None)
    for page in (window.integrations, window.settings_page):
        controls = _keyboard_controls(page)
        assert len(controls) > 10
        unnamed = [_describe(w) for w in controls if not w.accessibleName().strip()]
        assert unnamed == []
    # Cards name what a button acts on, not only its verb.
    card = window.integrations.cards["reddit"]
    assert card.reconnect_button.accessibleName() == "Reconnect @sunny_creates on Reddit"


def _tab_walk(window: QWidget, start: QWidget, steps: int) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    walked = []
    for _ in range(steps):
        current = window.focusWidget()
        assert current is not None
        QTest.keyClick(current, Qt.Key.Key_Tab)
        walked.append(window.focusWidget())
    return walked


def _reading_order(page: QWidget, widgets: list[QWidget]) -> list[QWidget]:
    """Sort by where the eye meets them: each card's controls top to bottom, left to
    right, cards row by row; anything outside a card by its own position."""

    def key(widget: QWidget) -> tuple[int, int, int, int]:
        card = widget.parent()
        while card is not None and not isinstance(card, IntegrationCard):
            card = card.parent()
        at = widget.mapTo(page, QPoint(0, 0))
        if card is None:
            return (at.y(), at.x(), 0, 0)
        corner = card.mapTo(page, QPoint(0, 0))
        return (corner.y(), corner.x(), at.y(), at.x())

    return sorted(widgets, key=key)


async def test_tab_goes_from_the_navigation_to_search_then_the_cards_in_reading_order(
    window, wait_for
) -> None:
    page = window.integrations
    await wait_for(lambda: page.columns() == 2)  # 1000 px: two cards a row
    reachable = [
        w for w in _keyboard_controls(page) if w.isVisible() and w.isEnabled() and w is not page
    ]
    expected = _reading_order(page, reachable)
    assert expected[0] is page.search
    walked = _tab_walk(window, window.nav_buttons[-1], len(expected) + 1)
    assert walked[: len(expected)] == expected
    # Then back round to the navigation (one Tab stop: Qt's exclusive button group).
    assert walked[-1] in window.nav_buttons


async def test_arrow_keys_move_through_the_navigation(window, wait_for) -> None:
    first = window.nav_buttons[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(first, Qt.Key.Key_Down)
    await wait_for(lambda: window.current_page() == 1)
    assert window.focusWidget() is window.nav_buttons[1] and window.nav_buttons[1].isChecked()


async def test_settings_tab_order_follows_the_form(window, wait_for) -> None:
    window.show_page(2)
    await wait_for(lambda: window.settings_page is not None)
    page = window.settings_page
    for row in page.credential_rows.values():
        row.setEnabled(True)  # disabled in sandbox mode; their order still matters
        row.replace_button.click()  # shows the secret field under it
    await wait_for(lambda: all(r.secret.isVisible() for r in page.credential_rows.values()))
    reachable = [w for w in _keyboard_controls(page) if w.isVisible() and w.isEnabled()]

    def top_left(widget: QWidget) -> tuple[int, int]:
        at = widget.mapTo(page, QPoint(0, 0))
        return (at.y(), at.x())

    expected = sorted(reachable, key=top_left)
    assert expected[0] is page.refresh_interval
    walked = _tab_walk(window, window.nav_buttons[-1], len(expected))
    assert walked == expected

"""Cards are never squeezed below what their content needs (screenshot polish)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.ui.integrations import IntegrationsPage, columns_for_width
from huntaze_desktop.ui.theme import LIGHT, stylesheet
from huntaze_desktop.ui.toasts import ToastHost

pytestmark = pytest.mark.gui


@pytest.fixture
async def page(qtbot, qapp, runtime, wait_for, drain_ui_tasks):
    # The app's stylesheet: its padding and bold buttons are what made cards clip.
    previous = qapp.styleSheet()
    qapp.setStyleSheet(stylesheet(LIGHT))
    window = QWidget()
    qtbot.addWidget(window)
    p = IntegrationsPage(runtime, ToastHost(window), window)
    window.show()
    await wait_for(lambda: p._loaded)
    yield p
    p.bridge.close()
    await drain_ui_tasks()
    qapp.setStyleSheet(previous)


def _clipped(page: IntegrationsPage) -> list[str]:
    return [
        name
        for name, card in page.cards.items()
        if card.isVisible() and card.width() < card.minimumSizeHint().width()
    ]


def _right_edge_inside(card, widget) -> bool:
    right = widget.mapTo(card, QPoint(widget.width(), 0)).x()
    return right <= card.width() - card.layout().contentsMargins().right()


async def test_three_actions_wrap_instead_of_dropping_a_column(
    page, runtime, seed_account, wait_for
) -> None:
    # The width the main window gives the page at 1600 px: a card showing Reconnect,
    # Disconnect and "Add another account" is narrower than the three in a line, so
    # the link wraps under the buttons and the grid keeps its three columns.
    page.resize(1384, 900)
    await wait_for(lambda: page.columns() == 3)
    await seed_account(
        runtime, "reddit", "sunny_creates", ConnectionStatus.NEEDS_RECONNECT, last_error="x"
    )
    card = page.cards["reddit"]
    await wait_for(lambda: card.reconnect_button.isVisible())
    await wait_for(lambda: card.add_another_button.y() > card.disconnect_button.y())
    assert page.columns() == 3 and not _clipped(page)
    for button in (card.reconnect_button, card.disconnect_button, card.add_another_button):
        assert _right_edge_inside(card, button)


async def test_two_columns_at_1000_px_with_every_kind_of_card(
    page, runtime, seed_busy_cards, wait_for
) -> None:
    # 1000 px window - 216 px sidebar: the busiest cards (switcher, rate-limit badge
    # with its time, three actions) still fit two columns without clipping anything.
    await seed_busy_cards(runtime)
    await wait_for(lambda: page.cards["instagram"].switcher.isVisible())
    await wait_for(lambda: page.cards["reddit"].reconnect_button.isVisible())
    page.resize(784, 700)
    await wait_for(lambda: page.columns() == 2)
    await wait_for(lambda: not _clipped(page))
    for card in page.visible_cards():
        for widget in card.focus_order():
            if widget.isVisible():
                assert _right_edge_inside(card, widget), widget.accessibleName()


async def test_roomy_cards_keep_the_width_rule(page, wait_for) -> None:
    page.resize(1384, 900)
    await wait_for(lambda: page.columns() == columns_for_width(page._scroll.viewport().width()))
    assert page.columns() == 3 and not _clipped(page)

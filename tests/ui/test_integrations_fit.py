"""Cards are never squeezed below what their content needs (screenshot polish)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from huntaze_desktop.core.models import ConnectionStatus
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


async def test_three_actions_drop_a_column_instead_of_clipping(
    page, runtime, seed_account, wait_for
) -> None:
    # The width the main window gives the page at 1600 px: three columns by the
    # width rule, but a card showing Reconnect, Disconnect and "Add another
    # account" does not fit a third of it.
    page.resize(1384, 900)
    await wait_for(lambda: page.columns() == 3)
    await seed_account(
        runtime, "reddit", "sunny_creates", ConnectionStatus.NEEDS_RECONNECT, last_error="x"
    )
    card = page.cards["reddit"]
    await wait_for(lambda: card.reconnect_button.isVisible())
    await wait_for(lambda: page.columns() < columns_for_width(page._scroll.viewport().width()))
    await wait_for(lambda: not _clipped(page))
    link = card.add_another_button
    right_edge = link.mapTo(card, QPoint(link.width(), 0)).x()
    assert right_edge <= card.width() - card.layout().contentsMargins().right()


async def test_roomy_cards_keep_the_width_rule(page, wait_for) -> None:
    page.resize(1384, 900)
    await wait_for(lambda: page.columns() == columns_for_width(page._scroll.viewport().width()))
    assert page.columns() == 3 and not _clipped(page)

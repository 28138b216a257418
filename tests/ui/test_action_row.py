"""ActionRow: one line when the buttons fit, wrapped lines (never clipped) when not."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from huntaze_desktop.ui.action_row import ActionRow

pytestmark = pytest.mark.gui


@pytest.fixture
def row(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    outer = QVBoxLayout(host)
    outer.setContentsMargins(0, 0, 0, 0)
    actions = ActionRow(spacing=8)
    buttons = [QPushButton(text) for text in ("Reconnect", "Disconnect")]
    for button in buttons:
        actions.addWidget(button)
    link = QPushButton("Add another account")
    actions.add_trailing(link)
    outer.addLayout(actions)
    outer.addStretch(1)
    host.show()
    return host, actions, buttons, link


def _inside(widget: QWidget, host: QWidget) -> bool:
    geometry = widget.geometry()
    return geometry.left() >= 0 and geometry.right() < host.width()


def _one_line_width(buttons: list[QPushButton], link: QPushButton) -> int:
    return sum(b.sizeHint().width() for b in buttons) + link.sizeHint().width() + 2 * 8


def test_everything_on_one_line_when_it_fits(row, qtbot) -> None:
    host, _actions, buttons, link = row
    host.resize(_one_line_width(buttons, link) + 120, 200)
    qtbot.waitUntil(lambda: link.geometry().right() == host.width() - 1)
    assert buttons[0].x() == 0
    assert buttons[1].x() == buttons[0].geometry().right() + 1 + 8
    assert len({b.geometry().center().y() for b in [*buttons, link]}) == 1
    assert all(b.width() == b.sizeHint().width() for b in [*buttons, link])


def test_the_link_takes_its_own_line_instead_of_being_clipped(row, qtbot) -> None:
    host, actions, buttons, link = row
    wide = _one_line_width(buttons, link)
    one_line = actions.heightForWidth(wide)
    host.resize(wide - 40, 300)
    qtbot.waitUntil(lambda: link.y() > buttons[0].y())
    assert link.x() == 0  # under the first button
    assert link.y() >= buttons[0].geometry().bottom() + 1 + 8
    assert all(_inside(w, host) for w in [*buttons, link])
    assert actions.heightForWidth(wide - 40) > one_line


def test_buttons_wrap_too_on_very_narrow_rows(row, qtbot) -> None:
    host, actions, buttons, link = row
    narrow = actions.minimumSize().width()
    assert narrow == max(w.minimumSizeHint().width() for w in [*buttons, link])
    host.resize(narrow, 400)
    qtbot.waitUntil(lambda: buttons[1].y() > buttons[0].y())
    assert link.y() > buttons[1].y()
    assert all(_inside(w, host) for w in [*buttons, link])
    tops = [w.y() for w in [*buttons, link]]
    assert actions.heightForWidth(narrow) >= tops[-1] + link.height() - tops[0]


def test_hidden_buttons_take_no_room(row, qtbot) -> None:
    host, _actions, buttons, link = row
    host.resize(_one_line_width(buttons, link) + 120, 200)
    buttons[0].hide()
    qtbot.waitUntil(lambda: buttons[1].x() == 0)
    link.hide()
    assert not link.isVisible()
    buttons[0].show()
    qtbot.waitUntil(lambda: buttons[1].x() > 0)

"""The Analytics controls row on its own: range buttons, custom dates and filters
tell the page what changed through two signals, and only then."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from huntaze_desktop.domain.series import MetricKind
from huntaze_desktop.ui.analytics_controls import AnalyticsControls

pytestmark = pytest.mark.gui

TODAY = date(2026, 11, 26)


@pytest.fixture
def controls(qtbot):
    widget = AnalyticsControls(lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1200, 60)
    widget.show()
    return widget


def test_ranges_from_the_buttons_and_the_date_fields(controls, qtbot):
    assert controls.range_buttons["30 days"].isChecked()
    assert controls.date_range() == (date(2026, 10, 28), TODAY)
    assert not controls.from_edit.isVisible()

    with qtbot.waitSignal(controls.rangeChanged, timeout=1000):
        controls.range_buttons["Custom"].click()
    # Custom starts from the range shown, in two date fields.
    assert controls.range_buttons["Custom"].isChecked()
    assert controls.from_edit.isVisible() and controls.to_edit.isVisible()
    assert controls.from_edit.date() == QDate(2026, 10, 28)
    assert controls.to_edit.date() == QDate(2026, 11, 26)

    with qtbot.waitSignal(controls.rangeChanged, timeout=1000):
        controls.from_edit.setDate(QDate(2026, 11, 1))
    assert controls.date_range() == (date(2026, 11, 1), TODAY)
    # A "to" before "from" is read the other way round, and the fields say so.
    with qtbot.waitSignal(controls.rangeChanged, timeout=1000):
        controls.to_edit.setDate(QDate(2026, 10, 20))
    assert controls.date_range() == (date(2026, 10, 20), date(2026, 11, 1))
    assert controls.from_edit.date() == QDate(2026, 10, 20)
    assert controls.to_edit.date() == QDate(2026, 11, 1)

    with qtbot.waitSignal(controls.rangeChanged, timeout=1000):
        controls.range_buttons["7 days"].click()
    assert controls.date_range() == (date(2026, 11, 20), TODAY)
    assert not controls.from_edit.isVisible() and not controls.to_edit.isVisible()
    assert [b.isChecked() for b in controls.range_buttons.values()] == [True, False, False, False]


def test_filters_signal_choices_but_not_a_refilled_account_list(controls, qtbot):
    with qtbot.assertNotEmitted(controls.filtersChanged):
        controls.set_accounts([(3, "@sunny.creates · Instagram"), (5, "@sunny · Reddit")])
    assert controls.account_combo.count() == 3 and controls.chosen_account() is None

    with qtbot.waitSignal(controls.filtersChanged, timeout=1000):
        controls.choose_account(5)
    assert controls.chosen_account() == 5
    with qtbot.assertNotEmitted(controls.filtersChanged):
        controls.choose_account(99)  # not offered: the choice stays
        controls.set_accounts([(5, "@sunny · Reddit"), (7, "@moon · TikTok")])
    assert controls.chosen_account() == 5  # still offered: still chosen
    controls.set_accounts([(7, "@moon · TikTok")])
    assert controls.chosen_account() is None  # gone: back to all accounts

    with qtbot.waitSignal(controls.filtersChanged, timeout=1000):
        controls.kind_combo.setCurrentIndex(controls.kind_combo.findData(MetricKind.REVENUE.value))
    assert controls.selected_kind() is MetricKind.REVENUE
    assert not controls.by_account()
    with qtbot.waitSignal(controls.filtersChanged, timeout=1000):
        controls.group_combo.setCurrentIndex(1)
    assert controls.by_account()

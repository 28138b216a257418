"""The Analytics page fits the smallest window the app supports (1000x700).

Built inside the real MainWindow (sidebar, sandbox banner) with real accounts:
OnlyFans earnings give the revenue tile its long "+209.03 USD (+4.5%) vs previous
period" line, and a second Instagram account gives the account filter a long choice.
Tab walks the page's controls in the order they are read.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from test_analytics_page import LOGINS, connect  # pytest puts tests/ui on sys.path

from huntaze_desktop.providers.onlyfans.sandbox.app import scripted_sign_in
from huntaze_desktop.providers.onlyfans.session import CapturedSession

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="function")]

UA = "Mozilla/5.0 (X11; Linux x86_64) AnalyticsLayoutTest/1.0"


def _rect_in(page: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def _assert_inside_and_stacked(page) -> None:
    """Every control and tile lies inside the page, and the sections do not overlap."""
    area = page.rect()
    controls = [*page.range_buttons.values(), page.from_edit, page.to_edit]
    controls += [page.kind_combo, page.group_combo, page.account_combo]
    tiles = [page.tile_audience, page.tile_growth, page.tile_engagement, page.tile_revenue]
    for widget in [*controls, *tiles, page.chart, page.refresh_button, page.export_button]:
        if widget.isVisibleTo(page):
            rect = _rect_in(page, widget)
            assert area.contains(rect), f"{widget.accessibleName()} at {rect} outside {area}"
            assert widget.width() >= widget.minimumSizeHint().width(), widget.accessibleName()
    bottom_of_controls = max(_rect_in(page, w).bottom() for w in controls if w.isVisibleTo(page))
    sections = [page.issues] if page.issues.isVisibleTo(page) else []
    sections += [page.tile_audience, page.chart]
    top = bottom_of_controls
    for widget in sections:
        rect = _rect_in(page, widget)
        assert rect.top() > top, f"{widget.accessibleName()} overlaps what is above it"
        top = max(_rect_in(page, w).bottom() for w in (tiles if widget in tiles else [widget]))


async def _settle() -> None:
    """Let the resize's layout requests run (the qasync loop delivers Qt events)."""
    await asyncio.sleep(0.3)


async def test_analytics_fits_a_1000x700_window(
    runtime, main_window_factory, drain_ui_tasks, wait_for
):
    for provider in ("instagram", "reddit"):
        account = await connect(runtime, provider)
        await runtime.analytics.refresh(account.id)
    site = runtime.base_urls("onlyfans")["site"]
    session = await scripted_sign_in(site, "sunnycreates@example.com", "sunny-pass", UA)
    fans = await runtime.accounts.connect_session("onlyfans", CapturedSession.from_mapping(session))
    await runtime.analytics.refresh(fans.id)
    # A second Instagram account: "@moonlight.studio · Instagram" is a long choice.
    LOGINS["instagram"] = ("moonlight.studio", "moon-pass")
    try:
        await connect(runtime, "instagram")
    finally:
        LOGINS["instagram"] = ("sunny.creates", "sunny-pass")

    window = main_window_factory(runtime, tray=False)
    window.show()
    window.show_page(1)
    page = window.analytics
    await wait_for(lambda: page.data is not None and len(page.data.accounts) == 4)
    await wait_for(lambda: page.stack.currentWidget() is page.content)
    assert "vs previous period" in page.tile_revenue.delta.text()  # the long line is there
    longest = max(
        (page.account_combo.itemText(i) for i in range(page.account_combo.count())), key=len
    )
    assert longest == "@moonlight.studio · Instagram"

    window.resize(1000, 700)
    await _settle()
    assert (window.width(), window.height()) == (1000, 700)
    assert page.minimumSizeHint().width() <= page.width()
    _assert_inside_and_stacked(page)
    # Two tiles a row here; the controls took a second line rather than the width.
    assert page.tile_growth.y() == page.tile_audience.y() < page.tile_engagement.y()
    assert (
        _rect_in(page, page.kind_combo).top()
        > _rect_in(page, page.range_buttons["7 days"]).bottom()
    )
    # The account filter names the chosen account in full in its tooltip (it may be elided).
    page.account_combo.setCurrentIndex(page.account_combo.findText(longest))
    assert page.account_combo.toolTip() == longest

    # The custom range adds two date fields: still inside.
    today = runtime.analytics.today()
    page.set_custom_range(today - timedelta(days=20), today)
    await wait_for(lambda: page.from_edit.isVisible())
    await _settle()
    assert (window.width(), window.height()) == (1000, 700)
    _assert_inside_and_stacked(page)

    window.resize(1600, 1000)
    await _settle()
    _assert_inside_and_stacked(page)
    tiles = [page.tile_audience, page.tile_growth, page.tile_engagement, page.tile_revenue]
    assert len({tile.y() for tile in tiles}) == 1  # one row of four
    first_line = _rect_in(page, page.range_buttons["7 days"])
    assert _rect_in(page, page.kind_combo).top() < first_line.bottom()  # one line of controls
    await drain_ui_tasks()


async def test_the_empty_page_fits_and_refresh_waits_for_an_account(
    runtime, main_window_factory, wait_for
):
    window = main_window_factory(runtime, tray=False)
    window.show()
    window.show_page(1)
    page = window.analytics
    await wait_for(lambda: page.data is not None)
    assert page.stack.currentWidget() is page.empty
    window.resize(1000, 700)
    await _settle()
    assert (window.width(), window.height()) == (1000, 700)
    assert not page.refresh_button.isEnabled()
    assert page.refresh_button.toolTip() == "Connect an account first"
    # Disabled, it no longer wears the primary (filled) look.
    assert page.refresh_button.property("role") != "primary"


async def test_tab_walks_the_controls_in_reading_order(
    runtime, main_window_factory, seed_account, wait_for
):
    """Every stop has a name, and Tab goes header buttons, range, dates, filters, chart."""
    await seed_account(runtime, "instagram", "sunny.creates")
    await seed_account(runtime, "reddit", "sunny_creates")
    window = main_window_factory(runtime, tray=False)
    window.resize(1600, 1000)
    window.show()
    window.show_page(1)
    page = window.analytics
    await wait_for(lambda: page.data is not None and page.stack.currentWidget() is page.content)
    today = runtime.analytics.today()
    page.set_custom_range(today - timedelta(days=20), today)
    await wait_for(lambda: page.to_edit.isVisible())
    names = [page.export_button, page.refresh_button, *page.range_buttons.values()]
    names += [page.from_edit, page.to_edit, page.kind_combo, page.group_combo]
    names += [page.account_combo, page.chart]
    # A button without an accessible name is announced by its text.
    assert [w.accessibleName() or w.text() for w in names] == [
        "Export CSV",
        "Refresh now",
        "Range 7 days",
        "Range 30 days",
        "Range 90 days",
        "Range Custom",
        "From",
        "To",
        "Metric",
        "One line per",
        "Accounts shown",
        "Analytics chart",
    ]

    page.export_button.setFocus(Qt.FocusReason.TabFocusReason)
    walked = [page.export_button]
    while len(walked) < 20 and walked[-1] is not page.chart:
        QTest.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        if window.focusWidget() is not walked[-1]:  # a date field's Tab first moves a section
            walked.append(window.focusWidget())
    # The range buttons are one exclusive group: one Tab stop (arrows move inside it).
    assert walked == [
        page.export_button,
        page.refresh_button,
        page.range_buttons["7 days"],
        page.from_edit,
        page.to_edit,
        page.kind_combo,
        page.group_combo,
        page.account_combo,
        page.chart,
    ]

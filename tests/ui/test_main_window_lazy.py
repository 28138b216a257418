"""The main window paints without the Analytics page; it is built on first visit."""

from __future__ import annotations

import pytest

from huntaze_desktop.ui.analytics_page import AnalyticsPage

pytestmark = pytest.mark.gui


@pytest.fixture
async def window(main_window_factory, runtime, wait_for):
    w = main_window_factory(runtime, tray=False)
    w.show()
    await wait_for(lambda: w.integrations._loaded)
    return w


async def test_analytics_page_is_built_on_first_visit(window, wait_for) -> None:
    assert window._analytics is None
    assert not window.findChildren(AnalyticsPage)
    window.show_page(2)  # Settings first: indices must not shift
    window.show_page(1)
    page = window.analytics
    assert isinstance(page, AnalyticsPage)
    assert window.stack.indexOf(page) == 1 and window.current_page() == 1
    assert window.stack.currentWidget() is page and page.isVisible()
    window.show_page(2)
    assert window.stack.currentWidget() is window.settings_page
    window.show_page(1)
    assert window.analytics is page and len(window.findChildren(AnalyticsPage)) == 1


async def test_building_analytics_keeps_the_current_page(window) -> None:
    window.show_page(2)
    page = window.analytics  # built while Settings is shown (e.g. by a script)
    assert window.current_page() == 2 and window.stack.indexOf(page) == 1


async def test_the_empty_analytics_page_leads_to_integrations(window, wait_for) -> None:
    window.show_page(1)
    page = window.analytics
    await wait_for(lambda: page.stack.currentWidget() is page.empty)
    page.connect_button.click()
    assert window.current_page() == 0

"""The Analytics page on a real Runtime (sandbox, SQLite): empty, loaded and error states."""

from __future__ import annotations

import csv
import errno
import logging
import math
import os
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from PySide6.QtGui import QPalette

from huntaze_desktop.domain.errors import RateLimitedError
from huntaze_desktop.domain.models import Account, ConnectionStatus
from huntaze_desktop.domain.series import MetricKind
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.ui.analytics_page import AnalyticsPage
from huntaze_desktop.ui.analytics_widgets import account_issue
from huntaze_desktop.ui.theme import DARK, LIGHT, ThemeManager

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="function")]

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
LOGINS = {
    "instagram": ("sunny.creates", "sunny-pass"),
    "tiktok": ("sunny.creates", "sunny-pass"),
    "reddit": ("sunny_creates", "sunny-pass"),
}


async def connect(runtime: Any, provider: str) -> Any:
    """Sign a demo user in through the sandbox's authorize form (as a person would)."""
    username, password = LOGINS[provider]
    attempt = await runtime.accounts.begin_sign_in(provider)
    page = await runtime.http.get(attempt.authorize_url)
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": username, "password": password, "action": "allow"})
    answer = await runtime.http.post(str(page.url), data=form, follow_redirects=False)
    callback = urljoin(str(page.url), answer.headers["location"])
    return await runtime.accounts.complete_sign_in(callback)


async def test_empty_state_offers_the_integrations_page(runtime, qtbot, wait_for):
    page = AnalyticsPage(runtime)
    qtbot.addWidget(page)
    await wait_for(lambda: page.data is not None)
    assert page.stack.currentWidget() is page.empty
    assert not page.export_button.isEnabled()
    with qtbot.waitSignal(page.integrationsRequested, timeout=1000):
        page.connect_button.click()


async def test_loaded_state_tiles_chart_toggle_hover_and_csv(
    runtime, qtbot, wait_for, tmp_path: Path
):
    ig = await connect(runtime, "instagram")
    rd = await connect(runtime, "reddit")
    for account in (ig, rd):
        await runtime.analytics.refresh(account.id)
    page = AnalyticsPage(runtime)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    await wait_for(lambda: page.data is not None and page.stack.currentWidget() is page.content)
    assert page.tile_audience.value.text() not in ("—", "")
    assert page.updated_label.text().startswith("Last updated")
    assert sorted(line.label for line in page.shown_lines) == ["Instagram", "Reddit"]

    page.group_combo.setCurrentIndex(1)  # one line per account
    assert {line.key for line in page.shown_lines} == {f"account:{ig.id}", f"account:{rd.id}"}
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(MetricKind.REACH.value))
    reach = next(line for line in page.shown_lines if line.key == f"account:{ig.id}")
    index = max(i for i, v in enumerate(reach.values) if not math.isnan(v))
    text = page.chart.hover_at_index(index)
    assert f"{int(reach.values[index]):,}" in text
    # Instagram's last two days are not reported yet: the chart says so, no 0.
    assert "no data" in page.chart.hover_text(len(reach.values) - 1)

    page.account_combo.setCurrentIndex(page.account_combo.findData(rd.id))
    assert page.shown_lines == []  # Reddit has no reach: nothing drawn, and it says so
    assert "No reach & views data" in page.notes.text()
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(MetricKind.AUDIENCE.value))
    assert [line.key for line in page.shown_lines] == [f"account:{rd.id}"]
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(MetricKind.REACH.value))
    page.account_combo.setCurrentIndex(0)

    out = tmp_path / "shown.csv"
    rows = page.export_csv(out)
    with out.open() as fh:
        table = list(csv.reader(fh))
    assert rows == 30 and len(table) == 31
    assert table[0][0] == "date" and len(table[0]) == 1 + len(page.shown_lines)
    column = table[0].index(reach.label)
    assert table[1 + index][column] == f"{reach.values[index]:g}"
    assert table[-1][column] == ""  # missing stays empty, never 0

    page.set_range_days(7)
    await wait_for(lambda: page.data is not None and (page.data.end - page.data.start).days == 6)
    assert len(page.chart.lines()[0].values) == 7


async def _exportable_page(runtime, qtbot, wait_for) -> AnalyticsPage:
    """The page over a signed-in Instagram account with fetched numbers: Export is on."""
    account = await connect(runtime, "instagram")
    await runtime.analytics.refresh(account.id)
    page = AnalyticsPage(runtime)
    qtbot.addWidget(page)
    await wait_for(lambda: page.data is not None and page.stack.currentWidget() is page.content)
    assert page.export_button.isEnabled()
    return page


async def test_export_button_saves_the_chart_where_the_user_chose(
    runtime, qtbot, wait_for, tmp_path: Path
):
    page = await _exportable_page(runtime, qtbot, wait_for)
    target = tmp_path / "my numbers.csv"
    asked: list[str] = []
    page.choose_export_path = lambda suggested: asked.append(suggested) or ""
    page.export_button.click()  # cancelled: nothing written, nothing said
    assert not target.exists() and page.progress_label.text() == ""

    page.choose_export_path = lambda suggested: asked.append(suggested) or str(target)
    page.export_button.click()
    # Written on a worker thread: the window says so meanwhile.
    assert page.progress_label.text() == "Saving my numbers.csv…"
    assert not page.export_button.isEnabled()
    await wait_for(lambda: page.progress_label.text().startswith("Saved"))
    assert page.export_button.isEnabled()
    start, end = page.date_range()
    suggested = str(Path.home() / f"huntaze-audience-{start.isoformat()}-{end.isoformat()}.csv")
    assert asked == [suggested, suggested]
    with target.open(newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["date", "Instagram"]
    assert len(table) == 31 and (table[1][0], table[-1][0]) == (start.isoformat(), end.isoformat())
    assert page.progress_label.text() == "Saved 30 rows to my numbers.csv"


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing/analytics.csv", errno.ENOENT), ("a folder", errno.EISDIR)],
    ids=["folder-does-not-exist", "path-is-a-folder"],
)
async def test_export_that_cannot_be_written_says_why_and_writes_nothing(
    runtime, qtbot, wait_for, tmp_path: Path, caplog, where: str, reason: int
):
    exports = tmp_path / "exports"
    (exports / "a folder").mkdir(parents=True)
    page = await _exportable_page(runtime, qtbot, wait_for)
    chosen = exports / where
    page.choose_export_path = lambda suggested: str(chosen)
    with caplog.at_level(logging.WARNING, logger="huntaze.ui.analytics"):
        page.export_button.click()  # pytest-qt fails the test if the slot raises
        await wait_for(lambda: page.progress_label.text().startswith("Could not"))

    assert page.progress_label.text() == f"Could not save the CSV: {os.strerror(reason)}."
    assert sorted(exports.rglob("*")) == [exports / "a folder"]  # nothing written
    assert [r.getMessage() for r in caplog.records if r.name == "huntaze.ui.analytics"] == [
        f"CSV export failed: {os.strerror(reason)}"  # the reason, not the user's path
    ]
    # The page carries on: the next export to a good place works.
    page.choose_export_path = lambda suggested: str(exports / "analytics.csv")
    page.export_button.click()
    await wait_for(lambda: page.progress_label.text().startswith("Saved"))
    assert (exports / "analytics.csv").exists()
    assert page.progress_label.text() == "Saved 30 rows to analytics.csv"


async def test_error_state_names_the_account_and_when_it_retries(runtime, qtbot, wait_for):
    account = await connect(runtime, "reddit")
    await runtime.analytics.refresh(account.id)
    runtime.sandbox.state.faults.add(
        Fault("reddit", FaultKind.RATE_LIMIT, path="/api/v1/me", times=None, retry_after_s=900)
    )
    with pytest.raises(RateLimitedError):
        await runtime.analytics.refresh(account.id, force=True)
    page = AnalyticsPage(runtime)
    qtbot.addWidget(page)
    await wait_for(lambda: page.data is not None and page.issues.isVisible() is not None)
    await wait_for(lambda: "rate limited until" in page.issues.text())
    assert page.issues.text().startswith("Reddit data is")
    # The stored numbers are still shown.
    assert page.tile_audience.value.text() not in ("—", "")


async def test_refresh_now_shows_progress_and_reloads(runtime, qtbot, wait_for):
    account = await connect(runtime, "tiktok")
    page = AnalyticsPage(runtime)
    qtbot.addWidget(page)
    await wait_for(lambda: page.data is not None)
    assert page.tile_audience.value.text() == "—"  # nothing fetched yet: no number made up
    runtime.scheduler.start()
    page.refresh_now()
    await wait_for(lambda: page.spinner.isVisibleTo(page) or page.tile_audience.value.text() != "—")
    await wait_for(lambda: page.tile_audience.value.text() != "—", timeout=15)
    assert page.data is not None and account.id in page.data.fetched_at


async def test_chart_colours_follow_a_live_theme_switch(runtime, qtbot, qapp, wait_for):
    from huntaze_desktop.domain.settings import Theme

    ig = await connect(runtime, "instagram")
    rd = await connect(runtime, "reddit")
    for account in (ig, rd):
        await runtime.analytics.refresh(account.id)
    saved = (QPalette(qapp.palette()), qapp.styleSheet())
    manager = ThemeManager(qapp, Theme.LIGHT)
    manager.apply()
    try:
        page = AnalyticsPage(runtime)
        qtbot.addWidget(page)
        page.resize(1200, 800)
        page.show()
        await wait_for(lambda: len(page.shown_lines) == 2)
        chart = page.chart
        legend = chart.getPlotItem().legend

        def look() -> tuple[str, list[str], str]:
            """Painted background, each legend label's HTML, the axis text colour."""
            background = chart.grab().toImage().pixelColor(2, 2).name()
            labels = [label.item.toHtml() for _, label in legend.items]
            axis = chart.getPlotItem().getAxis("left").textPen().color().name()
            return background, labels, axis

        background, labels, axis = look()
        assert background == LIGHT.surface.lower() and axis == LIGHT.text.lower()
        assert len(labels) == 2 and all(LIGHT.text.lower() in html for html in labels)

        manager.set_theme(Theme.DARK)
        await wait_for(lambda: look()[0] == DARK.surface.lower())
        background, labels, axis = look()
        assert axis == DARK.text.lower()
        assert all(DARK.text.lower() in html for html in labels)
        assert not any(LIGHT.text.lower() in html for html in labels)
        # Lines drawn after the switch get the dark colours too.
        page.group_combo.setCurrentIndex(1)
        assert all(DARK.text.lower() in label.item.toHtml() for _, label in legend.items)
    finally:
        manager.deleteLater()
        qapp.setStyleSheet(saved[1])
        qapp.setPalette(saved[0])


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        (
            ConnectionStatus.RATE_LIMITED,
            {"retry": True},
            "Reddit data is 3 h old: rate limited until {t}",
        ),
        (
            ConnectionStatus.NEEDS_RECONNECT,
            {},
            "Reddit data is 3 h old: sign in again on the Integrations page",
        ),
        (
            ConnectionStatus.EXPIRED,
            {},
            "Reddit data is 3 h old: the sign-in expired, reconnect on the Integrations page",
        ),
        (
            ConnectionStatus.ERROR,
            {"last_error": "Stored credentials could not be read."},
            "Reddit data is 3 h old: stored credentials could not be read "
            "(see the Integrations page)",
        ),
        (
            ConnectionStatus.OFFLINE,
            {"retry": True},
            "Reddit data is 3 h old: Reddit can't be reached, retrying at {t}",
        ),
        (
            ConnectionStatus.DEGRADED,
            {},
            "Reddit data is 3 h old: Reddit is having problems, retrying shortly",
        ),
    ],
)
async def test_account_notices_read_as_one_sentence(status, extra, expected):
    extra = dict(extra)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    retry_at = now + timedelta(minutes=15) if extra.pop("retry", False) else None
    account = Account(
        1, 1, "reddit", "r-1", username="sunny", status=status, retry_at=retry_at, **extra
    )
    text = account_issue(account, "Reddit", now - timedelta(hours=3, minutes=5), now, named=False)
    t = retry_at.astimezone().strftime("%H:%M") if retry_at else ""
    assert text == expected.format(t=t)
    ok = Account(1, 1, "reddit", "r-1", status=ConnectionStatus.CONNECTED)
    assert account_issue(ok, "Reddit", now, now, named=False) is None
    named = account_issue(account, "Reddit", None, now, named=True)
    assert named is not None and named.startswith("Reddit (@sunny) has no data yet: ")

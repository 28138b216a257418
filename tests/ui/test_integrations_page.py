"""The Integrations page against a real Runtime (sandbox, SQLite, vault)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from huntaze_desktop.domain.events import AccountChanged, Notice
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.ui.integrations import IntegrationsPage, columns_for_width
from huntaze_desktop.ui.toasts import ToastHost


@pytest.fixture
async def page(qtbot, runtime, wait_for, drain_ui_tasks):
    # Built inside the running loop: its first query is a real asyncio task.
    window = QWidget()
    window.resize(1200, 800)
    qtbot.addWidget(window)
    toasts = ToastHost(window)
    p = IntegrationsPage(runtime, toasts, window)
    p.resize(1200, 800)
    window.show()
    await wait_for(lambda: p.accounts is not None and p._loaded)
    yield p
    p.bridge.close()
    await drain_ui_tasks()


async def test_one_card_per_spec_and_empty_state(page, runtime, wait_for) -> None:
    assert list(page.cards) == [spec.name for spec in runtime.specs]
    await wait_for(lambda: page.empty_state.isVisible())
    assert all(c.add_button.isVisible() for c in page.cards.values())


async def test_cards_follow_status_changes(page, runtime, seed_account, wait_for) -> None:
    account = await seed_account(runtime, "instagram", "lena")
    card = page.cards["instagram"]
    await wait_for(lambda: card.badge.text() == "Connected")
    assert not page.empty_state.isVisible()
    assert card.account_name.text() == "@lena"

    retry = datetime.now(UTC) + timedelta(minutes=30)
    runtime.store.update_status(
        account.id, ConnectionStatus.RATE_LIMITED, retry_at=retry, last_error="Slow down."
    )
    runtime.bus.publish(AccountChanged(account.id, "instagram"))
    await wait_for(lambda: card.badge.text().startswith("Rate limited until"))
    assert card.error.text() == "Slow down."

    runtime.store.update_status(
        account.id, ConnectionStatus.NEEDS_RECONNECT, last_error="Sign in again."
    )
    runtime.bus.publish(AccountChanged(account.id, "instagram"))
    await wait_for(lambda: card.reconnect_button.isVisible())
    assert card.badge.property("severity") == "problem"
    with pytest.raises(AssertionError):
        # Other platforms stay untouched.
        await wait_for(lambda: page.cards["tiktok"].account_row.isVisible(), timeout=0.3)


async def test_a_burst_of_account_events_is_a_few_queries(
    page, runtime, seed_account, wait_for, monkeypatch
) -> None:
    """A validation pass sends one event per account: the page must not re-query per event."""
    account = await seed_account(runtime, "instagram", "lena")
    card = page.cards["instagram"]
    await wait_for(lambda: card.badge.text() == "Connected")
    queries = 0
    real_list = runtime.accounts.list_accounts

    async def counted() -> object:
        nonlocal queries
        queries += 1
        return await real_list()

    monkeypatch.setattr(runtime.accounts, "list_accounts", counted)
    runtime.store.update_status(account.id, ConnectionStatus.NEEDS_RECONNECT, last_error="Gone.")
    for _ in range(40):  # spread over ~200 ms, as accounts finish one by one
        runtime.bus.publish(AccountChanged(account.id, "instagram"))
        await asyncio.sleep(0.005)
    await wait_for(lambda: card.reconnect_button.isVisible())
    assert card.error.text() == "Gone."
    assert 1 <= queries <= 4, queries


async def test_add_app_emits_sign_in_requested(page, qtbot) -> None:
    with qtbot.waitSignal(page.signInRequested) as blocker:
        qtbot.mouseClick(page.cards["reddit"].add_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["reddit"]


async def test_disconnect_cancel_keeps_account(page, runtime, seed_account, wait_for) -> None:
    await seed_account(runtime, "tiktok", "dancer")
    card = page.cards["tiktok"]
    await wait_for(lambda: card.disconnect_button.isVisible())
    card.disconnect_button.click()
    dialog = page.confirm_dialog
    assert dialog is not None
    assert dialog.text() == "Disconnect @dancer from TikTok?"
    assert "stored credentials will be deleted" in dialog.informativeText()
    assert dialog.defaultButton() is dialog.cancel_button
    dialog.cancel_button.click()
    await wait_for(lambda: not dialog.isVisible())
    assert len(await runtime.accounts.list_accounts("tiktok")) == 1


async def test_disconnect_confirm_removes_account(page, runtime, seed_account, wait_for) -> None:
    await seed_account(runtime, "tiktok", "dancer")
    card = page.cards["tiktok"]
    await wait_for(lambda: card.disconnect_button.isVisible())
    notices: list[Notice] = []
    unsubscribe = runtime.bus.subscribe(Notice, notices.append)
    card.disconnect_button.click()
    page.confirm_dialog.confirm_button.click()
    await wait_for(lambda: card.add_button.isVisible(), timeout=10)
    unsubscribe()
    assert await runtime.accounts.list_accounts("tiktok") == []
    # The service announces it (the window turns that into the one toast); the page
    # adds no second toast saying the same thing.
    assert [n.text for n in notices if "disconnected" in n.text] == [
        "TikTok account @dancer disconnected. "
        "Its analytics history is kept for when you connect it again."
    ]
    assert not any("disconnected" in t.text for t in page.toasts.toasts())


async def test_two_accounts_and_switcher(page, runtime, seed_account, wait_for) -> None:
    first = await seed_account(runtime, "instagram", "one")
    second = await seed_account(runtime, "instagram", "two")
    card = page.cards["instagram"]
    await wait_for(lambda: card.switcher.count() == 2)
    assert card.switch_row.isVisible()
    target = second if card.active.id == first.id else first
    card.switcher.setCurrentIndex(card.switcher.findData(target.id))
    await wait_for(lambda: card.account_name.text() == target.name)
    assert runtime.accounts.active_account_id("instagram") == target.id


async def test_search_filters_cards(page, runtime, seed_account, wait_for) -> None:
    await seed_account(runtime, "reddit", "night_owl")
    await wait_for(lambda: page.cards["reddit"].account_row.isVisible())
    page.search.setText("owl")
    assert [c.spec.name for c in page.visible_cards()] == ["reddit"]
    page.search.setText("zzz")
    assert page.visible_cards() == [] and page.no_match.isVisible()
    page.search.clear()
    assert len(page.visible_cards()) == len(runtime.specs)


async def test_grid_reflows_with_width(page, wait_for) -> None:
    page.resize(1400, 800)
    await wait_for(lambda: page.columns() == columns_for_width(page._scroll.viewport().width()))
    wide = page.columns()
    page.resize(600, 800)
    await wait_for(lambda: page.columns() == 1)
    assert wide > 1


async def test_notice_and_details(page, runtime, seed_account, wait_for) -> None:
    account = await seed_account(
        runtime, "reddit", "owl", ConnectionStatus.ERROR, last_error="No developer app set."
    )
    card = page.cards["reddit"]
    await wait_for(lambda: card.details_button.isVisible())
    card.details_button.click()
    await wait_for(lambda: page.details_dialog is not None and page.details_dialog.isVisible())
    assert str(account.id) in page.details_dialog.text or "owl" in page.details_dialog.text
    assert "token-owl" not in page.details_dialog.text  # never a secret
    # First what a person looks for, in words; the JSON is for support.
    summary = {label: w.text() for label, w in page.details_dialog.summary.items()}
    assert summary["Status"] == "Error"
    assert summary["Problem"] == "No developer app set."
    assert "Connected on" in summary
    page.details_dialog.copy_button.click()
    runtime.bus.publish(Notice("hello", "info"))  # the page leaves notices to the window

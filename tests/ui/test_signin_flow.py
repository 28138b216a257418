"""Connecting from the Integrations page, the way a user does it.

The real main window on a real Runtime (sandbox mode): press the card's button,
fill the sandbox's sign-in page in the real QtWebEngine view, and check what the
card, the toasts and the store then say.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update",
)

from support.qt_async import pump, pump_until, run_js

from huntaze_desktop.domain.events import AccountChanged
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.ui.card import IntegrationCard
from huntaze_desktop.ui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.webengine]

FILL = (
    "document.getElementById('username').value = {user!r};"
    "document.getElementById('password').value = {password!r};"
    "document.getElementById('allow').click(); true"
)


@pytest.fixture
async def window(main_window_factory: Any, runtime: Any) -> Any:
    w = main_window_factory(runtime, tray=False)
    w.show()
    await pump_until(lambda: w.integrations._loaded, 10, "the integrations page")
    return w


async def _sign_in_on_the_page(window: MainWindow, user: str, password: str) -> None:
    """Wait for the embedded window to show the sandbox form, then submit it."""
    await pump_until(
        lambda: window._signin is not None and window._signin.dialog is not None,
        30,
        "the sign-in window",
    )
    dialog = window._signin.dialog
    for _ in range(600):
        if await run_js(dialog.page, "!!document.getElementById('allow')"):
            break
        await pump(0.05)
    else:
        raise AssertionError("the sandbox sign-in form never loaded")
    await run_js(dialog.page, FILL.format(user=user, password=password))


def _shows(card: IntegrationCard, status: ConnectionStatus, name: str) -> bool:
    return (
        card.active is not None
        and card.active.status is status
        and card.account_name.text() == name
    )


async def test_add_app_connects_and_the_card_shows_the_account(window: Any, runtime: Any) -> None:
    card = window.integrations.cards["instagram"]
    assert card.add_button.isVisible() and card.active is None

    card.add_button.click()
    await _sign_in_on_the_page(window, "sunny.creates", "sunny-pass")

    await pump_until(
        lambda: _shows(card, ConnectionStatus.CONNECTED, "@sunny.creates"), 30, "the card"
    )
    today = datetime.now().astimezone().date()
    assert card.since.text() == f"Connected on {today.day} {today:%b %Y}"
    assert card.badge.text() == "Connected"
    assert card.disconnect_button.isVisible() and not card.add_button.isVisible()
    await pump_until(
        lambda: any(
            t.text == "Instagram connected as @sunny.creates" for t in window.toasts.toasts()
        ),
        10,
        "the success toast",
    )
    await pump_until(lambda: window._signin.dialog is None, 10, "the window to close")
    stored = await runtime.accounts.list_accounts("instagram")
    assert [a.username for a in stored] == ["sunny.creates"]


async def test_reconnect_of_an_expired_account(window: Any, runtime: Any) -> None:
    card = window.integrations.cards["reddit"]
    card.add_button.click()
    await _sign_in_on_the_page(window, "sunny_creates", "sunny-pass")
    await pump_until(
        lambda: _shows(card, ConnectionStatus.CONNECTED, "@sunny_creates"), 30, "the card"
    )
    await pump_until(lambda: window._signin.dialog is None, 10, "the window to close")

    # The refresh token died on the platform's side: the account needs the user.
    account = card.active
    runtime.store.update_status(
        account.id, ConnectionStatus.NEEDS_RECONNECT, last_error="Sign in to Reddit again."
    )
    runtime.bus.publish(AccountChanged(account.id, "reddit"))
    await pump_until(
        lambda: _shows(card, ConnectionStatus.NEEDS_RECONNECT, "@sunny_creates"), 10, "badge"
    )
    assert card.reconnect_button.isVisible()
    assert card.error.text() == "Sign in to Reddit again."

    card.reconnect_button.click()
    await _sign_in_on_the_page(window, "sunny_creates", "sunny-pass")
    await pump_until(
        lambda: _shows(card, ConnectionStatus.CONNECTED, "@sunny_creates"), 30, "reconnected"
    )
    assert not card.reconnect_button.isVisible() and card.error.isHidden()
    stored = await runtime.accounts.list_accounts("reddit")
    assert [(a.id, a.status) for a in stored] == [(account.id, ConnectionStatus.CONNECTED)]


async def test_a_provider_error_becomes_an_error_toast_and_nothing_is_stored(
    window: Any, runtime: Any, sandbox_server: Any
) -> None:
    sandbox_server.state.faults.add(
        Fault(provider="tiktok", kind=FaultKind.SERVER_ERROR, path="/v2/oauth/token/")
    )
    card = window.integrations.cards["tiktok"]
    card.add_button.click()
    await _sign_in_on_the_page(window, "sunny.creates", "sunny-pass")
    await pump_until(
        lambda: any(t.level == "error" for t in window.toasts.toasts()), 30, "an error toast"
    )
    [toast] = [t for t in window.toasts.toasts() if t.level == "error"]
    assert "TikTok" in toast.text and "Traceback" not in toast.text
    assert window._signin.dialog is None
    assert card.active is None and card.add_button.isVisible()
    assert await runtime.accounts.list_accounts("tiktok") == []


async def test_cancelling_says_so_and_a_second_attempt_works(window: Any, runtime: Any) -> None:
    card = window.integrations.cards["instagram"]
    card.add_button.click()
    await pump_until(lambda: window._signin.dialog is not None, 30, "the sign-in window")
    window._signin.dialog.cancel_button.click()
    await pump_until(
        lambda: any(t.text.startswith("Sign-in cancelled") for t in window.toasts.toasts()),
        10,
        "the cancel toast",
    )
    assert await runtime.accounts.list_accounts("instagram") == []

    card.add_button.click()
    await _sign_in_on_the_page(window, "moonlight.studio", "moon-pass")
    await pump_until(
        lambda: _shows(card, ConnectionStatus.CONNECTED, "@moonlight.studio"), 30, "the card"
    )

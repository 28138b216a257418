"""The card shows "Refreshing…" while a renewal runs, from the bus, not from the database.

Issue #15 item 7: "refreshing" is no longer stored (a crash left it for ever);
the card still shows it while the token request is in flight, and what the
renewal ended with afterwards.
"""

from __future__ import annotations

import asyncio
import re
from html import unescape
from typing import Any
from urllib.parse import urljoin

import pytest
from PySide6.QtWidgets import QWidget

from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.ui.integrations import IntegrationsPage
from huntaze_desktop.ui.toasts import ToastHost

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="function")]

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")


async def connect_reddit(runtime: Any) -> Any:
    attempt = await runtime.accounts.begin_sign_in("reddit")
    page = await runtime.http.get(attempt.authorize_url)
    form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
    form.update({"username": "sunny_creates", "password": "sunny-pass", "action": "allow"})
    answer = await runtime.http.post(str(page.url), data=form, follow_redirects=False)
    return await runtime.accounts.complete_sign_in(
        urljoin(str(page.url), answer.headers["location"])
    )


async def test_the_card_spins_while_the_token_is_renewed(
    runtime, qtbot, wait_for, drain_ui_tasks
) -> None:
    account = await connect_reddit(runtime)
    window = QWidget()
    window.resize(1200, 800)
    qtbot.addWidget(window)
    page = IntegrationsPage(runtime, ToastHost(window), window)
    page.resize(1200, 800)
    window.show()
    card = page.cards["reddit"]
    try:
        await wait_for(lambda: card.badge.text() == "Connected")
        faults = runtime.sandbox.state.faults
        # The API refuses the token once (a 401): the token manager renews it, and
        # the sandbox holds that renewal.
        faults.add(Fault("reddit", FaultKind.EXPIRED_SESSION, "/api/v1/me", times=1))
        faults.add(
            Fault("reddit", FaultKind.LATENCY, "/api/v1/access_token", times=1, latency_ms=2000)
        )
        check = asyncio.ensure_future(runtime.accounts.validate(account.id))
        await wait_for(lambda: card.badge.text() == "Refreshing…", timeout=10)
        assert card.spinner.isVisible()
        stored = await asyncio.to_thread(runtime.store.get, account.id)
        assert stored.status is ConnectionStatus.CONNECTED  # never written
        await check
        await wait_for(lambda: card.badge.text() == "Connected", timeout=10)
        assert not card.spinner.isVisible()
    finally:
        page.bridge.close()
        await drain_ui_tasks()

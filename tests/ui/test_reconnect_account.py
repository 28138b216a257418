"""Reconnect means that account, in the GUI: the window names it, another account is refused.

The real sign-in controller and service on the sandbox, through the system-browser
path (a script acts as the person's browser); the real "signed in as another
account" box.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from PySide6.QtGui import QDesktopServices
from support.qt_async import BrowserUrlSink, SignalRecorder, pump_until

from huntaze_desktop.domain.settings import SignInMethod
from huntaze_desktop.ui.dialogs import WrongAccountDialog
from huntaze_desktop.ui.signin_window import SignInController

pytestmark = [pytest.mark.gui]

_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")


@pytest.fixture(autouse=True)
def _keep_loop_running(qapp: Any) -> None:
    qapp.setQuitOnLastWindowClosed(False)


@pytest.fixture
def browser() -> Any:
    sink = BrowserUrlSink()
    QDesktopServices.setUrlHandler("http", sink, "open")
    QDesktopServices.setUrlHandler("https", sink, "open")
    yield sink
    QDesktopServices.unsetUrlHandler("http")
    QDesktopServices.unsetUrlHandler("https")


async def _sign_in(url: str, username: str, password: str) -> None:
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False, trust_env=False) as http:
        page = await http.get(url)
        form = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page.text)}
        form.update({"username": username, "password": password, "action": "allow"})
        answer = await http.post(str(page.url), data=form)
        assert answer.status_code in (302, 303), answer.text[:200]
        await http.get(answer.headers["location"])


async def _run(
    runtime: Any, browser: BrowserUrlSink, reconnect: Any, login: tuple[str, str]
) -> Any:
    controller = SignInController(runtime)
    outcome = SignalRecorder(
        succeeded=controller.succeeded,
        failed=controller.failed,
        wrongAccount=controller.wrongAccount,
        cancelled=controller.cancelled,
    )
    browser.urls.clear()
    controller.start("reddit", reconnect)
    await pump_until(lambda: browser.urls, 20, "the browser to be asked to open")
    title = controller.dialog.windowTitle() if controller.dialog is not None else ""
    await _sign_in(browser.urls[0], *login)
    await pump_until(lambda: outcome.events, 30, "the sign-in to end")
    return title, outcome.events


async def test_reconnect_as_another_account_stores_nothing(
    runtime: Any, browser: BrowserUrlSink
) -> None:
    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    _, events = await _run(runtime, browser, None, ("sunny_creates", "sunny-pass"))
    [(name, (sunny,))] = events
    assert name == "succeeded"

    title, events = await _run(runtime, browser, sunny, ("moonlight_studio", "moon-pass"))
    assert title == "Reconnect @sunny_creates to Reddit"
    [(name, (provider, message, signed_in_as))] = events
    assert name == "wrongAccount"
    assert (provider, signed_in_as) == ("reddit", "@moonlight_studio")
    assert message.startswith("You signed in as @moonlight_studio; sign in as @sunny_creates")
    stored = await runtime.accounts.list_accounts("reddit")
    assert [a.username for a in stored] == ["sunny_creates"]  # nothing added or replaced

    title, events = await _run(runtime, browser, sunny, ("sunny_creates", "sunny-pass"))
    [(name, (account,))] = events
    assert name == "succeeded" and account.id == sunny.id


def test_the_wrong_account_box_offers_to_add_it(qtbot: Any) -> None:
    dialog = WrongAccountDialog("You signed in as @moon; sign in as @sun to reconnect it.", "@moon")
    qtbot.addWidget(dialog)
    added = SignalRecorder(add=dialog.addRequested)
    assert dialog.defaultButton() is dialog.ok_button
    assert dialog.add_button.text() == "Add @moon as a new account"
    dialog.add_button.click()
    assert added.names() == ["add"]

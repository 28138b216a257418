"""The sign-in window: real QtWebEngine pages of the real sandbox, end to end.

Each test drives the page like a person would (fill the form, press a button)
and checks what really got stored. The ``runtime`` fixture (tests/conftest.py)
is a real Runtime in sandbox mode; Qt events are pumped from the test's loop
(see tests/support/qt_async.py).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys
import textwrap
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --disable-background-networking --disable-component-update",
)

import httpx
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtTest import QTest
from support.qt_async import BrowserUrlSink, SignalRecorder, pump, pump_until, run_js

from huntaze_desktop.domain.settings import SignInMethod
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.ui.signin_window import BrowserWaitDialog, SignInController

pytestmark = [pytest.mark.gui, pytest.mark.webengine]


@pytest.fixture(autouse=True)
def _keep_loop_running(qapp: Any) -> None:
    # Closing a dialog that is the only window would quit the app, and with it
    # the qasync loop the test runs on (tests/ui/conftest.py could set this).
    qapp.setQuitOnLastWindowClosed(False)


_HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
FILL_OAUTH = (
    "document.getElementById('username').value = {user!r};"
    "document.getElementById('password').value = {password!r};"
    "document.getElementById({button!r}).click(); true"
)
FILL_ONLYFANS = (
    "document.getElementById('email').value = {email!r};"
    "document.getElementById('password').value = {password!r};"
    "document.getElementById('login').click(); true"
)


async def _open_form(controller: SignInController, element: str) -> Any:
    """Wait until the dialog shows a page holding ``element``; return the dialog."""
    await pump_until(lambda: controller.dialog is not None, 30, "the sign-in window")
    dialog = controller.dialog
    assert dialog is not None

    async def has_element() -> bool:
        return bool(await run_js(dialog.page, f"!!document.getElementById({element!r})"))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not await has_element():
        assert loop.time() < deadline, f"the page never showed #{element}"
        await pump(0.05)
    return dialog


async def _wait_outcome(recorder: SignalRecorder) -> tuple[str, tuple[Any, ...]]:
    await pump_until(lambda: recorder.events, 30, "the sign-in to end")
    assert len(recorder.events) == 1, recorder.names()
    return recorder.events[0]


def _controller(runtime: Any, qtbot: Any) -> tuple[SignInController, SignalRecorder]:
    controller = SignInController(runtime)
    recorder = SignalRecorder(
        succeeded=controller.succeeded, failed=controller.failed, cancelled=controller.cancelled
    )
    return controller, recorder


async def test_embedded_sign_in_stores_the_account(runtime: Any, qtbot: Any) -> None:
    controller, outcome = _controller(runtime, qtbot)
    controller.start("instagram")
    dialog = await _open_form(controller, "allow")
    # The sandbox is plain http on loopback: say so, never "Secure".
    assert dialog.security_label.text() == "Local sandbox"
    assert dialog.address.text().startswith("127.0.0.1:")
    assert dialog.profile.isOffTheRecord()

    await run_js(
        dialog.page,
        FILL_OAUTH.format(user="sunny.creates", password="sunny-pass", button="allow"),
    )
    name, args = await _wait_outcome(outcome)
    assert name == "succeeded", args
    account = args[0]
    assert account.provider == "instagram"
    assert account.username == "sunny.creates"
    stored = await runtime.accounts.list_accounts("instagram")
    assert [a.provider_account_id for a in stored] == [account.provider_account_id]
    assert controller.dialog is None and not controller.active


async def test_enter_in_the_password_field_signs_in(runtime: Any, qtbot: Any) -> None:
    # A person types the password and presses Enter: the browser submits the form
    # with its first submit button, which must be Allow, not Cancel (issue #18).
    controller, outcome = _controller(runtime, qtbot)
    controller.start("reddit")
    dialog = await _open_form(controller, "allow")
    await run_js(
        dialog.page,
        "document.getElementById('username').value = 'sunny_creates';"
        "document.getElementById('password').value = 'sunny-pass';"
        "document.getElementById('password').focus();"
        "document.activeElement.id",
    )
    dialog.activateWindow()
    dialog.view.setFocus()
    await pump_until(
        lambda: dialog.view.focusProxy() is not None, 10, "the page to take key events"
    )
    QTest.keyClick(dialog.view.focusProxy(), Qt.Key.Key_Return)
    name, args = await _wait_outcome(outcome)
    assert name == "succeeded", args
    assert [a.username for a in await runtime.accounts.list_accounts("reddit")] == ["sunny_creates"]


async def test_denying_on_the_platform_page_fails_with_cancel_message(
    runtime: Any, qtbot: Any
) -> None:
    controller, outcome = _controller(runtime, qtbot)
    controller.start("tiktok")
    dialog = await _open_form(controller, "deny")
    await run_js(dialog.page, FILL_OAUTH.format(user="", password="", button="deny"))
    name, args = await _wait_outcome(outcome)
    assert (name, args) == ("failed", ("You cancelled the sign-in.",))
    assert await runtime.accounts.list_accounts("tiktok") == []


async def test_cancel_button_cancels_and_stores_nothing(runtime: Any, qtbot: Any) -> None:
    controller, outcome = _controller(runtime, qtbot)
    controller.start("reddit")
    dialog = await _open_form(controller, "allow")
    dialog.cancel_button.click()
    name, _ = await _wait_outcome(outcome)
    assert name == "cancelled"
    assert controller.dialog is None
    assert await runtime.accounts.list_accounts("reddit") == []


async def test_provider_error_during_the_exchange_is_reported(
    runtime: Any, qtbot: Any, sandbox_server: Any
) -> None:
    sandbox_server.state.faults.add(
        Fault(provider="instagram", kind=FaultKind.SERVER_ERROR, path="/oauth/access_token")
    )
    controller, outcome = _controller(runtime, qtbot)
    controller.start("instagram")
    dialog = await _open_form(controller, "allow")
    await run_js(
        dialog.page,
        FILL_OAUTH.format(user="sunny.creates", password="sunny-pass", button="allow"),
    )
    name, args = await _wait_outcome(outcome)
    assert name == "failed"
    message = args[0]
    assert message and "code=" not in message and "Traceback" not in message
    assert await runtime.accounts.list_accounts("instagram") == []


async def test_onlyfans_session_is_captured_from_the_site_login(runtime: Any, qtbot: Any) -> None:
    controller, outcome = _controller(runtime, qtbot)
    controller.start("onlyfans")
    dialog = await _open_form(controller, "login")
    assert "unofficial" in dialog.note.text()
    await run_js(
        dialog.page, FILL_ONLYFANS.format(email="sunnycreates@example.com", password="sunny-pass")
    )
    name, args = await _wait_outcome(outcome)
    assert name == "succeeded", args
    account = args[0]
    assert (account.provider, account.provider_account_id) == ("onlyfans", "280001")
    tokens = await _load_tokens(runtime, account.id)
    # The stored session is the one this browser signed in with.
    assert '"auth_id": "280001"' in tokens.access_token
    assert "QtWebEngine" in tokens.access_token  # the embedded view's own User-Agent


async def _load_tokens(runtime: Any, account_id: int) -> Any:
    return await asyncio.to_thread(runtime.store.load_tokens, account_id)


def test_start_up_does_not_load_qtwebengine() -> None:
    """The sign-in and settings modules (and the main window) must not pull in Chromium."""
    script = textwrap.dedent(
        """
        import importlib.util, sys
        import huntaze_desktop.ui.signin_window, huntaze_desktop.ui.settings_page
        if importlib.util.find_spec("huntaze_desktop.ui.main_window"):
            import huntaze_desktop.ui.main_window
        loaded = sorted(m for m in sys.modules if m.startswith("PySide6.QtWebEngine"))
        print(",".join(loaded) or "none")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "none"


async def _act_as_browser(authorize_url: str, username: str, password: str) -> None:
    """What a person does in their browser: open the page, sign in, allow."""
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text[:200]
        form = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page.text)}
        form.update({"username": username, "password": password, "action": "allow"})
        answer = await browser.post(str(page.url), data=form)
        assert answer.status_code in (302, 303)
        # The redirect lands on the app's one-shot loopback listener.
        done = await browser.get(answer.headers["location"])
        assert done.status_code == 200


async def test_system_browser_sign_in_stores_the_account(runtime: Any, qtbot: Any) -> None:
    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    sink = BrowserUrlSink()
    QDesktopServices.setUrlHandler("http", sink, "open")
    QDesktopServices.setUrlHandler("https", sink, "open")
    try:
        controller, outcome = _controller(runtime, qtbot)
        controller.start("reddit")
        await pump_until(lambda: sink.urls, 20, "the browser to be asked to open")
        assert isinstance(controller.dialog, BrowserWaitDialog)
        await _act_as_browser(sink.urls[0], "sunny_creates", "sunny-pass")
        name, args = await _wait_outcome(outcome)
    finally:
        QDesktopServices.unsetUrlHandler("http")
        QDesktopServices.unsetUrlHandler("https")
    assert name == "succeeded", args
    assert [a.username for a in await runtime.accounts.list_accounts("reddit")] == ["sunny_creates"]


async def _browser_dialog_shown(controller: SignInController) -> BrowserWaitDialog:
    """Wait until the browser dialog says how opening the browser went."""
    await pump_until(
        lambda: isinstance(controller.dialog, BrowserWaitDialog) and controller.dialog.url,
        20,
        "the browser dialog to say whether a browser opened",
    )
    dialog = controller.dialog
    assert isinstance(dialog, BrowserWaitDialog)
    return dialog


async def test_browser_that_opened_is_said_and_the_address_kept_at_hand(
    runtime: Any, qtbot: Any
) -> None:
    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    sink = BrowserUrlSink()
    QDesktopServices.setUrlHandler("http", sink, "open")
    try:
        controller, outcome = _controller(runtime, qtbot)
        controller.start("reddit")
        dialog = await _browser_dialog_shown(controller)
        assert sink.urls == [dialog.url]
        assert "Continue in your browser" in dialog.title.text()
        assert dialog.message.text().startswith("We opened Reddit in your web browser.")
        assert dialog.copy_button.isVisible() and dialog.embedded_button.isVisible()
        dialog.cancel_button.click()
        name, _ = await _wait_outcome(outcome)
        assert name == "cancelled"
    finally:
        QDesktopServices.unsetUrlHandler("http")


async def test_no_browser_offers_the_address_and_the_sign_in_still_works(
    runtime: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The offscreen platform has no browser at all; on X11/Wayland Qt would also try
    # $BROWSER, which names a program that does not exist here.
    monkeypatch.setenv("BROWSER", "/nonexistent/browser")
    monkeypatch.delenv("DEFAULT_BROWSER", raising=False)
    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    controller, outcome = _controller(runtime, qtbot)
    controller.start("reddit")
    dialog = await _browser_dialog_shown(controller)
    # Honest: no "We opened Reddit in your web browser".
    assert "No web browser could be opened" in dialog.title.text()
    assert "We opened" not in dialog.message.text()
    assert "Copy this address into a web browser" in dialog.message.text()
    # The address is shown without its query (the state), and copied whole.
    assert dialog.address.isVisible()
    assert dialog.address.text().startswith("http://127.0.0.1:")
    assert "state=" not in dialog.address.text()
    assert dialog.copy_button.isVisible() and dialog.copy_button.isDefault()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.url and "state=" in copied
    assert dialog.copied_label.text() == "Address copied to the clipboard."
    # The person pastes it into a browser: the sign-in completes as usual.
    await _act_as_browser(copied, "sunny_creates", "sunny-pass")
    name, args = await _wait_outcome(outcome)
    assert name == "succeeded", args
    assert [a.username for a in await runtime.accounts.list_accounts("reddit")] == ["sunny_creates"]
    assert controller.dialog is None


async def test_no_browser_keeps_a_way_back_to_the_in_app_window(runtime: Any, qtbot: Any) -> None:
    runtime.settings.sign_in_method = SignInMethod.SYSTEM_BROWSER
    controller, outcome = _controller(runtime, qtbot)
    controller.start("reddit")
    browser_dialog = await _browser_dialog_shown(controller)
    assert "No web browser could be opened" in browser_dialog.title.text()
    listener = dict(parse_qsl(urlsplit(browser_dialog.url).query))["redirect_uri"]
    browser_dialog.embedded_button.click()
    dialog = await _open_form(controller, "allow")
    assert dialog is not browser_dialog
    # The browser attempt is over: its one-shot listener no longer answers.
    async with httpx.AsyncClient(timeout=5.0) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(listener)
    await run_js(
        dialog.page,
        FILL_OAUTH.format(user="sunny_creates", password="sunny-pass", button="allow"),
    )
    name, args = await _wait_outcome(outcome)
    assert name == "succeeded", args
    assert [a.username for a in await runtime.accounts.list_accounts("reddit")] == ["sunny_creates"]

"""First start on a computer without a system keyring: the app offers a passphrase.

Real boot code (``app_services.ServicesBoot._open_runtime``), the real dialog typed into, the
real keyring 'fail' backend (what a machine without a Secret Service gives),
real vault files and SQLite database.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from huntaze_desktop.app_services import ServicesBoot
from huntaze_desktop.domain.early_settings import Theme
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.keystore import KeyStore
from huntaze_desktop.ui.main_window import WindowShell
from huntaze_desktop.ui.passphrase_setup import MIN_LENGTH

PASSPHRASE = "a passphrase to remember"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HUNTAZE_VAULT_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def boot(qapp, main_window_factory, tmp_path: Path) -> ServicesBoot:
    paths = DataPaths(tmp_path / "data").ensure()
    window = main_window_factory(shell=WindowShell(paths.root, False, Theme.LIGHT), tray=False)
    window.show()
    args = argparse.Namespace(sandbox=False, no_err_windows=False)
    return ServicesBoot(qapp, args, paths, None, window)


def _dialog_open(boot: ServicesBoot) -> bool:
    return boot.passphrase_dialog is not None and boot.passphrase_dialog.isVisible()


def _type(widget, text: str) -> None:
    widget.clear()
    QTest.keyClicks(widget, text)


async def test_first_start_without_a_keyring_sets_up_a_passphrase(
    no_keyring, boot: ServicesBoot, wait_for
) -> None:
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _dialog_open(boot))
    dialog = boot.passphrase_dialog
    assert not dialog.accept_button.isEnabled()
    _type(dialog.first, "short")
    assert dialog.hint.text() == f"Use at least {MIN_LENGTH} characters."
    _type(dialog.first, PASSPHRASE)
    assert dialog.hint.text() == "Repeat it to be sure."
    _type(dialog.second, PASSPHRASE + "!")
    assert dialog.hint.text() == "Type the same passphrase twice."
    QTest.keyClick(dialog.second, Qt.Key.Key_Return)  # Enter cannot skip the checks
    assert dialog.isVisible() and not dialog.accept_button.isEnabled()
    _type(dialog.second, PASSPHRASE)
    assert dialog.accept_button.isEnabled()
    dialog.accept_button.click()

    runtime = await asyncio.wait_for(opening, 30)
    try:
        assert runtime is not None
        assert await runtime.accounts.list_accounts() == []
    finally:
        await runtime.aclose()
    status = KeyStore(boot.paths).status()
    assert status.mode == "passphrase" and status.key_present
    assert len(KeyStore(boot.paths).load_keys(PASSPHRASE)) == 1
    assert boot.exit_code == 0


async def test_quitting_the_passphrase_dialog_changes_nothing(
    no_keyring, boot: ServicesBoot, wait_for
) -> None:
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _dialog_open(boot))
    boot.passphrase_dialog.quit_button.click()
    assert await asyncio.wait_for(opening, 10) is None
    assert not boot.paths.vault_params.exists()
    assert KeyStore(boot.paths).status().mode == "keyring"


async def test_later_starts_unlock_with_the_passphrase(
    no_keyring, boot: ServicesBoot, wait_for
) -> None:
    from huntaze_desktop.storage.vault_setup import switch_to_passphrase
    from huntaze_desktop.ui.passphrase_setup import WRONG_PASSPHRASE, UnlockDialog

    await asyncio.to_thread(switch_to_passphrase, boot.paths, PASSPHRASE)  # an earlier start
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _dialog_open(boot))
    dialog = boot.passphrase_dialog
    assert isinstance(dialog, UnlockDialog)
    assert not dialog.error.isVisible() and not dialog.accept_button.isEnabled()
    _type(dialog.field, "not the passphrase")
    dialog.accept_button.click()
    # Wrong: asked again, saying so (a new dialog once the key check has run).
    await wait_for(lambda: _dialog_open(boot) and boot.passphrase_dialog is not dialog, timeout=30)
    again = boot.passphrase_dialog
    assert again.error.isVisible() and again.error.text() == WRONG_PASSPHRASE
    _type(again.field, PASSPHRASE)
    QTest.keyClick(again.field, Qt.Key.Key_Return)
    runtime = await asyncio.wait_for(opening, 30)
    assert runtime is not None
    await runtime.aclose()


async def test_quitting_at_the_unlock_prompt_opens_nothing(
    no_keyring, boot: ServicesBoot, wait_for
) -> None:
    from huntaze_desktop.storage.vault_setup import switch_to_passphrase

    await asyncio.to_thread(switch_to_passphrase, boot.paths, PASSPHRASE)
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _dialog_open(boot))
    boot.passphrase_dialog.quit_button.click()
    assert await asyncio.wait_for(opening, 10) is None

"""A vault whose key is gone: the app says so, makes no key, and offers to start over.

Real boot code (``ServicesBoot._open_runtime``), real dialogs clicked, a real
database whose sign-ins were sealed under a key the keyring no longer holds.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from huntaze_desktop.app_services import ServicesBoot
from huntaze_desktop.domain.early_settings import Theme
from huntaze_desktop.domain.models import ConnectionStatus, TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault
from huntaze_desktop.storage.vault_identity import unlock_vault
from huntaze_desktop.ui.main_window import WindowShell
from huntaze_desktop.ui.vault_reset import ConfirmForgetDialog, VaultKeyMissingDialog


@pytest.fixture
def lost_key(memory_keyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DataPaths:
    """A data directory with one account, whose keyring entry is then gone."""
    monkeypatch.delenv("HUNTAZE_VAULT_PASSPHRASE", raising=False)
    paths = DataPaths(tmp_path / "data").ensure()
    db = Database.open(paths)
    try:
        store = AccountStore(db, Vault(unlock_vault(db, None).key), db.default_user_id)
        store.upsert_connected("reddit", "t2_owl", TokenSet("a", "r"), username="owl")
    finally:
        db.close()
    memory_keyring.entries.clear()
    memory_keyring.writes = 0
    return paths


@pytest.fixture
def boot(qapp, main_window_factory, lost_key: DataPaths) -> ServicesBoot:
    window = main_window_factory(shell=WindowShell(lost_key.root, False, Theme.LIGHT), tray=False)
    window.show()
    args = argparse.Namespace(sandbox=False, no_err_windows=False)
    return ServicesBoot(qapp, args, lost_key, None, window)


def _showing(boot: ServicesBoot, kind: type) -> bool:
    return isinstance(boot.vault_dialog, kind) and boot.vault_dialog.isVisible()


async def test_quit_changes_nothing_and_makes_no_key(
    boot: ServicesBoot, memory_keyring, wait_for
) -> None:
    before = boot.paths.database.read_bytes()
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _showing(boot, VaultKeyMissingDialog))
    dialog = boot.vault_dialog
    assert "No new key was made" in dialog.informativeText()
    assert dialog.defaultButton() is dialog.quit_button  # never the destructive one
    dialog.quit_button.click()
    assert await asyncio.wait_for(opening, 10) is None
    assert boot.exit_code == 1
    assert memory_keyring.writes == 0
    assert boot.paths.database.read_bytes() == before


async def test_cancelling_the_confirmation_asks_again(boot: ServicesBoot, wait_for) -> None:
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _showing(boot, VaultKeyMissingDialog))
    boot.vault_dialog.forget_button.click()
    await wait_for(lambda: _showing(boot, ConfirmForgetDialog))
    confirm = boot.vault_dialog
    assert confirm.defaultButton() is confirm.cancel_button
    confirm.cancel_button.click()
    await wait_for(lambda: _showing(boot, VaultKeyMissingDialog))
    boot.vault_dialog.quit_button.click()
    assert await asyncio.wait_for(opening, 10) is None


async def test_forgetting_the_sign_ins_starts_with_the_accounts_to_reconnect(
    boot: ServicesBoot, memory_keyring, wait_for
) -> None:
    opening = asyncio.ensure_future(boot._open_runtime())
    await wait_for(lambda: _showing(boot, VaultKeyMissingDialog))
    boot.vault_dialog.forget_button.click()
    await wait_for(lambda: _showing(boot, ConfirmForgetDialog))
    boot.vault_dialog.confirm_button.click()
    runtime = await asyncio.wait_for(opening, 30)
    assert runtime is not None
    try:
        [account] = await runtime.accounts.list_accounts()
        assert account.username == "owl"
        assert account.status is ConnectionStatus.NEEDS_RECONNECT
    finally:
        await runtime.aclose()
    assert memory_keyring.writes == 1  # the new vault's key, made only now

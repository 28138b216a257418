"""SIGKILL during token rotation never loses or tears a committed token pair."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 200
REPO = Path(__file__).resolve().parents[2]


def _check(paths: DataPaths, vault: Vault, account_id: int) -> int:
    """Open like the app does; return the stored N after checking the pair."""
    db = Database.open(paths)
    try:
        with db.transaction() as session:
            assert session.exec_driver_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        tokens = AccountStore(db, vault, db.default_user_id).load_tokens(account_id)
    finally:
        db.close()
    assert tokens.access_token.startswith("acc-")
    n = int(tokens.access_token.removeprefix("acc-"))
    assert tokens.refresh_token == f"ref-{n}", "access and refresh tokens from different writes"
    return n


def _run_once(args: list[str], env: dict[str, str], rng: random.Random) -> int | None:
    """Start the writer, kill it 20-150 ms after it is ready; the last N it reported."""
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first == b"ready\n", (first, child.stderr.read() if child.stderr else b"")
        time.sleep(rng.uniform(0.020, 0.150))
        child.send_signal(signal.SIGKILL)
        out, _err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    # A line cut short by the kill is not a report of a commit.
    lines = out.decode().split("\n")[:-1]
    return int(lines[-1]) if lines else None


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_during_token_rotation(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "data")
    key = Vault.generate_key()
    vault = Vault(key)
    db = Database.open(paths)
    try:
        store = AccountStore(db, vault, db.default_user_id)
        account, _ = store.upsert_connected("tiktok", "tt-crash", TokenSet("acc-0", "ref-0"))
    finally:
        db.close()

    env = {**os.environ, "HUNTAZE_TEST_VAULT_KEY": key.hex()}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    args = [sys.executable, str(WRITER), str(paths.root), str(account.id)]
    rng = random.Random(20240601)
    stored = 0
    committed_somewhere = 0
    for _ in range(KILLS):
        reported = _run_once(args, env, rng)
        now_stored = _check(paths, vault, account.id)
        if reported is not None:
            assert now_stored >= reported, f"committed {reported} but only {now_stored} survived"
            committed_somewhere += 1
        assert now_stored >= stored, "a stored pair went backwards"
        stored = now_stored
    # Guard against a test that passes because nothing was ever written.
    assert committed_somewhere > KILLS // 2
    assert stored > KILLS

"""The rotation race: many refreshes of one rotating-token account at once.

TikTok's sandbox rotates refresh tokens and treats a rotated-away token as a
replay (the whole grant is revoked). Twenty tasks in this process and a second
process all find the token expired at the same moment; exactly one refresh
grant may reach the platform, nobody may see invalid_grant, and everyone must
end up with the same, working token.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from refresh_worker import VAULT_KEY_ENV, token_digest

from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.sandbox.faults import Fault, FaultKind

if TYPE_CHECKING:  # tests/services/conftest.py; a runtime import would pick whichever
    from conftest import CoreEnv  # conftest module pytest loaded first

WORKER = Path(__file__).with_name("refresh_worker.py")
TOKEN_PATH = "/v2/oauth/token/"
DAY = 86_400


async def _expired_tiktok_account(core_env: CoreEnv) -> int:
    account = await core_env.connect("tiktok")
    core_env.advance(DAY + 60)  # past the 24 h access lifetime
    # A slow token endpoint keeps the winning grant in flight while others try.
    core_env.sandbox.state.faults.add(
        Fault("tiktok", FaultKind.LATENCY, TOKEN_PATH, times=None, latency_ms=300)
    )
    return int(account.id)


async def test_twenty_tasks_share_one_refresh(core_env: CoreEnv) -> None:
    account_id = await _expired_tiktok_account(core_env)
    results = await asyncio.gather(*(core_env.tokens.ensure_valid(account_id) for _ in range(20)))
    assert len({t.access_token for t in results}) == 1
    assert core_env.counter("tiktok.refresh_grants") == 1
    assert core_env.counter("tiktok.refresh_replays") == 0
    profile = await core_env.clients("tiktok").fetch_profile(results[0])
    assert profile.username == "sunny.creates"


async def test_two_processes_and_twenty_tasks_share_one_refresh(
    core_env: CoreEnv, tmp_path: Path
) -> None:
    account_id = await _expired_tiktok_account(core_env)
    before = core_env.store.load_tokens(account_id)
    ready, barrier, result = tmp_path / "ready", tmp_path / "go", tmp_path / "result.json"
    config = tmp_path / "worker.json"
    config.write_text(
        json.dumps(
            {
                "data_dir": str(core_env.paths.root),
                "sandbox_url": core_env.sandbox.base_url,
                "clock_offset": core_env.sandbox.state.clock_offset,
                "account_id": account_id,
                "ready": str(ready),
                "barrier": str(barrier),
                "result": str(result),
            }
        )
    )
    env = dict(os.environ)
    env[VAULT_KEY_ENV] = core_env.key.hex()
    worker = await asyncio.create_subprocess_exec(sys.executable, str(WORKER), str(config), env=env)
    try:
        async with asyncio.timeout(30):
            while not ready.exists():
                assert worker.returncode is None, "the worker died while starting"
                await asyncio.sleep(0.01)
        barrier.write_text("go")
        results = await asyncio.gather(
            *(core_env.tokens.ensure_valid(account_id) for _ in range(20))
        )
        async with asyncio.timeout(30):
            assert await worker.wait() == 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()

    other = json.loads(result.read_text())
    assert "error" not in other, other
    tokens = {t.access_token for t in results}
    assert len(tokens) == 1
    (token,) = tokens
    assert token != before.access_token
    assert other["token"] == token_digest(token)
    # Exactly one grant for this expiry, and no replay anywhere.
    assert core_env.counter("tiktok.refresh_grants") == 1
    assert core_env.counter("tiktok.refresh_replays") == 0
    assert core_env.store.get(account_id).status is ConnectionStatus.CONNECTED
    # The stored refresh token is the rotated one, and the grant still works.
    stored = core_env.store.load_tokens(account_id)
    assert stored.access_token == token
    assert stored.refresh_token != before.refresh_token
    profile = await core_env.clients("tiktok").fetch_profile(stored)
    assert profile.username == "sunny.creates"


async def test_without_the_lock_the_sandbox_sees_a_replay(core_env: CoreEnv) -> None:
    """The race is real: two grants with one rotating token revoke the grant.

    This is what the token manager prevents; it shows the test above can fail.
    """
    account_id = await _expired_tiktok_account(core_env)
    client = core_env.clients("tiktok")
    tokens = core_env.store.load_tokens(account_id)
    outcomes = await asyncio.gather(
        client.refresh(tokens), client.refresh(tokens), return_exceptions=True
    )
    assert any(isinstance(o, Exception) for o in outcomes)
    assert core_env.counter("tiktok.refresh_replays") == 1

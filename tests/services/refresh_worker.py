"""A second process refreshing an account, for the cross-process rotation race test.

Run as ``python refresh_worker.py CONFIG_JSON``. The config names the data
directory, the sandbox URL, the sandbox clock offset, the account, a file to
write once set up, a barrier file to wait for (so both processes start
together) and where to write the result. The vault key comes in the
environment (``HUNTAZE_TEST_VAULT_KEY``, hex) so it never lands in a file or on
a command line.

The result file holds the SHA-256 of the token this process ended up with (not
the token), or the error class and message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

VAULT_KEY_ENV = "HUNTAZE_TEST_VAULT_KEY"


def sandbox_clock(offset_s: float) -> Callable[[], datetime]:
    """The wall clock moved like the sandbox's (tests age tokens without sleeping)."""
    return lambda: datetime.now(UTC) + timedelta(seconds=offset_s)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def build_token_manager(
    store: Any, http: Any, sandbox_base_url: str, locks_dir: Path, clock: Callable[[], datetime]
) -> Any:
    """A TokenManager wired to the sandbox, the way the app wires it to the platforms."""
    from huntaze_desktop.domain.events import EventBus
    from huntaze_desktop.providers.base import ClientCredentials
    from huntaze_desktop.providers.registry import default_registry

    make_client = default_registry().make_client
    from huntaze_desktop.sandbox.endpoints import base_urls, sandbox_credentials
    from huntaze_desktop.services.tokens import TokenManager

    urls = base_urls(sandbox_base_url)
    clients: dict[str, Any] = {}

    def client_for(provider: str) -> Any:
        if provider not in clients:
            client_id, secret = sandbox_credentials()[provider]
            clients[provider] = make_client(
                provider, http, urls[provider], ClientCredentials(client_id, secret), clock=clock
            )
        return clients[provider]

    return TokenManager(store, client_for, locks_dir, EventBus(), clock=clock)


async def _run(config: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.storage.accounts import AccountStore
    from huntaze_desktop.storage.db import Database
    from huntaze_desktop.storage.vault import Vault

    paths = DataPaths(Path(config["data_dir"]))
    db = Database.open(paths)
    vault = Vault(bytes.fromhex(os.environ[VAULT_KEY_ENV]))
    store = AccountStore(db, vault, db.default_user_id)
    clock = sandbox_clock(float(config["clock_offset"]))
    try:
        async with httpx.AsyncClient(timeout=20.0) as http:
            manager = build_token_manager(store, http, config["sandbox_url"], paths.locks, clock)
            # Tell the test we are set up, then start together with it.
            await asyncio.to_thread(Path(config["ready"]).write_text, "ready")
            barrier = Path(config["barrier"])
            deadline = time.monotonic() + 20
            while not await asyncio.to_thread(barrier.exists):
                if time.monotonic() > deadline:
                    return {"error": "barrier never appeared"}
                await asyncio.sleep(0.005)
            try:
                tokens = await manager.ensure_valid(int(config["account_id"]))
            except Exception as exc:
                return {"error": f"{type(exc).__name__}: {exc}"}
            return {"token": token_digest(tokens.access_token)}
    finally:
        db.close()


def main() -> int:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    result = asyncio.run(_run(config))
    Path(config["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())

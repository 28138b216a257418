"""Child process of test_crash_safety: rotates one account's tokens forever.

Usage: ``python crash_writer.py DATA_DIR ACCOUNT_ID`` with the vault key (hex) in
``HUNTAZE_TEST_VAULT_KEY``. Writes pair N (access ``acc-N``, refresh ``ref-N``)
with ``AccountStore.save_tokens`` and prints ``N`` once it is committed; the
parent kills it with SIGKILL at a random moment. Imports only the storage layer
(no Qt) so that it starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault


def main() -> None:
    data_dir, account_id = Path(sys.argv[1]), int(sys.argv[2])
    vault = Vault(bytes.fromhex(os.environ["HUNTAZE_TEST_VAULT_KEY"]))
    db = Database.open(DataPaths(data_dir))
    store = AccountStore(db, vault, db.default_user_id)
    # Continue from what is stored, so numbers only grow across runs.
    n = int(store.load_tokens(account_id).access_token.removeprefix("acc-"))
    print("ready", flush=True)
    while True:
        n += 1
        store.save_tokens(account_id, TokenSet(access_token=f"acc-{n}", refresh_token=f"ref-{n}"))
        print(n, flush=True)


if __name__ == "__main__":
    main()

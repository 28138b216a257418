"""Fixtures of the storage tests: a real SQLite file in tmp_path, a real vault."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.vault import Vault


@pytest.fixture
def data_paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


@pytest.fixture
def db(data_paths: DataPaths) -> Iterator[Database]:
    database = Database.open(data_paths)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def vault() -> Vault:
    return Vault(Vault.generate_key())


@pytest.fixture
def store(db: Database, vault: Vault) -> AccountStore:
    return AccountStore(db, vault, db.default_user_id)

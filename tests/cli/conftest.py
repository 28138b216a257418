"""Fixtures for the CLI tests: the real CLI as a subprocess (see support/cli_runner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli_runner import Cli, make_cli


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """CLI runs that share a sandbox this test started (and can look into)."""
    yield from make_cli(tmp_path, shared=True)


@pytest.fixture
def cli_alone(tmp_path: Path) -> Iterator[Cli]:
    """CLI runs that each start their own sandbox (state kept in the data directory)."""
    yield from make_cli(tmp_path, shared=False)

"""A database from a newer version: a sentence, exit code 1, and the file untouched."""

from __future__ import annotations

import hashlib
import sqlite3

from support.cli_runner import Cli


def test_a_database_made_by_a_newer_app_is_left_alone(cli: Cli) -> None:
    cli.connect("reddit")
    path = cli.data_dir / "huntaze.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = 'f00dfacef00d'")
    db.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for command in (["accounts", "list"], ["accounts", "refresh"]):
        done = cli.run(*command, rc=1)
        assert "made by a newer Huntaze Desktop" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

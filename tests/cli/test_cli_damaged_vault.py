"""A damaged vault.json is called damaged, never a wrong passphrase, and stays as it was.

Through the real CLI: a short wrapped key, an absurd key-derivation cost (which
must be refused before any memory is asked for), a changed salt, a changed
wrapped key. The right passphrase is given each time.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from support.cli_runner import Cli


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _short_key(v: dict[str, Any]) -> None:
    v["wrapped_key"] = base64.b64encode(base64.b64decode(v["wrapped_key"])[:10]).decode()


def _absurd_memory(v: dict[str, Any]) -> None:
    v["kdf"]["memory_cost"] = 2**40


def _absurd_iterations(v: dict[str, Any]) -> None:
    v["kdf"]["iterations"] = 10**9


def _changed_salt(v: dict[str, Any]) -> None:
    v["kdf"]["salt"] = _flip(v["kdf"]["salt"])


def _changed_wrapped_key(v: dict[str, Any]) -> None:
    v["wrapped_key"] = _flip(v["wrapped_key"])


@pytest.mark.parametrize(
    "damage", [_short_key, _absurd_memory, _absurd_iterations, _changed_salt, _changed_wrapped_key]
)
def test_a_damaged_vault_file_is_called_damaged(
    cli: Cli, damage: Callable[[dict[str, Any]], None]
) -> None:
    path = cli.data_dir / "vault.json"
    vault = json.loads(path.read_text(encoding="utf-8"))
    assert "check" in vault  # written with its checksum
    damage(vault)
    path.write_text(json.dumps(vault), encoding="utf-8")
    before = path.read_bytes()
    for command in (["accounts", "list"], ["vault", "rotate-key"]):
        done = cli.run(*command, rc=1)
        assert "damaged" in done.stderr, done.stderr
        assert "passphrase" not in done.stderr.lower().replace("vault.json", "")
        assert "Traceback" not in done.stderr
    assert path.read_bytes() == before


def test_a_wrong_passphrase_is_still_a_wrong_passphrase(cli: Cli) -> None:
    cli.env["HUNTAZE_VAULT_PASSPHRASE"] = "not the passphrase"
    done = cli.run("accounts", "list", rc=1)
    assert "passphrase" in done.stderr.lower() and "damaged" not in done.stderr

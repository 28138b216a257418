"""Passphrase-mode building blocks: key derivation, key wrapping, vault.json writes.

The master key is wrapped (AES-256-GCM) with a key-encryption key derived from the
passphrase by Argon2id (Scrypt where this ``cryptography`` has no Argon2id). The KDF
name, cost and salt are stored next to the wrapped key so that stronger defaults
can come later without breaking existing vaults.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from huntaze_desktop.domain.errors import VaultError, WrongPassphraseError
from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.storage.vault import KEY_BYTES, key_id_for

__all__ = [
    "DAMAGED_MESSAGE",
    "atomic_write_json",
    "decode_b64",
    "derive_kek",
    "encode_b64",
    "new_kdf_params",
    "unwrap_key",
    "wrap_key",
]

_SALT_BYTES = 16
_NONCE_BYTES = 12
# Binds a wrapped key to its purpose; the slot is not part of it so that
# promoting pending -> current needs no passphrase.
_WRAP_AAD = b"huntaze-key-wrap-v1"
# OWASP's first Argon2id recommendation (m=64 MiB, t=3, p=4): ~0.25 s here.
_ARGON2 = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}
_SCRYPT = {"n": 2**17, "r": 8, "p": 1}


DAMAGED_MESSAGE = (
    "The vault settings file (vault.json) is damaged, so stored credentials cannot "
    "be unlocked. Restore it from a backup or reconnect your accounts."
)


def encode_b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_b64(text: object) -> bytes:
    if not isinstance(text, str):
        raise VaultError(DAMAGED_MESSAGE)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise VaultError(DAMAGED_MESSAGE) from None


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Write then rename, so a crash leaves either the old file or the new one (owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with replace_atomically(path, mode=0o600) as handle:
        json.dump(data, handle, indent=2, sort_keys=True)


def new_kdf_params() -> dict[str, Any]:
    salt = encode_b64(os.urandom(_SALT_BYTES))
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # noqa: F401
    except ImportError:  # cryptography < 44
        return {"name": "scrypt", "salt": salt, **_SCRYPT}
    return {"name": "argon2id", "salt": salt, **_ARGON2}


def derive_kek(passphrase: str, kdf: dict[str, Any]) -> bytes:
    salt = decode_b64(kdf.get("salt"))
    secret = passphrase.encode("utf-8")
    try:
        if kdf.get("name") == "argon2id":
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            return Argon2id(
                salt=salt,
                length=KEY_BYTES,
                iterations=int(kdf["iterations"]),
                lanes=int(kdf["lanes"]),
                memory_cost=int(kdf["memory_cost"]),
            ).derive(secret)
        if kdf.get("name") == "scrypt":
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            return Scrypt(
                salt=salt, length=KEY_BYTES, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])
            ).derive(secret)
    except (KeyError, TypeError, ValueError):
        raise VaultError(DAMAGED_MESSAGE) from None
    raise VaultError(DAMAGED_MESSAGE)


def wrap_key(kek: bytes, key: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    return encode_b64(nonce + AESGCM(kek).encrypt(nonce, key, _WRAP_AAD))


def unwrap_key(kek: bytes, wrapped: object, key_id: object) -> bytes:
    blob = decode_b64(wrapped)
    try:
        key = AESGCM(kek).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _WRAP_AAD)
    except InvalidTag:
        raise WrongPassphraseError() from None
    if len(key) != KEY_BYTES or key_id_for(key).hex() != key_id:
        raise VaultError(DAMAGED_MESSAGE)
    return key

"""Passphrase-mode building blocks: key derivation, key wrapping, vault.json writes.

The master key is wrapped (AES-256-GCM) with a key-encryption key derived from the
passphrase by Argon2id (Scrypt where this ``cryptography`` has no Argon2id). The KDF
name, cost and salt are stored next to the wrapped key so that stronger defaults
can come later without breaking existing vaults.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
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
    "params_check",
    "unwrap_key",
    "verify_params",
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
# What a vault.json may ask of the key derivation. Far above any default this app
# writes, far below what would exhaust a desktop's memory or take minutes: a
# value outside is a damaged (or planted) file, refused before deriving.
_ARGON2_LIMITS = {"iterations": (1, 16), "lanes": (1, 16), "memory_cost": (8, 1024 * 1024)}
_SCRYPT_LIMITS = {"n": (2, 2**20), "r": (1, 32), "p": (1, 16)}
_AESGCM_TAG_BYTES = 16
_WRAPPED_BYTES = _NONCE_BYTES + KEY_BYTES + _AESGCM_TAG_BYTES
_CHECK_FIELD = "check"


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


def params_check(data: dict[str, Any]) -> str:
    """A checksum of vault.json's fields (not a secret: it tells damage from a wrong passphrase).

    Without it, a changed salt or wrapped key fails exactly as a wrong passphrase
    does (the key does not unwrap), and the user would be told to retype a
    passphrase that is right.
    """
    body = {k: v for k, v in data.items() if k != _CHECK_FIELD}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


def verify_params(data: dict[str, Any]) -> None:
    """VaultError (damaged) when vault.json's checksum does not match its fields.

    Files written before the checksum existed have none and are taken as they are;
    the next write adds it.
    """
    stored = data.get(_CHECK_FIELD)
    if stored is None:
        return
    if not isinstance(stored, str) or not hmac.compare_digest(stored, params_check(data)):
        raise VaultError(DAMAGED_MESSAGE)


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Write then rename, so a crash leaves either the old file or the new one (owner only).

    The file carries :func:`params_check` of its fields.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {**data, _CHECK_FIELD: params_check(data)}
    with replace_atomically(path, mode=0o600) as handle:
        json.dump(data, handle, indent=2, sort_keys=True)


def new_kdf_params() -> dict[str, Any]:
    salt = encode_b64(os.urandom(_SALT_BYTES))
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # noqa: F401
    except ImportError:  # cryptography < 44
        return {"name": "scrypt", "salt": salt, **_SCRYPT}
    return {"name": "argon2id", "salt": salt, **_ARGON2}


def _bounded(kdf: dict[str, Any], limits: dict[str, tuple[int, int]]) -> dict[str, int]:
    """The KDF's numbers, each a plain int within its limits, or VaultError (damaged)."""
    values = {}
    for name, (low, high) in limits.items():
        value = kdf.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise VaultError(DAMAGED_MESSAGE)
        values[name] = value
    return values


def derive_kek(passphrase: str, kdf: dict[str, Any]) -> bytes:
    salt = decode_b64(kdf.get("salt"))
    if len(salt) < _SALT_BYTES:
        raise VaultError(DAMAGED_MESSAGE)
    secret = passphrase.encode("utf-8")
    try:
        if kdf.get("name") == "argon2id":
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            argon = _bounded(kdf, _ARGON2_LIMITS)
            if argon["memory_cost"] < 8 * argon["lanes"]:
                raise VaultError(DAMAGED_MESSAGE)
            return Argon2id(
                salt=salt,
                length=KEY_BYTES,
                iterations=argon["iterations"],
                lanes=argon["lanes"],
                memory_cost=argon["memory_cost"],
            ).derive(secret)
        if kdf.get("name") == "scrypt":
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            scrypt = _bounded(kdf, _SCRYPT_LIMITS)
            return Scrypt(
                salt=salt, length=KEY_BYTES, n=scrypt["n"], r=scrypt["r"], p=scrypt["p"]
            ).derive(secret)
    except (TypeError, ValueError, MemoryError):
        raise VaultError(DAMAGED_MESSAGE) from None
    raise VaultError(DAMAGED_MESSAGE)


def wrap_key(kek: bytes, key: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    return encode_b64(nonce + AESGCM(kek).encrypt(nonce, key, _WRAP_AAD))


def unwrap_key(kek: bytes, wrapped: object, key_id: object) -> bytes:
    blob = decode_b64(wrapped)
    if len(blob) != _WRAPPED_BYTES:
        raise VaultError(DAMAGED_MESSAGE)
    try:
        key = AESGCM(kek).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _WRAP_AAD)
    except InvalidTag:
        raise WrongPassphraseError() from None
    if len(key) != KEY_BYTES or key_id_for(key).hex() != key_id:
        raise VaultError(DAMAGED_MESSAGE)
    return key

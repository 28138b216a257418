"""AES-256-GCM encryption of every secret stored on disk.

A sealed value is ``b"HZV" | version (1 byte) | key id (8 bytes) | nonce (12
bytes) | ciphertext+tag``. The associated data binds it to its place (table,
column, user, provider, provider_account_id), so a ciphertext copied into
another row or column fails to open instead of yielding someone else's token.

Every value sealed or opened is registered with
:func:`huntaze_desktop.net.redact.register_secret` (owner: its provider and
account), so the logs scrub it wherever it turns up.

Where the master key comes from (OS keyring or a passphrase) is
:mod:`huntaze_desktop.storage.keystore`'s business; this module only seals and
opens.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from huntaze_desktop.domain.errors import DecryptionError
from huntaze_desktop.net.redact import register_secret

__all__ = ["FORMAT_VERSION", "SecretPlace", "Vault", "key_id_for"]

_MAGIC = b"HZV"
FORMAT_VERSION = 1
_KEY_ID_LEN = 8
_NONCE_LEN = 12
_HEADER_LEN = len(_MAGIC) + 1 + _KEY_ID_LEN + _NONCE_LEN
KEY_BYTES = 32


def key_id_for(key: bytes) -> bytes:
    """A short, non-secret fingerprint naming which key sealed a value."""
    return hashlib.sha256(b"huntaze-key-id:" + key).digest()[:_KEY_ID_LEN]


@dataclass(frozen=True, slots=True)
class SecretPlace:
    """Where a secret lives; becomes the AEAD associated data."""

    table: str
    column: str
    user_id: int
    provider: str = ""
    provider_account_id: str = ""

    @property
    def owner(self) -> tuple[str, str]:
        """Whose secret this is, for ``net.redact.forget_secrets`` when the account goes."""
        return (self.provider, self.provider_account_id)

    def associated_data(self) -> bytes:
        parts = (
            self.table,
            self.column,
            str(self.user_id),
            self.provider,
            self.provider_account_id,
        )
        # Length-prefix each part so ("ab","c") and ("a","bc") never collide.
        return b"huntaze-vault-v1" + b"".join(
            len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts
        )


class Vault:
    """Seals and opens secrets with one 256-bit master key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the vault key must be 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = key_id_for(key)

    def __repr__(self) -> str:  # never show key material
        return f"Vault(key_id={self.key_id.hex()})"

    @staticmethod
    def generate_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    def seal(self, plaintext: str, place: SecretPlace) -> bytes:
        """Encrypt ``plaintext`` for ``place``; from now on logs scrub it (``register_secret``)."""
        register_secret(plaintext, owner=place.owner)
        nonce = os.urandom(_NONCE_LEN)
        header = _MAGIC + bytes([FORMAT_VERSION]) + self.key_id + nonce
        return header + self._aead.encrypt(
            nonce, plaintext.encode("utf-8"), place.associated_data()
        )

    def open(self, sealed: bytes, place: SecretPlace) -> str:
        if len(sealed) < _HEADER_LEN + 16 or not sealed.startswith(_MAGIC):
            raise DecryptionError()
        version = sealed[len(_MAGIC)]
        if version != FORMAT_VERSION:
            raise DecryptionError()
        key_id = sealed[len(_MAGIC) + 1 : len(_MAGIC) + 1 + _KEY_ID_LEN]
        if key_id != self.key_id:
            raise DecryptionError(
                "A stored credential was sealed with a different key. "
                "Reconnect the account to store it again."
            )
        nonce = sealed[_HEADER_LEN - _NONCE_LEN : _HEADER_LEN]
        try:
            plain = self._aead.decrypt(nonce, sealed[_HEADER_LEN:], place.associated_data())
        except InvalidTag:
            raise DecryptionError() from None
        text = plain.decode("utf-8")
        # Every secret opened is scrubbed from every log line, crash file and toast
        # from now on, in raw, URL-encoded and base64 forms (net.redact).
        register_secret(text, owner=place.owner)
        return text

    @staticmethod
    def sealed_key_id(sealed: bytes) -> bytes | None:
        """The key id inside a sealed value, or None if it is not one."""
        if len(sealed) < _HEADER_LEN or not sealed.startswith(_MAGIC):
            return None
        return sealed[len(_MAGIC) + 1 : len(_MAGIC) + 1 + _KEY_ID_LEN]

"""Where the vault's 256-bit master key lives: the OS keyring, or a passphrase.

Two modes, chosen per data directory:

* **keyring** (default) — the key is 32 random bytes, stored base64 in the OS
  keyring (service ``huntaze-desktop``, username ``vault-key:<vault id>``). The
  vault id is random and stored in the database (``storage/vault_identity.py``),
  so a moved or copied data directory finds its key. Versions before it named
  the entry from a hash of the data directory's path; :meth:`KeyStore.adopt_legacy_entry`
  moves such an entry to its new name. Backends that would not really protect
  it (``fail``, ``null``, anything from ``keyrings.alt``, an empty ``chainer``) are
  refused: we fail closed with :class:`KeyringUnavailableError`, never plaintext.
* **passphrase** — ``vault.json`` holds the key wrapped (AES-GCM) with a key
  derived from the passphrase (Argon2id; Scrypt where this ``cryptography`` has no
  Argon2id). Nothing in that file is secret without the passphrase.

Key rotation is crash-safe because the new key is stored *before* any data is
re-sealed under it::

    new_key = keystore.begin_rotation(passphrase)   # stored in the pending slot
    store.rotate_key(Vault(new_key))                # one DB transaction
    keystore.commit_rotation(new_key)               # pending -> current

After a crash at any point, :meth:`KeyStore.load_keys` returns the current key and
the pending one; the caller keeps whichever matches the key id the database
recorded with the re-seal and calls :meth:`promote_pending` or :meth:`discard_pending`.

This class never decides to make a key: :func:`~huntaze_desktop.storage.vault_identity.unlock_vault`
does, and only for a vault that has never sealed anything.

Every method blocks (keyring D-Bus calls, key derivation, fsync): callers run them
through ``asyncio.to_thread`` and the UI never calls them on its own thread.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from huntaze_desktop.domain.errors import (
    KeyringUnavailableError,
    VaultError,
    VaultKeyMissingError,
    VaultLockedError,
)
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.keywrap import (
    DAMAGED_MESSAGE,
    atomic_write_json,
    decode_b64,
    derive_kek,
    encode_b64,
    new_kdf_params,
    unwrap_key,
    verify_params,
    wrap_key,
)
from huntaze_desktop.storage.vault import KEY_BYTES, Vault, key_id_for

if TYPE_CHECKING:
    import keyring.backend

# keyring is imported where it is used: a passphrase vault never touches the OS
# keyring, and its import (backends, entry points, jaraco helpers: ~3 MB) would
# otherwise be paid at every start.

__all__ = ["KEYRING_SERVICE", "KeyStore", "VaultMode", "VaultStatus"]

KEYRING_SERVICE = "huntaze-desktop"
VaultMode = Literal["keyring", "passphrase"]

_PARAMS_FORMAT = 1
_LOCKED_MESSAGE = (
    "This vault is protected by a passphrase. Enter your passphrase to unlock "
    "your connected accounts."
)


@dataclass(frozen=True, slots=True)
class VaultStatus:
    """What the settings page shows about the vault; holds no secret."""

    mode: VaultMode
    backend: str
    key_present: bool
    locked: bool
    rotation_pending: bool = False


def _refused_reason(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why a backend must not hold the key, or None when it is acceptable."""
    import keyring.backends.fail
    import keyring.backends.null

    if isinstance(backend, keyring.backends.fail.Keyring):
        return "no keyring backend is available"
    if isinstance(backend, keyring.backends.null.Keyring):
        return "the keyring is disabled (null backend)"
    if type(backend).__module__.startswith("keyrings.alt"):
        # keyrings.alt stores secrets in files, some of them in plaintext.
        return "keyrings.alt backends are not secure enough for the vault key"
    return None


def _backend_errors() -> tuple[type[BaseException], ...]:
    import keyring.errors

    errors: list[type[BaseException]] = [keyring.errors.KeyringError]
    try:  # SecretService leaks a few of these through unwrapped.
        from secretstorage.exceptions import SecretStorageException

        errors.append(SecretStorageException)
    except ImportError:  # not on Linux, or not installed
        pass
    return tuple(errors)


class KeyStore:
    """Loads, creates and rotates the vault master key of one data directory."""

    def __init__(self, paths: DataPaths, vault_id: str | None = None) -> None:
        self._paths = paths
        digest = hashlib.sha256(str(paths.root.resolve()).encode("utf-8")).hexdigest()
        # How versions before the vault id named the entry: by the directory's path.
        self._legacy_username = f"vault-key:{digest[:16]}"
        self._username = f"vault-key:{vault_id}" if vault_id else self._legacy_username
        self._pending_username = f"{self._username}:pending"
        self._lock = threading.RLock()
        self._unlocked = False

    @property
    def paths(self) -> DataPaths:
        return self._paths

    @property
    def params_path(self) -> Path:
        """``vault.json``: the wrapped key of passphrase mode."""
        return self._paths.vault_params

    @property
    def keyring_username(self) -> str:
        """The keyring entry name of this vault's key (not secret)."""
        return self._username

    # -- mode -------------------------------------------------------------

    def _read_params(self) -> dict[str, Any] | None:
        try:
            raw = self._paths.vault_params.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            params = json.loads(raw)
        except json.JSONDecodeError:
            raise VaultError(DAMAGED_MESSAGE) from None
        if not isinstance(params, dict) or not isinstance(params.get("kdf"), dict):
            raise VaultError(DAMAGED_MESSAGE)
        verify_params(params)
        return params

    def mode(self) -> VaultMode:
        """Passphrase mode when vault.json says so; keyring mode otherwise."""
        params = self._read_params()
        if params is not None and params.get("mode") == "passphrase":
            return "passphrase"
        return "keyring"

    # -- keyring plumbing -------------------------------------------------

    def _backend(self) -> keyring.backend.KeyringBackend:
        import keyring.backends.chainer

        try:
            backend = keyring.get_keyring()
        except _backend_errors() as exc:
            raise KeyringUnavailableError() from exc
        if isinstance(backend, keyring.backends.chainer.ChainerBackend):
            # Use the best acceptable member directly, so a plaintext backend
            # further down the chain can never receive the key.
            usable = [b for b in backend.backends if _refused_reason(b) is None]
            if not usable:
                raise KeyringUnavailableError()
            backend = usable[0]
        if _refused_reason(backend) is not None:
            raise KeyringUnavailableError()
        return backend

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except _backend_errors() as exc:
            # A locked or broken keyring: the cause goes to the log via __cause__,
            # the user sees the actionable message.
            raise KeyringUnavailableError() from exc

    def _get_entry(self, backend: keyring.backend.KeyringBackend, username: str) -> bytes | None:
        text = self._call(lambda: backend.get_password(KEYRING_SERVICE, username))
        if text is None:
            return None
        key = decode_b64(text)
        if len(key) != KEY_BYTES:
            raise VaultError("The vault key in the system keyring is damaged.")
        return key

    def _set_entry(
        self, backend: keyring.backend.KeyringBackend, username: str, key: bytes
    ) -> None:
        self._call(lambda: backend.set_password(KEYRING_SERVICE, username, encode_b64(key)))
        # A backend that silently drops writes would lose the key on restart.
        if self._get_entry(backend, username) != key:
            raise KeyringUnavailableError()

    def _delete_entry(self, backend: keyring.backend.KeyringBackend, username: str) -> None:
        try:
            self._call(lambda: backend.delete_password(KEYRING_SERVICE, username))
        except KeyringUnavailableError as exc:
            import keyring.errors

            if not isinstance(exc.__cause__, keyring.errors.PasswordDeleteError):
                raise

    # -- loading ----------------------------------------------------------

    def load_key(self, passphrase: str | None = None) -> bytes:
        """The current master key; ``VaultKeyMissingError`` when there is none."""
        keys = self.load_keys(passphrase)
        if not keys:
            raise VaultKeyMissingError()
        return keys[0]

    def load_keys(self, passphrase: str | None = None) -> list[bytes]:
        """The current key, then the pending one if a rotation was interrupted.

        Empty when the keyring has no key for this vault: never made here.
        """
        with self._lock:
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                keys = self._unwrap_all(params, passphrase)
            else:
                backend = self._backend()
                current = self._get_entry(backend, self._username)
                if current is None:
                    return []
                pending = self._get_entry(backend, self._pending_username)
                keys = [current] if pending in (None, current) else [current, pending]
            self._unlocked = True
            return keys

    def create_key(self) -> bytes:
        """Make and store the first key of a keyring vault (the caller checked it has none)."""
        with self._lock:
            backend = self._backend()
            if self._get_entry(backend, self._username) is not None:
                raise VaultError("This vault already has a key.")
            key = Vault.generate_key()
            self._set_entry(backend, self._username, key)
            self._unlocked = True
            return key

    def adopt_legacy_entry(self) -> bool:
        """Move a key stored under the old path-derived name to the vault-id name.

        True when one was moved (with its pending slot, if a rotation was cut short).
        """
        if self._username == self._legacy_username:
            return False
        with self._lock:
            backend = self._backend()
            legacy = self._get_entry(backend, self._legacy_username)
            if legacy is None or self._get_entry(backend, self._username) is not None:
                return False
            pending = self._get_entry(backend, f"{self._legacy_username}:pending")
            if pending is not None:
                self._set_entry(backend, self._pending_username, pending)
            self._set_entry(backend, self._username, legacy)
            # Written and read back under the new name: the old ones can go.
            self._delete_entry(backend, f"{self._legacy_username}:pending")
            self._delete_entry(backend, self._legacy_username)
            return True

    def _unwrap_all(self, params: dict[str, Any], passphrase: str | None) -> list[bytes]:
        if not passphrase:
            raise VaultLockedError(_LOCKED_MESSAGE)
        kek = derive_kek(passphrase, params["kdf"])
        keys = [unwrap_key(kek, params.get("wrapped_key"), params.get("key_id"))]
        if params.get("pending_wrapped_key"):
            pending = unwrap_key(kek, params["pending_wrapped_key"], params.get("pending_key_id"))
            if pending != keys[0]:
                keys.append(pending)
        return keys

    # -- passphrase mode --------------------------------------------------

    def init_passphrase(self, passphrase: str, *, may_create: bool = True) -> bytes:
        """Switch this data directory to passphrase mode; returns the key now wrapped.

        An existing keyring key is kept (so stored credentials stay readable) and
        its keyring entry is removed once vault.json is safely on disk. Without one,
        a new key is made only when ``may_create`` (the database holds nothing
        sealed); otherwise ``VaultError``.
        """
        if not passphrase:
            raise VaultError("Choose a passphrase that is not empty.")
        with self._lock:
            if self.mode() == "passphrase":
                raise VaultError("This vault already has a passphrase.")
            backend: keyring.backend.KeyringBackend | None
            try:
                backend = self._backend()
                key = self._get_entry(backend, self._username)
                if self._get_entry(backend, self._pending_username) is not None:
                    raise VaultError("Finish the key rotation before setting a passphrase.")
            except KeyringUnavailableError:
                backend, key = None, None
            if key is None:
                if not may_create:
                    raise VaultKeyMissingError(
                        "The vault key of this data folder is not in the system keyring, so a "
                        "passphrase cannot protect it. Nothing was changed."
                    )
                key = Vault.generate_key()
            self._write_passphrase_params(passphrase, key)
            if backend is not None:
                self._delete_entry(backend, self._username)
            self._unlocked = True
            return key

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the key under a new passphrase (new salt); old must unlock it."""
        if not new:
            raise VaultError("Choose a passphrase that is not empty.")
        with self._lock:
            params = self._passphrase_params()
            keys = self._unwrap_all(params, old)
            if len(keys) > 1:
                raise VaultError("Finish the key rotation before changing the passphrase.")
            self._write_passphrase_params(new, keys[0])

    def _passphrase_params(self) -> dict[str, Any]:
        params = self._read_params()
        if params is None or params.get("mode") != "passphrase":
            raise VaultError("This vault does not use a passphrase.")
        return params

    def _write_passphrase_params(self, passphrase: str, key: bytes) -> None:
        kdf = new_kdf_params()
        params = {
            "format": _PARAMS_FORMAT,
            "mode": "passphrase",
            "kdf": kdf,
            "wrapped_key": wrap_key(derive_kek(passphrase, kdf), key),
            "key_id": key_id_for(key).hex(),
        }
        atomic_write_json(self._paths.vault_params, params)

    # -- rotation ---------------------------------------------------------

    def begin_rotation(self, passphrase: str | None = None) -> bytes:
        """Create a new key and store it in the pending slot before any re-seal."""
        with self._lock:
            new_key = Vault.generate_key()
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                if len(self._unwrap_all(params, passphrase)) > 1:
                    raise VaultError("A key rotation is already in progress.")
                assert passphrase  # _unwrap_all raised otherwise
                params["pending_wrapped_key"] = wrap_key(
                    derive_kek(passphrase, params["kdf"]), new_key
                )
                params["pending_key_id"] = key_id_for(new_key).hex()
                atomic_write_json(self._paths.vault_params, params)
            else:
                backend = self._backend()
                if self._get_entry(backend, self._username) is None:
                    raise VaultError("There is no vault key to rotate yet.")
                if self._get_entry(backend, self._pending_username) is not None:
                    raise VaultError("A key rotation is already in progress.")
                self._set_entry(backend, self._pending_username, new_key)
            return new_key

    def commit_rotation(self, new_key: bytes) -> None:
        """After the DB is re-sealed under ``new_key``: make it the current key."""
        with self._lock:
            if self._pending_key_id() != key_id_for(new_key).hex():
                raise VaultError("That key is not the one being rotated to.")
            self.promote_pending()

    def _pending_key_id(self) -> str | None:
        params = self._read_params()
        if params is not None and params.get("mode") == "passphrase":
            pending_id = params.get("pending_key_id")
            return pending_id if isinstance(pending_id, str) else None
        pending = self._get_entry(self._backend(), self._pending_username)
        return None if pending is None else key_id_for(pending).hex()

    def promote_pending(self) -> None:
        """Make the pending key current (the data is sealed under it)."""
        with self._lock:
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                if not params.get("pending_wrapped_key"):
                    raise VaultError("No key rotation is in progress.")
                params["wrapped_key"] = params.pop("pending_wrapped_key")
                params["key_id"] = params.pop("pending_key_id")
                atomic_write_json(self._paths.vault_params, params)
                return
            backend = self._backend()
            pending = self._get_entry(backend, self._pending_username)
            if pending is None:
                raise VaultError("No key rotation is in progress.")
            # Overwrite first, delete after: a crash in between leaves two equal
            # entries, which load_keys() folds into one.
            self._set_entry(backend, self._username, pending)
            self._delete_entry(backend, self._pending_username)

    def discard_pending(self) -> None:
        """Forget the pending key (the data is still sealed under the current one)."""
        with self._lock:
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                if "pending_wrapped_key" in params or "pending_key_id" in params:
                    params.pop("pending_wrapped_key", None)
                    params.pop("pending_key_id", None)
                    atomic_write_json(self._paths.vault_params, params)
                return
            self._delete_entry(self._backend(), self._pending_username)

    # -- status -----------------------------------------------------------

    def current_key_id(self) -> str | None:
        """The id (hex) of the key this store holds now, without unlocking anything.

        Passphrase mode reads it from vault.json; keyring mode reads the entry (or
        the entry of the old path-derived name, which the next start adopts).
        """
        with self._lock:
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                key_id = params.get("key_id")
                return key_id if isinstance(key_id, str) else None
            backend = self._backend()
            key = self._get_entry(backend, self._username)
            if key is None and self._username != self._legacy_username:
                key = self._get_entry(backend, self._legacy_username)
            return None if key is None else key_id_for(key).hex()

    def status(self) -> VaultStatus:
        """Mode, backend and whether a key exists; never raises for a missing keyring."""
        with self._lock:
            params = self._read_params()
            if params is not None and params.get("mode") == "passphrase":
                return VaultStatus(
                    mode="passphrase",
                    backend=f"passphrase ({params['kdf'].get('name', '?')})",
                    key_present=bool(params.get("wrapped_key")),
                    locked=not self._unlocked,
                    rotation_pending=bool(params.get("pending_wrapped_key")),
                )
            try:
                backend = self._backend()
                present = self._get_entry(backend, self._username) is not None
                pending = self._get_entry(backend, self._pending_username) is not None
            except KeyringUnavailableError:
                return VaultStatus("keyring", "unavailable", False, True)
            name = f"{type(backend).__module__}.{type(backend).__name__}"
            return VaultStatus("keyring", name, present, False, pending)

"""KeyStore: keyring mode, passphrase mode, fail-closed refusal and rotation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import pytest

from huntaze_desktop.domain.errors import (
    KeyringUnavailableError,
    VaultError,
    VaultLockedError,
    WrongPassphraseError,
)
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.keystore import KEYRING_SERVICE, KeyStore
from huntaze_desktop.storage.vault import SecretPlace, Vault, key_id_for

PLACE = SecretPlace("oauth_accounts", "access_token", 1, "instagram", "42")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


@pytest.fixture
def restore_keyring():
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


# -- keyring mode -----------------------------------------------------------


def test_key_is_created_once_and_reused(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    assert store.load_keys() == []  # never made by a load
    first = store.create_key()
    assert len(first) == 32
    assert KeyStore(paths).load_key() == first
    assert memory_keyring.writes == 1
    stored = memory_keyring.entries[(KEYRING_SERVICE, store.keyring_username)]
    assert base64.b64decode(stored) == first
    assert store.keyring_username.startswith("vault-key:")
    assert len(store.keyring_username) == len("vault-key:") + 16
    assert not paths.vault_params.exists()
    with pytest.raises(VaultError):
        store.create_key()  # never over an existing one
    assert memory_keyring.writes == 1


def test_the_entry_is_named_by_the_vault_id_not_the_path(memory_keyring, tmp_path: Path) -> None:
    a = KeyStore(DataPaths(tmp_path / "a"), "1111")
    b = KeyStore(DataPaths(tmp_path / "b"), "2222")
    assert (a.keyring_username, b.keyring_username) == ("vault-key:1111", "vault-key:2222")
    assert a.create_key() != b.create_key()
    assert len(memory_keyring.entries) == 2
    # A moved directory with the same vault id finds the same key.
    assert KeyStore(DataPaths(tmp_path / "moved"), "1111").load_key() == a.load_key()


def test_same_dir_through_another_spelling_shares_the_legacy_name(
    memory_keyring, tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    direct = KeyStore(DataPaths(tmp_path / "d")).create_key()
    assert KeyStore(DataPaths(tmp_path / "x" / ".." / "d")).load_key() == direct


def test_a_legacy_entry_is_adopted_under_the_vault_id(memory_keyring, tmp_path: Path) -> None:
    paths = DataPaths(tmp_path / "d")
    legacy = KeyStore(paths)
    key = legacy.create_key()
    store = KeyStore(paths, "abcd")
    assert store.load_keys() == []
    assert store.current_key_id() == key_id_for(key).hex()  # status sees it before adoption
    assert store.adopt_legacy_entry() is True
    assert store.load_key() == key
    assert list(memory_keyring.entries) == [(KEYRING_SERVICE, "vault-key:abcd")]
    assert store.adopt_legacy_entry() is False


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_unusable_backends_fail_closed(restore_keyring, paths: DataPaths, backend) -> None:
    keyring.set_keyring(backend())
    store = KeyStore(paths)
    with pytest.raises(KeyringUnavailableError) as info:
        store.load_key()
    assert "keyring" in info.value.user_message
    assert "passphrase" in info.value.user_message
    assert _files(paths.root) == []
    status = store.status()
    assert (status.mode, status.key_present, status.locked) == ("keyring", False, True)


def test_keyrings_alt_style_backend_is_refused(restore_keyring, paths: DataPaths) -> None:
    # A backend class defined in a keyrings.alt module, as the plaintext one is.
    namespace: dict[str, object] = {"__name__": "keyrings.alt.file"}
    exec(  # noqa: S102 - builds a class whose __module__ is keyrings.alt.file
        "import keyring.backend\n"
        "class PlaintextKeyring(keyring.backend.KeyringBackend):\n"
        "    priority = -20\n"
        "    store = {}\n"
        "    def get_password(self, s, u): return self.store.get((s, u))\n"
        "    def set_password(self, s, u, p): self.store[(s, u)] = p\n"
        "    def delete_password(self, s, u): self.store.pop((s, u))\n",
        namespace,
    )
    backend = namespace["PlaintextKeyring"]()  # type: ignore[operator]
    keyring.set_keyring(backend)
    with pytest.raises(KeyringUnavailableError):
        KeyStore(paths).load_key()
    assert backend.store == {}


def test_empty_chainer_is_unusable(restore_keyring, paths: DataPaths, monkeypatch) -> None:
    # Simulate a machine where keyring finds no backend at all (headless Linux).
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [])
    keyring.set_keyring(keyring.backends.chainer.ChainerBackend())
    with pytest.raises(KeyringUnavailableError):
        KeyStore(paths).load_key()
    assert _files(paths.root) == []


def test_chainer_uses_its_best_acceptable_member(
    memory_keyring, restore_keyring, paths: DataPaths, monkeypatch
) -> None:
    # The null backend ranks first but is refused; the key goes to the next one.
    members = [keyring.backends.null.Keyring(), memory_keyring]
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", members)
    keyring.set_keyring(keyring.backends.chainer.ChainerBackend())
    key = KeyStore(paths).create_key()
    assert len(memory_keyring.entries) == 1
    assert KeyStore(paths).load_key() == key


def test_locked_keyring_becomes_keyring_unavailable(memory_keyring, paths: DataPaths) -> None:
    def locked(*_args: object) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    memory_keyring.get_password = locked  # type: ignore[method-assign]
    with pytest.raises(KeyringUnavailableError) as info:
        KeyStore(paths).load_key()
    assert "unlock the collection" not in str(info.value)


def test_damaged_keyring_entry_is_not_overwritten(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    memory_keyring.entries[(KEYRING_SERVICE, store.keyring_username)] = "bm90IDMyIGJ5dGVz"
    with pytest.raises(VaultError):
        store.load_key()
    assert memory_keyring.entries[(KEYRING_SERVICE, store.keyring_username)] == "bm90IDMyIGJ5dGVz"


def test_status_reports_no_secret(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    assert store.status().key_present is False
    key = store.create_key()
    status = store.status()
    assert (status.mode, status.key_present, status.locked) == ("keyring", True, False)
    assert "MemoryKeyring" in status.backend
    text = repr(status)
    assert key.hex() not in text and base64.b64encode(key).decode() not in text


# -- passphrase mode --------------------------------------------------------


def test_passphrase_mode_init_and_load(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    store.init_passphrase("correct horse")
    assert store.mode() == "passphrase"
    params = json.loads(paths.vault_params.read_text())
    assert params["mode"] == "passphrase"
    assert params["kdf"]["name"] in ("argon2id", "scrypt")
    assert len(base64.b64decode(params["kdf"]["salt"])) == 16
    assert paths.vault_params.stat().st_mode & 0o777 == 0o600
    key = KeyStore(paths).load_key("correct horse")
    assert params["key_id"] == key_id_for(key).hex()
    assert key.hex() not in paths.vault_params.read_text()
    assert memory_keyring.entries == {}  # nothing in the keyring in this mode
    status = KeyStore(paths).status()
    assert (status.mode, status.key_present, status.locked) == ("passphrase", True, True)


def test_wrong_passphrase_changes_nothing(memory_keyring, paths: DataPaths) -> None:
    KeyStore(paths).init_passphrase("right")
    before = paths.vault_params.read_bytes()
    listing = _files(paths.root)
    with pytest.raises(WrongPassphraseError):
        KeyStore(paths).load_key("wrong")
    with pytest.raises(WrongPassphraseError):
        KeyStore(paths).begin_rotation("wrong")
    assert paths.vault_params.read_bytes() == before
    assert _files(paths.root) == listing


def test_missing_passphrase_is_locked(memory_keyring, paths: DataPaths) -> None:
    KeyStore(paths).init_passphrase("right")
    with pytest.raises(VaultLockedError) as info:
        KeyStore(paths).load_key()
    assert not isinstance(info.value, KeyringUnavailableError)
    assert "protected by a passphrase" in info.value.user_message


def test_passphrase_mode_works_without_any_keyring(restore_keyring, paths: DataPaths) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyStore(paths)
    store.init_passphrase("pw")
    assert len(KeyStore(paths).load_key("pw")) == 32


def test_switching_to_passphrase_keeps_the_existing_key(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    key = store.create_key()
    sealed = Vault(key).seal("token", PLACE)
    store.init_passphrase("pw")
    assert memory_keyring.entries == {}  # moved out of the keyring
    assert Vault(KeyStore(paths).load_key("pw")).open(sealed, PLACE) == "token"
    with pytest.raises(VaultError):
        store.init_passphrase("again")


def test_change_passphrase(memory_keyring, paths: DataPaths) -> None:
    store = KeyStore(paths)
    store.init_passphrase("old")
    key = store.load_key("old")
    with pytest.raises(WrongPassphraseError):
        store.change_passphrase("nope", "new")
    store.change_passphrase("old", "new")
    assert store.load_key("new") == key
    with pytest.raises(WrongPassphraseError):
        store.load_key("old")


def test_damaged_vault_json_fails_closed(memory_keyring, paths: DataPaths) -> None:
    paths.root.mkdir(parents=True)
    paths.vault_params.write_text("{not json")
    with pytest.raises(VaultError) as info:
        KeyStore(paths).load_key("pw")
    assert "damaged" in info.value.user_message
    assert memory_keyring.entries == {}  # never silently fell back to the keyring


def test_empty_passphrase_is_refused(memory_keyring, paths: DataPaths) -> None:
    with pytest.raises(VaultError):
        KeyStore(paths).init_passphrase("")
    assert not paths.vault_params.exists()


def test_scrypt_vaults_open_too(memory_keyring, paths: DataPaths) -> None:
    """Vaults written where cryptography had no Argon2id (the Scrypt fallback)."""
    from huntaze_desktop.storage.keywrap import (
        atomic_write_json,
        derive_kek,
        encode_b64,
        wrap_key,
    )

    key = Vault.generate_key()
    kdf = {"name": "scrypt", "salt": encode_b64(b"s" * 16), "n": 2**14, "r": 8, "p": 1}
    atomic_write_json(
        paths.vault_params,
        {
            "format": 1,
            "mode": "passphrase",
            "kdf": kdf,
            "wrapped_key": wrap_key(derive_kek("pw", kdf), key),
            "key_id": key_id_for(key).hex(),
        },
    )
    assert KeyStore(paths).load_key("pw") == key
    with pytest.raises(WrongPassphraseError):
        KeyStore(paths).load_key("pw2")
    assert [p.name for p in paths.root.iterdir()] == ["vault.json"]  # no temp files left

"""The vault key through the real Secret Service (gnome-keyring on a private D-Bus).

Each step runs in its own ``dbus-run-session`` with a fresh gnome-keyring-daemon
over the same temporary HOME, so the second step proves the key survived in the
keyring file on disk, not in a process's memory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SKIP_EXIT = 77  # the script's way of saying "no Secret Service came up"

SCRIPT = textwrap.dedent(
    """
    import sys
    import keyring
    import keyring.backends.SecretService as ss
    from pathlib import Path
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.storage.keystore import KEYRING_SERVICE, KeyStore
    from huntaze_desktop.storage.vault import key_id_for

    backend = keyring.get_keyring()
    if not isinstance(backend, ss.Keyring):
        print(f"no Secret Service backend: {backend}", file=sys.stderr)
        sys.exit(77)
    store = KeyStore(DataPaths(Path(sys.argv[2])))
    step = sys.argv[1]
    if step == "create":
        key = store.create_key()
        assert store.load_key() == key
        new = store.begin_rotation()
        print("current", key_id_for(key).hex())
        print("pending", key_id_for(new).hex())
    elif step == "reload":
        keys = store.load_keys()
        for key in keys:
            print("loaded", key_id_for(key).hex())
        store.promote_pending()
        print("promoted", key_id_for(store.load_key()).hex())
        status = store.status()
        print("status", status.backend, status.key_present, status.rotation_pending)
        # What the keyring holds is the base64 key under our service/username.
        raw = backend.get_password(KEYRING_SERVICE, store.keyring_username)
        print("entry-length", len(raw))
    elif step in ("seal", "open"):
        # What the app does at start: the key found by the vault id in the database.
        from huntaze_desktop.domain.models import TokenSet
        from huntaze_desktop.storage.accounts import AccountStore
        from huntaze_desktop.storage.db import Database
        from huntaze_desktop.storage.vault import Vault
        from huntaze_desktop.storage.vault_identity import unlock_vault

        db = Database.open(DataPaths(Path(sys.argv[2])).ensure())
        unlocked = unlock_vault(db, None)
        store = AccountStore(db, Vault(unlocked.key), db.default_user_id)
        if step == "seal":
            store.upsert_connected("reddit", "t2_owl", TokenSet("sealed-access"), username="owl")
        [account] = store.list_accounts()
        print("token", store.load_tokens(account.id).access_token)
        print("entry", unlocked.keystore.keyring_username)
        db.close()
    """
)


def _run(step: str, home: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBUS_", "PYTHON_KEYRING", "XDG_", "GNOME_KEYRING"))
    }
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), LC_ALL="C.UTF-8")
    script = home / "step.py"
    script.write_text(SCRIPT)
    # gnome-keyring only creates the login keyring when given a non-empty password.
    command = (
        'printf %s "test-unlock" | gnome-keyring-daemon --unlock --components=secrets'
        ' >/dev/null && exec "$0" "$1" "$2" "$3"'
    )
    return subprocess.run(
        [
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            command,
            sys.executable,
            str(script),
            step,
            str(data_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _check(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    tail = "\n".join(result.stderr.strip().splitlines()[-15:])
    if result.returncode == SKIP_EXIT:
        pytest.skip(f"Secret Service could not start:\n{tail}")
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{tail}"
    lines: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        lines.setdefault(name, []).append(value)
    return lines


def test_vault_key_round_trips_through_secret_service(tmp_path: Path) -> None:
    missing = [
        tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)
    ]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt: dbus, gnome-keyring)")
    home = tmp_path / "home"
    home.mkdir()
    data_dir = tmp_path / "data"

    created = _check(_run("create", home, data_dir))
    assert list((home / ".local/share/keyrings").glob("*.keyring")), "no keyring file written"

    reloaded = _check(_run("reload", home, data_dir))
    assert reloaded["loaded"] == [created["current"][0], created["pending"][0]]
    assert reloaded["promoted"] == created["pending"]
    assert reloaded["status"] == ["keyring.backends.SecretService.Keyring True False"]
    assert reloaded["entry-length"] == ["44"]  # base64 of 32 bytes
    assert not data_dir.exists() or not any(data_dir.iterdir())  # nothing on disk for us


def test_a_copied_data_directory_finds_its_key_in_secret_service(tmp_path: Path) -> None:
    if not all(shutil.which(t) for t in ("dbus-run-session", "gnome-keyring-daemon")):
        pytest.skip("not installed: dbus-run-session, gnome-keyring-daemon")
    home = tmp_path / "home"
    home.mkdir()
    original = tmp_path / "data"
    sealed = _check(_run("seal", home, original))
    copy = tmp_path / "restored" / "data"
    shutil.copytree(original, copy)
    opened = _check(_run("open", home, copy))
    assert opened["token"] == sealed["token"] == ["sealed-access"]
    assert opened["entry"] == sealed["entry"]  # the same keyring entry, by vault id

"""Sandbox grants that survive a restart: ``SandboxState`` saved to a JSON file.

Without this every ``--sandbox`` process started a sandbox with empty memory, so an
account connected in one CLI run held tokens the next run's sandbox had never
issued. ``attach(state, path)`` loads the file (if any) and saves it again after
every change that matters (``SandboxState.changed()``): access tokens, refresh
families (current and rotated tokens, revocations), the clock offset, the flags
and plug-in data (OnlyFans sessions). Authorization codes live ten minutes and are
not kept. The file holds sandbox stand-in tokens only, never a real credential.

Stand-ins keep their own data: a platform's ``SandboxApp`` may offer
``dump_state(state) -> JSON`` and ``load_state(state, data)``.

Writes are atomic (temporary file, fsync, ``os.replace``), so a crash leaves the
old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.sandbox.endpoints import STATE_FILE_NAME
from huntaze_desktop.sandbox.state import AccessToken, DemoUser, RefreshFamily, SandboxState

__all__ = [
    "FORMAT",
    "STATE_FILE_NAME",
    "attach",
    "detach",
    "dump_state",
    "load",
    "restore_state",
    "save",
]

log = logging.getLogger(__name__)

FORMAT = 1
# Expired access tokens are still answered as "expired" (not "unknown") for a while;
# older ones are dropped so the file does not grow without bound.
_KEEP_EXPIRED_S = 30 * 86_400


def _user_ref(user: DemoUser) -> dict[str, str]:
    return {"provider": user.provider, "username": user.username}


def _find_user(state: SandboxState, ref: Any) -> DemoUser | None:
    if not isinstance(ref, dict):
        return None
    return state.find_user(str(ref.get("provider", "")), str(ref.get("username", "")))


def dump_state(state: SandboxState) -> dict[str, Any]:
    """Everything worth keeping, as JSON-ready data (taken under the state's lock)."""
    with state.lock:
        horizon = state.now() - _KEEP_EXPIRED_S
        # Same package: persistence is the one reader of the state's private maps.
        tokens = [t for t in state._tokens.values() if t.expires_at > horizon]
        return {
            "format": FORMAT,
            "clock_offset_s": state.clock_offset,
            "flags": state.flags.as_dict(),
            "access_tokens": [
                {
                    "token": t.token,
                    "provider": t.provider,
                    "client_id": t.client_id,
                    "user": _user_ref(t.user),
                    "scopes": list(t.scopes),
                    "issued_at": t.issued_at,
                    "expires_at": t.expires_at,
                    "kind": t.kind,
                    "family_id": t.family_id,
                    "revoked": t.revoked,
                }
                for t in tokens
            ],
            "refresh_families": [
                {
                    "family_id": f.family_id,
                    "provider": f.provider,
                    "client_id": f.client_id,
                    "user": _user_ref(f.user),
                    "scopes": list(f.scopes),
                    "current": f.current,
                    "expires_at": f.expires_at,
                    "rotated": sorted(f.rotated),
                    "revoked": f.revoked,
                    "refresh_count": f.refresh_count,
                }
                for f in state._families.values()
            ],
            "plugins": _dump_plugins(state),
        }


def restore_state(state: SandboxState, data: dict[str, Any]) -> None:
    """Load ``dump_state`` output into ``state`` (records of unknown users are skipped)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported sandbox state format {data.get('format')!r}")
    with state.lock:
        state._offset_s = float(data.get("clock_offset_s", 0.0))
        flags = data.get("flags")
        if isinstance(flags, dict):
            known = set(state.flags.as_dict())
            state.flags.update({k: v for k, v in flags.items() if k in known})
        for row in data.get("access_tokens", []):
            user = _find_user(state, row.get("user"))
            if user is None:
                continue
            token = AccessToken(
                token=str(row["token"]),
                provider=str(row["provider"]),
                client_id=str(row["client_id"]),
                user=user,
                scopes=tuple(row.get("scopes", ())),
                issued_at=float(row["issued_at"]),
                expires_at=float(row["expires_at"]),
                kind=str(row.get("kind", "access")),
                family_id=row.get("family_id"),
                revoked=bool(row.get("revoked", False)),
            )
            state._tokens[token.token] = token
        for row in data.get("refresh_families", []):
            user = _find_user(state, row.get("user"))
            if user is None:
                continue
            family = RefreshFamily(
                family_id=str(row["family_id"]),
                provider=str(row["provider"]),
                client_id=str(row["client_id"]),
                user=user,
                scopes=tuple(row.get("scopes", ())),
                current=str(row["current"]),
                expires_at=float(row["expires_at"]),
                rotated=set(row.get("rotated", ())),
                revoked=bool(row.get("revoked", False)),
                refresh_count=int(row.get("refresh_count", 0)),
            )
            state._families[family.family_id] = family
            for spent in (family.current, *family.rotated):
                state._family_by_token[spent] = family.family_id
        plugins = data.get("plugins")
        if isinstance(plugins, dict):
            _load_plugins(state, plugins)


def _dump_plugins(state: SandboxState) -> dict[str, Any]:
    dumped: dict[str, Any] = {}
    for provider in list(state.plugin_data):
        platform = state.platforms.get(provider)
        dump = platform.load_app().dump_state if platform is not None else None
        if dump is not None:
            dumped[provider] = dump(state)
    return dumped


def _load_plugins(state: SandboxState, plugins: dict[str, Any]) -> None:
    for provider, data in plugins.items():
        platform = state.platforms.get(str(provider))
        restore = platform.load_app().load_state if platform is not None else None
        if restore is not None:
            restore(state, data)


# -- the file -------------------------------------------------------------------

_write_lock = threading.Lock()


def save(state: SandboxState, path: Path) -> None:
    """Write the state to ``path`` atomically (owner-only permissions)."""
    text = json.dumps(dump_state(state), indent=1, sort_keys=True)
    path = Path(path)
    with _write_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replace_atomically(path, mode=0o600) as handle:
            handle.write(text)


def load(state: SandboxState, path: Path) -> bool:
    """Load ``path`` into ``state``; False when there is no usable file.

    A damaged file is moved aside (``.damaged``) and the sandbox starts empty:
    sandbox accounts then ask to be reconnected, which is all that is lost.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        restore_state(state, data)
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("sandbox state %s unreadable (%s); starting empty", path, exc)
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(path.name + ".damaged"))
        return False
    return True


def attach(state: SandboxState, path: Path) -> None:
    """Load ``path`` into ``state`` and save it there after every change from now on."""
    path = Path(path)
    load(state, path)

    def persist() -> None:
        try:
            save(state, path)
        except OSError as exc:
            # A full disk must not turn a sandbox answer into a 500; keep serving.
            log.warning("sandbox state not saved to %s: %s", path, exc)

    state.state_file = path
    state.on_change = persist
    persist()


def detach(state: SandboxState) -> None:
    """Save one last time and stop saving."""
    path = state.state_file
    if path is not None and state.on_change is not None:
        state.on_change()
    state.on_change = None

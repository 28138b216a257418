"""User settings: a small JSON file in the data directory, validated by msgspec.

Secrets never live here (developer client secrets go to the vault).
"""

from __future__ import annotations

import logging
import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec

from huntaze_desktop.domain.early_settings import Theme  # defined without msgspec for the boot
from huntaze_desktop.domain.errors import ConfigurationError

__all__ = [
    "Settings",
    "SignInMethod",
    "Theme",
    "check_proxy_url",
    "load_settings",
    "proxy_problem",
    "save_settings",
]

log = logging.getLogger("huntaze.settings")


class SignInMethod(StrEnum):
    EMBEDDED = "embedded"
    SYSTEM_BROWSER = "system"


class ProviderOverrides(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Per-provider base URL overrides (how the sandbox plugs in).

    Unknown keys are refused: a misspelt override must not be silently ignored.
    """

    base_urls: dict[str, str] = {}
    # Public client ids are not secret; client secrets are in the vault.
    client_id: str | None = None


class Settings(msgspec.Struct, kw_only=True):
    """Everything the user can change in Settings.

    Unknown keys in the file are ignored (a newer version's settings still load).
    """

    refresh_interval_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 15
    sign_in_method: SignInMethod = SignInMethod.EMBEDDED
    theme: Theme = Theme.SYSTEM
    proxy_url: str | None = None
    start_minimized: bool = False
    # With a system tray, closing the window hides it to the tray unless this is True;
    # without one, closing the window always quits. Written once the user chose (UNSET
    # until then), so a file from an earlier version still saves unchanged.
    quit_on_close: bool | msgspec.UnsetType = msgspec.UNSET
    providers: dict[str, ProviderOverrides] = {}
    # provider -> account id chosen in the switcher.
    active_accounts: dict[str, int] = {}
    onlyfans_rules_url: str | None = None

    def __post_init__(self) -> None:
        # msgspec reports a ValueError raised here as a ValidationError of the file.
        if self.proxy_url is not None:
            check_proxy_url(self.proxy_url)

    def __setattr__(self, name: str, value: Any) -> None:
        """Validate a change as the file is validated: msgspec.ValidationError (a ValueError).

        Settings are changed in place and saved later: refusing a bad value here
        keeps the saved file one that loads.
        """
        if name in _FIELD_TYPES:
            value = msgspec.convert(value, _FIELD_TYPES[name], strict=False)
        if name == "proxy_url" and value is not None:
            check_proxy_url(value)
        super().__setattr__(name, value)


_FIELD_TYPES: dict[str, Any] = {f.name: f.type for f in msgspec.structs.fields(Settings)}

# The proxies httpx speaks (SOCKS through socksio, a dependency).
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_PROXY_HINT = (
    "Enter a proxy address such as http://proxy.example.com:8080 or "
    "socks5://127.0.0.1:1080, or leave it empty."
)


def proxy_problem(text: str) -> str | None:
    """Why ``text`` is not a usable proxy address, as a sentence (None when it is fine).

    The sentence never repeats the address: it may hold a user name and password.
    An empty text is fine (no proxy).
    """
    text = text.strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return "That proxy port is not a number between 1 and 65535. " + _PROXY_HINT
    if parts.scheme.lower() not in _PROXY_SCHEMES:
        return "A proxy address starts with http://, https:// or socks5://. " + _PROXY_HINT
    if not parts.hostname:
        return "The proxy address has no host name. " + _PROXY_HINT
    if port == 0:
        return "That proxy port is not a number between 1 and 65535. " + _PROXY_HINT
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "A proxy address has no path or query. " + _PROXY_HINT
    return None


def check_proxy_url(url: str) -> None:
    """Raise ValueError (the sentence of :func:`proxy_problem`) for an unusable proxy."""
    problem = proxy_problem(url)
    if problem is not None:
        raise ValueError(f"proxy_url: {problem}")


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a broken one a clear error.

    Conversion is lax (``"30"`` for a number): the file is the user's to edit.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    try:
        return msgspec.json.decode(raw, type=Settings, strict=False)
    except msgspec.ValidationError as exc:
        # msgspec names the field and the expected type, never the value.
        log.warning("Settings file %s is invalid: %s", path, exc)
        raise ConfigurationError(
            f"The settings file {path} has a bad value ({exc}). Fix it, or delete the file"
            " to use defaults."
        ) from None
    except msgspec.DecodeError as exc:
        log.warning("Settings file %s is invalid: %s", path, exc)
        raise ConfigurationError(
            f"The settings file {path} could not be read. Fix or delete it to use defaults."
        ) from None


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write never leaves half a settings file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(msgspec.json.format(msgspec.json.encode(settings), indent=2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

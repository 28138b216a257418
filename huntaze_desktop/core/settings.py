"""User settings: a small JSON file in the data directory, validated by pydantic.

Secrets never live here (developer client secrets go to the vault).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from huntaze_desktop.core.early_settings import Theme  # defined without pydantic for the boot
from huntaze_desktop.core.errors import ConfigurationError

__all__ = ["Settings", "SignInMethod", "Theme", "load_settings", "save_settings"]

log = logging.getLogger("huntaze.settings")


class SignInMethod(StrEnum):
    EMBEDDED = "embedded"
    SYSTEM_BROWSER = "system"


class ProviderOverrides(BaseModel):
    """Per-provider base URL overrides (how the sandbox plugs in)."""

    model_config = ConfigDict(extra="forbid")

    base_urls: dict[str, str] = Field(default_factory=dict)
    # Public client ids are not secret; client secrets are in the vault.
    client_id: str | None = None


class Settings(BaseModel):
    """Everything the user can change in Settings."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    refresh_interval_minutes: int = Field(default=15, ge=1, le=24 * 60)
    sign_in_method: SignInMethod = SignInMethod.EMBEDDED
    theme: Theme = Theme.SYSTEM
    proxy_url: str | None = None
    start_minimized: bool = False
    providers: dict[str, ProviderOverrides] = Field(default_factory=dict)
    # provider -> account id chosen in the switcher.
    active_accounts: dict[str, int] = Field(default_factory=dict)
    onlyfans_rules_url: str | None = None


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a broken one a clear error."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    try:
        return Settings.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        log.warning("Settings file %s is invalid: %s", path, exc)
        raise ConfigurationError(
            f"The settings file {path} could not be read. Fix or delete it to use defaults."
        ) from None


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write never leaves half a settings file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(settings.model_dump_json(indent=2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

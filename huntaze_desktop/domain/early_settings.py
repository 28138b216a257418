"""The few settings the window needs before the services load, read without msgspec.

The GUI paints its main window before it imports the services (httpx,
cryptography… take most of a second). The first paint must already be in the user's
theme, and a "start minimized" app must not flash a window, so these
two values are read here straight from ``settings.json``. ``Theme`` lives here
(``domain.settings`` re-exports it) so that the theme code can use it without
importing msgspec. Anything unexpected gives the defaults: the full, validated
settings load a moment later and win.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

__all__ = ["EarlySettings", "Theme", "read_early_settings"]


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class EarlySettings(NamedTuple):
    """What the first paint depends on (a NamedTuple: no dataclass before that paint)."""

    theme: Theme = Theme.SYSTEM
    start_minimized: bool = False


def read_early_settings(path: Path) -> EarlySettings:
    """Theme and start-minimized from the settings file; defaults when unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return EarlySettings()
    if not isinstance(raw, dict):
        return EarlySettings()
    theme = raw.get("theme", Theme.SYSTEM.value)
    minimized = raw.get("start_minimized", False)
    return EarlySettings(
        theme=Theme(theme) if theme in {t.value for t in Theme} else Theme.SYSTEM,
        start_minimized=minimized if isinstance(minimized, bool) else False,
    )

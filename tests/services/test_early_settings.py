"""The settings the first paint needs, read without msgspec, agree with the full load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from huntaze_desktop.domain.early_settings import EarlySettings, Theme, read_early_settings
from huntaze_desktop.domain.settings import Settings, load_settings, save_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert read_early_settings(tmp_path / "settings.json") == EarlySettings()
    assert EarlySettings().theme is Settings().theme
    assert EarlySettings().start_minimized is Settings().start_minimized


@pytest.mark.parametrize("theme", list(Theme))
@pytest.mark.parametrize("minimized", [True, False])
def test_matches_what_the_settings_page_saved(
    tmp_path: Path, theme: Theme, minimized: bool
) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(theme=theme, start_minimized=minimized))
    early = read_early_settings(path)
    full = load_settings(path)
    assert early.theme is full.theme is theme
    assert early.start_minimized is full.start_minimized is minimized


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"theme": "purple"}', '{"theme": 3}', '{"start_minimized": "yes"}'],
)
def test_anything_odd_gives_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")
    early = read_early_settings(path)
    assert early.theme is Theme.SYSTEM and early.start_minimized is False


def test_other_fields_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "dark", "proxy_url": "http://x", "x": 1}), "utf-8")
    assert read_early_settings(path) == EarlySettings(Theme.DARK, False)

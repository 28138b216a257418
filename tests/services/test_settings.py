"""The settings file: its JSON shape, what a bad file gives, and checked changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import ConfigurationError
from huntaze_desktop.domain.settings import (
    Settings,
    SignInMethod,
    Theme,
    load_settings,
    save_settings,
)

# A file as earlier versions wrote it: every field, in this order, with these names.
WRITTEN_BEFORE = """{
  "refresh_interval_minutes": 30,
  "sign_in_method": "system",
  "theme": "dark",
  "proxy_url": "http://proxy.example:3128",
  "start_minimized": true,
  "providers": {
    "reddit": {
      "base_urls": {
        "api": "http://127.0.0.1:9000"
      },
      "client_id": "public-id"
    }
  },
  "active_accounts": {
    "reddit": 3
  },
  "onlyfans_rules_url": "/home/me/rules.json"
}"""


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "settings.json") == Settings()


def test_a_file_from_an_earlier_version_loads_and_saves_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(WRITTEN_BEFORE, encoding="utf-8")
    settings = load_settings(path)
    assert settings.sign_in_method is SignInMethod.SYSTEM_BROWSER
    assert settings.theme is Theme.DARK
    assert settings.providers["reddit"].base_urls == {"api": "http://127.0.0.1:9000"}
    assert settings.active_accounts == {"reddit": 3}
    save_settings(path, settings)
    assert path.read_text(encoding="utf-8") == WRITTEN_BEFORE


def test_unknown_keys_are_ignored_at_the_top_only(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "light", "from_a_newer_version": 1}), "utf-8")
    assert load_settings(path).theme is Theme.LIGHT
    # A misspelt override would silently send traffic elsewhere: refused.
    path.write_text(json.dumps({"providers": {"reddit": {"base_url": "https://x"}}}), "utf-8")
    with pytest.raises(ConfigurationError):
        load_settings(path)


def test_hand_written_numbers_and_booleans_in_quotes_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"refresh_interval_minutes": "45", "start_minimized": "true"}', "utf-8")
    settings = load_settings(path)
    assert (settings.refresh_interval_minutes, settings.start_minimized) == (45, True)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        b'{"refresh_interval_minutes": 0}',
        b'{"refresh_interval_minutes": 100000}',
        b'{"theme": "purple"}',
        b'{"proxy_url": 3128}',
        b'{"proxy_url": "not a proxy"}',
        b'{"proxy_url": "ftp://proxy.example.com:21"}',
        b'{"proxy_url": "http://:8080"}',
        b'{"proxy_url": "http://proxy.example.com:99999"}',
        b'{"active_accounts": {"reddit": "three"}}',
    ],
)
def test_a_bad_file_is_a_clear_error_and_stays_as_it_was(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    with pytest.raises(ConfigurationError) as info:
        load_settings(path)
    message = info.value.user_message
    assert message.startswith(f"The settings file {path} ")
    assert message.endswith("to use defaults.")
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_changes_are_checked_before_they_can_be_saved(tmp_path: Path) -> None:
    settings = Settings()
    with pytest.raises(ValueError):
        settings.refresh_interval_minutes = 0
    with pytest.raises(ValueError):
        settings.theme = "purple"
    assert settings == Settings()
    settings.theme = "dark"
    assert settings.theme is Theme.DARK
    path = tmp_path / "settings.json"
    save_settings(path, settings)
    assert load_settings(path) == settings


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (b'{"proxy_url": "http://user:hunter2@proxy.example.com:99999"}', "proxy"),
        (b'{"proxy_url": "gopher://user:hunter2@proxy.example.com"}', "proxy"),
        (b'{"refresh_interval_minutes": 0}', "refresh_interval_minutes"),
    ],
)
def test_a_bad_value_is_named_and_never_repeated(tmp_path: Path, raw: bytes, names: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(raw)
    with pytest.raises(ConfigurationError) as info:
        load_settings(path)
    assert names in info.value.user_message
    assert "hunter2" not in info.value.user_message  # a proxy's password stays out


def test_a_proxy_change_is_checked_like_the_file() -> None:
    settings = Settings()
    for bad in ["proxy.example.com:8080", "http://proxy:0", "http://proxy:8080/path"]:
        with pytest.raises(ValueError, match="proxy"):
            settings.proxy_url = bad
    assert settings.proxy_url is None
    settings.proxy_url = "socks5://127.0.0.1:1080"
    settings.proxy_url = None

"""Discovery of provider folders and the base-URL override rules."""

from __future__ import annotations

import pytest

from huntaze_desktop.core.errors import ConfigurationError
from huntaze_desktop.providers.base import resolve_base_urls
from huntaze_desktop.providers.registry import all_specs, get_spec


def test_every_folder_is_a_platform_in_display_order() -> None:
    names = [s.name for s in all_specs()]
    assert names[:3] == ["instagram", "tiktok", "reddit"]
    assert [s.sort_order for s in all_specs()] == sorted(s.sort_order for s in all_specs())
    for spec in all_specs():
        assert spec.icon.endswith(".svg")
        assert all(u.startswith("https://") for u in spec.base_urls.values())
        assert {role for role, _ in spec.endpoints.values()} <= set(spec.base_urls)


def test_unknown_platform() -> None:
    with pytest.raises(ConfigurationError):
        get_spec("myspace")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5000/x", "http://localhost:1", "http://[::1]:8/", "https://proxy.example"],
)
def test_https_or_loopback_overrides_are_accepted(url: str) -> None:
    assert resolve_base_urls(get_spec("reddit"), {"api": url})["api"] == url.rstrip("/")


@pytest.mark.parametrize(
    "overrides",
    [
        {"api": "http://proxy.example"},
        {"api": "http://127.0.0.1.evil.example"},
        {"api": "ftp://127.0.0.1"},
        {"api": "not a url"},
        {"nope": "https://x.example"},
    ],
)
def test_other_overrides_are_refused(overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        resolve_base_urls(get_spec("reddit"), overrides)

"""Discovery of provider folders and the base-URL override rules."""

from __future__ import annotations

import pytest

from huntaze_desktop.domain.errors import ConfigurationError, MalformedResponseError
from huntaze_desktop.providers.base import ProviderSpec, resolve_base_urls
from huntaze_desktop.providers.registry import all_specs, get_spec


def test_every_folder_is_a_platform_in_display_order() -> None:
    names = [s.name for s in all_specs()]
    assert names[:3] == ["instagram", "tiktok", "reddit"]
    assert [s.sort_order for s in all_specs()] == sorted(s.sort_order for s in all_specs())
    for spec in all_specs():
        assert spec.icon.endswith(".svg")
        assert all(u.startswith("https://") for u in spec.base_urls.values())
        assert {role for role, _ in spec.endpoints.values()} <= set(spec.base_urls)


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.name)
def test_specs_are_immutable(spec: ProviderSpec) -> None:
    with pytest.raises(AttributeError):
        spec.name = "other"
    with pytest.raises(AttributeError):
        spec.refresh.margin_seconds = 0
    with pytest.raises(AttributeError):
        spec.redirect.kind = "none"


def test_metadata_is_checked_and_kept_as_json_values() -> None:
    reddit = get_spec("reddit")
    checked = reddit.validate_metadata({"username": "bob", "created_utc": 12, "other": 1})
    assert checked == {"username": "bob", "created_utc": 12.0}
    assert reddit.validate_metadata(checked) == checked  # stored metadata checks again
    with pytest.raises(MalformedResponseError):
        reddit.validate_metadata({"created_utc": 12})
    with pytest.raises(MalformedResponseError):
        get_spec("onlyfans").validate_metadata({"posts_count": "many"})


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

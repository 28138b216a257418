"""Discovery of provider folders and the base-URL override rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import ConfigurationError, MalformedResponseError
from huntaze_desktop.providers.base import ProviderSpec, resolve_base_urls
from huntaze_desktop.providers.registry import ProviderRegistry, default_registry

all_specs = default_registry().all_specs
get_spec = default_registry().get_spec


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


# -- platforms from other packages (entry points) -----------------------------------

GROUP = "huntaze_desktop.test_platforms"  # not the real group: the default registry stays as it is


def _distribution(root: Path, name: str, entry_points: str, files: dict[str, str]) -> Path:
    """An installed distribution under ``root`` (what pip leaves in site-packages)."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{entry_points}\n")
    return root


# A copy of Reddit under another name: a platform from another package.
_COPY = (
    "import msgspec\n"
    "from huntaze_desktop.providers.reddit import ANALYTICS as _A, SPEC as _S, Client\n"
    "SPEC = msgspec.structs.replace(_S, name='{name}', display_name='{title}', sort_order=5)\n"
    "ANALYTICS = None\n"
)


def test_entry_points_add_platforms_after_the_built_in_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _distribution(
        tmp_path,
        "extra_platform",
        "zeta = extra_zeta",
        {"extra_zeta/__init__.py": _COPY.format(name="zeta", title="Zeta")},
    )
    monkeypatch.syspath_prepend(str(root))
    registry = ProviderRegistry(entry_point_group=GROUP)
    names = registry.names()
    assert names[0] == "zeta"  # display order: sort_order 5 comes first
    assert set(names) == {"zeta", *(s.name for s in all_specs())}
    assert registry.package("zeta") == "extra_zeta"
    assert registry.package("reddit") == "huntaze_desktop.providers.reddit"
    assert registry.client_class("zeta").__module__ == "huntaze_desktop.providers.reddit.client"
    with pytest.raises(ConfigurationError, match="Analytics are not available for Zeta"):
        registry.analytics("zeta")
    # Without the group the same registry type sees the built-in platforms only.
    assert "zeta" not in ProviderRegistry(entry_point_group=None).names()


@pytest.mark.parametrize(
    ("entry", "files", "message"),
    [
        ("broken = broken_pkg", {"broken_pkg/__init__.py": "import no_such_module_here\n"},
         "plug-in 'broken' (broken_pkg) could not be loaded: ModuleNotFoundError"),
        ("empty = empty_pkg", {"empty_pkg/__init__.py": "X = 1\n"},
         "plug-in 'empty' (empty_pkg) is not a package exporting SPEC and Client"),
        ("twin = twin_pkg", {"twin_pkg/__init__.py": _COPY.format(name="reddit", title="R")},
         "Two platforms are named 'reddit'"),
    ],
)  # fmt: skip
def test_a_bad_plug_in_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, files: dict[str, str], message: str
) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path, "bad_platform", entry, files)))
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        ProviderRegistry(entry_point_group=GROUP).names()

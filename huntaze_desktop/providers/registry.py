"""Finds the platforms: packages exporting SPEC, Client and ANALYTICS.

Two places are read, in this order:

- every ``huntaze_desktop/providers/<name>/`` package (adding a platform to the
  app is adding a folder; nothing outside it names the platform);
- every entry point of the group ``huntaze_desktop.platforms`` (a package
  installed beside the app: ``name = "its_package"`` in its metadata's
  ``entry_points.txt``, i.e. ``[project.entry-points."huntaze_desktop.platforms"]``).

An entry point that cannot be loaded, or a package that is not a platform, is a
``ConfigurationError`` naming it: a broken plug-in is never silently missing.
The sandbox reads the same list (``registry.package(name)`` + ``.sandbox``).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from types import ModuleType
from typing import NamedTuple

import httpx

from huntaze_desktop.domain.errors import ConfigurationError
from huntaze_desktop.providers.analytics import PlatformAnalytics
from huntaze_desktop.providers.base import (
    ClientCredentialsLike,
    Clock,
    ProviderClient,
    ProviderSpec,
    resolve_base_urls,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ProviderRegistry",
    "default_registry",
]

log = logging.getLogger("huntaze.providers")

ENTRY_POINT_GROUP = "huntaze_desktop.platforms"
BUILT_IN = "huntaze_desktop.providers"


class _Entry(NamedTuple):
    spec: ProviderSpec
    client: type[ProviderClient]
    analytics: PlatformAnalytics | None
    package: str


def _entry_of(module: ModuleType) -> _Entry | None:
    """The platform a package exports, or None when it exports none (a helper package)."""
    spec = getattr(module, "SPEC", None)
    client = getattr(module, "Client", None)
    analytics = getattr(module, "ANALYTICS", None)
    if not isinstance(spec, ProviderSpec) or not (
        isinstance(client, type) and issubclass(client, ProviderClient)
    ):
        return None
    if analytics is not None and not (
        isinstance(analytics, PlatformAnalytics) and analytics.provider == spec.name
    ):
        raise ConfigurationError(
            f"The analytics of '{spec.name}' are not a PlatformAnalytics of that platform."
        )
    return _Entry(spec, client, analytics, module.__name__)


class ProviderRegistry:
    """The platforms of ``huntaze_desktop.providers`` and of the entry-point group.

    ``package`` and ``entry_point_group`` (None: none) say where to look.
    """

    def __init__(
        self, package: str = BUILT_IN, entry_point_group: str | None = ENTRY_POINT_GROUP
    ) -> None:
        self._package = package
        self._group = entry_point_group
        self._entries: dict[str, _Entry] | None = None

    def _built_in(self) -> Iterator[_Entry]:
        root: ModuleType = importlib.import_module(self._package)
        for info in pkgutil.iter_modules(root.__path__):
            if info.ispkg and not info.name.startswith("_"):
                entry = _entry_of(importlib.import_module(f"{self._package}.{info.name}"))
                if entry is not None:
                    yield entry

    def _plugged_in(self) -> Iterator[_Entry]:
        if self._group is None:
            return
        for point in entry_points(group=self._group):
            where = f"'{point.name}' ({point.value})"
            try:
                module = point.load()
            except Exception as exc:
                raise ConfigurationError(
                    f"The platform plug-in {where} could not be loaded: {type(exc).__name__}: {exc}"
                ) from exc
            entry = _entry_of(module) if isinstance(module, ModuleType) else None
            if entry is None:
                raise ConfigurationError(
                    f"The platform plug-in {where} is not a package exporting SPEC and Client."
                )
            yield entry

    def _load(self) -> dict[str, _Entry]:
        if self._entries is not None:
            return self._entries
        entries: dict[str, _Entry] = {}
        for entry in (*self._built_in(), *self._plugged_in()):
            if entry.spec.name in entries:
                raise ConfigurationError(f"Two platforms are named '{entry.spec.name}'.")
            entries[entry.spec.name] = entry
        self._entries = dict(
            sorted(entries.items(), key=lambda kv: (kv[1].spec.sort_order, kv[1].spec.display_name))
        )
        log.debug("providers found: %s", ", ".join(self._entries))
        return self._entries

    def all_specs(self) -> list[ProviderSpec]:
        """Every platform, in display order (``sort_order``, then display name)."""
        return [entry.spec for entry in self._load().values()]

    def names(self) -> list[str]:
        """Every platform's name, in display order."""
        return list(self._load())

    def package(self, name: str) -> str:
        """The package the platform was found in (its sandbox stand-in is ``<package>.sandbox``)."""
        return self._entry(name).package

    def _entry(self, name: str) -> _Entry:
        try:
            return self._load()[name]
        except KeyError:
            raise ConfigurationError(f"Unknown platform '{name}'.") from None

    def get_spec(self, name: str) -> ProviderSpec:
        return self._entry(name).spec

    def client_class(self, name: str) -> type[ProviderClient]:
        return self._entry(name).client

    def analytics(self, name: str) -> PlatformAnalytics:
        """The platform's normalizer; a clear error for a platform without analytics."""
        entry = self._entry(name)
        if entry.analytics is None:
            raise ConfigurationError(f"Analytics are not available for {entry.spec.display_name}.")
        return entry.analytics

    def make_client(
        self,
        name: str,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str] | None,
        credentials: ClientCredentialsLike,
        *,
        clock: Clock | None = None,
    ) -> ProviderClient:
        """A client for ``name``; ``base_urls`` are role overrides (checked: https or loopback)."""
        spec = self.get_spec(name)
        urls = resolve_base_urls(spec, base_urls)
        return self.client_class(name)(spec, http, urls, credentials, clock=clock)


_default = ProviderRegistry()


def default_registry() -> ProviderRegistry:
    """The app's registry: the built-in platforms and the entry-point ones."""
    return _default

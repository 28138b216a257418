"""Finds the platforms: every ``providers/<name>/`` package exporting SPEC, Client and ANALYTICS.

Adding a platform is adding a folder; nothing outside ``providers/`` names one.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Mapping
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
    "ProviderRegistry",
    "all_specs",
    "default_registry",
    "get_spec",
    "make_client",
]

log = logging.getLogger("huntaze.providers")


class _Entry(NamedTuple):
    spec: ProviderSpec
    client: type[ProviderClient]
    analytics: PlatformAnalytics | None


class ProviderRegistry:
    """The platforms found in one package (``huntaze_desktop.providers`` by default)."""

    def __init__(self, package: str = "huntaze_desktop.providers") -> None:
        self._package = package
        self._entries: dict[str, _Entry] | None = None

    def _load(self) -> dict[str, _Entry]:
        if self._entries is not None:
            return self._entries
        root: ModuleType = importlib.import_module(self._package)
        entries: dict[str, _Entry] = {}
        for info in pkgutil.iter_modules(root.__path__):
            if not info.ispkg or info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{self._package}.{info.name}")
            spec = getattr(module, "SPEC", None)
            client = getattr(module, "Client", None)
            analytics = getattr(module, "ANALYTICS", None)
            if not isinstance(spec, ProviderSpec) or not (
                isinstance(client, type) and issubclass(client, ProviderClient)
            ):
                # A helper subpackage, not a platform.
                continue
            if spec.name in entries:
                raise ConfigurationError(f"Two platforms are named '{spec.name}'.")
            if analytics is not None and not (
                isinstance(analytics, PlatformAnalytics) and analytics.provider == spec.name
            ):
                raise ConfigurationError(
                    f"The analytics of '{spec.name}' are not a PlatformAnalytics of that platform."
                )
            entries[spec.name] = _Entry(spec, client, analytics)
        self._entries = dict(
            sorted(entries.items(), key=lambda kv: (kv[1].spec.sort_order, kv[1].spec.display_name))
        )
        log.debug("providers found: %s", ", ".join(self._entries))
        return self._entries

    def all_specs(self) -> list[ProviderSpec]:
        """Every platform, in display order (``sort_order``, then display name)."""
        return [entry.spec for entry in self._load().values()]

    def names(self) -> list[str]:
        return list(self._load())

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
    return _default


def all_specs() -> list[ProviderSpec]:
    return _default.all_specs()


def get_spec(name: str) -> ProviderSpec:
    return _default.get_spec(name)


def make_client(
    name: str,
    http: httpx.AsyncClient,
    base_urls: Mapping[str, str] | None,
    credentials: ClientCredentialsLike,
    *,
    clock: Clock | None = None,
) -> ProviderClient:
    return _default.make_client(name, http, base_urls, credentials, clock=clock)

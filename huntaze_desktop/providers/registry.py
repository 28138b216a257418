"""Finds the platforms: every ``providers/<name>/`` package exporting SPEC and Client.

Adding a platform is adding a folder; nothing outside ``providers/`` names one.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Mapping
from types import ModuleType

import httpx

from huntaze_desktop.core.errors import ConfigurationError
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
    "get_client",
    "get_spec",
    "make_client",
]

log = logging.getLogger("huntaze.providers")


class ProviderRegistry:
    """The platforms found in one package (``huntaze_desktop.providers`` by default)."""

    def __init__(self, package: str = "huntaze_desktop.providers") -> None:
        self._package = package
        self._entries: dict[str, tuple[ProviderSpec, type[ProviderClient]]] | None = None

    def _load(self) -> dict[str, tuple[ProviderSpec, type[ProviderClient]]]:
        if self._entries is not None:
            return self._entries
        root: ModuleType = importlib.import_module(self._package)
        entries: dict[str, tuple[ProviderSpec, type[ProviderClient]]] = {}
        for info in pkgutil.iter_modules(root.__path__):
            if not info.ispkg or info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{self._package}.{info.name}")
            spec = getattr(module, "SPEC", None)
            client = getattr(module, "Client", None)
            if not isinstance(spec, ProviderSpec) or not (
                isinstance(client, type) and issubclass(client, ProviderClient)
            ):
                # A helper subpackage, not a platform.
                continue
            if spec.name in entries:
                raise ConfigurationError(f"Two platforms are named '{spec.name}'.")
            entries[spec.name] = (spec, client)
        self._entries = dict(
            sorted(entries.items(), key=lambda kv: (kv[1][0].sort_order, kv[1][0].display_name))
        )
        log.debug("providers found: %s", ", ".join(self._entries))
        return self._entries

    def all_specs(self) -> list[ProviderSpec]:
        """Every platform, in display order (``sort_order``, then display name)."""
        return [spec for spec, _ in self._load().values()]

    def names(self) -> list[str]:
        return list(self._load())

    def get_spec(self, name: str) -> ProviderSpec:
        try:
            return self._load()[name][0]
        except KeyError:
            raise ConfigurationError(f"Unknown platform '{name}'.") from None

    def client_class(self, name: str) -> type[ProviderClient]:
        try:
            return self._load()[name][1]
        except KeyError:
            raise ConfigurationError(f"Unknown platform '{name}'.") from None

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


# The name INTERNALS.md used first; same function.
get_client = make_client

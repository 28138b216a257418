"""Wires the services together for the GUI and the CLI (no Qt here).

``await Runtime.create(options)`` runs the start-up sequence — data directory,
settings, vault key (off the loop), database (off the loop), sandbox if asked
for, HTTP client, providers, services — logging one line per step, and
``await runtime.aclose()`` undoes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from huntaze_desktop.domain.errors import ConfigurationError, InstallationError
from huntaze_desktop.domain.events import EventBus
from huntaze_desktop.domain.paths import DataPaths, default_data_dir
from huntaze_desktop.domain.settings import Settings, load_settings, save_settings
from huntaze_desktop.net.client import (
    DOWNLOAD_LIMITS,
    DOWNLOAD_TIMEOUT,
    create_http_client,
    is_loopback_host,
)
from huntaze_desktop.providers.base import (
    ClientCredentials,
    ClientCredentialsLike,
    ProviderClient,
    ProviderSpec,
    resolve_base_urls,
)
from huntaze_desktop.providers.registry import ProviderRegistry, default_registry
from huntaze_desktop.services.accounts import AccountService
from huntaze_desktop.services.signin import SignInEngine
from huntaze_desktop.services.tokens import TokenManager
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.keystore import KeyStore
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.vault import Vault
from huntaze_desktop.storage.vault_identity import unlock_vault

if TYPE_CHECKING:
    from huntaze_desktop.sandbox.server import SandboxServer
    from huntaze_desktop.sandbox.shared import RemoteSandbox
    from huntaze_desktop.services.analytics.scheduler import RefreshScheduler
    from huntaze_desktop.services.analytics.service import AnalyticsService

__all__ = ["Runtime", "RuntimeOptions"]

log = logging.getLogger("huntaze.runtime")


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """How to start: which data directory, sandbox or real, and the passphrase if any."""

    data_dir: Path | None = None
    sandbox: bool = False
    passphrase: str | None = None
    # Tests share one started sandbox between runtimes; None starts a private one.
    sandbox_server: SandboxServer | RemoteSandbox | None = None

    def __repr__(self) -> str:  # the passphrase never reaches a log
        return f"RuntimeOptions(data_dir={self.data_dir!r}, sandbox={self.sandbox})"


class Runtime:
    """Everything the UI and the CLI talk to, built once per process."""

    paths: DataPaths
    settings: Settings
    bus: EventBus
    db: Database
    vault: Vault
    store: AccountStore
    credentials: ClientCredentialStore
    metrics: MetricStore
    http: httpx.AsyncClient
    downloads: httpx.AsyncClient
    registry: ProviderRegistry
    specs: list[ProviderSpec]
    signin: SignInEngine
    tokens: TokenManager
    accounts: AccountService
    analytics: AnalyticsService
    scheduler: RefreshScheduler
    sandbox: SandboxServer | RemoteSandbox | None
    sandbox_mode: bool

    def __init__(self) -> None:  # use Runtime.create
        self._owns_sandbox = False
        self._clients: dict[str, ProviderClient] = {}
        self._client_credentials: dict[str, ClientCredentials] = {}
        self._passphrase: str | None = None
        self._vault_id: str | None = None
        self._overrides: dict[str, dict[str, str]] = {}
        self.sandbox = None

    # -- start-up ------------------------------------------------------------------

    @classmethod
    async def create(cls, options: RuntimeOptions) -> Runtime:
        rt = cls()
        try:
            await rt._start(options)
        except BaseException:
            await rt.aclose()
            raise
        return rt

    async def _start(self, options: RuntimeOptions) -> None:
        self.sandbox_mode = options.sandbox
        root = options.data_dir or default_data_dir(sandbox=options.sandbox)
        self.paths = DataPaths(root).ensure()
        self.settings = load_settings(self.paths.settings_file)
        self.bus = EventBus()
        log.info("Data directory %s", self.paths.root)

        self.db = await asyncio.to_thread(Database.open, self.paths)
        log.info("Database open at schema head")
        # The database names its vault and the key id that sealed it: the key is
        # found by that, never made anew over sealed values.
        unlocked = await asyncio.to_thread(unlock_vault, self.db, options.passphrase)
        self._passphrase = options.passphrase
        self._vault_id = unlocked.identity.vault_id
        log.info("Vault key loaded (%s)", unlocked.keystore.mode())
        self.vault = Vault(unlocked.key)
        user_id = self.db.default_user_id
        self.store = AccountStore(self.db, self.vault, user_id)
        self.credentials = ClientCredentialStore(self.db, self.vault, user_id)
        self.metrics = MetricStore(self.db)
        settled = await asyncio.to_thread(self.store.settle_interrupted_refreshes)
        if settled:
            log.warning("Corrected %d account status(es) an interrupted renewal left", settled)

        self.registry = default_registry()
        self.specs = self.registry.all_specs()
        if options.sandbox:
            await self._start_sandbox(options.sandbox_server)
        else:
            self._overrides = {
                name: dict(p.base_urls)
                for name, p in self.settings.providers.items()
                if p.base_urls
            }
            await self._load_client_credentials()

        # The settings proxy overrides the environment's; loopback hosts (the sandbox,
        # loopback overrides) are reached directly either way.
        direct = self._loopback_override_hosts()
        self.http = create_http_client(proxy=self.settings.proxy_url, direct_hosts=direct)
        # Avatars and other downloads: the same proxy rules, a small pool of their own.
        self.downloads = create_http_client(
            proxy=self.settings.proxy_url,
            direct_hosts=direct,
            limits=DOWNLOAD_LIMITS,
            timeout=DOWNLOAD_TIMEOUT,
        )
        self.signin = SignInEngine(
            self.store, self.registry, self.http, self._credentials_for, self._overrides
        )
        self.tokens = TokenManager(self.store, self.client_for, self.paths.locks, self.bus)
        self.accounts = AccountService(
            self.store,
            self.tokens,
            self.client_for,
            self.bus,
            signin=self.signin,
            settings=self.settings,
            save_settings=self.save_settings,
        )
        self._build_analytics()
        log.info("Services ready: %s", ", ".join(s.name for s in self.specs))

    def _loopback_override_hosts(self) -> list[str]:
        """The loopback hosts among the base-URL overrides (never sent to a proxy)."""
        hosts: set[str] = set()
        for urls in self._overrides.values():
            for url in urls.values():
                try:
                    host = urlsplit(url).hostname
                except ValueError:
                    continue  # refused with a clear message when the client is made
                if is_loopback_host(host):
                    hosts.add(host or "")
        return sorted(hosts)

    async def _start_sandbox(self, shared: SandboxServer | RemoteSandbox | None) -> None:
        from huntaze_desktop.sandbox.endpoints import sandbox_credentials
        from huntaze_desktop.sandbox.shared import start_or_reuse

        if shared is None:
            # One sandbox per data directory on a fixed port, reused by the GUI and
            # the CLI alike; its grants persist in the data directory.
            found, self._owns_sandbox = await asyncio.to_thread(start_or_reuse, self.paths.root)
            shared = found
        self.sandbox = shared
        self._overrides = {k: dict(v) for k, v in shared.base_urls().items()}
        self._client_credentials = {
            name: ClientCredentials(client_id, secret)
            for name, (client_id, secret) in sandbox_credentials().items()
        }
        log.info("Sandbox mode: platforms stand in at %s", shared.base_url)

    def _build_analytics(self) -> None:
        """Analytics and its refresh loop: always built.

        A module that will not import is an ``InstallationError`` (the GUI's
        "cannot start" message, the CLI's "Error:" line), not a missing feature.
        numpy is not needed here: it is imported when charts are first asked
        for (``AnalyticsService.load``), and fails the same way there.
        """
        try:
            from huntaze_desktop.services.analytics.scheduler import RefreshScheduler
            from huntaze_desktop.services.analytics.service import AnalyticsService
        except ImportError as exc:
            # The user reads the InstallationError; the traceback only at DEBUG.
            log.info("Analytics could not be imported: %r", exc)
            log.debug("Analytics could not be imported", exc_info=True)
            raise InstallationError.from_import(exc, "Analytics") from exc
        self.analytics = AnalyticsService(
            self.store, self.metrics, self.tokens, self.client_for, self.bus
        )
        self.scheduler = RefreshScheduler(
            self.analytics,
            self.store,
            self.settings,
            self.bus,
            revocations=self.accounts.retry_pending_revocations,
            housekeeping=self.analytics.prune_stored,
        )

    # -- providers -----------------------------------------------------------------

    def spec(self, name: str) -> ProviderSpec:
        return self.registry.get_spec(name)

    def base_urls(self, provider: str) -> dict[str, str]:
        """The provider's base URLs with sandbox or settings overrides applied."""
        return resolve_base_urls(self.spec(provider), self._overrides.get(provider))

    def base_url_overrides(self) -> Mapping[str, Mapping[str, str]]:
        return self._overrides

    def _credentials_for(self, provider: str) -> ClientCredentials | None:
        creds = self._client_credentials.get(provider)
        if creds is None and not self.spec(provider).requires_client_secret:
            return None
        return creds

    def client_for(self, provider: str) -> ProviderClient:
        """The (cached) API client of one platform, with this app's credentials."""
        client = self._clients.get(provider)
        if client is not None:
            return client
        spec = self.spec(provider)
        creds = self._client_credentials.get(provider)
        if creds is None:
            if spec.auth_kind == "oauth":
                raise ConfigurationError(
                    f"Add your {spec.display_name} developer credentials in Settings "
                    "to connect this platform."
                )
            creds = ClientCredentials(client_id="")
        client = self.registry.make_client(
            provider, self.http, self._overrides.get(provider), creds
        )
        configure = getattr(client, "configure", None)
        if callable(configure):
            configure(self.settings, self.paths)
        self._clients[provider] = client
        return client

    async def _load_client_credentials(self) -> None:
        def load() -> dict[str, ClientCredentials]:
            found = {}
            for provider in self.credentials.providers():
                stored = self.credentials.get(provider)
                if stored is not None:
                    found[provider] = ClientCredentials(stored.client_id, stored.client_secret)
            return found

        self._client_credentials = await asyncio.to_thread(load)

    def use_client_credentials(self, provider: str, creds: ClientCredentialsLike | None) -> None:
        """Use credentials just stored (e.g. from Settings) without a restart.

        Sandbox mode keeps the sandbox's own credentials whatever is stored.
        """
        if self.sandbox_mode:
            return
        if creds is None:
            self._client_credentials.pop(provider, None)
        else:
            self._client_credentials[provider] = ClientCredentials(
                creds.client_id, creds.client_secret
            )
        self._clients.pop(provider, None)

    # -- settings & vault ------------------------------------------------------------

    def save_settings(self) -> None:
        """Persist settings (atomic write) and apply what changes running services."""
        save_settings(self.paths.settings_file, self.settings)

    async def rotate_vault_key(self) -> int:
        """Re-seal every secret under a new key; an interruption leaves a readable state.

        The new key is stored in a pending slot first, then the database is re-sealed
        in one transaction that also records the new key's id, then the pending key is
        promoted. At start, ``unlock_vault`` finishes or abandons a rotation that was
        cut short, by that recorded id.
        """
        keystore = KeyStore(self.paths, self._vault_id)
        new_key = await asyncio.to_thread(keystore.begin_rotation, self._passphrase)
        new_vault = Vault(new_key)
        try:
            count = await asyncio.to_thread(self.store.rotate_key, new_vault)
        except BaseException:
            await asyncio.to_thread(keystore.discard_pending)
            raise
        await asyncio.to_thread(keystore.commit_rotation, new_key)
        self.credentials.use_vault(new_vault)
        self.vault = new_vault
        self.store.audit("vault_key_rotated", detail=f"{count} secrets re-sealed")
        log.info("Vault key rotated: %d secrets re-sealed", count)
        return count

    # -- shutdown --------------------------------------------------------------------

    async def aclose(self) -> None:
        scheduler = getattr(self, "scheduler", None)  # None when the start failed before it
        if scheduler is not None:
            await scheduler.stop()
        for client in (getattr(self, "http", None), getattr(self, "downloads", None)):
            if client is not None:
                await client.aclose()
        if getattr(self, "db", None) is not None:
            await asyncio.to_thread(self.db.close)
        if self._owns_sandbox and self.sandbox is not None:
            await asyncio.to_thread(self.sandbox.stop)
            self.sandbox = None

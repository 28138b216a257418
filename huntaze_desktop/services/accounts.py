"""The account service: what the UI and the CLI call to connect, check and remove accounts.

It wraps the store, the sign-in engines and the token manager, and tells the rest
of the app what happened through the event bus (``AccountChanged``,
``AccountRemoved``, ``Notice``). Everything blocking runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from huntaze_desktop import __version__
from huntaze_desktop.domain.errors import ConfigurationError, HuntazeError, VaultError
from huntaze_desktop.domain.events import AccountChanged, AccountRemoved, EventBus, Notice
from huntaze_desktop.domain.models import Account, ConnectionStatus
from huntaze_desktop.domain.secrets import ensure_no_secrets, redact_secrets, secret_values
from huntaze_desktop.domain.settings import Settings
from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.providers.base import ProviderClient
from huntaze_desktop.services.revocation import (
    RevocationResult,
    RevokeOutcome,
    retry_pending_revocations,
    revoke_or_defer,
)
from huntaze_desktop.services.session_signin import BrowserSession, connect_session
from huntaze_desktop.services.signin import SignInAttempt, SignInEngine
from huntaze_desktop.services.tokens import TokenManager

if TYPE_CHECKING:
    from huntaze_desktop.storage.accounts import AccountStore

__all__ = ["AccountService", "Disconnected"]

log = logging.getLogger("huntaze.accounts")

# How many accounts validate_all checks at once: enough to be quick, few enough
# to stay polite with each platform's rate limits.
_VALIDATE_CONCURRENCY = 8
_DIAGNOSTIC_AUDIT_EVENTS = 20
_AUDIT_SCAN = 1000


@dataclass(frozen=True, slots=True)
class Disconnected:
    """What a disconnect did: the account is gone; its grant may await revocation."""

    account: Account
    platform: str  # the platform's display name
    revocation_pending: bool
    history_kept: bool = True
    # Why it is pending: the platform unreachable (False) or refusing the app (True).
    app_credentials_rejected: bool = False

    @property
    def message(self) -> str:
        done = f"{self.platform} account {self.account.name} disconnected"
        if self.revocation_pending and self.app_credentials_rejected:
            done = (
                f"{done}; revoking its access at {self.platform} will be retried once"
                f" {self.platform} accepts the app credentials (check them in Settings)"
            )
        elif self.revocation_pending:
            done = (
                f"{done}; revoking its access at {self.platform} will be retried"
                f" ({self.platform} could not be reached)"
            )
        if self.history_kept:
            return f"{done}. Its analytics history is kept for when you connect it again."
        return f"{done}. Its analytics history was deleted."


def _as_refreshing(account: Account) -> Account:
    """The account shown while this process renews its token (never stored: a crash
    mid-renewal would leave it so; the stored status is the one from before)."""
    return dataclasses.replace(account, status=ConnectionStatus.REFRESHING)


class AccountService:
    """Connect, list, check, switch and disconnect accounts (see docs/INTERNALS.md).

    ``client_for(provider)`` gives the platform's ``ProviderClient``; ``signin``
    is the OAuth ``SignInEngine``; session platforms connect through
    ``services.session_signin.connect_session``. ``save_settings`` persists ``settings``.
    """

    def __init__(
        self,
        store: AccountStore,
        tokens: TokenManager,
        client_for: Callable[[str], ProviderClient],
        bus: EventBus,
        *,
        signin: SignInEngine | None,
        settings: Settings,
        save_settings: Callable[[], None],
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._client_for = client_for
        self._bus = bus
        self._signin = signin
        self._settings = settings
        self._save_settings = save_settings

    # -- reading ----------------------------------------------------------------

    async def list_accounts(self, provider: str | None = None) -> list[Account]:
        """The accounts as the user should see them: ``refreshing`` while a renewal runs."""
        accounts: list[Account] = await asyncio.to_thread(self._store.list_accounts, provider)
        renewing = self._tokens.refreshing()
        if not renewing:
            return accounts
        return [_as_refreshing(a) if a.id in renewing else a for a in accounts]

    async def get(self, account_id: int) -> Account:
        """One account as the user should see it (see ``list_accounts``)."""
        account: Account = await asyncio.to_thread(self._store.get, account_id)
        if account.id in self._tokens.refreshing():
            return _as_refreshing(account)
        return account

    # -- connecting -------------------------------------------------------------

    async def begin_sign_in(self, provider: str, *, reconnect: int | None = None) -> SignInAttempt:
        """Start an OAuth sign-in; the UI shows ``attempt.authorize_url``.

        ``reconnect`` is the id of the account being reconnected: only that account
        may come back (``WrongAccountError`` otherwise, nothing stored).
        """
        target = await self._reconnect_target(reconnect)
        return self._require_signin().begin(provider, reconnect=target)

    async def _reconnect_target(self, account_id: int | None) -> Account | None:
        return None if account_id is None else await self.get(account_id)

    async def complete_sign_in(self, callback_url: str) -> Account:
        account = await self._require_signin().complete(callback_url)
        return await self._connected(account)

    def cancel_sign_in(self, state: str) -> None:
        self._require_signin().cancel(state)

    async def sign_in_with_browser(
        self, provider: str, open_url: Callable[[str], Any], *, reconnect: int | None = None
    ) -> Account:
        target = await self._reconnect_target(reconnect)
        account = await self._require_signin().sign_in_with_browser(
            provider, open_url, reconnect=target
        )
        return await self._connected(account)

    async def connect_session(
        self, provider: str, captured: BrowserSession, *, reconnect: int | None = None
    ) -> Account:
        """Connect a session-based platform (OnlyFans) from a captured browser session."""
        target = await self._reconnect_target(reconnect)
        account = await connect_session(
            self._store, self._client_for, provider, captured, reconnect=target
        )
        return await self._connected(account)

    async def _connected(self, account: Account) -> Account:
        if self.active_account_id(account.provider) is None:
            self.set_active(account.provider, account.id)
        self._bus.publish(AccountChanged(account.id, account.provider))
        name = self._display_name(account.provider)
        self._bus.publish(Notice(f"{name} connected as {account.name}", "success"))
        return account

    # -- disconnecting ----------------------------------------------------------

    async def disconnect(self, account_id: int, *, delete_history: bool = False) -> Disconnected:
        """Revoke at the platform where possible, then forget every secret of the account.

        Its analytics history stays (reattached when the same platform account
        connects again) unless ``delete_history``.

        The local deletion never waits on the platform: an unreachable revoke
        endpoint leaves a pending revocation (the token alone, sealed), retried at
        every start and on the refresh loop's cycle until the platform confirms or
        says the token is already invalid. The result says which happened.
        """
        account = await self.get(account_id)
        client = self._client_for(account.provider)
        revoked = RevokeOutcome()
        if "revoke" in client.spec.endpoints:
            revoked = await self._revoke(account, client)
        await asyncio.to_thread(
            lambda: self._store.delete(account_id, keep_history=not delete_history)
        )
        if self._settings.active_accounts.get(account.provider) == account_id:
            self._forget_active(account.provider)
        log.info("account %s (%s) disconnected", account_id, account.provider)
        self._bus.publish(AccountRemoved(account_id, account.provider))
        result = Disconnected(
            account,
            self._display_name(account.provider),
            revoked.pending,
            history_kept=not delete_history,
            app_credentials_rejected=revoked.app_credentials_rejected,
        )
        self._bus.publish(Notice(result.message, "warning" if revoked.pending else "info"))
        return result

    async def _revoke(self, account: Account, client: ProviderClient) -> RevokeOutcome:
        """Revoke the account's grant (kept pending when it cannot be done now)."""
        try:
            tokens = await asyncio.to_thread(self._store.load_tokens, account.id)
        except VaultError:
            # Unreadable secret: there is nothing we could send; delete anyway.
            log.warning("account %s: tokens unreadable, not revoked", account.id)
            return RevokeOutcome()
        return await revoke_or_defer(self._store, client, tokens, account.provider_account_id)

    async def retry_pending_revocations(self) -> RevocationResult:
        """Try the revocations that failed earlier and are due (each start, each cycle)."""
        result = await retry_pending_revocations(self._store, self._client_for)
        if result.revoked or result.dropped or result.pending:
            log.info(
                "pending revocations: %s revoked, %s dropped, %s still pending",
                result.revoked,
                result.dropped,
                result.pending,
            )
        return result

    def _pending_revocations_report(self) -> list[dict[str, Any]]:
        """Revocations still to do, for diagnostics (never the token)."""
        try:
            items = self._store.pending_revocations()
        except VaultError:
            return [{"error": "a pending revocation cannot be read"}]
        return [
            {
                "provider": item.provider,
                "attempts": item.attempts,
                "next_try_at": _iso(item.next_try_at),
            }
            for item in items
        ]

    # -- checking ---------------------------------------------------------------

    async def validate(self, account_id: int) -> Account:
        """Ask the platform who this account is; the outcome becomes its status.

        Raises the typed error after recording it (the UI shows ``user_message``).
        """
        account = await self.get(account_id)
        client = self._client_for(account.provider)
        profile = await self._tokens.call(account_id, client.fetch_profile)
        metadata = {**account.metadata, **profile.metadata}
        updated: Account = await asyncio.to_thread(
            lambda: self._store.update_profile(
                account_id,
                username=profile.username,
                display_name=profile.display_name,
                avatar_url=profile.avatar_url,
                metadata=metadata,
            )
        )
        self._bus.publish(AccountChanged(account_id, account.provider))
        return updated

    async def validate_all(self) -> list[Account]:
        """Check every account, a few at a time; failures end up as statuses, never raised."""
        accounts = await self.list_accounts()
        gate = asyncio.Semaphore(_VALIDATE_CONCURRENCY)

        async def one(account: Account) -> None:
            async with gate:
                try:
                    await self.validate(account.id)
                except HuntazeError as exc:
                    log.info("account %s: check failed (%s)", account.id, type(exc).__name__)

        await asyncio.gather(*(one(a) for a in accounts))
        return await self.list_accounts()

    # -- the active account per platform ---------------------------------------

    def active_account_id(self, provider: str) -> int | None:
        return self._settings.active_accounts.get(provider)

    def set_active(self, provider: str, account_id: int) -> None:
        self._settings.active_accounts = {**self._settings.active_accounts, provider: account_id}
        self._save_settings()
        self._bus.publish(AccountChanged(account_id, provider))

    def _forget_active(self, provider: str) -> None:
        active = dict(self._settings.active_accounts)
        active.pop(provider, None)
        self._settings.active_accounts = active
        self._save_settings()

    # -- diagnostics ------------------------------------------------------------

    async def diagnostics(self, account_id: int) -> dict[str, Any]:
        """What support needs to know about an account, without any secret."""
        account = await self.get(account_id)
        events = await asyncio.to_thread(self._recent_audit, account)
        return {
            "id": account.id,
            "provider": account.provider,
            "status": account.status.value,
            "status_reason": account.status_reason,
            "last_error": account.last_error,
            "created_at": _iso(account.created_at),
            "updated_at": _iso(account.updated_at),
            "expires_at": _iso(account.expires_at),
            "refresh_expires_at": _iso(account.refresh_expires_at),
            "last_success_at": _iso(account.last_success_at),
            "retry_at": _iso(account.retry_at),
            "scope": account.scope,
            "metadata_keys": sorted(account.metadata),
            "active": self.active_account_id(account.provider) == account.id,
            "recent_events": events,
        }

    def _recent_audit(self, account: Account) -> list[dict[str, Any]]:
        # The log is small and scrubbed; pick this account's entries from the newest.
        rows = self._store.audit_events(limit=_AUDIT_SCAN)
        mine = [
            row
            for row in rows
            if row.provider == account.provider
            and row.provider_account_id == account.provider_account_id
        ]
        return [_audit_row(row) for row in mine[:_DIAGNOSTIC_AUDIT_EVENTS]]

    async def export_diagnostics(
        self, path: Path, *, known_secrets: Iterable[str] = (), extra: dict[str, Any] | None = None
    ) -> Path:
        """Write a JSON report: versions, settings, every account's status, recent errors.

        No secret is put in; as a last guard every stored secret (tokens, sessions,
        pending revocations, and ``known_secrets`` such as developer client secrets)
        is redacted in all its encodings and the text scanned for them before it is
        written. A hit raises ``SecretLeakError`` and nothing is written.
        """
        from huntaze_desktop.net.redact import redact

        accounts = await self.list_accounts()
        details = [await self.diagnostics(a.id) for a in accounts]
        audit = await asyncio.to_thread(self._store.audit_events, _DIAGNOSTIC_AUDIT_EVENTS)
        report = {
            "app_version": __version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "settings": _settings_report(self._settings),
            "accounts": details,
            "recent_errors": [
                {
                    "account": d["id"],
                    "provider": d["provider"],
                    "status": d["status"],
                    "reason": d["status_reason"],
                    "error": d["last_error"],
                }
                for d in details
                if d["last_error"] or d["status_reason"]
            ],
            "recent_events": [_audit_row(row) | {"provider": row.provider} for row in audit],
            "pending_revocations": await asyncio.to_thread(self._pending_revocations_report),
            **(extra or {}),
        }
        secrets = [*await asyncio.to_thread(self._stored_secrets), *known_secrets]
        text = json.dumps(report, indent=2, sort_keys=True, default=str)
        text = redact_secrets(redact(text), secrets)
        ensure_no_secrets(text, secrets)
        path = Path(path)
        await asyncio.to_thread(_write_text, path, text)
        return path

    def _stored_secrets(self) -> list[str]:
        """Every secret in the vault that belongs to an account (blocking)."""
        found: list[str] = []
        for account in self._store.list_accounts():
            try:
                tokens = self._store.load_tokens(account.id)
            except VaultError:
                continue  # unreadable: it cannot be written out either
            found += secret_values(tokens.access_token)
            found += secret_values(tokens.refresh_token)
        for item in self._store.pending_revocations():
            found += secret_values(item.token)
        return found

    # -- helpers ----------------------------------------------------------------

    def _require_signin(self) -> SignInEngine:
        if self._signin is None:
            raise HuntazeError("Sign-in is not available.")
        return self._signin

    def _display_name(self, provider: str) -> str:
        try:
            return str(self._client_for(provider).spec.display_name)
        except HuntazeError:
            return provider


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _settings_report(settings: Settings) -> dict[str, Any]:
    from huntaze_desktop.net.redact import redact_url

    data: dict[str, Any] = msgspec.to_builtins(settings)
    if data.get("proxy_url"):
        data["proxy_url"] = redact_url(str(data["proxy_url"]))  # may carry a password
    return data


def _audit_row(row: Any) -> dict[str, Any]:
    return {"event": row.event, "at": _iso(row.at), "detail": row.detail}


def _write_text(path: Path, text: str) -> None:
    """Write the report for the user's eyes only (0600), in a folder that exists."""
    if path.is_dir():
        raise ConfigurationError(f"{path} is a folder. Give a file name for the report.")
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"The folder {path.parent} does not exist. Create it first, or choose another."
        )
    try:
        with replace_atomically(path, mode=0o600) as handle:
            handle.write(text)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"The report could not be written to {path}: {reason}.") from None

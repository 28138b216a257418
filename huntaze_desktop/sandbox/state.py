"""Everything the sandbox remembers: demo users, grants, tokens, the clock, counters.

One ``SandboxState`` is shared by every platform of one server. Tests hold it too
(``server.state``) and change it from their own thread while the server answers
from its thread, so every mutation goes through one re-entrant lock.

Tokens and codes are random strings that carry no meaning; what a token grants is
looked up here. The clock is the wall clock plus an offset that tests move with
``advance()`` to age tokens without sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from huntaze_desktop.sandbox.endpoints import sandbox_platforms
from huntaze_desktop.sandbox.faults import FaultSet
from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.users import DemoUser

__all__ = [
    "AccessToken",
    "AuthCode",
    "DemoUser",
    "RefreshFamily",
    "RefreshOutcome",
    "SandboxFlags",
    "SandboxState",
]

CODE_LIFETIME_S = 600


F = TypeVar("F")


class SandboxFlags:
    """Switches between the answer shapes each platform has been seen to give.

    Each stand-in declares its own flags (``SandboxPlatform.flags``, a dataclass);
    here they are together under flat names ``<provider>_<field>`` (as in
    ``/_admin/flags`` and the state file): ``flags.reddit_rotate_refresh = True``.
    ``flags.of(provider, kind)`` is one platform's typed instance.
    """

    def __init__(self, platforms: Iterable[SandboxPlatform] | None = None) -> None:
        found = sandbox_platforms().values() if platforms is None else platforms
        groups = {p.provider: p.flags() for p in found}
        object.__setattr__(self, "_groups", groups)

    def of(self, provider: str, kind: type[F]) -> F:
        """The flags of one platform, checked to be of ``kind``."""
        group = self._groups[provider]
        if not isinstance(group, kind):
            raise TypeError(f"the flags of {provider} are {type(group).__name__}")
        return group

    def _locate(self, name: str) -> tuple[Any, str]:
        for provider, group in self._groups.items():
            field_name = name.removeprefix(f"{provider}_")
            if field_name != name and field_name in {f.name for f in fields(group)}:
                return group, field_name
        raise AttributeError(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        group, field_name = self._locate(name)
        return getattr(group, field_name)

    def __setattr__(self, name: str, value: Any) -> None:
        group, field_name = self._locate(name)
        setattr(group, field_name, value)

    def as_dict(self) -> dict[str, Any]:
        """Every flag by its flat name."""
        return {
            f"{provider}_{name}": value
            for provider, group in self._groups.items()
            for name, value in asdict(group).items()
        }

    def update(self, values: dict[str, Any]) -> None:
        """Set flags by flat name, converted to each flag's type (KeyError: unknown name)."""
        for name, value in values.items():
            try:
                group, field_name = self._locate(name)
            except AttributeError:
                raise KeyError(name) from None
            setattr(group, field_name, type(getattr(group, field_name))(value))


@dataclass(slots=True)
class AuthCode:
    """A one-time authorization code, bound to what the authorize request said."""

    code: str
    provider: str
    client_id: str
    redirect_uri: str
    user: DemoUser
    scopes: tuple[str, ...]
    issued_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    # Reddit: only duration=permanent earns a refresh token.
    wants_refresh: bool = True
    used: bool = False


@dataclass(slots=True)
class AccessToken:
    """An issued access token; ``kind`` tells Instagram's short and long tokens apart."""

    token: str
    provider: str
    client_id: str
    user: DemoUser
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    kind: str = "access"
    family_id: str | None = None
    revoked: bool = False


@dataclass(slots=True)
class RefreshFamily:
    """All refresh tokens descending from one code exchange.

    Presenting a token that was already rotated away is a replay: the whole
    family is revoked (RFC 9700 §4.14.2), so both the thief and the victim must
    sign in again.
    """

    family_id: str
    provider: str
    client_id: str
    user: DemoUser
    scopes: tuple[str, ...]
    current: str
    expires_at: float
    rotated: set[str] = field(default_factory=set)
    revoked: bool = False
    refresh_count: int = 0


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What presenting a refresh token did: ``error`` is None on success."""

    family: RefreshFamily | None
    error: str | None  # "unknown" | "replayed" | "revoked" | "expired" | "wrong_client"


class SandboxState:
    """The shared memory of one sandbox server (thread-safe).

    ``platforms``: the stand-ins it serves (default: every one found,
    ``endpoints.sandbox_platforms()``); ``users``: the demo accounts (default:
    those the stand-ins declare).
    """

    def __init__(
        self,
        users: Iterable[DemoUser] | None = None,
        platforms: Iterable[SandboxPlatform] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        # The bearer token of /_admin/ (see server._AdminGuard); new for each state.
        self.admin_token = secrets.token_urlsafe(32)
        found = sandbox_platforms() if platforms is None else {p.provider: p for p in platforms}
        self.platforms: dict[str, SandboxPlatform] = dict(found)
        if users is None:
            users = [user for platform in self.platforms.values() for user in platform.users]
        self.users: dict[str, list[DemoUser]] = {}
        for user in users:
            self.users.setdefault(user.provider, []).append(user)
        self.credentials = {name: p.credentials for name, p in self.platforms.items()}
        self.flags = SandboxFlags(self.platforms.values())
        self.faults = FaultSet()
        self.counters: Counter[str] = Counter()
        # Free space for plug-in platforms (e.g. OnlyFans sessions), per provider.
        self.plugin_data: dict[str, dict[str, Any]] = {}
        self._offset_s = 0.0
        self._codes: dict[str, AuthCode] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._families: dict[str, RefreshFamily] = {}
        self._family_by_token: dict[str, str] = {}
        # Set by sandbox.persistence: grants survive restarts and are shared between
        # processes; ``changed()`` after each mutation that matters saves them.
        self.state_file: Path | None = None
        self.on_change: Callable[[], None] | None = None

    def changed(self) -> None:
        """A grant, the clock, a flag or a plug-in session changed (saves when persisted)."""
        if self.on_change is not None:
            self.on_change()

    # -- clock ---------------------------------------------------------------

    def now(self) -> float:
        """Sandbox time as epoch seconds (wall clock plus the test offset)."""
        return time.time() + self._offset_s

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), UTC).date()

    def advance(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the total offset."""
        with self.lock:
            self._offset_s += seconds
            self.changed()
            return self._offset_s

    @property
    def clock_offset(self) -> float:
        return self._offset_s

    # -- users and clients ---------------------------------------------------

    def find_user(self, provider: str, username: str) -> DemoUser | None:
        for user in self.users.get(provider, []):
            if user.username.lower() == username.strip().lower():
                return user
        return None

    def check_login(self, provider: str, username: str, password: str) -> DemoUser | None:
        user = self.find_user(provider, username)
        if user is None or not secrets.compare_digest(user.password, password):
            return None
        return user

    def client_ok(self, provider: str, client_id: str | None, secret: str | None) -> bool:
        """True when the pair matches; a None expected secret means "must be empty"."""
        expected_id, expected_secret = self.credentials[provider]
        if client_id != expected_id:
            return False
        return (secret or "") == (expected_secret or "")

    def count(self, key: str, amount: int = 1) -> None:
        with self.lock:
            self.counters[key] += amount

    # -- codes ---------------------------------------------------------------

    def issue_code(self, **fields: Any) -> AuthCode:
        with self.lock:
            code = AuthCode(code=secrets.token_urlsafe(24), issued_at=self.now(), **fields)
            self._codes[code.code] = code
            return code

    def consume_code(self, code: str) -> AuthCode | None:
        """Return the code once; a second use, an unknown or an old code gives None."""
        with self.lock:
            found = self._codes.get(code)
            if found is None or found.used or self.now() - found.issued_at > CODE_LIFETIME_S:
                return None
            found.used = True
            return found

    # -- access tokens -------------------------------------------------------

    def issue_access_token(
        self,
        *,
        provider: str,
        client_id: str,
        user: DemoUser,
        scopes: tuple[str, ...],
        lifetime_s: float,
        kind: str = "access",
        family_id: str | None = None,
        prefix: str = "",
    ) -> AccessToken:
        with self.lock:
            now = self.now()
            token = AccessToken(
                token=prefix + secrets.token_urlsafe(32),
                provider=provider,
                client_id=client_id,
                user=user,
                scopes=scopes,
                issued_at=now,
                expires_at=now + lifetime_s,
                kind=kind,
                family_id=family_id,
            )
            self._tokens[token.token] = token
            self.changed()
            return token

    def lookup_access_token(self, provider: str, token: str | None) -> AccessToken | None:
        """The token record, even when expired or revoked (callers decide the error)."""
        if not token:
            return None
        with self.lock:
            found = self._tokens.get(token)
            return found if found is not None and found.provider == provider else None

    def valid_access_token(self, provider: str, token: str | None) -> AccessToken | None:
        found = self.lookup_access_token(provider, token)
        if found is None or found.revoked or found.expires_at <= self.now():
            return None
        return found

    # -- refresh families ----------------------------------------------------

    def start_family(
        self,
        *,
        provider: str,
        client_id: str,
        user: DemoUser,
        scopes: tuple[str, ...],
        lifetime_s: float,
        prefix: str = "",
    ) -> RefreshFamily:
        with self.lock:
            family = RefreshFamily(
                family_id=secrets.token_hex(8),
                provider=provider,
                client_id=client_id,
                user=user,
                scopes=scopes,
                current=prefix + secrets.token_urlsafe(32),
                expires_at=self.now() + lifetime_s,
            )
            self._families[family.family_id] = family
            self._family_by_token[family.current] = family.family_id
            self.changed()
            return family

    def use_refresh_token(
        self,
        provider: str,
        token: str,
        client_id: str,
        *,
        rotate: bool,
        lifetime_s: float | None = None,
        prefix: str = "",
    ) -> RefreshOutcome:
        """Spend a refresh token; on rotation the family gets a new current token."""
        with self.lock:
            self.count(f"{provider}.refresh_attempts")
            family_id = self._family_by_token.get(token)
            family = self._families.get(family_id) if family_id else None
            if family is None or family.provider != provider:
                return RefreshOutcome(None, "unknown")
            if family.client_id != client_id:
                return RefreshOutcome(family, "wrong_client")
            if family.revoked:
                return RefreshOutcome(family, "revoked")
            if token in family.rotated:
                self._revoke_family(family)
                self.count(f"{provider}.refresh_replays")
                self.changed()
                return RefreshOutcome(family, "replayed")
            if family.expires_at <= self.now():
                return RefreshOutcome(family, "expired")
            family.refresh_count += 1
            self.count(f"{provider}.refresh_grants")
            self.count(f"{provider}.refresh_grants.{family.family_id}")
            if rotate:
                family.rotated.add(family.current)
                family.current = prefix + secrets.token_urlsafe(32)
                self._family_by_token[family.current] = family.family_id
                if lifetime_s is not None:
                    family.expires_at = self.now() + lifetime_s
            self.changed()
            return RefreshOutcome(family, None)

    def family_of(self, token: str) -> RefreshFamily | None:
        with self.lock:
            family_id = self._family_by_token.get(token)
            return self._families.get(family_id) if family_id else None

    # -- revocation ----------------------------------------------------------

    def _revoke_family(self, family: RefreshFamily) -> None:
        family.revoked = True
        for access in self._tokens.values():
            if access.family_id == family.family_id:
                access.revoked = True

    def revoke_token(self, provider: str, token: str) -> bool:
        """Revoke an access or refresh token and the grant it belongs to."""
        with self.lock:
            family = self.family_of(token)
            if family is not None and family.provider == provider:
                self._revoke_family(family)
                self.changed()
                return True
            access = self.lookup_access_token(provider, token)
            if access is None:
                return False
            access.revoked = True
            if access.family_id and (fam := self._families.get(access.family_id)):
                self._revoke_family(fam)
            self.changed()
            return True

    def revoke_user(self, provider: str, username: str) -> int:
        """Revoke every grant of one user (as if they removed the app); returns a count."""
        with self.lock:
            revoked = 0
            for family in self._families.values():
                if family.provider == provider and family.user.username == username:
                    if not family.revoked:
                        revoked += 1
                    self._revoke_family(family)
            for access in self._tokens.values():
                if access.provider == provider and access.user.username == username:
                    if not access.revoked:
                        revoked += 1
                    access.revoked = True
            self.changed()
            return revoked

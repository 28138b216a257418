"""The exception tree of Huntaze Desktop.

Every error a user can meet is a named class carrying a *user-safe* message:
plain English, no token, no cookie, no URL with a query string. Details for
developers go to the (redacted) log, never into ``str(exc)``.

    HuntazeError
    ├── ConfigurationError          bad settings, missing developer credentials
    │   └── DataDirectoryError      the data folder cannot be used
    │       └── ReadOnlyDataError   ... because nothing can be written there
    ├── StorageError                the database cannot be opened or written
    │   ├── DatabaseCorruptError    quick_check failed; a copy was kept aside
    │   └── DiskFullError           the disk holding the data folder is full
    ├── VaultError
    │   ├── VaultLockedError        no key available (no keyring, no passphrase)
    │   ├── KeyringUnavailableError no usable OS keyring
    │   ├── WrongPassphraseError
    │   ├── VaultKeyMissingError    the key is gone or is another vault's: never replaced
    │   └── DecryptionError         tampered, swapped or foreign ciphertext
    ├── SignInError
    │   ├── SignInCancelledError    the user cancelled (access_denied)
    │   ├── WrongAccountError       a reconnect signed in as another account
    │   └── StateError              state missing, replayed, expired or mismatched
    ├── ProviderError               the platform answered with an error
    │   ├── AuthRejectedError       a real auth rejection: reconnect needed
    │   ├── RateLimitedError        429 / throttled; ``retry_at`` says when
    │   ├── ProviderUnavailableError 5xx; retry later
    │   └── MalformedResponseError  the answer could not be understood
    ├── NetworkError                offline, DNS, timeout
    ├── BusyError                   this app was busy (its connections, a lock): nothing sent
    ├── AccountNotFoundError
    └── InstallationError           a module of the app or a library it needs won't load
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from os import PathLike

__all__ = [
    "AccountNotFoundError",
    "AuthRejectedError",
    "BusyError",
    "ConfigurationError",
    "DataDirectoryError",
    "DatabaseCorruptError",
    "DecryptionError",
    "DiskFullError",
    "HuntazeError",
    "InstallationError",
    "KeyringUnavailableError",
    "MalformedResponseError",
    "NetworkError",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitedError",
    "ReadOnlyDataError",
    "SignInCancelledError",
    "SignInError",
    "StateError",
    "StorageError",
    "VaultError",
    "VaultKeyMissingError",
    "VaultLockedError",
    "WrongAccountError",
    "WrongPassphraseError",
    "disk_problem",
]


class HuntazeError(Exception):
    """Base class: ``user_message`` is safe to show and to log."""

    default_message = "Something went wrong."

    def __init__(self, user_message: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        super().__init__(self.user_message)


class ConfigurationError(HuntazeError):
    """A setting is missing or invalid (e.g. no developer credentials)."""

    default_message = "Huntaze Desktop is not configured for this."


class DataDirectoryError(ConfigurationError):
    """The data folder cannot hold the app's files (a file, not writable, full)."""

    default_message = "The data folder cannot be used."


class ReadOnlyDataError(DataDirectoryError):
    """The data folder (or the disk holding it) takes no writes."""

    default_message = "The data folder is read-only."

    @classmethod
    def at(cls, root: str | PathLike[str]) -> ReadOnlyDataError:
        return cls(
            f"The data folder {root} is read-only: Huntaze Desktop needs to write there. "
            "Make it writable, or choose another folder with --data-dir."
        )


class StorageError(HuntazeError):
    """The local database could not be opened or written."""

    default_message = "The local database could not be used."


class DiskFullError(StorageError):
    """A write to the data folder failed for want of space (or a file size limit)."""

    default_message = "The disk holding the data folder is full: free some space and try again."

    @classmethod
    def at(cls, root: str | PathLike[str]) -> DiskFullError:
        return cls(f"The disk holding {root} is full: free some space and try again.")


class DatabaseCorruptError(StorageError):
    """The integrity check failed at start; ``backup_path`` holds a copy."""

    default_message = "The local database is damaged."

    def __init__(self, user_message: str | None = None, backup_path: str | None = None) -> None:
        super().__init__(user_message)
        self.backup_path = backup_path


class VaultError(HuntazeError):
    """Base for problems with encrypted credentials."""

    default_message = "Stored credentials could not be read."


class VaultLockedError(VaultError):
    """No master key is available to this process."""

    default_message = "The credential vault is locked."


class KeyringUnavailableError(VaultLockedError):
    """No usable OS keyring (headless Linux, the fail or null backends)."""

    default_message = (
        "No system keyring is available to protect your credentials. "
        "Start a keyring service (for example GNOME Keyring or KWallet), "
        "or choose passphrase mode with 'huntaze-desktop vault init --passphrase'."
    )


class WrongPassphraseError(VaultError):
    """The passphrase does not unlock the vault; nothing was changed."""

    default_message = "That passphrase is not correct. Nothing was changed."


class VaultKeyMissingError(VaultError):
    """The vault's key is gone or is not the one its values were sealed with.

    Never answered by making a new key: the message names the vault and the
    ways out (the keyring that holds it, the passphrase file, or a reset).
    """

    default_message = (
        "The key of this data folder's saved sign-ins cannot be found. No new key was made."
    )


class DecryptionError(VaultError):
    """A ciphertext failed authentication: tampered, moved or wrong key."""

    default_message = (
        "A stored credential failed its integrity check and was not used. "
        "Reconnect the account to store it again."
    )


class SignInError(HuntazeError):
    """The sign-in could not be completed."""

    default_message = "The sign-in could not be completed. Please try again."


class WrongAccountError(SignInError):
    """A reconnect came back signed in as another account; nothing was stored.

    ``signed_in_as`` is the name of the account that came back (the UI offers to
    add it as a new account); ``expected`` the one being reconnected.
    """

    default_message = "You signed in as another account; nothing was changed."

    def __init__(self, provider: str, signed_in_as: str, expected: str) -> None:
        super().__init__(
            f"You signed in as {signed_in_as}; sign in as {expected} to reconnect it. "
            "Nothing was changed."
        )
        self.provider = provider
        self.signed_in_as = signed_in_as
        self.expected = expected


class SignInCancelledError(SignInError):
    """The user cancelled the sign-in (``access_denied``)."""

    default_message = "You cancelled the sign-in."


class StateError(SignInError):
    """The OAuth ``state`` was missing, replayed, expired or did not match."""

    default_message = (
        "This sign-in link is no longer valid (it expired or was already used). "
        "Please start the sign-in again."
    )


class ProviderError(HuntazeError):
    """The platform answered with an error."""

    default_message = "The platform returned an error."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        provider: str | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(user_message)
        self.provider = provider
        self.code = code
        self.http_status = http_status


class AuthRejectedError(ProviderError):
    """A real authentication rejection: only this leads to needs_reconnect."""

    default_message = "The platform no longer accepts this sign-in. Please reconnect."


class RateLimitedError(ProviderError):
    """Throttled by the platform; ``retry_at`` (UTC) says when to try again."""

    default_message = "The platform is limiting requests. We will try again shortly."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        retry_at: datetime | None = None,
        provider: str | None = None,
        code: str | None = None,
        http_status: int | None = 429,
    ) -> None:
        super().__init__(user_message, provider=provider, code=code, http_status=http_status)
        self.retry_at = retry_at


class ProviderUnavailableError(ProviderError):
    """The platform had a server error (5xx)."""

    default_message = "The platform is having problems. We will try again shortly."


class MalformedResponseError(ProviderError):
    """The platform's answer could not be understood."""

    default_message = "The platform sent an answer we could not understand."


class NetworkError(HuntazeError):
    """No connection, DNS failure or timeout."""

    default_message = "Could not reach the platform. Check your internet connection."


class BusyError(HuntazeError):
    """Huntaze Desktop itself was busy, so the request never left this computer.

    Every connection of the client's pool was in use (``httpx.PoolTimeout``), or
    another Huntaze process held the account's refresh lock. Neither the network
    nor the platform is at fault: try again soon. Never read as "offline": it does
    not pause background refresh and does not change an account's status.
    Deliberately not a ``NetworkError``.
    """

    default_message = "Huntaze Desktop was busy with other requests. It will try again shortly."


class AccountNotFoundError(HuntazeError):
    """No stored account matches."""

    default_message = "That account is not connected."


class InstallationError(HuntazeError):
    """A module of the app, or a library it needs, cannot be imported.

    Raised in place of the ``ImportError`` where a feature is loaded, so that a
    damaged installation (a broken numpy, a missing file) is a sentence the
    user reads, never a traceback nor a feature that silently is not there.
    """

    default_message = (
        "Part of Huntaze Desktop could not be loaded. The installation looks incomplete "
        "or damaged: reinstalling Huntaze Desktop should fix this."
    )
    _advice = "The installation looks incomplete or damaged: reinstalling it should fix this."

    @classmethod
    def from_import(cls, exc: ImportError, feature: str) -> InstallationError:
        """The error for ``exc``, met while loading ``feature`` (e.g. "Analytics")."""
        module = _failed_module(exc) or "A module"
        return cls(f"{module} could not be loaded, and {feature} needs it. {cls._advice}")


def _failed_module(exc: ImportError) -> str | None:
    """The module that failed: the one not found, else the last one whose code raised.

    A library's own modules are named by their package (``numpy``), the app's
    in full.
    """
    name = exc.name
    tb = exc.__traceback__
    while name is None and tb is not None:
        if tb.tb_next is None:  # the innermost frame: the code that raised
            found = tb.tb_frame.f_globals.get("__name__")
            name = found if isinstance(found, str) else None
        tb = tb.tb_next
    if not name or name.startswith(("importlib", "_frozen_importlib")):
        return None
    return name if name.startswith("huntaze_desktop") else name.split(".")[0]


# errno values that mean "no room to write": no space, over quota, over the file
# size limit (RLIMIT_FSIZE, or the file system's largest file).
_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if code
)
# SQLite's primary result codes (the low byte of ``sqlite_errorcode``).
_SQLITE_READONLY, _SQLITE_FULL = 8, 13
# Extended codes of failed writes: xWrite (how SQLite reports EFBIG, and ENOSPC on a
# partial write) and growing the WAL index (-shm), which fails on a full disk.
_SQLITE_FULL_IOERRS = frozenset({10 | (3 << 8), 10 | (19 << 8)})  # IOERR_WRITE, IOERR_SHMSIZE


def disk_problem(exc: BaseException, root: str | PathLike[str]) -> HuntazeError | None:
    """The sentence for ``exc`` when a write to the data folder ``root`` was refused.

    Looks through ``exc``, its ``__cause__``/``__context__`` chain and the DB-API
    error a SQLAlchemy error wraps (``.orig``): an ``OSError`` whose errno says no
    space (``ENOSPC``, ``EDQUOT``, ``EFBIG``) or SQLite's ``SQLITE_FULL`` (and the
    failed writes ``SQLITE_IOERR_WRITE`` / ``SQLITE_IOERR_SHMSIZE``, SQLite's report of
    ``EFBIG`` and of a -shm file that cannot grow) is a :class:`DiskFullError`;
    ``EROFS`` or ``SQLITE_READONLY`` a :class:`ReadOnlyDataError`. None otherwise.
    Inspects the exceptions only: no I/O.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ReadOnlyDataError | DiskFullError):
            return current
        if isinstance(current, OSError):
            if current.errno in _FULL_ERRNOS:
                return DiskFullError.at(root)
            if current.errno == errno.EROFS:
                return ReadOnlyDataError.at(root)
        code = getattr(current, "sqlite_errorcode", None)
        if isinstance(code, int):
            if code & 0xFF == _SQLITE_FULL or code in _SQLITE_FULL_IOERRS:
                return DiskFullError.at(root)
            if code & 0xFF == _SQLITE_READONLY:
                return ReadOnlyDataError.at(root)
        orig = getattr(current, "orig", None)
        pending.extend(
            (
                orig if isinstance(orig, BaseException) else None,
                current.__cause__,
                current.__context__,
            )
        )
    return None

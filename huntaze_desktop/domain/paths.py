"""Where Huntaze Desktop keeps its state: one data directory holds it all."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from huntaze_desktop.domain.errors import DataDirectoryError, ReadOnlyDataError

__all__ = ["APP_NAME", "DataPaths", "default_data_dir"]

APP_NAME = "huntaze-desktop"


def default_data_dir(*, sandbox: bool = False) -> Path:
    """The per-user data directory; sandbox mode gets its own, never the real one."""
    import platformdirs  # here, not at the top: the GUI imports this before its first paint

    base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=True))
    return base / "sandbox" if sandbox else base


class DataPaths(NamedTuple):
    """Every file the app writes lives below ``root``.

    A NamedTuple rather than a dataclass: the GUI builds this before its first
    paint, and creating a dataclass (and importing ``dataclasses``) costs about
    a millisecond each there.
    """

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "huntaze.sqlite3"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs / "huntaze-desktop.log"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def vault_params(self) -> Path:
        """Passphrase-mode key derivation parameters (salt, cost); no secret."""
        return self.root / "vault.json"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def crash_dir(self) -> Path:
        return self.logs / "crashes"

    def ensure(self) -> DataPaths:
        """Create the directories and make the app's files the user's alone.

        The data folder is 0700 (so nothing in it can be reached by another
        user), and the app's own folders and files in it lose every group and
        other permission, also when the folder already existed with wider modes
        (``--data-dir`` at an existing folder, a copy, a first run that made it
        another way). Files of the user's own that happen to be in the folder
        are left as they are: ``--data-dir ~`` must not rewrite a home
        directory's permissions. Returns self.

        Raises :class:`DataDirectoryError` when the folder cannot be made, and
        :class:`ReadOnlyDataError` when it (one of its folders, or a file the app
        rewrites in it) takes no writes: a read-only file system or missing write
        permission, so that every command says so before it starts, not half-way.
        """
        for path in (self.root, self.logs, self.locks, self.cache, self.backups):
            try:
                path.mkdir(parents=True, exist_ok=True, mode=0o700)
            except (FileExistsError, NotADirectoryError):
                raise DataDirectoryError(
                    f"The data folder {self.root} cannot be used: {path} is a file, not a"
                    " folder. Choose another folder with --data-dir."
                ) from None
            except OSError as exc:
                if exc.errno == errno.EROFS:
                    raise ReadOnlyDataError.at(self.root) from None
                reason = exc.strerror or type(exc).__name__
                raise DataDirectoryError(
                    f"The data folder {self.root} cannot be used ({reason}). Choose another"
                    " folder with --data-dir, or fix this one."
                ) from None
        if os.name == "posix":
            _owner_only(self.root)
        if not self.writable():
            raise ReadOnlyDataError.at(self.root)
        return self

    def writable(self) -> bool:
        """Whether the app can write its folders and the files it rewrites in place.

        ``os.access`` answers for the real user and sees a read-only file system
        (``EROFS``) even for root, who otherwise passes every permission check.
        """
        folders = (self.root, self.logs, self.locks, self.cache, self.backups)
        files = (self.database, self.settings_file, self.vault_params, self.log_file)
        return all(os.access(folder, os.W_OK | os.X_OK) for folder in folders) and all(
            os.access(file, os.W_OK) for file in files if os.path.exists(file)
        )


# What the app writes at the top of its data folder; its subfolders are all its own.
_OWN_FILES = (
    "huntaze.sqlite3",
    "huntaze.sqlite3-wal",
    "huntaze.sqlite3-shm",
    "huntaze.sqlite3-journal",
    "settings.json",
    "vault.json",
    "sandbox-state.json",
    "sandbox-admin.token",
    "window.ini",  # the window's size and place, written by Qt (QSettings) with the umask's mode
)
_OWN_DIRS = ("logs", "locks", "cache", "backups", "sandbox")


def _owner_only(root: Path) -> None:
    """chmod go-rwx on the data folder and the app's own entries in it.

    Links are not followed; the owner's bits are kept; what cannot change is left.
    """
    _drop_group_and_other(str(root))
    for name in _OWN_FILES:
        _drop_group_and_other(os.path.join(root, name))
    for name in _OWN_DIRS:
        top = os.path.join(root, name)
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        for folder, dirs, files in os.walk(top):
            _drop_group_and_other(folder)
            for entry in (*dirs, *files):
                _drop_group_and_other(os.path.join(folder, entry))


def _drop_group_and_other(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & ~0o077)
    except OSError:
        return  # missing (not made yet) or not ours to change

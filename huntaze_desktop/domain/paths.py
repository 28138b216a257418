"""Where Huntaze Desktop keeps its state: one data directory holds it all."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from huntaze_desktop.domain.errors import DataDirectoryError

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
        """Create the directories and make everything in them the user's alone.

        Directories are 0700 and files 0600, also when the data directory already
        existed with wider modes (``--data-dir`` at an existing folder, a copy, a
        first run that made it another way). Returns self.
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
                reason = exc.strerror or type(exc).__name__
                raise DataDirectoryError(
                    f"The data folder {self.root} cannot be used ({reason}). Choose another"
                    " folder with --data-dir, or fix this one."
                ) from None
        if os.name == "posix":
            _owner_only(self.root)
        return self


def _owner_only(root: Path) -> None:
    """chmod go-rwx below ``root`` (links are not followed; what cannot change is left)."""
    for folder, dirs, files in os.walk(root):
        for name, wanted in [
            (".", 0o700),
            *((d, 0o700) for d in dirs),
            *((f, 0o600) for f in files),
        ]:
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not stat.S_IMODE(mode) & 0o077:
                    continue
                os.chmod(path, stat.S_IMODE(mode) & wanted)
            except OSError:
                continue

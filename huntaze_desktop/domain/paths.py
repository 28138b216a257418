"""Where Huntaze Desktop keeps its state: one data directory holds it all."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

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
        """Create the directories (owner-only permissions) and return self."""
        for path in (self.root, self.logs, self.locks, self.cache, self.backups):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

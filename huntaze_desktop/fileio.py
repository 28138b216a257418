"""Replacing a file atomically: either the old file or the whole new one, never half.

One mechanism for every file the app rewrites in place (the vault's key
parameters, the sandbox's state, a CSV export): the new content goes to a
hidden temporary file beside the target (same file system, so the rename is
atomic), is flushed and synced, then renamed over the target; the folder is
synced so the rename itself survives a power cut. On any error the temporary
file is removed and the error re-raised, the target untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["replace_atomically", "tree_size"]

# Part of the target's name kept in the temporary's, in bytes: the temporary
# adds 14, and a name must stay under the usual 255.
_NAME_BYTES_KEPT = 200
_NAME_ATTEMPTS = 100


@contextlib.contextmanager
def replace_atomically(
    target: Path, *, mode: int | None = None, newline: str | None = None
) -> Iterator[TextIO]:
    """A UTF-8 text file to write; on leaving the block it replaces ``target``.

    ``mode`` sets the new file's permission bits (e.g. ``0o600``); ``None``
    leaves those a new file gets (0o666 less the umask, as for any file the
    user creates). ``newline`` is passed to the text layer (``""`` for csv).
    Raises ``PermissionError`` when the folder takes no new file.
    """
    fd, tmp = _create_temporary(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target``, opened 0o666 so the umask applies.

    (``mkstemp`` gives 0o600, and reading the umask means changing it for the
    whole process.)
    """
    kept = os.fsdecode(os.fsencode(target.name)[:_NAME_BYTES_KEPT])
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_CLOEXEC", 0)
        | getattr(os, "O_BINARY", 0)  # Windows: the text layer writes its own line ends
    )
    for _ in range(_NAME_ATTEMPTS):
        tmp = target.with_name(f".{kept}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No free temporary file name", str(target.parent))


def _sync_directory(folder: Path) -> None:
    """Make the rename durable (POSIX); best effort, the new file is in place already."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def tree_size(root: Path) -> int:
    """Bytes of every file below ``root`` (each file's size), ``root`` itself if a file.

    Walked without following links (a link counts as itself, not its target);
    an entry that vanishes or cannot be read while walking counts as 0, so this
    never raises. Blocking: call it off the UI thread.
    """
    try:
        if not root.is_dir():
            return root.lstat().st_size
    except OSError:
        return 0
    total = 0
    folders = [str(root)]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total

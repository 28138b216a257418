"""One GUI per data directory: a lock file plus a local socket to wake the first one.

The lock (``QLockFile``) decides who runs; the local server lets a second
launch ask the running instance to raise its window instead of failing
silently. Both are keyed on the data directory, so ``--data-dir`` sandboxes
and the user's real profile never block each other.

The boot takes the lock before its first paint and starts the server after it
(QtNetwork and hashlib are not on the path to the first frame); a launch that
comes in between keeps knocking for a few seconds (``KNOCK_FOR_MS``).
"""

from __future__ import annotations

import logging
import os
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

from huntaze_desktop.domain.errors import (
    DataDirectoryError,
    DiskFullError,
    HuntazeError,
    ReadOnlyDataError,
)

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = ["SingleInstance"]

log = logging.getLogger("huntaze.ui.single_instance")

_ACTIVATE = b"activate"
_CONNECT_TIMEOUT_MS = 2000
# How long a later launch keeps knocking: the running instance starts its server
# after its first paint, which the boot waits for up to 3 s (app.FIRST_PAINT_WAIT_MS).
KNOCK_FOR_MS = 5000
_KNOCK_INTERVAL_S = 0.1
# Free bytes under which a lock file that could not be written means a full disk.
_ROOM_FOR_LOCK = 64 * 1024


def _server_name(data_dir: Path) -> str:
    # Socket names are short-lived paths in /tmp on Unix: hash the directory so
    # the name is short, fixed-length and reveals nothing about the user's paths.
    import hashlib

    digest = hashlib.sha256(str(data_dir).encode("utf-8")).hexdigest()[:20]
    return f"huntaze-desktop-{digest}"


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


class SingleInstance(QObject):
    """Guards a data directory so that only one GUI instance uses it.

    ``acquire()`` returns True for the first instance, which then listens for
    activation requests (at once, or from ``listen()``) and emits
    ``activationRequested`` when a later launch calls ``notify_running()``.
    """

    activationRequested = Signal()

    def __init__(self, data_dir: Path | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.lock_path = self.data_dir / "locks" / "gui.lock"
        self._lock: QLockFile | None = None
        self._server: QLocalServer | None = None
        self._clients: set[QLocalSocket] = set()

    @cached_property
    def server_name(self) -> str:
        return _server_name(self.data_dir)

    @property
    def acquired(self) -> bool:
        return self._lock is not None and self._lock.isLocked()

    def acquire(self, *, listen: bool = True) -> bool:
        """Take the lock; False when another live instance holds it.

        Raises :class:`ReadOnlyDataError`, :class:`DiskFullError` or
        :class:`DataDirectoryError` when the lock file cannot be written at all.

        ``listen=False`` leaves starting the activation server to ``listen()``.
        """
        if self.acquired:
            if listen:
                self.listen()
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = QLockFile(str(self.lock_path))
        # The lock is held for the app's whole life: age must never make it
        # stale, only a dead holder does.
        lock.setStaleLockTime(0)
        if not lock.tryLock(0) and not self._take_over_stale(lock):
            if lock.error() != QLockFile.LockError.LockFailedError:
                raise self._unwritable(lock)
            log.info("Another instance is using %s", self.data_dir)
            return False
        self._lock = lock
        log.info("Single-instance lock acquired")
        if listen:
            self.listen()
        return True

    def _unwritable(self, lock: QLockFile) -> HuntazeError:
        """Why the lock file could not be written, when no other instance holds it.

        Qt reports a write refused for want of space as ``UnknownError``
        ("partition full", in its source), a refused creation as
        ``PermissionError``.
        """
        import shutil

        log.info("The instance lock could not be written (%s)", lock.error().name)
        if lock.error() == QLockFile.LockError.PermissionError:
            return ReadOnlyDataError.at(self.data_dir)
        try:
            full = shutil.disk_usage(self.lock_path.parent).free < _ROOM_FOR_LOCK
        except OSError:
            full = False
        if full:
            return DiskFullError.at(self.data_dir)
        return DataDirectoryError(
            f"The data folder {self.data_dir} cannot be used: the file {self.lock_path}"
            " could not be written. Fix the folder, or choose another one with --data-dir."
        )

    def _take_over_stale(self, lock: QLockFile) -> bool:
        # PySide returns (pid, hostname, appname); pid 0 when the file is unreadable.
        pid = int(lock.getLockInfo()[0])
        if pid and _process_alive(pid):
            return False
        log.warning("Removing a stale instance lock left by process %s", pid)
        if not lock.removeStaleLockFile():
            return False
        return lock.tryLock(0)

    def listen(self) -> None:
        """Answer later launches (once the lock is ours; idempotent)."""
        if self._server is not None or not self.acquired:
            return
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # A crashed instance can leave its socket file behind; we hold the lock,
        # so any existing server by this name is dead.
        QLocalServer.removeServer(self.server_name)
        if not server.listen(self.server_name):
            log.warning("Could not listen for other instances: %s", server.errorString())
            return
        server.newConnection.connect(self._on_new_connection)
        self._server = server

    def _on_new_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            if socket is None:
                break
            # Keep our own reference: the Python wrapper must outlive its slots.
            self._clients.add(socket)
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._drop_client(s))
            if socket.bytesAvailable():
                self._on_ready_read(socket)

    def _drop_client(self, socket: QLocalSocket) -> None:
        # No deleteLater() here: deleting from inside the socket's own
        # disconnected signal crashes PySide; the server (its parent) frees it.
        self._clients.discard(socket)

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            line = bytes(socket.readLine().data()).strip()
            if line == _ACTIVATE:
                log.info(
                    "Another launch asked this instance to show itself",
                    extra={"event": "app.activation_requested"},
                )
                self.activationRequested.emit()

    def notify_running(self, knock_for_ms: int = KNOCK_FOR_MS) -> bool:
        """Ask the running instance to raise its window; True when delivered.

        The instance may be starting (lock taken, not listening yet): knock
        again until ``knock_for_ms`` has passed.
        """
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + knock_for_ms / 1000
        socket = QLocalSocket()
        while True:
            socket.connectToServer(self.server_name)
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if socket.waitForConnected(max(remaining_ms, 1)):
                break
            if time.monotonic() + _KNOCK_INTERVAL_S >= deadline:
                log.warning("The running instance did not answer: %s", socket.errorString())
                return False
            socket.abort()
            time.sleep(_KNOCK_INTERVAL_S)
        socket.write(_ACTIVATE + b"\n")
        delivered = socket.waitForBytesWritten(_CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(_CONNECT_TIMEOUT_MS)
        return delivered

    def release(self) -> None:
        """Stop listening and drop the lock (also done at process exit)."""
        for socket in list(self._clients):
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

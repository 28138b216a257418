"""Account avatars, fetched once in the background through the app's download client.

The client is ``Runtime.downloads`` (its own small pool), never the API client:
at start-up every account's picture is asked for at once, and those downloads
must not take the connections that refreshes need. At most ``max_concurrent``
are in flight (the download pool's size); the others queue here, not in the pool.

Until a picture arrives (or when there is none, or it fails) the account shows
its initials; a failed URL is not retried in a loop. A download that never got a
connection (``httpx.PoolTimeout``: the app was busy, nothing was asked) is not a
failure of that URL: the next time the avatar is shown it is asked for again.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from huntaze_desktop.domain.models import Account
from huntaze_desktop.net.client import DOWNLOAD_LIMITS
from huntaze_desktop.ui.tasks import run_task
from huntaze_desktop.ui.tiles import circular_pixmap, initials_pixmap

__all__ = ["AvatarCache"]

log = logging.getLogger("huntaze.ui.avatars")

_MAX_BYTES = 2 * 1024 * 1024
# As many downloads at once as the download client has connections.
_MAX_CONCURRENT = DOWNLOAD_LIMITS.max_connections or 4


class AvatarCache(QObject):
    """Loads avatar images by URL; ``avatarReady(url)`` fires when one arrives."""

    avatarReady = Signal(str)

    def __init__(
        self,
        http: httpx.AsyncClient | None,
        parent: QObject | None = None,
        *,
        max_concurrent: int = _MAX_CONCURRENT,
    ) -> None:
        super().__init__(parent)
        self._http = http
        self._images: dict[str, QPixmap] = {}
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._max_concurrent = max(1, max_concurrent)
        self._gate: asyncio.Semaphore | None = None  # made on the loop, at first use

    def pixmap(self, account: Account, size: int) -> QPixmap:
        """The avatar if loaded, else initials (and start loading it)."""
        url = account.avatar_url
        if url and url in self._images:
            return circular_pixmap(self._images[url], size)
        if url:
            self.request(url)
        return initials_pixmap(account.name, size)

    def has(self, url: str) -> bool:
        return url in self._images

    def request(self, url: str) -> None:
        if self._http is None or url in self._images or url in self._pending:
            return
        if url in self._failed or not url.startswith(("https://", "http://")):
            return
        self._pending.add(url)
        run_task(self._fetch(url), on_done=self._loaded)

    async def _fetch(self, url: str) -> tuple[str, bytes | None, bool]:
        """The picture's bytes, or None; the flag: None only for want of a connection."""
        assert self._http is not None
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._max_concurrent)
        async with self._gate:
            try:
                response = await self._http.get(url, follow_redirects=True)
            except httpx.PoolTimeout:
                log.info("Avatar not loaded yet: no free connection; asked again when shown")
                return url, None, True
            except httpx.HTTPError as exc:
                log.info("Avatar not loaded: %s", type(exc).__name__)
                return url, None, False
        if response.status_code != 200 or len(response.content) > _MAX_BYTES:
            log.info("Avatar not loaded: HTTP %s", response.status_code)
            return url, None, False
        return url, response.content, False

    def _loaded(self, result: tuple[str, bytes | None, bool]) -> None:
        url, data, busy = result
        self._pending.discard(url)
        if busy:
            return  # never asked (no free connection): not a failure of the URL
        pixmap = QPixmap()
        if data is None or not pixmap.loadFromData(data):
            self._failed.add(url)
            return
        self._images[url] = pixmap
        self.avatarReady.emit(url)

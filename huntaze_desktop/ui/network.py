"""Tell the refresh scheduler what the operating system says about the network.

``NetworkMonitor(scheduler, parent)`` loads the best QNetworkInformation backend
that reports reachability (NetworkManager, glib, Windows' NLM, macOS' SCNetwork)
and calls ``scheduler.set_online(...)`` on every change: background refresh
pauses the moment the system reports no network, and resumes the moment it
comes back instead of at the next offline probe.

The main window creates it the first time background refresh finds the network
unreachable (the ``NetworkLost`` event), not at start: a backend and the
libraries it loads cost the idle app ~4 MB, and until a request has failed the
scheduler has nothing to wait for. From then on it stays.

Where no backend is available (a minimal Linux, the offscreen platform, a
sandboxed build without D-Bus) the monitor does nothing and says so once in the
log; the scheduler's own detection (a network error pauses, a probe resumes)
still works.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QNetworkInformation

__all__ = ["NetworkMonitor", "is_online"]

log = logging.getLogger("huntaze.ui.network")

Reachability = QNetworkInformation.Reachability


class _Scheduler(Protocol):
    def set_online(self, online: bool) -> None: ...


def is_online(reachability: QNetworkInformation.Reachability) -> bool:
    """Only a definite "disconnected" pauses refresh.

    ``Unknown`` is what a backend says before it knows: pausing on it would stop
    refresh on machines whose backend never finds out. ``Local`` and ``Site``
    (no internet route seen) still let a refresh try: proxies and VPNs often
    look like that, and a failing request is detected by the scheduler anyway.
    """
    return reachability != Reachability.Disconnected


class NetworkMonitor(QObject):
    """Feeds ``scheduler.set_online`` from the system's reachability signal.

    ``backend`` names a QNetworkInformation backend to use; by default the best
    one that reports reachability. ``available`` is False when none could be
    loaded (then the monitor never calls the scheduler).
    """

    def __init__(
        self, scheduler: _Scheduler, parent: QObject | None = None, *, backend: str | None = None
    ) -> None:
        super().__init__(parent)
        self._scheduler = scheduler
        self._info = _load(backend)
        self.available = self._info is not None
        if self._info is None:
            log.info("no network status from the system: offline is detected from errors")
            return
        log.info("network status from the system (%s backend)", self._info.backendName())
        self._info.reachabilityChanged.connect(self.on_reachability)
        # At creation only a definite "disconnected" is news: "online" must not
        # overrule the scheduler's own finding that requests fail (a platform
        # down, a DNS failure); its probe decides that.
        if not is_online(self._info.reachability()):
            self.on_reachability(self._info.reachability())

    def on_reachability(self, reachability: QNetworkInformation.Reachability) -> None:
        """The slot: the system's reachability changed (or read "disconnected" at creation)."""
        self._scheduler.set_online(is_online(reachability))


def _load(backend: str | None) -> QNetworkInformation | None:
    """The process-wide QNetworkInformation, if a backend with reachability loads."""
    if backend is not None:
        loaded = QNetworkInformation.loadBackendByName(backend)
    else:
        loaded = QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability)
    info = QNetworkInformation.instance() if loaded else None
    if info is None or not info.supports(QNetworkInformation.Feature.Reachability):
        return None
    return info

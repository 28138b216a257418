"""Bridge from the domain ``EventBus`` to Qt signals.

Handlers run wherever a service publishes; re-emitting as Qt signals means a
publish from another thread is queued onto the GUI thread automatically.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from huntaze_desktop.domain.events import (
    AccountChanged,
    AccountRemoved,
    EventBus,
    NetworkLost,
    Notice,
    RefreshProgress,
)

__all__ = ["BusBridge"]


class BusBridge(QObject):
    """Re-emits bus events as signals; ``close()`` unsubscribes."""

    accountChanged = Signal(object)
    accountRemoved = Signal(object)
    notice = Signal(object)
    progress = Signal(object)
    networkLost = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(AccountChanged, self.accountChanged.emit),
            bus.subscribe(AccountRemoved, self.accountRemoved.emit),
            bus.subscribe(Notice, self.notice.emit),
            bus.subscribe(RefreshProgress, self.progress.emit),
            bus.subscribe(NetworkLost, self.networkLost.emit),
        ]
        self.destroyed.connect(lambda *_: self.close())

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

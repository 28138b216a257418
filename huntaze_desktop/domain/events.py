"""A tiny message bus: services report, the UI (or CLI) decides how to show it.

Core services never touch a widget. They publish events here; the UI
subscribes and marshals onto the Qt thread (everything runs on one qasync
loop, so a handler is called on the loop's thread).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AccountChanged",
    "AccountRemoved",
    "EventBus",
    "NetworkLost",
    "Notice",
    "RefreshProgress",
]

log = logging.getLogger("huntaze.events")


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """An account was added, or its status/profile changed."""

    account_id: int
    provider: str


@dataclass(frozen=True, slots=True)
class AccountRemoved:
    account_id: int
    provider: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the user (toast); ``level`` is info, success, warning or error."""

    text: str
    level: str = "info"


@dataclass(frozen=True, slots=True)
class RefreshProgress:
    """Background refresh progress: ``done`` of ``total`` accounts."""

    done: int
    total: int
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class NetworkLost:
    """Background refresh found the network unreachable and paused (once per outage)."""


class EventBus:
    """Synchronous publish/subscribe keyed on the event's type."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(
        self, event_type: type[Any], handler: Callable[[Any], None]
    ) -> Callable[[], None]:
        """Register ``handler``; returns a function that unsubscribes it."""
        self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers[event_type]:
                self._handlers[event_type].remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        for handler in list(self._handlers[type(event)]):
            try:
                handler(event)
            except Exception:
                # One broken subscriber must not stop the others or the sender.
                log.exception("Event handler failed for %s", type(event).__name__)

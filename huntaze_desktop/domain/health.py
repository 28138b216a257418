"""Health at a glance: what the tray shows, computed from accounts (no Qt).

The tray icon colour is the worst severity across accounts, its tooltip counts
them, and a tray notification fires once per incident (an account moving to
``needs_reconnect``), not on every refresh that still finds it broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from huntaze_desktop.domain.models import Account, ConnectionStatus, Severity

__all__ = [
    "NAMED_IN_NOTICE",
    "HealthSummary",
    "IncidentTracker",
    "incident_notice",
    "summarize",
    "worst_first",
]

NAMED_IN_NOTICE = 3  # accounts a grouped notification names before "and N more"


@dataclass(frozen=True, slots=True)
class HealthSummary:
    """Counts and the worst severity across a set of accounts."""

    total: int
    attention: tuple[Account, ...]
    worst: Severity

    @property
    def healthy(self) -> int:
        return self.total - len(self.attention)

    @property
    def tooltip(self) -> str:
        """One line for the tray tooltip, e.g. "5 connected, 1 needs attention".

        "Connected" counts the accounts that are fine, as the cards do; the
        others are counted once, as needing attention.
        """
        if self.total == 0:
            return "No accounts connected"
        parts = [f"{self.healthy} connected"] if self.healthy else []
        if self.attention:
            verb = "needs" if len(self.attention) == 1 else "need"
            parts.append(f"{len(self.attention)} {verb} attention")
        return ", ".join(parts)


def summarize(accounts: Iterable[Account]) -> HealthSummary:
    """Summarize accounts; those whose status is not OK "need attention" (worst first)."""
    items = list(accounts)
    attention = worst_first(a for a in items if a.status.severity > Severity.OK)
    worst = max((a.status.severity for a in items), default=Severity.OK)
    return HealthSummary(total=len(items), attention=attention, worst=worst)


def worst_first(accounts: Iterable[Account]) -> tuple[Account, ...]:
    """Accounts by severity, worst first (in their own order within one severity).

    Lists cut short ("and 9 more") must not hide a sign-in that is needed behind
    accounts that are only offline.
    """
    return tuple(sorted(accounts, key=lambda a: -a.status.severity))


class IncidentTracker:
    """Remembers which accounts were already notified as needing a reconnect.

    ``update`` returns the accounts that *newly* need a reconnect; an account
    that recovers (or is removed) is forgotten, so a later relapse notifies again.
    """

    def __init__(self) -> None:
        self._notified: set[int] = set()

    @property
    def notified(self) -> frozenset[int]:
        return frozenset(self._notified)

    def update(self, accounts: Iterable[Account]) -> list[Account]:
        items = list(accounts)
        broken = {a.id for a in items if a.status is ConnectionStatus.NEEDS_RECONNECT}
        fresh = [
            a
            for a in items
            if a.status is ConnectionStatus.NEEDS_RECONNECT and a.id not in self._notified
        ]
        self._notified = broken
        return fresh


def incident_notice(
    fresh: Iterable[Account], platforms: Mapping[str, str]
) -> tuple[str, str] | None:
    """The one notification (title, text) for accounts that newly need a reconnect.

    Accounts that break together (a platform revoking every sign-in at once)
    get one notification naming the first few, not one balloon each.
    ``platforms`` maps provider name to display name.
    """
    items = list(fresh)
    if not items:
        return None

    def platform(account: Account) -> str:
        return platforms.get(account.provider, account.provider)

    if len(items) == 1:
        account = items[0]
        return (
            f"{platform(account)} needs you",
            f"{account.name} must be reconnected. Open Huntaze to sign in again.",
        )
    platforms_hit = {platform(a) for a in items}
    if len(platforms_hit) == 1:  # "12 Instagram accounts", no platform after each name
        title = f"{len(items)} {platforms_hit.pop()} accounts need you"
        named = [a.name for a in items[:NAMED_IN_NOTICE]]
    else:
        title = f"{len(items)} accounts need you"
        named = [f"{a.name} ({platform(a)})" for a in items[:NAMED_IN_NOTICE]]
    rest = len(items) - len(named)
    listed = (
        f"{', '.join(named)} and {rest} more"
        if rest
        else f"{', '.join(named[:-1])} and {named[-1]}"
    )
    return title, f"{listed} must be reconnected. Open Huntaze to sign in again."

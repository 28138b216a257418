"""The tray's arithmetic: counts, worst severity, one notification per incident."""

from __future__ import annotations

from huntaze_desktop.core.health import IncidentTracker, summarize
from huntaze_desktop.core.models import Account, ConnectionStatus, Severity


def _acc(id_: int, status: ConnectionStatus) -> Account:
    return Account(id=id_, user_id=1, provider="p", provider_account_id=str(id_), status=status)


def test_summary_counts_and_worst() -> None:
    s = summarize(
        [
            _acc(1, ConnectionStatus.CONNECTED),
            _acc(2, ConnectionStatus.RATE_LIMITED),
            _acc(3, ConnectionStatus.REFRESHING),
        ]
    )
    assert s.total == 3
    assert [a.id for a in s.attention] == [2]
    assert s.worst is Severity.WARNING
    assert s.tooltip == "3 connected, 1 needs attention"


def test_summary_problem_wins_and_plural() -> None:
    s = summarize([_acc(1, ConnectionStatus.NEEDS_RECONNECT), _acc(2, ConnectionStatus.OFFLINE)])
    assert s.worst is Severity.PROBLEM
    assert s.tooltip == "2 connected, 2 need attention"


def test_summary_empty() -> None:
    s = summarize([])
    assert s.worst is Severity.OK
    assert s.tooltip == "No accounts connected"


def test_incident_notifies_once_and_again_after_recovery() -> None:
    t = IncidentTracker()
    broken = [_acc(1, ConnectionStatus.NEEDS_RECONNECT), _acc(2, ConnectionStatus.CONNECTED)]
    assert [a.id for a in t.update(broken)] == [1]
    assert t.update(broken) == []
    assert t.notified == {1}
    assert t.update([_acc(1, ConnectionStatus.CONNECTED)]) == []
    assert t.notified == set()
    assert [a.id for a in t.update(broken)] == [1]


def test_incident_forgets_removed_accounts() -> None:
    t = IncidentTracker()
    t.update([_acc(7, ConnectionStatus.NEEDS_RECONNECT)])
    assert t.update([]) == []
    assert t.notified == set()

"""The tray's arithmetic: counts, worst severity, one notification per incident."""

from __future__ import annotations

from huntaze_desktop.domain.health import IncidentTracker, incident_notice, summarize
from huntaze_desktop.domain.models import Account, ConnectionStatus, Severity


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
    assert s.tooltip == "2 connected, 1 needs attention"


def test_summary_problem_wins_and_plural() -> None:
    s = summarize([_acc(1, ConnectionStatus.NEEDS_RECONNECT), _acc(2, ConnectionStatus.OFFLINE)])
    assert s.worst is Severity.PROBLEM
    assert s.tooltip == "2 need attention"


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


def _named(id_: int, provider: str) -> Account:
    return Account(
        id=id_,
        user_id=1,
        provider=provider,
        provider_account_id=str(id_),
        username=f"creator{id_}",
        status=ConnectionStatus.NEEDS_RECONNECT,
    )


PLATFORMS = {"instagram": "Instagram", "tiktok": "TikTok"}


def test_notice_for_one_account_names_it_and_its_platform() -> None:
    assert incident_notice([_named(1, "instagram")], PLATFORMS) == (
        "Instagram needs you",
        "@creator1 must be reconnected. Open Huntaze to sign in again.",
    )
    assert incident_notice([], PLATFORMS) is None


def test_accounts_breaking_together_get_one_notice() -> None:
    two = [_named(1, "instagram"), _named(2, "tiktok")]
    assert incident_notice(two, PLATFORMS) == (
        "2 accounts need you",
        "@creator1 (Instagram) and @creator2 (TikTok) must be reconnected."
        " Open Huntaze to sign in again.",
    )
    many = [_named(i, "instagram") for i in range(1, 51)]
    title, text = incident_notice(many, PLATFORMS) or ("", "")
    assert title == "50 Instagram accounts need you"
    assert text == (
        "@creator1, @creator2, @creator3 and 47 more"
        " must be reconnected. Open Huntaze to sign in again."
    )


def test_attention_lists_the_worst_first() -> None:
    s = summarize(
        [
            _acc(1, ConnectionStatus.OFFLINE),
            _acc(2, ConnectionStatus.CONNECTED),
            _acc(3, ConnectionStatus.OFFLINE),
            _acc(4, ConnectionStatus.NEEDS_RECONNECT),
            _acc(5, ConnectionStatus.ERROR),
        ]
    )
    # A cut-short list must not hide a needed sign-in behind accounts merely offline.
    assert [a.id for a in s.attention] == [4, 5, 1, 3]
    assert s.tooltip == "1 connected, 4 need attention"

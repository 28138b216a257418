"""Rows an interrupted renewal left "refreshing" are corrected (issue #15 item 7).

Older versions stored "refreshing" before asking the token endpoint; a crash
there left it for ever. ``settle_interrupted_refreshes`` runs at every start:
an unexpired access token means ``connected``; an expired one ``degraded``,
re-checked at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from huntaze_desktop.domain.models import ConnectionStatus, TokenSet
from huntaze_desktop.storage.accounts import INTERRUPTED_MESSAGE, AccountStore

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def _account(store: AccountStore, name: str, expires_at: datetime | None) -> int:
    account, _ = store.upsert_connected(
        "reddit",
        f"id-{name}",
        TokenSet(access_token=f"a-{name}", refresh_token=f"r-{name}", expires_at=expires_at),
        username=name,
    )
    return account.id


def test_rows_left_refreshing_are_settled_by_their_tokens(store: AccountStore) -> None:
    valid = _account(store, "valid", NOW + timedelta(minutes=3))
    endless = _account(store, "endless", None)
    expired = _account(store, "expired", NOW - timedelta(minutes=1))
    offline = _account(store, "offline", NOW - timedelta(minutes=1))
    for account_id in (valid, endless, expired):
        store.update_status(account_id, ConnectionStatus.REFRESHING)
    retry = NOW + timedelta(minutes=2)
    store.update_status(offline, ConnectionStatus.OFFLINE, last_error="Away.", retry_at=retry)

    assert store.settle_interrupted_refreshes(NOW) == 3

    for account_id in (valid, endless):
        account = store.get(account_id)
        assert account.status is ConnectionStatus.CONNECTED
        assert (account.status_reason, account.last_error, account.retry_at) == (None, None, None)
    settled = store.get(expired)
    assert settled.status is ConnectionStatus.DEGRADED
    assert settled.last_error == INTERRUPTED_MESSAGE
    assert settled.retry_at == NOW  # asked again at once
    # Any other status is left alone.
    untouched = store.get(offline)
    assert (untouched.status, untouched.last_error, untouched.retry_at) == (
        ConnectionStatus.OFFLINE,
        "Away.",
        retry,
    )
    events = [e for e in store.audit_events() if e.event == "refresh_interrupted"]
    assert len(events) == 3
    # Nothing left to do the next time.
    assert store.settle_interrupted_refreshes(NOW) == 0
    assert store.list_accounts() and all(
        a.status is not ConnectionStatus.REFRESHING for a in store.list_accounts()
    )

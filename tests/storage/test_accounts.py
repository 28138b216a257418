"""AccountStore on a real SQLite file: rows, tokens, status, audit, revocations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from huntaze_desktop.domain.errors import AccountNotFoundError
from huntaze_desktop.domain.models import ConnectionStatus, TokenSet
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.audit import scrub_detail
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.vault import Vault

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _tokens(n: int = 1, refresh: str | None = "r") -> TokenSet:
    return TokenSet(
        access_token=f"access-{n}",
        refresh_token=None if refresh is None else f"{refresh}-{n}",
        expires_at=T0 + timedelta(hours=n),
        refresh_expires_at=T0 + timedelta(days=60),
        scope="user.info.basic",
        issued_at=T0,
    )


def test_upsert_creates_then_updates_the_same_identity(store: AccountStore) -> None:
    first, created = store.upsert_connected(
        "tiktok", "tt-1", _tokens(1), username="alice", metadata={"a": 1}
    )
    assert created
    assert first.status is ConnectionStatus.CONNECTED
    assert first.metadata == {"a": 1}
    assert first.created_at is not None and first.created_at.tzinfo is not None

    again, created_again = store.upsert_connected(
        "tiktok", "tt-1", _tokens(2), username="alice2", display_name="Alice"
    )
    assert not created_again
    assert again.id == first.id
    assert again.username == "alice2"
    assert again.metadata == {"a": 1}  # metadata None keeps what was stored
    assert store.load_tokens(first.id).access_token == "access-2"
    assert len(store.list_accounts()) == 1


def test_another_provider_account_id_adds_a_row(store: AccountStore) -> None:
    a, _ = store.upsert_connected("reddit", "r-1", _tokens(1))
    b, created = store.upsert_connected("reddit", "r-2", _tokens(2))
    c, _ = store.upsert_connected("tiktok", "r-1", _tokens(3))
    assert created
    assert len({a.id, b.id, c.id}) == 3
    assert [x.id for x in store.list_accounts("reddit")] == [a.id, b.id]
    assert store.find("reddit", "r-2") == b
    assert store.find("reddit", "nope") is None


def test_the_identity_is_unique_in_the_schema(store: AccountStore, db: Database) -> None:
    store.upsert_connected("reddit", "r-1", _tokens(1))
    with pytest.raises(IntegrityError), db.transaction() as conn:
        conn.exec_driver_sql(
            "INSERT INTO oauth_accounts (user_id, provider, provider_account_id, access_token,"
            " metadata, created_at, updated_at, status, token_generation)"
            " VALUES (?, 'reddit', 'r-1', x'00', '{}', '2024-01-01', '2024-01-01', 'connected', 0)",
            (store.user_id,),
        )


def test_deleting_the_user_cascades_to_accounts_and_metrics(
    store: AccountStore, db: Database
) -> None:
    account, _ = store.upsert_connected("instagram", "ig-1", _tokens(1))
    MetricStore(db).upsert_snapshots(account.id, [("followers", T0.date(), 10.0, "/me")])
    with db.transaction() as conn:
        conn.exec_driver_sql("DELETE FROM users WHERE id = ?", (store.user_id,))
    with db.transaction() as session:
        assert session.exec_driver_sql("SELECT count(*) FROM oauth_accounts").fetchone()[0] == 0
        assert session.exec_driver_sql("SELECT count(*) FROM metric_snapshots").fetchone()[0] == 0


def test_save_tokens_bumps_generation_and_keeps_refresh_when_absent(
    store: AccountStore,
) -> None:
    account, _ = store.upsert_connected("tiktok", "tt-1", _tokens(1))
    tokens, gen = store.load_tokens_with_generation(account.id)
    assert (tokens.access_token, tokens.refresh_token, gen) == ("access-1", "r-1", 1)

    new_gen = store.save_tokens(account.id, _tokens(2, refresh=None))
    tokens, gen = store.load_tokens_with_generation(account.id)
    assert gen == new_gen == 2
    assert tokens.access_token == "access-2"
    assert tokens.refresh_token == "r-1"  # kept
    assert tokens.refresh_expires_at == T0 + timedelta(days=60)
    assert tokens.expires_at == T0 + timedelta(hours=2)

    store.save_tokens(account.id, _tokens(3))
    tokens, gen = store.load_tokens_with_generation(account.id)
    assert (tokens.refresh_token, gen) == ("r-3", 3)
    # The refresh path reads the account with its tokens in one go: the same answer.
    again, both, both_gen = store.get_with_tokens(account.id)
    assert (both, both_gen) == (tokens, gen) and again == store.get(account.id)


def test_a_new_sign_in_replaces_the_refresh_token(store: AccountStore) -> None:
    account, _ = store.upsert_connected("tiktok", "tt-1", _tokens(1))
    store.upsert_connected("tiktok", "tt-1", _tokens(2, refresh=None))
    assert store.load_tokens(account.id).refresh_token is None


def test_update_status_and_profile(store: AccountStore) -> None:
    account, _ = store.upsert_connected("reddit", "r-1", _tokens(1))
    retry = T0 + timedelta(minutes=5)
    updated = store.update_status(
        account.id,
        ConnectionStatus.RATE_LIMITED,
        reason="429",
        last_error="Too many requests",
        retry_at=retry,
    )
    assert updated.status is ConnectionStatus.RATE_LIMITED
    assert updated.retry_at == retry
    before = updated.last_success_at
    ok = store.update_status(account.id, ConnectionStatus.CONNECTED, success=True)
    assert ok.retry_at is None and ok.last_error is None
    assert ok.last_success_at is not None and before is not None and ok.last_success_at > before
    prof = store.update_profile(account.id, username="bob", metadata={"karma": 3})
    assert (prof.username, prof.metadata) == ("bob", {"karma": 3})
    assert store.get(account.id) == prof


def test_unknown_or_foreign_ids_are_not_found(store: AccountStore, db: Database) -> None:
    account, _ = store.upsert_connected("reddit", "r-1", _tokens(1))
    with db.transaction() as conn:
        inserted = conn.exec_driver_sql(
            "INSERT INTO users (name, created_at) VALUES ('other', '2024-01-01 00:00:00.000000')"
        )
        other_id = int(inserted.lastrowid or 0)
    foreign = AccountStore(db, Vault(Vault.generate_key()), other_id)
    with pytest.raises(AccountNotFoundError):
        foreign.get(account.id)
    with pytest.raises(AccountNotFoundError):
        store.load_tokens(9999)
    with pytest.raises(AccountNotFoundError):
        store.delete(9999)


def test_delete_removes_row_secrets_and_writes_audit(store: AccountStore, db: Database) -> None:
    account, _ = store.upsert_connected("tiktok", "tt-1", _tokens(1), metadata={"k": "v"})
    metrics = MetricStore(db)
    metrics.upsert_snapshots(account.id, [("views", T0.date(), 5.0, "/video/list")])
    metrics.cache_put("k1", account.id, "{}", 60)
    store.delete(account.id)
    assert store.list_accounts() == []
    with pytest.raises(AccountNotFoundError):
        store.load_tokens(account.id)
    assert metrics.cache_get("k1") is None
    assert metrics.snapshots([account.id], ["views"], T0.date(), T0.date()) == []
    events = [(e.event, e.provider_account_id) for e in store.audit_events()]
    assert events[0] == ("disconnect", "tt-1")
    assert ("connect", "tt-1") in events


def test_audit_details_are_scrubbed(store: AccountStore, db: Database) -> None:
    secret = "EAAGm0PX4ZCpsBAKZAZBq1x2y3z4abcdefgh"
    store.audit(
        "refresh_failed",
        provider="instagram",
        provider_account_id="ig-1",
        detail=f"invalid_grant for access_token={secret} and code: abc123 then {secret}",
    )
    with db.transaction() as conn:
        (detail,) = conn.exec_driver_sql("SELECT detail FROM audit_log").fetchone()
    assert detail is not None
    assert secret not in detail
    assert "abc123" not in detail
    assert detail.startswith("invalid_grant for access_token=[redacted]")
    assert scrub_detail("state rejected") == "state rejected"
    assert scrub_detail(None) is None


def test_pending_revocations_round_trip(store: AccountStore) -> None:
    rid = store.add_pending_revocation(
        "tiktok", "tok-secret", "refresh_token", provider_account_id="tt-1"
    )
    items = store.pending_revocations()
    assert [(i.id, i.token, i.token_kind, i.attempts) for i in items] == [
        (rid, "tok-secret", "refresh_token", 0)
    ]
    assert "tok-secret" not in repr(items[0])
    later = T0 + timedelta(minutes=10)
    store.defer_pending_revocation(rid, later)
    (item,) = store.pending_revocations()
    assert (item.attempts, item.next_try_at) == (1, later)
    store.drop_pending_revocation(rid)
    assert store.pending_revocations() == []

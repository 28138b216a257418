"""ClientCredentialStore and MetricStore on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from huntaze_desktop.domain.errors import DecryptionError
from huntaze_desktop.domain.models import TokenSet
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentials, ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.vault import Vault


@pytest.fixture
def creds(db: Database, vault: Vault) -> ClientCredentialStore:
    return ClientCredentialStore(db, vault, db.default_user_id)


def test_client_credentials_set_get_replace_delete(creds: ClientCredentialStore) -> None:
    assert creds.get("tiktok") is None
    creds.set("tiktok", "key-1", "secret-1")
    assert creds.get("tiktok") == ClientCredentials("key-1", "secret-1")
    creds.set("tiktok", "key-2", None)
    assert creds.get("tiktok") == ClientCredentials("key-2", None)
    creds.set("reddit", "rid", "rsecret")
    assert creds.providers() == ["reddit", "tiktok"]
    creds.delete("tiktok")
    creds.delete("tiktok")  # idempotent
    assert creds.get("tiktok") is None
    assert creds.providers() == ["reddit"]


def test_client_credentials_repr_hides_the_secret() -> None:
    shown = repr(ClientCredentials("my-client", "top-secret-value"))
    assert "top-secret-value" not in shown
    assert "my-client" in shown
    assert "top-secret-value" not in str(ClientCredentials("x", "top-secret-value"))


def test_client_secret_is_bound_to_its_client_id(
    creds: ClientCredentialStore, db: Database
) -> None:
    creds.set("reddit", "rid", "rsecret")
    with db.transaction() as session:
        session.exec_driver_sql("UPDATE client_credentials SET client_id = 'other-id'")
    with pytest.raises(DecryptionError):
        creds.get("reddit")


@pytest.fixture
def account_id(db: Database, vault: Vault) -> int:
    store = AccountStore(db, vault, db.default_user_id)
    return store.upsert_connected("instagram", "ig-1", TokenSet("a", "r"))[0].id


D = date(2024, 6, 1)


def test_snapshots_upsert_and_range(db: Database, account_id: int) -> None:
    metrics = MetricStore(db)
    points = [("followers", D + timedelta(days=i), float(100 + i), "/insights") for i in range(5)]
    assert metrics.upsert_snapshots(account_id, points) == 5
    # Same (account, metric, day): replaced, not duplicated.
    metrics.upsert_snapshots(account_id, [("followers", D, 99.5, "/insights/v2")])
    metrics.upsert_snapshots(account_id, [("reach", D, 7.0, "/insights")])
    got = metrics.snapshots([account_id], ["followers"], D, D + timedelta(days=2))
    assert [(s.day, s.value) for s in got] == [
        (D, 99.5),
        (D + timedelta(days=1), 101.0),
        (D + timedelta(days=2), 102.0),
    ]
    assert got[0].source == "/insights/v2"
    assert got[0].fetched_at.tzinfo is not None
    both = metrics.snapshots([account_id], ["followers", "reach"], D, D)
    assert [(s.metric, s.value) for s in both] == [("followers", 99.5), ("reach", 7.0)]
    assert metrics.snapshots([account_id + 1], ["followers"], D, D) == []
    assert metrics.upsert_snapshots(account_id, []) == 0


def test_cache_put_get_ttl_and_validators(db: Database, account_id: int) -> None:
    metrics = MetricStore(db)
    assert metrics.cache_get("missing") is None
    entry = metrics.cache_put("me", account_id, '{"x": 1}', 60, etag='W/"abc"')
    got = metrics.cache_get("me")
    assert got == entry
    assert got is not None and got.is_fresh()
    assert not got.is_fresh(got.expires_at + timedelta(seconds=1))
    metrics.cache_put("me", account_id, '{"x": 2}', 0, last_modified="Sat, 01 Jun 2024")
    stale = metrics.cache_get("me")
    assert stale is not None
    assert (stale.body, stale.etag, stale.last_modified) == ('{"x": 2}', None, "Sat, 01 Jun 2024")
    assert not stale.is_fresh()
    touched = metrics.cache_touch("me", 3600)
    assert touched is not None and touched.is_fresh() and touched.body == '{"x": 2}'
    assert metrics.cache_touch("nope", 10) is None


def test_store_answers_keeps_validators_and_renews_ttls_in_one_go(
    db: Database, account_id: int
) -> None:
    metrics = MetricStore(db)
    then = datetime(2026, 3, 1, 12, tzinfo=UTC)
    written = metrics.store_answers(
        account_id,
        [("followers", D, 10.0, "ig:me")],
        [("a", '{"v": 1}', 600, '"tag-a"', None), ("b", "{}", 60)],
        now=then,
    )
    assert written == 1
    held = metrics.cache_get_many(["a", "b", "missing", "a"])
    assert set(held) == {"a", "b"}
    assert (held["a"].etag, held["a"].last_modified) == ('"tag-a"', None)
    assert held["a"].fetched_at == then and held["a"].expires_at == then + timedelta(minutes=10)
    assert held["b"].etag is None

    # A 304 an hour later: same body and tag, a TTL counted from then.
    later = then + timedelta(hours=1)
    assert metrics.store_answers(account_id, [], [], touched=[("a", 600)], now=later) == 0
    renewed = metrics.cache_get("a")
    assert renewed is not None
    assert (renewed.body, renewed.etag) == ('{"v": 1}', '"tag-a"')
    assert renewed.fetched_at == later and renewed.is_fresh(later + timedelta(minutes=9))
    # A new answer replaces body and validators.
    metrics.store_answers(account_id, [], [("a", '{"v": 2}', 600, None, "Mon, 02 Mar 2026")])
    replaced = metrics.cache_get("a")
    assert replaced is not None
    assert (replaced.body, replaced.etag, replaced.last_modified) == (
        '{"v": 2}',
        None,
        "Mon, 02 Mar 2026",
    )
    assert metrics.cache_get_many([]) == {}


def test_cache_purge_drops_only_expired(db: Database) -> None:
    metrics = MetricStore(db)
    metrics.cache_put("old", None, "1", 0)
    metrics.cache_put("new", None, "2", 3600)
    assert metrics.cache_purge(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert metrics.cache_get("old") is None
    assert metrics.cache_get("new") is not None

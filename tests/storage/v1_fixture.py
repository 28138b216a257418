"""The committed database of the first storage format, and how to read it all back.

``fixtures/v1-huntaze.sqlite3`` was written by this module's :func:`write_database`
with the stores as they were before they were built on SQLAlchemy Core (plain
``sqlite3`` and a hand-written codec); ``fixtures/v1-expected.json`` is what
:func:`read_everything` read back from it with that same code. The test
``test_v1_database.py`` opens a copy with today's code and compares.

Regenerating the fixture is not meant to happen (it is the record of what older
versions wrote); ``python -m tests.storage.v1_fixture OUT_DIR`` writes a fresh
pair with the current code, which the test also uses to check that today's code
writes the same formats.

The vault key is test data, not a secret: it only opens the tokens of this fixture.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from huntaze_desktop.domain.models import ConnectionStatus, TokenSet
from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.storage.accounts import AccountStore
from huntaze_desktop.storage.credentials import ClientCredentialStore
from huntaze_desktop.storage.db import Database
from huntaze_desktop.storage.metrics import MetricStore
from huntaze_desktop.storage.vault import Vault

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATABASE = FIXTURES / "v1-huntaze.sqlite3"
EXPECTED = FIXTURES / "v1-expected.json"
# The day the committed fixture was written: its clock stamps (created_at...) are
# from that day on, its own fixed instants all before it.
WRITTEN_ON = "2026-12-07"
TEST_KEY = bytes.fromhex("5e1f0c2a9b7d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e1f")

T0 = datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
PARIS = timezone(timedelta(hours=2))
DAY = date(2024, 5, 28)


def write_database(data_dir: Path) -> None:
    """Fill a new data directory with one of everything the stores keep."""
    paths = DataPaths(data_dir)
    db = Database.open(paths)
    try:
        vault = Vault(TEST_KEY)
        accounts = AccountStore(db, vault, db.default_user_id)
        tiktok, _ = accounts.upsert_connected(
            "tiktok",
            "tt-1",
            TokenSet(
                access_token="act.tiktok-access-1",
                refresh_token="rft.tiktok-refresh-1",
                expires_at=T0 + timedelta(hours=24),
                refresh_expires_at=T0 + timedelta(days=365),
                token_type="Bearer",
                scope="user.info.basic,video.list",
                issued_at=T0,
            ),
            username="alice",
            display_name="Alice Émile 🎥",
            avatar_url="https://example.test/a.png",
            metadata={"followers": 1200, "nested": {"list": [1, 2.5, "x", None, True]}},
        )
        onlyfans, _ = accounts.upsert_connected(
            "onlyfans",
            "of-9",
            TokenSet(
                access_token=json.dumps({"sess": "cookie-value", "auth_id": "9"}),
                refresh_token=None,
                token_type=None,
                issued_at=datetime(2024, 6, 1, 14, 30, tzinfo=PARIS),
            ),
            display_name="Of Nine",
        )
        accounts.update_status(
            onlyfans.id,
            ConnectionStatus.RATE_LIMITED,
            reason="The platform asked us to slow down.",
            last_error="429",
            retry_at=datetime(2024, 6, 1, 15, 0, 0, 1, tzinfo=PARIS),
        )
        reddit, _ = accounts.upsert_connected(
            "reddit",
            "r-77",
            TokenSet(
                "reddit-access",
                "reddit-refresh",
                expires_at=T0,
                refresh_expires_at=datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            ),
        )
        accounts.save_tokens(
            reddit.id,
            TokenSet("reddit-access-2", None, expires_at=T0 + timedelta(hours=1), issued_at=T0),
        )
        accounts.update_status(reddit.id, ConnectionStatus.CONNECTED, success=True)

        metrics = MetricStore(db)
        points = [
            ("followers", DAY + timedelta(days=i), 1000.0 + i * 7.25, "/v2/user/info")
            for i in range(4)
        ]
        metrics.store_answers(
            tiktok.id,
            points,
            [
                ("tiktok:tt-1:/v2/user/info", '{"data": {"follower_count": 1021}}', 3600),
                (
                    "tiktok:tt-1:/v2/video/list",
                    "[]",
                    600,
                    '"etag-1"',
                    "Sat, 01 Jun 2024 12:00:00 GMT",
                ),
            ],
            now=T0,
        )
        metrics.store_answers(reddit.id, [("karma", DAY, 3.0, "/api/v1/me")], (), now=T0)
        metrics.store_answers(
            tiktok.id,
            (),
            (),
            touched=[("tiktok:tt-1:/v2/video/list", 900)],
            now=T0 + timedelta(minutes=5),
        )
        metrics.cache_put("global:status", None, "ok", 60, etag='W/"x"')

        accounts.audit(
            "refresh_failed", provider="tiktok", provider_account_id="tt-1", detail="HTTP 500"
        )
        accounts.audit("key_rotated")

        credentials = ClientCredentialStore(db, vault, db.default_user_id)
        credentials.set("tiktok", "tiktok-client-key", "tiktok-client-secret")
        credentials.set("reddit", "reddit-client-id", None)

        accounts.add_pending_revocation(
            "instagram", "ig-old-access", "access_token", provider_account_id="ig-5"
        )
        pending = accounts.add_pending_revocation("tiktok", "tt-old-refresh", "refresh_token")
        accounts.defer_pending_revocation(pending, datetime(2024, 6, 2, 1, 2, 3, tzinfo=PARIS))
    finally:
        db.close()


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it; datetimes keep their offset, so naive ones show."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, ConnectionStatus):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _fields(obj: Any) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in obj.__slots__ if name != "__weakref__"}


def read_everything(data_dir: Path) -> dict[str, Any]:
    """Every value the stores give back for the fixture's data, as JSON."""
    db = Database.open(DataPaths(data_dir))
    try:
        vault = Vault(TEST_KEY)
        accounts = AccountStore(db, vault, db.default_user_id)
        listed = accounts.list_accounts()
        tokens = {}
        for account in listed:
            token_set, generation = accounts.load_tokens_with_generation(account.id)
            tokens[account.provider_account_id] = {
                **{
                    name: _plain(getattr(token_set, name))
                    for name in (
                        "access_token",
                        "refresh_token",
                        "expires_at",
                        "refresh_expires_at",
                        "token_type",
                        "scope",
                        "issued_at",
                    )
                },
                "generation": generation,
            }
        metrics = MetricStore(db)
        ids = [account.id for account in listed]
        keys = ["tiktok:tt-1:/v2/user/info", "tiktok:tt-1:/v2/video/list", "global:status"]
        credentials = ClientCredentialStore(db, vault, db.default_user_id)
        return {
            "default_user_id": db.default_user_id,
            "accounts": [_fields(account) for account in listed],
            "tokens": tokens,
            "snapshots": [
                _fields(point)
                for point in metrics.snapshots(
                    ids, ["followers", "karma"], date(2024, 1, 1), date(2024, 12, 31)
                )
            ],
            "snapshot_rows": _plain(
                sorted(metrics.snapshot_rows(ids, date(2024, 1, 1), date(2024, 12, 31)))
            ),
            "cache": {
                key: _fields(entry) for key, entry in sorted(metrics.cache_get_many(keys).items())
            },
            "audit": [_fields(event) for event in accounts.audit_events()],
            "credentials": {
                provider: {"client_id": found.client_id, "client_secret": found.client_secret}
                for provider in credentials.providers()
                if (found := credentials.get(provider)) is not None
            },
            "pending_revocations": [_fields(item) for item in accounts.pending_revocations()],
        }
    finally:
        db.close()


def main(out_dir: Path) -> None:
    """Write ``v1-huntaze.sqlite3`` and ``v1-expected.json`` into ``out_dir``."""
    work = out_dir / "work"
    write_database(work)
    expected = read_everything(work)
    out_dir.mkdir(parents=True, exist_ok=True)
    (work / "huntaze.sqlite3").replace(out_dir / DATABASE.name)
    (out_dir / EXPECTED.name).write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    for left in sorted(work.rglob("*"), reverse=True):
        left.rmdir() if left.is_dir() else left.unlink()
    work.rmdir()


if __name__ == "__main__":
    main(Path(sys.argv[1]))

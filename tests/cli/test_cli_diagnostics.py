"""``diagnostics export``: statuses, errors, versions and settings, and never a secret."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from support.cli_runner import PASSPHRASE, Cli

from huntaze_desktop import __version__
from huntaze_desktop.domain.models import ConnectionStatus
from huntaze_desktop.domain.secrets import (
    REDACTED,
    SecretLeakError,
    ensure_no_secrets,
    find_secrets,
    redact_secrets,
    secret_values,
)
from huntaze_desktop.runtime import Runtime, RuntimeOptions
from huntaze_desktop.sandbox.endpoints import sandbox_credentials


async def _stored_secrets_and_plant(cli: Cli) -> list[str]:
    """Open the vault in-process; put a token where a buggy error message might."""
    rt = await Runtime.create(
        RuntimeOptions(
            data_dir=cli.data_dir, sandbox=True, passphrase=PASSPHRASE, sandbox_server=cli.sandbox
        )
    )
    try:
        secrets: list[str] = []
        for account in await rt.accounts.list_accounts():
            tokens = rt.store.load_tokens(account.id)
            secrets += secret_values(tokens.access_token) + secret_values(tokens.refresh_token)
            if account.provider == "tiktok":
                leaked = quote(tokens.access_token, safe="")
                rt.store.update_status(
                    account.id,
                    ConnectionStatus.ERROR,
                    reason="planted",
                    last_error=f"bad token {leaked}",
                )
        return secrets
    finally:
        await rt.aclose()


def test_export_holds_statuses_versions_and_settings_but_no_secret(
    cli: Cli, tmp_path: Path
) -> None:
    cli.connect("tiktok")
    cli.connect("reddit")
    session = cli.session_file("sunnycreates@example.com", "sunny-pass")
    cli.run("accounts", "connect", "onlyfans", "--session-file", str(session))
    secrets = asyncio.run(_stored_secrets_and_plant(cli))
    assert len(secrets) >= 6  # two OAuth pairs, a session and the values inside it

    target = tmp_path / "out" / "diagnostics.json"
    target.parent.mkdir()
    done = cli.run("diagnostics", "export", str(target))
    assert str(target) in done.stdout
    text = target.read_text(encoding="utf-8")
    report: dict[str, Any] = json.loads(text)

    assert report["app_version"] == __version__ and report["python"] and report["platform"]
    assert report["vault"]["mode"] == "passphrase" and report["sandbox"] is True
    assert report["settings"]["refresh_interval_minutes"] == 15
    statuses = {a["provider"]: a["status"] for a in report["accounts"]}
    assert statuses == {"tiktok": "error", "reddit": "connected", "onlyfans": "connected"}
    (error,) = report["recent_errors"]
    assert error["provider"] == "tiktok" and error["reason"] == "planted"
    assert REDACTED in error["error"]  # the planted token was taken out

    client_secrets = [s for _, s in sandbox_credentials().values() if s]
    assert find_secrets(text, [*secrets, *client_secrets, PASSPHRASE]) == 0


def test_scan_finds_a_planted_secret_in_every_form() -> None:
    secret = "tok+en/with=odd&chars-1234567890"
    forms = {
        "raw": secret,
        "url-encoded": quote(secret, safe=""),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64url, unpadded": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
    }
    for name, form in forms.items():
        report = json.dumps({"note": f"before {form} after"})
        assert find_secrets(report, [secret]) == 1, name
        with pytest.raises(SecretLeakError) as caught:
            ensure_no_secrets(report, ["unrelated-secret-value", secret])
        assert secret not in str(caught.value) and form not in caught.value.user_message
        cleaned = redact_secrets(report, [secret])
        assert REDACTED in cleaned
        ensure_no_secrets(cleaned, [secret])  # nothing left after redaction

    # A secret with a quote in it, as it reads inside a JSON document.
    quoted = 'sess"with\\backslash-123456'
    report = json.dumps({"error": f"rejected {quoted}"})
    assert quoted not in report and find_secrets(report, [quoted]) == 1

    ensure_no_secrets("nothing to see", [secret])
    # Very short values are not treated as secrets (they would match ordinary text).
    assert find_secrets("abc", ["abc"]) == 0


def test_a_session_is_scanned_value_by_value() -> None:
    session = json.dumps(
        {
            "cookies": {"sess": "0123456789abcdef", "auth_id": "280001"},
            "x_bc": "feedfacecafebeef",
            "user_agent": "Mozilla/5.0",
        }
    )
    values = secret_values(session)
    assert {session, "0123456789abcdef", "280001", "feedfacecafebeef"} <= set(values)
    with pytest.raises(SecretLeakError):
        ensure_no_secrets("cookie sess=0123456789abcdef", values)
    assert secret_values(None) == [] and secret_values("plain-token") == ["plain-token"]

"""``onlyfans rules check`` and ``onlyfans sign`` through the real CLI.

The rules are the published files of tests/providers/fixtures/onlyfans_rules/
and the sandbox's own, served over loopback; the expected signature is worked
out here with hashlib from the file's own values.
"""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest
from support.cli_runner import Cli

FIXTURES = Path(__file__).parents[1] / "providers" / "fixtures" / "onlyfans_rules"
PUBLISHED_APP_TOKEN = "33d57ade8c02dbc5a333db99ff9ae26a"


def test_rules_check_prints_normalised_rules(cli_alone: Cli) -> None:
    camel = FIXTURES / "patchsets_camel_case.json"
    raw = json.loads(camel.read_text())
    done = cli_alone.run("onlyfans", "rules", "check", str(camel))
    assert done.stdout.startswith(f"OnlyFans rules from {camel}: valid.\n")
    assert f"  static_param:      {raw['staticParam']}\n" in done.stdout
    assert f"  sign format:       {raw['start']}:{{}}:{{:x}}:{raw['end']}\n" in done.stdout
    assert "(the web app's published token)" in done.stdout
    assert "Self-check passed" in done.stdout
    report = json.loads(cli_alone.run("onlyfans", "rules", "check", str(camel), "--json").stdout)
    assert report["source"] == str(camel)
    assert report["rules"]["checksum_indexes"] == raw["checksumIndexes"]
    assert report["rules"]["checksum_constant"] == raw["checksumConstant"]
    assert (report["rules"]["prefix"], report["rules"]["suffix"]) == (raw["start"], raw["end"])
    assert report["rules"]["app_token"] == PUBLISHED_APP_TOKEN


def test_rules_check_reads_a_url_through_the_app_client(cli: Cli) -> None:
    assert cli.sandbox is not None
    url = cli.sandbox.base_urls()["onlyfans"]["site"] + "/rules.json"
    report = json.loads(cli.run("onlyfans", "rules", "check", url + "?key=k3y", "--json").stdout)
    assert report["source"] == url  # shown without its query
    assert report["rules"]["revision"] == "sandbox-1"


def test_rules_check_failures_are_sentences(cli_alone: Cli, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/rules.json"
    done = cli_alone.run("onlyfans", "rules", "check", dead, rc=1)
    assert f"Error: The OnlyFans rules at {dead} could not be reached. Check" in done.stderr
    assert "earlier copy" not in done.stderr  # a check reads no saved copy
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"staticParam": "x", "checksumIndexes": [1], "start": "1"}))
    done = cli_alone.run("onlyfans", "rules", "check", str(bad), rc=1)
    assert "are incomplete or invalid (problem with: checksum_constant)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("fixture", "keeps_user_id"),
    [("sneakyovis_app_token_dash.json", True), ("datahoarders_format.json", False)],
)
def test_sign_prints_the_headers(cli_alone: Cli, fixture: str, keeps_user_id: bool) -> None:
    raw = json.loads((FIXTURES / fixture).read_text())
    path, user_id, time_ms = "/api2/v2/users/me?limit=10", "280001", "1765152000000"
    digest = hashlib.sha1(  # noqa: S324 - the site's choice
        "\n".join([raw["static_param"], time_ms, path, user_id]).encode()
    ).hexdigest()
    total = sum(digest.encode()[i] for i in raw["checksum_indexes"]) + raw["checksum_constant"]
    if "format" in raw:
        expected_sign = raw["format"].replace("{}", digest).replace("{:x}", f"{abs(total):x}")
    else:
        expected_sign = f"{raw['prefix']}:{digest}:{abs(total):x}:{raw['suffix']}"
    args = ("--rules", str(FIXTURES / fixture), "--path", path, "--time", time_ms)
    done = cli_alone.run("onlyfans", "sign", *args, "--user-id", user_id, "--json")
    expected = {
        "sign": expected_sign,
        "time": time_ms,
        "app-token": raw.get("app-token", raw.get("app_token")),
    }
    if keeps_user_id:
        expected["user-id"] = user_id
    assert json.loads(done.stdout) == expected
    plain = cli_alone.run("onlyfans", "sign", *args, "--user-id", user_id).stdout
    assert plain.splitlines() == [f"{k}: {v}" for k, v in expected.items()]


def test_sign_refuses_a_url_for_a_path(cli_alone: Cli) -> None:
    done = cli_alone.run(
        "onlyfans",
        "sign",
        "--rules",
        str(FIXTURES / "deviint_start_end.json"),
        "--path",
        "https://onlyfans.com/api2/v2/users/me",
        "--time",
        "1",
        "--user-id",
        "1",
        rc=2,
    )
    assert "--path takes the request path with its query" in done.stderr

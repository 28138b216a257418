"""``analytics refresh`` and ``analytics export`` through the real CLI, against the sandbox.

The exported cells are compared with the sandbox's own data model for those days:
what the platform stand-ins answer is a function of (user, metric, day).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from support.cli_runner import Cli

from huntaze_desktop.providers.onlyfans.sandbox.app import earnings_on
from huntaze_desktop.sandbox import data
from huntaze_desktop.sandbox.faults import Fault, FaultKind
from huntaze_desktop.sandbox.users import DemoUser


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _user(cli: Cli, provider: str, username: str) -> DemoUser:
    assert cli.sandbox is not None
    return next(u for u in cli.sandbox.state.users[provider] if u.username == username)


def _column(table: list[list[str]], label: str) -> dict[date, str]:
    index = table[0].index(label)
    return {date.fromisoformat(row[0]): row[index] for row in table[1:]}


def _views_by_day(user: DemoUser, at: float) -> Callable[[date], int]:
    """TikTok views summed by the day each video was posted, as the model counts them at ``at``."""
    sums: dict[date, int] = {}
    for post in data.posts(user, datetime.fromtimestamp(at, UTC), every_days=2):
        sums[post.created.date()] = sums.get(post.created.date(), 0) + post.views
    return lambda day: sums.get(day, 0)


def test_bad_range_or_metric_is_a_usage_error_without_a_traceback(cli: Cli) -> None:
    for args, said in [
        (("--range", "12x"), "argument --range: '12x' is not a range"),
        (("--range", "0d"), "the number of days must be between 1 and"),
        (("--range", "2026-03-05:2026-03-01"), "the first day comes after the last"),
        (("--range", "2026-02-30:2026-03-01"), "is not a range"),
        (("--metric", "followers"), "argument --metric: invalid choice: 'followers'"),
        (("--by", "day"), "argument --by: invalid choice: 'day'"),
    ]:
        done = cli.run("analytics", "export", "out.csv", *args, rc=2)
        assert said in done.stderr, (args, done.stderr)
        assert "usage: huntaze-desktop analytics export" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    done = cli.run("analytics", "refresh", "--fast", rc=2)
    assert "unrecognized arguments: --fast" in done.stderr
    # Nothing connected: nothing to refresh (ok), nothing to export (said, exit 1).
    assert cli.run("analytics", "refresh").stdout == "No accounts to refresh.\n"
    done = cli.run("analytics", "export", str(cli.data_dir / "none.csv"), rc=1)
    assert done.stderr.startswith("Error: no accounts connected")
    assert not (cli.data_dir / "none.csv").exists()


def test_refresh_then_export_gives_the_sandboxs_numbers(cli: Cli, tmp_path: Path) -> None:
    assert cli.sandbox is not None
    state = cli.sandbox.state
    cli.connect("instagram")
    cli.connect("tiktok")
    session = cli.session_file("sunnycreates@example.com", "sunny-pass")
    cli.run("accounts", "connect", "onlyfans", "--session-file", str(session))

    before = state.now()
    refreshed = cli.run("analytics", "refresh").stdout.splitlines()
    assert len(refreshed) == 3
    for provider, name in [
        ("instagram", "@sunny.creates"),
        ("tiktok", "@sunny.creates"),
        ("onlyfans", "@sunnycreates"),
    ]:
        line = next(x for x in refreshed if x.startswith(provider))
        assert name in line and "values stored from" in line and "first fetch" in line, line
    # After the history, the regular window once; then, within the answers' time
    # to live, a refresh asks nobody (one account named by its "-" id).
    for expected in ("values stored from 1 answer", "up to date"):
        again = cli.run("analytics", "refresh", "tiktok", "-000sbxSunnyOpenId0001").stdout
        assert again.count("\n") == 1 and again.startswith("tiktok") and expected in again
    after = state.now()  # TikTok's counts were read between `before` and now

    # Revenue, one column per account, last 30 days: OnlyFans' own amounts, in USD cents.
    out = tmp_path / "revenue.csv"
    saved = cli.run(
        "analytics", "export", str(out), "--range", "30d", "--metric", "revenue", "--by", "account"
    )
    assert saved.stdout.startswith("Saved 30 rows (") and str(out) in saved.stdout
    table = _read(out)
    assert table[0] == ["date", "@sunnycreates · OnlyFans (USD)"]
    fans = _user(cli, "onlyfans", "sunnycreates")
    revenue = _column(table, "@sunnycreates · OnlyFans (USD)")
    assert len(revenue) == 30 and max(revenue) == state.today()
    assert revenue == {day: f"{earnings_on(fans, day):.2f}" for day in revenue}

    # Views, per account, over ten given days: Instagram's daily reach and TikTok's
    # views by the day each video was posted, as the stand-ins count them.
    first, last = state.today() - timedelta(days=9), state.today()
    out = tmp_path / "views.csv"
    cli.run(
        "analytics",
        "export",
        str(out),
        "--range",
        f"{first.isoformat()}:{last.isoformat()}",
        "--metric",
        "views",
        "--by",
        "account",
    )
    table = _read(out)
    assert table[0] == ["date", "@sunny.creates · Instagram", "@sunny.creates · TikTok"]
    assert [row[0] for row in table[1:]] == [
        (first + timedelta(days=i)).isoformat() for i in range(10)
    ]
    insta = _user(cli, "instagram", "sunny.creates")
    reach = _column(table, "@sunny.creates · Instagram")
    known = {day: cell for day, cell in reach.items() if cell}
    assert len(known) >= 6  # the last days are still inside Instagram's 48 h lag
    assert known == {day: str(data.daily_metric(insta, "reach", day)) for day in known}
    tok = _user(cli, "tiktok", "sunny.creates")
    low, high = _views_by_day(tok, before), _views_by_day(tok, after)
    for day, cell in _column(table, "@sunny.creates · TikTok").items():
        assert cell.isdigit(), (day, cell)  # every day of the window is covered
        assert low(day) <= int(cell) <= high(day), (day, cell, low(day), high(day))

    # One column per platform: the platform's name (and the currency for money).
    out = tmp_path / "platforms.csv"
    cli.run("analytics", "export", str(out), "--range", "7d", "--metric", "revenue")
    assert _read(out)[0] == ["date", "OnlyFans (USD)"]
    cli.run("analytics", "export", str(out), "--range", "7d")  # audience by default
    assert _read(out)[0] == ["date", "Instagram", "TikTok", "OnlyFans"]


def test_refresh_names_each_account_that_failed_and_exits_1(cli: Cli) -> None:
    assert cli.sandbox is not None
    state = cli.sandbox.state
    cli.connect("instagram")
    cli.connect("tiktok")
    session = cli.session_file("sunnycreates@example.com", "sunny-pass")
    cli.run("accounts", "connect", "onlyfans", "--session-file", str(session))
    cli.run("analytics", "refresh")

    # TikTok refuses every token; OnlyFans stops naming its currency.
    state.faults.add(Fault("tiktok", FaultKind.EXPIRED_SESSION, path="/v2/*", times=None))
    state.flags.onlyfans_currency = ""
    done = cli.run("analytics", "refresh", "--force", rc=1)
    lines = done.stdout.splitlines()
    failed = [x for x in lines if "failed:" in x]
    assert len(failed) == 1 and failed[0].startswith("tiktok") and "@sunny.creates" in failed[0]
    assert "Traceback" not in failed[0]
    assert any(x.startswith("instagram") and "values stored" in x for x in lines)
    warning = next(x for x in lines if x.startswith("onlyfans") and "warning:" in x)
    assert "OnlyFans sent earnings for @sunnycreates without saying their currency" in warning
    assert done.stderr.strip().endswith(
        "1 of 3 account(s) could not be refreshed; their stored numbers are kept as they were."
    )

    # The others alone: exit 0.
    state.faults.clear()
    state.flags.onlyfans_currency = "USD"
    ok = cli.run("analytics", "refresh", "onlyfans", "--force").stdout
    assert "values stored" in ok and "warning" not in ok

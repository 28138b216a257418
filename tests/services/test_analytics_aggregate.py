"""Aggregation across accounts: totals, growth, breakdown, and gaps that never become 0."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from huntaze_desktop.domain.series import Metric, MetricKind, SeriesKey
from huntaze_desktop.services.analytics.aggregate import Frame, group_lines, kpis

START = date(2026, 3, 1)
END = START + timedelta(days=9)
PROVIDERS = {1: "alpha", 2: "alpha", 3: "beta"}
LABELS = {"alpha": "Alpha", "beta": "Beta", "account:1": "@one", "account:2": "@two"}


def _rows(account: int, metric: Metric, values: dict[int, float], unit: str | None = None):
    return [
        (SeriesKey(account, metric, unit), START + timedelta(days=d), v) for d, v in values.items()
    ]


def _frame() -> Frame:
    rows = []
    # Account 1: followers every day, 100 → 109.
    rows += _rows(1, Metric.FOLLOWERS, {d: 100 + d for d in range(10)})
    # Account 2: failing on days 4-5 (no rows), otherwise 50 a day.
    rows += _rows(2, Metric.FOLLOWERS, {d: 50 for d in range(10) if d not in (4, 5)})
    # Account 3 connected on day 6: before that it is not part of the total.
    rows += _rows(3, Metric.FOLLOWERS, {d: 10 for d in range(6, 10)})
    rows += _rows(1, Metric.LIKES, {d: 2 for d in range(10)})
    rows += _rows(1, Metric.COMMENTS, {d: 1 for d in range(10)})
    rows += _rows(3, Metric.EARNINGS, {d: 5.5 for d in range(6, 10)}, "USD")
    return Frame.from_rows(START, END, rows)


def test_a_failing_account_makes_a_gap_with_a_note_never_a_drop():
    lines = {
        line.key: line
        for line in group_lines(
            _frame(), MetricKind.AUDIENCE, by_account=False, providers=PROVIDERS, labels=LABELS
        )
    }
    alpha = lines["alpha"].values
    assert alpha[0] == 150 and alpha[3] == 153
    assert np.isnan(alpha[4]) and np.isnan(alpha[5])  # not 104 / 105
    assert alpha[6] == 156
    assert lines["alpha"].gaps == {4: [2], 5: [2]}
    note = lines["alpha"].gap_note({2: "@two"}, START)
    assert note is not None and "@two" in note and "2026-03-05 to 2026-03-06" in note
    beta = lines["beta"].values
    assert np.isnan(beta[:6]).all() and lines["beta"].gaps == {}  # not connected yet: no note
    assert beta[9] == 10


def test_per_account_lines_and_filter():
    lines = group_lines(
        _frame(),
        MetricKind.AUDIENCE,
        by_account=True,
        providers=PROVIDERS,
        labels=LABELS,
        account_filter=[1],
    )
    assert [line.label for line in lines] == ["@one"]
    assert lines[0].values[9] == 109


def test_engagement_adds_parts_and_revenue_keeps_currency():
    frame = _frame()
    engagement = group_lines(
        frame, MetricKind.ENGAGEMENT, by_account=False, providers=PROVIDERS, labels=LABELS
    )
    assert [line.values[0] for line in engagement] == [3.0]
    revenue = group_lines(
        frame, MetricKind.REVENUE, by_account=False, providers=PROVIDERS, labels=LABELS
    )
    assert [(line.label, line.unit) for line in revenue] == [("Beta (USD)", "USD")]


def test_kpis_growth_and_previous_period():
    frame = _frame()
    tiles = kpis(frame, START + timedelta(days=5), END, PROVIDERS)
    audience = tiles[MetricKind.AUDIENCE][0]
    assert audience.value == 109 + 50 + 10
    # Growth counts accounts seen at both ends of the range: 1 (+4), 2 (+0), 3 (+0).
    assert audience.delta == 4
    engagement = tiles[MetricKind.ENGAGEMENT][0]
    assert engagement.value == 15 and engagement.delta == 0 and engagement.delta_pct == 0
    revenue = tiles[MetricKind.REVENUE][0]
    assert revenue.unit == "USD" and revenue.value == 22.0 and revenue.delta is None


def test_nothing_stored_gives_unknown_not_zero():
    tiles = kpis(Frame.empty(START, END), START + timedelta(days=5), END, [1, 2])
    assert tiles[MetricKind.AUDIENCE][0].value is None
    assert tiles[MetricKind.REVENUE][0].value is None


def test_karma_change_is_engagement_when_nothing_else_is():
    rows = _rows(7, Metric.KARMA, {0: 100, 1: 104, 3: 110})
    frame = Frame.from_rows(START, START + timedelta(days=3), rows)
    line = group_lines(
        frame, MetricKind.ENGAGEMENT, by_account=True, providers={7: "x"}, labels={}
    )[0]
    assert line.values[1] == 4 and np.isnan(line.values[2]) and np.isnan(line.values[3])


def test_a_gap_note_names_a_few_accounts_then_counts_the_rest():
    rows = []
    for account in range(1, 8):
        rows += _rows(account, Metric.FOLLOWERS, {d: 10 for d in range(10) if d != account})
    frame = Frame.from_rows(START, END, rows)
    providers = dict.fromkeys(range(1, 8), "alpha")
    (line,) = group_lines(
        frame, MetricKind.AUDIENCE, by_account=False, providers=providers, labels=LABELS
    )
    names = {a: f"@user{a}" for a in range(1, 8)}
    note = line.gap_note(names, START)
    assert note == (
        "Alpha: no data from @user1, @user2, @user3 and 4 more on 7 day(s) "
        "(2026-03-02 to 2026-03-08)"
    )
    (one,) = group_lines(
        frame,
        MetricKind.AUDIENCE,
        by_account=False,
        providers=providers,
        labels=LABELS,
        account_filter=[2],
    )
    assert one.gap_note(names, START) == "Alpha: no data from @user2 on 1 day(s) (2026-03-03)"

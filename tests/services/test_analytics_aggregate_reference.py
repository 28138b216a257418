"""The vectorized aggregation agrees with a plain per-account rule on random histories.

``aggregate`` computes every account at once with numpy (it must stay fast for
200 accounts over 5 years). This file keeps the rule written the slow, obvious
way (one account, one metric row at a time) and checks on random frames, with
gaps, late starts, several currencies and karma-only accounts, that both give
the same lines, gaps and tiles.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pytest

from huntaze_desktop.domain.series import Metric, MetricKind, SeriesKey
from huntaze_desktop.services.analytics.aggregate import (
    Frame,
    Kpi,
    account_values,
    group_lines,
    kpis,
)

START = date(2025, 1, 1)
KINDS = list(MetricKind)


# -- the rule, one account at a time ---------------------------------------------------


def _present(rows: Mapping[SeriesKey, np.ndarray], metrics: Iterable[Metric]) -> list[np.ndarray]:
    wanted = set(metrics)
    return [r for k, r in rows.items() if k.metric in wanted and not np.all(np.isnan(r))]


def _sum(rows: Sequence[np.ndarray]) -> np.ndarray:
    out = rows[0].copy()
    for row in rows[1:]:
        out = out + row  # NaN wherever any part is NaN
    return out


def ref_values(frame: Frame, account_id: int, kind: MetricKind) -> dict[str | None, np.ndarray]:
    rows = {k: frame.values[i] for i, k in enumerate(frame.keys) if k.account_id == account_id}
    if kind in (MetricKind.AUDIENCE, MetricKind.CONTENT):
        metrics = (
            (Metric.FOLLOWERS, Metric.SUBSCRIBERS)
            if kind is MetricKind.AUDIENCE
            else (Metric.MEDIA, Metric.VIDEOS, Metric.POSTS)
        )
        parts = _present(rows, metrics)
        return {None: _sum(parts)} if parts else {}
    if kind is MetricKind.REACH:
        parts = _present(rows, (Metric.REACH, Metric.VIEWS))
        if not parts:
            return {}
        return {None: max(parts, key=lambda r: int(np.count_nonzero(~np.isnan(r))))}
    if kind is MetricKind.ENGAGEMENT:
        parts = _present(rows, (Metric.INTERACTIONS,)) or _present(
            rows, (Metric.LIKES, Metric.COMMENTS, Metric.SHARES, Metric.SAVES)
        )
        if parts:
            return {None: _sum(parts)}
        karma = _present(rows, (Metric.KARMA,))
        if not karma:
            return {}
        change = np.full(frame.days, np.nan)
        change[1:] = np.diff(karma[0])
        return {None: change}
    out: dict[str | None, np.ndarray] = {}
    for key, row in rows.items():
        if key.metric.kind is MetricKind.REVENUE and not np.all(np.isnan(row)):
            out[key.unit] = row if key.unit not in out else out[key.unit] + row
    return out


def ref_lines(frame: Frame, kind: MetricKind, by_account: bool, providers, labels, only=None):
    wanted = sorted(set(only if only is not None else providers) & set(providers))
    groups: dict[tuple[str, str | None], list[tuple[int, np.ndarray]]] = {}
    for account_id in wanted:
        for unit, row in ref_values(frame, account_id, kind).items():
            group = f"account:{account_id}" if by_account else providers[account_id]
            groups.setdefault((group, unit), []).append((account_id, row))
    out = []
    for (group, unit), members in groups.items():
        total = np.zeros(frame.days)
        gap = np.zeros(frame.days, bool)
        anyone = np.zeros(frame.days, bool)
        gaps: dict[int, list[int]] = {}
        for account_id, row in members:
            seen = False
            for day in range(frame.days):
                if not math.isnan(row[day]):
                    seen = True
                    total[day] += row[day]
                elif seen:
                    gap[day] = True
                    gaps.setdefault(day, []).append(account_id)
                anyone[day] |= seen
        total[gap | ~anyone] = np.nan
        label = labels.get(group, group) + (f" ({unit})" if unit else "")
        out.append((group, label, unit, [a for a, _ in members], total, dict(sorted(gaps.items()))))
    return out


def ref_kpis(frame: Frame, start: date, end: date, ids: Iterable[int]) -> dict:
    ids = sorted(set(ids))
    span = (end - start).days + 1
    current = frame.window(start, end)
    prev_start = max(frame.start, start - timedelta(days=span))
    previous = (
        frame.window(prev_start, start - timedelta(days=1))
        if prev_start < start
        else Frame.empty(start, start)
    )
    result = {}
    for kind in (MetricKind.AUDIENCE, MetricKind.CONTENT):
        latest = first_sum = last_sum = 0.0
        seen = both = False
        for account_id in ids:
            row = ref_values(current, account_id, kind).get(None)
            idx = np.flatnonzero(~np.isnan(row)) if row is not None else np.zeros(0, int)
            if idx.size:
                seen = True
                latest += float(row[idx[-1]])
                if idx.size >= 2:
                    both = True
                    first_sum += float(row[idx[0]])
                    last_sum += float(row[idx[-1]])
        delta = last_sum - first_sum if both else None
        pct = delta / first_sum * 100 if delta is not None and first_sum else None
        result[kind] = [Kpi(kind, None, latest, delta, pct) if seen else Kpi(kind, *[None] * 4)]
    for kind in (MetricKind.REACH, MetricKind.ENGAGEMENT, MetricKind.REVENUE):
        now: dict = {}
        both_now: dict = {}
        before: dict = {}
        for account_id in ids:
            earlier = ref_values(previous, account_id, kind)
            for unit, row in ref_values(current, account_id, kind).items():
                if np.all(np.isnan(row)):
                    continue
                now[unit] = now.get(unit, 0.0) + float(np.nansum(row))
                prior = earlier.get(unit)
                if prior is not None and not np.all(np.isnan(prior)):
                    both_now[unit] = both_now.get(unit, 0.0) + float(np.nansum(row))
                    before[unit] = before.get(unit, 0.0) + float(np.nansum(prior))
        tiles = []
        for unit in sorted(now, key=lambda u: u or ""):
            delta = both_now[unit] - before[unit] if unit in before else None
            pct = delta / before[unit] * 100 if delta is not None and before[unit] else None
            tiles.append(Kpi(kind, unit, now[unit], delta, pct))
        result[kind] = tiles or [Kpi(kind, None, None, None, None)]
    return result


# -- random histories ----------------------------------------------------------------


def random_frame(seed: int) -> tuple[Frame, dict[int, str]]:
    rnd = random.Random(seed)
    days = rnd.randint(5, 60)
    accounts = rnd.sample(range(1, 40), rnd.randint(1, 12))
    providers = {a: rnd.choice(["alpha", "beta", "gamma"]) for a in accounts}
    keys: list[SeriesKey] = []
    for account in accounts:
        metrics = rnd.sample(list(Metric), rnd.randint(0, 6))
        if rnd.random() < 0.2:
            metrics = [Metric.KARMA]
        for metric in metrics:
            units: list[str | None] = [None]
            if metric is Metric.EARNINGS:
                units = rnd.sample(["USD", "EUR", "GBP"], rnd.randint(1, 2))
            keys += [SeriesKey(account, metric, unit) for unit in units]
    rnd.shuffle(keys)
    values = np.full((len(keys), days), np.nan)
    for row in range(len(keys)):
        shape = rnd.random()
        if shape < 0.1:
            continue  # nothing recorded in this range
        if shape < 0.2:
            values[row, rnd.randrange(days)] = rnd.uniform(0, 1e4)  # a single day
            continue
        first = rnd.randrange(days) if rnd.random() < 0.4 else 0
        for day in range(first, days):
            if rnd.random() > 0.15:
                values[row, day] = round(rnd.uniform(0, 1e4), rnd.choice([0, 2]))
    return Frame(START, days, keys, values), providers


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_lines_match_the_per_account_rule(seed: int) -> None:
    frame, providers = random_frame(seed)
    labels = {"alpha": "Alpha", **{f"account:{a}": f"@{a}" for a in providers}}
    rnd = random.Random(seed)
    only = [*rnd.sample(sorted(providers), rnd.randint(1, len(providers))), 999]
    for kind in KINDS:
        for by_account in (False, True):
            for subset in (None, only):
                got = group_lines(
                    frame,
                    kind,
                    by_account=by_account,
                    providers=providers,
                    labels=labels,
                    account_filter=subset,
                )
                want = ref_lines(frame, kind, by_account, providers, labels, subset)
                assert [(g.key, g.label, g.unit, g.account_ids) for g in got] == [
                    w[:4] for w in want
                ]
                for line, (*_, total, gaps) in zip(got, want, strict=True):
                    np.testing.assert_allclose(line.values, total, rtol=1e-12, equal_nan=True)
                    assert line.gaps == gaps
        for account_id in providers:
            mine = account_values(frame, account_id, kind)
            theirs = ref_values(frame, account_id, kind)
            assert list(mine) == list(theirs)
            for unit, row in theirs.items():
                np.testing.assert_allclose(mine[unit], row, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("seed", range(60))
def test_tiles_match_the_per_account_rule(seed: int) -> None:
    frame, providers = random_frame(seed)
    rnd = random.Random(seed)
    end = frame.end - timedelta(days=rnd.randrange(frame.days // 2))
    start = end - timedelta(days=rnd.randrange((end - frame.start).days + 1))
    ids = rnd.sample(sorted(providers), rnd.randint(1, len(providers)))
    got = kpis(frame, start, end, ids)
    want = ref_kpis(frame, start, end, ids)
    assert list(got) == list(want)
    for kind, tiles in want.items():
        assert [(t.kind, t.unit) for t in got[kind]] == [(t.kind, t.unit) for t in tiles]
        for mine, theirs in zip(got[kind], tiles, strict=True):
            for field in ("value", "delta", "delta_pct"):
                assert _same(getattr(mine, field), getattr(theirs, field)), (kind, field)


def test_windows_share_the_key_index_but_count_their_own_days() -> None:
    frame, _ = random_frame(3)
    part = frame.window(frame.start, frame.start + timedelta(days=2))
    assert part.key_index() is frame.key_index()
    np.testing.assert_array_equal(
        part.recorded_days(), np.count_nonzero(~np.isnan(frame.values[:, :3]), axis=1)
    )

"""Totals, growth and breakdowns across accounts, with numpy; gaps stay NaN.

A :class:`Frame` holds every stored series of a date range as one matrix (one
row per account/metric/unit, one column per day; NaN where nothing was
recorded). Lines and KPIs are computed from it:

* An account's value for a kind (audience, engagement...) combines its metrics
  (:func:`account_values`); a day where a needed metric is missing is NaN.
* A group (a platform, or one account) adds up its accounts. An account counts
  from its first recorded day on; a missing day inside that span makes the
  group's day NaN (a gap, with a note naming the account) rather than a drop,
  because a drop would claim the audience shrank when we simply did not look.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from huntaze_desktop.core.analytics.series import Metric, MetricKind, SeriesKey

__all__ = [
    "Frame",
    "Kpi",
    "Line",
    "account_values",
    "group_lines",
    "kpis",
]

FloatArray = npt.NDArray[np.float64]

_AUDIENCE = (Metric.FOLLOWERS, Metric.SUBSCRIBERS)
_CONTENT = (Metric.MEDIA, Metric.VIDEOS, Metric.POSTS)
_ENGAGEMENT_PARTS = (Metric.LIKES, Metric.COMMENTS, Metric.SHARES, Metric.SAVES)


@dataclass(slots=True)
class Frame:
    """Every series of a date range: ``values[row, day]``; NaN = not recorded."""

    start: date
    days: int
    keys: list[SeriesKey]
    values: FloatArray

    @classmethod
    def empty(cls, start: date, end: date) -> Frame:
        days = (end - start).days + 1
        return cls(start, days, [], np.full((0, days), np.nan))

    @classmethod
    def from_rows(
        cls, start: date, end: date, rows: Iterable[tuple[SeriesKey, date, float]]
    ) -> Frame:
        """Build from (key, day, value) rows; days outside [start, end] are ignored."""
        days = (end - start).days + 1
        index: dict[SeriesKey, int] = {}
        r_idx: list[int] = []
        c_idx: list[int] = []
        vals: list[float] = []
        for key, day, value in rows:
            col = (day - start).days
            if 0 <= col < days:
                r_idx.append(index.setdefault(key, len(index)))
                c_idx.append(col)
                vals.append(value)
        matrix = np.full((len(index), days), np.nan)
        if vals:
            matrix[np.asarray(r_idx), np.asarray(c_idx)] = np.asarray(vals, dtype=np.float64)
        return cls(start, days, list(index), matrix)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def day_list(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def epoch_seconds(self) -> FloatArray:
        """Each day's midnight UTC as epoch seconds (what a date axis plots)."""
        origin = (self.start - date(1970, 1, 1)).days
        return (origin + np.arange(self.days, dtype=np.float64)) * 86_400.0

    def window(self, start: date, end: date) -> Frame:
        """The columns of [start, end] (which must lie inside this frame)."""
        a = (start - self.start).days
        b = (end - self.start).days + 1
        return Frame(start, b - a, self.keys, self.values[:, a:b])

    def rows_of(self, account_id: int) -> dict[SeriesKey, FloatArray]:
        return {k: self.values[i] for i, k in enumerate(self.keys) if k.account_id == account_id}

    def account_ids(self) -> list[int]:
        return sorted({k.account_id for k in self.keys})


def _combine(rows: Sequence[FloatArray]) -> FloatArray:
    """Sum of rows; NaN where any row is NaN (a partial sum would be invented)."""
    stacked = np.vstack(rows)
    out: FloatArray = stacked.sum(axis=0)  # NaN propagates
    return out


def _present(rows: Mapping[SeriesKey, FloatArray], metrics: Sequence[Metric]) -> list[FloatArray]:
    return [row for key, row in rows.items() if key.metric in metrics and not np.all(np.isnan(row))]


def account_values(frame: Frame, account_id: int, kind: MetricKind) -> dict[str | None, FloatArray]:
    """An account's daily values for ``kind``, by unit (only revenue has units).

    Audience and content add up the account's level metrics. Reach uses the
    metric with the most recorded days (reach or views: adding them would count
    people twice). Engagement uses ``interactions`` when the platform gives it,
    else likes + comments + shares + saves, else the day-to-day change of karma.
    """
    rows = frame.rows_of(account_id)
    result: dict[str | None, FloatArray] = {}
    if kind is MetricKind.AUDIENCE or kind is MetricKind.CONTENT:
        parts = _present(rows, _AUDIENCE if kind is MetricKind.AUDIENCE else _CONTENT)
        if parts:
            result[None] = _combine(parts)
    elif kind is MetricKind.REACH:
        parts = _present(rows, (Metric.REACH, Metric.VIEWS))
        if parts:
            result[None] = max(parts, key=lambda r: int(np.count_nonzero(~np.isnan(r))))
    elif kind is MetricKind.ENGAGEMENT:
        interactions = _present(rows, (Metric.INTERACTIONS,))
        parts = interactions or _present(rows, _ENGAGEMENT_PARTS)
        if parts:
            result[None] = _combine(parts)
        else:
            karma = _present(rows, (Metric.KARMA,))
            if karma:
                change = np.full(frame.days, np.nan)
                change[1:] = np.diff(karma[0])
                result[None] = change
    elif kind is MetricKind.REVENUE:
        for key, row in rows.items():
            if key.metric.kind is MetricKind.REVENUE and not np.all(np.isnan(row)):
                result[key.unit] = row if key.unit not in result else result[key.unit] + row
    return result


@dataclass(slots=True)
class Line:
    """One chart line: a platform's or an account's daily values (NaN = gap)."""

    key: str  # the group: a provider name, or "account:<id>"
    label: str
    unit: str | None
    values: FloatArray
    account_ids: list[int]
    # Days (column indexes) that are gaps because a member had no data, and who.
    gaps: dict[int, list[int]] = field(default_factory=dict)

    def gap_note(self, names: Mapping[int, str], frame_start: date) -> str | None:
        """A short note for the user about the gaps, or None."""
        if not self.gaps:
            return None
        who = sorted({names.get(a, str(a)) for ids in self.gaps.values() for a in ids})
        first = frame_start + timedelta(days=min(self.gaps))
        last = frame_start + timedelta(days=max(self.gaps))
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        return f"{self.label}: no data from {', '.join(who)} on {len(self.gaps)} day(s) ({span})"


def _group(
    label: str, key: str, unit: str | None, members: list[tuple[int, FloatArray]], days: int
) -> Line:
    ids = [a for a, _ in members]
    matrix = np.vstack([row for _, row in members]) if members else np.full((0, days), np.nan)
    recorded = ~np.isnan(matrix)
    has_any = recorded.any(axis=1)
    first = np.where(has_any, recorded.argmax(axis=1), days)
    active = np.arange(days)[None, :] >= first[:, None]
    missing = active & ~recorded
    total: FloatArray = np.where(recorded, matrix, 0.0).sum(axis=0)
    gap_days = missing.any(axis=0) | ~active.any(axis=0)
    total[gap_days] = np.nan
    gaps: dict[int, list[int]] = {}
    for col in np.flatnonzero(missing.any(axis=0) & active.any(axis=0)):
        gaps[int(col)] = [ids[i] for i in np.flatnonzero(missing[:, col])]
    return Line(key, label, unit, total, ids, gaps)


def group_lines(
    frame: Frame,
    kind: MetricKind,
    *,
    by_account: bool,
    providers: Mapping[int, str],
    labels: Mapping[str, str],
    account_filter: Iterable[int] | None = None,
) -> list[Line]:
    """One line per platform (or per account), for the accounts in ``account_filter``.

    ``providers`` maps account id → provider name; ``labels`` maps a provider
    name or ``"account:<id>"`` to what the legend says.
    """
    wanted = set(account_filter) if account_filter is not None else set(providers)
    groups: dict[tuple[str, str | None], list[tuple[int, FloatArray]]] = {}
    for account_id in sorted(wanted):
        provider = providers.get(account_id)
        if provider is None:
            continue
        for unit, row in account_values(frame, account_id, kind).items():
            group = f"account:{account_id}" if by_account else provider
            groups.setdefault((group, unit), []).append((account_id, row))
    lines = []
    for (group, unit), members in groups.items():
        label = labels.get(group, group)
        if unit:
            label = f"{label} ({unit})"
        lines.append(_group(label, group, unit, members, frame.days))
    return lines


@dataclass(frozen=True, slots=True)
class Kpi:
    """One tile: the value over the range and how it changed (None when unknown)."""

    kind: MetricKind
    unit: str | None
    value: float | None
    delta: float | None
    delta_pct: float | None


def _level_kpi(frame: Frame, ids: Iterable[int], kind: MetricKind) -> Kpi:
    latest = 0.0
    first_sum = 0.0
    last_sum = 0.0
    seen = False
    both = False
    for account_id in ids:
        row = account_values(frame, account_id, kind).get(None)
        if row is None:
            continue
        idx = np.flatnonzero(~np.isnan(row))
        if idx.size == 0:
            continue
        seen = True
        latest += float(row[idx[-1]])
        if idx.size >= 2:
            both = True
            first_sum += float(row[idx[0]])
            last_sum += float(row[idx[-1]])
    if not seen:
        return Kpi(kind, None, None, None, None)
    delta = last_sum - first_sum if both else None
    pct = delta / first_sum * 100.0 if delta is not None and first_sum else None
    return Kpi(kind, None, latest, delta, pct)


def _flow_kpis(current: Frame, previous: Frame, ids: list[int], kind: MetricKind) -> list[Kpi]:
    now: dict[str | None, float] = {}
    # The comparison only counts accounts recorded in both periods: an account
    # connected (or backfilled) later must not look like growth.
    both_now: dict[str | None, float] = {}
    before: dict[str | None, float] = {}
    for account_id in ids:
        earlier = account_values(previous, account_id, kind)
        for unit, row in account_values(current, account_id, kind).items():
            if np.all(np.isnan(row)):
                continue
            total = float(np.nansum(row))
            now[unit] = now.get(unit, 0.0) + total
            prior_row = earlier.get(unit)
            if prior_row is not None and not np.all(np.isnan(prior_row)):
                both_now[unit] = both_now.get(unit, 0.0) + total
                before[unit] = before.get(unit, 0.0) + float(np.nansum(prior_row))
    out = []
    for unit in sorted(now, key=lambda u: u or ""):
        prior = before.get(unit)
        delta = both_now[unit] - prior if prior is not None else None
        pct = delta / prior * 100.0 if delta is not None and prior else None
        out.append(Kpi(kind, unit, now[unit], delta, pct))
    if not out:
        out.append(Kpi(kind, None, None, None, None))
    return out


def kpis(
    frame: Frame, start: date, end: date, account_ids: Iterable[int]
) -> dict[MetricKind, list[Kpi]]:
    """Tiles for [start, end]; ``frame`` must also hold the previous period of equal length.

    Audience and content: the latest total, and its change over the range. Reach,
    engagement and revenue: the sum over the range, and the change from the
    previous period (revenue per currency).
    """
    ids = sorted(set(account_ids))
    span = (end - start).days + 1
    current = frame.window(start, end)
    prev_start = max(frame.start, start - timedelta(days=span))
    previous = (
        frame.window(prev_start, start - timedelta(days=1))
        if prev_start < start
        else Frame.empty(start, start)
    )
    result: dict[MetricKind, list[Kpi]] = {
        MetricKind.AUDIENCE: [_level_kpi(current, ids, MetricKind.AUDIENCE)],
        MetricKind.CONTENT: [_level_kpi(current, ids, MetricKind.CONTENT)],
    }
    for kind in (MetricKind.REACH, MetricKind.ENGAGEMENT, MetricKind.REVENUE):
        result[kind] = _flow_kpis(current, previous, ids, kind)
    return result

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

from huntaze_desktop.domain.series import Metric, MetricKind, SeriesKey

__all__ = [
    "Frame",
    "Kpi",
    "Line",
    "account_values",
    "group_lines",
    "kpis",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_AUDIENCE = (Metric.FOLLOWERS, Metric.SUBSCRIBERS)
_CONTENT = (Metric.MEDIA, Metric.VIDEOS, Metric.POSTS)
_ENGAGEMENT_PARTS = (Metric.LIKES, Metric.COMMENTS, Metric.SHARES, Metric.SAVES)
_REVENUE = tuple(m for m in Metric if m.kind is MetricKind.REVENUE)
_GAP_NAMES = 3  # accounts named in a gap note before "and N more"
_METRIC_CODE = {metric: code for code, metric in enumerate(Metric)}


class _KeyIndex:
    """The keys of a frame as arrays, so a kind is selected for all accounts at once."""

    __slots__ = ("account", "metric", "unit", "units")

    def __init__(self, keys: Sequence[SeriesKey]) -> None:
        self.account: IntArray = np.fromiter((k.account_id for k in keys), np.int64, len(keys))
        self.metric: IntArray = np.fromiter(
            (_METRIC_CODE[k.metric] for k in keys), np.int64, len(keys)
        )
        # Units by first appearance; code 0 is "no unit".
        codes: dict[str | None, int] = {None: 0}
        self.unit: IntArray = np.fromiter(
            (codes.setdefault(k.unit, len(codes)) for k in keys), np.int64, len(keys)
        )
        self.units: list[str | None] = list(codes)

    def of(self, metrics: Sequence[Metric]) -> BoolArray:
        return np.isin(self.metric, [_METRIC_CODE[m] for m in metrics])


@dataclass(slots=True)
class Frame:
    """Every series of a date range: ``values[row, day]``; NaN = not recorded.

    ``keys`` and ``values`` are not changed after construction: the frame keeps
    an index of its keys and a count of recorded days per row once computed.
    """

    start: date
    days: int
    keys: list[SeriesKey]
    values: FloatArray
    _index: _KeyIndex | None = field(default=None, init=False, repr=False, compare=False)
    _counts: IntArray | None = field(default=None, init=False, repr=False, compare=False)

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
        part = Frame(start, b - a, self.keys, self.values[:, a:b])
        part._index = self.key_index()  # same keys: index them once
        return part

    def rows_of(self, account_id: int) -> dict[SeriesKey, FloatArray]:
        rows = np.flatnonzero(self.key_index().account == account_id)
        return {self.keys[i]: self.values[i] for i in rows.tolist()}

    def account_ids(self) -> list[int]:
        return sorted({k.account_id for k in self.keys})

    def key_index(self) -> _KeyIndex:
        if self._index is None:
            self._index = _KeyIndex(self.keys)
        return self._index

    def recorded_days(self) -> IntArray:
        """How many days each row has a value for."""
        if self._counts is None:
            self._counts = np.count_nonzero(~np.isnan(self.values), axis=1).astype(np.int64)
        return self._counts


@dataclass(slots=True)
class _KindRows:
    """What :func:`account_values` gives, for many accounts at once.

    One row per (account, unit), ordered by account id, then by where the unit
    first appears among the account's keys.
    """

    account_ids: IntArray
    units: list[str | None]
    values: FloatArray


def _sum_by_group(
    frame: Frame, rows: IntArray, with_unit: bool
) -> tuple[IntArray, IntArray, FloatArray]:
    """Add up ``rows`` per account (and unit); NaN where any added row is NaN.

    A partial sum would be invented: a day an account's followers are known but
    its subscribers are not has no known audience. Returns (accounts, unit
    codes, sums), rows summed in key order as the per-account rule does.
    """
    ix = frame.key_index()
    if rows.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.full((0, frame.days), np.nan)
    accounts = ix.account[rows]
    units = ix.unit[rows] if with_unit else np.zeros(rows.size, np.int64)
    # Group order: account, then the unit's first row inside the account.
    pair = accounts * (len(ix.units) + 1) + units
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.lexsort((first, accounts[first]))] = np.arange(first.size)
    group = rank[inverse]
    order = np.lexsort((rows, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    sums: FloatArray = np.add.reduceat(frame.values[rows[order]], starts, axis=0)
    heads = order[starts]
    return accounts[heads], units[heads], sums


def _kind_rows(frame: Frame, kind: MetricKind, wanted: Iterable[int] | None = None) -> _KindRows:
    """Every wanted account's values for ``kind`` (see :func:`account_values`)."""
    ix = frame.key_index()
    base = frame.recorded_days() > 0
    if wanted is not None:
        base &= np.isin(ix.account, np.fromiter(wanted, np.int64))
    if kind is MetricKind.AUDIENCE or kind is MetricKind.CONTENT:
        rows = np.flatnonzero(base & ix.of(_AUDIENCE if kind is MetricKind.AUDIENCE else _CONTENT))
        accounts, _, sums = _sum_by_group(frame, rows, with_unit=False)
        return _KindRows(accounts, [None] * accounts.size, sums)
    if kind is MetricKind.REACH:
        rows = np.flatnonzero(base & ix.of((Metric.REACH, Metric.VIEWS)))
        # Per account the row with the most recorded days; the first on a tie.
        order = np.lexsort((rows, -frame.recorded_days()[rows], ix.account[rows]))
        rows = rows[order]
        accounts = ix.account[rows]
        best = rows[np.r_[True, accounts[1:] != accounts[:-1]]] if rows.size else rows
        return _KindRows(ix.account[best], [None] * best.size, frame.values[best])
    if kind is MetricKind.ENGAGEMENT:
        interactions = base & ix.of((Metric.INTERACTIONS,))
        counted = np.isin(ix.account, ix.account[interactions])
        parts = base & ix.of(_ENGAGEMENT_PARTS) & ~counted
        counted |= np.isin(ix.account, ix.account[parts])
        accounts, _, sums = _sum_by_group(
            frame, np.flatnonzero(interactions | parts), with_unit=False
        )
        # Neither: the day-to-day change of karma (its first row per account).
        karma = np.flatnonzero(base & ix.of((Metric.KARMA,)) & ~counted)
        if karma.size:
            k_accounts = ix.account[karma]
            _, first = np.unique(k_accounts, return_index=True)
            karma = karma[first]
            change = np.full((karma.size, frame.days), np.nan)
            change[:, 1:] = np.diff(frame.values[karma], axis=1)
            accounts = np.concatenate([accounts, ix.account[karma]])
            sums = np.vstack([sums, change])
            order = np.argsort(accounts, kind="stable")
            accounts, sums = accounts[order], sums[order]
        return _KindRows(accounts, [None] * accounts.size, sums)
    rows = np.flatnonzero(base & ix.of(_REVENUE))
    accounts, units, sums = _sum_by_group(frame, rows, with_unit=True)
    return _KindRows(accounts, [ix.units[u] for u in units.tolist()], sums)


def account_values(frame: Frame, account_id: int, kind: MetricKind) -> dict[str | None, FloatArray]:
    """An account's daily values for ``kind``, by unit (only revenue has units).

    Audience and content add up the account's level metrics. Reach uses the
    metric with the most recorded days (reach or views: adding them would count
    people twice). Engagement uses ``interactions`` when the platform gives it,
    else likes + comments + shares + saves, else the day-to-day change of karma.
    A day where a needed metric is missing is NaN.
    """
    rows = _kind_rows(frame, kind, (account_id,))
    return dict(zip(rows.units, rows.values, strict=True))


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
        # Two hundred names help nobody: a few, then how many more.
        if len(who) > _GAP_NAMES:
            who = [*who[:_GAP_NAMES], f"{len(who) - _GAP_NAMES} more"]
        first = frame_start + timedelta(days=min(self.gaps))
        last = frame_start + timedelta(days=max(self.gaps))
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        listed = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} and {who[-1]}"
        return f"{self.label}: no data from {listed} on {len(self.gaps)} day(s) ({span})"


def _grouped_lines(
    rows: _KindRows, groups: list[tuple[str, str | None]], member_group: IntArray, days: int
) -> list[tuple[FloatArray, dict[int, list[int]]]]:
    """Add up member rows into their group's line, all groups at once.

    A member counts from its first recorded day on; a missing day inside that
    span makes the group's day NaN and is noted as a gap naming the member.
    """
    order = np.argsort(member_group, kind="stable")
    matrix = rows.values[order]
    ids = rows.account_ids[order]
    sorted_group = member_group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    recorded = ~np.isnan(matrix)
    has_any = recorded.any(axis=1)
    first = np.where(has_any, recorded.argmax(axis=1), days)
    active = np.arange(days)[None, :] >= first[:, None]
    missing = active & ~recorded
    totals: FloatArray = np.where(recorded, matrix, 0.0)
    if starts.size == matrix.shape[0]:  # one member per group (one line per account)
        gap_days = missing | ~active
    else:
        totals = np.add.reduceat(totals, starts, axis=0)
        gap_days = np.logical_or.reduceat(missing, starts, axis=0) | ~np.logical_or.reduceat(
            active, starts, axis=0
        )
    totals[gap_days] = np.nan
    gaps: list[dict[int, list[int]]] = [{} for _ in groups]
    member, col = np.nonzero(missing)
    by_day = np.lexsort((member, col, sorted_group[member]))
    for g, c, a in zip(
        sorted_group[member[by_day]].tolist(),
        col[by_day].tolist(),
        ids[member[by_day]].tolist(),
        strict=True,
    ):
        gaps[g].setdefault(c, []).append(a)
    return [(totals[i], gaps[i]) for i in range(len(groups))]


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
    rows = _kind_rows(frame, kind, wanted & set(providers))
    if rows.account_ids.size == 0:
        return []
    index: dict[tuple[str, str | None], int] = {}
    members: list[list[int]] = []
    member_group = np.empty(rows.account_ids.size, np.int64)
    for i, (account_id, unit) in enumerate(zip(rows.account_ids.tolist(), rows.units, strict=True)):
        group = f"account:{account_id}" if by_account else providers[account_id]
        g = index.setdefault((group, unit), len(index))
        if g == len(members):
            members.append([])
        members[g].append(account_id)
        member_group[i] = g
    groups = list(index)
    lines = []
    for (group, unit), ids, (values, gaps) in zip(
        groups, members, _grouped_lines(rows, groups, member_group, frame.days), strict=True
    ):
        label = labels.get(group, group)
        if unit:
            label = f"{label} ({unit})"
        lines.append(Line(group, label, unit, values, ids, gaps))
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
    rows = _kind_rows(frame, kind, ids)
    values = rows.values[[u is None for u in rows.units]]
    recorded = ~np.isnan(values)
    count = recorded.sum(axis=1)
    values, recorded, count = values[count > 0], recorded[count > 0], count[count > 0]
    if not count.size:
        return Kpi(kind, None, None, None, None)
    at = np.arange(values.shape[0])
    firsts = values[at, recorded.argmax(axis=1)]
    lasts = values[at, frame.days - 1 - recorded[:, ::-1].argmax(axis=1)]
    # Summed one by one in account order, as a person adding the tiles would.
    latest = sum(lasts.tolist(), 0.0)
    both = count >= 2
    if not both.any():
        return Kpi(kind, None, latest, None, None)
    first_sum = sum(firsts[both].tolist(), 0.0)
    delta = sum(lasts[both].tolist(), 0.0) - first_sum
    pct = delta / first_sum * 100.0 if first_sum else None
    return Kpi(kind, None, latest, delta, pct)


def _totals(rows: _KindRows) -> list[tuple[int, str | None, float]]:
    """(account, unit, sum over the range) of rows with at least one value."""
    known = np.count_nonzero(~np.isnan(rows.values), axis=1) > 0
    sums = np.nansum(rows.values, axis=1)
    return [
        (a, u, s)
        for a, u, s, k in zip(
            rows.account_ids.tolist(), rows.units, sums.tolist(), known.tolist(), strict=True
        )
        if k
    ]


def _flow_kpis(current: Frame, previous: Frame, ids: list[int], kind: MetricKind) -> list[Kpi]:
    now: dict[str | None, float] = {}
    # The comparison only counts accounts recorded in both periods: an account
    # connected (or backfilled) later must not look like growth.
    both_now: dict[str | None, float] = {}
    before: dict[str | None, float] = {}
    earlier = {(a, u): total for a, u, total in _totals(_kind_rows(previous, kind, ids))}
    for account_id, unit, total in _totals(_kind_rows(current, kind, ids)):
        now[unit] = now.get(unit, 0.0) + total
        prior = earlier.get((account_id, unit))
        if prior is not None:
            both_now[unit] = both_now.get(unit, 0.0) + total
            before[unit] = before.get(unit, 0.0) + prior
    out = []
    for unit in sorted(now, key=lambda u: u or ""):
        prior_total = before.get(unit)
        delta = both_now[unit] - prior_total if prior_total is not None else None
        pct = delta / prior_total * 100.0 if delta is not None and prior_total else None
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

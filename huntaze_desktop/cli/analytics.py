"""CLI commands for analytics: ``analytics refresh`` and ``analytics export``.

Both use the services the app uses: ``refresh`` asks ``AnalyticsService.refresh``
for each account (what the background scheduler runs, with the same limit of
requests at once per platform), ``export`` loads the stored numbers with
``AnalyticsService.load`` and writes the CSV the Analytics page writes (same
lines, same labels, same cells).

``cli/main.py`` builds its parser from ``parse_range`` and ``METRICS`` here, so
this module imports asyncio and the services only where they are used.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from huntaze_desktop.cli.accounts import find_account
from huntaze_desktop.cli.common import EXIT_FAILED, EXIT_OK, with_runtime
from huntaze_desktop.domain.errors import HuntazeError
from huntaze_desktop.domain.series import MetricKind

if TYPE_CHECKING:
    from huntaze_desktop.domain.models import Account
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.runtime import Runtime
    from huntaze_desktop.services.analytics.service import RefreshOutcome

__all__ = [
    "METRICS",
    "DateRange",
    "analytics_export",
    "analytics_refresh",
    "parse_range",
]

log = logging.getLogger("huntaze.cli")

# What --metric names, and the chart's choice it is (the page's "Reach & views").
METRICS = {
    "audience": MetricKind.AUDIENCE,
    "engagement": MetricKind.ENGAGEMENT,
    "views": MetricKind.REACH,
    "revenue": MetricKind.REVENUE,
}
GROUPINGS = ("platform", "account")
# Ten years of days: enough for any history a platform gives.
MAX_RANGE_DAYS = 3660
# Accounts of one platform asked at once (the scheduler's default limit).
PER_PLATFORM = 4

_LAST_DAYS = re.compile(r"(\d{1,4})d")


@dataclass(frozen=True, slots=True)
class DateRange:
    """``--range``: the last ``days`` days up to today, or the days ``start`` to ``end``."""

    days: int | None = None
    start: date | None = None
    end: date | None = None

    def resolve(self, today: date) -> tuple[date, date]:
        """The first and last day (both included), as the page's range buttons give them."""
        if self.days is not None:
            return today - timedelta(days=self.days - 1), today
        assert self.start is not None and self.end is not None
        return self.start, self.end


def parse_range(text: str) -> DateRange:
    """``7d``, ``30d``, ``90d`` (any number of days) or ``YYYY-MM-DD:YYYY-MM-DD``.

    Raises ``argparse.ArgumentTypeError`` (argparse's usage message, exit 2).
    """
    if found := _LAST_DAYS.fullmatch(text.strip()):
        days = int(found.group(1))
        if not 1 <= days <= MAX_RANGE_DAYS:
            raise argparse.ArgumentTypeError(
                f"'{text}': the number of days must be between 1 and {MAX_RANGE_DAYS}"
            )
        return DateRange(days=days)
    first, colon, last = text.strip().partition(":")
    try:
        if not colon:
            raise ValueError(text)
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a range: use 7d, 30d, 90d or YYYY-MM-DD:YYYY-MM-DD"
        ) from None
    if start > end:
        raise argparse.ArgumentTypeError(f"'{text}': the first day comes after the last")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise argparse.ArgumentTypeError(f"'{text}': at most {MAX_RANGE_DAYS} days")
    return DateRange(start=start, end=end)


async def analytics_refresh(args: argparse.Namespace, paths: DataPaths) -> int:
    """Fetch and store every selected account's numbers; exit 1 when any failed."""
    provider = getattr(args, "provider", None)
    ref = getattr(args, "account", None)

    import asyncio

    async def body(rt: Runtime) -> int:
        from huntaze_desktop.services.analytics.service import refusal_text

        if provider is not None and ":" not in provider:
            rt.spec(provider)  # an unknown platform is an error, not "nothing to do"
        selected = find_account(await rt.accounts.list_accounts(), provider, ref)
        if not selected:
            print("No accounts to refresh.")
            return EXIT_OK
        limits: dict[str, asyncio.Semaphore] = {}

        async def one(account: Account) -> RefreshOutcome | str:
            slot = limits.setdefault(account.provider, asyncio.Semaphore(PER_PLATFORM))
            try:
                return await rt.analytics.refresh(account.id, force=args.force, slot=slot)
            except HuntazeError as exc:  # also recorded as the account's status
                return exc.user_message
            except Exception:
                log.exception("account %s: analytics refresh failed unexpectedly", account.id)
                return f"something unexpected went wrong; details are in {rt.paths.log_file}"

        results = await asyncio.gather(*(one(a) for a in selected))
        failed = 0
        for account, result in zip(selected, results, strict=True):
            platform = rt.spec(account.provider).display_name
            head = f"{account.provider:<10} {account.name:<24}"
            if isinstance(result, str):
                failed += 1
                print(f"{head} failed: {result}")
                continue
            print(f"{head} {_done_text(result)}")
            for what in result.refused:
                print(f"{head} warning: {refusal_text(platform, account.name, what)}")
        if failed:
            print(
                f"{failed} of {len(selected)} account(s) could not be refreshed; "
                "their stored numbers are kept as they were.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        return EXIT_OK

    return await with_runtime(args, paths, body)


def _done_text(outcome: RefreshOutcome) -> str:
    if outcome.requests == 0:
        return "up to date (nothing asked: the stored answers are still fresh)"
    asked = f"{outcome.requests} answer{'s' if outcome.requests != 1 else ''}"
    first = ", first fetch with history" if outcome.backfilled else ""
    return f"{outcome.points} values stored from {asked}{first}"


async def analytics_export(args: argparse.Namespace, paths: DataPaths) -> int:
    """Write the page's CSV for a range, metric and grouping to FILE."""
    import asyncio

    kind = METRICS[args.metric]
    date_range: DateRange = args.range

    async def body(rt: Runtime) -> int:
        from huntaze_desktop.services.analytics.aggregate import group_lines
        from huntaze_desktop.services.analytics.export import line_labels, write_csv

        start, end = date_range.resolve(rt.analytics.today())
        data = await rt.analytics.load(start, end)
        if not data.accounts:
            print(
                "Error: no accounts connected, so there is nothing to export. Connect one "
                "with: huntaze-desktop accounts connect PLATFORM",
                file=sys.stderr,
            )
            return EXIT_FAILED
        frame = data.frame.window(start, end)
        labels = line_labels(rt.specs, data.accounts)
        lines = group_lines(
            frame,
            kind,
            by_account=args.by == "account",
            providers=data.providers,
            labels=labels,
            account_filter=[a.id for a in data.accounts],
        )
        try:
            rows = await asyncio.to_thread(write_csv, args.file, start, end, lines)
        except OSError as exc:
            log.warning("CSV export failed: %s", exc.strerror)
            print(
                f"Error: could not save {args.file}: {exc.strerror or 'write error'}.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        names = {a.id: labels[f"account:{a.id}"] for a in data.accounts}
        notes = [n for line in lines if (n := line.gap_note(names, frame.start))]
        if not lines:
            notes.insert(0, f"No {kind.label.lower()} data for this range yet.")
        for note in notes:
            print(f"Note: {note}", file=sys.stderr)
        print(
            f"Saved {rows} rows ({start.isoformat()} to {end.isoformat()}, "
            f"{len(lines)} column(s) of {kind.label.lower()}) to {args.file}."
        )
        return EXIT_OK

    return await with_runtime(args, paths, body)

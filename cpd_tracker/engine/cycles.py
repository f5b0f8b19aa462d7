"""CPD cycles: the window of dates a requirement is judged over. Pure date arithmetic.

Cycles are calendar dates in the force's time zone, never timestamps, so "31 March" means the
same day to the officer, the engine and the audit export.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta

from cpd_tracker.engine.requirements import CyclePolicy


@dataclass(frozen=True)
class Cycle:
    """An inclusive range of dates, ``start`` to ``end``."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlap(self, first: date, last: date | None) -> int:
        """How many days of ``first``..``last`` (open-ended if ``None``) fall in the cycle."""
        begins = max(first, self.start)
        ends = self.end if last is None else min(last, self.end)
        return max((ends - begins).days + 1, 0)


@functools.lru_cache(maxsize=8192)
def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day where needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def annual_cycle(day: date, start: tuple[int, int]) -> Cycle:
    """The yearly cycle that contains ``day``, for cycles starting each year on ``start``.

    ``start`` is ``(month, day)``; with ``(4, 1)`` the 2026 cycle runs 1 Apr 2026 - 31 Mar 2027.
    """
    month, first_day = start
    return _repeating(date(2000, month, first_day), 1, day)


def cycle_for(policy: CyclePolicy, day: date, anchor: date | None = None) -> Cycle:
    """The cycle of ``policy`` that contains ``day``.

    ``anchor`` is the person's appointment or accreditation date, for anniversary cycles; a day
    before the anchor falls in the first cycle (a joiner is judged from their first cycle).
    """
    if policy.kind == "rolling":
        assert policy.months is not None
        return Cycle(add_months(day, -policy.months) + timedelta(days=1), day)
    if policy.kind == "anniversary":
        if anchor is None:
            raise ValueError(f"an anniversary cycle needs the {policy.anchor} date")
        return _repeating(anchor, policy.years, max(day, anchor))
    assert policy.start is not None
    return _repeating(policy.start, policy.years, day)


def _repeating(first: date, years: int, day: date) -> Cycle:
    """The cycle containing ``day`` among cycles of ``years`` years starting on ``first``."""
    steps = (day.year - first.year) // years
    begins = _shift_years(first, steps * years)
    if begins > day:
        steps -= 1
    elif _shift_years(first, (steps + 1) * years) <= day:
        steps += 1
    begins = _shift_years(first, steps * years)
    ends = _shift_years(first, (steps + 1) * years) - timedelta(days=1)
    return Cycle(begins, ends)


def _shift_years(day: date, years: int) -> date:
    return add_months(day, years * 12)

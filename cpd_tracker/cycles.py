"""CPD cycles: the window of dates a requirement is judged over. Pure date arithmetic.

Cycles are calendar dates in the force's time zone, never timestamps, so "31 March" means the
same day to the officer, the engine and the audit export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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


def annual_cycle(day: date, start: tuple[int, int]) -> Cycle:
    """The yearly cycle that contains ``day``, for cycles starting each year on ``start``.

    ``start`` is ``(month, day)``; with ``(4, 1)`` the 2026 cycle runs 1 Apr 2026 - 31 Mar 2027.
    """
    month, first_day = start
    this_year = date(day.year, month, first_day)
    begins = this_year if day >= this_year else date(day.year - 1, month, first_day)
    ends = date(begins.year + 1, month, first_day) - timedelta(days=1)
    return Cycle(begins, ends)

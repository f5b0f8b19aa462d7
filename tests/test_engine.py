"""The pure parts: cycles and hours progress. No database, no Flask."""

from __future__ import annotations

from datetime import date

import pytest

from cpd_tracker.compliance import format_minutes, hours_progress
from cpd_tracker.cycles import Cycle, annual_cycle


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2026, 11, 21), date(2026, 4, 1), date(2027, 3, 31)),
    (date(2026, 4, 1), date(2026, 4, 1), date(2027, 3, 31)),
    (date(2026, 3, 31), date(2025, 4, 1), date(2026, 3, 31)),
    (date(2028, 2, 29), date(2027, 4, 1), date(2028, 3, 31)),
])
def test_annual_cycle_starting_1_april(day: date, start: date, end: date) -> None:
    assert annual_cycle(day, (4, 1)) == Cycle(start, end)


def test_calendar_year_cycle() -> None:
    cycle = annual_cycle(date(2026, 6, 1), (1, 1))
    assert (cycle.start, cycle.end, cycle.days) == (date(2026, 1, 1), date(2026, 12, 31), 365)
    assert date(2026, 12, 31) in cycle and date(2027, 1, 1) not in cycle


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0 h"), (45, "45 m"), (60, "1 h"), (870, "14 h 30 m"), (1200, "20 h")])
def test_minutes_read_as_hours_and_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


CYCLE = Cycle(date(2026, 4, 1), date(2027, 3, 31))


def test_progress_short_of_target_says_what_is_missing_and_by_when() -> None:
    progress = hours_progress("Intelligence Officer", CYCLE, 870, 1200)
    assert progress.summary == "14 h 30 m of 20 h"
    assert (progress.percent, progress.shortfall_minutes, progress.met) == (72, 330, False)
    assert progress.sentence == ("Log 5 h 30 m more by 31 Mar 2027 to meet this year's "
                                 "Intelligence Officer CPD target.")


def test_progress_over_target_is_met_and_capped_at_100_percent() -> None:
    progress = hours_progress("Intelligence Analyst", CYCLE, 1500, 1200)
    assert (progress.met, progress.percent, progress.shortfall_minutes) == (True, 100, 0)
    assert "met this year's Intelligence Analyst CPD target" in progress.sentence


def test_zero_target_is_always_met() -> None:
    assert hours_progress("Volunteer", CYCLE, 0, 0).percent == 100


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError):
        hours_progress("x", CYCLE, -1, 60)

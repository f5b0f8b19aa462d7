"""CPD cycles: which window of dates a day is judged in. Pure date arithmetic, hand-worked dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpd_tracker.engine.cycles import Cycle, add_months, annual_cycle, cycle_for
from cpd_tracker.engine.requirements import Anchor, CyclePolicy

ONE_DAY = timedelta(days=1)


def yearly_from_1_april() -> CyclePolicy:
    return CyclePolicy("fixed", start=date(2026, 4, 1))


def licence_from_april_2025(years: int = 3) -> CyclePolicy:
    return CyclePolicy("fixed", years=years, start=date(2025, 4, 1))


def anniversary(years: int = 1, anchor: Anchor = "appointment") -> CyclePolicy:
    return CyclePolicy("anniversary", years=years, anchor=anchor)


def rolling(months: int) -> CyclePolicy:
    return CyclePolicy("rolling", months=months)


# --- fixed yearly cycles --------------------------------------------------------------------


def test_last_day_of_march_closes_the_cycle_that_began_the_april_before() -> None:
    assert cycle_for(yearly_from_1_april(), date(2026, 3, 31)) == Cycle(date(2025, 4, 1),
                                                                        date(2026, 3, 31))


def test_first_of_april_opens_a_new_yearly_cycle() -> None:
    assert cycle_for(yearly_from_1_april(), date(2026, 4, 1)) == Cycle(date(2026, 4, 1),
                                                                       date(2027, 3, 31))


def test_only_month_and_day_of_a_yearly_start_matter() -> None:
    # The policy says 1 April 2026, but a day in 2031 is still judged from the 1 April before it.
    assert cycle_for(yearly_from_1_april(), date(2031, 11, 5)) == Cycle(date(2031, 4, 1),
                                                                        date(2032, 3, 31))


def test_annual_cycle_takes_a_month_and_day() -> None:
    assert annual_cycle(date(2027, 2, 1), (4, 1)) == Cycle(date(2026, 4, 1), date(2027, 3, 31))


def test_calendar_year_cycle_has_365_days_in_a_common_year() -> None:
    cycle = annual_cycle(date(2026, 6, 1), (1, 1))
    assert cycle == Cycle(date(2026, 1, 1), date(2026, 12, 31))
    assert cycle.days == 365


def test_cycle_spanning_29_february_has_366_days() -> None:
    assert annual_cycle(date(2027, 6, 1), (4, 1)).days == 366  # 1 Apr 2027 - 31 Mar 2028


# --- fixed multi-year cycles ----------------------------------------------------------------


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2025, 4, 1), date(2025, 4, 1), date(2028, 3, 31)),
    (date(2025, 12, 25), date(2025, 4, 1), date(2028, 3, 31)),
    (date(2027, 7, 1), date(2025, 4, 1), date(2028, 3, 31)),
    (date(2028, 3, 31), date(2025, 4, 1), date(2028, 3, 31)),
    (date(2028, 4, 1), date(2028, 4, 1), date(2031, 3, 31)),
    (date(2031, 3, 31), date(2028, 4, 1), date(2031, 3, 31)),
    (date(2031, 4, 1), date(2031, 4, 1), date(2034, 3, 31)),
])
def test_three_year_licence_cycles_run_from_1_april_2025(day: date, start: date,
                                                          end: date) -> None:
    assert cycle_for(licence_from_april_2025(), day) == Cycle(start, end)


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2025, 3, 31), date(2022, 4, 1), date(2025, 3, 31)),
    (date(2024, 6, 1), date(2022, 4, 1), date(2025, 3, 31)),
    (date(2022, 3, 31), date(2019, 4, 1), date(2022, 3, 31)),
])
def test_days_before_the_licence_start_fall_in_earlier_three_year_cycles(
        day: date, start: date, end: date) -> None:
    assert cycle_for(licence_from_april_2025(), day) == Cycle(start, end)


# --- anniversary cycles ---------------------------------------------------------------------


def test_yearly_anniversary_cycle_runs_from_the_appointment_date() -> None:
    appointed = date(2024, 9, 15)
    assert cycle_for(anniversary(), date(2026, 1, 10), anchor=appointed) == Cycle(
        date(2025, 9, 15), date(2026, 9, 14))


def test_yearly_anniversary_cycle_turns_over_on_the_anniversary() -> None:
    appointed = date(2024, 9, 15)
    assert cycle_for(anniversary(), date(2026, 9, 15), anchor=appointed) == Cycle(
        date(2026, 9, 15), date(2027, 9, 14))


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2023, 9, 15), date(2023, 9, 15), date(2026, 9, 14)),
    (date(2026, 9, 14), date(2023, 9, 15), date(2026, 9, 14)),
    (date(2026, 9, 15), date(2026, 9, 15), date(2029, 9, 14)),
    (date(2030, 1, 1), date(2029, 9, 15), date(2032, 9, 14)),
])
def test_three_yearly_revalidation_runs_from_the_registration_date(day: date, start: date,
                                                                   end: date) -> None:
    # NMC-style: revalidate every three years from the date of registration.
    registered = date(2023, 9, 15)
    policy = anniversary(years=3, anchor="accreditation")
    assert cycle_for(policy, day, anchor=registered) == Cycle(start, end)


def test_day_before_the_anchor_falls_in_the_first_cycle() -> None:
    registered = date(2023, 9, 15)
    policy = anniversary(years=3, anchor="accreditation")
    assert cycle_for(policy, date(2023, 1, 2), anchor=registered) == Cycle(date(2023, 9, 15),
                                                                          date(2026, 9, 14))


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2025, 2, 27), date(2024, 2, 29), date(2025, 2, 27)),
    (date(2025, 2, 28), date(2025, 2, 28), date(2026, 2, 27)),
    (date(2028, 2, 28), date(2027, 2, 28), date(2028, 2, 28)),
    (date(2028, 2, 29), date(2028, 2, 29), date(2029, 2, 27)),
])
def test_anniversary_of_29_february_falls_on_28_february_in_common_years(day: date, start: date,
                                                                         end: date) -> None:
    appointed = date(2024, 2, 29)
    assert cycle_for(anniversary(), day, anchor=appointed) == Cycle(start, end)


def test_anniversary_cycle_without_the_persons_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="appointment"):
        cycle_for(anniversary(), date(2026, 1, 1))


# --- rolling windows ------------------------------------------------------------------------


def test_rolling_twelve_months_end_on_the_day_judged() -> None:
    assert cycle_for(rolling(12), date(2026, 6, 15)) == Cycle(date(2025, 6, 16),
                                                              date(2026, 6, 15))


def test_rolling_thirty_six_months_end_on_the_day_judged() -> None:
    assert cycle_for(rolling(36), date(2026, 6, 15)) == Cycle(date(2023, 6, 16),
                                                              date(2026, 6, 15))


def test_rolling_window_ending_on_29_february() -> None:
    # 12 months back from 29 Feb 2024 is 28 Feb 2023; the window starts the day after.
    assert cycle_for(rolling(12), date(2024, 2, 29)) == Cycle(date(2023, 3, 1),
                                                              date(2024, 2, 29))


# --- add_months -----------------------------------------------------------------------------


def test_adding_a_month_to_31_january_gives_28_february_in_a_common_year() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_adding_a_month_to_31_january_gives_29_february_in_a_leap_year() -> None:
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_adding_months_crosses_the_year_end() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_subtracting_a_month_clamps_to_the_shorter_month() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_adding_twelve_months_to_29_february_gives_28_february() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_adding_no_months_keeps_the_day() -> None:
    assert add_months(date(2026, 5, 17), 0) == date(2026, 5, 17)


# --- Cycle ----------------------------------------------------------------------------------

YEAR = Cycle(date(2026, 4, 1), date(2027, 3, 31))


def test_cycle_contains_its_first_and_last_days_only() -> None:
    assert date(2026, 4, 1) in YEAR
    assert date(2027, 3, 31) in YEAR
    assert date(2026, 3, 31) not in YEAR
    assert date(2027, 4, 1) not in YEAR


def test_cycle_contains_only_dates() -> None:
    assert "2026-06-01" not in YEAR


def test_open_ended_range_overlaps_from_its_start_to_the_cycle_end() -> None:
    # 1 Oct 2026 - 31 Mar 2027: 31 + 30 + 31 + 31 + 28 + 31 = 182 days.
    assert YEAR.overlap(date(2026, 10, 1), None) == 182


def test_open_ended_range_starting_before_the_cycle_covers_all_of_it() -> None:
    assert YEAR.overlap(date(2020, 1, 1), None) == 365


def test_range_inside_the_cycle_overlaps_by_its_own_length() -> None:
    assert YEAR.overlap(date(2026, 6, 1), date(2026, 6, 30)) == 30


def test_range_sticking_out_of_the_cycle_counts_only_days_inside() -> None:
    # 1 - 31 Mar 2027 inside; April outside.
    assert YEAR.overlap(date(2027, 3, 1), date(2027, 4, 30)) == 31


def test_single_day_range_on_the_cycle_end_overlaps_by_one() -> None:
    assert YEAR.overlap(date(2027, 3, 31), date(2027, 3, 31)) == 1


@pytest.mark.parametrize(("first", "last"), [
    (date(2025, 1, 1), date(2026, 3, 31)),
    (date(2027, 4, 1), date(2027, 12, 31)),
    (date(2027, 4, 1), None),
])
def test_disjoint_range_does_not_overlap(first: date, last: date | None) -> None:
    assert YEAR.overlap(first, last) == 0


# --- CyclePolicy ----------------------------------------------------------------------------


@pytest.mark.parametrize("years", [0, 6])
def test_cycle_lasts_one_to_five_years(years: int) -> None:
    with pytest.raises(ValueError, match="1 to 5 years"):
        CyclePolicy("fixed", years=years, start=date(2025, 4, 1))


@pytest.mark.parametrize("years", [1, 5])
def test_one_and_five_year_cycles_are_allowed(years: int) -> None:
    assert CyclePolicy("fixed", years=years, start=date(2025, 4, 1)).years == years


def test_fixed_cycle_needs_a_start_date() -> None:
    with pytest.raises(ValueError, match="start date"):
        CyclePolicy("fixed")


def test_anniversary_cycle_needs_an_anchor() -> None:
    with pytest.raises(ValueError, match="anchor"):
        CyclePolicy("anniversary", years=3)


@pytest.mark.parametrize("months", [None, 0, -12])
def test_rolling_cycle_needs_months_above_zero(months: int | None) -> None:
    with pytest.raises(ValueError, match="months"):
        CyclePolicy("rolling", months=months)


@pytest.mark.parametrize(("policy", "text"), [
    (CyclePolicy("fixed", start=date(2026, 4, 1)), "yearly from 1 April"),
    (CyclePolicy("fixed", years=3, start=date(2025, 4, 1)), "3-yearly from 1 April 2025"),
    (CyclePolicy("anniversary", years=3, anchor="accreditation"),
     "3-yearly from the accreditation date"),
    (CyclePolicy("rolling", months=36), "the last 36 months"),
])
def test_policy_describes_itself_in_words(policy: CyclePolicy, text: str) -> None:
    assert policy.description == text


# --- properties -----------------------------------------------------------------------------

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2080, 12, 31))

fixed_policies = st.builds(CyclePolicy, kind=st.just("fixed"), years=st.integers(1, 5),
                           start=days)
anniversary_policies = st.builds(CyclePolicy, kind=st.just("anniversary"),
                                 years=st.integers(1, 5),
                                 anchor=st.sampled_from(["appointment", "accreditation"]))
rolling_policies = st.builds(CyclePolicy, kind=st.just("rolling"), months=st.integers(1, 60))
repeating_policies = st.one_of(fixed_policies, anniversary_policies)


@settings(max_examples=300, deadline=None)
@given(policy=st.one_of(fixed_policies, anniversary_policies, rolling_policies), day=days,
       anchor=days)
def test_cycle_contains_the_day_it_was_found_for(policy: CyclePolicy, day: date,
                                                  anchor: date) -> None:
    if policy.kind == "anniversary":
        anchor, day = min(anchor, day), max(anchor, day)
    cycle = cycle_for(policy, day, anchor=anchor)
    assert day in cycle
    assert cycle.start <= cycle.end


@settings(max_examples=200, deadline=None)
@given(policy=anniversary_policies, day=days, anchor=days)
def test_any_day_before_the_anchor_finds_the_first_anniversary_cycle(policy: CyclePolicy,
                                                                     day: date,
                                                                     anchor: date) -> None:
    day, anchor = min(anchor, day), max(anchor, day)
    assert cycle_for(policy, day, anchor=anchor).start == anchor


@settings(max_examples=300, deadline=None)
@given(policy=repeating_policies, day=days, anchor=days)
def test_next_cycle_starts_the_day_after_this_one_ends(policy: CyclePolicy, day: date,
                                                       anchor: date) -> None:
    cycle = cycle_for(policy, day, anchor=anchor)
    following = cycle_for(policy, cycle.end + ONE_DAY, anchor=anchor)
    assert following.start == cycle.end + ONE_DAY
    assert following.end > following.start


@settings(max_examples=200, deadline=None)
@given(policy=repeating_policies, day=days, anchor=days)
def test_every_day_of_a_cycle_finds_that_same_cycle(policy: CyclePolicy, day: date,
                                                     anchor: date) -> None:
    cycle = cycle_for(policy, day, anchor=anchor)
    assert cycle_for(policy, cycle.start, anchor=anchor) == cycle
    assert cycle_for(policy, cycle.end, anchor=anchor) == cycle


@settings(max_examples=200, deadline=None)
@given(policy=repeating_policies, day=days, anchor=days)
def test_cycle_lasts_its_policys_years_give_or_take_leap_days(policy: CyclePolicy, day: date,
                                                              anchor: date) -> None:
    # n years hold 365n days plus however many 29 Februaries fall in them (at most ceil(n/4)),
    # less one when a cycle starting on 29 Feb ends on 27 Feb.
    cycle = cycle_for(policy, day, anchor=anchor)
    assert 365 * policy.years - 1 <= cycle.days <= 365 * policy.years + (policy.years + 3) // 4


@settings(max_examples=200, deadline=None)
@given(policy=rolling_policies, day=days)
def test_rolling_window_is_its_months_long_and_ends_on_the_day(policy: CyclePolicy,
                                                               day: date) -> None:
    assert policy.months is not None
    cycle = cycle_for(policy, day)
    assert cycle.end == day
    assert cycle.start - ONE_DAY == add_months(day, -policy.months)

"""What a person owes of a role's full targets this cycle, and why: their circumstances
(part-time hours, days in the role, approved absences, a lead's exemption or extension) and the
pro-rata factor they give. Pure, as the rest of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.engine.requirements import RequirementSet
from cpd_tracker.engine.words import format_date, fte_text, percent_text

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Absence:
    """An approved absence (parental leave, long-term sickness) that reduces the target."""

    starts_on: date
    ends_on: date
    reason: str = "approved absence"


@dataclass(frozen=True)
class Circumstances:
    """What about the person, rather than their CPD, bears on the judgement."""

    held_from: date
    held_until: date | None = None
    fte: Fraction = Fraction(1)
    absences: tuple[Absence, ...] = ()
    #: A lead's exemption for this cycle: the reason, or ``None``.
    exemption: str | None = None
    #: A lead's extension for this cycle: the new due date, or ``None``.
    extended_to: date | None = None
    #: A lead's exemptions for a period (long-term sickness from 1 January to 31 December in a
    #: two-year cycle): nothing is owed for those days, whatever the role's pro-rata policy.
    exempt_periods: tuple[Absence, ...] = ()
    #: The first day whose CPD counts towards this cycle, when later than its start (after a
    #: lead's extension of the cycle before): the pace runs from it.
    counts_from: date | None = None



def pro_rata_factor(requirements: RequirementSet, cycle: Cycle,
                    circumstances: Circumstances) -> tuple[Fraction, tuple[str, ...]]:
    """The share of the full target this person owes this cycle, and why, in words.

    Never above 1: part-time hours, days not in the role and approved absences only reduce it.
    """
    factor = Fraction(1)
    reasons: list[str] = []
    policy = requirements.pro_rata
    if "fte" in policy and circumstances.fte < 1:
        factor *= max(Fraction(0), circumstances.fte)
        reasons.append(f"Part-time ({fte_text(circumstances.fte)} FTE): targets are "
                       f"{percent_text(circumstances.fte)} of the full figures.")
    available = cycle.days
    if "days-in-role" in policy:
        held = cycle.overlap(circumstances.held_from, circumstances.held_until)
        if held < cycle.days:
            available = held
            reasons.append(f"In the role for {held} of the cycle's {cycle.days} days.")
    counted = circumstances.absences if "absence" in policy else ()
    if counted or circumstances.exempt_periods:
        absent = _absent_days(cycle, circumstances, counted + circumstances.exempt_periods)
        if absent:
            available = max(available - absent, 0)
            if counted:
                kinds = sorted({absence.reason for absence in counted})
                reasons.append(f"Approved absence ({', '.join(kinds)}): "
                               f"{_absent_days(cycle, circumstances, counted)} days.")
            for period in circumstances.exempt_periods:
                days = _absent_days(cycle, circumstances, (period,))
                if days:
                    reasons.append(f"Exempted by an accreditation lead from "
                                   f"{format_date(period.starts_on)} to "
                                   f"{format_date(period.ends_on)} ({period.reason.rstrip('.')}):"
                                   f" {days} days.")
    if available < cycle.days:
        factor *= Fraction(available, cycle.days)
    return min(factor, Fraction(1)), tuple(reasons)


def _absent_days(cycle: Cycle, circumstances: Circumstances,
                 periods: tuple[Absence, ...]) -> int:
    """Days of ``periods`` within the cycle and the time in role, overlaps counted once."""
    first = max(cycle.start, circumstances.held_from)
    last = min(cycle.end, circumstances.held_until or cycle.end)
    spans = sorted((max(a.starts_on, first), min(a.ends_on, last)) for a in periods)
    total, reached = 0, None
    for begins, ends in spans:
        if reached is not None and begins <= reached:
            begins = reached + _ONE_DAY
        if ends >= begins:
            total += (ends - begins).days + 1
            reached = ends if reached is None else max(reached, ends)
    return total




def exempt_throughout(cycle: Cycle, circumstances: Circumstances) -> str | None:
    """The reason, when a lead's exemptions for a period cover every day of the cycle the
    person holds the role: then the whole cycle is exempt."""
    first = max(cycle.start, circumstances.held_from)
    last = min(cycle.end, circumstances.held_until or cycle.end)
    if not circumstances.exempt_periods or last < first:
        return None
    covered = _absent_days(cycle, circumstances, circumstances.exempt_periods)
    if covered < (last - first).days + 1:
        return None
    return "; ".join(sorted({period.reason for period in circumstances.exempt_periods}))


def exempt_share(cycle: Cycle, circumstances: Circumstances) -> Fraction:
    """The share of the cycle not covered by a lead's exemptions for a period: it scales the
    targets of rules the role does not pro-rate (counts, by default), since nothing is owed for
    exempt days whatever the role's pro-rata policy."""
    if not circumstances.exempt_periods:
        return Fraction(1)
    exempt = _absent_days(cycle, circumstances, circumstances.exempt_periods)
    return Fraction(max(cycle.days - exempt, 0), cycle.days)

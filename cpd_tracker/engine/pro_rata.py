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
from cpd_tracker.engine.words import fte_text, percent_text

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
    if "absence" in policy and circumstances.absences:
        absent = _absent_days(cycle, circumstances)
        if absent:
            available = max(available - absent, 0)
            kinds = sorted({absence.reason for absence in circumstances.absences})
            reasons.append(f"Approved absence ({', '.join(kinds)}): {absent} days.")
    if available < cycle.days:
        factor *= Fraction(available, cycle.days)
    return min(factor, Fraction(1)), tuple(reasons)


def _absent_days(cycle: Cycle, circumstances: Circumstances) -> int:
    """Days of approved absence within the cycle and the time in role, overlaps counted once."""
    first = max(cycle.start, circumstances.held_from)
    last = min(cycle.end, circumstances.held_until or cycle.end)
    spans = sorted((max(a.starts_on, first), min(a.ends_on, last))
                   for a in circumstances.absences)
    total, reached = 0, None
    for begins, ends in spans:
        if reached is not None and begins <= reached:
            begins = reached + _ONE_DAY
        if ends >= begins:
            total += (ends - begins).days + 1
            reached = ends if reached is None else max(reached, ends)
    return total



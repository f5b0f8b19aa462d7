"""How the engine's figures read: durations, dates and a rule's figures as people see them.

One place for each, so a page, an email, a report and an export say "14 h 30 m" and
"31 Mar 2027" the same way (the web layer's ``cpd_date`` and ``cpd_duration`` filters are these
functions).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cpd_tracker.engine.compliance import RuleResult


def format_minutes(minutes: int) -> str:
    """``870`` -> ``"14 h 30 m"``; whole hours drop the minutes (``"20 h"``)."""
    hours, rest = divmod(max(minutes, 0), 60)
    if rest == 0:
        return f"{hours} h"
    if hours == 0:
        return f"{rest} m"
    return f"{hours} h {rest} m"


@functools.lru_cache(maxsize=4096)
def format_date(day: date) -> str:
    """``"31 Mar 2027"``: how dates read on every page and message."""
    # Cached: a force-wide report writes the same few due dates hundreds of thousands of times.
    return f"{day:%-d %b %Y}"


def format_moment(moment: datetime) -> str:
    """``"31 Mar 2027, 14:05"``: a moment as the clock on the wall shows it (convert it to the
    force's time zone first)."""
    return f"{format_date(moment)}, {moment:%H:%M}"


def join_words(parts: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def fte_text(fte: Fraction) -> str:
    """``Fraction(3, 5)`` -> ``"0.6"``: a full-time equivalent as payroll writes it."""
    return f"{float(fte):.2f}".rstrip("0").rstrip(".")


def percent_text(fte: Fraction) -> str:
    """``Fraction(3, 5)`` -> ``"60%"``."""
    return f"{float(fte) * 100:.0f}%"


def rule_text(result: RuleResult) -> str:
    """One rule's figures as a report cell: ``"Total CPD 14 h of 20 h"``."""
    if result.rule.measure == "item":
        return result.summary
    return f"{result.rule.label} {result.summary}"

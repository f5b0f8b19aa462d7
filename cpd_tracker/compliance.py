"""The compliance engine: how far a person is from what their role asks. Pure functions.

No Flask and no SQL here: totals come in, a result with a sentence a person can read comes out,
so every rule can be tested (and property-tested) on plain values.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpd_tracker.cycles import Cycle


def format_minutes(minutes: int) -> str:
    """``870`` -> ``"14 h 30 m"``; whole hours drop the minutes (``"20 h"``)."""
    hours, rest = divmod(max(minutes, 0), 60)
    if rest == 0:
        return f"{hours} h"
    if hours == 0:
        return f"{rest} m"
    return f"{hours} h {rest} m"


@dataclass(frozen=True)
class HoursProgress:
    """Progress towards a minimum number of hours in a cycle."""

    role_name: str
    cycle: Cycle
    logged_minutes: int
    target_minutes: int

    @property
    def met(self) -> bool:
        return self.logged_minutes >= self.target_minutes

    @property
    def shortfall_minutes(self) -> int:
        return max(self.target_minutes - self.logged_minutes, 0)

    @property
    def percent(self) -> int:
        """Whole percent done, capped at 100 (for a progress bar)."""
        if self.target_minutes == 0:
            return 100
        return min(100, self.logged_minutes * 100 // self.target_minutes)

    @property
    def summary(self) -> str:
        """``"14 h 30 m of 20 h"``."""
        return f"{format_minutes(self.logged_minutes)} of {format_minutes(self.target_minutes)}"

    @property
    def sentence(self) -> str:
        """What this means for the person, in one sentence."""
        ends = f"{self.cycle.end:%-d %b %Y}"
        if self.met:
            return f"You have met this year's {self.role_name} CPD target."
        return (f"Log {format_minutes(self.shortfall_minutes)} more by {ends} to meet this "
                f"year's {self.role_name} CPD target.")


def hours_progress(role_name: str, cycle: Cycle, logged_minutes: int,
                   target_minutes: int) -> HoursProgress:
    """Judge logged minutes against a role's annual target for one cycle."""
    if logged_minutes < 0 or target_minutes < 0:
        raise ValueError("minutes cannot be negative")
    return HoursProgress(role_name, cycle, logged_minutes, target_minutes)

"""How an accreditation stands: a pure function of what is recorded, the scheme's rules and a day.

The rules come from the framework file's ``accreditation:`` block (:class:`AccreditationRules`);
the facts from the ``cpd_accreditation`` row (:class:`RecordedAccreditation`), itself projected
from statements. No Flask and no SQL, so the officer's page, the lead's list and the lapse job
all say the same thing, and every rule is property-tested on plain values.

Decisions come first and stay until undone: a lead's suspension or withdrawal, and a recorded
lapse, hold whatever the dates say (a reinstatement or, for a lapse, an approved renewal clears
them on the record). Otherwise the dates decide: never accredited is *working towards*; an
accreditation is *accredited* until its renewal window opens, then *renewal due* until expiry
plus the grace days have passed, then *lapsed*. A finished CPD cycle that was missed since the
accreditation lapses it too, when the scheme says so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from cpd_tracker.engine.cycles import add_months
from cpd_tracker.engine.requirements import DEFAULT_REMINDER_DAYS
from cpd_tracker.engine.words import format_date

#: The statuses a decision records (a lead's, or the lapse job's), which dates never clear.
DECIDED = ("suspended", "withdrawn", "lapsed")


class AccreditationStatus(enum.Enum):
    """Where a person's accreditation stands."""

    WORKING_TOWARDS = "working-towards"
    ACCREDITED = "accredited"
    RENEWAL_DUE = "renewal-due"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """``"Renewal due"``, ``"Working towards"``: as a person reads it."""
        return self.value.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Endorsement:
    """A specialism an accreditation can carry."""

    code: str
    name: str


@dataclass(frozen=True)
class AccreditationRules:
    """A scheme's rules, as its framework file states them (``frameworks.accreditation_rules``).

    ``scheme`` is the framework's code: accreditations are recorded against it.
    """

    scheme: str
    name: str
    roles: tuple[str, ...]
    valid_years: int
    renewal_window_days: int = 90
    grace_days: int = 0
    lapse_on_missed_cycle: bool = False
    competence_statement: bool = True
    evidence_files: int = 1
    endorsements: tuple[Endorsement, ...] = ()
    #: Renewal reminder stages, days before expiry (the framework file's ``reminders``).
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS

    def expires_on(self, accredited_on: date) -> date:
        """The last day an accreditation (or renewal) granted on ``accredited_on`` is valid."""
        return add_months(accredited_on, 12 * self.valid_years) - timedelta(days=1)

    def endorsement_name(self, code: str) -> str:
        return next((e.name for e in self.endorsements if e.code == code), code)


@dataclass(frozen=True)
class RecordedAccreditation:
    """What the record says about one person's accreditation in one scheme."""

    accredited_on: date | None = None
    #: As recorded when the accreditation was granted, so later rule changes do not move it.
    expires_on: date | None = None
    endorsements: tuple[str, ...] = ()
    #: ``suspended``, ``withdrawn`` or ``lapsed`` while a decision holds, else ``None``.
    decided_status: str | None = None
    decided_reason: str | None = None
    decided_by: str | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class AccreditationJudgement:
    """One person's accreditation as it stands on ``as_of``, with the reason in words."""

    status: AccreditationStatus
    reason: str
    as_of: date
    accredited_on: date | None = None
    expires_on: date | None = None
    #: The first day a renewal may be submitted.
    renewal_due_from: date | None = None
    #: The first day the dates alone make it lapsed (expiry plus the grace days, plus one).
    lapses_on: date | None = None
    #: Whether a decision, rather than the dates, gives the status.
    decided: bool = False
    #: The last day of the missed CPD cycle that lapsed it, when that is why.
    missed_cycle: date | None = None

    @property
    def can_renew(self) -> bool:
        """Whether the person may submit a renewal now."""
        return self.status in (AccreditationStatus.RENEWAL_DUE, AccreditationStatus.LAPSED)

    @property
    def days_to_expiry(self) -> int | None:
        """Days from ``as_of`` to the expiry day (negative once past), if accredited."""
        return None if self.expires_on is None else (self.expires_on - self.as_of).days


def judge(facts: RecordedAccreditation | None, rules: AccreditationRules, *, as_of: date,
          missed_cycle: date | None = None) -> AccreditationJudgement:
    """Judge an accreditation on ``as_of``.

    ``facts`` is ``None`` for someone with nothing recorded. ``missed_cycle`` is the last day
    of a finished CPD cycle of the scheme's roles that the person did not meet (and whose due
    date has passed); it lapses the accreditation if the rules say so and the cycle ended after
    the accreditation began (a cycle missed before a renewal does not count against it).
    """
    facts = facts or RecordedAccreditation()
    if facts.decided_status in DECIDED:
        status = AccreditationStatus(facts.decided_status)
        return _dated(facts, rules, as_of, status, _decision_reason(status, facts), decided=True)
    if facts.accredited_on is None:
        return AccreditationJudgement(
            AccreditationStatus.WORKING_TOWARDS,
            f"Working towards {rules.name}: no accreditation is recorded yet.", as_of)
    expires = facts.expires_on or rules.expires_on(facts.accredited_on)
    lapses = expires + timedelta(days=rules.grace_days + 1)
    if as_of >= lapses:
        grace = (f" nor within the {_days(rules.grace_days)} of grace"
                 if rules.grace_days else "")
        return _dated(facts, rules, as_of, AccreditationStatus.LAPSED,
                      f"Lapsed: the accreditation expired on {format_date(expires)} and was "
                      f"not renewed before then{grace}.")
    if (rules.lapse_on_missed_cycle and missed_cycle is not None
            and facts.accredited_on < missed_cycle < as_of):
        return _dated(facts, rules, as_of, AccreditationStatus.LAPSED,
                      f"Lapsed: the CPD requirements of the cycle that ended on "
                      f"{format_date(missed_cycle)} were not met, and {rules.name} lapses when "
                      "a cycle is missed.", missed_cycle=missed_cycle)
    due_from = expires - timedelta(days=rules.renewal_window_days)
    if as_of > expires:
        reason = (f"Renewal overdue: the accreditation expired on {format_date(expires)}; "
                  f"it lapses on {format_date(lapses)} unless a renewal is approved.")
    elif as_of >= due_from:
        left = (expires - as_of).days
        reason = (f"Renewal due: the accreditation expires on {format_date(expires)} "
                  f"({'today' if left == 0 else 'in ' + _days(left)}); submit your renewal "
                  "before then.")
    else:
        return _dated(facts, rules, as_of, AccreditationStatus.ACCREDITED,
                      f"Accredited on {format_date(facts.accredited_on)}, valid until "
                      f"{format_date(expires)}; renewal opens on {format_date(due_from)}.")
    return _dated(facts, rules, as_of, AccreditationStatus.RENEWAL_DUE, reason)


def _dated(facts: RecordedAccreditation, rules: AccreditationRules, as_of: date,
           status: AccreditationStatus, reason: str, *, decided: bool = False,
           missed_cycle: date | None = None) -> AccreditationJudgement:
    """A judgement carrying the accreditation's dates (as far as there are any)."""
    if facts.accredited_on is None:
        return AccreditationJudgement(status, reason, as_of, decided=decided)
    expires = facts.expires_on or rules.expires_on(facts.accredited_on)
    return AccreditationJudgement(
        status, reason, as_of, accredited_on=facts.accredited_on, expires_on=expires,
        renewal_due_from=expires - timedelta(days=rules.renewal_window_days),
        lapses_on=expires + timedelta(days=rules.grace_days + 1), decided=decided,
        missed_cycle=missed_cycle)


def _decision_reason(status: AccreditationStatus, facts: RecordedAccreditation) -> str:
    """``"Suspended by Insp Jo Lead on 3 Jun 2026: under investigation."``"""
    words = status.label
    if facts.decided_by:
        words += f" by {facts.decided_by}"
    if facts.decided_on:
        words += f" on {format_date(facts.decided_on)}"
    reason = (facts.decided_reason or "").strip()
    return f"{words}: {reason}" if reason else f"{words}."


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"

"""The compliance engine: is this person meeting their role's requirements, and what is missing?

Pure functions over plain values: a
:class:`~cpd_tracker.engine.requirements.RequirementSet`, a cycle, the person's circumstances
and their activities (as :class:`Tally` groups) go in; a :class:`Judgement` with a status and a
readable explanation for every rule comes out. No Flask and no SQL, so every rule is tested, and
property-tested, on values; the force-wide report feeds it from one aggregate query.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

from cpd_tracker.engine.cycles import Cycle, add_months
from cpd_tracker.engine.pro_rata import (
    Circumstances,
    exempt_share,
    exempt_throughout,
    pro_rata_factor,
)
from cpd_tracker.engine.requirements import ActivityFilter, RequirementSet, Rule
from cpd_tracker.engine.words import format_date, format_minutes, join_words

_ONE_DAY = timedelta(days=1)


class Status(enum.Enum):
    """Where a person stands for one role this cycle, best first."""

    EXEMPT = "exempt"
    COMPLIANT = "compliant"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    NON_COMPLIANT = "non-compliant"

    @property
    def label(self) -> str:
        """``"Non-compliant"``, ``"On track"``: as a person reads it."""
        return "Non-compliant" if self is Status.NON_COMPLIANT else (
            self.value.replace("-", " ").capitalize())

    @property
    def rank(self) -> int:
        """0 for the best status; ``a.rank < b.rank`` means a is better than b."""
        return list(Status).index(self)


class Tally(NamedTuple):
    """Activities alike in everything the rules look at, added up.

    One activity is a tally with ``count=1``; the force-wide report gets tallies straight from
    a ``GROUP BY``. A named tuple, because a force-wide report builds hundreds of thousands.
    """

    minutes: int
    count: int = 1
    category: str = "other"
    kind: str | None = None
    participatory: bool = False
    verified: bool = False
    reflection: bool = False
    impact: bool = False
    #: Its evidence waits for a lead's decision (a verified-only rule says how many wait).
    awaiting: bool = False


@dataclass(frozen=True, slots=True)
class RuleResult:
    """How one rule stands: the figures, whether it is met, and what to say about it.

    The sentences are worked out when read, not when judged: a force-wide report judges tens
    of thousands of rules and shows few of the words.
    """

    rule: Rule
    done: int
    target: int
    full_target: int
    met: bool
    #: The date by which the rule must be met (an item's expiry may come before the cycle end).
    due: date
    #: Still to do (minutes or count); 0 when met. Items: 1 when not current.
    shortfall: int
    #: The day judged.
    as_of: date
    #: For items: the date the person last completed it.
    last_done: date | None = None
    #: For a verified-only rule: what would count once a lead verifies the evidence that waits
    #: for a decision (minutes or count).
    waiting: int = 0
    #: The last day of the cycle judged (a rule may be due before it, or after in a grace).
    cycle_end: date | None = None

    @property
    def percent(self) -> int:
        """Whole percent done, capped at 100 (for a progress bar)."""
        if self.rule.measure == "item":
            return 100 if self.met else 0
        if self.target == 0:
            return 100
        return min(100, self.done * 100 // self.target)

    @property
    def summary(self) -> str:
        """``"14 h 30 m of 20 h"``, ``"1 of 2 reflective accounts"``,
        ``"Data protection refresher: due by 31 Mar 2027"``."""
        rule = self.rule
        if rule.measure == "item":
            return f"{rule.label}: {self._item_state()}"
        if rule.measure == "minutes":
            text = f"{format_minutes(self.done)} of {format_minutes(self.target)}"
        else:
            text = f"{self.done} of {self.target} {_noun(rule, self.target)}"
        if rule.advisory:
            text += " recommended"
        if not rule.matches.verified_only:
            return text
        text += " verified"
        if self.waiting:
            waiting = (format_minutes(self.waiting) if rule.measure == "minutes"
                       else str(self.waiting))
            text += f"; {waiting} waiting for verification"
        return text

    @property
    def sentence(self) -> str:
        """What this rule means for the person now, in one sentence."""
        rule = self.rule
        if rule.measure == "item":
            if self.met:
                return f"{rule.label}: {self._item_state()}."
            if self.due < self.as_of:
                return f"{rule.label}: overdue since {format_date(self.due)}; complete it now."
            return f"{rule.label}: complete it by {format_date(self.due)}."
        if self.met:
            return f"{rule.label}: done."
        if rule.measure == "minutes":
            missing = format_minutes(self.shortfall)
        else:
            missing = f"{self.shortfall} more {_noun(rule, self.shortfall)}"
        if rule.matches.verified_only:
            missing += " verified"
        if self.as_of > self.due:
            when = ("the cycle ended" if self.cycle_end in (None, self.due)
                    else "it was due")
            return f"{rule.label}: {missing} short when {when} on {format_date(self.due)}."
        return f"{rule.label}: {missing} to go by {format_date(self.due)}."

    def _item_state(self) -> str:
        last, every = self.last_done, self.rule.every_months
        if self.met and last is not None:
            if every:
                renew = add_months(last, every)
                return f"done {format_date(last)}, next due by {format_date(renew)}"
            return f"done {format_date(last)}"
        if self.due < self.as_of:
            return f"overdue since {format_date(self.due)}"
        return f"due by {format_date(self.due)}"


@dataclass(frozen=True, slots=True)
class Judgement:
    """One person's standing in one role for one cycle, with the reasons."""

    requirements: RequirementSet
    cycle: Cycle
    as_of: date
    due: date
    status: Status
    rules: tuple[RuleResult, ...]
    #: Why targets differ from the framework's (part-time, joined mid-cycle, absence).
    adjustments: tuple[str, ...] = ()
    exemption: str | None = None
    factor: Fraction = field(default=Fraction(1))

    @property
    def unmet(self) -> tuple[RuleResult, ...]:
        """The required rules not met (a recommended target never counts as unmet)."""
        return tuple(result for result in self.rules
                     if not result.met and not result.rule.advisory)

    @property
    def next_step(self) -> str:
        """What to do next, in one sentence."""
        return _next_step(self.requirements, self.status, self.due, self.rules, self.exemption)


def matches(rule_filter: ActivityFilter, tally: Tally) -> bool:
    """Whether a rule with this filter counts these activities."""
    return (
        (rule_filter.categories is None or tally.category in rule_filter.categories)
        and (rule_filter.kinds is None or tally.kind in rule_filter.kinds)
        and (rule_filter.participatory is None or tally.participatory == rule_filter.participatory)
        and (not rule_filter.verified_only or tally.verified)
        and (rule_filter.output is None
             or (tally.reflection if rule_filter.output == "reflection" else tally.impact))
    )


def judge(requirements: RequirementSet, cycle: Cycle, circumstances: Circumstances,
          activities: Iterable[Tally], items: Mapping[tuple[str, bool], date], *,
          as_of: date) -> Judgement:
    """Judge one person in one role for ``cycle``, as things stand on ``as_of``.

    ``activities`` are the person's activities in the cycle up to ``as_of`` that count for the
    role; ``items`` maps ``(item code, verified)`` to the last date the person completed that
    named item (on or before ``as_of``), whenever that was.
    """
    tallies = tuple(activities)
    if circumstances.exemption is None:
        covered = exempt_throughout(cycle, circumstances)
        if covered is not None:
            circumstances = replace(circumstances, exemption=covered)
    due = circumstances.extended_to or requirements.due_of(cycle.end)
    factor, adjustments = pro_rata_factor(requirements, cycle, circumstances)
    share = exempt_share(cycle, circumstances)
    totals = _totals(requirements, tallies)
    results = tuple(
        _judge_rule(rule, cycle, due, total, items, factor if rule.pro_rata else share,
                    circumstances, as_of)
        for rule, total in zip(requirements.rules, totals, strict=True)
    )
    if any(result.rule.matches.verified_only and not result.met
           and result.rule.measure != "item" for result in results):
        results = tuple(_with_waiting(result, tallies) for result in results)
    status = _status(requirements, cycle, results, circumstances, as_of)
    if circumstances.extended_to:
        adjustments += (f"Extended by an accreditation lead to {format_date(due)}.",)
    return Judgement(
        requirements=requirements, cycle=cycle, as_of=as_of, due=due, status=status,
        rules=results, adjustments=adjustments,
        exemption=circumstances.exemption, factor=factor,
    )


#: (id of a requirement set, tally shape) -> (the set, indexes of the rules that count it).
_RULES_COUNTING: dict[tuple[int, tuple[object, ...]], tuple[RequirementSet, tuple[int, ...]]] = {}


def _totals(requirements: RequirementSet, tallies: tuple[Tally, ...]) -> list[int]:
    """Each rule's total (minutes or count) over the tallies it counts, in one pass."""
    totals = [0] * len(requirements.rules)
    for tally in tallies:
        shape = tally[2:]
        key = (id(requirements), shape)
        found = _RULES_COUNTING.get(key)
        if found is None or found[0] is not requirements:
            if len(_RULES_COUNTING) > 100_000:
                _RULES_COUNTING.clear()
            found = _RULES_COUNTING[key] = (requirements, tuple(
                index for index, rule in enumerate(requirements.rules)
                if rule.measure != "item" and matches(rule.matches, tally)))
        for index in found[1]:
            rule = requirements.rules[index]
            totals[index] += tally[0] if rule.measure == "minutes" else tally[1]
    return totals


def _with_waiting(result: RuleResult, tallies: tuple[Tally, ...]) -> RuleResult:
    """A verified-only rule's result with what waits for verification counted apart."""
    rule = result.rule
    if not rule.matches.verified_only or rule.measure == "item" or result.met:
        return result
    relaxed = replace(rule.matches, verified_only=False)
    waiting = sum(tally.minutes if rule.measure == "minutes" else tally.count
                  for tally in tallies if tally.awaiting and matches(relaxed, tally))
    return replace(result, waiting=waiting) if waiting else result


def _judge_rule(rule: Rule, cycle: Cycle, due: date, done: int,
                items: Mapping[tuple[str, bool], date], factor: Fraction,
                circumstances: Circumstances, as_of: date) -> RuleResult:
    if rule.measure == "item":
        return _judge_item(rule, cycle, due, items, circumstances.held_from, as_of)
    target = math.ceil(rule.target * factor) if factor != 1 else rule.target
    return RuleResult(rule, done, target, rule.target, done >= target, due,
                      max(target - done, 0), as_of, cycle_end=cycle.end)


def _judge_item(rule: Rule, cycle: Cycle, due: date, items: Mapping[tuple[str, bool], date],
                held_from: date, as_of: date) -> RuleResult:
    """A named item: current on the day judged, or done in the cycle if it does not recur.

    Someone new to the role has ``every_months`` from their start to do it the first time, so
    an old completion never makes an item fall due sooner than having none at all.
    """
    assert rule.item is not None
    verified_only = rule.matches.verified_only
    last = max((day for (code, verified), day in items.items()
                if code == rule.item and (verified or not verified_only) and day <= as_of),
               default=None)
    judged_on = min(as_of, due)
    if rule.every_months:
        expires = add_months(last, rule.every_months) if last else None
        # Current on the day judged; or, for a cycle extended past its end, current on its
        # last day (an item that ran out during the extension did not leave the cycle unmet).
        met = expires is not None and (expires > judged_on or (
            last is not None and last <= cycle.end and expires > min(as_of, cycle.end)))
        grace = add_months(held_from, rule.every_months)
        item_due = min(max(expires or grace, grace), due)
    else:
        met = last is not None and last >= cycle.start
        item_due = due
    return RuleResult(rule, int(met), 1, 1, met, item_due, 0 if met else 1, as_of, last)


def _status(requirements: RequirementSet, cycle: Cycle, results: tuple[RuleResult, ...],
            circumstances: Circumstances, as_of: date) -> Status:
    if circumstances.exemption is not None:
        return Status.EXEMPT
    unmet = [result for result in results if not result.met and not result.rule.advisory]
    if not unmet:
        return Status.COMPLIANT
    if requirements.cycle.kind == "rolling" or any(result.due < as_of for result in unmet):
        return Status.NON_COMPLIANT
    if any((result.due - as_of).days <= requirements.at_risk_days for result in unmet):
        return Status.AT_RISK
    # Pace runs from when the person could start: the cycle start, or joining the role.
    began = max(cycle.start, circumstances.held_from, circumstances.counts_from or cycle.start)
    span = max((cycle.end - began).days + 1, 1)
    elapsed = Fraction(min(max((as_of - began).days + 1, 0), span), span)
    # Behind: under half of what an even pace would have done by now. Not in the first
    # quarter, when an empty record is normal.
    behind = elapsed > Fraction(1, 4) and any(
        result.rule.measure != "item" and result.done * 2 < result.target * elapsed
        for result in unmet)
    return Status.AT_RISK if behind else Status.ON_TRACK


def _next_step(requirements: RequirementSet, status: Status, due: date,
               results: tuple[RuleResult, ...], exemption: str | None) -> str:
    role = requirements.role_name
    if status is Status.EXEMPT:
        reason = (exemption or "").strip().rstrip(".")
        return f"You are exempt from the {role} requirements this cycle: {reason}."
    if status is Status.COMPLIANT:
        return f"You have met every {role} requirement this cycle."
    needs = join_words([_need(result) for result in results
                        if not result.met and not result.rule.advisory])
    if status is Status.NON_COMPLIANT:
        return (f"You are behind on the {role} requirements: {needs}. Do it as soon as you can "
                "and speak to your line manager or accreditation lead.")
    return f"To meet the {role} requirements by {format_date(due)}: {needs}."


def _need(result: RuleResult) -> str:
    rule = result.rule
    if rule.measure == "item":
        return f"complete {rule.label}"
    if rule.matches.verified_only:
        return _verified_need(result)
    if rule.measure == "minutes":
        return f"log {format_minutes(result.shortfall)} more {rule.noun}"
    return f"add {result.shortfall} more {_noun(rule, result.shortfall)}"


def _verified_need(result: RuleResult) -> str:
    """What a verified-only rule still needs: verification of what waits, then more."""
    rule = result.rule

    def amount(value: int) -> str:
        return (format_minutes(value) if rule.measure == "minutes"
                else f"{value} {_noun(rule, value)}")

    waiting = min(result.waiting, result.shortfall)
    more = result.shortfall - waiting
    parts = []
    if waiting:
        parts.append(f"have the {amount(result.waiting)} waiting verified by an accreditation "
                     "lead")
    if more:
        added = (f"log {format_minutes(more)} more {rule.noun}" if rule.measure == "minutes"
                 else f"add {more} more {_noun(rule, more)}")
        parts.append(f"{added} with evidence for verification")
    return " and ".join(parts)


def _noun(rule: Rule, number: int) -> str:
    return rule.noun_one if number == 1 else rule.noun

"""Judging people in bulk: a whole force, a unit, a role or one officer, in a fixed few queries.

The engine is pure; this module feeds it. Totals come from one set-based aggregate over
``cpd_activity`` for the whole scope (grouped by the facts rules look at), never a query per
person, so the force-wide report, the officer's page and (later) reminders and dashboards all
judge with the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.compliance import Judgement, Tally, judge
from cpd_tracker.engine.cycles import Cycle
from cpd_tracker.engine.pro_rata import Absence, Circumstances
from cpd_tracker.engine.requirements import RequirementSet
from cpd_tracker.models import Absence as AbsenceRecord
from cpd_tracker.models import Activity, Allowance, Learner, LearnerRole, Role, activity_role


@dataclass(frozen=True)
class Scope:
    """Whom to judge: everyone, or those in a role, a unit, one person or some people."""

    role: str | None = None
    unit: str | None = None
    learner_id: int | None = None
    learners: frozenset[int] | None = None


@dataclass(frozen=True)
class Standing:
    """One person in one role: who they are and the engine's judgement."""

    learner_id: int
    reference: str
    name: str
    org_unit: str | None
    role_code: str
    judgement: Judgement
    #: While an extension runs, ``judgement`` is the extended cycle still owed and this is the
    #: cycle under way (``None`` otherwise).
    following: Judgement | None = None


@dataclass(frozen=True)
class _Holding:
    learner_id: int
    reference: str
    name: str
    org_unit: str | None
    fte: Fraction
    role_id: int
    role_code: str
    started_on: date
    ended_on: date | None
    requirements: RequirementSet
    cycle: Cycle
    #: The first day whose CPD counts towards ``cycle``: its start, or the day after the
    #: extension of the cycle before it (when CPD in an extension counts for the owed cycle).
    counts_from: date
    #: The last day whose CPD counts towards ``cycle``: its end, or the date it was extended to.
    counts_until: date
    #: The cycle under way while ``cycle`` is an extended one still owed, and the first day
    #: whose CPD counts towards it.
    following: tuple[RequirementSet, Cycle, date] | None = None

    def windows(self) -> list[tuple[date, date]]:
        """The days whose CPD counts, for each cycle judged."""
        found = [(self.counts_from, self.counts_until)]
        if self.following is not None:
            found.append((self.following[2], self.following[1].end))
        return found


def assess(session: Session, settings: Settings, *, as_of: date,
           scope: Scope = Scope()) -> list[Standing]:
    """Judge everyone in ``scope`` in every role they hold on ``as_of``.

    People are ordered by name, then role. A role with no framework version in force on
    ``as_of`` is left out (there is nothing to judge it by).
    """
    catalogue = frameworks.catalogue(session, categories=dict(settings.categories))
    allowances = _allowances(session, scope)
    holdings = list(_holdings(session, catalogue, allowances, scope, as_of))
    if not holdings:
        return []
    tallies = _tallies(session, holdings, scope, as_of)
    items = _items(session, scope, as_of)
    absences = _absences(session, scope)
    standings = []
    for holding in holdings:
        rows = tallies.get((holding.role_id, holding.learner_id), ())
        owned = items.get(holding.learner_id, {})
        person = absences.get(holding.learner_id, ())

        def judged(requirements: RequirementSet, cycle: Cycle, first: date, last: date,
                   holding: _Holding = holding, rows: Any = rows, owned: Any = owned,
                   person: Any = person) -> Judgement:
            granted = allowances.get((holding.learner_id, holding.role_id, cycle.start), {})
            circumstances = Circumstances(
                held_from=holding.started_on, held_until=holding.ended_on, fte=holding.fte,
                absences=person, exemption=granted.get("exemption"),
                extended_to=granted.get("extension"),
                exempt_periods=tuple(granted.get("periods", ())),
                counts_from=first if first > cycle.start else None,
            )
            return judge(requirements, cycle, circumstances, _in_window(rows, first, last),
                         owned, as_of=as_of)

        judgement = judged(holding.requirements, holding.cycle, holding.counts_from,
                           holding.counts_until)
        following = None
        if holding.following is not None:
            requirements, cycle, first = holding.following
            following = judged(requirements, cycle, first, cycle.end)
        standings.append(Standing(holding.learner_id, holding.reference, holding.name,
                                  holding.org_unit, holding.role_code, judgement, following))
    return standings


def _holdings(session: Session, catalogue: dict[str, frameworks.RoleRequirements],
              allowances: _Allowances, scope: Scope, as_of: date) -> Iterator[_Holding]:
    query = (
        sa.select(Learner.id, Learner.reference, Learner.name, Learner.org_unit, Learner.fte,
                  Role.id, Role.code, LearnerRole.started_on, LearnerRole.ended_on,
                  LearnerRole.accredited_on)
        .join(LearnerRole, LearnerRole.learner_id == Learner.id)
        .join(Role, Role.id == LearnerRole.role_id)
        .where(LearnerRole.started_on <= as_of,
               sa.or_(LearnerRole.ended_on.is_(None), LearnerRole.ended_on >= as_of))
        .order_by(Learner.name, Learner.reference, Role.code)
    )
    query = _scoped(query, scope, role_column=Role.code)
    extended = {(learner_id, role_id) for (learner_id, role_id, _), granted in allowances.items()
                if granted.get("extension")}
    per_person = {code for code, versions in catalogue.items()
                  if any(v.requirements.cycle.kind == "anniversary" for v in versions.versions)}
    graced = {code for code, versions in catalogue.items()
              if any(v.requirements.due_offset_days > 0 for v in versions.versions)}
    accredited_on = (frameworks.accreditation_dates(session, _people(scope)) if per_person
                     else {})
    cycles: dict[tuple[str, date | None], Any] = {}
    ftes: dict[Any, Fraction] = {}
    for (learner_id, reference, name, unit, fte, role_id, code, started, ended,
         accredited) in session.execute(query):
        versions = catalogue.get(code)
        if versions is None:
            continue
        # Only anniversary cycles depend on the person; the rest are worked out once a role.
        anchor = (anchor_of(versions, accredited_on.get((learner_id, code)), accredited,
                            started) if code in per_person else None)
        key = (code, anchor)
        if key not in cycles:
            cycles[key] = versions.for_day(as_of, anchor)
        found = cycles[key]
        if found is None:
            continue
        requirements, cycle = found
        counts_from, following = cycle.start, None
        own = (allowances.get((learner_id, role_id, cycle.start), {})
               if (learner_id, role_id) in extended else {})
        counts_until = _counts_until(requirements, cycle, own.get("extension"))
        if (learner_id, role_id) in extended or code in graced:
            before = versions.for_day(cycle.start - timedelta(days=1), anchor)
            if before is not None:
                earlier, previous = before
                extended_to = allowances.get((learner_id, role_id, previous.start), {}).get(
                    "extension")
                due = extended_to or earlier.due_of(previous.end)
                if (extended_to and extended_to >= cycle.start
                        and earlier.extension_counts == "owed"):
                    # CPD dated in the extension went to the owed cycle, not this one.
                    counts_from = min(extended_to + timedelta(days=1), cycle.end)
                if due >= as_of and due > previous.end:
                    # An ended cycle still due (extended by a lead, or in its grace period) is
                    # the one owed; the cycle under way is judged beside it.
                    following = (requirements, cycle, counts_from)
                    requirements, cycle = earlier, previous
                    counts_from = previous.start
                    counts_until = _counts_until(earlier, previous, extended_to)
        if fte not in ftes:
            ftes[fte] = Fraction(str(fte))
        yield _Holding(learner_id, reference, name, unit, ftes[fte], role_id, code,
                       started, ended, requirements, cycle, counts_from, counts_until,
                       following)


def _counts_until(requirements: RequirementSet, cycle: Cycle, extended_to: date | None) -> date:
    """The last day whose CPD counts towards ``cycle``: the date a lead extended it to, else
    its end, or its submission deadline when that comes first."""
    if extended_to is not None:
        return max(cycle.end, extended_to)
    return min(cycle.end, requirements.due_of(cycle.end))


def anchor_of(versions: frameworks.RoleRequirements, accredited: date | None,
              legacy: date | None, started: date) -> date:
    """The day a person's anniversary cycles count from: for a cycle from the accreditation
    date, the accreditation record's date (``legacy``: a date ``assign_role`` kept in 0.1, for
    records made before), else the day they took the role; for one from the appointment, that
    day."""
    if any(v.requirements.cycle.anchor == "accreditation" for v in versions.versions):
        return accredited or legacy or started
    return started


def _people(scope: Scope) -> frozenset[int] | None:
    """The learner ids a scope names, or ``None`` for a scope by role or unit (or everyone)."""
    if scope.learner_id is not None:
        return frozenset({scope.learner_id})
    return scope.learners


def _scoped(query: Any, scope: Scope, *, role_column: Any = None) -> Any:
    if scope.unit is not None:
        query = query.where(Learner.org_unit == scope.unit)
    if scope.learner_id is not None:
        query = query.where(Learner.id == scope.learner_id)
    if scope.learners is not None:
        query = query.where(Learner.id.in_(sorted(scope.learners)))
    if scope.role is not None and role_column is not None:
        query = query.where(role_column == scope.role)
    return query


def _people_in(query: Any, scope: Scope, learner_id: Any) -> Any:
    """``query`` (over a table with a learner column) narrowed to the people in ``scope``."""
    if scope.unit is None and scope.learner_id is None and scope.learners is None:
        return query
    return _scoped(query.join(Learner, Learner.id == learner_id), scope)


#: Exemption reasons and extended due dates, by (learner id, role id, cycle start).
_Allowances = dict[tuple[int, int, date], dict[str, Any]]
#: Tallies by (role id, learner id); each carries the day only for per-person cycles.
_Tallies = dict[tuple[int, int], list[tuple[date | None, Tally]]]


def _tallies(session: Session, holdings: list[_Holding], scope: Scope, as_of: date) -> _Tallies:
    """The one aggregate: every activity in scope and window, grouped by what rules look at.

    Roles whose cycle is the same for every holder (fixed dates, rolling windows) are filtered
    to that window in SQL and summed per person; roles with a cycle per person (anniversaries)
    keep the day in the grouping so each person's own window is applied after.
    """
    cycles: dict[int, set[tuple[tuple[date, date], ...]]] = defaultdict(set)
    for holding in holdings:
        cycles[holding.role_id].add(tuple(holding.windows()))
    # One window for all holders (the usual fixed or rolling cycle) is filtered in SQL; roles
    # whose holders have different windows (anniversaries, extensions) keep the day.
    shared = {role_id: next(iter(found))[0] for role_id, found in cycles.items()
              if len(found) == 1 and len(next(iter(found))) == 1}
    personal = set(cycles) - set(shared)
    earliest = min(holding.cycle.start for holding in holdings)
    windows = [sa.and_(activity_role.c.role_id == role_id,
                       Activity.activity_date.between(first, min(last, as_of)))
               for role_id, (first, last) in shared.items()]
    if personal:
        windows.append(sa.and_(activity_role.c.role_id.in_(personal),
                               Activity.activity_date.between(earliest, as_of)))
    # Group only by the facts some rule in scope looks at: fewer, larger groups.
    looked_at = _facts_looked_at(holding.requirements for holding in holdings)
    facts = {
        "category": Activity.category,
        "kind": Activity.kind,
        "participatory": Activity.participatory,
        "verified": _verified_by(as_of),
        "reflection": sa.func.coalesce(sa.func.length(Activity.reflection), 0) > 0,
        "impact": sa.func.coalesce(sa.func.length(Activity.impact), 0) > 0,
        "awaiting": Activity.verification == "awaiting",
    }
    grouped: list[Any] = [activity_role.c.role_id, Activity.learner_id]
    if personal:
        day = sa.case((activity_role.c.role_id.in_(personal), Activity.activity_date))
        grouped.append(day)
    else:
        day = sa.null()  # not grouped: PostgreSQL refuses a constant in GROUP BY
    chosen = [name for name in facts if name in looked_at]
    grouped += [facts[name] for name in chosen]
    columns = [*grouped[:2], day.label("day"), *(facts[name] for name in chosen)]
    query = (
        sa.select(*columns, sa.func.sum(Activity.minutes), sa.func.count())
        .join(activity_role, activity_role.c.activity_id == Activity.id)
        .where(sa.or_(*windows))
        .group_by(*grouped)
    )
    query = _people_in(query, scope, Activity.learner_id)
    defaults = Tally(0)
    positions = [Tally._fields.index(name) for name in chosen]
    shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    tallies: _Tallies = defaultdict(list)
    make = Tally._make
    for row in session.connection().execute(query).all():
        values = tuple(row[3:3 + len(chosen)])
        shape = shapes.get(values)
        if shape is None:
            filled = list(defaults[2:])
            for position, value in zip(positions, values, strict=True):
                filled[position - 2] = (value if position in (2, 3) else bool(value))
            shape = shapes[values] = tuple(filled)
        tallies[(row[0], row[1])].append((row[2], make((row[-2], row[-1], *shape))))
    return tallies


def _verified_by(as_of: date) -> Any:
    """Whether an activity's evidence had been verified by ``as_of``: a rule that counts
    verified CPD only counts it from the day a lead verified it."""
    return sa.and_(Activity.verification == "verified",
                   sa.func.coalesce(Activity.verified_on <= as_of, False))


def _facts_looked_at(sets: Iterator[RequirementSet] | Any) -> set[str]:
    looked_at: set[str] = set()
    for requirements in {id(r): r for r in sets}.values():
        for rule in requirements.rules:
            found = rule.matches
            if found.categories is not None:
                looked_at.add("category")
            if found.kinds is not None:
                looked_at.add("kind")
            if found.participatory is not None:
                looked_at.add("participatory")
            if found.verified_only:
                looked_at.update(("verified", "awaiting"))
            if found.output:
                looked_at.add(found.output)
    return looked_at


def _in_window(rows: Any, first: date, last: date) -> list[Tally]:
    return [tally for day, tally in rows if day is None or first <= day <= last]


def _items(session: Session, scope: Scope, as_of: date) -> dict[int, dict[tuple[str, bool], date]]:
    """When each person last completed each named item (verified or not), up to ``as_of``."""
    verified = _verified_by(as_of)
    query = (
        sa.select(Activity.learner_id, Activity.item, verified, sa.func.max(Activity.activity_date))
        # ``item > ''`` rather than IS NOT NULL: SQLite then ranges over the item index.
        .where(Activity.item > "", Activity.activity_date <= as_of)
        .group_by(Activity.learner_id, Activity.item, verified)
    )
    query = _people_in(query, scope, Activity.learner_id)
    items: dict[int, dict[tuple[str, bool], date]] = defaultdict(dict)
    for learner_id, item, is_verified, last in session.connection().execute(query):
        items[learner_id][(item, bool(is_verified))] = last
    return items


def _absences(session: Session, scope: Scope) -> dict[int, tuple[Absence, ...]]:
    query = sa.select(AbsenceRecord.learner_id, AbsenceRecord.starts_on, AbsenceRecord.ends_on,
                      AbsenceRecord.reason)
    query = _people_in(query, scope, AbsenceRecord.learner_id)
    absences: dict[int, list[Absence]] = defaultdict(list)
    for learner_id, starts, ends, reason in session.execute(query):
        absences[learner_id].append(Absence(starts, ends, reason))
    return {learner_id: tuple(found) for learner_id, found in absences.items()}


def _allowances(session: Session, scope: Scope) -> _Allowances:
    """Leads' exemptions (for a cycle, or a period: ``periods``) and extensions, by learner,
    role and cycle start."""
    query = sa.select(Allowance.learner_id, Allowance.role_id, Allowance.cycle_start,
                      Allowance.kind, Allowance.reason, Allowance.extended_to,
                      Allowance.starts_on, Allowance.ends_on).order_by(Allowance.granted_at)
    query = _people_in(query, scope, Allowance.learner_id)
    granted: dict[tuple[int, int, date], dict[str, Any]] = defaultdict(dict)
    for (learner_id, role_id, cycle_start, kind, reason, extended_to, starts,
         ends) in session.execute(query):
        found = granted[(learner_id, role_id, cycle_start)]
        if kind == "exemption" and starts is not None:
            found.setdefault("periods", []).append(Absence(starts, ends, reason))
        else:
            found[kind] = reason if kind == "exemption" else extended_to
    return granted

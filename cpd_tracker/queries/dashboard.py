"""The accreditation lead's dashboard: how their scope stands at a glance.

Counts by status for each role and unit, the trend over past nightly snapshots, the
verification queue's size and who lapses in the next 30, 60 and 90 days. Everything is counted
in SQL over ``cpd_standing`` (:mod:`cpd_tracker.judging.standings`) and ``cpd_snapshot_count``
(:mod:`cpd_tracker.judging.snapshots`): a fixed handful of queries whatever the size of the force.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks, permissions
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import format_date
from cpd_tracker.models import (
    Accreditation,
    CurrentStanding,
    Learner,
    LearnerRole,
    Role,
    Snapshot,
    SnapshotCount,
)
from cpd_tracker.queries.people import PeopleFilter, PersonRow, people
from cpd_tracker.queries.verification import verification_queue

#: The windows "who lapses in the next N days" counts.
LAPSE_WINDOWS = (30, 60, 90)
#: How many weeks of snapshots the trend shows.
TREND_WEEKS = 13
#: Units named on the dashboard, worst first; the rest are in the people list.
UNITS_SHOWN = 25
#: Statuses in which something is still owed.
OWING = (Status.ON_TRACK, Status.AT_RISK, Status.NON_COMPLIANT)


@dataclass(frozen=True)
class StatusCounts:
    """How many standings of a group (a role, a unit, the whole scope) have each status."""

    label: str
    counts: dict[Status, int] = field(default_factory=dict)
    #: What the group filters the people list by (``{"role": "intelligence-officer"}``);
    #: ``None`` when no filter picks it out (people without a unit).
    arguments: dict[str, str] | None = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: Status) -> int:
        return self.counts.get(status, 0)

    def percent(self, status: Status) -> float:
        """The share with ``status``, 0 to 100 (0 for an empty group)."""
        return 100 * self.count(status) / self.total if self.total else 0.0

    @property
    def meeting(self) -> float:
        """The share that is compliant, on track or exempt: not at risk or worse."""
        return sum(self.percent(status) for status in
                   (Status.EXEMPT, Status.COMPLIANT, Status.ON_TRACK))

    @property
    def failing(self) -> float:
        return self.percent(Status.AT_RISK) + self.percent(Status.NON_COMPLIANT)


@dataclass(frozen=True)
class LapseWindow:
    """Who lapses within ``days``: CPD still owed by then, accreditations expiring by then."""

    days: int
    until: date
    cpd_owed: int
    accreditations_expiring: int


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    role: str | None
    unit: str | None
    overall: StatusCounts
    by_role: list[StatusCounts]
    by_unit: list[StatusCounts]
    #: Units not shown in ``by_unit`` (there were more than :data:`UNITS_SHOWN`).
    more_units: int
    #: One point a week, oldest first: the snapshot's day and its counts.
    trend: list[tuple[date, StatusCounts]]
    waiting_verification: int
    lapsing: list[LapseWindow]
    #: The soonest due of those who still owe something, within the longest window.
    due_soonest: list[PersonRow]


def dashboard(session: Session, access: permissions.Access, *, today: date,
              role: str | None = None, unit: str | None = None) -> Dashboard:
    """The dashboard of what ``access`` may see, narrowed to ``role`` and ``unit`` if given."""
    counts = _counts(session, access, role, unit)
    overall = StatusCounts("Everyone in scope", _sum(counts.values()))
    roles: dict[tuple[str, str], list[dict[Status, int]]] = defaultdict(list)
    units: dict[str, list[dict[Status, int]]] = defaultdict(list)
    for (code, name, org_unit), found in counts.items():
        roles[(code, name)].append(found)
        units[org_unit or ""].append(found)
    by_role = [StatusCounts(name, _sum(found), {"role": code})
               for (code, name), found in sorted(roles.items(), key=lambda item: item[0][1])]
    # People without a unit have no filter to open; their row is not a link.
    by_unit = sorted((StatusCounts(name or "(no unit)", _sum(found),
                                   {"unit": name} if name else None)
                      for name, found in units.items()),
                     key=lambda group: (-group.failing, group.label))
    longest = max(LAPSE_WINDOWS)
    soonest = people(session, access, PeopleFilter(
        statuses=OWING[:2], role=role, unit=unit, due_before=today + timedelta(days=longest),
        sort="due"), per_page=10)
    return Dashboard(
        as_of=today, role=role, unit=unit, overall=overall, by_role=by_role,
        by_unit=by_unit[:UNITS_SHOWN], more_units=max(0, len(by_unit) - UNITS_SHOWN),
        trend=_trend(session, access, role, unit, today),
        waiting_verification=verification_queue(
            session, access, role=role, unit=unit, per_page=1).total,
        lapsing=_lapsing(session, access, role, unit, today),
        due_soonest=list(soonest.items),
    )


def _sum(groups: Any) -> dict[Status, int]:
    total: dict[Status, int] = defaultdict(int)
    for found in groups:
        for status, count in found.items():
            total[status] += count
    return dict(total)


def _people(query: sa.Select[Any], access: permissions.Access, role: str | None,
            unit: str | None) -> sa.Select[Any]:
    query = query.where(permissions.visible_standings(access))
    if unit:
        query = query.where(CurrentStanding.org_unit == unit)
    if role:
        query = query.where(CurrentStanding.role_code == role)
    return query


def _counts(session: Session, access: permissions.Access, role: str | None, unit: str | None
            ) -> dict[tuple[str, str, str | None], dict[Status, int]]:
    standing = CurrentStanding
    query = _people(
        sa.select(standing.role_code, standing.role_name, standing.org_unit, standing.status,
                  sa.func.count()), access, role, unit,
    ).group_by(standing.role_code, standing.role_name, standing.org_unit, standing.status)
    found: dict[tuple[str, str, str | None], dict[Status, int]] = defaultdict(dict)
    for code, name, org_unit, status, count in session.execute(query):
        found[(code, name, org_unit)][Status(status)] = count
    return found


def _trend(session: Session, access: permissions.Access, role: str | None, unit: str | None,
           today: date) -> list[tuple[date, StatusCounts]]:
    """The snapshots of the last :data:`TREND_WEEKS` weeks (this one included, from Monday),
    the latest of each week.

    Snapshots keep counts by role and unit, not people, so a lead sees the trend of the units
    and roles they lead (all of it for the force or an admin); a line manager's reports are not
    in it.
    """
    since = today - timedelta(days=today.weekday(), weeks=TREND_WEEKS - 1)  # a Monday
    query = (sa.select(Snapshot.taken_on, SnapshotCount.status,
                       sa.func.sum(SnapshotCount.count))
             .join(Snapshot, Snapshot.id == SnapshotCount.snapshot_id)
             .where(Snapshot.taken_on >= since, Snapshot.taken_on <= today,
                    _snapshot_scope(access))
             .group_by(Snapshot.taken_on, SnapshotCount.status))
    if role:
        query = query.where(SnapshotCount.role_code == role)
    if unit:
        query = query.where(SnapshotCount.org_unit == unit)
    days: dict[date, dict[Status, int]] = defaultdict(dict)
    for taken_on, status, count in session.execute(query):
        days[taken_on][Status(status)] = int(count)
    weekly: dict[tuple[int, int], date] = {}
    for day in sorted(days):
        weekly[day.isocalendar()[:2]] = day
    return [(day, StatusCounts(f"{format_date(day)}", days[day])) for day in
            sorted(weekly.values())]


def _snapshot_scope(access: permissions.Access) -> sa.ColumnElement[bool]:
    if access.admin:
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = []
    for scope in access.lead_scopes:
        if scope.kind == "force":
            return sa.true()
        column = SnapshotCount.org_unit if scope.kind == "unit" else SnapshotCount.role_code
        conditions.append(column == scope.value)
    return sa.or_(sa.false(), *conditions)


def _lapsing(session: Session, access: permissions.Access, role: str | None, unit: str | None,
             today: date) -> list[LapseWindow]:
    """For each window: standings with something owed by its end (not yet overdue), and
    accreditations that expire by then without a lead's decision on them."""
    ends = {days: today + timedelta(days=days) for days in LAPSE_WINDOWS}
    standing = CurrentStanding
    owed = _people(
        sa.select(*(sa.func.count(sa.case((standing.next_due_on <= end, 1)))
                    for end in ends.values()))
        .where(standing.next_due_on.between(today, max(ends.values())),
               standing.status.in_([s.value for s in OWING[:2]])), access, role, unit)
    cpd = session.execute(owed).one()
    expiring = (sa.select(*(sa.func.count(sa.case((Accreditation.expires_on <= end, 1)))
                            for end in ends.values()))
                .join(Learner, Learner.id == Accreditation.learner_id)
                .where(Accreditation.expires_on.between(today, max(ends.values())),
                       Accreditation.decided_status.is_(None),
                       permissions.visible(access, permissions.VIEW_RECORD)))
    if unit:
        expiring = expiring.where(Learner.org_unit == unit)
    if role:
        # The schemes of the role, held by people who hold the role.
        schemes = [rules.scheme for rules in frameworks.schemes_for(session, [role])]
        held = sa.orm.aliased(Role)
        expiring = expiring.where(Accreditation.scheme.in_(schemes), sa.exists().where(
            LearnerRole.learner_id == Learner.id, LearnerRole.role_id == held.id,
            held.code == role))
    accreditations = session.execute(expiring).one()
    return [LapseWindow(days, end, cpd[index], accreditations[index])
            for index, (days, end) in enumerate(ends.items())]

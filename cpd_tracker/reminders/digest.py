"""The leads' weekly digest: for each lead's scope, the counts by status, who changed status
this week and who is overdue, as one reminder in that day's run (so it is claimed, sent once
and logged like any other; its key is the lead and the ISO week).

Counts come from the run's own judgement of the force; changes from the nightly snapshots
(:mod:`cpd_tracker.judging.snapshots`), so a lead sees what moved since last week without the force
being judged again for last week; the overdue are those non-compliant now and those sent an
overdue notice this week (their cycle has ended, so today's judgement is of the next one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker.config import Settings
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import format_date
from cpd_tracker.judging import snapshots
from cpd_tracker.judging.assessment import Standing
from cpd_tracker.models import Learner, Reminder, Role
from cpd_tracker.permissions import Access
from cpd_tracker.reminders.stages import Due, LeadRecipient

#: People named in each list of a digest; the rest are counted ("and 12 more").
NAMED_MOST = 25


def digest_day(as_of: date, weekday: int, catch_up_days: int) -> date | None:
    """The digest day whose digest is due on ``as_of``: the latest ``weekday`` on or before
    it, if at most ``catch_up_days`` ago; else ``None``."""
    back = (as_of.weekday() - weekday) % 7
    return as_of - timedelta(days=back) if back <= catch_up_days else None


def digests(session: Session, settings: Settings, standings: Sequence[Standing],
            leads: Sequence[LeadRecipient], *, as_of: date, catch_up_days: int,
            overdue: Sequence[Due] = ()) -> list[Due]:
    """A digest for each lead, if one is due on ``as_of``. ``standings`` are the force judged
    on ``as_of``; ``overdue`` this run's overdue notices (not yet recorded)."""
    if settings.digest_weekday is None:
        return []
    day = digest_day(as_of, settings.digest_weekday, catch_up_days)
    leads = [lead for lead in leads if lead.access.is_lead]
    if day is None or not leads:
        return []
    since = day - timedelta(days=7)
    roles = {code: name for code, name in session.execute(sa.select(Role.code, Role.name))}
    changes = snapshots.changes_between(session, since, as_of)
    late = _overdue(session, standings, overdue, since, as_of)
    year, week, _ = day.isocalendar()
    found = []
    for lead in leads:
        access = lead.access
        mine = [s for s in standings if access.leads(s.org_unit, (s.role_code,))]
        lines = [_scope_line(access, roles, mine), *_counts(mine)]
        moved = [c for c in changes if access.leads(c.org_unit, (c.role_code,))]
        lines.append(f"Changed status since {format_date(since)}: {len(moved)}")
        lines += _named([f"{c.name}, {roles.get(c.role_code, c.role_code)}: "
                         f"{_label(c.from_status)} → {_label(c.to_status)}"
                         for c in sorted(moved, key=_worst_first)])
        behind = [(name, role, text) for (role, unit, name, text) in late
                  if access.leads(unit, (role,))]
        lines.append(f"Overdue: {len(behind)}")
        lines += _named([f"{name}, {roles.get(role, role)}: {text}"
                         for name, role, text in sorted(behind)])
        found.append(Due(
            key=f"digest:{lead.reference}:{year}-W{week:02d}", kind="digest", learner_id=None,
            recipient_reference=lead.reference, recipient_name=lead.name,
            recipient_email=lead.email, stage=0, due_on=day, stage_on=day,
            title=f"Weekly CPD digest: week of {format_date(day)}", lines=tuple(lines),
            link=settings.page_url("/reminders")))
    return found


def _overdue(session: Session, standings: Sequence[Standing], overdue: Sequence[Due],
             since: date, as_of: date) -> list[tuple[str, str | None, str, str]]:
    """(role, unit, name, what) for everyone overdue: non-compliant now, or sent (or about to
    be sent) an overdue notice since ``since``."""
    found: dict[tuple[int, str], tuple[str, str | None, str, str]] = {}
    for s in standings:
        if s.judgement.status is Status.NON_COMPLIANT:
            found[(s.learner_id, s.role_code)] = (
                s.role_code, s.org_unit, s.name,
                f"non-compliant, due {format_date(s.judgement.due)}")
    sent = session.execute(
        sa.select(Reminder.learner_id, Reminder.about, Reminder.due_on, Learner.name,
                  Learner.org_unit)
        .join(Learner, Learner.id == Reminder.learner_id)
        .where(Reminder.kind == "overdue", Reminder.stage_on > since,
               Reminder.stage_on <= as_of))
    # The unit from the record: an officer overdue in a role they have since left is in no
    # standing of today.
    ids = {due.learner_id for due in overdue if due.learner_id is not None}
    units = {learner_id: unit for learner_id, unit in session.execute(
        sa.select(Learner.id, Learner.org_unit).where(Learner.id.in_(ids)))} if ids else {}
    noticed = [(row.learner_id, row.about or "", row.due_on, row.name, row.org_unit)
               for row in sent]
    noticed += [(due.learner_id or 0, due.about or "", due.due_on, due.recipient_name,
                 units.get(due.learner_id or 0)) for due in overdue]
    for learner_id, role, due_on, name, unit in noticed:
        found.setdefault((learner_id, role),
                         (role, unit, name, f"overdue since {format_date(due_on)}"))
    return list(found.values())


def _scope_line(access: Access, roles: dict[str, str], mine: Sequence[Standing]) -> str:
    if access.admin or any(scope.kind == "force" for scope in access.lead_scopes):
        scope = "the force"
    else:
        scope = ", ".join(roles.get(scope.value or "", scope.value or "")
                          if scope.kind == "role" else scope.value or ""
                          for scope in access.lead_scopes)
    people = len({s.learner_id for s in mine})
    return f"In {scope}: {people} people, {len(mine)} role requirements this cycle."


def _counts(mine: Sequence[Standing]) -> list[str]:
    counts = Counter(s.judgement.status for s in mine)
    total = len(mine) or 1
    return [f"{status.label}: {counts[status]} ({round(100 * counts[status] / total)}%)"
            for status in Status]


def _named(lines: list[str]) -> list[str]:
    if len(lines) <= NAMED_MOST:
        return lines
    return [*lines[:NAMED_MOST], f"… and {len(lines) - NAMED_MOST} more"]


def _label(status: str | None) -> str:
    return Status(status).label  # changes_between leaves out first records (no status yet)


def _worst_first(change: snapshots.Change) -> tuple[int, str]:
    return (-Status(change.to_status).rank, change.name)

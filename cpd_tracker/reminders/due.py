"""Which reminders are due on a day: to whom, about what, at which stage, saying what.

Stages are days before a due day (negative: after it), from the framework file: a role's
``reminders`` for its CPD cycle, the scheme's for an accreditation's expiry. A stage is due on
its day and, if a run was missed, for ``catch_up_days`` after (while the cycle it belongs to
is still the one judged: the due day's own stage is not caught up once the next cycle has
begun; the overdue notice follows instead); older stages are not sent, so the first deployment
does not send every stage ever passed.

- **Shortfall**: before a cycle's due day, to an officer who is not yet compliant.
- **Overdue**: after the due day, to an officer who was short on it, with an **escalation** to
  their line manager and the leads whose scope includes them.
- **Renewal**: before an accreditation expires, to an officer with no renewal waiting.
- **Lapsed**: to an officer whose accreditation has lapsed, with an escalation likewise.

Compliant, exempt and former role-holders get nothing: only the roles held on the day are
judged, through the same :func:`~cpd_tracker.judging.assessment.assess` as every other page.
This module reads; :mod:`cpd_tracker.reminders.outbox` claims and sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import frameworks, permissions
from cpd_tracker.config import Settings
from cpd_tracker.engine.accreditation import AccreditationStatus
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import format_date
from cpd_tracker.judging import accreditation
from cpd_tracker.judging.assessment import Standing, assess
from cpd_tracker.models import Allowance, Learner, Renewal
from cpd_tracker.reminders import digest
from cpd_tracker.reminders.stages import Due, LeadRecipient, stage_due


def due_reminders(session: Session, settings: Settings, *, as_of: date,
                  leads: Sequence[LeadRecipient] = (), catch_up_days: int = 3) -> list[Due]:
    """Every reminder due on ``as_of``, escalations included, in a stable order."""

    people = {learner.id: learner for learner in session.scalars(sa.select(Learner))}
    standings = assess(session, settings, as_of=as_of)
    officers, escalate = _cycle_reminders(session, settings, people, standings, as_of,
                                          catch_up_days)
    more, lapsed = _accreditation_reminders(session, settings, people, as_of, catch_up_days)
    found = officers + more + _escalations(settings, people, escalate + lapsed, leads)
    found += digest.digests(session, settings, standings, leads, as_of=as_of,
                            catch_up_days=catch_up_days, overdue=escalate)
    return sorted(found, key=lambda due: (due.recipient_reference, due.key))


def _cycle_reminders(session: Session, settings: Settings, people: dict[int, Learner],
                     standings: Sequence[Standing], as_of: date, catch_up: int
                     ) -> tuple[list[Due], list[Due]]:
    """Shortfall reminders before each cycle's due day (``standings``: the force judged on
    ``as_of``), and overdue ones after it (with the officers' reminders to escalate)."""
    found: list[Due] = []
    for standing in standings:
        judgement = standing.judgement
        if judgement.status in (Status.COMPLIANT, Status.EXEMPT):
            continue
        stages = [s for s in judgement.requirements.reminder_days if s >= 0]
        stage = stage_due(judgement.due, stages, as_of=as_of, catch_up_days=catch_up)
        if stage is not None:
            found.append(_cycle_due(settings, standing, people, "shortfall", stage))
    overdue: list[Due] = []
    for day in _days_judged_after(session, settings, as_of, catch_up):
        for standing in assess(session, settings, as_of=day):
            judgement = standing.judgement
            if judgement.due != day or judgement.status in (Status.COMPLIANT, Status.EXEMPT):
                continue
            stages = [s for s in judgement.requirements.reminder_days if s < 0]
            stage = stage_due(day, stages, as_of=as_of, catch_up_days=catch_up)
            if stage is not None:
                overdue.append(_cycle_due(settings, standing, people, "overdue", stage))
    return found + overdue, overdue


def _days_judged_after(session: Session, settings: Settings, as_of: date, catch_up: int
                       ) -> list[date]:
    """The due days whose after-stages may fall due on ``as_of``: for each negative stage of
    any framework, the days it could be counted from, within the catch-up window; of those,
    only days some cycle can end on (a fixed cycle's end, an extension's new due day; any day
    where a role's cycles are per person), so a run judges the force again only when needed."""

    catalogue = frameworks.catalogue(session, categories=dict(settings.categories))
    versions = [version.requirements for role in catalogue.values() for version in role.versions]
    stages = {stage for version in versions for stage in version.reminder_days if stage < 0}
    candidates = {as_of + timedelta(days=stage - back) for stage in stages
                  for back in range(catch_up + 1)}
    if not candidates or any(version.cycle.kind != "fixed" for version in versions):
        return sorted(candidates)
    extended = set(session.scalars(sa.select(Allowance.extended_to).where(
        Allowance.extended_to.in_(candidates))))
    ends = {day for day in candidates for role in catalogue.values()
            if (found := role.for_day(day)) is not None and found[1].end == day}
    return sorted(ends | extended)


def _cycle_due(settings: Settings, standing: Standing, people: dict[int, Learner], kind: str,
               stage: int) -> Due:
    judgement = standing.judgement
    person = people[standing.learner_id]
    role = judgement.requirements.role_name
    due = judgement.due
    if kind == "shortfall":
        left = (due - judgement.as_of).days if due >= judgement.as_of else 0
        when = "today" if due == judgement.as_of else f"on {format_date(due)}"
        title = f"{role} CPD: due {when}" + (f" ({left} days left)" if left else "")
    else:
        title = f"{role} CPD: overdue since {format_date(due)}"
    lines = tuple(result.summary if result.rule.measure == "item"  # names the item itself
                  else f"{result.rule.label}: {result.summary}" for result in judgement.unmet)
    return Due(
        key=f"{kind}:{person.reference}:{standing.role_code}:{due.isoformat()}:{stage}",
        kind=kind, learner_id=person.id, recipient_reference=person.reference,
        recipient_name=person.name, recipient_email=person.email, stage=stage, due_on=due,
        stage_on=due - timedelta(days=stage), title=title,
        lines=(*lines, judgement.next_step), link=settings.page_url("/activities/new"),
        about=standing.role_code)


def _accreditation_reminders(session: Session, settings: Settings, people: dict[int, Learner],
                             as_of: date, catch_up: int) -> tuple[list[Due], list[Due]]:
    """Renewal reminders before expiry (unless a renewal waits), and lapse notices."""
    waiting = {(learner_id, scheme) for learner_id, scheme in session.execute(
        sa.select(Renewal.learner_id, Renewal.scheme).where(Renewal.status == "pending"))}
    found: list[Due] = []
    lapsed: list[Due] = []
    for standing in accreditation.standings(session, settings, as_of=as_of):
        judgement = standing.judgement
        person = people[standing.learner_id]
        expires = judgement.expires_on
        if expires is None:
            continue
        link = settings.page_url("/accreditation")
        if judgement.status in (AccreditationStatus.ACCREDITED,
                                AccreditationStatus.RENEWAL_DUE):
            if (standing.learner_id, standing.scheme) in waiting:
                continue
            stage = stage_due(expires, standing.rules.reminder_days, as_of=as_of,
                              catch_up_days=catch_up)
            if stage is None:
                continue
            found.append(Due(
                key=f"renewal:{person.reference}:{standing.scheme}:{expires.isoformat()}:{stage}",
                kind="renewal", learner_id=person.id, recipient_reference=person.reference,
                recipient_name=person.name, recipient_email=person.email, stage=stage,
                due_on=expires, stage_on=expires - timedelta(days=stage),
                title=(f"{standing.scheme_name}: "
                       f"{'expired' if expires < as_of else 'expires'} on {format_date(expires)}"),
                lines=(judgement.reason,), link=link, about=standing.scheme))
        elif judgement.status is AccreditationStatus.LAPSED:
            since = (standing.record.decided_on if judgement.decided
                     else judgement.missed_cycle or judgement.lapses_on)
            if since is None or not 0 <= (as_of - since).days <= catch_up:
                continue
            lapsed.append(Due(
                key=f"lapsed:{person.reference}:{standing.scheme}:{since.isoformat()}:0",
                kind="lapsed", learner_id=person.id, recipient_reference=person.reference,
                recipient_name=person.name, recipient_email=person.email, stage=0,
                due_on=since, stage_on=since, title=f"{standing.scheme_name}: lapsed",
                lines=(judgement.reason, "Submit a renewal to be accredited again."),
                link=link, about=standing.scheme))
    return found + lapsed, lapsed


def _escalations(settings: Settings, people: dict[int, Learner], officers: list[Due],
                 leads: Sequence[LeadRecipient]) -> list[Due]:
    """The same news for each officer's line manager and every lead whose scope has them."""
    managers = {learner.reference: learner for learner in people.values()}
    found = []
    for due in officers:
        person = people[due.learner_id]
        recipients: dict[str, tuple[str, str | None]] = {}
        manager = managers.get(person.line_manager_reference or "")
        if manager is not None:
            recipients[manager.reference] = (manager.name, manager.email)
        for lead in leads:
            if permissions.allows(lead.access, permissions.VIEW_RECORD, person):
                recipients.setdefault(lead.reference, (lead.name, lead.email))
        recipients.pop(person.reference, None)
        what = "is overdue" if due.kind == "overdue" else "has lapsed"
        for reference, (name, email) in sorted(recipients.items()):
            found.append(Due(
                key=f"escalation:{reference}:{due.key}", kind="escalation",
                learner_id=person.id, recipient_reference=reference, recipient_name=name,
                recipient_email=email, stage=due.stage, due_on=due.due_on,
                stage_on=due.stage_on, title=f"{person.name} {what}: {due.title}",
                lines=due.lines[:-1] or due.lines,
                link=settings.page_url(f"/people/{person.reference}"), about=due.about))
    return found

"""Reading the reminder outbox back: the lead's reminder log (who was sent what, when, and
whether it was delivered) and the officer's notices on *My CPD*.

The log shows the reminders about the people a lead may see (the same condition as their
other lists, :func:`cpd_tracker.permissions.visible`), and their own (a digest is about nobody
but goes to them); a bounded number of queries whatever the size of the force.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from cpd_tracker import permissions
from cpd_tracker.errors import Refused
from cpd_tracker.models import Learner, Reminder
from cpd_tracker.paging import Page, page_of

#: Delivery states a lead may filter by, as they read them. ``retrying``: pending after a
#: failed attempt.
STATES = {
    "sent": "Sent",
    "pending": "Waiting to be sent",
    "retrying": "Retrying after a failure",
    "sending": "Being sent",
    "no-email": "No email address",
    "held": "Held (no mail server)",
}
#: Kinds of reminder, as a lead reads them.
KINDS = {
    "shortfall": "Shortfall",
    "overdue": "Overdue",
    "renewal": "Renewal",
    "lapsed": "Lapsed",
    "escalation": "Escalation",
    "digest": "Weekly digest",
}
#: Officers' own kinds, shown as notices on *My CPD*.
OFFICER_KINDS = ("shortfall", "overdue", "renewal", "lapsed")
#: How long a reminder stays on *My CPD* after its stage day.
NOTICE_DAYS = 30



def reminder_log(session: Session, access: permissions.Access, *, state: str | None = None,
                 kind: str | None = None, person: str | None = None, page: int = 1,
                 per_page: int = 50, learner_id: int | None = None) -> Page[Reminder]:
    """The reminders ``access`` may see, newest first; filtered by delivery state, kind,
    the person they are about or went to (a name or reference, part of it will do), or the
    one person (``learner_id``) they are about."""
    if state is not None and state not in STATES:
        raise Refused(f"{state[:40]!r} is not a delivery state; choose from "
                                 f"{', '.join(STATES)}", field="state")
    if kind is not None and kind not in KINDS:
        raise Refused(f"{kind[:40]!r} is not a kind of reminder; choose from "
                                f"{', '.join(KINDS)}", field="kind")
    about = sa.orm.aliased(Learner)
    conditions: list[sa.ColumnElement[bool]] = [sa.or_(
        sa.and_(Reminder.learner_id.is_not(None),
                Reminder.learner_id.in_(sa.select(Learner.id).where(
                    permissions.visible(access, permissions.VIEW_RECORD)))),
        Reminder.recipient_reference == access.reference)]
    if state == "retrying":
        conditions += [Reminder.status == "pending", Reminder.attempts > 0]
    elif state is not None:
        conditions.append(Reminder.status == state)
    if kind is not None:
        conditions.append(Reminder.kind == kind)
    if learner_id is not None:
        conditions.append(Reminder.learner_id == learner_id)
    if person:
        pattern = f"%{_escape_like(person.strip().lower())}%"
        conditions.append(sa.or_(
            sa.func.lower(about.name).like(pattern, escape="\\"),
            sa.func.lower(about.reference).like(pattern, escape="\\"),
            sa.func.lower(Reminder.recipient_name).like(pattern, escape="\\"),
            sa.func.lower(Reminder.recipient_reference).like(pattern, escape="\\")))
    query = (sa.select(Reminder).outerjoin(about, about.id == Reminder.learner_id)
             .where(*conditions))
    return page_of(session, query.options(contains_eager(Reminder.learner.of_type(about)))
                   .order_by(Reminder.created_at.desc(), Reminder.id.desc()),
                   page=page, per_page=per_page, scalars=True)


def notices(session: Session, learner: Learner, *, today: date,
            met: Collection[str] = ()) -> list[Reminder]:
    """The officer's own reminders of the last :data:`NOTICE_DAYS` days, newest first, sent
    or not (a force without mail still shows them here), the latest per role or scheme;
    no shortfall reminder about the roles in ``met`` (met or exempt since: it no longer
    applies)."""
    rows = session.scalars(
        sa.select(Reminder)
        .where(Reminder.learner_id == learner.id,
               Reminder.recipient_reference == learner.reference,
               Reminder.kind.in_(OFFICER_KINDS),
               Reminder.stage_on > today - timedelta(days=NOTICE_DAYS),
               Reminder.stage_on <= today)
        .order_by(Reminder.stage_on.desc(), Reminder.id.desc()))
    found: dict[tuple[str, str | None], Reminder] = {}
    for row in rows:
        accreditation = row.kind in ("renewal", "lapsed")
        if row.kind != "shortfall" or row.about not in met:
            found.setdefault(("accreditation" if accreditation else "cycle", row.about), row)
    return list(found.values())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

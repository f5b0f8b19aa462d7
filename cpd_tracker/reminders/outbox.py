"""The reminder outbox: claim each due reminder under its unique key, then send, exactly once.

A run has two steps, each safe to run twice at the same time on two servers:

1. **Record** what is due (:func:`cpd_tracker.reminders.due.due_reminders`) as ``pending`` rows of
   ``cpd_reminder``. The key is unique, so a reminder already recorded (by this run's twin, or
   yesterday's run) is not recorded again.
2. **Deliver**: for each recipient, claim their pending rows with one conditional ``UPDATE``
   (``pending`` and due, or ``sending`` with an expired claim) and commit; only rows this run
   claimed are sent, as one message; then mark them ``sent``. Two runs claiming together: the
   database lets one ``UPDATE`` win each row. A run that crashes after claiming leaves
   ``sending`` rows whose claim expires, and the next run sends them. A mail server that refuses
   or is down puts the rows back to ``pending`` with the error, an attempt count and a later
   ``next_attempt_at`` (exponential backoff); they are never dropped.

Reminders to people with no email are recorded as ``no-email`` and reported; with no mail
server configured they are ``held`` in the log (the demo's outbox page).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cpd_tracker.models import Reminder
from cpd_tracker.reminders.mail import MailSettings, Transport, reminder_message
from cpd_tracker.reminders.stages import Due

log = logging.getLogger(__name__)

#: How long a claim holds before another run may take the reminder over (a crashed run).
CLAIM_SECONDS = 600
#: Recipients claimed at a time.
BATCH = 200
#: Accepted messages recorded as sent in one commit. A crash between the server accepting a
#: message and this commit re-sends it after the claim expires: at most this many messages.
MARK_EVERY = 20
#: Backoff after a failed send: 5 minutes, doubling, at most 6 hours.
RETRY_FIRST = timedelta(minutes=5)
RETRY_MOST = timedelta(hours=6)


@dataclass
class RunReport:
    """What a run did, for the log and ``flask cpd remind``."""

    as_of: date
    due: int = 0
    recorded: int = 0
    sent: int = 0
    messages: int = 0
    failed: int = 0
    held: int = 0
    no_email: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    #: On a dry run, what is due (nothing is recorded, so this is the only record of it).
    items: list[Due] = field(default_factory=list)

    def __str__(self) -> str:
        words = "would record" if self.dry_run else "recorded"
        text = (f"reminders on {self.as_of.isoformat()}: {self.due} due, {words} "
                f"{self.recorded} new; sent {self.sent} in {self.messages} message(s), "
                f"{self.failed} failed (to retry), {self.held} held (no mail server)")
        if self.no_email:
            text += f"; no email for: {', '.join(sorted(set(self.no_email)))}"
        return text


def record(session: Session, due: Sequence[Due], *, now: datetime | None = None) -> int:
    """Record each due reminder not yet recorded, and commit; how many were new."""
    now = now or _now()
    rows = [{
        "key": item.key, "kind": item.kind, "learner_id": item.learner_id, "about": item.about,
        "recipient_reference": item.recipient_reference, "recipient_name": item.recipient_name,
        "recipient_email": item.recipient_email, "stage": item.stage, "due_on": item.due_on,
        "stage_on": item.stage_on, "title": item.title[:500], "lines": list(item.lines),
        "link": item.link, "status": "pending" if item.recipient_email else "no-email",
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    } for item in due]
    if not rows:
        return 0
    known = _known_keys(session, [row["key"] for row in rows])
    fresh = [row for row in rows if row["key"] not in known]
    added = 0
    for start in range(0, len(fresh), 1000):
        added += _insert_new(session, fresh[start:start + 1000])
    session.commit()
    return added


def _known_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(session.scalars(sa.select(Reminder.key).where(
            Reminder.key.in_(keys[start:start + 1000]))))
    return found


def _insert_new(session: Session, rows: list[dict]) -> int:
    """Insert rows, skipping keys another run inserted meanwhile (``ON CONFLICT DO NOTHING``
    where the database has it; else one savepoint a row)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = Reminder.__table__
        # One statement compiled once, its rows batched by the driver ("insertmanyvalues");
        # counted from RETURNING: psycopg reports no rowcount for ON CONFLICT DO NOTHING.
        statement = (insert(table).on_conflict_do_nothing(index_elements=["key"])
                     .returning(table.c.id))
        return len(session.connection().execute(statement, rows).all())
    added = 0
    for row in rows:
        try:
            with session.begin_nested():
                session.execute(sa.insert(Reminder).values(row))
            added += 1
        except sa.exc.IntegrityError:
            pass
    return added


def deliver(session: Session, *, mail: MailSettings | None, transport: Transport | None,
            compose: Callable[[str, str, list[Reminder]], object], report: RunReport,
            now: datetime | None = None, claim_seconds: int = CLAIM_SECONDS) -> None:
    """Send every pending reminder that is due, one message a recipient.

    Recipients are claimed :data:`BATCH` at a time (one ``UPDATE`` and one commit a batch);
    messages the server accepted are recorded as sent every :data:`MARK_EVERY` messages, and
    before anything else is written, so a crash re-sends at most that many.
    """
    now = now or _now()
    waiting = sa.or_(
        sa.and_(Reminder.status == "pending", Reminder.next_attempt_at <= now),
        sa.and_(Reminder.status == "sending", Reminder.claimed_until < now))
    recipients = list(session.scalars(sa.select(Reminder.recipient_reference).where(waiting)
                                      .distinct().order_by(Reminder.recipient_reference)))
    session.rollback()  # hold no snapshot or lock while sending
    for start in range(0, len(recipients), BATCH):
        batch = recipients[start:start + BATCH]
        chosen = sa.and_(Reminder.recipient_reference.in_(batch), waiting)
        if mail is None:
            report.held += _update(session, chosen, status="held")
            continue
        token = str(uuid.uuid4())
        if not _update(session, chosen, status="sending", claim_token=token,
                       claimed_until=now + timedelta(seconds=claim_seconds)):
            continue  # another run took them
        claimed: dict[str, list[Reminder]] = {}
        for row in session.scalars(sa.select(Reminder).where(Reminder.claim_token == token)
                                   .order_by(Reminder.recipient_reference, Reminder.id)):
            claimed.setdefault(row.recipient_reference, []).append(row)
        # Detached, the rows keep what was read: the commits below (every MARK_EVERY messages)
        # would otherwise expire them, and reading each again costs a query a row.
        session.expunge_all()
        marked: list[int] = []
        for reference, rows in claimed.items():
            ids = [row.id for row in rows]
            try:
                message = compose(mail.sender, reference, rows)
                assert transport is not None
                transport.send(message)  # type: ignore[arg-type]
            except Exception as error:  # every failure is kept and retried, never lost
                marked = _mark_sent(session, token, marked)
                _failed(session, token, ids, rows, error, now)
                report.failed += len(rows)
                report.errors.append(f"{reference}: {type(error).__name__}: {error}")
                log.warning("reminder to %s not sent: %s", reference, error)
                continue
            marked += ids
            report.sent += len(rows)
            report.messages += 1
            if len(marked) >= MARK_EVERY:
                marked = _mark_sent(session, token, marked)
        _mark_sent(session, token, marked)


def _mark_sent(session: Session, token: str, ids: list[int]) -> list[int]:
    """Record accepted messages' reminders as sent (one commit for up to :data:`MARK_EVERY`)."""
    if ids:
        _update(session, sa.and_(Reminder.id.in_(ids), Reminder.claim_token == token,
                                 Reminder.status == "sending"),
                status="sent", sent_at=_now(), claimed_until=None,
                attempts=Reminder.attempts + 1, last_error=None)
    return []


def _update(session: Session, where: sa.ColumnElement[bool], **values: object) -> int:
    """One conditional ``UPDATE`` of the outbox, committed; how many rows it changed."""
    changed = session.execute(sa.update(Reminder).where(where).values(**values)
                              .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return changed


def _failed(session: Session, token: str, ids: list[int], rows: list[Reminder],
            error: Exception, now: datetime) -> None:
    """Put a message's reminders back to wait, with the error and a later attempt."""
    session.rollback()
    attempts = max((row.attempts for row in rows), default=0) + 1
    wait = min(RETRY_FIRST * (2 ** (attempts - 1)), RETRY_MOST)
    _update(session, sa.and_(Reminder.id.in_(ids), Reminder.claim_token == token,
                             Reminder.status == "sending"),
            status="pending", claim_token=None, claimed_until=None, attempts=attempts,
            next_attempt_at=now + wait, last_error=f"{type(error).__name__}: {error}"[:2000])


def run(session: Session, due: Sequence[Due], *, as_of: date, mail: MailSettings | None,
        transport: Transport | None, lms_home_page: str, dry_run: bool = False,
        now: datetime | None = None, claim_seconds: int = CLAIM_SECONDS) -> RunReport:
    """Record what is due and deliver what is waiting (or, dry, say what would be recorded)."""
    report = RunReport(as_of=as_of, due=len(due), dry_run=dry_run)
    report.no_email = [item.recipient_reference for item in due if not item.recipient_email]
    if dry_run:
        report.items = list(due)
        known = _known_keys(session, [item.key for item in due])
        report.recorded = sum(1 for item in due if item.key not in known)
        return report
    report.recorded = record(session, due, now=now)

    def compose(sender: str, reference: str, rows: list[Reminder]) -> object:
        first = rows[0]
        return reminder_message(sender=sender, name=first.recipient_name,
                                email=first.recipient_email or "", items=rows,
                                lms_home_page=lms_home_page)

    deliver(session, mail=mail, transport=transport, compose=compose, report=report, now=now,
            claim_seconds=claim_seconds)
    return report


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""The outbox (``xapi_outbox``): statements queued for another LRS, and what became of them.

One row per statement and target. :class:`OutboxListener` queues rows inside the transaction
that stores the statements, so a statement is queued if and only if it is stored; the unique key
(target, statement) makes queueing idempotent. :func:`enqueue_existing` queues what was stored
before forwarding was turned on. :func:`claim` leases the rows that are due, in order, and
:func:`record` writes down each row's :class:`~xapi.remote_lrs.Outcome`: delivered, or when to
try again. :func:`pending` says what is waiting.

The queue keeps its order: while the oldest row waits for its retry after the remote failed,
newer rows wait behind it, so the remote receives statements in the order they were stored (a
voiding statement must not overtake the statement it voids). A row whose statement the remote
*rejected* holds nothing up: its ``last_error`` starts with :data:`REJECTED`, which is how the
queue tells the two apart, and it is retried at the longest interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from xapi.models import AttachmentRecord, OutboxRecord, StatementRecord
from xapi.remote_lrs import ForwardTarget, Outcome, Statement, attachment_hashes
from xapi.validation import VOIDED_VERB

__all__ = [
    "REJECTED",
    "Backlog",
    "Claimed",
    "OutboxListener",
    "Select",
    "as_utc",
    "claim",
    "enqueue_existing",
    "forward_everything",
    "pending",
    "record",
]

#: Decides whether a statement is forwarded; a voiding statement is also forwarded whenever the
#: statement it voids was queued for the same target, whatever this says.
Select = Callable[[Statement], bool]

#: Prefix of ``last_error`` for a statement the remote refused (it does not hold up the queue).
REJECTED = "rejected: "
#: How to insert while skipping rows already there, per database (see :func:`_enqueue`).
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def forward_everything(statement: Statement) -> bool:
    """The default selection: every statement."""
    return True


@dataclass(frozen=True)
class Backlog:
    """What is waiting for a target, for a status line."""

    target: str
    #: Rows not yet delivered, whether due or not.
    waiting: int
    #: Of those, rows that failed because the remote was unavailable (they hold the queue).
    retrying: int
    #: Of those, statements the remote refused (retried at ``max_backoff``, holding nothing).
    rejected: int
    #: When the oldest waiting row was queued.
    oldest: datetime | None

    def __str__(self) -> str:
        if not self.waiting or self.oldest is None:
            return f"{self.target}: nothing waiting"
        return (f"{self.target}: {self.waiting} waiting ({self.retrying} retrying, "
                f"{self.rejected} rejected by the remote), oldest queued "
                f"{self.oldest:%Y-%m-%d %H:%M} UTC")


# --- queueing -----------------------------------------------------------------------------------


class OutboxListener:
    """A statement listener that queues selected statements for each target.

    It runs inside the transaction that stores the statement and never sends anything itself.
    Give it to :class:`xapi.StatementStore` with the other listeners.
    """

    def __init__(self, targets: Iterable[ForwardTarget],
                 select: Select = forward_everything) -> None:
        self.targets = list(targets)
        self.select = select

    def statement_stored(self, session: Session, statement: Statement) -> None:
        """Queue the statement for every target that wants it."""
        names = [target.name for target in self.targets
                 if _wanted(session, target.name, statement, self.select)]
        if names:
            queued = _stored_time(statement)
            _enqueue(session, [(name, statement["id"]) for name in names], queued, queued)

    def statement_voided(self, session: Session, statement: Statement) -> None:
        """Nothing to do: the remote learns of a void from the voiding statement itself."""


def enqueue_existing(session: Session, target: ForwardTarget, select: Select = forward_everything,
                     since: datetime | None = None, *, now: datetime | None = None) -> int:
    """Queue stored statements that are selected and not yet queued; return how many.

    This is the backfill for a force that turns forwarding on after statements exist. It
    queues what is current: voided statements are skipped (with their voiding statements,
    unless the voided statement was already queued), so the remote ends up with the same
    visible statements as this store. ``since`` limits it to statements stored from then on.
    Queued rows are due at once and keep the order the statements were stored in. The caller
    commits.
    """
    moment = as_utc(now)
    already = sa.exists().where(OutboxRecord.target == target.name,
                                OutboxRecord.statement_id == StatementRecord.id)
    query = (sa.select(StatementRecord.sequence, StatementRecord.id, StatementRecord.document)
             .where(StatementRecord.voided.is_(False), ~already)
             .order_by(StatementRecord.sequence))
    if since is not None:
        query = query.where(StatementRecord.stored >= as_utc(since))
    chosen: list[tuple[int, str]] = []
    voiding: list[tuple[int, str, str]] = []  # (sequence, voiding id, voided id)
    for sequence, statement_id, document in session.execute(
            query.execution_options(yield_per=500)):
        voided = _voided_id(document)
        if select(document):
            chosen.append((sequence, statement_id))
        elif voided is not None:
            voiding.append((sequence, statement_id, voided))
    if voiding:
        queued = _queued(session, target.name, [voided for _, _, voided in voiding])
        chosen.extend((sequence, sid) for sequence, sid, voided in voiding if voided in queued)
        chosen.sort()
    for start in range(0, len(chosen), 500):
        _enqueue(session, [(target.name, sid) for _, sid in chosen[start:start + 500]],
                 moment, moment)
    return len(chosen)


def _wanted(session: Session, target: str, statement: Statement, select: Select) -> bool:
    if select(statement):
        return True
    voided = _voided_id(statement)
    return voided is not None and bool(_queued(session, target, [voided]))


def _voided_id(statement: Statement) -> str | None:
    """The id a voiding statement voids, or None for any other statement."""
    if statement["verb"]["id"] != VOIDED_VERB:
        return None
    return str(statement["object"]["id"]).lower()


def _queued(session: Session, target: str, statement_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(statement_ids), 500):
        found.update(session.scalars(sa.select(OutboxRecord.statement_id).where(
            OutboxRecord.target == target,
            OutboxRecord.statement_id.in_(statement_ids[start:start + 500]))))
    return found


def _enqueue(session: Session, rows: Sequence[tuple[str, str]], created: datetime,
             due: datetime) -> None:
    """Insert outbox rows, skipping any already there without disturbing the transaction.

    A plain INSERT hitting the unique key would raise and, on PostgreSQL, abort the caller's
    transaction (the statement with it), so duplicates are skipped by the database itself.
    """
    values = [{"target": target, "statement_id": statement_id, "created": created,
               "attempts": 0, "next_attempt": due} for target, statement_id in rows]
    dialect = session.get_bind(OutboxRecord).dialect.name
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise NotImplementedError(f"forwarding queues statements on SQLite and PostgreSQL, "
                                  f"not {dialect}")
    session.execute(insert(OutboxRecord).on_conflict_do_nothing(
        index_elements=["target", "statement_id"]), values)


def _stored_time(statement: Statement) -> datetime:
    """When the store stored the statement: the moment it was queued."""
    stored = statement.get("stored")
    if not stored:
        return datetime.now(timezone.utc)
    return as_utc(datetime.fromisoformat(stored.replace("Z", "+00:00")))


def as_utc(moment: datetime | None) -> datetime:
    """``moment`` in UTC, or now if it is None; a naive datetime is refused, not guessed at."""
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError(f"time {moment.isoformat()} has no UTC offset: give an aware datetime")
    return moment.astimezone(timezone.utc)


# --- status -------------------------------------------------------------------------------------


def pending(session: Session, target: ForwardTarget | str) -> Backlog:
    """What is waiting to be delivered to a target (delivered rows are not counted)."""
    name = target if isinstance(target, str) else target.name
    waiting, retrying, rejected, oldest = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(OutboxRecord.attempts > 0,
                                   ~OutboxRecord.last_error.startswith(REJECTED)),
            sa.func.count().filter(OutboxRecord.last_error.startswith(REJECTED)),
            sa.func.min(OutboxRecord.created),
        ).where(OutboxRecord.target == name, OutboxRecord.delivered.is_(None))
    ).one()
    return Backlog(name, waiting, retrying, rejected, oldest)


# --- delivery bookkeeping -----------------------------------------------------------------------


@dataclass
class Claimed:
    """An outbox row leased for sending, with its statement (None if no longer in the store)."""

    id: int
    statement_id: str
    attempts: int
    document: Statement | None = None


def claim(session: Session, target: ForwardTarget, now: datetime,
          size: int) -> tuple[list[Claimed], dict[str, tuple[str, bytes]]]:
    """Lease the oldest due rows; load their statements and attachment content.

    Rows newer than a row that is waiting for a retry after a remote failure (or leased by
    another deliverer) are not due: the queue keeps its order. Rejected rows do not count.
    The lease pushes the rows' next attempt past the time sending them may take, so a second
    deliverer skips them and a crashed one's rows come back after it. The caller commits.
    """
    held = (sa.select(sa.func.min(OutboxRecord.id)).where(
        OutboxRecord.target == target.name,
        OutboxRecord.delivered.is_(None),
        OutboxRecord.next_attempt > now,
        sa.or_(OutboxRecord.last_error.is_(None), ~OutboxRecord.last_error.startswith(REJECTED)),
    ).scalar_subquery())
    due = (sa.select(OutboxRecord.id).where(
        OutboxRecord.target == target.name,
        OutboxRecord.delivered.is_(None),
        OutboxRecord.next_attempt <= now,
        sa.or_(held.is_(None), OutboxRecord.id < held),
    ).order_by(OutboxRecord.id).limit(size).with_for_update(skip_locked=True))
    lease = now + timedelta(seconds=target.timeout * (size + 2))
    columns = (OutboxRecord.id, OutboxRecord.statement_id, OutboxRecord.attempts)
    if session.get_bind(OutboxRecord).dialect.update_returning:
        # One statement: atomic on SQLite, and SKIP LOCKED keeps PostgreSQL deliverers apart.
        rows = session.execute(sa.update(OutboxRecord).where(OutboxRecord.id.in_(due))
                               .values(next_attempt=lease).returning(*columns)
                               .execution_options(synchronize_session=False)).all()
    else:  # SQLite before 3.35: two deliverers at the same instant may collide and one fails
        rows = session.execute(sa.select(*columns).where(OutboxRecord.id.in_(due))).all()
        session.execute(sa.update(OutboxRecord).where(OutboxRecord.id.in_([r.id for r in rows]))
                        .values(next_attempt=lease)
                        .execution_options(synchronize_session=False))
    batch = sorted((Claimed(*row) for row in rows), key=lambda claimed: claimed.id)
    documents = dict(session.execute(
        sa.select(StatementRecord.id, StatementRecord.document)
        .where(StatementRecord.id.in_([claimed.statement_id for claimed in batch]))).all())
    for claimed in batch:
        claimed.document = documents.get(claimed.statement_id)
    return batch, _attachments(session, batch)


def _attachments(session: Session, batch: list[Claimed]) -> dict[str, tuple[str, bytes]]:
    """Content we hold for the batch's attachments, by SHA-2."""
    hashes = {sha2 for claimed in batch if claimed.document
              for sha2 in attachment_hashes(claimed.document)}
    if not hashes:
        return {}
    rows = session.execute(sa.select(AttachmentRecord.sha2, AttachmentRecord.content_type,
                                     AttachmentRecord.content)
                           .where(AttachmentRecord.sha2.in_(hashes)))
    return {sha2: (content_type, content) for sha2, content_type, content in rows}


def record(session: Session, target: ForwardTarget, batch: list[Claimed],
           outcomes: list[Outcome], now: datetime) -> None:
    """Write down each claimed row's outcome: delivered, or when to try it again.

    A remote failure backs off (doubling, capped); a rejected statement waits ``max_backoff``
    and is marked :data:`REJECTED` so that it does not hold the queue. The caller commits.
    """
    records = {row.id: row for row in session.scalars(
        sa.select(OutboxRecord).where(OutboxRecord.id.in_([claimed.id for claimed in batch])))}
    for claimed, outcome in zip(batch, outcomes, strict=True):
        row = records[claimed.id]
        row.attempts = claimed.attempts + 1
        if outcome.delivered:
            row.delivered = now
        elif outcome.rejected:
            row.last_error = f"{REJECTED}{outcome.error}"
            row.next_attempt = now + timedelta(seconds=target.max_backoff)
        else:
            row.last_error = outcome.error
            row.next_attempt = now + target.retry_delay(row.attempts)

"""Forwarding stored statements to another LRS (an enterprise LRS) through an outbox.

This is the public API of forwarding (the host imports from here, not from the modules below).
Storing a statement must never depend on a remote system being up, so forwarding is two steps:

1. :class:`OutboxListener` queues a row in ``xapi_outbox`` per target for each statement it
   selects, inside the transaction that stores the statement: a statement is queued if and only
   if it is stored. :func:`enqueue_existing` is the backfill for statements stored before.
2. :func:`deliver` (a scheduled job or a CLI command) sends what is due and records the outcome,
   committing after every batch so progress survives a crash. :func:`pending` says what waits.

Nothing is ever dropped: a remote that is unavailable (network error, timeout, 5xx, 401/403,
429, a redirect: any answer but success, 409 or a rejection) is retried with exponential
backoff up to a cap, for as long as it takes. While the oldest row waits for its retry, newer
rows wait behind it, so the remote receives statements in the order they were stored (a voiding
statement must not overtake the statement it voids) and is not hammered with one failing
request per batch. A statement the remote *rejects* (400, 413, 422) is the statement's problem,
not the remote's: it is recorded with the error, retried at the longest interval (the remote may
be fixed) and does not hold up the rest of the queue.

The work is split by concept: :mod:`xapi.outbox` is the queue in the database,
:mod:`xapi.remote_lrs` the HTTP client that sends statements to the remote and reads its
answers; :func:`deliver`, here, runs one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from xapi.outbox import (
    REJECTED,
    Backlog,
    Claimed,
    OutboxListener,
    Select,
    as_utc,
    claim,
    enqueue_existing,
    forward_everything,
    pending,
    record,
)
from xapi.remote_lrs import XAPI_VERSION, ForwardTarget, Outcome, Statement, send

__all__ = [
    "REJECTED",
    "XAPI_VERSION",
    "Backlog",
    "DeliveryReport",
    "ForwardTarget",
    "OutboxListener",
    "Select",
    "Statement",
    "deliver",
    "enqueue_existing",
    "forward_everything",
    "pending",
]

#: The outcome of a claimed row whose statement is no longer in the store.
_MISSING = Outcome(delivered=False, rejected=True, error="statement is not in the store")


@dataclass
class DeliveryReport:
    """What one :func:`deliver` run did, for the CLI and the scheduler's log."""

    target: str
    sent: int = 0
    already_there: int = 0
    failed: int = 0
    remaining: int = 0
    #: The last error met in this run, if any.
    error: str | None = None

    def count(self, outcomes: list[Outcome]) -> None:
        """Add a batch's outcomes to the tally (the last failure's error is kept)."""
        for outcome in outcomes:
            if outcome.delivered:
                if outcome.already_there:
                    self.already_there += 1
                else:
                    self.sent += 1
            else:
                self.failed += 1
                self.error = outcome.error

    def __str__(self) -> str:
        line = (f"{self.target}: {self.sent} sent, {self.already_there} already there, "
                f"{self.failed} failed, {self.remaining} waiting")
        return f"{line} (last error: {self.error})" if self.error else line


def deliver(session: Session, target: ForwardTarget, *, now: datetime | None = None,
            limit: int | None = None) -> DeliveryReport:
    """Send what is due for a target, oldest first, and record each row's outcome.

    Rows are claimed in a short transaction (their next attempt is pushed past the time the
    batch may take, so a second deliverer skips them, and a crashed one's rows come back after
    that lease), sent with no transaction open, and their outcome committed per batch. The run
    stops at the first sign that the remote is unavailable. ``now`` moves the clock (tests,
    catching up); ``limit`` caps how many rows this run sends.

    This function owns its transactions: it commits the session, so call it with a session that
    has no other work pending.
    """
    moment = as_utc(now)
    report = DeliveryReport(target.name)
    handled = 0
    while limit is None or handled < limit:
        size = target.batch_size if limit is None else min(target.batch_size, limit - handled)
        batch, attachments = claim(session, target, moment, size)
        session.commit()  # the lease is visible, and no transaction stays open while sending
        if not batch:
            break
        handled += len(batch)
        outcomes = _send(target, batch, attachments)
        record(session, target, batch, outcomes, moment)
        report.count(outcomes)
        session.commit()
        if any(not outcome.delivered and not outcome.rejected for outcome in outcomes):
            break
    report.remaining = pending(session, target).waiting
    session.commit()
    return report


def _send(target: ForwardTarget, batch: list[Claimed],
          attachments: dict[str, tuple[str, bytes]]) -> list[Outcome]:
    """One outcome per claimed row, in order; a row whose statement is gone is not sent."""
    sendable = [(claimed.statement_id, document) for claimed in batch
                if (document := claimed.document) is not None]
    sent = iter(send(target, sendable, attachments))
    return [_MISSING if claimed.document is None else next(sent) for claimed in batch]

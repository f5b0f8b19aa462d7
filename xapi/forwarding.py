"""Forwarding stored statements to another LRS (an enterprise LRS) through an outbox.

Storing a statement must never depend on a remote system being up, so forwarding is two steps:

1. :class:`OutboxListener` queues a row in ``xapi_outbox`` per target for each statement it
   selects, inside the transaction that stores the statement: a statement is queued if and only
   if it is stored. The unique key (target, statement) makes queueing idempotent.
2. :func:`deliver` (a scheduled job or a CLI command) sends what is due and records the outcome,
   committing after every batch so progress survives a crash.

Nothing is ever dropped: a remote that is unavailable (network error, timeout, 5xx, 401/403,
429, a redirect: any answer but success, 409 or a rejection) is retried with exponential
backoff up to a cap, for as long as it takes. While the oldest row waits for its retry, newer
rows wait behind it, so the remote receives statements in the order they were stored (a voiding
statement must not overtake the statement it voids) and is not hammered with one failing
request per batch. A statement the remote *rejects* (400, 413, 422)
is the statement's problem, not the remote's: it is recorded with the error, retried at the
longest interval (the remote may be fixed) and does not hold up the rest of the queue. Its
``last_error`` starts with ``rejected:``; that prefix is how the queue tells the two apart.

Statements are sent exactly as stored, including ``stored``, ``authority`` and ``version``. The
receiving LRS must ignore a client's ``stored`` and decides whether to keep our ``authority``
(spec 1.0.3, Data 2.4.8-2.4.9): one that trusts us keeps the record of who vouched for the
statement originally, one that does not overwrites it with our credentials. Sending the same
bytes on every retry also keeps the remote's duplicate check (same id and content) consistent.
Attachment content we hold is sent along as ``multipart/mixed``, as the spec requires for
attachments without a ``fileUrl``.

``tincan``'s ``RemoteLRS`` has no timeouts, so requests go through ``urllib`` with one, and
redirects are refused rather than followed (urllib would turn a redirected POST into a GET and
report success).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.client import HTTPException
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from xapi.models import AttachmentRecord, OutboxRecord, StatementRecord
from xapi.validation import VOIDED_VERB

Statement = dict[str, Any]
#: Decides whether a statement is forwarded; a voiding statement is also forwarded whenever the
#: statement it voids was queued for the same target, whatever this says.
Select = Callable[[Statement], bool]

XAPI_VERSION = "1.0.3"
#: Prefix of ``last_error`` for a statement the remote refused (it does not hold up the queue).
REJECTED = "rejected: "
#: Answers to a batch that say "something in this batch", not "the remote is unwell".
_SORT_OUT_ONE_BY_ONE = {400, 409, 413, 422}
#: Answers to one statement that say the remote refuses this statement.
_STATEMENT_REJECTED = {400, 413, 422}
_EXCERPT = 200
_READ_LIMIT = 64 * 1024


def forward_everything(statement: Statement) -> bool:
    """The default selection: every statement."""
    return True


@dataclass(frozen=True)
class ForwardTarget:
    """A remote LRS statements are forwarded to.

    ``name`` identifies the target's rows in the outbox, so renaming a target starts a new
    queue. ``endpoint`` is the remote's xAPI base URL (``https://lrs.example/xapi/``).
    Times are in seconds: ``timeout`` for connecting and for each read, ``backoff`` before the
    first retry, doubling per failed attempt up to ``max_backoff``.
    """

    name: str
    endpoint: str
    username: str
    password: str = field(repr=False)
    timeout: float = 10.0
    batch_size: int = 50
    backoff: float = 30.0
    max_backoff: float = 3600.0

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 255:
            raise ValueError(f"ForwardTarget name {self.name!r}: give 1 to 255 characters")
        url = urllib.parse.urlsplit(self.endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"ForwardTarget {self.name!r} endpoint {self.endpoint!r}: give the "
                             "remote LRS's http(s) base URL, such as https://lrs.example/xapi/")
        for name in ("timeout", "backoff", "max_backoff"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ForwardTarget {self.name!r} {name} {getattr(self, name)!r}: "
                                 "give a number of seconds above 0")
        if self.max_backoff < self.backoff:
            raise ValueError(f"ForwardTarget {self.name!r} max_backoff {self.max_backoff!r}: "
                             f"give at least backoff ({self.backoff!r})")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"ForwardTarget {self.name!r} batch_size {self.batch_size!r}: "
                             "give a whole number of statements, 1 or more")

    @property
    def statements_url(self) -> str:
        """The remote's Statements resource (with or without a slash after the endpoint)."""
        return self.endpoint.rstrip("/") + "/statements"

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after ``attempts`` failed attempts: doubling, capped."""
        seconds = self.backoff * 2 ** min(max(attempts - 1, 0), 60)
        return timedelta(seconds=min(seconds, self.max_backoff))


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

    def __str__(self) -> str:
        line = (f"{self.target}: {self.sent} sent, {self.already_there} already there, "
                f"{self.failed} failed, {self.remaining} waiting")
        return f"{line} (last error: {self.error})" if self.error else line


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
    moment = _utc(now)
    already = sa.exists().where(OutboxRecord.target == target.name,
                                OutboxRecord.statement_id == StatementRecord.id)
    query = (sa.select(StatementRecord.sequence, StatementRecord.id, StatementRecord.document)
             .where(StatementRecord.voided.is_(False), ~already)
             .order_by(StatementRecord.sequence))
    if since is not None:
        query = query.where(StatementRecord.stored >= _utc(since))
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
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:
        raise NotImplementedError(f"forwarding queues statements on SQLite and PostgreSQL, "
                                  f"not {dialect}")
    session.execute(insert(OutboxRecord).on_conflict_do_nothing(
        index_elements=["target", "statement_id"]), values)


def _stored_time(statement: Statement) -> datetime:
    """When the store stored the statement: the moment it was queued."""
    stored = statement.get("stored")
    if not stored:
        return datetime.now(timezone.utc)
    return _utc(datetime.fromisoformat(stored.replace("Z", "+00:00")))


def _utc(moment: datetime | None) -> datetime:
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


# --- delivery -----------------------------------------------------------------------------------


@dataclass
class _Claimed:
    id: int
    statement_id: str
    attempts: int
    document: Statement | None = None


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    already_there: bool = False
    rejected: bool = False
    error: str | None = None


_DELIVERED = _Outcome(delivered=True)
_ALREADY_THERE = _Outcome(delivered=True, already_there=True)


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
    moment = _utc(now)
    report = DeliveryReport(target.name)
    handled = 0
    while limit is None or handled < limit:
        size = target.batch_size if limit is None else min(target.batch_size, limit - handled)
        batch, attachments = _claim(session, target, moment, size)
        session.commit()  # the lease is visible, and no transaction stays open while sending
        if not batch:
            break
        handled += len(batch)
        outcomes = _send(target, batch, attachments)
        _record(session, target, batch, outcomes, moment, report)
        session.commit()
        if any(not outcome.delivered and not outcome.rejected for outcome in outcomes):
            break
    report.remaining = pending(session, target).waiting
    session.commit()
    return report


def _claim(session: Session, target: ForwardTarget, now: datetime,
           size: int) -> tuple[list[_Claimed], dict[str, tuple[str, bytes]]]:
    """Lease the oldest due rows; load their statements and attachment content.

    Rows newer than a row that is waiting for a retry after a remote failure (or leased by
    another deliverer) are not due: the queue keeps its order. Rejected rows do not count.
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
    batch = sorted((_Claimed(*row) for row in rows), key=lambda claimed: claimed.id)
    documents = dict(session.execute(
        sa.select(StatementRecord.id, StatementRecord.document)
        .where(StatementRecord.id.in_([claimed.statement_id for claimed in batch]))).all())
    for claimed in batch:
        claimed.document = documents.get(claimed.statement_id)
    return batch, _attachments(session, batch)


def _attachments(session: Session, batch: list[_Claimed]) -> dict[str, tuple[str, bytes]]:
    """Content we hold for the batch's attachments, by SHA-2."""
    hashes = {sha2 for claimed in batch if claimed.document
              for sha2 in _attachment_hashes(claimed.document)}
    if not hashes:
        return {}
    rows = session.execute(sa.select(AttachmentRecord.sha2, AttachmentRecord.content_type,
                                     AttachmentRecord.content)
                           .where(AttachmentRecord.sha2.in_(hashes)))
    return {sha2: (content_type, content) for sha2, content_type, content in rows}


def _attachment_hashes(statement: Statement) -> list[str]:
    """The SHA-2 of every attachment a statement (or its sub-statement) declares."""
    declared = list(statement.get("attachments", []))
    if statement["object"].get("objectType") == "SubStatement":
        declared += statement["object"].get("attachments", [])
    return [attachment["sha2"] for attachment in declared]


def _record(session: Session, target: ForwardTarget, batch: list[_Claimed],
            outcomes: list[_Outcome], now: datetime, report: DeliveryReport) -> None:
    records = {record.id: record for record in session.scalars(
        sa.select(OutboxRecord).where(OutboxRecord.id.in_([claimed.id for claimed in batch])))}
    for claimed, outcome in zip(batch, outcomes, strict=True):
        record = records[claimed.id]
        record.attempts = claimed.attempts + 1
        if outcome.delivered:
            record.delivered = now
            if outcome.already_there:
                report.already_there += 1
            else:
                report.sent += 1
            continue
        report.failed += 1
        report.error = outcome.error
        if outcome.rejected:
            record.last_error = f"{REJECTED}{outcome.error}"
            record.next_attempt = now + timedelta(seconds=target.max_backoff)
        else:
            record.last_error = outcome.error
            record.next_attempt = now + target.retry_delay(record.attempts)


def _send(target: ForwardTarget, batch: list[_Claimed],
          attachments: dict[str, tuple[str, bytes]]) -> list[_Outcome]:
    """Send a batch; one outcome per row, in order.

    The whole batch goes in one POST. If the remote says something in it is already there
    (409) or unacceptable (400, 413, 422), each statement is sent alone with PUT to sort out
    which, since a batch is all or nothing. A lone statement goes straight to PUT.
    """
    missing = _Outcome(delivered=False, rejected=True, error="statement is not in the store")
    sendable = [claimed for claimed in batch if claimed.document is not None]
    outcomes: dict[int, _Outcome] = {}
    if len(sendable) > 1:
        answer = _request(target, "POST", target.statements_url,
                          [claimed.document for claimed in sendable], attachments)
        if answer.ok:
            outcomes = {claimed.id: _DELIVERED for claimed in sendable}
        elif answer.status not in _SORT_OUT_ONE_BY_ONE:
            failed = _Outcome(delivered=False, error=answer.error)
            outcomes = {claimed.id: failed for claimed in sendable}
    if not outcomes:
        outcomes = _send_one_by_one(target, sendable, attachments)
    return [outcomes.get(claimed.id, missing) for claimed in batch]


def _send_one_by_one(target: ForwardTarget, batch: list[_Claimed],
                     attachments: dict[str, tuple[str, bytes]]) -> dict[int, _Outcome]:
    outcomes: dict[int, _Outcome] = {}
    for position, claimed in enumerate(batch):
        assert claimed.document is not None
        query = urllib.parse.urlencode({"statementId": claimed.statement_id})
        url = f"{target.statements_url}?{query}"
        answer = _request(target, "PUT", url, claimed.document, attachments)
        if answer.ok:
            outcomes[claimed.id] = _DELIVERED
        elif answer.status == 409:
            outcomes[claimed.id] = _ALREADY_THERE
        elif answer.status in _STATEMENT_REJECTED:
            outcomes[claimed.id] = _Outcome(delivered=False, rejected=True, error=answer.error)
        else:  # the remote is unwell: stop here, the rest wait with this one
            failed = _Outcome(delivered=False, error=answer.error)
            outcomes.update({rest.id: failed for rest in batch[position:]})
            break
    return outcomes


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int | None  # None: no HTTP answer at all (network error, timeout)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error to fix in the endpoint, not something to follow with statements."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def _request(target: ForwardTarget, method: str, url: str, payload: Any,
             attachments: dict[str, tuple[str, bytes]]) -> _Answer:
    body, content_type = _body(payload, attachments)
    credentials = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Basic {credentials}",
        "Content-Type": content_type,
        "X-Experience-API-Version": XAPI_VERSION,
    })
    try:
        with _OPENER.open(request, timeout=target.timeout) as response:
            response.read(_READ_LIMIT)
            return _Answer(response.status)
    except urllib.error.HTTPError as error:
        try:
            excerpt = _excerpt(error.read(_READ_LIMIT))
        except (OSError, HTTPException):
            excerpt = ""
        return _Answer(error.code, _http_error(error.code, excerpt))
    except urllib.error.URLError as error:
        return _Answer(None, _network_error(error.reason, target.timeout))
    except (OSError, HTTPException) as error:
        return _Answer(None, _network_error(error, target.timeout))


def _body(payload: Any, attachments: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """JSON, or multipart/mixed when there is attachment content to send along."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    statements = payload if isinstance(payload, list) else [payload]
    hashes = dict.fromkeys(sha2 for statement in statements
                           for sha2 in _attachment_hashes(statement) if sha2 in attachments)
    if not hashes:
        return data, "application/json"
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), data, b"\r\n"]
    for sha2 in hashes:
        content_type, content = attachments[sha2]
        parts += [f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                  f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
                  .encode(), content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/mixed; boundary={boundary}"


def _http_error(status: int, excerpt: str) -> str:
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    return f"HTTP {status}{phrase}" + (f": {excerpt}" if excerpt else "")


def _network_error(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"cannot reach the LRS: {reason}"


def _excerpt(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT - 1] + "…"

"""Forwarding statements to a remote LRS through the outbox, against the real test database
(SQLite, or PostgreSQL when CPD_TEST_DATABASE_URL says so) and a real HTTP server on 127.0.0.1
standing in for the remote LRS. Time moves through ``deliver(now=...)``, never by sleeping.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, scoped_session

from cpd_tracker.demo.models import db
from xapi import StatementStore
from xapi.forwarding import (
    Backlog,
    DeliveryReport,
    ForwardTarget,
    OutboxListener,
    deliver,
    enqueue_existing,
    pending,
)
from xapi.models import AttachmentRecord, OutboxRecord

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
AUTHORITY = {"objectType": "Agent", "name": "lms",
             "account": {"homePage": "https://lms.example/xapi/clients", "name": "lms"}}
STORED_AT = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
LATER = STORED_AT + timedelta(minutes=5)


def statement(verb: str = COMPLETED, **overrides: Any) -> dict[str, Any]:
    built: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": "https://lms.example", "name": "priya.shah"}},
        "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": "https://lms.example/activities/osint"},
        "timestamp": "2024-02-28T14:00:00.000Z",
    }
    built.update(copy.deepcopy(overrides))
    return built


def voiding(target_id: str) -> dict[str, Any]:
    return statement(VOIDED, object={"objectType": "StatementRef", "id": target_id})


def completions_only(statement: dict[str, Any]) -> bool:
    """A host's selection (cpd_tracker forwards its CPD statements): here, completions."""
    return statement["verb"]["id"] == COMPLETED


# --- the remote LRS -----------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    statements: list[dict[str, Any]]
    parts: list[tuple[dict[str, str], bytes]]


class RemoteLRS:
    """An LRS on 127.0.0.1 that keeps what it is sent and answers as the test tells it.

    By default it behaves like a strict LRS: a batch is all or nothing, a statement id it already
    has is 409, a statement in ``rejects`` is 400. ``status`` answers every request with that
    code instead; ``script`` does so for the next requests in turn (None: behave normally);
    ``delay`` holds every answer back.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.kept: dict[str, dict[str, Any]] = {}
        self.rejects: set[str] = set()
        self.status: int | None = None
        self.script: list[int | None] = []
        self.delay = 0.0
        self.port = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xapi/"

    def start(self) -> None:
        """Listen (again, on the same port after :meth:`stop`)."""
        handler = type("Handler", (_Handler,), {"remote": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are then refused."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def sent_ids(self) -> list[list[str]]:
        return [[s["id"] for s in request.statements] for request in self.requests]

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes, dict[str, str]]:
        body = handler.rfile.read(int(handler.headers["Content-Length"]))
        url = urlsplit(handler.path)
        statements, parts = _parse(body, handler.headers["Content-Type"])
        with self.lock:
            self.requests.append(Received(handler.command, url.path, parse_qs(url.query),
                                          handler.headers, statements, parts))
            forced = self.script.pop(0) if self.script else self.status
        if self.delay:
            time.sleep(self.delay)
        if forced is not None:
            return forced, b"remote trouble", {"Location": "https://elsewhere.example/"}
        ids = [s["id"] for s in statements]
        with self.lock:
            bad = [i for i in ids if i in self.rejects]
            if bad:
                return 400, json.dumps({"message": f"statement {bad[0]}: invalid"}).encode(), {}
            if any(i in self.kept for i in ids):
                return 409, b"", {}
            self.kept.update(zip(ids, statements, strict=True))
        if handler.command == "PUT":
            return 204, b"", {}
        return 200, json.dumps(ids).encode(), {"Content-Type": "application/json"}


class _Handler(BaseHTTPRequestHandler):
    remote: RemoteLRS

    def do_POST(self) -> None:
        status, body, headers = self.remote.answer(self)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    do_PUT = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _parse(body: bytes, content_type: str) -> tuple[list[dict[str, Any]],
                                                    list[tuple[dict[str, str], bytes]]]:
    """Statements (and attachment parts) from a JSON or multipart/mixed request body."""
    parts: list[tuple[dict[str, str], bytes]] = []
    if content_type.startswith("multipart/mixed"):
        boundary = content_type.split("boundary=", 1)[1].encode()
        for piece in body.split(b"--" + boundary)[1:-1]:
            head, _, content = piece.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
            parts.append((headers, content.removesuffix(b"\r\n")))
        body = parts.pop(0)[1]
    loaded = json.loads(body)
    return (loaded if isinstance(loaded, list) else [loaded]), parts


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def remote() -> Iterator[RemoteLRS]:
    lrs = RemoteLRS()
    yield lrs
    lrs.stop()


@pytest.fixture
def target(remote: RemoteLRS) -> ForwardTarget:
    return ForwardTarget("enterprise", remote.endpoint, "cpd-tracker", "s3cret", timeout=2)


@pytest.fixture
def session(app: Flask) -> Iterator[scoped_session[Session]]:
    with app.app_context():
        yield db.session


def store(session: Session, *statements: dict[str, Any], targets: list[ForwardTarget],
          select: Any = completions_only, at: datetime = STORED_AT) -> list[dict[str, Any]]:
    """Store statements with forwarding on, and commit, as a service would."""
    statement_store = StatementStore(session, listeners=[OutboxListener(targets, select)])
    stored = [statement_store.add(s, authority=AUTHORITY, now=at) for s in statements]
    session.commit()
    return stored


def store_without_forwarding(session: Session, *statements: dict[str, Any],
                             at: datetime = STORED_AT) -> list[dict[str, Any]]:
    stored = [StatementStore(session).add(s, authority=AUTHORITY, now=at) for s in statements]
    session.commit()
    return stored


def outbox(session: Session, target: str = "enterprise") -> list[OutboxRecord]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboxRecord).where(OutboxRecord.target == target)
                                .order_by(OutboxRecord.id)))


def ids(statements: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statements]


# --- delivering ---------------------------------------------------------------------------------


def test_a_batch_is_posted_once_and_every_row_marked_delivered(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    store(session, statement(), statement(), statement(), targets=[target])

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.already_there, report.failed, report.remaining) == (3, 0, 0, 0)
    [request] = remote.requests
    assert (request.method, request.path, request.query) == ("POST", "/xapi/statements", {})
    assert request.headers["X-Experience-API-Version"] == "1.0.3"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"cpd-tracker:s3cret").decode()
    assert [(row.delivered, row.attempts) for row in outbox(session)] == [(LATER, 1)] * 3


def test_statements_are_sent_exactly_as_stored(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    stored = store(session, statement(), statement(), targets=[target])

    deliver(session, target, now=LATER)

    assert remote.requests[0].statements == stored
    assert stored[0]["authority"] == AUTHORITY and stored[0]["stored"] == "2024-03-01T09:30:00.000Z"


def test_a_lone_statement_is_put_under_its_id(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    [stored] = store(session, statement(), targets=[target])

    report = deliver(session, target, now=LATER)

    assert report.sent == 1
    [request] = remote.requests
    assert (request.method, request.query) == ("PUT", {"statementId": [stored["id"]]})


def test_statements_the_remote_already_has_count_as_delivered(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    stored = store(session, statement(), statement(), statement(), targets=[target])
    remote.kept[stored[1]["id"]] = stored[1]

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.already_there, report.failed) == (2, 1, 0)
    assert [r.method for r in remote.requests] == ["POST", "PUT", "PUT", "PUT"]
    assert all(row.delivered == LATER for row in outbox(session))


def test_nothing_is_sent_twice_once_delivered(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    store(session, statement(), statement(), targets=[target])
    deliver(session, target, now=LATER)

    report = deliver(session, target, now=LATER + timedelta(days=1))

    assert (report.sent, len(remote.requests)) == (0, 1)


def test_a_remote_down_for_a_day_loses_nothing(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    first = store(session, statement(), statement(), targets=[target])
    remote.stop()
    moment, delays = LATER, []
    while moment < LATER + timedelta(days=1):
        report = deliver(session, target, now=moment)
        assert (report.sent, report.failed, report.remaining) == (0, 2, 2)
        head = outbox(session)[0]
        delays.append((head.next_attempt - moment).total_seconds())
        # Nothing is due before the retry: a run in between sends nothing.
        assert deliver(session, target, now=moment + timedelta(seconds=29)).failed == 0
        moment = head.next_attempt
    during = store(session, statement(), targets=[target], at=moment - timedelta(hours=1))

    assert delays[:9] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert set(delays[7:]) == {3600}
    assert outbox(session)[0].last_error.startswith("cannot reach the LRS: ")
    assert pending(session, target).waiting == 3

    remote.start()
    report = deliver(session, target, now=moment)

    assert (report.sent, report.failed, report.remaining) == (3, 0, 0)
    assert remote.sent_ids() == [ids(first + during)]


def test_a_failing_remote_stops_the_run_and_newer_statements_wait_their_turn(
        session: Session, remote: RemoteLRS, remote_target_of_two: ForwardTarget) -> None:
    target = remote_target_of_two
    stored = store(session, *(statement() for _ in range(5)), targets=[target])
    remote.status = 503

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.failed, report.remaining) == (0, 2, 5)
    assert report.error == "HTTP 503 Service Unavailable: remote trouble"
    assert len(remote.requests) == 1  # not one failing request per batch

    newer = store(session, statement(), targets=[target], at=LATER)
    deliver(session, target, now=LATER + timedelta(seconds=10))
    assert len(remote.requests) == 1  # the newer statement waits behind the failed ones

    remote.status = None
    deliver(session, target, now=LATER + timedelta(seconds=30))

    assert remote.sent_ids()[1:] == [ids(stored[0:2]), ids(stored[2:4]),
                                     ids(stored[4:] + newer)]


@pytest.fixture
def remote_target_of_two(remote: RemoteLRS) -> ForwardTarget:
    return ForwardTarget("enterprise", remote.endpoint, "cpd-tracker", "s3cret", timeout=2,
                         batch_size=2)


def test_progress_is_committed_batch_by_batch(
        app: Flask, session: Session, remote: RemoteLRS,
        remote_target_of_two: ForwardTarget) -> None:
    target = remote_target_of_two
    store(session, *(statement() for _ in range(4)), targets=[target])
    remote.script = [None, 500]

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.failed) == (2, 2)
    with db.engine.connect() as other:  # another connection sees the first batch delivered
        delivered = other.scalar(sa.select(sa.func.count()).select_from(OutboxRecord)
                                 .where(OutboxRecord.delivered.is_not(None)))
    assert delivered == 2


def test_a_remote_that_does_not_answer_is_given_up_on_after_the_timeout(
        session: Session, remote: RemoteLRS) -> None:
    target = ForwardTarget("enterprise", remote.endpoint, "cpd-tracker", "s3cret", timeout=0.5)
    store(session, statement(), targets=[target])
    remote.delay = 3

    started = time.monotonic()
    report = deliver(session, target, now=LATER)
    elapsed = time.monotonic() - started

    assert elapsed < 2
    assert (report.sent, report.failed, report.error) == (0, 1, "no answer within 0.5 s")
    [row] = outbox(session)
    assert (row.delivered, row.attempts, row.next_attempt) == (None, 1,
                                                               LATER + timedelta(seconds=30))


def test_a_redirect_is_not_followed(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    store(session, statement(), statement(), targets=[target])
    remote.status = 301

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.failed, len(remote.requests)) == (0, 2, 1)
    assert report.error.startswith("HTTP 301 Moved Permanently")


def test_a_statement_the_remote_rejects_does_not_hold_up_the_others(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    good, bad, also_good = store(session, statement(), statement(), statement(),
                                 targets=[target])
    remote.rejects.add(bad["id"])

    report = deliver(session, target, now=LATER)

    assert (report.sent, report.failed) == (2, 1)
    assert [r.method for r in remote.requests] == ["POST", "PUT", "PUT", "PUT"]
    rejected = outbox(session)[1]
    assert rejected.last_error == (f'rejected: HTTP 400 Bad Request: {{"message": '
                                   f'"statement {bad["id"]}: invalid"}}')
    assert rejected.next_attempt == LATER + timedelta(hours=1)
    assert pending(session, target) == Backlog("enterprise", 1, 0, 1, STORED_AT)

    newer = store(session, statement(), targets=[target], at=LATER)
    report = deliver(session, target, now=LATER + timedelta(minutes=1))
    assert report.sent == 1
    assert remote.sent_ids()[-1] == ids(newer)

    remote.rejects.clear()  # the remote's administrators fix it
    report = deliver(session, target, now=LATER + timedelta(hours=1))
    assert (report.sent, report.remaining) == (1, 0)
    assert remote.sent_ids()[-1] == [bad["id"]]
    assert good["id"] in remote.kept and also_good["id"] in remote.kept


def test_attachment_content_goes_along_as_multipart(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    content = b"Reflective account: what I learned on the OSINT refresher."
    sha2 = hashlib.sha256(content).hexdigest()
    session.add(AttachmentRecord(sha2=sha2, content_type="text/plain", length=len(content),
                                 content=content))
    [stored] = store(session, statement(attachments=[{
        "usageType": "http://adlnet.gov/expapi/attachments/supporting",
        "display": {"en-GB": "Reflection"}, "contentType": "text/plain",
        "length": len(content), "sha2": sha2}]), targets=[target])

    report = deliver(session, target, now=LATER)

    assert report.sent == 1
    [request] = remote.requests
    assert request.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    assert request.statements == [stored]
    [(headers, received)] = request.parts
    assert (headers["X-Experience-API-Hash"], headers["Content-Type"], received) == (
        sha2, "text/plain", content)


def test_two_deliverers_at_once_send_each_statement_once(
        app: Flask, session: Session, remote: RemoteLRS,
        remote_target_of_two: ForwardTarget) -> None:
    target = remote_target_of_two
    stored = store(session, *(statement() for _ in range(8)), targets=[target])
    remote.delay = 0.2
    engine = db.engine
    reports: list[DeliveryReport] = []

    def run() -> None:
        with Session(engine) as own:
            reports.append(deliver(own, target, now=LATER))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    sent = [i for batch in remote.sent_ids() for i in batch]
    assert sorted(sent) == sorted(ids(stored))
    assert sum(report.sent for report in reports) == 8
    assert all(row.delivered is not None for row in outbox(session))


def test_rows_another_deliverer_is_claiming_are_skipped_not_waited_for(
        session: Session, remote: RemoteLRS, remote_target_of_two: ForwardTarget) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    target = remote_target_of_two
    stored = store(session, *(statement() for _ in range(4)), targets=[target])
    session.execute(sa.text("SET lock_timeout = '2s'"))  # fail, not hang, if it would wait

    with Session(db.engine) as other:  # a deliverer in the middle of claiming the oldest two
        other.execute(sa.select(OutboxRecord.id).order_by(OutboxRecord.id).limit(2)
                      .with_for_update())
        report = deliver(session, target, now=LATER)
        other.rollback()

    assert (report.sent, report.remaining) == (2, 2)
    assert remote.sent_ids() == [ids(stored[2:])]


def test_claiming_works_where_the_database_cannot_return_updated_rows(
        session: Session, remote: RemoteLRS, target: ForwardTarget,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db.engine.dialect, "update_returning", False)
    stored = store(session, statement(), statement(), targets=[target])

    report = deliver(session, target, now=LATER)

    assert report.sent == 2
    assert remote.sent_ids() == [ids(stored)]


def test_limit_caps_how_many_rows_a_run_sends(
        session: Session, remote: RemoteLRS, remote_target_of_two: ForwardTarget) -> None:
    target = remote_target_of_two
    stored = store(session, *(statement() for _ in range(5)), targets=[target])

    report = deliver(session, target, now=LATER, limit=3)

    assert (report.sent, report.remaining) == (3, 2)
    assert remote.sent_ids() == [ids(stored[:2]), ids(stored[2:3])]


# --- queueing -----------------------------------------------------------------------------------


def test_only_selected_statements_are_queued(session: Session, target: ForwardTarget) -> None:
    completed, _ = store(session, statement(), statement(ATTEMPTED), targets=[target])

    assert [(row.statement_id, row.created, row.next_attempt, row.attempts)
            for row in outbox(session)] == [(completed["id"], STORED_AT, STORED_AT, 0)]


def test_a_statement_is_queued_once_per_target_however_often_it_is_offered(
        session: Session, target: ForwardTarget, remote: RemoteLRS) -> None:
    archive = ForwardTarget("archive", remote.endpoint, "cpd-tracker", "s3cret")
    listener = OutboxListener([target, archive], completions_only)
    sent = statement()
    [stored] = store(session, sent, targets=[target, archive])

    listener.statement_stored(session, stored)
    StatementStore(session, listeners=[listener]).add(sent, authority=AUTHORITY)
    assert enqueue_existing(session, target, completions_only) == 0
    session.commit()  # the caller's transaction is intact

    assert [row.statement_id for row in outbox(session)] == [stored["id"]]
    assert [row.statement_id for row in outbox(session, "archive")] == [stored["id"]]


def test_a_voiding_statement_follows_the_statement_it_voids(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    wrong, = store(session, statement(), targets=[target])
    void, = store(session, voiding(wrong["id"]), targets=[target])

    deliver(session, target, now=LATER)

    assert remote.sent_ids() == [[wrong["id"], void["id"]]]


def test_voiding_a_statement_that_was_never_forwarded_is_not_forwarded(
        session: Session, target: ForwardTarget) -> None:
    attempt, = store(session, statement(ATTEMPTED), targets=[target])
    store(session, voiding(attempt["id"]), targets=[target])

    assert outbox(session) == []


# --- backfill -----------------------------------------------------------------------------------


def test_backfill_queues_the_current_selected_statements_in_order(
        session: Session, target: ForwardTarget) -> None:
    first, _, withdrawn, _, last = store_without_forwarding(
        session, statement(), statement(ATTEMPTED), statement(), statement(), statement())
    store_without_forwarding(session, voiding(withdrawn["id"]))
    moment = LATER

    assert enqueue_existing(session, target, completions_only, now=moment) == 3
    session.commit()

    rows = outbox(session)
    assert withdrawn["id"] not in [row.statement_id for row in rows]
    assert [(row.statement_id, row.created, row.next_attempt) for row in rows][::2] == [
        (first["id"], moment, moment), (last["id"], moment, moment)]
    assert enqueue_existing(session, target, completions_only, now=moment) == 0


def test_backfill_queues_the_void_of_a_statement_already_queued(
        session: Session, target: ForwardTarget) -> None:
    wrong, = store(session, statement(), targets=[target])
    void, = store_without_forwarding(session, voiding(wrong["id"]))

    assert enqueue_existing(session, target, completions_only, now=LATER) == 1

    assert [row.statement_id for row in outbox(session)] == [wrong["id"], void["id"]]


def test_backfill_can_start_from_a_date(session: Session, target: ForwardTarget) -> None:
    store_without_forwarding(session, statement(), at=STORED_AT)
    recent, = store_without_forwarding(session, statement(), at=STORED_AT + timedelta(days=2))

    queued = enqueue_existing(session, target, completions_only,
                              since=STORED_AT + timedelta(days=1), now=LATER)

    assert queued == 1
    assert [row.statement_id for row in outbox(session)] == [recent["id"]]


# --- status and settings ------------------------------------------------------------------------


def test_report_and_backlog_read_as_sentences(
        session: Session, remote: RemoteLRS, target: ForwardTarget) -> None:
    store(session, statement(), statement(), targets=[target])
    remote.status = 503

    report = deliver(session, target, now=LATER)

    assert str(report) == ("enterprise: 0 sent, 0 already there, 2 failed, 2 waiting "
                           "(last error: HTTP 503 Service Unavailable: remote trouble)")
    assert pending(session, target) == Backlog("enterprise", 2, 2, 0, STORED_AT)
    assert str(pending(session, target)) == ("enterprise: 2 waiting (2 retrying, 0 rejected by "
                                             "the remote), oldest queued 2024-03-01 09:30 UTC")
    assert str(pending(session, "archive")) == "archive: nothing waiting"


@pytest.mark.parametrize(("setting", "message"), [
    ({"endpoint": "lrs.example/xapi"}, "endpoint 'lrs.example/xapi': give the remote LRS's"),
    ({"timeout": 0}, "timeout 0: give a number of seconds above 0"),
    ({"batch_size": 0}, "batch_size 0: give a whole number of statements, 1 or more"),
    ({"backoff": 60, "max_backoff": 30}, "max_backoff 30: give at least backoff (60)"),
])
def test_target_settings_are_checked(setting: dict[str, Any], message: str) -> None:
    settings = {"name": "enterprise", "endpoint": "https://lrs.example/xapi/",
                "username": "cpd-tracker", "password": "s3cret", **setting}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ForwardTarget(**settings)


def test_the_password_stays_out_of_logs() -> None:
    target = ForwardTarget("enterprise", "https://lrs.example/xapi", "cpd-tracker", "s3cret")
    assert "s3cret" not in repr(target)
    assert target.statements_url == "https://lrs.example/xapi/statements"

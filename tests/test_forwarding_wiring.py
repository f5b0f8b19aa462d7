"""Forwarding wired into the library: ``CPD_XAPI_FORWARD`` checked at start-up, every statement
the library stores (an officer's CPD, a lead's decision, a client's statement through the LRS API)
queued when it should be, and ``flask cpd forward`` and the scheduler delivering the queue to a
real HTTP server on 127.0.0.1 standing in for the force's enterprise LRS."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import Result
from flask import Flask

from cpd_tracker import get_state, projection, scheduler
from cpd_tracker.config import ConfigError, ForwardSettings, Settings, apply_defaults, load
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.models import Learner
from cpd_tracker.record.identities import Lead, LearnerIdentity, client_authority, learner_agent
from cpd_tracker.services.allowances import grant_exemption
from tests.conftest import empty_tables
from tests.factories import INTELLIGENCE_OFFICER, logged, officer, today
from tests.lrs_server import LrsClient, lrs_client
from xapi.forwarding import ForwardTarget, OutboxListener, forward_everything
from xapi.models import OutboxRecord

HOME_PAGE = "https://learning.demo-force.police.uk/"
ENDPOINT = "https://lrs.force.police.uk/xapi/"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
COURSE = "http://adlnet.gov/expapi/activities/course"
OSINT = f"{HOME_PAGE}courses/osint"
LMS_CLIENT = "force-lms"
#: The force's LMS's course completions count as CPD; anything else it sends does not.
RULES: list[dict[str, Any]] = [
    {"clients": [LMS_CLIENT], "verbs": [COMPLETED], "activity_types": [COURSE],
     "category": "formal", "default_minutes": 60},
]
LEAD = Lead("mevans", "DI Mark Evans")


# --- the enterprise LRS -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    method: str
    authorization: str
    statements: list[dict[str, Any]]


class EnterpriseLRS:
    """An LRS on 127.0.0.1 that keeps every statement it is sent and accepts them all."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_EnterpriseHandler,), {"remote": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/xapi/"

    def statement_ids(self) -> list[str]:
        """Every statement id received, in the order received."""
        with self.lock:
            return [one["id"] for delivery in self.deliveries for one in delivery.statements]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _EnterpriseHandler(BaseHTTPRequestHandler):
    remote: EnterpriseLRS

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        statements = body if isinstance(body, list) else [body]
        with self.remote.lock:
            self.remote.deliveries.append(
                Delivery(self.command, self.headers.get("Authorization", ""), statements))
        answer = json.dumps([one["id"] for one in statements]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_PUT = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def remote() -> Iterator[EnterpriseLRS]:
    lrs = EnterpriseLRS()
    yield lrs
    lrs.close()


def forwarding_to(remote: EnterpriseLRS, **overrides: Any) -> dict[str, Any]:
    """``CPD_XAPI_FORWARD`` pointing at the fake enterprise LRS."""
    return {"endpoint": remote.endpoint, "username": "cpd-tracker", "password": "forward-pw",
            **overrides}


# --- host apps ----------------------------------------------------------------------------------


@pytest.fixture
def host(migrated_url: str) -> Iterator[Callable[..., Flask]]:
    """Make demo host apps on the test database with extra config; emptied after the test."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app(migrated_url, config={"TESTING": True, **config})
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
    if made:
        with made[0].app_context():
            empty_tables(db.engine)
    for app in made:
        with app.app_context():
            db.engine.dispose()


def queued(app: Flask) -> list[str]:
    """The statement ids in the outbox, oldest first."""
    with app.app_context():
        ids = list(db.session.scalars(
            sa.select(OutboxRecord.statement_id).order_by(OutboxRecord.id)))
        db.session.remove()
    return ids


def undelivered(app: Flask) -> list[str]:
    with app.app_context():
        ids = list(db.session.scalars(sa.select(OutboxRecord.statement_id)
                                      .where(OutboxRecord.delivered.is_(None))
                                      .order_by(OutboxRecord.id)))
        db.session.remove()
    return ids


def lms_statement(verb: str = COMPLETED, reference: str = "pshah") -> dict[str, Any]:
    """A statement as the force's LMS sends it: someone finished (or looked at) a course."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": reference}},
        "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": OSINT,
                   "definition": {"type": COURSE, "name": {"en-GB": "OSINT refresher"}}},
    }


def post_statement(app: Flask, client: LrsClient, statement: dict[str, Any]) -> None:
    """POST a statement to the LRS API as the client would; it must be stored."""
    response = app.test_client().post("/xapi/statements", json=statement, headers={
        "Authorization": client.authorization, "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200, response.get_data(as_text=True)


def forward(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["cpd", "forward", *args])


# --- CPD_XAPI_FORWARD ---------------------------------------------------------------------------


def settings_with(**values: Any) -> Settings:
    config: dict[str, Any] = {"CPD_LMS_HOME_PAGE": HOME_PAGE, **values}
    apply_defaults(config)
    return load(config)


def test_forwarding_is_off_unless_configured() -> None:
    assert settings_with().xapi_forward is None


def test_forwarding_needs_only_the_endpoint_and_credentials() -> None:
    forward_settings = settings_with(CPD_XAPI_FORWARD={
        "endpoint": ENDPOINT, "username": "cpd", "password": "s3cret"}).xapi_forward
    assert forward_settings == ForwardSettings(
        target=ForwardTarget(name="enterprise", endpoint=ENDPOINT, username="cpd",
                             password="s3cret", timeout=10, batch_size=50),
        statements="cpd", every_seconds=60)


def test_every_forwarding_setting_is_read() -> None:
    forward_settings = settings_with(CPD_XAPI_FORWARD={
        "name": "force-lrs", "endpoint": ENDPOINT, "username": "cpd", "password": "s3cret",
        "timeout": 2.5, "batch_size": 10, "statements": "all", "every_seconds": 5}).xapi_forward
    assert forward_settings == ForwardSettings(
        target=ForwardTarget(name="force-lrs", endpoint=ENDPOINT, username="cpd",
                             password="s3cret", timeout=2.5, batch_size=10),
        statements="all", every_seconds=5)


def test_the_forwarding_password_is_not_shown_in_the_settings() -> None:
    settings = settings_with(CPD_XAPI_FORWARD={
        "endpoint": ENDPOINT, "username": "cpd", "password": "s3cret-pw"})
    assert "s3cret-pw" not in repr(settings)


GOOD = {"endpoint": ENDPOINT, "username": "cpd", "password": "s3cret"}


@pytest.mark.parametrize(("value", "message"), [
    (["https://lrs.force.police.uk/xapi/"], "CPD_XAPI_FORWARD: "
                                            "['https://lrs.force.police.uk/xapi/']: Input should "
                                            "be a valid dictionary"),
    ({**GOOD, "url": ENDPOINT}, "CPD_XAPI_FORWARD.url: unknown key 'url'; the keys accepted here "
                                "are: name, endpoint, username, password"),
    ({"username": "cpd", "password": "s3cret"}, "CPD_XAPI_FORWARD.endpoint: 'endpoint' is "
                                                "required here"),
    ({"endpoint": ENDPOINT, "password": "s3cret"}, "CPD_XAPI_FORWARD.username: 'username' is "
                                                   "required here"),
    ({"endpoint": ENDPOINT, "username": "cpd"}, "CPD_XAPI_FORWARD.password: 'password' is "
                                                "required here"),
    ({**GOOD, "password": ""}, "CPD_XAPI_FORWARD.password: String should have at least 1 "
                               "character"),
    ({**GOOD, "statements": "some"}, "CPD_XAPI_FORWARD.statements: 'some': Input should be 'cpd' "
                                     "or 'all'"),
    ({**GOOD, "every_seconds": 2}, "CPD_XAPI_FORWARD.every_seconds: 2: Input should be greater "
                                   "than or equal to 5"),
    ({**GOOD, "every_seconds": "60"}, "CPD_XAPI_FORWARD.every_seconds: '60': Input should be a "
                                      "valid integer"),
    ({**GOOD, "every_seconds": True}, "CPD_XAPI_FORWARD.every_seconds: True: Input should be a "
                                      "valid integer"),
    ({**GOOD, "endpoint": "lrs.force.police.uk/xapi"},
     "endpoint 'lrs.force.police.uk/xapi': give the remote LRS's http(s) base URL"),
    ({**GOOD, "endpoint": "ftp://lrs.force.police.uk/xapi/"},
     "endpoint 'ftp://lrs.force.police.uk/xapi/': give the remote LRS's http(s) base URL"),
    ({**GOOD, "batch_size": 0},
     "CPD_XAPI_FORWARD.batch_size: 0: Input should be greater than or equal to 1"),
    ({**GOOD, "timeout": 0}, "CPD_XAPI_FORWARD.timeout: 0: Input should be greater than 0"),
])
def test_forwarding_that_cannot_work_is_refused_at_start_up(value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_with(CPD_XAPI_FORWARD=value)
    assert message in str(refused.value)
    assert str(refused.value).startswith("CPD_XAPI_FORWARD")


@pytest.mark.parametrize(("field", "value"), [("timeout", "10"), ("name", 5)])
def test_a_forwarding_value_of_the_wrong_type_is_refused_naming_its_field(
        field: str, value: Any) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_with(CPD_XAPI_FORWARD={**GOOD, field: value})
    assert field in str(refused.value) and repr(value) in str(refused.value)


@pytest.mark.parametrize("field", ["batch_size", "timeout"])
def test_true_is_not_a_number_of_statements_or_seconds(field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        settings_with(CPD_XAPI_FORWARD={**GOOD, field: True})


def test_a_host_app_with_bad_forwarding_does_not_start(migrated_url: str) -> None:
    with pytest.raises(ConfigError, match=r"CPD_XAPI_FORWARD\.statements"):
        create_app(migrated_url, config={"CPD_XAPI_FORWARD": {**GOOD, "statements": "some"}})


# --- which statements are queued ----------------------------------------------------------------


def test_no_outbox_listener_without_forwarding() -> None:
    assert not [listener for listener in projection.listeners(settings_with())
                if isinstance(listener, OutboxListener)]


def test_forwarding_adds_one_outbox_listener_for_the_configured_target() -> None:
    settings = settings_with(CPD_XAPI_FORWARD=GOOD)
    outboxes = [listener for listener in projection.listeners(settings)
                if isinstance(listener, OutboxListener)]
    assert len(outboxes) == 1
    assert outboxes[0].targets == [settings.xapi_forward.target]


def test_forwarding_all_statements_selects_everything() -> None:
    settings = settings_with(CPD_XAPI_FORWARD={**GOOD, "statements": "all"})
    [outbox] = [listener for listener in projection.listeners(settings)
                if isinstance(listener, OutboxListener)]
    assert outbox.select is forward_everything


def authored_by(authority: dict[str, Any], verb: str = COMPLETED) -> dict[str, Any]:
    return {**lms_statement(verb), "authority": authority}


def test_what_the_library_stores_itself_is_cpd() -> None:
    settings = settings_with(CPD_XAPI_CREDIT_RULES=RULES)
    officer_agent = learner_agent(settings, LearnerIdentity("pshah", "DC Priya Shah"))
    assert projection.is_cpd(settings, authored_by(officer_agent, EXPERIENCED))


def test_a_client_statement_a_credit_rule_matches_is_cpd() -> None:
    settings = settings_with(CPD_XAPI_CREDIT_RULES=RULES)
    statement = authored_by(client_authority(settings, LMS_CLIENT), COMPLETED)
    assert projection.is_cpd(settings, statement)


@pytest.mark.parametrize(("client", "verb"), [
    (LMS_CLIENT, EXPERIENCED),  # the trusted LMS, but no rule credits looking at a page
    ("quiz-vendor", COMPLETED),  # what a rule credits, but from a client no rule trusts
])
def test_other_client_statements_are_not_cpd(client: str, verb: str) -> None:
    settings = settings_with(CPD_XAPI_CREDIT_RULES=RULES)
    assert not projection.is_cpd(settings, authored_by(client_authority(settings, client), verb))


def test_without_credit_rules_no_client_statement_is_cpd() -> None:
    settings = settings_with()
    statement = authored_by(client_authority(settings, LMS_CLIENT), COMPLETED)
    assert not projection.is_cpd(settings, statement)


def test_an_officers_cpd_is_queued_once(host: Callable[..., Flask],
                                        remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    activity = logged(app, officer(app))
    assert queued(app) == [activity.statement_id]


def test_nothing_is_queued_without_forwarding(host: Callable[..., Flask]) -> None:
    app = host()
    logged(app, officer(app))
    assert queued(app) == []


def test_a_leads_exemption_is_queued_once(host: Callable[..., Flask],
                                          remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    learner = officer(app)
    with app.app_context():
        exemption = grant_exemption(db.session, get_state(app).settings, LEAD,
                                    db.session.get(Learner, learner.id), INTELLIGENCE_OFFICER,
                                    on=today(app), reason="Seconded to the NCA for the year.")
        statement_id = exemption.statement_id
        db.session.remove()
    assert queued(app) == [statement_id]


@pytest.mark.parametrize(("statements", "verb", "is_queued"), [
    ("cpd", COMPLETED, True),
    ("cpd", EXPERIENCED, False),
    ("all", COMPLETED, True),
    ("all", EXPERIENCED, True),
])
def test_a_client_statement_is_queued_when_it_is_cpd_or_everything_is_forwarded(
        host: Callable[..., Flask], remote: EnterpriseLRS, statements: str, verb: str,
        is_queued: bool) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote, statements=statements),
               CPD_XAPI_CREDIT_RULES=RULES)
    officer(app)
    statement = lms_statement(verb)
    post_statement(app, lrs_client(app, LMS_CLIENT), statement)
    assert queued(app) == ([statement["id"]] if is_queued else [])


# --- flask cpd forward --------------------------------------------------------------------------


def test_forward_command_says_how_to_turn_forwarding_on(host: Callable[..., Flask]) -> None:
    result = forward(host())
    assert result.exit_code != 0
    assert "set CPD_XAPI_FORWARD" in result.output


def test_forward_command_delivers_the_queue(host: Callable[..., Flask],
                                            remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    learner = officer(app)
    first = logged(app, learner, title="OSINT refresher", days_ago=3)
    second = logged(app, learner, title="Debrief workshop", days_ago=2)

    result = forward(app)

    assert result.exit_code == 0, result.output
    assert remote.statement_ids() == [first.statement_id, second.statement_id]
    assert "enterprise: 2 sent, 0 already there, 0 failed, 0 waiting" in result.output
    assert "enterprise: nothing waiting" in result.output
    assert undelivered(app) == []


def test_forward_command_sends_with_the_configured_credentials(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote, username="cpd", password="pw-123"))
    logged(app, officer(app))
    assert forward(app).exit_code == 0
    expected = "Basic " + base64.b64encode(b"cpd:pw-123").decode()
    assert [delivery.authorization for delivery in remote.deliveries] == [expected]


def test_forward_command_with_a_limit_sends_that_many_and_reports_the_rest(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    learner = officer(app)
    first = logged(app, learner, title="OSINT refresher", days_ago=3)
    second = logged(app, learner, title="Debrief workshop", days_ago=2)

    result = forward(app, "--limit", "1")

    assert result.exit_code == 0, result.output
    assert remote.statement_ids() == [first.statement_id]
    assert "enterprise: 1 sent, 0 already there, 0 failed, 1 waiting" in result.output
    assert "enterprise: 1 waiting (0 retrying, 0 rejected by the remote)" in result.output
    assert undelivered(app) == [second.statement_id]


def test_backfill_queues_and_sends_what_was_stored_before_forwarding(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    before = host(CPD_XAPI_CREDIT_RULES=RULES)
    learner = officer(before)
    first = logged(before, learner, title="OSINT refresher", days_ago=3)
    second = logged(before, learner, title="Debrief workshop", days_ago=2)
    lms = lrs_client(before, LMS_CLIENT)
    completion, browsing = lms_statement(COMPLETED), lms_statement(EXPERIENCED)
    post_statement(before, lms, completion)
    post_statement(before, lms, browsing)
    assert queued(before) == []
    after = host(CPD_XAPI_CREDIT_RULES=RULES, CPD_XAPI_FORWARD=forwarding_to(remote))

    result = forward(after, "--backfill")

    assert result.exit_code == 0, result.output
    assert "Queued 3 earlier statements for enterprise." in result.output
    assert "enterprise: 3 sent" in result.output
    assert remote.statement_ids() == [first.statement_id, second.statement_id, completion["id"]]


def test_backfill_again_queues_nothing_new(host: Callable[..., Flask],
                                           remote: EnterpriseLRS) -> None:
    before = host()
    logged(before, officer(before))
    after = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    assert forward(after, "--backfill").exit_code == 0

    again = forward(after, "--backfill")

    assert "Queued 0 earlier statements for enterprise." in again.output
    assert len(remote.statement_ids()) == 1


def test_forward_command_without_backfill_leaves_earlier_statements_alone(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    before = host()
    logged(before, officer(before))
    after = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    result = forward(after)
    assert "enterprise: 0 sent" in result.output
    assert remote.statement_ids() == []


# --- the scheduler ------------------------------------------------------------------------------


def test_without_forwarding_only_the_nightly_jobs_and_reminders_are_scheduled(
        host: Callable[..., Flask]) -> None:
    assert [job.id for job in scheduler.jobs(host())] == ["cpd-tracker.cycle-outcomes",
                                                         "cpd-tracker.standings",
                                                         "cpd-tracker.accreditation-lapse",
                                                         "cpd-tracker.compliance-snapshot",
                                                         "cpd-tracker.reminders"]


def test_forwarding_is_a_job_with_a_stable_id_at_the_configured_interval(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote, every_seconds=30))
    [job] = [job for job in scheduler.jobs(app) if job.id == "cpd-tracker.xapi-forward"]
    assert job.every_seconds == 30


def test_the_background_scheduler_runs_forwarding_once_at_a_time(
        host: Callable[..., Flask], remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote, every_seconds=30))
    runner = scheduler.create_scheduler(app, background=True)
    runner.start(paused=True)  # job defaults apply once the scheduler has started
    try:
        job = runner.get_job("cpd-tracker.xapi-forward")
        assert job is not None
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(seconds=30)
        assert job.coalesce is True
        assert job.max_instances == 1
        # APScheduler lists jobs by their next run, which depends on the time of day: compare
        # which jobs there are, not their order.
        assert sorted(one.id for one in runner.get_jobs()) == [
            "cpd-tracker.accreditation-lapse", "cpd-tracker.compliance-snapshot",
            "cpd-tracker.cycle-outcomes", "cpd-tracker.reminders", "cpd-tracker.standings",
            "cpd-tracker.xapi-forward"]
    finally:
        runner.shutdown(wait=False)


def test_the_forward_job_delivers_the_queue(host: Callable[..., Flask],
                                            remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    activity = logged(app, officer(app))

    report = scheduler.forward(app)

    assert report is not None
    assert (report.sent, report.remaining) == (1, 0)
    assert remote.statement_ids() == [activity.statement_id]


def test_the_scheduled_job_runs_the_delivery(host: Callable[..., Flask],
                                             remote: EnterpriseLRS) -> None:
    app = host(CPD_XAPI_FORWARD=forwarding_to(remote))
    activity = logged(app, officer(app))
    [job] = [job for job in scheduler.jobs(app) if job.id == "cpd-tracker.xapi-forward"]
    job.run()
    assert remote.statement_ids() == [activity.statement_id]


def test_the_forward_job_does_nothing_without_forwarding(host: Callable[..., Flask]) -> None:
    assert scheduler.forward(host()) is None


def test_scheduler_command_lists_its_jobs_before_it_runs(
        host: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler

    started: list[bool] = []
    monkeypatch.setattr(BlockingScheduler, "start", lambda self, *a, **k: started.append(True))
    result = host().test_cli_runner().invoke(args=["cpd", "scheduler"])
    assert result.exit_code == 0, result.output
    assert ("cpd-tracker.accreditation-lapse: record the accreditations that have lapsed, "
            "daily at 02:30") in result.output
    assert ("cpd-tracker.compliance-snapshot: take the nightly compliance snapshot, "
            "daily at 03:00") in result.output
    assert ("cpd-tracker.standings: judge everyone's standing for the new day, "
            "daily at 00:05") in result.output
    assert ("cpd-tracker.cycle-outcomes: record how the cycles that have ended did, "
            "daily at 00:02") in result.output
    assert started == [True]

"""From LRS to CPD: statements a trusted LMS sends count as CPD when a credit rule says so, once
per attempt; voiding takes the credit back, and a rebuild credits exactly what was credited."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from cpd_tracker import get_state, vocabulary
from cpd_tracker.config import ConfigError, CreditRule, apply_defaults, credit_rules, load
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.models import Activity, activity_role
from cpd_tracker.projection import activities as projection
from cpd_tracker.projection import crediting
from cpd_tracker.record.identities import client_authority
from tests.conftest import empty_tables
from tests.factories import INTELLIGENCE_OFFICER, logged, officer, today
from xapi import StatementStore
from xapi.models import ClientRecord

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
COURSE = "http://adlnet.gov/expapi/activities/course"
MODULE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
NOMINAL = "https://learning.demo-force.police.uk/xapi/extensions/nominal-duration"
LMS = "https://learning.demo-force.police.uk/"
OSINT = f"{LMS}courses/osint"
DATA_PROTECTION = f"{LMS}courses/data-protection"

RULES: list[dict[str, Any]] = [
    {"clients": ["demo-lms"], "activities": [DATA_PROTECTION], "verbs": [COMPLETED],
     "category": "formal", "item": "data-protection", "default_minutes": 45},
    {"clients": ["demo-lms"], "verbs": [COMPLETED, PASSED], "activity_types": [COURSE, MODULE],
     "category": "formal", "duration_extension": NOMINAL},
]


@pytest.fixture
def app(migrated_url: str) -> Iterator[Flask]:
    """The demo force LMS crediting its own LMS's course completions."""
    app = create_app(migrated_url, config={"TESTING": True, "CPD_XAPI_CREDIT_RULES": RULES})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def completion(reference: str = "pshah", *, verb: str = COMPLETED, activity: str = OSINT,
               activity_type: str | None = COURSE, duration: str | None = "PT1H30M",
               registration: str | None = None, days_ago: int = 3,
               timestamp: str | None = None, name: dict[str, str] | None = None,
               extensions: dict[str, Any] | None = None, **result: Any) -> dict[str, Any]:
    """A statement as the force's LMS sends it when someone finishes a course."""
    name = {"en-GB": "OSINT refresher"} if name is None else name
    definition: dict[str, Any] = {"name": name} if name else {}
    if activity_type:
        definition["type"] = activity_type
    if extensions:
        definition["extensions"] = extensions
    moment = datetime.now(timezone.utc).replace(hour=10, minute=0, second=0, microsecond=0)
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": LMS, "name": reference}},
        "verb": {"id": verb, "display": {"en-GB": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity, "definition": definition},
        "timestamp": timestamp or (moment - timedelta(days=days_ago)).isoformat(),
    }
    if duration:
        result["duration"] = duration
    if result:
        statement["result"] = result
    if registration:
        statement["context"] = {"registration": registration}
    return statement


def send(app: Flask, *statements: dict[str, Any], client: str | None = "demo-lms",
         authority: dict[str, Any] | None = None) -> None:
    """Store statements as the LRS does for a client, with the crediting listener."""
    with app.app_context():
        settings = get_state(app).settings
        store = StatementStore(db.session, [crediting.CreditingProjection(settings)])
        for statement in statements:
            store.add(statement, authority=authority or client_authority(settings, client))
        db.session.commit()
        db.session.remove()


def void(app: Flask, statement_id: str, client: str = "demo-lms") -> None:
    send(app, {"actor": {"objectType": "Agent", "account": {"homePage": LMS, "name": "pshah"}},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/voided",
                        "display": {"en-GB": "voided"}},
               "object": {"objectType": "StatementRef", "id": statement_id}}, client=client)


def credited(app: Flask) -> list[Activity]:
    with app.app_context():
        activities = list(db.session.scalars(
            sa.select(Activity).where(Activity.credit_key.is_not(None))
            .order_by(Activity.activity_date, Activity.statement_id)))
        for activity in activities:
            activity.roles  # noqa: B018 (load before leaving the session)
        db.session.expunge_all()
    return activities


def snapshot(app: Flask) -> list[tuple[object, ...]]:
    with app.app_context():
        activities = db.session.execute(sa.select(
            Activity.statement_id, Activity.learner_id, Activity.activity_date, Activity.minutes,
            Activity.title, Activity.category, Activity.kind, Activity.item, Activity.link,
            Activity.participatory, Activity.verification, Activity.recorded_at,
            Activity.credit_key).order_by(Activity.statement_id)).all()
        roles = db.session.execute(
            sa.select(Activity.statement_id, activity_role.c.role_id)
            .join(activity_role, activity_role.c.activity_id == Activity.id)
            .order_by(Activity.statement_id, activity_role.c.role_id)).all()
        db.session.remove()
    return [tuple(row) for row in activities] + [tuple(row) for row in roles]


# What counts


def test_a_course_completed_in_the_trusted_lms_counts_as_formal_cpd(app: Flask) -> None:
    learner = officer(app)
    statement = completion(duration="PT1H30M", days_ago=3)
    statement["object"]["definition"]["moreInfo"] = f"{OSINT}/about"
    send(app, statement)

    [activity] = credited(app)
    assert (activity.statement_id, activity.learner_id, activity.minutes, activity.title,
            activity.category, activity.kind, activity.item, activity.link,
            activity.verification) == (
        statement["id"], learner.id, 90, "OSINT refresher", "formal", None, None,
        f"{OSINT}/about", "verified")
    assert activity.activity_date == today(app) - timedelta(days=3)
    assert [role.code for role in activity.roles] == [INTELLIGENCE_OFFICER]


def test_without_a_result_duration_the_courses_nominal_duration_counts(app: Flask) -> None:
    officer(app)
    send(app, completion(duration=None, extensions={NOMINAL: "PT2H15M"}))
    assert [activity.minutes for activity in credited(app)] == [135]


def test_the_result_duration_wins_over_the_nominal_duration(app: Flask) -> None:
    officer(app)
    send(app, completion(duration="PT50M", extensions={NOMINAL: "PT2H"}))
    assert [activity.minutes for activity in credited(app)] == [50]


def test_without_any_duration_the_rules_default_minutes_count(app: Flask) -> None:
    officer(app)
    send(app, completion(activity=DATA_PROTECTION, activity_type=None, duration=None,
                         name={"en": "Data protection and MoPI"}))
    [activity] = credited(app)
    assert (activity.minutes, activity.item, activity.title) == (
        45, "data-protection", "Data protection and MoPI")


def test_without_any_duration_nothing_counts_and_the_log_says_why(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    officer(app)
    statement = completion(duration="PT10S")  # under half a minute is no duration
    with caplog.at_level(logging.INFO, logger="cpd_tracker.projection.crediting"):
        send(app, statement)
    assert credited(app) == []
    assert (f"statement {statement['id']} ({COMPLETED} {OSINT}) matches "
            "CPD_XAPI_CREDIT_RULES[1] but is not credited: it gives no duration") in caplog.text


def test_a_very_long_duration_counts_as_one_days_most(app: Flask) -> None:
    officer(app)
    send(app, completion(duration="P3D"))
    assert [activity.minutes for activity in credited(app)] == [24 * 60]


def test_the_day_is_the_timestamps_day_in_the_forces_time_zone(app: Flask) -> None:
    officer(app)
    send(app, completion(timestamp="2026-06-30T23:30:00Z"))  # 00:30 on 1 July in London
    assert [activity.activity_date for activity in credited(app)] == [date(2026, 7, 1)]


@pytest.mark.parametrize(("name", "title"), [
    ({"en-US": "OSINT refresher (US)", "en-GB": "OSINT refresher"}, "OSINT refresher"),
    ({"cy-GB": "Gloywi OSINT", "en-US": "OSINT refresher (US)"}, "OSINT refresher (US)"),
    ({"cy-GB": "Gloywi OSINT"}, "Gloywi OSINT"),
    ({}, OSINT),
])
def test_the_title_is_the_activitys_name_in_british_english_first(
        app: Flask, name: dict[str, str], title: str) -> None:
    officer(app)
    send(app, completion(name=name))
    assert [activity.title for activity in credited(app)] == [title]


def test_the_first_rule_a_statement_matches_credits_it(app: Flask) -> None:
    officer(app)
    send(app, completion(activity=DATA_PROTECTION, duration="PT30M"))  # a course, too
    assert [(a.item, a.minutes) for a in credited(app)] == [("data-protection", 30)]


def test_with_mbox_identity_people_are_found_by_their_email(migrated_url: str) -> None:
    app = create_app(migrated_url, config={"TESTING": True, "CPD_XAPI_CREDIT_RULES": RULES,
                                           "CPD_ACTOR_IDENTITY": "mbox"})
    with app.app_context():
        db.create_all()
    try:
        learner = officer(app)
        statement = completion()
        statement["actor"] = {"objectType": "Agent", "mbox": "mailto:PShah@force.example"}
        send(app, statement)
        assert [activity.learner_id for activity in credited(app)] == [learner.id]
    finally:
        with app.app_context():
            db.session.remove()
            empty_tables(db.engine)
            db.engine.dispose()


# What never counts


def test_an_untrusted_client_never_credits_cpd(app: Flask) -> None:
    officer(app)
    send(app, completion(), client="quiz-vendor")
    assert credited(app) == []


def test_statements_the_library_stored_itself_are_not_credited_here(app: Flask) -> None:
    officer(app)
    send(app, completion(), authority={"objectType": "Agent",
                                       "account": {"homePage": LMS, "name": "pshah"}})
    assert credited(app) == []


def test_the_librarys_own_vocabulary_is_never_credited_even_from_a_trusted_client(
        app: Flask) -> None:
    learner = officer(app)
    mine = logged(app, learner)
    with app.app_context():
        statement = StatementStore(db.session).get(mine.statement_id)
        settings = get_state(app).settings
        # Even a rule that names the library's verb (start-up refuses one) does not credit it.
        reckless = replace(settings, credit_rules=(CreditRule(
            index=0, clients=frozenset({"demo-lms"}), verbs=frozenset({vocabulary.VERB_LOGGED}),
            activity_types=frozenset({vocabulary.ACTIVITY_TYPE_CPD}), category="formal"),))
        statement["authority"] = client_authority(settings, "demo-lms")
        assert crediting.credit_for(db.session, reckless, statement) is None


def test_a_statement_about_someone_unknown_is_stored_but_not_credited(app: Flask) -> None:
    officer(app)
    statement = completion("nobody-we-know")
    send(app, statement)
    with app.app_context():
        assert StatementStore(db.session).get(statement["id"]) is not None
    assert credited(app) == []


@pytest.mark.parametrize("statement", [
    completion(verb=EXPERIENCED),
    completion(activity_type=ASSESSMENT),
    completion(activity_type=None),
    completion(success=False),
    completion(completion=False),
], ids=["verb-not-in-rule", "type-not-in-rule", "no-type", "failed", "not-completed"])
def test_statements_outside_every_rule_are_not_credited(
        app: Flask, statement: dict[str, Any]) -> None:
    officer(app)
    send(app, statement)
    assert credited(app) == []


def test_an_object_that_is_not_an_activity_is_not_credited(app: Flask) -> None:
    learner = officer(app)
    send(app, {"actor": {"objectType": "Agent", "account": {"homePage": LMS, "name": "pshah"}},
               "verb": {"id": COMPLETED, "display": {"en-GB": "completed"}},
               "object": {"objectType": "Agent",
                          "account": {"homePage": LMS, "name": learner.reference}},
               "result": {"duration": "PT1H"}})
    assert credited(app) == []


# Voiding, attempts, rebuild


def test_voiding_a_credited_statement_takes_the_credit_back(app: Flask) -> None:
    officer(app)
    statement = completion()
    send(app, statement)
    void(app, statement["id"])
    assert credited(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(activity_role)) == 0


def test_passed_and_completed_for_one_attempt_count_once(app: Flask) -> None:
    officer(app)
    attempt = str(uuid.uuid4())
    passed = completion(verb=PASSED, registration=attempt, duration="PT1H")
    send(app, passed, completion(verb=COMPLETED, registration=attempt.upper(), duration="PT1H"))
    assert [activity.statement_id for activity in credited(app)] == [passed["id"]]


def test_a_retake_with_a_new_registration_counts_again(app: Flask) -> None:
    officer(app)
    send(app, completion(registration=str(uuid.uuid4())),
         completion(registration=str(uuid.uuid4())))
    assert len(credited(app)) == 2


def test_without_a_registration_the_attempt_is_the_day(app: Flask) -> None:
    officer(app)
    send(app, completion(verb=PASSED, days_ago=3), completion(verb=COMPLETED, days_ago=3),
         completion(days_ago=10))
    assert len(credited(app)) == 2


def test_voiding_the_credited_statement_lets_the_next_of_its_attempt_count(app: Flask) -> None:
    officer(app)
    attempt = str(uuid.uuid4())
    passed = completion(verb=PASSED, registration=attempt, duration="PT1H")
    completed = completion(verb=COMPLETED, registration=attempt, duration="PT1H10M")
    send(app, passed, completed)
    void(app, passed["id"])
    assert [(a.statement_id, a.minutes) for a in credited(app)] == [(completed["id"], 70)]


def test_one_batch_can_report_an_attempt_and_void_its_first_statement(app: Flask) -> None:
    officer(app)
    attempt = str(uuid.uuid4())
    passed = completion(verb=PASSED, registration=attempt)
    completed = completion(verb=COMPLETED, registration=attempt)
    voiding = {"actor": passed["actor"], "object": {"objectType": "StatementRef",
                                                     "id": passed["id"]},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}
    with app.app_context():
        settings = get_state(app).settings
        StatementStore(db.session, [crediting.CreditingProjection(settings)]).add_many(
            [passed, voiding, completed], authority=client_authority(settings, "demo-lms"))
        db.session.commit()
    assert [a.statement_id for a in credited(app)] == [completed["id"]]


def test_the_same_day_attempt_passes_on_too(app: Flask) -> None:
    officer(app)
    passed, completed = completion(verb=PASSED), completion(verb=COMPLETED)
    send(app, passed, completed)
    void(app, passed["id"])
    assert [a.statement_id for a in credited(app)] == [completed["id"]]


def test_two_requests_reporting_one_attempt_at_once_credit_it_once(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """Two LMS requests store "passed" and "completed" for one attempt at the same time, in two
    sessions: one activity is credited, and both statements are stored (the LRS must accept
    them). On PostgreSQL the second request checks for a credit before the first commits, and
    the unique key on the attempt turns its insert away once the first commits; SQLite lets one
    writer at a time, so the second waits for the first and finds its credit."""
    officer(app)
    # An earlier attempt at the course, so the race is about the credit, not about which
    # request writes the course's definition first.
    earlier = completion(registration=str(uuid.uuid4()), days_ago=10)
    send(app, earlier)
    attempt = str(uuid.uuid4())
    first = completion(verb=PASSED, registration=attempt)
    second = completion(verb=COMPLETED, registration=attempt)
    with app.app_context():
        engine = db.engine
        settings = get_state(app).settings
    postgresql = engine.dialect.name == "postgresql"
    first_credited = threading.Event()
    failures: list[BaseException] = []

    def store(statement: dict[str, Any], *, before_commit: Callable[[], None]) -> None:
        try:
            with app.app_context():
                StatementStore(db.session, [crediting.CreditingProjection(settings)]).add(
                    statement, authority=client_authority(settings, "demo-lms"))
                db.session.flush()
                before_commit()
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)
            first_credited.set()

    def commit_once_the_second_waits() -> None:
        first_credited.set()
        if postgresql:
            wait_for_a_lock_wait(engine)
        else:
            time.sleep(0.5)  # the second request is (most likely) waiting for the write lock

    with caplog.at_level(logging.INFO, logger="cpd_tracker.projection.crediting"):
        requests = [
            threading.Thread(target=store, args=(first,),
                             kwargs={"before_commit": commit_once_the_second_waits}),
            threading.Thread(target=lambda: first_credited.wait(10) and store(
                second, before_commit=lambda: None)),
        ]
        for request in requests:
            request.start()
        for request in requests:
            request.join(timeout=30)
    assert not failures, failures
    assert not any(request.is_alive() for request in requests)

    assert {activity.statement_id for activity in credited(app)} == {earlier["id"], first["id"]}
    with app.app_context():
        assert StatementStore(db.session).get(second["id"]) is not None
        db.session.remove()
    told = ("this attempt was credited meanwhile" if postgresql
            else "this attempt is credited already")
    assert f"{second['id']} " in caplog.text and told in caplog.text, caplog.text


def wait_for_a_lock_wait(engine: sa.Engine, timeout: float = 10) -> None:
    """Return once a session of this database waits for a lock another holds (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            connection.rollback()  # a new snapshot of pg_stat_activity on each look
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second request never waited for the first one's credit")


def test_the_unique_key_refuses_a_second_credit_for_one_attempt(app: Flask) -> None:
    """What holds the race above: the database itself refuses two activities for one attempt."""
    officer(app)
    send(app, completion(registration=str(uuid.uuid4())))
    [credit] = credited(app)
    with app.app_context():
        db.session.add(Activity(
            statement_id=str(uuid.uuid4()), learner_id=credit.learner_id,
            activity_date=credit.activity_date, minutes=credit.minutes, title=credit.title,
            category=credit.category, activity_iri=credit.activity_iri,
            recorded_at=credit.recorded_at, credit_key=credit.credit_key))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert [activity.statement_id for activity in credited(app)] == [credit.statement_id]


def test_rebuild_equals_the_incremental_result(app: Flask) -> None:
    priya = officer(app)
    officer(app, "tbarker", name="Tom Barker", roles=("intelligence-analyst",))
    logged(app, priya, title="Read the new RIPA code", minutes=40)
    attempt, retake = str(uuid.uuid4()), str(uuid.uuid4())
    winner = completion(verb=PASSED, registration=attempt)
    same_day = completion(verb=PASSED, days_ago=5)
    send(app,
         winner, completion(verb=COMPLETED, registration=attempt, duration="PT2H"),
         completion(registration=retake, days_ago=1),
         same_day, completion(verb=COMPLETED, days_ago=5, duration="PT20M"),
         completion("tbarker", duration=None, extensions={NOMINAL: "PT3H"}),
         completion("tbarker", activity=DATA_PROTECTION, duration=None),
         completion("nobody-we-know"), completion(verb=EXPERIENCED))
    send(app, completion("tbarker", days_ago=8), client="quiz-vendor")
    void(app, winner["id"])
    void(app, same_day["id"])
    incremental = snapshot(app)
    assert len(credited(app)) == 5

    with app.app_context():
        count = crediting.rebuild(db.session, get_state(app).settings)
        db.session.commit()
    assert count == 5
    assert snapshot(app) == incremental  # officer-logged activity included, untouched

    with app.app_context():  # as `flask cpd rebuild` would: every read model, then credits
        projection.rebuild(db.session, get_state(app).settings)
        crediting.rebuild(db.session, get_state(app).settings)
        db.session.commit()
    assert snapshot(app) == incremental


# Configuration


def rules(*rule: dict[str, Any]) -> Any:
    return credit_rules(list(rule), categories=["formal", "other"])


def test_no_rules_by_default_credit_nothing() -> None:
    config: dict[str, Any] = {"CPD_LMS_HOME_PAGE": LMS}
    apply_defaults(config)
    assert load(config).credit_rules == ()


def test_a_rule_is_read_with_its_defaults() -> None:
    [rule] = rules({"clients": ["demo-lms"], "verbs": [COMPLETED], "activity_types": [COURSE],
                    "category": "formal"})
    assert (rule.index, rule.clients, rule.verbs, rule.activity_types, rule.activities,
            rule.category, rule.duration_extension, rule.default_minutes, rule.kind, rule.item,
            rule.participatory, rule.verified) == (
        0, {"demo-lms"}, {COMPLETED}, {COURSE}, frozenset(), "formal", None, None, None, None,
        False, True)


GOOD = {"clients": ["demo-lms"], "verbs": [COMPLETED], "activity_types": [COURSE],
        "category": "formal"}


@pytest.mark.parametrize(("change", "message"), [
    ({"category": "formall"}, "CPD_XAPI_CREDIT_RULES[1].category: 'formall' is not one of the "
                              "force's categories (CPD_CATEGORIES): formal, other"),
    ({"clients": "demo-lms"}, "CPD_XAPI_CREDIT_RULES[1].clients: 'demo-lms': Input should be a "
                              "valid list"),
    ({"clients": []}, "CPD_XAPI_CREDIT_RULES[1].clients: []: List should have at least 1 item"),
    ({"verbs": ["completed"]}, "CPD_XAPI_CREDIT_RULES[1].verbs[0]: 'completed' is not an "
                               "absolute IRI"),
    ({"verbs": ["https://w3id.org/xapi/cpd-tracker/verbs/logged"]},
     "CPD_XAPI_CREDIT_RULES[1].verbs[0]: 'https://w3id.org/xapi/cpd-tracker/verbs/logged' is "
     "cpd-tracker's own"),
    ({"verbs": ["http://adlnet.gov/expapi/verbs/voided"]},
     "CPD_XAPI_CREDIT_RULES[1].verbs[0]: 'http://adlnet.gov/expapi/verbs/voided' is "
     "cpd-tracker's own (or xAPI's voiding) verb"),
    ({"activity_types": []}, "CPD_XAPI_CREDIT_RULES[1].activity_types: []: List should have at "
                             "least 1 item"),
    ({"activity_types": None}, "CPD_XAPI_CREDIT_RULES[1]: give activity_types (activity type "
                               "IRIs) or activities (activity ids), or both"),
    ({"duration_extension": "minutes"}, "CPD_XAPI_CREDIT_RULES[1].duration_extension: 'minutes' "
                                        "is not an absolute IRI"),
    ({"default_minutes": 0}, "CPD_XAPI_CREDIT_RULES[1].default_minutes: 0: Input should be "
                             "greater than or equal to 1"),
    ({"default_minutes": "45"}, "CPD_XAPI_CREDIT_RULES[1].default_minutes: '45': Input should be "
                                "a valid integer"),
    ({"kind": ""}, "CPD_XAPI_CREDIT_RULES[1].kind: '' is not a code from your frameworks"),
    ({"verified": "yes"}, "CPD_XAPI_CREDIT_RULES[1].verified: 'yes': Input should be a valid "
                          "boolean"),
    ({"verb": [COMPLETED]}, "CPD_XAPI_CREDIT_RULES[1].verb: unknown key 'verb'; the keys "
                            "accepted here are: clients, verbs,"),
])
def test_a_rule_that_cannot_work_is_named_with_its_field(change: dict[str, Any],
                                                         message: str) -> None:
    broken = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    with pytest.raises(ConfigError) as raised:
        rules(GOOD, broken)
    assert message in str(raised.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        rules({**GOOD, "category": "nope"}, "not a rule", {**GOOD, "verified": 1})
    text = str(raised.value)
    assert "[0].category" in text
    assert "CPD_XAPI_CREDIT_RULES[1]: 'not a rule': Input should be a valid dictionary" in text
    assert "[2].verified" in text


def test_rules_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match=r"CPD_XAPI_CREDIT_RULES: \{.*\}: Input should be a "
                                          "valid list"):
        rules_value: Any = GOOD
        credit_rules(rules_value, categories=["formal"])


def test_a_bad_rule_stops_the_app_at_start_up(migrated_url: str) -> None:
    with pytest.raises(ConfigError, match=r"CPD_XAPI_CREDIT_RULES\[0\]\.category"):
        create_app(migrated_url, config={"CPD_XAPI_CREDIT_RULES": [{**GOOD,
                                                                    "category": "x"}]})


def test_check_rules_names_clients_kinds_and_items_the_database_does_not_know(
        app: Flask) -> None:
    officer(app)  # loads the IPP example framework
    with app.app_context():
        settings = get_state(app).settings
        db.session.add(ClientRecord(name="demo-lms", secret_hash="x", scopes=["all"],
                                    authority=client_authority(settings, "demo-lms"),
                                    created=datetime.now(timezone.utc)))
        db.session.flush()
        assert crediting.check_rules(db.session, settings) == []
        bad = load({**app.config, "CPD_XAPI_CREDIT_RULES": [
            {**GOOD, "clients": ["demo-lms", "old-lms"], "kind": "podcast",
             "item": "data-protection"}]})
        assert crediting.check_rules(db.session, bad) == [
            "CPD_XAPI_CREDIT_RULES[0].clients: no LRS client is called 'old-lms' "
            "(flask cpd lrs-client create)",
            "CPD_XAPI_CREDIT_RULES[0].kind: no loaded framework has the kind 'podcast'; known: "
            "peer-discussion, reflective-account",
        ]
        db.session.rollback()

"""Hostile tests of the promises of the reorganised release (CHANGELOG "Unreleased", the
embedding guide): setting the extension up with settings that cannot work, CSRF on every POST,
reads that never commit the host's work, first visits and decisions at the same moment, the old
import paths, and query arguments that are not what a page expects.

Each test states a promise; it fails if the promise is broken.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from cpd_tracker import CPDTracker, get_state, vocabulary
from cpd_tracker.config import ConfigError
from cpd_tracker.demo.models import DemoUser
from cpd_tracker.demo.models import db as demo_db
from cpd_tracker.errors import Refused
from cpd_tracker.models import Evidence, Learner
from tests.factories import logged, officer, sign_in

HOME_PAGE = "https://lms.force.example/"


@pytest.fixture
def host(migrated_url: str) -> Iterator[Callable[..., Flask]]:
    """Minimal host apps (their own Flask-SQLAlchemy and Flask-Login), the tracker not yet set
    up on them."""
    made: list[tuple[Flask, SQLAlchemy]] = []

    def make(**config: Any) -> Flask:
        app = Flask(__name__)
        app.config.update(SECRET_KEY="not-secret", SQLALCHEMY_DATABASE_URI=migrated_url,
                          CPD_LMS_HOME_PAGE=HOME_PAGE, TESTING=True)
        app.config.update(config)
        db = SQLAlchemy(app)
        LoginManager(app).user_loader(lambda user_id: None)
        app.extensions["test_db"] = db
        made.append((app, db))
        return app

    yield make
    for app, db in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def set_up(app: Flask) -> None:
    CPDTracker(app, db=app.extensions["test_db"])


def nothing_of_the_library_on(app: Flask) -> bool:
    return ("cpd_tracker" not in app.extensions
            and not [name for name in app.blueprints if name in ("cpd_tracker", "xapi")]
            and "cpd" not in app.cli.commands and not app.before_request_funcs)


# --- 1. Setting up with settings that cannot work ----------------------------------------------

AWARE = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def _raises() -> datetime:
    raise OSError("the time server is down")


@pytest.mark.parametrize(("clock", "problem"), [
    (lambda: datetime(2027, 3, 1, 9, 0), r"returned datetime\.datetime\(2027, 3, 1, 9, 0\), "
                                         r"not an aware datetime"),
    (lambda: date(2027, 3, 1), r"returned datetime\.date\(2027, 3, 1\), not an aware datetime"),
    (lambda: "2027-03-01", r"returned '2027-03-01', not an aware datetime"),
    (_raises, r"failed when asked the time \(OSError\)"),
    (lambda now: AWARE, r"failed when asked the time \(TypeError\)"),
], ids=["naive datetime", "a date", "a string", "raises", "needs an argument"])
def test_a_clock_that_cannot_tell_the_time_is_refused_at_set_up_naming_the_key(
        host: Callable[..., Flask], clock: Callable[..., Any], problem: str) -> None:
    """Before: any callable was accepted, and a naive clock silently counted "today" in the
    server's time zone, a date or a raising clock made every page a 500."""
    app = host(CPD_CLOCK=clock)
    with pytest.raises(ConfigError, match=r"^CPD_CLOCK: .*" + problem):
        set_up(app)
    assert nothing_of_the_library_on(app)


def test_an_aware_clock_is_accepted(host: Callable[..., Flask]) -> None:
    app = host(CPD_CLOCK=lambda: AWARE)
    set_up(app)
    assert app.extensions["cpd_tracker"].today() == date(2027, 3, 1)


@pytest.mark.parametrize(("config", "key"), [
    ({"CPD_CYCLE_START": "99999999999999999999-01"}, "CPD_CYCLE_START"),
    ({"CPD_EVIDENCE_FOLDER": 5}, "CPD_EVIDENCE_FOLDER"),
    ({"CPD_EVIDENCE_FOLDER": ["/srv/evidence"]}, "CPD_EVIDENCE_FOLDER"),
    ({"CPD_MAIL_SENDER": 5}, "CPD_MAIL_SENDER"),
    ({"CPD_MAIL_SENDER": "cpd@force.example\r\nBcc: everyone@force.example"},
     "CPD_MAIL_SENDER"),
], ids=["cycle start too large", "folder a number", "folder a list", "sender a number",
        "sender with a line break"])
def test_a_value_of_the_wrong_kind_is_a_config_error_naming_the_key(
        host: Callable[..., Flask], config: dict[str, Any], key: str) -> None:
    """Before: OverflowError and TypeError that named no key (or, for the sender, nothing at
    set-up and a failure on every reminder sent)."""
    app = host(**config)
    with pytest.raises(ConfigError, match=rf"^{key}: "):
        set_up(app)
    assert nothing_of_the_library_on(app)


SECRET = "hunter2-Sekr1t"


@pytest.mark.parametrize("config", [
    {"CPD_XAPI_FORWARD": f"https://lms:{SECRET}@lrs.force.example/xapi/"},
    {"CPD_XAPI_FORWARD": [{"endpoint": "https://lrs.force.example/xapi/", "username": "lms",
                           "password": SECRET}]},
    {"CPD_XAPI_FORWARD": {"endpoint": f"ftp://lms:{SECRET}@lrs.force.example/",
                          "username": "lms", "password": SECRET}},
    {"CPD_XAPI_FORWARD": {"endpoint": f"lrs.force.example/?key={SECRET}",
                          "username": "lms", "password": SECRET}},
    {"CPD_LMS_HOME_PAGE": f"ftp://admin:{SECRET}@lms.force.example/"},
], ids=["forwarding as an address with the password", "forwarding as a list",
        "endpoint with the password in it", "endpoint quoting the password",
        "home page with a password"])
def test_a_secret_never_appears_in_a_set_up_error(host: Callable[..., Flask],
                                                  config: dict[str, Any]) -> None:
    app = host(**config)
    with pytest.raises(ConfigError) as refused:
        set_up(app)
    assert SECRET not in str(refused.value)
    assert all(SECRET not in problem.message for problem in refused.value.problems)


# --- 4. At the same moment ------------------------------------------------------------------


def browser_signed_in(base: str, username: str) -> requests.Session:
    """A browser session signed in through the demo host's own sign-in page."""
    browser = requests.Session()
    page = browser.get(f"{base}/sign-in", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    answer = browser.post(f"{base}/sign-in", data={"csrf_token": token.group(1),
                                                  "username": username},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    return browser


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` for each i in ``count`` threads, started together; what each returned (or
    raised)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # reported to the test, not lost in the thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def host_users(app: Flask, *usernames: str) -> None:
    with app.app_context():
        for username in usernames:
            demo_db.session.add(DemoUser(
                username=username, name=f"PC {username}", email=f"{username}@force.example",
                job_title="Constable", org_unit="Response", joined_on=date(2020, 1, 1)))
        demo_db.session.commit()
        demo_db.session.remove()


def test_a_first_visit_from_two_tabs_at_once_creates_one_learner_and_no_500(
        app: Flask, live_server: str) -> None:
    """Before: both requests found no learner and inserted one; the second's INSERT broke the
    unique reference and the officer got a 500 (IntegrityError) on their very first visit."""
    usernames = [f"newcomer{index}" for index in range(4)]
    host_users(app, *usernames)
    rounds = []
    for username in usernames:
        tabs = [browser_signed_in(live_server, username) for _ in range(4)]
        rounds.append(at_once(4, lambda index, tabs=tabs: tabs[index].get(
            f"{live_server}/cpd/", timeout=60).status_code))
    with app.app_context():
        learners = demo_db.session.scalars(sa.select(Learner.reference).where(
            Learner.reference.in_(usernames))).all()
    assert rounds == [[200] * 4] * len(usernames)
    assert sorted(learners) == usernames


# --- 7. Arguments that are not what a page expects -------------------------------------------


@pytest.mark.parametrize("path", [
    "/cpd/history?activity=a%00b",
    "/cpd/history?activity=%09https://lms.force.example/cpd/activities/1",
    "/cpd/people/mev%00ans",
    "/cpd/people/mev%00ans/history",
    "/cpd/people/mev%00ans/accreditation",
    "/cpd/people/mev%00ans/export.csv",
    "/cpd/evidence/files/ab%00cd",
], ids=["history activity NUL", "history activity tab", "person", "person history",
        "person accreditation", "person export", "evidence by hash"])
def test_a_control_character_in_an_argument_or_the_path_is_a_400_naming_it(
        app: Flask, path: str) -> None:
    """Before: on PostgreSQL, which refuses NUL in text, a 500 (DataError); the history's
    ``activity`` was the one argument read raw."""
    host_users(app, "mevans")
    client = app.test_client()
    sign_in(client, "mevans")
    answer = client.get(path)
    assert answer.status_code == 400
    name = "activity" if "activity=" in path else "sha256" if "files" in path else "reference"
    assert f"{name} must not contain control characters" in answer.get_data(as_text=True)


def test_a_control_character_in_the_apis_path_is_a_json_400_naming_it(app: Flask) -> None:
    host_users(app, "mevans")
    client = app.test_client()
    sign_in(client, "mevans")
    answer = client.get("/cpd/api/v1/people/mev%00ans/compliance")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == "reference"


def test_two_leads_deciding_the_same_evidence_at_once_record_one_decision(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both leads open the evidence while it waits and decide at the same moment: one decision
    is recorded, the other lead is told it was already decided. Before: both passed the
    "already decided" check, both decisions were stored, and the second silently overwrote the
    first (an approval turned into a rejection nobody saw coming)."""
    from cpd_tracker.record.identities import Lead
    from cpd_tracker.record.statements import RejectedBuilder, VerifiedBuilder
    from cpd_tracker.services.evidence import decide_evidence
    from tests.test_evidence import attach
    from xapi import StatementRecord

    learner = officer(app)
    item = attach(app, learner, logged(app, learner))
    both_checked = threading.Barrier(2, timeout=10)
    for builder in (VerifiedBuilder, RejectedBuilder):
        build = builder.build

        def waiting(self: Any, *args: Any, build: Any = build, **kwargs: Any) -> Any:
            both_checked.wait()  # each lead has seen the evidence waiting
            return build(self, *args, **kwargs)

        monkeypatch.setattr(builder, "build", waiting)
    leads = [(Lead("mevans", "DI Mark Evans"), True, None),
             (Lead("jking", "DS Jo King"), False, "Not a certificate")]

    def decide(index: int) -> str:
        lead, approve, comment = leads[index]
        with app.app_context():
            state = get_state(app)
            try:
                decide_evidence(demo_db.session, state.settings, lead,
                                demo_db.session.get(Evidence, item.id), approve=approve,
                                comment=comment)
                return "decided"
            except Refused as refused:
                return str(refused)
            finally:
                demo_db.session.remove()

    outcomes = at_once(2, decide)
    with app.app_context():
        decisions = demo_db.session.scalar(sa.select(sa.func.count()).select_from(
            StatementRecord).where(StatementRecord.verb_id.in_(
                [vocabulary.VERB_VERIFIED, vocabulary.VERB_REJECTED])))
    assert sorted(outcomes, key=str)[0] == "decided", outcomes
    assert "already" in str(sorted(outcomes, key=str)[1]), outcomes
    assert decisions == 1


# --- 6. The old import paths ------------------------------------------------------------------


@pytest.mark.parametrize(("old", "name", "home"), [
    ("cpd_tracker.accreditation", "judge", "cpd_tracker.engine.accreditation"),
    ("cpd_tracker.statements", "LearnerIdentity", "cpd_tracker.record.identities"),
    ("cpd_tracker.recording", "listeners", "cpd_tracker.projection"),
    ("cpd_tracker.reminders", "Due", "cpd_tracker.reminders.stages"),
    ("cpd_tracker.compliance", "format_date", "cpd_tracker.engine.words"),
])
def test_an_old_names_warning_names_its_new_home_as_the_changelog_does(
        old: str, name: str, home: str) -> None:
    """Before: the warning named the first new module that happened to import the name
    (``cpd_tracker.services.accreditation.judge``, which the changelog says no longer
    re-exports it), so a host following it moved to another path that may go."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning) as warned:
        found = getattr(module, name)
    assert f"{old}.{name} is now {home}.{name};" in str(warned[0].message)
    assert found is getattr(importlib.import_module(home), name)


@pytest.mark.parametrize("statement", [
    "from cpd_tracker.activities import officer_record",
    "from cpd_tracker.people import parse_day",
    "import cpd_tracker.views.api",
])
def test_under_w_error_an_old_path_fails_with_the_deprecation_warning(statement: str) -> None:
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", statement],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith(
        "DeprecationWarning: cpd_tracker."), done.stderr
    assert "is now cpd_tracker." in done.stderr.strip().splitlines()[-1]


# --- 2. CSRF on every POST of the library -----------------------------------------------------


#: A form that would be stored if only its token were right.
FORGED = {"submission_id": "4f7c1a52-3c1e-4b8e-9d9a-2f7b1e0c9a11", "title": "Forged",
          "activity_date": "2020-01-01", "hours": "1", "minutes": "0", "category": "formal",
          "what_happened": "Forged", "reflection": "Forged", "impact": "Forged"}


@pytest.mark.parametrize("csrf", ["before", "after", "none"])
def test_every_post_route_of_the_library_refuses_a_post_without_its_token(
        host: Callable[..., Flask], csrf: str) -> None:
    """With CSRFProtect set up before the tracker, after it, or not at all, no POST of the
    blueprint (listed from the url_map) does anything without the library's token."""
    from tests.test_extension import signed_in
    from xapi import StatementRecord

    app = host(WTF_CSRF_ENABLED=True)
    if csrf == "before":
        CSRFProtect(app)
    CPDTracker(app, db=app.extensions["test_db"], current_user=signed_in())
    if csrf == "after":
        CSRFProtect(app)
    client = app.test_client()
    assert client.get("/cpd/").status_code == 200  # the learner exists
    posts = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("cpd_tracker.") and "POST" in rule.methods]
    assert len(posts) >= 10
    for rule in posts:
        path = rule.build({name: 1 if "id" in name else "x" for name in rule.arguments})[1]
        answer = client.post(path, data=FORGED)
        assert answer.status_code in (400, 403, 404, 422) or (
            answer.status_code == 200 and "csrf" in answer.get_data(as_text=True).lower()), (
            rule.rule, answer.status_code)
    with app.app_context():
        assert app.extensions["test_db"].session.scalar(
            sa.select(sa.func.count()).select_from(StatementRecord)) == 0

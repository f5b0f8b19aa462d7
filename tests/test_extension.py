"""Embedding the extension: setting it up on a host's app, the host's hooks (who is signed in,
who they are, what they may do), the signals it sends and the templates a host can replace."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from cpd_tracker import CPDTracker, LearnerProfile, get_state, signals
from cpd_tracker.config import ConfigError
from cpd_tracker.demo.models import DemoUser
from cpd_tracker.demo.models import db as demo_db
from cpd_tracker.errors import Refused
from cpd_tracker.judging import standings
from cpd_tracker.marks import mark
from cpd_tracker.models import Activity, Learner, StandingMark
from cpd_tracker.permissions import LOG_OWN_CPD, VIEW_OWN_CPD
from cpd_tracker.record.identities import client_authority
from cpd_tracker.services.activities import ActivityEntry, log_activity
from tests.conftest import empty_tables
from tests.factories import logged, officer, sign_in
from xapi import create_client

HOME_PAGE = "https://learning.force.police.uk/"


@dataclass
class HostUser:
    """A host's user as the library sees it: an id, a name, an email, signed in or not."""

    username: str = "pshah"
    name: str = "DC Priya Shah"
    email: str | None = "pshah@force.example"
    is_authenticated: bool = True

    def get_id(self) -> str:
        return self.username


PRIYA = HostUser()


def signed_in(user: HostUser | None = PRIYA) -> Callable[[], HostUser | None]:
    """A ``current_user`` hook that always answers ``user``."""
    return lambda: user


def deny(user: Any, action: str, learner: Learner | None) -> bool:
    return False


@pytest.fixture
def db() -> SQLAlchemy:
    """The host's own Flask-SQLAlchemy extension, new for each test."""
    return SQLAlchemy()


MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app(migrated_url: str, db: SQLAlchemy) -> Iterator[MakeApp]:
    """Build minimal host apps on the test database (``db`` set up, the tracker not yet)."""
    apps: list[Flask] = []

    def make(template_folder: str | Path | None = None, **config: Any) -> Flask:
        app = Flask(__name__, template_folder=str(template_folder or "templates"))
        app.config.update(SECRET_KEY="not-secret", SQLALCHEMY_DATABASE_URI=migrated_url,
                          CPD_LMS_HOME_PAGE=HOME_PAGE, TESTING=True)
        app.config.update(config)
        db.init_app(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            empty_tables(db.engine)
            db.engine.dispose()


def learners(app: Flask, db: SQLAlchemy) -> list[Learner]:
    with app.app_context():
        found = db.session.scalars(sa.select(Learner).order_by(Learner.reference)).all()
        db.session.expunge_all()
        return list(found)


def templates(folder: Path, files: dict[str, str]) -> Path:
    """A host's template folder holding ``files``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


# Setting up


def test_constructing_with_an_app_registers_the_tracker_on_it(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db)
    assert app.extensions["cpd_tracker"] is get_state(app)
    assert get_state(app).db is db


def test_factory_pattern_sets_up_two_apps_each_with_its_own_state(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    tracker = CPDTracker(db=db, current_user=signed_in())
    force = make_app()
    academy = make_app(CPD_URL_PREFIX="/learning/cpd", CPD_MAX_HOURS_PER_DAY=10)

    tracker.init_app(force)
    tracker.init_app(academy)

    assert get_state(force) is not get_state(academy)
    assert get_state(force).settings.url_prefix == "/cpd"
    assert get_state(academy).settings.url_prefix == "/learning/cpd"
    assert get_state(force).settings.max_minutes_per_day == 24 * 60
    assert get_state(academy).settings.max_minutes_per_day == 10 * 60


def test_factory_pattern_serves_each_app_at_its_own_prefix(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    tracker = CPDTracker(db=db, current_user=signed_in())
    force, academy = make_app(), make_app(CPD_URL_PREFIX="/learning/cpd")
    tracker.init_app(force)
    tracker.init_app(academy)

    assert force.test_client().get("/cpd/").status_code == 200
    assert academy.test_client().get("/learning/cpd/").status_code == 200
    assert academy.test_client().get("/cpd/").status_code == 404


def test_db_may_be_given_to_init_app_instead_of_the_constructor(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker().init_app(app, db=db)
    assert get_state(app).db is db


def test_registering_twice_on_one_app_is_an_error(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    tracker = CPDTracker(app, db=db)
    with pytest.raises(RuntimeError, match="already registered on this app"):
        tracker.init_app(app)


def test_a_second_tracker_on_one_app_is_an_error(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db)
    with pytest.raises(RuntimeError, match="already registered on this app"):
        CPDTracker(app, db=db)


def test_setting_up_without_the_hosts_db_is_an_error_saying_how_to_pass_it(
        make_app: MakeApp) -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match=r"needs the host's Flask-SQLAlchemy extension"):
        CPDTracker(app)
    assert "cpd_tracker" not in app.extensions


@pytest.mark.parametrize("secret_key", [None, ""])
def test_setting_up_without_a_secret_key_is_an_error(
        make_app: MakeApp, db: SQLAlchemy, secret_key: str | None) -> None:
    app = make_app(SECRET_KEY=secret_key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        CPDTracker(app, db=db)


def test_setting_up_with_a_bad_config_key_is_an_error_naming_it(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFX="/learning/cpd")
    with pytest.raises(ConfigError, match="CPD_URL_PREFX"):
        CPDTracker(app, db=db)
    assert "cpd_tracker" not in app.extensions


def test_a_failed_set_up_can_be_retried_once_the_config_is_fixed(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_MAX_HOURS_PER_DAY=25)
    tracker = CPDTracker(db=db)
    with pytest.raises(ConfigError):
        tracker.init_app(app)
    app.config["CPD_MAX_HOURS_PER_DAY"] = 12
    tracker.init_app(app)
    assert get_state(app).settings.max_minutes_per_day == 12 * 60


def test_the_extension_object_keeps_no_reference_to_the_app(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    tracker = CPDTracker(app, db=db)
    assert not hasattr(tracker, "app")
    assert all(value is not app for value in vars(tracker).values())


def test_get_state_on_an_app_without_the_tracker_says_how_to_set_it_up(
        make_app: MakeApp) -> None:
    with pytest.raises(RuntimeError, match=r"CPDTracker\(app, db=db\)"):
        get_state(make_app())


# Where the pages are


def test_pages_are_served_under_the_configured_url_prefix(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFIX="/learning/cpd")
    CPDTracker(app, db=db, current_user=signed_in())
    client = app.test_client()
    assert client.get("/learning/cpd/").status_code == 200
    assert client.get("/learning/cpd/activities/new").status_code == 200
    assert client.get("/cpd/").status_code == 404


def test_a_signed_out_visitor_under_the_prefix_is_refused_with_401(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFIX="/learning/cpd")
    CPDTracker(app, db=db, current_user=signed_in(None))
    assert app.test_client().get("/learning/cpd/").status_code == 401


def test_a_signed_out_visitor_under_the_prefix_goes_to_the_hosts_login_view(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFIX="/learning/cpd")
    login_manager = LoginManager(app)
    login_manager.login_view = "sign_in"
    login_manager.user_loader(lambda user_id: None)
    app.add_url_rule("/sign-in", "sign_in", lambda: "Sign in")
    CPDTracker(app, db=db)

    response = app.test_client().get("/learning/cpd/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=%2Flearning%2Fcpd%2F")


def test_the_stylesheet_is_served_under_the_prefix(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFIX="/learning/cpd")
    CPDTracker(app, db=db, current_user=signed_in())
    client = app.test_client()
    page = client.get("/learning/cpd/").get_data(as_text=True)
    assert 'href="/learning/cpd/cpd-static/cpd_tracker/cpd.css"' in page
    response = client.get("/learning/cpd/cpd-static/cpd_tracker/cpd.css")
    assert response.status_code == 200
    response.close()


def test_the_stylesheet_is_served_when_mounted_at_the_root(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_URL_PREFIX="/")
    CPDTracker(app, db=db, current_user=signed_in())
    client = app.test_client()
    assert client.get("/").status_code == 200
    with app.test_request_context():
        from flask import url_for

        stylesheet = url_for("cpd_tracker.static", filename="cpd_tracker/cpd.css")
    response = client.get(stylesheet)
    assert response.status_code == 200
    response.close()


# Who is signed in


def test_without_login_manager_or_current_user_hook_a_page_fails_saying_what_to_set_up(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=True)
    CPDTracker(app, db=db)
    with pytest.raises(RuntimeError, match="needs to know who is signed in") as error:
        app.test_client().get("/cpd/")
    assert "LoginManager" in str(error.value)
    assert "current_user=" in str(error.value)
    assert "CPD_CURRENT_USER" in str(error.value)


def test_without_login_manager_or_current_user_hook_a_visitor_gets_a_500(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    CPDTracker(app, db=db)
    assert app.test_client().get("/cpd/").status_code == 500


def test_the_hosts_current_user_hook_decides_who_is_signed_in(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in())
    page = app.test_client().get("/cpd/")
    assert page.status_code == 200
    assert "DC Priya Shah" in page.get_data(as_text=True)


def test_a_learner_is_created_from_the_user_the_hook_returns(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in())
    app.test_client().get("/cpd/")
    [learner] = learners(app, db)
    assert (learner.reference, learner.name, learner.email) == (
        "pshah", "DC Priya Shah", "pshah@force.example")
    assert learner.fte == Decimal("1")


def test_the_hook_returning_none_gets_401_without_a_login_manager(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in(None))
    assert app.test_client().get("/cpd/").status_code == 401
    assert learners(app, db) == []


def test_a_user_who_is_not_authenticated_counts_as_signed_out(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in(HostUser(is_authenticated=False)))
    assert app.test_client().get("/cpd/").status_code == 401
    assert learners(app, db) == []


def test_current_user_hook_may_be_given_as_config(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_CURRENT_USER=signed_in())
    CPDTracker(app, db=db)
    assert app.test_client().get("/cpd/").status_code == 200
    assert [learner.reference for learner in learners(app, db)] == ["pshah"]


def test_current_user_hook_given_to_the_constructor_wins_over_config(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_CURRENT_USER=signed_in(HostUser("config-user", "Config User")))
    CPDTracker(app, db=db, current_user=signed_in())
    app.test_client().get("/cpd/")
    assert [learner.reference for learner in learners(app, db)] == ["pshah"]


# Who the learner is


def force_profile(user: HostUser) -> LearnerProfile:
    return LearnerProfile(reference=f"force-{user.get_id()}", name=user.name,
                          email=user.email, org_unit="Force Intelligence Bureau",
                          fte=Decimal("0.6"), joined_on=date(2015, 9, 1))


def test_the_hosts_learner_profile_hook_describes_the_learner(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in(), learner_profile=force_profile)
    app.test_client().get("/cpd/")
    [learner] = learners(app, db)
    assert learner.reference == "force-pshah"
    assert learner.org_unit == "Force Intelligence Bureau"
    assert learner.fte == Decimal("0.6")
    assert learner.joined_on == date(2015, 9, 1)


def test_learner_profile_hook_may_be_given_as_config(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_LEARNER_PROFILE=force_profile)
    CPDTracker(app, db=db, current_user=signed_in())
    app.test_client().get("/cpd/")
    assert [learner.org_unit for learner in learners(app, db)] == ["Force Intelligence Bureau"]


def test_a_learner_follows_changes_to_the_hosts_profile(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    user = HostUser()
    app = make_app()
    CPDTracker(app, db=db, current_user=lambda: user)
    client = app.test_client()
    client.get("/cpd/")

    user.name = "DS Priya Shah"
    client.get("/cpd/")

    assert [learner.name for learner in learners(app, db)] == ["DS Priya Shah"]


# What they may do


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/cpd/"),
    ("GET", "/cpd/activities/new"),
    ("POST", "/cpd/activities/new"),
])
def test_a_permissions_hook_answering_no_gets_403(
        make_app: MakeApp, db: SQLAlchemy, method: str, path: str) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in(), permissions=deny)
    assert app.test_client().open(path, method=method).status_code == 403


@pytest.mark.parametrize(("path", "action"), [
    ("/cpd/", VIEW_OWN_CPD),
    ("/cpd/activities/new", LOG_OWN_CPD),
])
def test_the_permissions_hook_is_asked_with_the_user_action_and_learner(
        make_app: MakeApp, db: SQLAlchemy, path: str, action: str) -> None:
    asked: list[tuple[Any, str, str | None]] = []

    def permissions(user: Any, action: str, learner: Learner | None) -> bool:
        asked.append((user, action, learner.reference if learner else None))
        return True

    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in(), permissions=permissions)
    assert app.test_client().get(path).status_code == 200
    assert asked == [(PRIYA, action, "pshah")]


def test_permissions_hook_may_be_given_as_config(make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_PERMISSIONS=deny)
    CPDTracker(app, db=db, current_user=signed_in())
    assert app.test_client().get("/cpd/").status_code == 403


def test_permissions_hook_given_to_the_constructor_wins_over_config(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    """Only the constructor's hook is asked, and its answer stands: not the config's hook, and
    not the default (which lets an officer see their own CPD)."""
    asked: list[str] = []

    def constructor_hook(user: Any, action: str, learner: Learner | None) -> bool:
        asked.append("constructor")
        return False

    def config_hook(user: Any, action: str, learner: Learner | None) -> bool:
        asked.append("config")
        return True

    app = make_app(CPD_PERMISSIONS=config_hook)
    CPDTracker(app, db=db, current_user=signed_in(), permissions=constructor_hook)
    assert app.test_client().get("/cpd/").status_code == 403
    assert asked == ["constructor"]


def test_a_hook_in_config_that_is_not_callable_is_refused_at_set_up(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_PERMISSIONS="myforce.cpd.permissions")
    with pytest.raises(ConfigError, match=r"CPD_PERMISSIONS: 'myforce\.cpd\.permissions': "
                                          "Input should be callable"):
        CPDTracker(app, db=db, current_user=signed_in())


# Signals


def test_logging_an_activity_sends_activity_logged_once_with_learner_and_activity(
        app: Flask) -> None:
    learner = officer(app)
    received: list[dict[str, Any]] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        received.append({"sender": sender, "learner_id": extra["learner"].id,
                         "activity_id": extra["activity"].id,
                         "statement_id": extra["statement"]["id"]})

    with signals.activity_logged.connected_to(receiver, app):
        activity = logged(app, learner, title="Debrief workshop")

    assert received == [{"sender": app, "learner_id": learner.id, "activity_id": activity.id,
                         "statement_id": activity.statement_id}]


def test_activity_logged_is_sent_once_the_activity_is_committed(app: Flask) -> None:
    learner = officer(app)
    committed: list[int] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        with demo_db.engine.connect() as other_connection:  # sees only committed rows
            committed.append(other_connection.scalar(
                sa.select(sa.func.count()).select_from(Activity)))

    with signals.activity_logged.connected_to(receiver, app):
        logged(app, learner)

    assert committed == [1]


def test_a_refused_activity_sends_no_signal(app: Flask) -> None:
    learner = officer(app)
    received: list[Any] = []
    with signals.activity_logged.connected_to(lambda sender, **extra: received.append(extra),
                                              app), pytest.raises(Refused):
        logged(app, learner, minutes=0)
    assert received == []


def demo_user(app: Flask, username: str = "jokafor") -> None:
    """A person in the host's user table with no learner record yet."""
    with app.app_context():
        demo_db.session.add(DemoUser(
            username=username, name="PC Jo Okafor", email=f"{username}@force.example",
            job_title="Response Officer", org_unit="Response", joined_on=date(2020, 1, 6)))
        demo_db.session.commit()
        demo_db.session.remove()


def test_learner_created_is_sent_for_a_new_learner_but_not_on_their_next_visit(
        app: Flask, client: FlaskClient) -> None:
    demo_user(app)
    sign_in(client, "jokafor")
    received: list[tuple[Flask, str]] = []

    def receiver(sender: Flask, **extra: Any) -> None:
        received.append((sender, extra["learner"].reference))

    with signals.learner_created.connected_to(receiver, app):
        assert client.get("/cpd/").status_code == 200
        assert client.get("/cpd/").status_code == 200

    assert received == [(app, "jokafor")]


# Templates


def test_a_host_template_replaces_the_librarys_page(
        make_app: MakeApp, db: SQLAlchemy, tmp_path: Path) -> None:
    folder = templates(tmp_path, {
        "cpd_tracker/my_cpd.html": "<h1>Our force's CPD page for {{ learner.name }}</h1>"})
    app = make_app(template_folder=folder)
    CPDTracker(app, db=db, current_user=signed_in())

    page = app.test_client().get("/cpd/").get_data(as_text=True)

    assert page == "<h1>Our force's CPD page for DC Priya Shah</h1>"


@pytest.mark.parametrize(("path", "title"), [
    ("/cpd/", "My CPD"),
    ("/cpd/activities/new", "Log CPD"),
])
def test_pages_sit_inside_the_layout_named_by_cpd_base_template(
        make_app: MakeApp, db: SQLAlchemy, tmp_path: Path, path: str, title: str) -> None:
    folder = templates(tmp_path, {"lms/layout.html": (
        "<title>{% block title %}{% endblock %} · Force Learning</title>"
        "<nav>Force Learning home</nav>{% block content %}{% endblock %}")})
    app = make_app(template_folder=folder, CPD_BASE_TEMPLATE="lms/layout.html")
    CPDTracker(app, db=db, current_user=signed_in())

    page = app.test_client().get(path).get_data(as_text=True)

    assert page.startswith(f"<title>{title} · Force Learning</title><nav>Force Learning home</nav>")
    assert f"<h1>{title}</h1>" in page


def test_without_cpd_base_template_pages_use_the_librarys_own_layout(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app()
    CPDTracker(app, db=db, current_user=signed_in())
    page = app.test_client().get("/cpd/").get_data(as_text=True)
    assert page.startswith("<!doctype html>")
    assert "<title>My CPD</title>" in page


# Setting up is all or nothing


@pytest.mark.parametrize("config", [
    {"CPD_LMS_HOME_PAGE": None},
    {"CPD_EVIDENCE_STORAGE": "a folder name, not an EvidenceStorage"},
    {"CPD_BASE_TEMPLATE": "lms/no-such-layout.html"},
], ids=["bad setting", "bad storage", "missing base template"])
def test_a_failed_set_up_leaves_nothing_of_the_library_on_the_app(
        make_app: MakeApp, db: SQLAlchemy, config: dict[str, Any]) -> None:
    app = make_app(**config)
    before = dict(app.config)
    with pytest.raises(ConfigError):
        CPDTracker(app, db=db)
    assert dict(app.config) == before  # not even the CPD_* defaults
    assert "cpd_tracker" not in app.extensions
    assert not [name for name in app.blueprints if name in ("cpd_tracker", "xapi")]
    assert "cpd" not in app.cli.commands
    assert not app.before_request_funcs


@pytest.mark.parametrize(("key", "value", "words"), [
    ("MAIL_USE_TLS", "maybe", "'maybe': not yes or no"),
    ("MAIL_USE_SSL", 2, "2: not yes or no"),
    ("MAIL_TIMEOUT", "x", "'x': not a number of seconds from 1 to 600"),
    ("MAIL_TIMEOUT", float("inf"), "inf: not a number of seconds"),
])
def test_a_mail_setting_of_the_wrong_kind_is_an_error_naming_it(
        make_app: MakeApp, db: SQLAlchemy, key: str, value: Any, words: str) -> None:
    app = make_app(MAIL_SERVER="127.0.0.1", CPD_MAIL_SENDER="cpd@force.example", **{key: value})
    with pytest.raises(ConfigError, match=rf"{key}: {re.escape(words)}"):
        CPDTracker(app, db=db)


@pytest.mark.parametrize(("value", "tls"), [("false", False), ("False", False), ("0", False),
                                            ("true", True), ("1", True), (True, True),
                                            (None, False)])
def test_mail_yes_and_no_read_from_the_environment_mean_what_they_say(
        make_app: MakeApp, db: SQLAlchemy, value: Any, tls: bool) -> None:
    """MAIL_USE_TLS="false" from an environment variable is no (it counted as yes)."""
    app = make_app(MAIL_SERVER="127.0.0.1", CPD_MAIL_SENDER="cpd@force.example",
                   MAIL_USE_TLS=value)
    CPDTracker(app, db=db)
    with app.app_context():
        assert get_state().mail.use_tls is tls


def test_a_base_template_the_app_cannot_find_is_an_error_naming_it(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(CPD_BASE_TEMPLATE="lms/layout.html")
    with pytest.raises(ConfigError, match=r"CPD_BASE_TEMPLATE: 'lms/layout.html': the app has "
                                          r"no template 'lms/layout.html'"):
        CPDTracker(app, db=db)


def test_a_base_template_without_the_content_block_is_an_error_naming_the_block(
        make_app: MakeApp, db: SQLAlchemy, tmp_path: Path) -> None:
    folder = templates(tmp_path, {"lms/layout.html": "<title>{% block title %}{% endblock %}"
                                                      "</title><main></main>"})
    app = make_app(template_folder=folder, CPD_BASE_TEMPLATE="lms/layout.html")
    with pytest.raises(ConfigError, match=r"CPD_BASE_TEMPLATE: 'lms/layout.html': it does not "
                                          r"define the block\(s\) \{% block content %\}"):
        CPDTracker(app, db=db)


def test_a_base_template_may_take_its_blocks_from_the_layout_it_extends(
        make_app: MakeApp, db: SQLAlchemy, tmp_path: Path) -> None:
    folder = templates(tmp_path, {
        "lms/base.html": "<title>{% block title %}{% endblock %}</title>"
                         "<main>{% block content %}{% endblock %}</main>",
        "lms/cpd.html": "{% extends 'lms/base.html' %}"})
    app = make_app(template_folder=folder, CPD_BASE_TEMPLATE="lms/cpd.html")
    CPDTracker(app, db=db, current_user=signed_in())
    page = app.test_client().get("/cpd/").get_data(as_text=True)
    assert page.startswith("<title>My CPD</title><main>")


def test_a_base_template_in_a_blueprint_registered_first_is_found(
        make_app: MakeApp, db: SQLAlchemy, tmp_path: Path) -> None:
    folder = templates(tmp_path / "theme", {
        "theme/layout.html": "{% block title %}{% endblock %}|{% block content %}{% endblock %}"})
    app = make_app(CPD_BASE_TEMPLATE="theme/layout.html")
    app.register_blueprint(Blueprint("theme", __name__, template_folder=str(folder)))
    CPDTracker(app, db=db, current_user=signed_in())
    assert app.test_client().get("/cpd/").get_data(as_text=True).startswith("My CPD|")


# CSRF: LRS clients need none; the library's own forms check theirs with or without CSRFProtect


STATEMENT = {
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@force.example"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
    "object": {"id": "https://lms.force.example/courses/osint"},
}


def lrs_headers(app: Flask, db: SQLAlchemy) -> dict[str, str]:
    """Credentials of a new LRS client of ``app``, as the headers a client sends."""
    with app.app_context():
        _, secret = create_client(db.session, "force-lms", secret="force-lms-secret",
                                  authority=client_authority(get_state(app).settings, "lms"))
        db.session.commit()
    token = base64.b64encode(f"force-lms:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


@pytest.mark.parametrize("csrf_first", [True, False], ids=["CSRFProtect first",
                                                          "CPDTracker first"])
def test_the_lrs_takes_statements_whichever_of_csrfprotect_and_the_tracker_comes_first(
        make_app: MakeApp, db: SQLAlchemy, csrf_first: bool) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    if csrf_first:
        CSRFProtect(app)
        CPDTracker(app, db=db, current_user=signed_in())
    else:
        CPDTracker(app, db=db, current_user=signed_in())
        CSRFProtect(app)

    answer = app.test_client().post("/xapi/statements", json=STATEMENT,
                                    headers=lrs_headers(app, db))

    assert answer.status_code == 200, answer.get_data(as_text=True)


@pytest.mark.parametrize("csrf_first", [True, False])
def test_the_hosts_csrfprotect_still_guards_the_hosts_own_forms(
        make_app: MakeApp, db: SQLAlchemy, csrf_first: bool) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    app.add_url_rule("/host-form", "host_form", lambda: "saved", methods=["POST"])
    if csrf_first:
        CSRFProtect(app)
    CPDTracker(app, db=db, current_user=signed_in())
    if not csrf_first:
        CSRFProtect(app)
    assert app.test_client().post("/host-form", data={"x": "1"}).status_code == 400


def logged_activity(app: Flask, db: SQLAlchemy) -> int:
    """An activity of the signed-in officer's, logged through the service."""
    with app.test_request_context():
        state = get_state(app)
        learner = state.learner_for(PRIYA)
        activity = log_activity(db.session, state.settings, learner, ActivityEntry(
            title="OSINT refresher", activity_date=state.today(), minutes=90,
            category="formal"), today=state.today())
        return activity.id


def test_without_csrfprotect_the_librarys_pages_carry_a_token_and_its_forms_demand_it(
        make_app: MakeApp, db: SQLAlchemy) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    CPDTracker(app, db=db, current_user=signed_in())
    activity_id = logged_activity(app, db)
    client = app.test_client()

    page = client.get(f"/cpd/activities/{activity_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    without = client.post(f"/cpd/activities/{activity_id}/withdraw")
    still = client.get(f"/cpd/activities/{activity_id}").status_code
    withdrawn = client.post(f"/cpd/activities/{activity_id}/withdraw",
                            data={"csrf_token": token.group(1) if token else ""})

    assert page.status_code == 200 and token is not None
    assert (without.status_code, still) == (400, 200)
    assert withdrawn.status_code == 302
    assert client.get(f"/cpd/activities/{activity_id}").status_code == 404


# Transactions: reads never commit work of the host's


def pending_host_work(app: Flask, *, flushed: bool) -> DemoUser:
    """A user the host has added to the session and not committed (flushed, or not yet)."""
    user = DemoUser(username="host-pending", name="Host's pending row", email="x@example.org",
                    job_title="-", org_unit="-", joined_on=date(2020, 1, 1))
    demo_db.session.add(user)
    if flushed:
        demo_db.session.flush()
    return user


def host_row_saved(app: Flask) -> bool:
    with app.app_context():
        return demo_db.session.scalar(sa.select(sa.func.count()).select_from(DemoUser).where(
            DemoUser.username == "host-pending")) == 1


def learner_saved(app: Flask, reference: str) -> bool:
    with app.app_context():
        return demo_db.session.scalar(sa.select(sa.func.count()).select_from(Learner).where(
            Learner.reference == reference)) == 1


@pytest.mark.parametrize("flushed", [False, True], ids=["added", "flushed"])
def test_a_new_learner_read_from_the_profile_does_not_commit_the_hosts_pending_work(
        app: Flask, flushed: bool) -> None:
    with app.test_request_context():
        pending_host_work(app, flushed=flushed)
        get_state(app).learner_for(HostUser("newcomer", "PC New Comer"))
        demo_db.session.rollback()  # the host changes its mind

    assert not host_row_saved(app)
    assert not learner_saved(app, "newcomer")  # it went with the host's transaction


def test_with_nothing_of_the_hosts_pending_a_new_learner_is_committed_at_once(
        app: Flask) -> None:
    with app.test_request_context():
        get_state(app).learner_for(HostUser("newcomer", "PC New Comer"))
        demo_db.session.rollback()
    assert learner_saved(app, "newcomer")


@pytest.mark.parametrize("pending", [False, True], ids=["nothing pending", "host's work pending"])
def test_refreshing_the_standings_commits_only_when_nothing_of_the_hosts_is_pending(
        app: Flask, pending: bool) -> None:
    with app.test_request_context():
        state = get_state(app)
        mark(demo_db.session, [state.learner_for(PRIYA).id])
        demo_db.session.commit()
        marked = demo_db.session.scalar(sa.select(sa.func.count()).select_from(StandingMark))
        if pending:
            pending_host_work(app, flushed=True)
        standings.refresh(demo_db.session, state.settings, today=state.today())
        demo_db.session.rollback()
        marks_left = demo_db.session.scalar(sa.select(sa.func.count()).select_from(StandingMark))

    assert not host_row_saved(app)
    # Judged and cleared for good when it could commit; otherwise undone with the host's work.
    assert marked and marks_left == (marked if pending else 0)


@pytest.mark.parametrize(("config", "message"), [
    ({"MAIL_SERVER": "smtp.force.example"},
     r"CPD_MAIL_SENDER: 'CPD_MAIL_SENDER' is required here, as MAIL_SERVER is set"),
    ({"MAIL_SERVER": "smtp.force.example", "CPD_MAIL_SENDER": "cpd@force.example",
      "MAIL_PORT": "smtp"}, r"MAIL_PORT: 'smtp': not a port number"),
    ({"CPD_EVIDENCE_STORAGE": "/srv/evidence"},
     r"CPD_EVIDENCE_STORAGE: '/srv/evidence' is not an EvidenceStorage"),
])
def test_mail_and_storage_settings_that_cannot_work_are_refused_at_set_up_naming_the_key(
        make_app: MakeApp, db: SQLAlchemy, config: dict[str, Any], message: str) -> None:
    app = make_app(**config)
    with pytest.raises(ConfigError, match=message):
        CPDTracker(app, db=db)
    assert "cpd_tracker" not in app.extensions

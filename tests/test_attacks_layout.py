"""Hostile tests of the promises of the reorganised release (CHANGELOG "Unreleased", the
embedding guide): setting the extension up with settings that cannot work, CSRF on every POST,
reads that never commit the host's work, first visits and decisions at the same moment, the old
import paths, and query arguments that are not what a page expects.

Each test states a promise; it fails if the promise is broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from cpd_tracker import CPDTracker
from cpd_tracker.config import ConfigError

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
        LoginManager(app)
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

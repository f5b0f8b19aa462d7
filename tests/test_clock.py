"""``CPD_CLOCK``: every "today" and "now" of the library comes from one clock the host sets.

A force's date is the day in the force's time zone; a statement's timestamp is the moment, in
UTC, to the second. With the clock set, nothing reads the server's calendar, so a test (or a
rehearsal of a deadline) can stand on any day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import aniso8601
import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.config import ConfigError
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Learner
from cpd_tracker.services.activities import withdraw_activity
from tests.conftest import empty_tables
from tests.factories import logged, officer
from xapi import VOIDED_VERB, StatementRecord

#: 23:30 on 31 March in UTC is already 1 April in London (summer time).
LATE_EVENING = datetime(2031, 3, 31, 23, 30, tzinfo=timezone.utc)


@pytest.fixture
def clocked(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(migrated_url, config={
        "TESTING": True, "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence"),
        "CPD_CLOCK": lambda: LATE_EVENING})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def test_today_is_the_clocks_day_in_the_forces_time_zone(clocked: Flask) -> None:
    assert get_state(clocked).today() == date(2031, 4, 1)
    assert get_state(clocked).settings.now() == LATE_EVENING


def test_an_activity_is_judged_against_the_clocks_today_not_the_servers(clocked: Flask) -> None:
    learner = officer(clocked)
    activity = logged(clocked, learner, days_ago=0)  # 1 April 2031: years ahead of the server
    assert activity.activity_date == date(2031, 4, 1)
    with pytest.raises(Refused, match="2 Apr 2031 is in the future"):
        logged(clocked, learner, days_ago=-1)


def test_what_the_library_records_is_stamped_with_the_clocks_moment(clocked: Flask) -> None:
    learner = officer(clocked)
    activity = logged(clocked, learner)
    with clocked.test_request_context():
        state = get_state(clocked)
        withdraw_activity(db.session, state.settings, db.session.get(Learner, learner.id),
                          db.session.get(Activity, activity.id))
        [void] = db.session.scalars(sa.select(StatementRecord.document)
                                    .where(StatementRecord.verb_id == VOIDED_VERB)).all()
    assert aniso8601.parse_datetime(void["timestamp"]) == LATE_EVENING


def test_a_clock_that_is_not_callable_is_refused_at_set_up(migrated_url: str) -> None:
    with pytest.raises(ConfigError, match="CPD_CLOCK: '2031-04-01' is not callable"):
        create_app(migrated_url, config={"CPD_CLOCK": "2031-04-01"})

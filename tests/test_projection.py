"""The CPD read model is derived: voiding removes an activity, and a rebuild from the statements
gives exactly what the incremental projection built."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.models import Activity, activity_role
from cpd_tracker.projection import activities as projection
from tests.factories import logged, officer
from xapi import StatementStore


def snapshot(app: Flask) -> list[tuple[object, ...]]:
    with app.app_context():
        activities = db.session.execute(sa.select(
            Activity.statement_id, Activity.learner_id, Activity.activity_date, Activity.minutes,
            Activity.title, Activity.category, Activity.reflection, Activity.link,
            Activity.verification, Activity.recorded_at).order_by(Activity.statement_id)).all()
        roles = db.session.execute(
            sa.select(Activity.statement_id, activity_role.c.role_id)
            .join(activity_role, activity_role.c.activity_id == Activity.id)
            .order_by(Activity.statement_id, activity_role.c.role_id)).all()
        db.session.remove()
    return [tuple(row) for row in activities] + [tuple(row) for row in roles]


def void(app: Flask, statement_id: str) -> None:
    with app.app_context():
        state = get_state(app)
        store = StatementStore(db.session, [projection.ActivityProjection(state.settings)])
        original = store.get(statement_id)
        store.add({
            "actor": original["actor"],
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided",
                     "display": {"en-GB": "voided"}},
            "object": {"objectType": "StatementRef", "id": statement_id},
        }, authority=original["actor"])
        db.session.commit()


def test_voiding_a_statement_removes_its_activity(app: Flask) -> None:
    learner = officer(app)
    kept = logged(app, learner, title="Kept")
    gone = logged(app, learner, title="Entered by mistake")
    void(app, gone.statement_id)
    with app.app_context():
        titles = db.session.scalars(sa.select(Activity.title)).all()
        assert StatementStore(db.session).get_voided(gone.statement_id) is not None
    assert titles == [kept.title]


def test_voiding_leaves_no_role_links_behind(app: Flask) -> None:
    learner = officer(app)
    gone = logged(app, learner, title="Entered by mistake")
    void(app, gone.statement_id)
    with app.app_context():
        left = db.session.scalar(sa.select(sa.func.count()).select_from(activity_role))
    assert left == 0


def test_rebuild_equals_the_incremental_projection(app: Flask) -> None:
    priya = officer(app)
    tom = officer(app, "tbarker", name="Tom Barker",
                  roles=("intelligence-analyst",))
    for days, minutes in ((1, 60), (3, 90), (40, 240), (200, 30)):
        logged(app, priya, minutes=minutes, days_ago=days, reflection=f"day {days}")
        logged(app, tom, minutes=minutes + 5, days_ago=days, link="https://example.org/x")
    voided = logged(app, tom, title="Mistake", days_ago=2)
    void(app, voided.statement_id)
    incremental = snapshot(app)

    with app.app_context():
        count = projection.rebuild(db.session, get_state(app).settings)
        db.session.commit()
    assert count == 8
    assert snapshot(app) == incremental


def test_rebuild_command_reports_what_it_did(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner)
    result = app.test_cli_runner().invoke(args=["cpd", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 1 logged CPD activities, 0 credited from LMS statements" in result.output
    assert len(snapshot(app)) == 2  # one activity, one role link

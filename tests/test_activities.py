"""Logging CPD through the service: statement and projection land together or not at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aniso8601
import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import frameworks, get_state, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Learner
from cpd_tracker.projection.activities import ActivityProjection
from cpd_tracker.queries.activities import officer_record
from cpd_tracker.services.activities import ActivityEntry, log_activity
from tests.factories import (
    counts,
    framework,
    framework_text,
    logged,
    officer,
    shipped_edited,
    sign_in,
    today,
)
from xapi import StatementStore


def test_activity_is_a_statement_and_its_projection(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, title="Debrief workshop", minutes=150, days_ago=3,
                      reflection="Better questions.", link="https://example.org/debrief")
    with app.app_context():
        statement = StatementStore(db.session).get(activity.statement_id)
        row = db.session.get(Activity, activity.id)
        assert statement is not None
        assert statement["verb"]["id"] == vocabulary.VERB_LOGGED
        assert statement["actor"]["account"]["name"] == "pshah"
        assert statement["authority"]["account"]["name"] == "pshah"
        assert (row.title, row.minutes, row.category) == ("Debrief workshop", 150, "formal")
        assert row.activity_date == today(app) - timedelta(days=3)
        assert row.reflection == "Better questions."
        assert row.link == "https://example.org/debrief"
        assert [role.code for role in row.roles] == ["intelligence-officer"]


def test_statement_is_not_kept_when_its_projection_fails(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    learner = officer(app)

    def broken(self: ActivityProjection, session: object, statement: object) -> None:
        raise RuntimeError("projection failed half-way")

    monkeypatch.setattr(ActivityProjection, "statement_stored", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        logged(app, learner)
    assert counts(app) == (0, 0)


def test_rules_are_enforced_by_the_service_not_only_the_form(app: Flask) -> None:
    learner = officer(app, joined_days_ago=10)
    with app.app_context():
        state = get_state(app)
        attached = db.session.get(Learner, learner.id)
        entry = ActivityEntry(title="", activity_date=today(app) - timedelta(days=11),
                              minutes=0, category="nonsense", link="ftp://x")
        with pytest.raises(Refused) as rejected:
            log_activity(db.session, state.settings, attached, entry, today=today(app))
    assert set(rejected.value.errors) == {"title", "activity_date", "duration", "category",
                                          "link"}
    assert counts(app) == (0, 0)


def test_activity_counts_only_for_roles_held_on_its_date(app: Flask) -> None:
    learner = officer(app, roles=("intelligence-analyst",))
    with app.app_context():
        from cpd_tracker.record.learners import assign_role

        attached = db.session.get(Learner, learner.id)
        assign_role(db.session, attached, "intelligence-officer",
                    started_on=today(app) - timedelta(days=5))
        db.session.commit()
    before = logged(app, learner, title="Before promotion", days_ago=10)
    after = logged(app, learner, title="After promotion", days_ago=1)
    with app.app_context():
        roles = {a.title: sorted(r.code for r in a.roles)
                 for a in db.session.scalars(sa.select(Activity))}
    assert roles[before.title] == ["intelligence-analyst"]
    assert roles[after.title] == ["intelligence-analyst", "intelligence-officer"]


def test_officer_record_judges_each_role_with_its_hours(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner, minutes=90, days_ago=0)
    logged(app, learner, minutes=45, days_ago=1)
    with app.app_context():
        state = get_state(app)
        record = officer_record(db.session, state.settings,
                                db.session.get(Learner, learner.id), today=today(app))
    [standing] = record.standings
    hours = standing.judgement.rules[0]
    assert (standing.role_code, hours.summary) == ("intelligence-officer", "2 h 15 m of 20 h")
    assert len(record.activities) == 2


def gphc_with_timeless_reflections(app: Flask, tmp_path: Path) -> None:
    """The GPhC file, its reflective accounts declared as not a length of time."""
    shipped_edited(app, tmp_path, "gphc-revalidation", "    name: Reflective account\n",
                   "    name: Reflective account\n    duration: false\n")


def test_a_record_that_is_not_a_length_of_time_is_logged_without_one(
        app: Flask, tmp_path: Path) -> None:
    """A reflective account is not a duration: people no longer invent 30 minutes for it."""
    gphc_with_timeless_reflections(app, tmp_path)
    learner = officer(app, roles=("gphc-registrant",))
    with app.app_context():
        state = get_state(app)
        attached = db.session.get(Learner, learner.id)
        account = log_activity(db.session, state.settings, attached, ActivityEntry(
            title="Reflective account: a difficult consultation", minutes=0,
            activity_date=today(app) - timedelta(days=2), category="self-directed",
            kind="reflective-account", reflection="What I would do differently."),
            today=today(app))
        with pytest.raises(Refused) as refused:  # any other kind still takes time
            log_activity(db.session, state.settings, attached, ActivityEntry(
                title="Peer discussion", minutes=0, kind="peer-discussion",
                activity_date=today(app) - timedelta(days=2), category="self-directed"),
                today=today(app))
        stored = StatementStore(db.session).get(account.statement_id)
        db.session.remove()

    assert account.minutes == 0
    assert aniso8601.parse_duration(stored["result"]["duration"]).total_seconds() == 0
    assert list(refused.value.errors) == ["duration"]
    assert refused.value.errors["duration"] == (
        "The duration must be more than zero. Only a record that is not a length of time "
        "(reflective account) may have none.")
    assert counts(app) == (1, 1)


OWN_CATEGORIES = """\
framework: force-coaching
title: Coaching accreditation
categories:
  - {code: coaching-practice, name: Supervised coaching practice}
versions:
  - version: "2024"
    effective_from: 2024-01-01
    roles:
      - code: coach
        name: Workplace coach
        cycle: {type: fixed, start: "01-01"}
        rules:
          - {type: hours, hours: 10, category: coaching-practice}
"""


def test_a_framework_declares_its_own_categories_and_its_holders_log_in_them(
        app: Flask, tmp_path: Path) -> None:
    """The force's CPD_CATEGORIES need not be edited first for a framework's rules."""
    framework_text(app, tmp_path, OWN_CATEGORIES)
    coach = officer(app, "acoach", name="Sgt Ali Coach", roles=("coach",))
    outsider = officer(app, "pshah", roles=())

    logged(app, coach, title="Coaching session", minutes=120, category="coaching-practice")
    with app.app_context():
        state = get_state(app)
        with pytest.raises(Refused) as refused:
            log_activity(db.session, state.settings, db.session.get(Learner, outsider.id),
                         ActivityEntry(title="Coaching", minutes=60,
                                       activity_date=today(app) - timedelta(days=1),
                                       category="coaching-practice"), today=today(app))
        [standing] = officer_record(db.session, state.settings,
                                    db.session.get(Learner, coach.id), today=today(app)).standings
        db.session.remove()

    assert list(refused.value.errors) == ["category"]  # not one of the outsider's roles'
    assert standing.judgement.rules[0].rule.label == "Supervised coaching practice hours"
    assert standing.judgement.rules[0].summary == "2 h of 10 h"
    client = app.test_client()
    sign_in(client, "acoach")
    form = client.get("/cpd/activities/new").get_data(as_text=True)
    assert '<option value="coaching-practice">Supervised coaching practice</option>' in form
    assert "<td>Supervised coaching practice</td>" in client.get("/cpd/").get_data(as_text=True)


def test_a_kind_is_without_duration_only_if_every_framework_of_ones_roles_says_so(
        app: Flask) -> None:
    """The attack: IPP's reflective account takes time, the College model's does not; someone
    holding both roles could log a 0-minute one that counted towards IPP."""
    framework(app, "ipp-example")
    framework(app, "college-cpd")
    both = officer(app, roles=("intelligence-officer", "police-officer-or-staff"))
    college_only = officer(app, "tbarker", name="DC Tom Barker",
                           roles=("police-officer-or-staff",))
    with app.app_context():
        assert frameworks.kinds_without_duration(
            db.session, ["intelligence-officer", "police-officer-or-staff"]) == set()
        assert frameworks.kinds_without_duration(
            db.session, ["police-officer-or-staff"]) == {"reflective-account"}
        state = get_state(app)
        with pytest.raises(Refused) as refused:
            log_activity(db.session, state.settings, db.session.get(Learner, both.id),
                         ActivityEntry(title="Reflection", minutes=0, kind="reflective-account",
                                       activity_date=today(app) - timedelta(days=1),
                                       category="self-directed", reflection="Learned."),
                         today=today(app))
        log_activity(db.session, state.settings, db.session.get(Learner, college_only.id),
                     ActivityEntry(title="Reflection", minutes=0, kind="reflective-account",
                                   activity_date=today(app) - timedelta(days=1),
                                   category="self-directed", reflection="Learned."),
                     today=today(app))
        db.session.remove()
    assert list(refused.value.errors) == ["duration"]

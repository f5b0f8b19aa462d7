"""Corrections never overwrite: a corrected activity is a new statement that voids the old one,
the history shows every version, and evidence follows the activity from version to version."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Learner
from cpd_tracker.queries import history
from cpd_tracker.services.activities import (
    ActivityEntry,
    correct_activity,
    withdraw_activity,
)
from tests.factories import logged, officer, today
from tests.test_evidence import PDF, attach, decide
from xapi import StatementRecord, StatementStore


def entry_of(app: Flask, activity: Activity, **changes) -> ActivityEntry:
    return replace(ActivityEntry(
        title=activity.title, activity_date=activity.activity_date, minutes=activity.minutes,
        category=activity.category, reflection=activity.reflection), **changes)


def correct(app: Flask, learner: Learner, activity: Activity, **changes) -> Activity:
    with app.app_context():
        state = get_state(app)
        corrected = correct_activity(db.session, state.settings,
                                     db.session.get(Learner, learner.id),
                                     db.session.get(Activity, activity.id),
                                     entry_of(app, activity, **changes), today=today(app))
        db.session.expunge_all()
        return corrected


def test_a_correction_voids_the_old_statement_and_records_a_new_one(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, minutes=60)

    corrected = correct(app, learner, activity, minutes=90, title="OSINT refresher, day 2")

    assert corrected.statement_id != activity.statement_id
    assert corrected.activity_iri == activity.activity_iri
    assert corrected.minutes == 90
    with app.app_context():
        store = StatementStore(db.session)
        assert store.get(activity.statement_id) is None
        assert store.get_voided(activity.statement_id)["result"]["duration"] == "PT01H00M00S"
        new = store.get(corrected.statement_id)
        assert new["context"]["statement"] == {"objectType": "StatementRef",
                                               "id": activity.statement_id}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord)) == 3


def test_the_corrected_day_does_not_count_the_old_version_twice(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, minutes=20 * 60)
    corrected = correct(app, learner, activity, minutes=22 * 60)
    assert corrected.minutes == 22 * 60


def test_a_correction_is_checked_like_a_new_entry(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    with pytest.raises(Refused) as rejected:
        correct(app, learner, activity, activity_date=today(app) + timedelta(days=2))
    assert "activity_date" in rejected.value.errors


def test_evidence_follows_the_activity_to_its_corrected_version(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    attach(app, learner, activity)

    corrected = correct(app, learner, activity, title="New title")

    assert corrected.verification == "awaiting"


def test_what_verified_evidence_proves_cannot_be_changed_but_the_words_can(
        app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, minutes=60)
    decide(app, attach(app, learner, activity, content=PDF), True)
    with app.app_context():
        activity = db.session.get(Activity, activity.id)
        db.session.expunge_all()

    with pytest.raises(Refused, match="verified this activity"):
        correct(app, learner, activity, minutes=600)
    reworded = correct(app, learner, activity, reflection="Clearer reflection")
    assert (reworded.verification, reworded.reflection) == ("verified", "Clearer reflection")


def test_nobody_corrects_someone_elses_activity(app: Flask) -> None:
    priya = officer(app)
    tom = officer(app, "tbarker", name="Tom Barker")
    with pytest.raises(Refused, match="your own"):
        correct(app, tom, logged(app, priya), minutes=5)


def test_withdrawing_voids_the_statement_and_the_activity_stops_counting(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    with app.app_context():
        withdraw_activity(db.session, get_state(app).settings,
                          db.session.get(Learner, learner.id),
                          db.session.get(Activity, activity.id))
        assert db.session.get(Activity, activity.id) is None
        assert StatementStore(db.session).get_voided(activity.statement_id) is not None


def test_history_shows_every_version_who_changed_it_and_what_was_voided(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, minutes=60)
    second = correct(app, learner, activity, minutes=90)
    item = attach(app, learner, second)
    decide(app, item, False, comment="Unreadable scan")
    third = correct(app, learner, second, title="OSINT refresher (corrected)")

    with app.app_context():
        owner, entries = history.activity_history(db.session, get_state(app).settings,
                                                  activity.activity_iri)

    assert owner == "pshah"
    kinds = [(entry.kind, entry.voided) for entry in entries]
    assert kinds == [("logged", True), ("corrected", True), ("voided", False),
                     ("evidence", False), ("rejected", False), ("corrected", False),
                     ("voided", False)]
    first, fix = entries[0], entries[1]
    assert first.voided_by == "DC Priya Shah" and first.voided_at is not None
    assert fix.changes == ["duration"]
    assert entries[5].changes == ["title"] and entries[5].statement_id == third.statement_id
    assert entries[4].comment == "Unreadable scan" and entries[4].by == "DI Mark Evans"


def test_a_persons_history_lists_everything_by_or_about_them_newest_first(
        app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    correct(app, learner, activity, minutes=30)

    with app.app_context():
        found = history.record_history(db.session, get_state(app).settings,
                                       db.session.get(Learner, learner.id))
        entries, total = found.items, found.total

    assert total == 3
    assert [entry.kind for entry in entries] == ["voided", "corrected", "logged"][:len(entries)]
    assert entries[-1].voided

"""Factories: people and CPD arranged the way the library's users would create them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker import frameworks, get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.models import Activity, Framework, Learner
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services.activities import ActivityEntry, log_activity
from xapi import StatementRecord

INTELLIGENCE_OFFICER = "intelligence-officer"


def framework(app: Flask, name: str = "ipp-example") -> None:
    """Load a shipped framework (once per database), as `flask cpd frameworks load` would."""
    load_framework(app, frameworks.shipped(name))


def load_framework(app: Flask, path: Path) -> None:
    """Load a framework file, as `flask cpd frameworks load FILE` would."""
    with app.app_context():
        state = get_state(app)
        frameworks.load_file(db.session, path,
                             categories=[code for code, _ in state.settings.categories],
                             today=today(app))
        db.session.commit()
        db.session.remove()


def framework_text(app: Flask, folder: Path, text: str, name: str = "framework.yaml") -> None:
    """Write a framework file of the test's own into ``folder`` and load it."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    load_framework(app, path)


def shipped_edited(app: Flask, folder: Path, name: str, old: str, new: str) -> None:
    """Load a shipped framework with one edit (its first ``old`` made ``new``)."""
    text = frameworks.shipped(name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    framework_text(app, folder, text.replace(old, new, 1), f"{name}-edited.yaml")


def today(app: Flask) -> date:
    return get_state(app).today()


def officer(app: Flask, username: str = "pshah", *, name: str = "DC Priya Shah",
            roles: tuple[str, ...] = (INTELLIGENCE_OFFICER,),
            joined_days_ago: int = 2000, fte: str = "1") -> Learner:
    """A host user with a learner record holding ``roles`` (of the loaded frameworks; the IPP
    example is loaded if none is) since they joined."""
    with app.app_context():
        if roles and db.session.scalar(sa.select(sa.func.count()).select_from(Framework)) == 0:
            framework(app)
        joined = today(app) - timedelta(days=joined_days_ago)
        user = DemoUser(username=username, name=name, email=f"{username}@force.example",
                        job_title="Intelligence Officer", org_unit="Force Intelligence Bureau",
                        fte=Decimal(fte), joined_on=joined)
        db.session.add(user)
        db.session.commit()
        learner = get_state(app).learner_for(user)
        for code in roles:
            assign_role(db.session, learner, code, started_on=joined)
        db.session.commit()
        learner_id = learner.id
        db.session.remove()
    return _learner(app, learner_id)


def _learner(app: Flask, learner_id: int) -> Learner:
    with app.app_context():
        learner = db.session.get(Learner, learner_id)
        db.session.expunge_all()
        return learner


def logged(app: Flask, learner: Learner, *, title: str = "OSINT refresher", minutes: int = 90,
           days_ago: int = 1, category: str = "formal", **kwargs: Any) -> Activity:
    """Log an activity through the service, as the form would."""
    with app.app_context():
        state = get_state(app)
        attached = db.session.get(Learner, learner.id)
        activity = log_activity(db.session, state.settings, attached, ActivityEntry(
            title=title, activity_date=today(app) - timedelta(days=days_ago), minutes=minutes,
            category=category, **kwargs), today=today(app))
        db.session.expunge_all()
        return activity


def counts(app: Flask) -> tuple[int, int]:
    """(statements, activities) stored: to prove that nothing was written."""
    with app.app_context():
        statements = db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord))
        activities = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        db.session.remove()
        return statements, activities


def sign_in(client: FlaskClient, username: str) -> None:
    """Sign in the way Flask-Login remembers a user (the demo's sign-in page is tested apart)."""
    with client.session_transaction() as session:
        session["_user_id"] = username
        session["_fresh"] = True


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a rendered form (CSRF token, submission id)."""
    import re

    return dict(re.findall(r'<input[^>]*?name="(csrf_token|submission_id)"[^>]*?value="([^"]*)"',
                           html))

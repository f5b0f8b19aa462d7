"""A small force LMS that embeds cpd-tracker: the demo, and a worked example of embedding.

``python -m cpd_tracker.demo`` upgrades and seeds the database, then serves it; ``flask --app
cpd_tracker.demo ...`` runs commands against the same database (``CPD_DEMO_DATABASE_URL``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask.cli import AppGroup
from flask_login import LoginManager, login_required, login_user, logout_user
from flask_wtf import CSRFProtect, FlaskForm
from werkzeug import Response

from cpd_tracker import CPDTracker
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.demo.seed import prepare
from cpd_tracker.permissions import Access, LeadScope

DEFAULT_DATABASE = "cpd-demo.sqlite"


def database_url(explicit: str | None = None) -> str:
    """The demo database: the argument, else ``CPD_DEMO_DATABASE_URL``, else a local file."""
    url = explicit or os.environ.get("CPD_DEMO_DATABASE_URL")
    return url or f"sqlite:///{Path(DEFAULT_DATABASE).resolve()}"


def create_app(database: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    """The demo force LMS with cpd-tracker mounted at ``/cpd/``."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("CPD_DEMO_SECRET_KEY", "demo-only-not-secret"),
        SQLALCHEMY_DATABASE_URI=database_url(database),
        CPD_LMS_HOME_PAGE="https://learning.demo-force.police.uk/",
        CPD_BASE_TEMPLATE="demo/layout.html",
        CPD_URL_PREFIX="/cpd",
        # Evidence files beside the database file, not inside the installed package.
        CPD_EVIDENCE_FOLDER=os.environ.get("CPD_DEMO_EVIDENCE_FOLDER",
                                           str(Path("cpd-demo-evidence").resolve())),
        # Flask-Mail's keys: with MAIL_SERVER set, reminders are sent there; without, they
        # are kept in the reminder log (the demo's outbox).
        MAIL_SERVER=os.environ.get("MAIL_SERVER"),
        MAIL_PORT=int(os.environ.get("MAIL_PORT") or 25),
        CPD_MAIL_SENDER="CPD records <cpd-records@demo-force.police.uk>",
    )
    app.config.update(config or {})
    db.init_app(app)
    CSRFProtect(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "sign_in"
    login_manager.login_message = "Sign in to see your CPD."
    login_manager.user_loader(
        lambda username: db.session.scalar(db.select(DemoUser).filter_by(username=username))
    )
    CPDTracker(app, db=db, access=demo_access, leads=demo_leads)
    _routes(app)
    app.cli.add_command(demo_cli)
    return app


#: Who leads whom in the demo force (a real LMS would read this from its own roles).
LEAD_SCOPES = {"mevans": (LeadScope("force"),)}


def demo_access(user: DemoUser) -> Access:
    """The demo's ``access`` hook: DI Mark Evans is the force's IPP accreditation lead."""
    return Access(reference=user.get_id(), lead_scopes=LEAD_SCOPES.get(user.get_id(), ()))


def demo_leads() -> list[DemoUser]:
    """The demo's ``leads`` hook: the users with lead scopes, who get escalations."""
    return list(db.session.scalars(db.select(DemoUser).where(
        DemoUser.username.in_(list(LEAD_SCOPES)))))


def _routes(app: Flask) -> None:
    @app.get("/")
    def home() -> str:
        return render_template("demo/home.html")

    @app.route("/sign-in", methods=["GET", "POST"])
    def sign_in() -> str | Response:
        form = FlaskForm()
        people = db.session.scalars(db.select(DemoUser).order_by(DemoUser.name)).all()
        if form.validate_on_submit():
            user = db.session.scalar(db.select(DemoUser).filter_by(
                username=request.form.get("username", "")))
            if user is not None:
                login_user(user)
                flash(f"Signed in as {user.name}.")
                return redirect(_safe_next(request.args.get("next")) or url_for("home"))
        return render_template("demo/sign_in.html", form=form, people=people)

    @app.post("/sign-out")
    @login_required
    def sign_out() -> Response:
        logout_user()
        return redirect(url_for("home"))



def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a sign-in to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


demo_cli = AppGroup("demo", help="The demo force: seed it with believable people and CPD.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Create the tables and seed an empty demo database (does nothing if already seeded)."""

    created = prepare(current_app)
    click.echo("Seeded the demo force." if created else "The demo database is already seeded.")

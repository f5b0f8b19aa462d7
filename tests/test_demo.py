"""The demo force LMS, as DESIGN.md's public contract describes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker.demo import create_app, database_url
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.demo.seed import PEOPLE, prepare
from cpd_tracker.models import Activity, Learner, Role
from tests.conftest import empty_tables, new_database
from tests.factories import form_fields


def test_create_app_reads_the_database_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
    monkeypatch.setenv("CPD_DEMO_DATABASE_URL", url)
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == url


def test_default_database_is_a_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPD_DEMO_DATABASE_URL", raising=False)
    assert database_url().endswith("/cpd-demo.sqlite")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo as first seeded, once for the tests that only look at it, on a database of its
    own (seeding takes seconds)."""
    with new_database(tmp_path_factory.mktemp("demo")) as url:
        app = create_app(url, config={
            "TESTING": True,
            "CPD_EVIDENCE_FOLDER": str(tmp_path_factory.mktemp("demo-evidence"))})
        assert prepare(app) is True
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def freshly_seeded(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo seeded for one test that changes it, emptied afterwards."""
    app = create_app(migrated_url, config={"TESTING": True,
                                           "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence")})
    assert prepare(app) is True
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def test_seed_is_a_small_believable_force(seeded) -> None:
    with seeded.app_context():
        learners = db.session.scalars(sa.select(Learner)).all()
        roles = {role.code for role in db.session.scalars(sa.select(Role))}
        part_timers = [learner for learner in learners if learner.fte < 1]
        units = {learner.org_unit for learner in learners}
        activities = dict(db.session.execute(
            sa.select(Learner.reference, sa.func.count()).join(Activity)
            .group_by(Learner.reference)).all())
    assert len(learners) == len(PEOPLE)
    # The IPP example's roles, and people in several of them.
    assert roles == {"intelligence-officer", "intelligence-analyst", "intelligence-researcher",
                     "intelligence-support-officer"}
    assert {code for person in PEOPLE for code in person.roles} == roles
    assert part_timers and len(units) >= 2
    # Each person's CPD as listed; Helen Morris and Mark Evans also have their earlier cycles'
    # (their accreditations stand on them).
    history = {"hmorris", "mevans"}
    assert {ref: count for ref, count in activities.items() if ref not in history} == {
        person.username: len(person.activities) for person in PEOPLE
        if person.activities and person.username not in history}
    for person in PEOPLE:
        if person.username in history:
            assert activities[person.username] > len(person.activities)


def test_seeding_again_adds_nothing(seeded) -> None:
    assert prepare(seeded) is False
    result = seeded.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0
    assert "already seeded" in result.output
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DemoUser)) == len(PEOPLE)


def test_demo_seed_command_seeds_an_empty_database(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Seeded the demo force." in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == len(PEOPLE)
        db.engine.dispose()


def test_cpd_db_upgrade_command_creates_the_tables(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["cpd", "db", "upgrade"])
    again = runner.invoke(args=["cpd", "db", "upgrade"])
    current = runner.invoke(args=["cpd", "db", "current"])
    assert "upgraded from nothing to" in first.output
    assert "up to date" in again.output
    assert "(up to date)" in current.output
    with app.app_context():
        assert "cpd_activity" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_every_cpd_command_has_help(app) -> None:
    runner = app.test_cli_runner()
    for command in (["cpd"], ["cpd", "db"], ["cpd", "db", "upgrade"], ["cpd", "db", "downgrade"],
                    ["cpd", "db", "current"], ["cpd", "rebuild"], ["demo", "seed"],
                    ["cpd", "frameworks"], ["cpd", "frameworks", "load"],
                    ["cpd", "frameworks", "list"], ["cpd", "compliance"], ["cpd", "exempt"],
                    ["cpd", "extend"], ["cpd", "absence"]):
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, command


def test_demo_sign_in_then_my_cpd_shows_seeded_progress(seeded) -> None:
    client: FlaskClient = seeded.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in as DC Priya Shah" in page
    response = client.post("/sign-in?next=/cpd/",
                           data={**form_fields(page), "username": "pshah"})
    assert response.headers["Location"] == "/cpd/"
    my_cpd = client.get("/cpd/").get_data(as_text=True)
    assert "Intelligence Officer" in my_cpd
    assert "14 h 30 m of 20 h" in my_cpd


def test_seeded_force_shows_every_status(seeded) -> None:
    """The demo's people between them show every status, so every page has something real."""
    result = seeded.test_cli_runner().invoke(args=["cpd", "compliance", "--format", "json"])
    assert result.exit_code == 0, result.output
    statuses = {person["status"] for person in json.loads(result.output)["people"]}
    assert statuses == {"compliant", "on-track", "at-risk", "non-compliant", "exempt"}


def test_seeded_accreditations_show_each_state_and_a_renewal_waits_for_the_lead(
        seeded) -> None:
    from cpd_tracker import get_state
    from cpd_tracker.judging import accreditation
    from cpd_tracker.models import Renewal

    with seeded.app_context():
        state = get_state(seeded)
        found = {standing.reference: standing.judgement for standing in accreditation.standings(
            db.session, state.settings, as_of=state.today())}
        renewals = db.session.scalars(sa.select(Renewal)).all()
        assert {reference: judged.status.value for reference, judged in found.items()} == {
            "hmorris": "renewal-due", "pshah": "accredited", "glewis": "lapsed",
            "akhan": "working-towards", "mevans": "renewal-due"}
        assert found["glewis"].decided  # the lapse job's decision, not only the dates
        assert 0 < found["hmorris"].days_to_expiry <= 30
        assert [(renewal.learner.reference, renewal.status) for renewal in renewals] == [
            ("hmorris", "pending")]
        # Every cycle since Helen Morris's accreditation was met, so nothing but the lead's
        # decision stands between her and renewal.
        needs = accreditation.renewal_needs(db.session, state.settings, renewals[0].learner,
                                            "ipp-example", today=state.today())
        assert needs.cycles and all(cycle.met for cycle in needs.cycles if cycle.finished)
        assert needs.missing == () and needs.evidence_met
    client: FlaskClient = seeded.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    client.post("/sign-in", data={**form_fields(page), "username": "mevans"})
    queue = client.get("/cpd/verification").get_data(as_text=True)
    assert f'data-kind="renewal" data-id="{renewals[0].id}"' in queue


def test_remind_on_a_freshly_seeded_demo_delivers_real_mail(
        freshly_seeded: Flask, migrated_url: str) -> None:
    """As the README says: point MAIL_SERVER/MAIL_PORT at an SMTP server, run `cpd remind`."""
    from cpd_tracker import get_state
    from cpd_tracker.reminders.digest import digest_day
    from tests.smtp_server import SMTPServer

    server = SMTPServer().start()
    try:
        app = create_app(migrated_url, config={"TESTING": True, "MAIL_SERVER": server.host,
                                               "MAIL_PORT": server.port})
        result = app.test_cli_runner().invoke(args=["cpd", "remind"])
        again = app.test_cli_runner().invoke(args=["cpd", "remind"])
        with app.app_context():
            db.engine.dispose()
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    messages = server.mailbox.messages
    to = {str(message["To"]) for message in messages}
    # Mark Evans's renewal (and Gareth Lewis's lapse, escalated to him as his line manager and
    # lead) in one message; Gareth Lewis's shortfall and lapse in another.
    assert to == {"DI Mark Evans <mevans@demo-force.police.uk>",
                  "DC Gareth Lewis <glewis@demo-force.police.uk>"}
    assert len(messages) == 2
    # Monday to Thursday (the digest day and its catch-up days), his weekly digest as well.
    with app.app_context():
        digest = digest_day(get_state(app).today(), 0, 3) is not None
    assert f"sent {5 if digest else 4} in 2 message(s)" in result.output
    assert "sent 0 in 0 message(s)" in again.output
    [lewis] = server.mailbox.to("glewis@")
    text = lewis.get_body(("plain",)).get_content()
    assert "Intelligence Officer CPD: due on" in text and "CPD hours:" in text
    assert "https://learning.demo-force.police.uk/cpd/activities/new" in text


def test_sign_in_never_redirects_to_another_site(seeded) -> None:
    client: FlaskClient = seeded.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in?next=//evil.example/",
                           data={**form_fields(page), "username": "pshah"})
    assert response.headers["Location"] == "/"


def test_a_second_demo_on_a_port_in_use_stops_before_seeding_or_scheduling(
        tmp_path: Path) -> None:
    """Started twice by mistake, the second demo says how to pick another port and exits
    without touching the database or starting a second scheduler."""
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        database = tmp_path / "second.sqlite"
        run = subprocess.run(
            [sys.executable, "-m", "cpd_tracker.demo", "--port", str(port),
             "--database-url", f"sqlite:///{database}"],
            capture_output=True, text=True, timeout=120, check=False)

    assert run.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in run.stderr
    assert f"scripts/demo --port {port + 1}" in run.stderr
    assert "Scheduler on" not in run.stdout and "Seeded" not in run.stdout
    assert not database.exists() or database.stat().st_size == 0

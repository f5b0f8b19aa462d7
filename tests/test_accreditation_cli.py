"""``flask cpd accreditation ...``: listing accreditations and recording lapses by hand.

Arranged through the services, as officers and leads would, with the shipped IPP example (three
years, renewal due 90 days before expiry, lapsed the day after, a missed CPD cycle lapses it).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from cpd_tracker import get_state, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.models import Accreditation, Learner
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import accreditation, allowances
from tests.factories import officer, today
from xapi import StatementStore

SCHEME = "ipp-example"
LEAD = Lead("jlead", "Insp Jo Lead")


def cpd(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["cpd", *args])


def accredited(app: Flask, username: str, name: str, on: date) -> Learner:
    learner = officer(app, username, name=name, joined_days_ago=3000)
    with app.app_context():
        accreditation.record_accreditation(
            db.session, get_state(app).settings, db.session.get(Learner, learner.id), SCHEME,
            status="accredited", accredited_on=on, submission_id="form")
        db.session.remove()
    return learner


def exempt_last_cycles(app: Flask, learner: Learner, *days: date) -> None:
    """Exempt the cycles containing ``days``, so only the dates can lapse the accreditation."""
    with app.app_context():
        for day in days:
            allowances.grant_exemption(db.session, get_state(app).settings, LEAD,
                                       db.session.get(Learner, learner.id),
                                       "intelligence-officer", on=day, reason="Seconded.")
        db.session.remove()


def lapses_recorded(app: Flask) -> int:
    with app.app_context():
        found = len(list(StatementStore(db.session).statements(
            verb=vocabulary.VERB_CHANGED_ACCREDITATION)))
        db.session.remove()
    return found


@pytest.fixture
def expired(app: Flask) -> Learner:
    """DC Priya Shah, accredited 10 May 2023: expired 9 May 2026, exempt from the cycles
    before, so she lapses on 10 May 2026 for the dates alone."""
    learner = accredited(app, "pshah", "DC Priya Shah", date(2023, 5, 10))
    exempt_last_cycles(app, learner, date(2024, 10, 1), date(2025, 10, 1))
    return learner


def test_lapse_dry_run_says_who_would_lapse_and_why_and_records_nothing(
        app: Flask, expired: Learner) -> None:
    result = cpd(app, "accreditation", "lapse", "--as-of", "2026-05-10", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Would lapse: DC Priya Shah (pshah), IPP accreditation: The accreditation expired on "
        "9 May 2026 and was not renewed before then.",
        "1 would lapse on 10 May 2026; nothing was recorded (dry run).",
    ]
    assert lapses_recorded(app) == 0


def test_lapse_records_the_lapse_and_says_who_lapsed(app: Flask, expired: Learner) -> None:
    result = cpd(app, "accreditation", "lapse", "--as-of", "2026-05-10")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Lapsed: DC Priya Shah (pshah), IPP accreditation: The accreditation expired on "
        "9 May 2026 and was not renewed before then.",
        "1 lapsed on 10 May 2026.",
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(Accreditation.decided_status)) == "lapsed"
        db.session.remove()


def test_lapse_run_again_lapses_nobody(app: Flask, expired: Learner) -> None:
    cpd(app, "accreditation", "lapse", "--as-of", "2026-05-10")

    result = cpd(app, "accreditation", "lapse", "--as-of", "2026-05-11")

    assert result.exit_code == 0, result.output
    assert result.output == "No accreditation is due to lapse on 11 May 2026.\n"
    assert lapses_recorded(app) == 1


def test_lapse_on_the_expiry_day_lapses_nobody(app: Flask, expired: Learner) -> None:
    result = cpd(app, "accreditation", "lapse", "--as-of", "2026-05-09")

    assert result.output == "No accreditation is due to lapse on 9 May 2026.\n"


def test_lapse_without_a_date_judges_today(app: Flask) -> None:
    accredited(app, "pshah", "DC Priya Shah", today(app) - timedelta(days=5))

    result = cpd(app, "accreditation", "lapse")

    assert result.output == f"No accreditation is due to lapse on {today(app):%-d %b %Y}.\n"


def test_list_shows_each_accreditation_with_its_status_expiry_and_reason(
        app: Flask, expired: Learner) -> None:
    officer(app, "sjones", name="DS Sam Jones", joined_days_ago=3000)
    with app.app_context():
        accreditation.record_accreditation(
            db.session, get_state(app).settings, db.session.scalar(
                sa.select(Learner).where(Learner.reference == "sjones")), SCHEME,
            status="working-towards", submission_id="form")
        db.session.remove()

    result = cpd(app, "accreditation", "list", "--as-of", "2026-03-01")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "pshah\tDC Priya Shah\tipp-example\trenewal-due\texpires 9 May 2026\tRenewal due: the "
        "accreditation expires on 9 May 2026 (in 69 days); submit your renewal before then.",
        "sjones\tDS Sam Jones\tipp-example\tworking-towards\t-\tWorking towards IPP "
        "accreditation: no accreditation is recorded yet.",
    ]


def test_list_of_a_scheme_with_nothing_recorded_says_so(app: Flask) -> None:
    officer(app)

    result = cpd(app, "accreditation", "list", "--scheme", SCHEME)

    assert result.exit_code == 0, result.output
    assert result.output == "No accreditations are recorded in ipp-example.\n"


def test_list_with_an_unknown_scheme_is_refused_naming_the_schemes(app: Flask) -> None:
    officer(app)

    result = cpd(app, "accreditation", "list", "--scheme", "ipp")

    assert result.exit_code != 0
    assert "--scheme 'ipp' is not an accreditation scheme; the schemes are: ipp-example." in (
        result.output)


def test_a_lapse_date_that_is_not_a_date_is_refused(app: Flask) -> None:
    result = cpd(app, "accreditation", "lapse", "--as-of", "10/05/2026")

    assert result.exit_code == 2
    assert "'10/05/2026' does not match the format '%Y-%m-%d'" in result.output


@pytest.mark.parametrize("command", [("accreditation",), ("accreditation", "lapse"),
                                     ("accreditation", "list")])
def test_every_accreditation_command_has_help(app: Flask, command: tuple[str, ...]) -> None:
    result = cpd(app, *command, "--help")

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_rebuild_gives_back_the_accreditations_and_says_how_many_statements(
        app: Flask, expired: Learner) -> None:
    cpd(app, "accreditation", "lapse", "--as-of", "2026-05-10")

    result = cpd(app, "rebuild")

    assert result.exit_code == 0, result.output
    assert ("Rebuilt accreditations and renewals from 2 accreditation statements (records, "
            "renewals, leads' decisions and lapses).") in result.output
    with app.app_context():
        kept = db.session.scalar(sa.select(Accreditation))
        assert (kept.accredited_on, kept.decided_status) == (date(2023, 5, 10), "lapsed")
        db.session.remove()

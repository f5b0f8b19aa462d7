"""Hostile tests of cycle outcomes, framework keys and allowances (attack17)."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import frameworks, get_state, projection, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.errors import Refused
from cpd_tracker.frameworks import FrameworkInvalid
from cpd_tracker.judging.outcomes import cycles_to_close
from cpd_tracker.models import Activity, CycleOutcome, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.cycle_statements import CycleJudgedBuilder
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import identity
from cpd_tracker.services import importing, outcomes
from tests.factories import framework, officer, today
from tests.lrs_server import lrs_client
from tests.test_cycle_outcomes import close
from xapi import StatementRecord

OFFICER = "intelligence-officer"
JOINED = date(2020, 1, 1)


def person(app: Flask, username: str = "pshah", name: str = "Priya Shah") -> Learner:
    return officer(app, username, name=name, joined_days_ago=(today(app) - JOINED).days)


def recorded(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.execute(sa.select(
            Learner.reference, CycleOutcome.cycle_start, CycleOutcome.outcome,
            CycleOutcome.judged_by)
            .join(Learner, Learner.id == CycleOutcome.learner_id)
            .order_by(Learner.reference, CycleOutcome.cycle_start)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def statements_of_cycles(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord).where(
            StatementRecord.verb_id == vocabulary.VERB_JUDGED_CYCLE))
        db.session.remove()
    return count


def lrs_post(app: Flask, statement: dict[str, Any]) -> int:
    lms = lrs_client(app, "force-lms")
    reply = app.test_client().post("/xapi/statements", data=json.dumps(statement), headers={
        "Authorization": lms.authorization, "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json"})
    return reply.status_code


@pytest.mark.parametrize("copy", [False, True], ids=["other-content", "same-content"])
def test_a_statement_sent_first_under_the_id_of_a_cycles_outcome_blocks_nothing(
        app: Flask, copy: bool) -> None:
    """The id the daily job gives a cycle's outcome is a UUID5 of the force's namespace and
    the cycle, so an LRS client can work it out and store a statement of its own under it
    first: with other content it refused the library's (and the whole batch, every run);
    with the same content the library's was taken as stored but never projected."""
    priya = person(app)
    person(app, "glewis", "Gareth Lewis")
    with app.app_context():
        settings = get_state(app).settings
        [facts] = [ended.facts for ended in cycles_to_close(db.session, settings,
                                                             today=date(2026, 4, 1))
                   if (ended.learner_id, ended.facts.cycle_start) == (priya.id,
                                                                      date(2025, 4, 1))]
        expected = CycleJudgedBuilder(settings).build(
            None, identity(db.session.get(Learner, priya.id)), facts,
            reason="Judged by cpd-tracker when the cycle's due date passed.",
            at=outcomes.closed_at(settings, date(2026, 3, 31)))
        db.session.remove()
    forged = dict(expected) if copy else {
        "id": expected["id"],
        "actor": {"objectType": "Agent", "name": "x", "mbox": "mailto:x@force.example"},
        "verb": {"id": vocabulary.VERB_JUDGED_CYCLE, "display": {"en-GB": "judged"}},
        "object": {"objectType": "Agent", "name": "p", "mbox": "mailto:pshah@force.example"},
    }
    assert lrs_post(app, forged) == 200

    first = close(app, date(2026, 4, 1))

    starts = {(ref, start) for ref, start, *_ in recorded(app)}
    assert {("pshah", date(2025, 4, 1)), ("glewis", date(2025, 4, 1))} <= starts
    assert first.already == 0
    assert close(app, date(2026, 4, 2)).recorded == []
    assert statements_of_cycles(app) == len(recorded(app)) + 1  # theirs, and one per cycle


def test_runs_at_once_neither_crash_nor_duplicate_and_between_them_record_everything(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two schedulers (and a hand run) by mistake: the one that meets a cycle another stored
    a moment before counts it as recorded meanwhile and carries on (it crashed with a
    unique-key error, losing what it had left of its run)."""
    for number in range(6):
        person(app, f"officer{number}", f"Officer {number}")
    monkeypatch.setattr(outcomes, "BATCH", 7)
    reports: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        try:
            reports.append(close(app, date(2026, 4, 1)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = recorded(app)
    assert len(rows) == len({(row[0], row[1]) for row in rows})
    assert statements_of_cycles(app) == len(rows)
    assert {(ended.reference, ended.facts.cycle_start) for report in reports
            for ended in report.recorded} == {(row[0], row[1]) for row in rows}
    assert close(app, date(2026, 4, 1)).recorded == []


# --- Framework files ------------------------------------------------------------------------


def _deadline_file(cycle: str, days: int) -> str:
    return ("framework: probe\ntitle: Probe\nversions:\n  - version: \"1\"\n"
            "    effective_from: 2019-01-01\n    roles:\n      - code: prober\n"
            f"        name: Prober\n        cycle: {cycle}\n"
            f"        submit_days_before_end: {days}\n"
            "        rules:\n          - {type: hours, hours: 10}\n")


@pytest.mark.parametrize("cycle", ['{type: fixed, start: "04-01"}',
                                   "{type: anniversary, of: appointment}"])
def test_a_submission_deadline_before_the_cycle_begins_is_refused_with_its_line(
        cycle: str) -> None:
    """365 days before the end of a 365-day cycle is the day before it begins: it loaded, and
    every cycle was due (missed) before its first day, judged non-compliant throughout and
    never given an outcome by the daily job."""
    with pytest.raises(FrameworkInvalid) as refused:
        frameworks.parse(_deadline_file(cycle, 365), categories=["formal"], source="f.yaml")

    [error] = refused.value.errors
    assert (error.line, error.field) == (10, "versions[0].roles[0].submit_days_before_end")
    assert "before the cycle begins" in error.problem


@pytest.mark.parametrize(("cycle", "days"), [('{type: fixed, start: "04-01"}', 364),
                                             ("{type: fixed, start: 2023-04-01, years: 3}", 365)])
def test_a_submission_deadline_inside_the_cycle_loads(cycle: str, days: int) -> None:
    frameworks.parse(_deadline_file(cycle, days), categories=["formal"], source="f.yaml")


# --- Records without hours ----------------------------------------------------------------


def test_a_reflective_account_with_no_duration_is_imported_as_the_form_takes_it(
        app: Flask) -> None:
    """The officer's form logs a kind with ``duration: false`` with no time at all; the bulk
    import, which promises the form's rules, refused every such row as "no time at all", so a
    force could not import the reflections its scheme asks for. Other kinds still need time."""
    framework(app)
    framework(app, "college-cpd")
    officer(app, "pshah", roles=("police-officer-or-staff",))
    officer(app, "glewis", name="Gareth Lewis")  # an intelligence officer only
    lead = Access("mevans", lead_scopes=(LeadScope("force"),))
    officer(app, "mevans", name="DS Megan Evans", roles=())
    on = (today(app) - timedelta(days=3)).isoformat()
    header = "reference,title,activity_date,hours,category,kind\r\n"

    def imported(*rows: str) -> Any:
        with app.app_context():
            importer = db.session.scalar(sa.select(Learner).filter_by(reference="mevans"))
            report = importing.run(db.session, get_state(app).settings, lead, importer,
                                   (header + "\r\n".join(rows) + "\r\n").encode(),
                                   today=today(app))
            db.session.remove()
        return report

    refused = imported(f"pshah,Reading,{on},0:00,formal,learning-activity",
                       f"glewis,Reflection,{on},0,formal,reflective-account")
    assert [(p.row, p.column) for p in refused.problems] == [(2, "hours"), (3, "hours")]
    assert "'0:00' is no time at all" in refused.problems[0].message
    assert "(reflective account) may have none" in refused.problems[0].message
    assert "'0' is no time at all" in refused.problems[1].message

    report = imported(f"pshah,Reflection on a stop search,{on},0,formal,reflective-account")

    assert (report.problems, report.imported) == ((), 1)
    with app.app_context():
        assert db.session.scalars(sa.select(Activity.minutes)).all() == [0]
        db.session.remove()


@pytest.mark.parametrize("reason", ["Register checked\x00", "Checked \x1b[2J again"])
def test_a_reason_with_a_control_character_is_refused_and_records_nothing(
        app: Flask, reason: str) -> None:
    """A NUL in the reason crashed PostgreSQL's insert (a DataError, not a refusal); other
    control characters were stored into the record and its exports."""
    priya = person(app)
    close(app, date(2026, 4, 1))
    before = statements_of_cycles(app)

    with app.app_context(), pytest.raises(Refused) as refused:
        outcomes.judge_again(db.session, get_state(app).settings, Lead("jlead", "Insp Jo Lead"),
                             db.session.get(Learner, priya.id), OFFICER, date(2025, 4, 1),
                             reason=reason)

    assert list(refused.value.errors) == ["reason"]
    assert "control character" in refused.value.errors["reason"]
    assert statements_of_cycles(app) == before


def test_markup_in_a_reason_is_kept_as_text_and_a_rebuild_gives_the_outcomes_back(
        app: Flask) -> None:
    priya = person(app)
    close(app, date(2026, 4, 1))
    reason = "<script>alert(1)</script> \u202eevil\nsecond line"
    with app.app_context():
        outcomes.judge_again(db.session, get_state(app).settings, Lead("jlead", "Insp Jo Lead"),
                             db.session.get(Learner, priya.id), OFFICER, date(2025, 4, 1),
                             reason=reason)
        db.session.remove()
    before = recorded(app)
    with app.app_context():
        projection.rebuild(db.session, get_state(app).settings)
        db.session.commit()
        assert db.session.scalar(sa.select(CycleOutcome.reason).where(
            CycleOutcome.cycle_start == date(2025, 4, 1))) == reason
        db.session.remove()
    assert recorded(app) == before

"""Bulk import of CPD from a CSV file: the dry run lists every problem, the real run stores the
whole file or nothing, and the same file imported twice adds nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import Activity, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.services import importing
from cpd_tracker.services.activities import withdraw_activity
from cpd_tracker.services.import_file import COLUMNS, template_csv
from cpd_tracker.services.importing import ImportReport
from tests.factories import counts, logged, officer, today
from tests.test_activities import gphc_with_timeless_reflections
from xapi import StatementRecord

HEADER = "reference,title,activity_date,hours,category"
#: A lead of the whole force, who imports.
LEAD = Access("mevans", lead_scopes=(LeadScope("force"),))


def day(app: Flask, days_ago: int = 1) -> str:
    return (today(app) - timedelta(days=days_ago)).isoformat()


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def lead(app: Flask, access: Access = LEAD) -> Learner:
    """The importing lead's own learner record (they hold no role themselves)."""
    return officer(app, access.reference, name="DS Megan Evans", roles=())


def check(app: Flask, data: bytes, access: Access = LEAD, **kwargs: int) -> ImportReport:
    with app.app_context():
        report = importing.check(db.session, get_state(app).settings, access, data,
                                 today=today(app), **kwargs)
        db.session.remove()
        return report


def run(app: Flask, data: bytes, access: Access = LEAD) -> ImportReport:
    with app.app_context():
        importer = db.session.scalar(sa.select(Learner).filter_by(reference=access.reference))
        report = importing.run(db.session, get_state(app).settings, access, importer, data,
                               today=today(app))
        db.session.remove()
        return report


def where(report: ImportReport) -> set[tuple[int | None, str | None]]:
    return {(problem.row, problem.column) for problem in report.problems}


def message(report: ImportReport, row: int | None, column: str | None) -> str:
    [found] = [p.message for p in report.problems if (p.row, p.column) == (row, column)]
    return found


def activities(app: Flask, reference: str = "pshah") -> list[tuple[str, date, int, str]]:
    with app.app_context():
        found = [(a.title, a.activity_date, a.minutes, a.category) for a in db.session.scalars(
            sa.select(Activity).join(Learner).where(Learner.reference == reference)
            .order_by(Activity.activity_date, Activity.title))]
        db.session.remove()
        return found


def test_dry_run_lists_every_rows_problems_with_row_and_column(app: Flask) -> None:
    officer(app)
    lead(app)
    data = csv_file(f"pshah,OSINT workshop,{day(app)},2,formal",
                    f"pshah,Debrief,{day(app)},lots,formal",
                    "pshah,Case review,yesterday,1,nonsense")
    report = check(app, data)
    assert where(report) == {(3, "hours"), (4, "activity_date"), (4, "category")}
    assert "'lots' is not a number of hours" in message(report, 3, "hours")
    assert "1.5" in message(report, 3, "hours") and "1:30" in message(report, 3, "hours")
    assert "'yesterday' is not a date" in message(report, 4, "activity_date")
    assert "'nonsense' is not a CPD category" in message(report, 4, "category")
    assert "formal, work-based" in message(report, 4, "category")
    assert (report.rows, report.ready, report.imported) == (3, 1, 0)
    assert str(report.problems[0]).startswith("Row 3, hours: ")
    assert counts(app) == (0, 0)


def test_file_with_several_kinds_of_error_is_reported_whole_and_import_writes_nothing(
        app: Flask) -> None:
    officer(app)
    lead(app)
    logged(app, officer(app, "tbarker", name="DC Tom Barker"), title="Already mine")
    before = counts(app)
    future = (today(app) + timedelta(days=3)).isoformat()
    data = csv_file(
        f"pshah,Fine row,{day(app)},1,formal,,",
        f"nobody,Unknown person,{day(app)},1,formal,,",
        f"pshah,From the future,{future},1,formal,,",
        f"pshah,Bad link,{day(app)},1,formal,ftp://files.example,",
        f"pshah,=HYPERLINK(\"http://evil.example\"),{day(app)},1,formal,,",
        f"pshah,Fine row,{day(app)},1,formal,,",
        f"pshah,Group work,{day(app)},1,formal,,maybe",
        header=HEADER + ",link,participatory")
    report = run(app, data)
    assert where(report) == {(3, "reference"), (4, "activity_date"), (5, "link"),
                             (6, "title"), (7, None), (8, "participatory")}
    assert not report.ok and report.imported == 0
    assert "'nobody'" in message(report, 3, "reference")
    assert "'ftp://files.example'" in message(report, 5, "link")
    assert "Repeats row 2" in message(report, 7, None)
    assert "nothing was imported" in report.summary()
    assert counts(app) == before


def test_file_not_in_utf8_is_refused_naming_the_line_and_csv_utf8(app: Flask) -> None:
    officer(app)
    lead(app)
    text = "\r\n".join([HEADER, f"pshah,Caf\u00e9 briefing \u2013 MoPI,{day(app)},1,formal"])
    report = check(app, text.encode("cp1252"))
    [problem] = report.problems
    assert (problem.row, problem.column) == (None, None)
    assert "not UTF-8" in problem.message and "line 2" in problem.message
    assert "0xe9" in problem.message and "CSV UTF-8" in problem.message
    assert report.rows == 0


def test_file_saved_with_a_byte_order_mark_is_accepted(app: Flask) -> None:
    officer(app)
    lead(app)
    data = "\ufeff".encode() + csv_file(f"pshah,Caf\u00e9 briefing,{day(app)},1,formal")
    report = run(app, data)
    assert (report.problems, report.imported) == ((), 1)
    assert activities(app)[0][0] == "Caf\u00e9 briefing"


def test_column_names_ignore_case_spaces_and_order(app: Flask) -> None:
    officer(app)
    lead(app)
    data = csv_file(f" FORMAL , 1.5 ,{day(app)},Title here,pshah",
                    header=" Category ,HOURS,Activity_Date, title ,Reference")
    assert check(app, data).problems == ()


def test_missing_required_columns_are_named(app: Flask) -> None:
    lead(app)
    report = check(app, csv_file("pshah,OSINT workshop,2", header="reference,title,hours"))
    [problem] = report.problems
    assert problem.row == 1
    assert "no activity_date, category columns" in problem.message


def test_unknown_columns_are_named(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f"pshah,OSINT,{day(app)},2,formal,x,y",
                                 header=HEADER + ",trainer,Venue"))
    [problem] = report.problems
    assert problem.row == 1
    assert "'trainer', 'venue'" in problem.message and "source_id" in problem.message


def test_empty_file_is_a_problem_of_the_file(app: Flask) -> None:
    lead(app)
    [problem] = check(app, b"").problems
    assert problem.row is None and "empty" in problem.message


def test_file_with_more_rows_than_the_maximum_is_refused(app: Flask) -> None:
    officer(app)
    lead(app)
    data = csv_file(*(f"pshah,Course {n},{day(app, n)},1,formal" for n in range(1, 4)))
    [problem] = check(app, data, max_rows=2).problems
    assert problem.row is None and "3 rows" in problem.message and "at most 2" in problem.message


def test_a_row_with_more_cells_than_the_header_is_named(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f"pshah,OSINT,{day(app)},2,formal,surplus"))
    assert where(report) == {(2, None)}
    assert "Column F" in message(report, 2, None) and "'surplus'" in message(report, 2, None)


def test_repeated_rows_name_the_row_they_repeat(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(
        f"pshah,OSINT,{day(app)},2,formal,",
        f"pshah,Debrief,{day(app, 2)},1,formal,LMS-1",
        f"pshah,OSINT,{day(app)},2:00,Formal,",
        f"pshah,Debrief (re-sent),{day(app, 3)},1,formal,LMS-1",
        header=HEADER + ",source_id"))
    assert where(report) == {(4, None), (5, "source_id")}
    assert message(report, 4, None).startswith("Repeats row 2")
    assert message(report, 5, "source_id").startswith("Repeats row 3: source_id 'LMS-1'")


@pytest.mark.parametrize("column", ["title", "reflection", "impact", "source_id"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_refused(
        app: Flask, column: str, start: str) -> None:
    officer(app)
    lead(app)
    cells = {"title": "Safe title", "reflection": "", "impact": "", "source_id": ""}
    cells[column] = f"{start}cmd|' /C calc'!A0"
    report = check(app, csv_file(
        f"pshah,{cells['title']},{day(app)},1,formal,{cells['reflection']},{cells['impact']},"
        f"{cells['source_id']}", header=HEADER + ",reflection,impact,source_id"))
    assert where(report) == {(2, column)}
    assert f"starts with {start!r}" in message(report, 2, column)
    assert "formula" in message(report, 2, column)


def test_control_characters_are_refused_before_the_database_sees_them(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f"pshah,OSINT\x00 workshop,{day(app)},1,formal"))
    assert where(report) == {(2, "title")}
    assert "control character" in message(report, 2, "title")


def test_uk_dates_and_hours_and_minutes_are_accepted(app: Flask) -> None:
    officer(app)
    lead(app)
    when = today(app) - timedelta(days=4)
    report = run(app, csv_file(f"pshah,Debrief,{when:%d/%m/%Y},1:30,formal",
                               f"pshah,Reading,{when.day}/{when.month}/{when.year},0.25,other"))
    assert (report.problems, report.imported) == ((), 2)
    assert activities(app) == [("Debrief", when, 90, "formal"), ("Reading", when, 15, "other")]


@pytest.mark.parametrize(("hours", "says"), [
    ("-1.5", "negative"),
    ("1,5", "not a number of hours"), ("1:75", "minutes from 00 to 59"),
    ("NaN", "not a number of hours")])
def test_hours_must_be_a_positive_number(app: Flask, hours: str, says: str) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f'pshah,OSINT,{day(app)},"{hours}",formal'))
    assert where(report) == {(2, "hours")}
    assert f"{hours!r}" in message(report, 2, "hours") and says in message(report, 2, "hours")


@pytest.mark.parametrize("hours", ["0", "0:00"])
def test_no_time_at_all_is_refused_for_a_kind_that_takes_time(app: Flask, hours: str) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f'pshah,OSINT,{day(app)},"{hours}",formal'))
    assert where(report) == {(2, "hours")}
    assert message(report, 2, "hours").startswith(f"{hours!r} is no time at all")


def test_a_record_that_is_not_a_length_of_time_imports_with_no_hours(
        app: Flask, tmp_path: Path) -> None:
    """The trial's SRA reflections: the form took them with 0 h; the import refused them."""
    gphc_with_timeless_reflections(app, tmp_path)
    officer(app, roles=("gphc-registrant",))
    lead(app)
    report = run(app, csv_file(
        f"pshah,Reflective account,{day(app)},0,self-directed,reflective-account",
        header=HEADER + ",kind"))
    assert (report.problems, report.imported) == ((), 1)
    assert activities(app) == [("Reflective account", today(app) - timedelta(days=1), 0,
                                "self-directed")]


@pytest.mark.parametrize("value", ["31/02/2025", "2025-02-30", "03/14/2025", "14/03/25"])
def test_dates_must_be_real_and_day_first(app: Flask, value: str) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f"pshah,OSINT,{value},1,formal"))
    assert where(report) == {(2, "activity_date")}
    assert f"{value!r}" in message(report, 2, "activity_date")


def test_lead_cannot_import_for_someone_outside_their_scope(app: Flask) -> None:
    officer(app)
    officer(app, "tbarker", name="DC Tom Barker")
    unit_lead = Access("mevans", lead_scopes=(LeadScope("unit", "Serious Organised Crime Unit"),))
    lead(app, unit_lead)
    report = check(app, csv_file(f"pshah,OSINT,{day(app)},1,formal",
                                 f"tbarker,Debrief,{day(app)},1,formal"), unit_lead)
    assert where(report) == {(2, "reference"), (3, "reference")}
    assert "not someone you lead" in message(report, 2, "reference")


def test_lead_cannot_import_onto_their_own_record(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(f"pshah,OSINT,{day(app)},1,formal",
                                 f"mevans,My own course,{day(app)},1,formal"))
    assert where(report) == {(3, "reference")}
    assert "your own record" in message(report, 3, "reference")


def test_rules_not_about_the_person_are_checked_even_when_the_reference_is_wrong(
        app: Flask) -> None:
    lead(app)
    report = check(app, csv_file(f"nobody,,{day(app)},1,nonsense"))
    assert where(report) == {(2, "reference"), (2, "title"), (2, "category")}


def test_kind_and_item_must_be_counted_by_the_officers_roles(app: Flask) -> None:
    officer(app)
    lead(app)
    report = check(app, csv_file(
        f"pshah,Account,{day(app)},1,self-directed,reflective-account,data-protection",
        f"pshah,Other,{day(app)},1,self-directed,diary,",
        header=HEADER + ",kind,item"))
    assert where(report) == {(3, "kind")}
    assert "'diary' is not one of the kinds of record" in message(report, 3, "kind")


def test_imported_activities_count_towards_compliance(app: Flask) -> None:
    learner = officer(app)
    lead(app)
    report = run(app, csv_file(
        f"pshah,OSINT workshop,{day(app, 0)},3,formal,yes,Attribution,Search trail logged,"
        "https://learning.example.org/osint,LMS-7",
        header=HEADER + ",participatory,reflection,impact,link,source_id"))
    assert (report.imported, report.already_imported) == (1, 0)
    with app.app_context():
        [standing] = assess(db.session, get_state(app).settings, as_of=today(app),
                            scope=Scope(learner_id=learner.id))
        row = db.session.scalars(sa.select(Activity)).one()
        assert standing.judgement.rules[0].summary == "3 h of 20 h"
        assert (row.participatory, row.reflection, row.impact, row.link) == (
            True, "Attribution", "Search trail logged", "https://learning.example.org/osint")
        assert [role.code for role in row.roles] == ["intelligence-officer"]


def test_importing_the_same_file_again_adds_nothing(app: Flask) -> None:
    officer(app)
    lead(app)
    data = csv_file(f"pshah,OSINT,{day(app)},2,formal,",
                    f"pshah,Debrief,{day(app, 2)},1,formal,LMS-9", header=HEADER + ",source_id")
    assert run(app, data).imported == 2
    after_first = counts(app)
    again = run(app, data)
    assert (again.imported, again.already_imported, again.problems) == (0, 2, ())
    assert "Nothing new to import: 2 were already imported" in again.summary()
    assert counts(app) == after_first


def test_a_re_export_with_rows_reordered_imports_only_the_new_row(app: Flask) -> None:
    officer(app)
    lead(app)
    first, second, new = (f"pshah,OSINT,{day(app)},2,formal", f"pshah,Debrief,{day(app, 2)},1,"
                          "formal", f"pshah,Reading,{day(app, 3)},0.5,other")
    run(app, csv_file(first, second))
    report = run(app, csv_file(new, second, first))
    assert (report.imported, report.already_imported) == (1, 2)
    assert len(activities(app)) == 3


def test_a_completion_the_officer_withdrew_is_not_imported_again(app: Flask) -> None:
    officer(app)
    lead(app)
    data = csv_file(f"pshah,Wrong course,{day(app)},2,formal")
    run(app, data)
    with app.app_context():
        learner = db.session.scalar(sa.select(Learner).filter_by(reference="pshah"))
        withdraw_activity(db.session, get_state(app).settings, learner,
                          db.session.scalars(sa.select(Activity)).one())
        db.session.remove()
    report = run(app, data)
    assert (report.imported, report.already_imported) == (0, 1)
    assert activities(app) == []


def test_imported_statements_are_the_officers_with_the_importer_as_authority(
        app: Flask) -> None:
    officer(app)
    lead(app)
    run(app, csv_file(f"pshah,OSINT,{day(app)},2,formal"))
    with app.app_context():
        [statement] = [record.document for record in db.session.scalars(sa.select(
            StatementRecord))]
        db.session.remove()
    assert statement["verb"]["id"] == vocabulary.VERB_LOGGED
    assert statement["actor"]["account"]["name"] == "pshah"
    assert statement["authority"]["account"]["name"] == "mevans"
    assert statement["authority"]["name"] == "DS Megan Evans"


def test_daily_maximum_counts_rows_of_one_file_together(app: Flask) -> None:
    officer(app)
    lead(app)
    logged(app, officer(app, "tbarker", name="DC Tom Barker"), minutes=20 * 60)
    report = check(app, csv_file(f"pshah,Long course part 1,{day(app)},10,formal",
                                 f"tbarker,Short course,{day(app, 2)},10,formal",
                                 f"pshah,Long course part 2,{day(app)},10,formal",
                                 f"pshah,Evening reading,{day(app)},5,other"))
    assert where(report) == {(5, "hours")}
    says = message(report, 5, "hours")
    assert "That makes 25 h" in says and "more than 24 h in one day" in says
    assert "Rows 2, 4 of this file add 20 h" in says


def test_daily_maximum_counts_what_is_already_logged_with_the_file(app: Flask) -> None:
    learner = officer(app)
    lead(app)
    logged(app, learner, minutes=20 * 60, days_ago=1)
    report = check(app, csv_file(f"pshah,Part 1,{day(app)},3,formal",
                                 f"pshah,Part 2,{day(app)},3,formal"))
    assert where(report) == {(3, "hours")}
    says = message(report, 3, "hours")
    assert "20 h is already logged" in says and "Row 2 of this file adds 3 h" in says


def test_template_is_a_file_check_accepts_when_its_reference_exists(app: Flask) -> None:
    officer(app)
    lead(app)
    template = template_csv()
    [header, example] = list(csv.reader(io.StringIO(template)))
    assert header == [column.name for column in COLUMNS]
    report = check(app, template.encode())
    assert (report.problems, report.rows, report.ready) == ((), 1, 1)
    assert example[0] == "pshah"


def test_template_uses_the_forces_own_categories(app: Flask) -> None:
    settings = dataclasses.replace(get_state(app).settings,
                                   categories=(("course", "Course"), ("reading", "Reading")))
    [_, example] = list(csv.reader(io.StringIO(template_csv(settings))))
    assert example[4] == "course"


def test_every_column_is_documented() -> None:
    assert [column.name for column in COLUMNS if column.required] == [
        "reference", "title", "activity_date", "hours", "category"]
    assert all(column.description.endswith(".") for column in COLUMNS)

"""Force-wide extracts for accreditation leads: every activity of everyone in scope, as CSV or
XLSX, streamed in chunks, in a fixed number of queries, and safe to open in a spreadsheet.

People and CPD are arranged through the factories and the evidence service, as officers and
leads would make them; only a few tests set rows straight in the database where the service
would take a statement per row and only the count matters.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state, permissions
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.exports import extracts
from cpd_tracker.exports.reports import safe_cell
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.identities import Lead
from cpd_tracker.services.evidence import attach_evidence, decide_evidence
from tests.factories import INTELLIGENCE_OFFICER, logged, officer, today

BUREAU = "Force Intelligence Bureau"
ECONOMIC = "Economic Crime Unit"
ADMIN = Access(reference="accreditation-lead", admin=True)
LEAD = Lead(reference="mevans", name="DI Mark Evans")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


# Arranging ----------------------------------------------------------------------------------

def move_to(app: Flask, learner: Learner, unit: str | None) -> None:
    """Put a person in another unit, in the host and in the library's copy; ``None`` is
    someone the host gives no unit (the demo's users all have one, so only the copy)."""
    with app.app_context():
        if unit is not None:
            db.session.execute(sa.update(DemoUser).where(DemoUser.username == learner.reference)
                               .values(org_unit=unit))
        db.session.execute(sa.update(Learner).where(Learner.id == learner.id)
                           .values(org_unit=unit))
        db.session.commit()
        db.session.remove()


def attach(app: Flask, learner: Learner, activity: Activity,
           filename: str = "certificate.pdf") -> Evidence:
    with app.app_context():
        state = get_state(app)
        found = attach_evidence(db.session, state.settings, state.storage,
                                db.session.get(Learner, learner.id),
                                db.session.get(Activity, activity.id), io.BytesIO(PDF),
                                filename, submission_id=str(uuid.uuid4()))
        db.session.expunge_all()
        return found


def decide(app: Flask, item: Evidence, *, approve: bool) -> None:
    with app.app_context():
        decide_evidence(db.session, get_state(app).settings, LEAD,
                        db.session.get(Evidence, item.id), approve=approve,
                        comment=None if approve else "Not legible.")
        db.session.remove()


def pending_evidence(app: Flask, activity: Activity) -> None:
    """A file waiting for a lead, set straight in the database (no statement, no storage)."""
    with app.app_context():
        row = db.session.get(Activity, activity.id)
        db.session.add(Evidence(
            statement_id=f"00000000-0000-4000-8000-{activity.id:012d}",
            learner_id=row.learner_id, activity_iri=row.activity_iri, sha256="ab" * 32,
            filename="notes.pdf", content_type="application/pdf", length=1234,
            submitted_at=datetime.now(timezone.utc), status="pending"))
        row.verification = "awaiting"
        db.session.commit()
        db.session.remove()


# Reading ------------------------------------------------------------------------------------

def audit(app: Flask, access: Access = ADMIN, **kwargs: Any) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = list(extracts.audit_rows(
            db.session, permissions.visible(access, permissions.VERIFY),
            categories=dict(get_state(app).settings.categories), **kwargs))
        db.session.remove()
    return rows


def by_column(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(extracts.AUDIT_COLUMNS, row, strict=True)) for row in rows]


def csv_text(columns: Sequence[str], rows: Any, **kwargs: Any) -> str:
    return "".join(extracts.csv_chunks(columns, rows, **kwargs))


def csv_table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_sheet(columns: Sequence[str], rows: Any, tmp_path: Path, sheet: str = "Audit"):
    document = b"".join(extracts.xlsx_chunks(columns, rows, sheet=sheet, directory=tmp_path))
    return openpyxl.load_workbook(io.BytesIO(document))[sheet]


# The audit extract ---------------------------------------------------------------------------

def test_audit_csv_has_a_bom_the_header_and_one_row_per_activity(app: Flask) -> None:
    learner = officer(app, "pshah", name="DC Priya Shah",
                      roles=(INTELLIGENCE_OFFICER, "intelligence-analyst"))
    logged(app, learner, title="OSINT refresher", minutes=90, days_ago=3,
           kind="reflective-account", participatory=True)
    logged(app, learner, title="Data protection", minutes=45, days_ago=2,
           item="data-protection", category="work-based")
    with app.app_context():
        stored = db.session.scalars(sa.select(Activity).order_by(Activity.activity_date)).all()
        db.session.remove()

    text = csv_text(extracts.AUDIT_COLUMNS, audit(app))

    assert text.startswith("\ufeffreference,name,unit,roles,statement_id,date,title,")
    header, *rows = csv_table(text)
    assert tuple(header) == extracts.AUDIT_COLUMNS
    found = [dict(zip(header, row, strict=True)) for row in rows]
    first_day, second_day = (today(app) - timedelta(days=n) for n in (3, 2))
    assert found == [{
        "reference": "pshah", "name": "DC Priya Shah", "unit": BUREAU,
        "roles": "intelligence-analyst; intelligence-officer",
        "statement_id": stored[0].statement_id, "date": first_day.isoformat(),
        "title": "OSINT refresher", "minutes": "90", "hours": "1.5", "category": "formal",
        "kind": "reflective-account", "item": "", "participatory": "yes",
        "verification": "self-declared", "verified_on": "", "verified_by": "",
        "evidence_files": "0", "recorded_at_utc": stored[0].recorded_at.isoformat(),
        "role_names": "Intelligence Analyst; Intelligence Officer",
        "category_name": "Formal learning (course, workshop, e-learning)",
        "kind_name": "Reflective account", "item_name": "",
    }, {
        "reference": "pshah", "name": "DC Priya Shah", "unit": BUREAU,
        "roles": "intelligence-analyst; intelligence-officer",
        "statement_id": stored[1].statement_id, "date": second_day.isoformat(),
        "title": "Data protection", "minutes": "45", "hours": "0.75", "category": "work-based",
        "kind": "", "item": "data-protection", "participatory": "no",
        "verification": "self-declared", "verified_on": "", "verified_by": "",
        "evidence_files": "0", "recorded_at_utc": stored[1].recorded_at.isoformat(),
        "role_names": "Intelligence Analyst; Intelligence Officer",
        "category_name": "Work-based learning (case review, secondment, shadowing)",
        "kind_name": "", "item_name": "Data protection and MoPI refresher",
    }]
    assert found[0]["recorded_at_utc"].endswith("+00:00")


def test_rows_keep_their_types_until_a_writer_formats_them(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner, minutes=90)

    row = by_column(audit(app))[0]

    assert isinstance(row["date"], date) and isinstance(row["minutes"], int)
    assert row["hours"] == 1.5 and row["evidence_files"] == 0
    assert row["recorded_at_utc"].utcoffset() == timedelta(0)
    assert row["verified_on"] is None and row["kind"] is None


def test_rows_run_by_unit_then_name_then_reference_then_date(app: Flask) -> None:
    zoe = officer(app, "zoe", name="Zoe Adams")
    amy_two = officer(app, "amy2", name="Amy Brown")
    amy_one = officer(app, "amy1", name="Amy Brown")
    economist = officer(app, "ecu", name="Zed Young")
    move_to(app, economist, ECONOMIC)
    for learner in (zoe, amy_two, amy_one, economist):
        logged(app, learner, title="later", days_ago=1)
        logged(app, learner, title="earlier", days_ago=5)

    found = [(row["unit"], row["reference"], row["title"]) for row in by_column(audit(app))]

    assert found == [(ECONOMIC, "ecu", "earlier"), (ECONOMIC, "ecu", "later"),
                     (BUREAU, "amy1", "earlier"), (BUREAU, "amy1", "later"),
                     (BUREAU, "amy2", "earlier"), (BUREAU, "amy2", "later"),
                     (BUREAU, "zoe", "earlier"), (BUREAU, "zoe", "later")]


def test_since_and_until_bound_the_activity_dates_both_included(app: Flask) -> None:
    learner = officer(app)
    for days_ago in (1, 2, 3, 4, 5):
        logged(app, learner, title=f"{days_ago} days ago", days_ago=days_ago)
    day = today(app)

    found = [row["title"] for row in by_column(audit(
        app, since=day - timedelta(days=4), until=day - timedelta(days=2)))]

    assert found == ["4 days ago", "3 days ago", "2 days ago"]
    assert len(audit(app, since=day - timedelta(days=2))) == 2
    assert len(audit(app, until=day - timedelta(days=4))) == 2


def test_a_unit_lead_extracts_their_unit_and_nobody_else(app: Flask) -> None:
    for username, unit in (("bureau1", BUREAU), ("bureau2", BUREAU), ("ecu1", ECONOMIC),
                           ("ecu2", ECONOMIC), ("nowhere", None)):
        learner = officer(app, username, name=f"Officer {username}")
        if unit != BUREAU:
            move_to(app, learner, unit)
        logged(app, learner, title=f"CPD of {username}")
    unit_lead = Access(reference="bureau1", lead_scopes=(LeadScope("unit", ECONOMIC),))
    bureau_lead = Access(reference="bureau1", lead_scopes=(LeadScope("unit", BUREAU),))

    economic = by_column(audit(app, unit_lead))
    bureau = by_column(audit(app, bureau_lead))
    everyone = by_column(audit(app))

    assert [(row["reference"], row["unit"]) for row in economic] == [
        ("ecu1", ECONOMIC), ("ecu2", ECONOMIC)]
    # A lead does not verify their own record, so their own CPD is not in their extract.
    assert [row["reference"] for row in bureau] == ["bureau2"]
    # The force's extract has everyone, and people with no unit come last.
    assert [row["reference"] for row in everyone][-1] == "nowhere"
    assert len(everyone) == 5


def test_someone_who_leads_nothing_extracts_nothing(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner)

    assert audit(app, Access(reference="pshah")) == []


def test_verification_verifier_and_evidence_count_for_each_state(app: Flask) -> None:
    learner = officer(app)
    verified = logged(app, learner, title="verified", days_ago=4)
    rejected = logged(app, learner, title="rejected", days_ago=3)
    waiting = logged(app, learner, title="awaiting", days_ago=2)
    logged(app, learner, title="no evidence", days_ago=1)
    approved = attach(app, learner, verified, "certificate.pdf")
    attach(app, learner, verified, "notes.pdf")  # a second file, still waiting: verified wins
    decide(app, approved, approve=True)
    decide(app, attach(app, learner, rejected), approve=False)
    attach(app, learner, waiting)

    found = {row["title"]: (row["verification"], row["verified_on"], row["verified_by"],
                            row["evidence_files"]) for row in by_column(audit(app))}

    with app.app_context():
        decided_on = (db.session.get(Evidence, approved.id).decided_at
                      .astimezone(get_state(app).settings.timezone).date())
        db.session.remove()
    assert found == {
        "verified": ("verified", decided_on, "DI Mark Evans", 2),
        "rejected": ("rejected", None, None, 1),
        "awaiting": ("awaiting", None, None, 1),
        "no evidence": ("self-declared", None, None, 0),
    }


def test_evidence_of_another_person_with_the_same_activity_iri_is_not_counted(
        app: Flask) -> None:
    first, second = officer(app, "first", name="First"), officer(app, "second", name="Second")
    mine = logged(app, first, title="mine")
    theirs = logged(app, second, title="theirs")
    with app.app_context():
        # As for LMS-credited CPD, where people share the LMS's activity id.
        db.session.execute(sa.update(Activity).where(Activity.id == theirs.id)
                           .values(activity_iri=mine.activity_iri))
        db.session.commit()
        db.session.remove()
    pending_evidence(app, mine)

    found = {row["title"]: row["evidence_files"] for row in by_column(audit(app))}

    assert found == {"mine": 1, "theirs": 0}


@pytest.mark.parametrize("mark", ["=", "+", "-", "@"])
def test_titles_and_names_a_spreadsheet_would_run_are_defused(app: Flask, mark: str) -> None:
    learner = officer(app, "injector", name=f"{mark}HYPERLINK(\"http://evil.example\",\"x\")")
    logged(app, learner, title=f"{mark}1+1", minutes=30)

    row = dict(zip(extracts.AUDIT_COLUMNS,
                   csv_table(csv_text(extracts.AUDIT_COLUMNS, audit(app)))[1], strict=True))

    assert row["name"] == f"'{mark}HYPERLINK(\"http://evil.example\",\"x\")"
    assert row["title"] == f"'{mark}1+1"
    assert (row["minutes"], row["hours"], row["evidence_files"]) == ("30", "0.5", "0")


# The CSV writer ------------------------------------------------------------------------------

def test_csv_numbers_stay_numbers_even_negative_and_only_text_is_defused() -> None:
    rows = [(-5, -1.5, Decimal("-2.50"), "-5", "=1+1", "\tx", "\rx", "plain", "o'brien")]

    found = csv_table(csv_text(list("abcdefghi"), rows))[1]

    assert found == ["-5", "-1.5", "-2.50", "'-5", "'=1+1", "'\tx", "'\rx", "plain", "o'brien"]


def test_csv_cells_none_empty_dates_iso_times_in_utc_booleans_as_excel_reads_them() -> None:
    london = timezone(timedelta(hours=1))
    rows = [(None, date(2026, 11, 21), datetime(2026, 6, 1, 10, 30, tzinfo=london),
             datetime(2026, 6, 1, 10, 30), True, False)]

    found = csv_table(csv_text(list("abcdef"), rows))[1]

    assert found == ["", "2026-11-21", "2026-06-01T09:30:00+00:00", "2026-06-01T10:30:00",
                     "TRUE", "FALSE"]


def test_csv_without_bom_for_tools_and_a_header_only_when_there_are_no_rows() -> None:
    assert csv_text(("a", "b"), [], bom=False) == "a,b\r\n"
    assert csv_text(("a", "b"), []) == "\ufeffa,b\r\n"


def test_csv_comes_in_bounded_chunks_that_rejoin_to_the_whole() -> None:
    rows = [(number, f"Officer {number}", date(2026, 1, 1)) for number in range(5000)]

    chunks = list(extracts.csv_chunks(("n", "name", "day"), rows, chunk_chars=4096))

    assert chunks[0] == "\ufeffn,name,day\r\n"
    assert len(chunks) > 20
    assert max(len(chunk) for chunk in chunks) < 4096 + 100  # one row past the mark at most
    assert all(chunk.endswith("\r\n") for chunk in chunks)
    assert len(csv_table("".join(chunks))) == 5001


def test_csv_is_lazy_the_first_chunks_arrive_before_a_failing_source_fails() -> None:
    read: list[int] = []

    def source() -> Iterator[tuple[int, str]]:
        for number in range(2000):
            read.append(number)
            yield number, "x" * 50
        raise RuntimeError("the database went away")

    chunks = extracts.csv_chunks(("n", "text"), source(), chunk_chars=1024)
    header = next(chunks)
    assert read == []  # the header is out before any row is read
    first = next(chunks)
    assert len(read) < 30  # one chunk's worth, not the whole source

    received = [header, first]
    with pytest.raises(RuntimeError, match="went away"):
        for chunk in chunks:
            received.append(chunk)
    assert len(received) > 50
    assert csv_table("".join(received))[1] == ["0", "x" * 50]


def test_csv_refuses_a_row_that_does_not_match_the_columns() -> None:
    with pytest.raises(ValueError, match="row 2 has 1 cells but there are 2 columns"):
        csv_text(("a", "b"), [(1, 2), (3,)])


# The XLSX writer -----------------------------------------------------------------------------

def test_xlsx_holds_the_same_data_as_the_csv_with_dates_as_dates(
        app: Flask, tmp_path: Path) -> None:
    learner = officer(app, name="=Shah, Priya")
    logged(app, learner, title="=1+1", minutes=90, days_ago=3, kind="reflective-account")
    attach(app, learner, logged(app, learner, title="-Briefing", minutes=45, days_ago=1))
    rows = audit(app)

    table = csv_table(csv_text(extracts.AUDIT_COLUMNS, rows))
    worksheet = xlsx_sheet(extracts.AUDIT_COLUMNS, rows, tmp_path)
    cells = [list(row) for row in worksheet.iter_rows(values_only=True)]

    assert [[_as_csv(value) for value in row] for row in cells] == table
    date_column = extracts.AUDIT_COLUMNS.index("date")
    recorded = extracts.AUDIT_COLUMNS.index("recorded_at_utc")
    assert cells[1][date_column] == datetime.combine(today(app) - timedelta(days=3),
                                                     datetime.min.time())
    assert worksheet.cell(2, date_column + 1).number_format == "yyyy-mm-dd"
    assert cells[1][recorded] == rows[0][recorded].replace(tzinfo=None)  # to the millisecond
    title = extracts.AUDIT_COLUMNS.index("title")
    assert worksheet.cell(2, title + 1).value == "=1+1"
    assert worksheet.cell(2, title + 1).data_type == "s"
    assert isinstance(cells[1][extracts.AUDIT_COLUMNS.index("minutes")], int)


def _as_csv(value: Any) -> str:
    """An XLSX cell as the CSV writes the same value (its dates are whole days or UTC times)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.replace(tzinfo=timezone.utc).isoformat()
    if isinstance(value, str):
        return safe_cell(value)
    return str(value)


def test_xlsx_writes_formula_looking_text_as_text(tmp_path: Path) -> None:
    texts = ("=1+1", "+1", "-1", "@SUM(A1)", "=HYPERLINK(\"http://evil.example\")", "1e5",
             "http://example.org")

    worksheet = xlsx_sheet(("text",), [(text,) for text in texts], tmp_path)

    cells = [worksheet.cell(row, 1) for row in range(2, len(texts) + 2)]
    assert [cell.value for cell in cells] == list(texts)
    assert {cell.data_type for cell in cells} == {"s"}


def test_xlsx_cell_types_numbers_booleans_dates_times_and_empty(tmp_path: Path) -> None:
    london = timezone(timedelta(hours=1))
    row = (-5, 1.25, Decimal("2.5"), True, None, date(2026, 11, 21),
           datetime(2026, 6, 1, 10, 30, tzinfo=london))

    worksheet = xlsx_sheet(list("abcdefg"), [row], tmp_path)

    assert [worksheet.cell(2, column).value for column in range(1, 8)] == [
        -5, 1.25, 2.5, True, None, datetime(2026, 11, 21), datetime(2026, 6, 1, 9, 30)]
    assert worksheet.cell(2, 7).number_format == "yyyy-mm-dd hh:mm:ss"


def test_xlsx_header_is_bold_frozen_and_filters_the_sheet(tmp_path: Path) -> None:
    worksheet = xlsx_sheet(("reference", "title"), [("a", "b"), ("c", "d")], tmp_path,
                           sheet="CPD audit")

    assert worksheet.title == "CPD audit"
    assert [cell.value for cell in worksheet[1]] == ["reference", "title"]
    assert all(cell.font.b for cell in worksheet[1])
    assert not worksheet.cell(2, 1).font.b
    assert worksheet.freeze_panes == "A2"
    assert worksheet.auto_filter.ref == "A1:B3"


def test_xlsx_comes_in_chunks_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    rows = [(number, f"Officer {number}", date(2026, 1, 1)) for number in range(3000)]

    chunks = extracts.xlsx_chunks(("n", "name", "day"), rows, sheet="Audit",
                                  directory=tmp_path, chunk_bytes=1024)
    first = next(chunks)
    assert len(list(tmp_path.iterdir())) == 1  # the workbook is on disk while it is read
    document = first + b"".join(chunks)

    assert list(tmp_path.iterdir()) == []
    assert len(first) == 1024 and document.startswith(b"PK")
    assert openpyxl.load_workbook(io.BytesIO(document))["Audit"].max_row == 3001


def test_xlsx_temporary_file_is_removed_when_the_consumer_stops_early(tmp_path: Path) -> None:
    chunks = extracts.xlsx_chunks(("n",), [(n,) for n in range(3000)], sheet="Audit",
                                  directory=tmp_path, chunk_bytes=1024)
    next(chunks)
    assert list(tmp_path.iterdir()) != []

    chunks.close()

    assert list(tmp_path.iterdir()) == []


def test_xlsx_temporary_files_are_removed_when_reading_the_rows_fails(tmp_path: Path) -> None:
    def source() -> Iterator[tuple[int]]:
        yield from ((n,) for n in range(100))
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        b"".join(extracts.xlsx_chunks(("n",), source(), sheet="Audit", directory=tmp_path))

    assert list(tmp_path.iterdir()) == []


def test_xlsx_refuses_more_rows_than_a_sheet_holds_rather_than_cut_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extracts, "EXCEL_MAX_ROWS", 10)

    assert len(xlsx_sheet(("n",), [(n,) for n in range(9)], tmp_path)["A"]) == 10
    with pytest.raises(ValueError, match="holds 9 rows under its header"):
        b"".join(extracts.xlsx_chunks(("n",), [(n,) for n in range(10)], sheet="Audit",
                                      directory=tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "x" * 32, "Audit: 2026", "a/b", "'quoted'"])
def test_xlsx_refuses_a_sheet_name_excel_would_not_open_before_reading_a_row(
        name: str, tmp_path: Path) -> None:
    def source() -> Iterator[tuple[int]]:
        raise AssertionError("no row should be read")
        yield (1,)

    with pytest.raises(ValueError, match="Excel accepts 1 to 31 characters"):
        extracts.xlsx_chunks(("n",), source(), sheet=name, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def peak_memory(chunks: Iterator[Any]) -> int:
    """The most memory (bytes) Python held while the chunks were made and thrown away."""
    tracemalloc.start()
    try:
        for _ in chunks:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def many_rows(count: int) -> Iterator[tuple[Any, ...]]:
    for number in range(count):
        yield number, f"=Officer {number}", date(2026, 1, 1)


@pytest.mark.parametrize(("writer", "few", "many"), [("csv", 5_000, 50_000),
                                                     ("xlsx", 1_000, 10_000)])
def test_memory_stays_flat_however_many_rows(writer: str, few: int, many: int,
                                             tmp_path: Path) -> None:
    def peak(count: int) -> int:
        if writer == "csv":
            return peak_memory(extracts.csv_chunks(("n", "name", "day"), many_rows(count)))
        return peak_memory(extracts.xlsx_chunks(("n", "name", "day"), many_rows(count),
                                                sheet="Audit", directory=tmp_path))

    small, large = peak(few), peak(many)

    assert large < small * 1.25 + 64 * 1024, (small, large)


# Queries and streaming -----------------------------------------------------------------------

@contextmanager
def executed(app: Flask) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The SQL statements run on the app's engine, with their execution options."""
    statements: list[tuple[str, dict[str, Any]]] = []

    def count(conn: object, cursor: object, statement: str, parameters: object,
              context: Any, executemany: bool) -> None:
        statements.append((statement, dict(context.execution_options)))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)


def queries_for_extract(app: Flask, access: Access) -> tuple[int, int]:
    """(statements run, rows) for a whole extract written as CSV."""
    with executed(app) as statements:
        rows = audit(app, access)
        csv_text(extracts.AUDIT_COLUMNS, rows)
    return len(statements), len(rows)


def test_queries_do_not_grow_with_the_number_of_people(app: Flask) -> None:
    for unit, people in (("Few", 3), ("Many", 30)):
        for number in range(people):
            learner = officer(app, f"{unit.lower()}{number}", name=f"{unit} {number:02d}",
                              roles=(INTELLIGENCE_OFFICER, "intelligence-analyst"))
            move_to(app, learner, unit)
            logged(app, learner, title="Briefing", days_ago=2)
            pending_evidence(app, logged(app, learner, title="Course", days_ago=1))

    few = queries_for_extract(app, Access("lead", lead_scopes=(LeadScope("unit", "Few"),)))
    many = queries_for_extract(app, Access("lead", lead_scopes=(LeadScope("unit", "Many"),)))

    assert (few[1], many[1]) == (6, 60)
    # The rows in one query, and the names of roles, categories, kinds and items once each.
    assert many[0] == few[0] == 4


def test_the_audit_query_streams_its_rows_in_batches(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner)

    with executed(app) as statements, app.app_context():
        rows = extracts.audit_rows(db.session, sa.true())
        assert statements == []  # nothing runs until the first row is asked for
        next(rows)
        rows.close()
        db.session.remove()

    [options] = [options for sql, options in statements if "FROM cpd_activity" in sql]
    assert options.get("yield_per") == extracts.AUDIT_BATCH
    assert options.get("stream_results") is True


# File names ----------------------------------------------------------------------------------

def test_extract_filename_names_the_kind_and_the_day() -> None:
    assert extracts.extract_filename("audit", date(2026, 11, 21), "csv") == (
        "cpd-audit-2026-11-21.csv")
    assert extracts.extract_filename("audit", date(2026, 11, 21), ".XLSX") == (
        "cpd-audit-2026-11-21.xlsx")


@pytest.mark.parametrize(("kind", "extension"), [("../audit", "csv"), ("Audit", "csv"),
                                                 ("", "csv"), ("audit", "c/v"),
                                                 ("audit", "")])
def test_extract_filename_refuses_what_is_unsafe_in_a_header_or_a_path(
        kind: str, extension: str) -> None:
    with pytest.raises(ValueError, match=r"(kind|extension) must"):
        extracts.extract_filename(kind, date(2026, 11, 21), extension)

"""Exporting an officer's CPD record for their PDR: a PDF a person reads, a CSV a spreadsheet opens.

Verification states and evidence are arranged straight in the database: the evidence service
has tests of its own, and here only what the export shows of them matters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pypdfium2 as pdfium
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.exports import pdr, pdr_pdf
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import allowances, outcomes
from tests.factories import logged, officer, today

GENERATED = datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)


def record(app: Flask, learner: Learner) -> pdr.ExportRecord:
    with app.app_context():
        attached = db.session.get(Learner, learner.id)
        found = pdr.record_for_export(db.session, get_state(app).settings, attached,
                                         today=today(app), now=GENERATED)
        db.session.remove()
        return found


def pages_text(document: bytes) -> list[str]:
    """The text of each page, as a screen reader or a search would find it."""
    pdf = pdfium.PdfDocument(document)
    try:
        return [page.get_textpage().get_text_bounded() for page in pdf]
    finally:
        pdf.close()


def flat(text: str) -> str:
    """Text with line wrapping undone, so a phrase is found wherever the page broke it."""
    return " ".join(text.split())


def set_verification(app: Flask, activity: Activity, state: str, **evidence: str) -> None:
    """Give an activity a verification state and, with ``evidence``, one file in that state."""
    with app.app_context():
        row = db.session.get(Activity, activity.id)
        row.verification = state
        row.verified_on = today(app) - timedelta(days=1) if state == "verified" else None
        if evidence:
            db.session.add(Evidence(
                statement_id=f"00000000-0000-4000-8000-{activity.id:012d}",
                learner_id=row.learner_id, activity_iri=row.activity_iri, sha256="ab" * 32,
                content_type="application/pdf", length=1234,
                submitted_at=datetime.now(timezone.utc), **evidence))
        db.session.commit()
        db.session.remove()


def test_pdf_opens_and_its_first_page_names_the_officer_and_their_status(
        app: Flask, output_dir: Path) -> None:
    learner = officer(app, name="DC Priya Shah")
    logged(app, learner, title="OSINT refresher", minutes=90,
           reflection="Recording search trails properly.")

    document = pdr_pdf.pdf(record(app, learner))

    pdf = pdfium.PdfDocument(document)
    page = pdf[0]
    page.render(scale=2).to_pil().save(output_dir / "cpd-record-page1.png")
    text = flat(page.get_textpage().get_text_bounded())
    pdf.close()
    assert (output_dir / "cpd-record-page1.png").stat().st_size > 10_000
    assert "CPD record: DC Priya Shah" in text
    assert "Intelligence Officer" in text and "Status: Non-compliant" in text
    assert "1 h 30 m of 20 h" in text


def test_pdf_metadata_names_the_record_and_its_officer(app: Flask) -> None:
    learner = officer(app, name="DC Priya Shah")

    pdf = pdfium.PdfDocument(pdr_pdf.pdf(record(app, learner)))
    metadata = pdf.get_metadata_dict()
    pdf.close()

    assert metadata["Title"] == "CPD record: DC Priya Shah"
    assert metadata["Author"] == "DC Priya Shah"
    assert metadata["Subject"].startswith("Continuing professional development, ")


def test_typed_mark_up_is_shown_literally_not_interpreted(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner, title="Fish & chips <i>briefing</i>",
           reflection="Learned <b>&</b> <script>alert(1)</script> is just text.\nSecond line.")

    text = flat(" ".join(pages_text(pdr_pdf.pdf(record(app, learner)))))

    assert "Learned <b>&</b> <script>alert(1)</script> is just text." in text
    assert "Fish & chips <i>briefing</i>" in text


def test_reflections_verification_and_evidence_are_in_the_record(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner, title="Source handling workshop",
                      reflection="Risk assessments first.", impact="I brief new staff on it.")
    with app.app_context():
        db.session.execute(sa.update(Activity).where(Activity.id == activity.id).values(
            what_happened="A covert source briefing went wrong.", accountabilities=["KA2"]))
        db.session.commit()
    set_verification(app, activity, "rejected", filename="certificate.pdf", status="rejected",
                     decided_by="Insp Kate Jones", comment="The certificate is not legible.")

    text = flat(" ".join(pages_text(pdr_pdf.pdf(record(app, learner)))))

    for expected in ("What happened A covert source briefing went wrong.",
                     "What I learned Risk assessments first.",
                     "Impact on my practice I brief new staff on it.",
                     "Key accountabilities KA2",
                     "Verification Evidence rejected by a lead",
                     "certificate.pdf: rejected by Insp Kate Jones. "
                     "Comment: The certificate is not legible."):
        assert expected in text


def test_many_activities_run_to_several_numbered_pages(app: Flask) -> None:
    learner = officer(app)
    for day in range(1, 41):
        logged(app, learner, title=f"Briefing {day}", minutes=30, days_ago=day,
               reflection="A reflection long enough to take up some room on the page. " * 4)

    pages = pages_text(pdr_pdf.pdf(record(app, learner)))

    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Generated 14 Mar 2026 at 09:30 GMT from cpd-tracker" in flat(text)


def csv_text(found: pdr.ExportRecord) -> str:
    stream = io.StringIO()
    pdr.write_csv(found, stream)
    return stream.getvalue()


def test_csv_has_a_bom_the_header_and_one_row_per_activity(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner, title="OSINT refresher", minutes=90, days_ago=2, reflection="Trails.")
    verified = logged(app, learner, title="Data protection", minutes=45, days_ago=1,
                      item="data-protection")
    set_verification(app, verified, "verified", filename="dp.pdf", status="approved",
                     decided_by="Insp Kate Jones")

    text = csv_text(record(app, learner))

    assert text.startswith("\ufeffdate,title,category,minutes,hours,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == pdr.COLUMNS
    assert [(r["title"], r["minutes"], r["hours"], r["verification"]) for r in rows] == [
        ("OSINT refresher", "90", "1.5", "self-declared"),
        ("Data protection", "45", "0.75", "verified")]
    assert rows[0]["reflection"] == "Trails."
    assert rows[1]["item"] == "Data protection and MoPI refresher"
    assert rows[1]["evidence"] == "dp.pdf (approved by Insp Kate Jones)"
    assert rows[0]["roles"] == "Intelligence Officer"


def test_csv_cells_a_spreadsheet_would_run_are_defused(app: Flask) -> None:
    learner = officer(app)
    logged(app, learner, title="=HYPERLINK(\"http://evil.example\",\"x\")",
           reflection="+1 for this course", impact="-2 cups of tea, @ the desk")

    row = next(csv.DictReader(io.StringIO(csv_text(record(app, learner))[1:])))

    assert row["title"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert row["reflection"] == "'+1 for this course"
    assert row["impact"] == "'-2 cups of tea, @ the desk"


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)


def queries_for(app: Flask, learner: Learner) -> int:
    with app.app_context():
        attached = db.session.get(Learner, learner.id)
        settings = get_state(app).settings
        with counted_queries(app) as statements:
            found = pdr.record_for_export(db.session, settings, attached, today=today(app))
            pdr_pdf.pdf(found)
        db.session.remove()
    return len(statements)


def test_queries_do_not_grow_with_the_number_of_activities(app: Flask) -> None:
    few, many = officer(app, "few", name="Few"), officer(app, "many", name="Many")
    for learner, number in ((few, 3), (many, 30)):
        for day in range(1, number + 1):
            activity = logged(app, learner, title=f"Briefing {day}", minutes=30, days_ago=day)
            set_verification(app, activity, "awaiting", filename=f"notes-{day}.pdf",
                             status="pending")

    assert queries_for(app, many) == queries_for(app, few)


def test_filename_is_safe_and_dated(app: Flask) -> None:
    learner = officer(app, "o'brien/../x y")
    found = record(app, learner)

    assert pdr.filename(found, "pdf") == f"cpd-record-o-brien-x-y-{today(app)}.pdf"
    assert pdr.filename(found, ".CSV").endswith(".csv")


def test_the_pdf_for_the_pdr_lists_past_cycles_and_how_each_ended(app: Flask) -> None:
    learner = officer(app, name="DC Priya Shah")
    with app.app_context():
        outcomes.close_cycles(db.session, get_state(app).settings, today=today(app))
        db.session.remove()

    found = record(app, learner)
    text = flat(" ".join(pages_text(pdr_pdf.pdf(found))))

    assert found.past and all(past.outcome == "not-met" for past in found.past)
    last = found.past[0]
    assert "Past cycles" in text
    assert (f"{last.cycle.start:%-d %b %Y} to {last.cycle.end:%-d %b %Y} Not met CPD hours"
            in text)
    assert "Intelligence Professionalisation Programme" in text  # the title, not the code


def test_the_pdf_names_the_cycle_owed_apart_from_the_one_under_way(app: Flask) -> None:
    """Two 'Intelligence Officer' sections with nothing to tell them apart, before."""
    learner = officer(app, name="DC Priya Shah")
    owed = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    with app.app_context():
        allowances.grant_extension(db.session, get_state(app).settings, Lead("mevans", "DI"),
                                   db.session.get(Learner, learner.id),
                                   role_code="intelligence-officer", on=owed.end,
                                   due=today(app) + timedelta(days=5), reason="Sickness.")
        db.session.remove()

    text = flat(" ".join(pages_text(pdr_pdf.pdf(record(app, learner)))))

    due = today(app) + timedelta(days=5)
    assert f"Intelligence Officer: the cycle owed until {due:%-d %b %Y}" in text

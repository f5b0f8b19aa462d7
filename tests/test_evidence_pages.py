"""Evidence through the pages, as an officer and a lead use them: upload on the activity page,
download, the verification queue, the review page, corrections and withdrawal; and every
refusal leaves nothing behind. Flask's test client against the real database of the run."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.http import parse_options_header

from cpd_tracker import get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.models import Activity, Evidence, Framework, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.learners import assign_role
from cpd_tracker.storage import LocalStorage
from tests.factories import form_fields, framework, logged, officer, sign_in, today
from xapi import StatementRecord

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\n%evidence-pages-test\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SOCU = "Serious Organised Crime Unit"
FIB = "Force Intelligence Bureau"

#: Markup typed where plain text belongs, and how it must appear on a page.
MARKUP = "<script>alert(1)</script><b>x</b>"
ESCAPED = html.escape(MARKUP)  # &lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;


# --- helpers -----------------------------------------------------------------------------


def member(app: Flask, username: str, name: str, *, unit: str = FIB,
           roles: tuple[str, ...] = ("intelligence-officer",)) -> int:
    """A host user in ``unit`` with a learner record holding ``roles``; the learner id."""
    with app.app_context():
        if roles and not db.session.scalar(sa.select(sa.func.count()).select_from(Framework)):
            framework(app)
        joined = today(app) - timedelta(days=2000)
        user = DemoUser(username=username, name=name, email=f"{username}@force.example",
                        job_title="Police officer", org_unit=unit, fte=Decimal(1),
                        joined_on=joined)
        db.session.add(user)
        db.session.commit()
        learner = get_state(app).learner_for(user)
        for code in roles:
            assign_role(db.session, learner, code, started_on=joined)
        db.session.commit()
        learner_id = learner.id
        db.session.remove()
        return learner_id


def leads(app: Flask, **scopes: Access) -> None:
    """Who leads what, through the host's ``access=`` hook (everyone else: no scope)."""
    get_state(app).access = lambda user: scopes.get(user.get_id(), Access(user.get_id()))


def force_lead(app: Flask, username: str = "mevans", name: str = "DI Mark Evans") -> None:
    officer(app, username, name=name, roles=())
    leads(app, **{username: Access(username, lead_scopes=(LeadScope("force"),))})


def upload(client: FlaskClient, activity_id: int, content: bytes | None,
           filename: str = "certificate.pdf", description: str = "", *,
           content_type: str | None = None):
    """Attach a file through the activity page's form (its CSRF token and submission id)."""
    page = client.get(f"/cpd/activities/{activity_id}")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    assert set(fields) == {"csrf_token", "submission_id"}
    data: dict[str, object] = {**fields, "description": description}
    if content is not None:
        data["file"] = ((io.BytesIO(content), filename, content_type) if content_type
                        else (io.BytesIO(content), filename))
    return client.post(f"/cpd/activities/{activity_id}/evidence", data=data,
                       content_type="multipart/form-data")


def evidence_rows(app: Flask) -> list[Evidence]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Evidence).order_by(Evidence.id)).all()
        db.session.expunge_all()
        db.session.remove()
        return list(rows)


def stored_files(app: Flask) -> list[Path]:
    storage = get_state(app).storage
    assert isinstance(storage, LocalStorage)
    return sorted(path for path in storage.folder.rglob("*") if path.is_file())


def written(app: Flask) -> tuple[int, int, int, list[Path]]:
    """(statements, activities, evidence rows, files in storage): to prove nothing changed."""
    with app.app_context():
        statements = db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord))
        activities = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        evidence = db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))
        db.session.remove()
    return statements, activities, evidence, stored_files(app)


def field_error(page: str, field: str) -> str:
    """The error message shown next to a form field (empty if none)."""
    found = re.findall(rf'<p class="cpd-error" id="{field}-error">(.*?)</p>', page, re.S)
    return " ".join(found)


def queue_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-kind="evidence" data-id="(\d+)"', page)]


def review(client: FlaskClient, evidence_id: int, decision: str, comment: str = ""):
    page = client.get(f"/cpd/verification/evidence/{evidence_id}")
    assert page.status_code == 200
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post(f"/cpd/verification/evidence/{evidence_id}",
                       data={"csrf_token": token, "decision": decision, "comment": comment})


def server_errors_as_responses(app: Flask) -> None:
    """Let an unhandled error become the 500 a user would get, rather than raise in the test."""
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)


# --- upload and download -----------------------------------------------------------------


def test_an_officer_uploads_evidence_on_the_activity_page_and_downloads_the_exact_file(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")

    response = upload(client, activity.id, PDF, "Certificate of completion.pdf",
                      "Certificate from College Learn")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/cpd/activities/{activity.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attached “Certificate of completion.pdf”" in page
    [item] = evidence_rows(app)
    assert f'data-evidence="{item.id}" data-status="pending"' in page
    assert 'data-verification="awaiting"' in page

    download = client.get(f"/cpd/evidence/{item.id}/file")

    assert download.status_code == 200
    disposition, options = parse_options_header(download.headers["Content-Disposition"])
    assert (disposition, options) == ("attachment", {"filename": "Certificate of completion.pdf"})
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Length"] == str(len(PDF))
    assert download.get_data() == PDF
    by_hash = client.get(f"/cpd/evidence/files/{item.sha256}")
    assert (by_hash.status_code, by_hash.get_data()) == (200, PDF)
    assert by_hash.headers["X-Content-Type-Options"] == "nosniff"


def test_the_type_served_is_the_one_read_from_the_content_not_the_name_or_browsers_claim(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")

    response = upload(client, activity.id, PNG, "scan.pdf", content_type="application/pdf")

    assert response.status_code == 302
    [item] = evidence_rows(app)
    download = client.get(f"/cpd/evidence/{item.id}/file")
    assert download.headers["Content-Type"] == "image/png"
    assert parse_options_header(download.headers["Content-Disposition"]) == (
        "attachment", {"filename": "scan.png"})
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.get_data() == PNG


@pytest.mark.parametrize("damage", ["altered", "truncated", "missing"])
def test_a_file_changed_in_storage_after_upload_is_not_served(
        app: Flask, client: FlaskClient, damage: str) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    assert upload(client, activity.id, PDF).status_code == 302
    [item] = evidence_rows(app)
    [path] = stored_files(app)
    assert path.name == item.sha256
    tampered = PDF.replace(b"evidence-pages-test", b"evidence-pages-TEST")
    if damage == "altered":
        path.write_bytes(tampered)  # same length, other bytes
    elif damage == "truncated":
        path.write_bytes(PDF[:20])
    else:
        path.unlink()

    for url in (f"/cpd/evidence/{item.id}/file", f"/cpd/evidence/files/{item.sha256}"):
        response = client.get(url)
        assert response.status_code == 410, url
        body = response.get_data()
        assert tampered not in body and PDF[:20] not in body
        assert "Content-Disposition" not in response.headers


MALFORMED = {
    # case: (content, file name, field, what the message says)
    "no-file": (None, "", "file", "Choose a file to upload."),
    "empty": (b"", "certificate.pdf", "file", "The file is empty"),
    "oversized": (PDF + b"\x00" * 400, "certificate.pdf", "file",
                  "larger than the 256 bytes limit"),
    "executable-named-pdf": (EXE, "certificate.pdf", "file", "is not a file type accepted"),
    "html-named-pdf": (HTML_PAGE, "certificate.pdf", "file", "is not a file type accepted"),
    "traversal-and-control-characters": (HTML_PAGE, "../../etc/passwd\x00\x07\x1b[31m.pdf",
                                         "file", "is not a file type accepted"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_upload_is_refused_naming_the_field_and_nothing_is_written(
        app: Flask, client: FlaskClient, case: str) -> None:
    content, filename, field, message = MALFORMED[case]
    state = get_state(app)
    state.settings = dataclasses.replace(state.settings, evidence_max_bytes=256)
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = written(app)

    response = upload(client, activity.id, content, filename)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, field), page
    assert 'aria-invalid="true"' in page
    assert "The file was not attached" in page
    assert written(app) == before
    assert evidence_rows(app) == []
    assert stored_files(app) == []
    assert "/etc/passwd" not in page and "\x00" not in page and "\x1b" not in page


def test_a_description_over_the_limit_is_refused_naming_its_field(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = written(app)

    response = upload(client, activity.id, PDF, description="x" * 2_001)

    assert response.status_code == 422
    assert "Keep the description to 2,000 characters" in field_error(
        response.get_data(as_text=True), "description")
    assert written(app) == before


def test_an_upload_without_the_forms_csrf_token_is_refused(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = written(app)

    response = client.post(f"/cpd/activities/{activity.id}/evidence",
                           data={"file": (io.BytesIO(PDF), "certificate.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert written(app) == before


def test_a_file_name_with_folders_and_control_characters_is_kept_only_as_a_safe_name(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    """An accepted file (its content is a real PDF) never takes its folders or control
    characters into storage, the page or the download's headers."""
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = {path for path in tmp_path.rglob("*") if path.is_file()}

    response = upload(client, activity.id, PDF, "../../etc/passwd\x00\x07\x1b[31m.pdf")

    assert response.status_code == 302
    [item] = evidence_rows(app)
    assert "/" not in item.filename and "\\" not in item.filename
    assert ".." not in item.filename
    assert not any(ord(char) < 32 or ord(char) == 127 for char in item.filename)
    assert item.filename.endswith(".pdf")
    created = {path for path in tmp_path.rglob("*") if path.is_file()} - before
    storage = get_state(app).storage
    assert isinstance(storage, LocalStorage)
    assert [path.relative_to(storage.folder) for path in created] == [
        Path(item.sha256[:2]) / item.sha256]
    download = client.get(f"/cpd/evidence/{item.id}/file")
    assert parse_options_header(download.headers["Content-Disposition"])[1] == {
        "filename": item.filename}
    page = client.get(f"/cpd/activities/{activity.id}").get_data(as_text=True)
    assert "/etc/passwd" not in page and "\x1b" not in page and "\x00" not in page


# --- markup is text ----------------------------------------------------------------------


def markup_everywhere(app: Flask) -> dict[str, int]:
    """An officer's activity whose words carry markup, evidence described with markup, one
    file rejected by a lead (whose name and comment carry markup) and one file waiting."""
    learner = officer(app)
    force_lead(app, name=f"DI Evans {MARKUP}")
    activity = logged(app, learner, title=f"Course {MARKUP}", what_happened=f"Happened {MARKUP}",
                      reflection=f"Learned {MARKUP}", impact=f"Impact {MARKUP}")
    officer_client = app.test_client()
    sign_in(officer_client, "pshah")
    assert upload(officer_client, activity.id, PDF, description=f"Shows {MARKUP}"
                  ).status_code == 302
    assert upload(officer_client, activity.id, PNG, "register.png",
                  description=f"Register {MARKUP}").status_code == 302
    rejected, waiting = evidence_rows(app)
    lead_client = app.test_client()
    sign_in(lead_client, "mevans")
    assert review(lead_client, rejected.id, "reject", f"Wrong file {MARKUP}").status_code == 302
    return {"activity": activity.id, "waiting": waiting.id}


#: page: (who looks, the URL, the texts it shows)
MARKUP_PAGES = {
    "activity": ("pshah", "/cpd/activities/{activity}",
                 ["Course", "Happened", "Learned", "Impact", "Shows", "Wrong file",
                  "Rejected by DI Evans"]),
    "activity-as-lead": ("mevans", "/cpd/activities/{activity}",
                         ["Course", "Learned", "Shows", "Wrong file"]),
    "my-cpd": ("pshah", "/cpd/", ["Course", "Learned", "Impact"]),
    "person": ("mevans", "/cpd/people/pshah", ["Course"]),
    "review": ("mevans", "/cpd/verification/evidence/{waiting}",
               ["Course", "Happened", "Learned", "Impact", "Register"]),
    "queue": ("mevans", "/cpd/verification", ["Course"]),
    "activity-history": ("pshah", "/cpd/history?activity={iri}",
                         ["Course", "Wrong file", "DI Evans"]),
    "person-history": ("mevans", "/cpd/people/pshah/history", ["Course", "Wrong file"]),
}


@pytest.mark.parametrize("page_name", list(MARKUP_PAGES))
def test_markup_typed_by_officers_and_leads_is_shown_as_text(app: Flask, page_name: str) -> None:
    ids = markup_everywhere(app)
    with app.app_context():
        ids["iri"] = db.session.get(Activity, ids["activity"]).activity_iri
        db.session.remove()
    username, url, texts = MARKUP_PAGES[page_name]
    client = app.test_client()
    sign_in(client, username)

    response = client.get(url.format(**ids))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "<b>x</b>" not in page
    for text in texts:
        assert f"{text} {ESCAPED}" in page, text


def test_a_persons_record_history_shows_the_leads_decisions_on_their_evidence(
        app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    rejected = pending_file(app, priya, "OSINT refresher")
    lead = app.test_client()
    sign_in(lead, "mevans")
    assert review(lead, rejected, "reject", "The certificate is for another course."
                  ).status_code == 302

    page = lead.get("/cpd/people/pshah/history").get_data(as_text=True)

    assert 'data-kind="rejected"' in page
    assert "The certificate is for another course." in page


# --- the verification queue --------------------------------------------------------------


def pending_file(app: Flask, learner_id: int, title: str, *, submitted: datetime | None = None,
                 content: bytes = PDF, days_ago: int = 2) -> int:
    """A file attached through the page to a new activity of the learner's; its evidence id.
    ``submitted`` backdates the projection's submission time, to test the queue's order."""
    with app.app_context():
        learner = db.session.get(Learner, learner_id)
        db.session.expunge_all()
        db.session.remove()
    activity = logged(app, learner, title=title, days_ago=days_ago)
    client = app.test_client()
    sign_in(client, learner.reference)
    before = {item.id for item in evidence_rows(app)}
    assert upload(client, activity.id, content + title.encode()).status_code == 302
    [new] = [item.id for item in evidence_rows(app) if item.id not in before]
    if submitted is not None:
        with app.app_context():
            db.session.execute(sa.update(Evidence).where(Evidence.id == new)
                               .values(submitted_at=submitted))
            db.session.commit()
            db.session.remove()
    return new


def test_the_queue_lists_pending_evidence_oldest_first(app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    tom = member(app, "tbarker", "DC Tom Barker")
    force_lead(app)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    newest = pending_file(app, priya, "Newest", submitted=now - timedelta(hours=1))
    oldest = pending_file(app, tom, "Oldest", submitted=now - timedelta(days=3))
    middle = pending_file(app, priya, "Middle", submitted=now - timedelta(days=1))
    decided = pending_file(app, tom, "Decided already", submitted=now - timedelta(days=9))
    client = app.test_client()
    sign_in(client, "mevans")
    assert review(client, decided, "approve").status_code == 302

    page = client.get("/cpd/verification").get_data(as_text=True)

    assert queue_ids(page) == [oldest, middle, newest]
    assert "3 in your scope" in page


def test_the_queue_filters_by_role_and_by_unit(app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah", unit=FIB, roles=("intelligence-officer",))
    jane = member(app, "jwright", "Jane Wright", unit=SOCU, roles=("intelligence-analyst",))
    tom = member(app, "tbarker", "DC Tom Barker", unit=SOCU, roles=("intelligence-officer",))
    force_lead(app)
    ids = {name: pending_file(app, learner, f"{name}'s course")
           for name, learner in (("priya", priya), ("jane", jane), ("tom", tom))}
    client = app.test_client()
    sign_in(client, "mevans")

    def listed(**query: str) -> list[int]:
        response = client.get("/cpd/verification", query_string=query)
        assert response.status_code == 200
        return sorted(queue_ids(response.get_data(as_text=True)))

    assert listed() == sorted(ids.values())
    assert listed(role="intelligence-analyst") == [ids["jane"]]
    assert listed(role="intelligence-officer") == sorted([ids["priya"], ids["tom"]])
    assert listed(unit=SOCU) == sorted([ids["jane"], ids["tom"]])
    assert listed(unit=FIB) == [ids["priya"]]
    assert listed(role="intelligence-officer", unit=SOCU) == [ids["tom"]]
    assert listed(unit="No such unit") == []
    page = client.get("/cpd/verification", query_string={"unit": SOCU}).get_data(as_text=True)
    assert f'<option value="{SOCU}" selected>' in page


def test_the_queue_shows_25_a_page(app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=30)
    ids = [pending_file(app, priya, f"Course {n:02}", submitted=start + timedelta(hours=n),
                        days_ago=2 + n) for n in range(26)]
    client = app.test_client()
    sign_in(client, "mevans")

    first = client.get("/cpd/verification").get_data(as_text=True)
    second = client.get("/cpd/verification?page=2").get_data(as_text=True)

    assert queue_ids(first) == ids[:25]
    assert queue_ids(second) == ids[25:]
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("url", ["/cpd/verification", "/cpd/people/pshah/history"])
@pytest.mark.parametrize("raw", [
    "abc", "0", "-1", "1.5", "", "1e3", "%00",
    "²",  # a Unicode digit that isdigit() accepts and int() does not
])
def test_a_malformed_page_number_is_a_400_not_a_500(app: Flask, url: str, raw: str) -> None:
    member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    server_errors_as_responses(app)
    client = app.test_client()
    sign_in(client, "mevans")

    response = client.get(url, query_string={"page": raw})

    assert response.status_code == 400
    assert "page must be a whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/cpd/verification", "/cpd/people/pshah/history"])
def test_a_page_number_too_large_for_the_database_is_not_a_500(app: Flask, url: str) -> None:
    member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    server_errors_as_responses(app)
    client = app.test_client()
    sign_in(client, "mevans")

    response = client.get(url, query_string={"page": "9" * 20})

    assert response.status_code in (200, 400)


# --- decisions through the review page ---------------------------------------------------


def test_a_lead_approves_evidence_on_the_review_page_and_the_officer_sees_it(
        app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    item = pending_file(app, priya, "OSINT refresher")
    lead = app.test_client()
    sign_in(lead, "mevans")
    page = lead.get(f"/cpd/verification/evidence/{item}").get_data(as_text=True)
    assert "Review evidence from DC Priya Shah" in page
    assert 'value="approve"' in page and 'value="reject"' in page
    before = written(app)

    response = review(lead, item, "approve", "Matches the course record.")

    assert response.status_code == 302
    assert response.headers["Location"] == "/cpd/verification"
    after_page = lead.get("/cpd/verification").get_data(as_text=True)
    assert "Verified “certificate.pdf” for DC Priya Shah." in after_page
    assert item not in queue_ids(after_page)
    assert written(app)[0] == before[0] + 1
    [row] = evidence_rows(app)
    assert (row.status, row.decided_by, row.comment) == (
        "approved", "DI Mark Evans", "Matches the course record.")
    officer_client = app.test_client()
    sign_in(officer_client, "pshah")
    with app.app_context():
        activity_id = db.session.scalar(sa.select(Activity.id).where(
            Activity.activity_iri == row.activity_iri))
        db.session.remove()
    mine = officer_client.get(f"/cpd/activities/{activity_id}").get_data(as_text=True)
    assert "Verified by DI Mark Evans" in mine
    assert "Matches the course record." in mine
    assert 'data-verification="verified"' in mine


def test_a_rejection_without_a_comment_is_refused_with_the_message_and_nothing_recorded(
        app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    item = pending_file(app, priya, "OSINT refresher")
    lead = app.test_client()
    sign_in(lead, "mevans")
    before = written(app)

    response = review(lead, item, "reject", "   ")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say why the evidence is rejected" in field_error(page, "comment")
    assert "Nothing has been recorded yet" in page
    assert written(app) == before
    assert [row.status for row in evidence_rows(app)] == ["pending"]

    response = review(lead, item, "reject", "The certificate is for another course.")

    assert response.status_code == 302
    [row] = evidence_rows(app)
    assert (row.status, row.comment) == ("rejected", "The certificate is for another course.")


def test_a_decision_is_not_made_twice_through_the_page(app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    item = pending_file(app, priya, "OSINT refresher")
    lead = app.test_client()
    sign_in(lead, "mevans")
    token = form_fields(lead.get(f"/cpd/verification/evidence/{item}").get_data(as_text=True))
    assert review(lead, item, "approve").status_code == 302
    before = written(app)

    response = lead.post(f"/cpd/verification/evidence/{item}",
                         data={**token, "decision": "reject", "comment": "Changed my mind"})

    assert response.status_code == 422
    assert "Already approved by DI Mark Evans" in response.get_data(as_text=True)
    assert written(app) == before
    assert [row.status for row in evidence_rows(app)] == ["approved"]


def test_a_decision_other_than_approve_or_reject_is_400_and_nothing_recorded(
        app: Flask) -> None:
    priya = member(app, "pshah", "DC Priya Shah")
    force_lead(app)
    item = pending_file(app, priya, "OSINT refresher")
    lead = app.test_client()
    sign_in(lead, "mevans")
    before = written(app)

    response = review(lead, item, "delete", "whatever")

    assert response.status_code == 400
    assert written(app) == before


# --- corrections and withdrawal ----------------------------------------------------------


def correction_form(client: FlaskClient, activity_id: int, **changes: str) -> dict[str, str]:
    """The edit page's form as rendered (its current values), with ``changes``."""
    response = client.get(f"/cpd/activities/{activity_id}/edit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    values = {**form_fields(page)}
    for name in ("title", "activity_date", "hours", "minutes", "link"):
        found = re.search(rf'<input[^>]*?name="{name}"[^>]*?value="([^"]*)"', page)
        values[name] = html.unescape(found.group(1)) if found else ""
    for name in ("what_happened", "reflection", "impact"):
        found = re.search(rf'<textarea[^>]*?name="{name}"[^>]*>\s*(.*?)</textarea>', page, re.S)
        values[name] = html.unescape(found.group(1)) if found else ""
    select = re.search(r'<select[^>]*name="category"[^>]*>(.*?)</select>', page, re.S)
    values["category"] = re.search(r'<option[^>]*\bselected\b[^>]*value="([^"]*)"',
                                   select[1])[1]
    values.update(changes)
    return values


def test_a_correction_on_the_edit_page_records_a_new_version_and_history_strikes_the_old(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner, title="OSINT refresher", reflection="First thoughts.")
    sign_in(client, "pshah")
    assert upload(client, activity.id, PDF).status_code == 302
    data = correction_form(client, activity.id)
    assert (data["title"], data["category"], data["hours"], data["minutes"]) == (
        "OSINT refresher", "formal", "1", "30")
    assert data["reflection"] == "First thoughts."
    data.update(title="OSINT refresher (College Learn)", what_happened="A half-day course.",
                reflection="Keep an audit trail of every search.")
    before = written(app)

    response = client.post(f"/cpd/activities/{activity.id}/edit", data=data)

    assert response.status_code == 302
    corrected_id = int(re.fullmatch(r"/cpd/activities/(\d+)", response.headers["Location"])[1])
    assert corrected_id != activity.id
    assert written(app)[0] == before[0] + 2  # the new version, and the voiding of the old
    page = client.get(f"/cpd/activities/{corrected_id}").get_data(as_text=True)
    assert "Saved your correction to “OSINT refresher (College Learn)”" in page
    assert "Keep an audit trail of every search." in page
    assert "certificate.pdf" in page  # the evidence follows the activity
    assert client.get(f"/cpd/activities/{activity.id}").status_code == 404

    history = client.get("/cpd/history", query_string={"activity": activity.activity_iri})

    assert history.status_code == 200
    text = history.get_data(as_text=True)
    struck = re.findall(r"<del>(.*?)</del>", text, re.S)
    assert any("Logged “OSINT refresher”" in item for item in struck), struck
    assert not any("College Learn" in item for item in struck)
    assert "Corrected “OSINT refresher (College Learn)”" in text
    assert "changed: title, what happened, what was learned" in text
    assert 'data-voided="true"' in text and "voided by DC Priya Shah" in text


def test_a_correction_breaking_a_rule_is_refused_next_to_its_field_and_nothing_is_written(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = written(app)

    response = client.post(f"/cpd/activities/{activity.id}/edit",
                           data=correction_form(client, activity.id, title=""))

    assert response.status_code == 422
    assert "Give the activity a title." in field_error(response.get_data(as_text=True), "title")
    assert written(app) == before


def test_an_officer_withdraws_an_activity_through_its_form(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner, title="Logged by mistake")
    sign_in(client, "pshah")
    page = client.get(f"/cpd/activities/{activity.id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/cpd/activities/\d+/withdraw)">(.*?)</form>',
                     page, re.S)
    assert form is not None and "Withdraw this activity" in form[2]
    before = written(app)

    response = client.post(form[1], data=form_fields(form[2]))

    assert response.status_code == 302
    assert response.headers["Location"] == "/cpd/"
    my_cpd = client.get("/cpd/").get_data(as_text=True)
    assert "Withdrew “Logged by mistake”" in my_cpd
    assert f"/cpd/activities/{activity.id}\"" not in my_cpd
    assert written(app)[:2] == (before[0] + 1, before[1] - 1)
    assert client.get(f"/cpd/activities/{activity.id}").status_code == 404
    history = client.get("/cpd/history", query_string={"activity": activity.activity_iri})
    struck = re.findall(r"<del>(.*?)</del>", history.get_data(as_text=True), re.S)
    assert any("Logged “Logged by mistake”" in item for item in struck)


def test_withdrawing_without_the_forms_token_is_refused(app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    sign_in(client, "pshah")
    before = written(app)

    response = client.post(f"/cpd/activities/{activity.id}/withdraw")

    assert response.status_code == 400
    assert written(app) == before

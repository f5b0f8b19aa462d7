"""Evidence: officers attach files to their CPD, leads verify or reject them, and every upload
either lands whole (file, statement, projection) or leaves nothing behind."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.projection import evidence as evidence_projection
from cpd_tracker.projection.evidence import EvidenceProjection
from cpd_tracker.queries.verification import verification_queue
from cpd_tracker.record.identities import Lead
from cpd_tracker.services.evidence import attach_evidence, decide_evidence
from cpd_tracker.storage import LocalStorage
from tests.factories import logged, officer
from xapi import StatementRecord, StatementStore

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
LEAD = Lead(reference="mevans", name="DI Mark Evans")


def attach(app: Flask, learner: Learner, activity: Activity, content: bytes = PDF,
           filename: str = "certificate.pdf", **kwargs) -> Evidence:
    with app.app_context():
        state = get_state(app)
        found = attach_evidence(db.session, state.settings, state.storage,
                                db.session.get(Learner, learner.id),
                                db.session.get(Activity, activity.id), io.BytesIO(content),
                                filename, **kwargs)
        db.session.expunge_all()
        return found


def decide(app: Flask, item: Evidence, approve: bool, comment: str | None = None,
           lead: Lead = LEAD) -> Evidence:
    with app.app_context():
        state = get_state(app)
        decided = decide_evidence(db.session, state.settings, lead,
                                  db.session.get(Evidence, item.id), approve=approve,
                                  comment=comment)
        db.session.expunge_all()
        return decided


def activity_row(app: Flask, activity_iri: str) -> Activity:
    with app.app_context():
        row = db.session.scalars(sa.select(Activity).where(
            Activity.activity_iri == activity_iri)).one()
        db.session.expunge_all()
        return row


def storage_files(app: Flask) -> list[Path]:
    storage = get_state(app).storage
    assert isinstance(storage, LocalStorage)
    return [path for path in storage.folder.rglob("*") if path.is_file()]


def test_attached_evidence_is_a_statement_with_its_hash_and_the_file_in_storage(
        app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)

    item = attach(app, learner, activity, description="Certificate of completion")

    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (item.filename, item.content_type, item.status) == (
        "certificate.pdf", "application/pdf", "pending")
    with app.app_context():
        statement = StatementStore(db.session).get(item.statement_id)
        attachment = statement["attachments"][0]
        assert attachment["sha2"] == item.sha256
        assert attachment["length"] == len(PDF)
        assert attachment["fileUrl"].endswith(f"/cpd/evidence/files/{item.sha256}")
        assert statement["object"]["id"] == activity.activity_iri
        with get_state(app).storage.open(item.sha256) as stored:
            assert stored.read() == PDF
    assert activity_row(app, activity.activity_iri).verification == "awaiting"


def test_the_type_is_read_from_the_content_not_the_file_name(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)

    with pytest.raises(Refused) as refused:
        attach(app, learner, activity, content=b"MZ\x90\x00 not a pdf at all",
               filename="certificate.pdf")

    assert "file" in refused.value.errors
    assert "not a file type accepted" in refused.value.errors["file"]
    assert storage_files(app) == []


def test_a_png_named_pdf_is_kept_as_a_png_with_the_right_extension(app: Flask) -> None:
    learner = officer(app)
    item = attach(app, learner, logged(app, learner), content=PNG, filename="../../etc/x.pdf")

    assert (item.content_type, item.filename) == ("image/png", "x.png")


def test_an_oversized_upload_is_refused_naming_the_limit_and_nothing_is_kept(
        app: Flask) -> None:
    state = get_state(app)
    state.settings = dataclasses.replace(state.settings, evidence_max_bytes=100)
    learner = officer(app)
    activity = logged(app, learner)
    before = _statements(app)

    with pytest.raises(Refused) as refused:
        attach(app, learner, activity, content=PDF + b"\x00" * 200)

    assert "larger than the 100 bytes limit" in refused.value.errors["file"]
    assert _statements(app) == before
    assert storage_files(app) == []


def test_an_empty_file_is_refused(app: Flask) -> None:
    learner = officer(app)
    with pytest.raises(Refused, match="empty"):
        attach(app, learner, logged(app, learner), content=b"")


def test_an_upload_whose_statement_fails_leaves_no_orphan_file_and_no_statement(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    before = _statements(app)

    def broken(self, session, statement) -> None:
        raise RuntimeError("the database went away half-way")

    monkeypatch.setattr(EvidenceProjection, "statement_stored", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        attach(app, learner, activity)

    assert _statements(app) == before
    assert storage_files(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_a_failed_upload_keeps_a_file_an_earlier_statement_refers_to(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    learner = officer(app)
    first = attach(app, learner, logged(app, learner))
    activity = logged(app, learner, title="Second course", days_ago=3)

    monkeypatch.setattr(StatementStore, "add_many", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("refused")))
    with pytest.raises(RuntimeError):
        attach(app, learner, activity)

    assert [path.name for path in storage_files(app)] == [first.sha256]


def test_the_same_form_sent_twice_attaches_once(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)

    one = attach(app, learner, activity, submission_id="form-1")
    two = attach(app, learner, activity, submission_id="form-1")

    assert one.id == two.id


def test_an_officer_cannot_attach_evidence_to_someone_elses_activity(app: Flask) -> None:
    priya = officer(app)
    tom = officer(app, "tbarker", name="Tom Barker")
    with pytest.raises(Refused, match="your own"):
        attach(app, tom, logged(app, priya))


def test_a_lead_verifies_evidence_and_the_activity_counts_as_verified_from_that_day(
        app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    item = attach(app, learner, activity)

    decided = decide(app, item, True)

    assert (decided.status, decided.decided_by) == ("approved", "DI Mark Evans")
    row = activity_row(app, activity.activity_iri)
    assert row.verification == "verified"
    assert row.verified_on == get_state(app).today()
    with app.app_context():
        statement = StatementStore(db.session).get(decided.decision_statement_id)
        assert statement["actor"]["account"]["name"] == "mevans"
        assert statement["object"] == {"objectType": "StatementRef", "id": item.statement_id}


def test_a_rejection_needs_a_comment_and_the_officer_sees_it(app: Flask) -> None:
    learner = officer(app)
    activity = logged(app, learner)
    item = attach(app, learner, activity)

    with pytest.raises(Refused) as refused:
        decide(app, item, False, comment="  ")
    assert "comment" in refused.value.errors

    decided = decide(app, item, False, comment="The certificate is for another course.")
    assert (decided.status, decided.comment) == (
        "rejected", "The certificate is for another course.")
    assert activity_row(app, activity.activity_iri).verification == "rejected"


def test_a_decision_is_not_made_twice(app: Flask) -> None:
    learner = officer(app)
    item = attach(app, learner, logged(app, learner))
    decide(app, item, True)
    with pytest.raises(Refused, match="already approved"):
        decide(app, item, False, comment="Changed my mind")


def test_nobody_verifies_their_own_evidence(app: Flask) -> None:
    lead = officer(app, "mevans", name="DI Mark Evans")
    item = attach(app, lead, logged(app, lead))
    with pytest.raises(Refused, match="your own evidence"):
        decide(app, item, True)


def test_the_queue_is_oldest_first_in_the_leads_scope_and_filterable(app: Flask) -> None:
    priya = officer(app)
    tom = officer(app, "tbarker", name="Tom Barker", roles=("intelligence-analyst",))
    first = attach(app, priya, logged(app, priya))
    second = attach(app, tom, logged(app, tom))
    done = attach(app, priya, logged(app, priya, title="Another", days_ago=2), content=PNG)
    decide(app, done, True)

    def queue(access: Access, **filters):
        with app.app_context():
            page = verification_queue(db.session, access, **filters)
            return [(item.kind, item.id) for item in page.items], page.total

    force = Access("mevans", lead_scopes=(LeadScope("force"),))
    assert queue(force) == ([("evidence", first.id), ("evidence", second.id)], 2)
    assert queue(force, role="intelligence-analyst") == ([("evidence", second.id)], 1)
    assert queue(force, unit="Elsewhere") == ([], 0)
    analysts = Access("lead2", lead_scopes=(LeadScope("role", "intelligence-analyst"),))
    assert queue(analysts) == ([("evidence", second.id)], 1)
    assert queue(Access("pshah")) == ([], 0)
    assert queue(Access("pshah", admin=True)) == ([("evidence", second.id)], 1)


def test_rebuild_gives_what_the_incremental_path_gave(app: Flask) -> None:
    learner = officer(app)
    verified = attach(app, learner, logged(app, learner))
    decide(app, verified, True)
    rejected = attach(app, learner, logged(app, learner, title="B", days_ago=2), content=PNG)
    decide(app, rejected, False, comment="Wrong file")
    attach(app, learner, logged(app, learner, title="C", days_ago=3), filename="c.pdf",
           content=PDF + b"%c")

    def snapshot():
        with app.app_context():
            return (sorted(db.session.execute(sa.select(
                        Evidence.statement_id, Evidence.status, Evidence.comment,
                        Evidence.decided_by)).all()),
                    sorted(db.session.execute(sa.select(
                        Activity.statement_id, Activity.verification,
                        Activity.verified_on)).all()))

    before = snapshot()
    with app.app_context():
        evidence_projection.rebuild(db.session, get_state(app).settings)
        db.session.commit()
    assert snapshot() == before


def _statements(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord))

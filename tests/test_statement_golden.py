"""What the builders emit, pinned by golden files so a change is a visible diff.

One golden file per case: the lead decisions (exemption, extension of a due date, approved
absence), a corrected structured reflective account, voiding, evidence and its review, and
accreditation (recorded, renewal submitted, status changed by a lead or by the library's own
scheduled check). ``tests/test_statements.py`` pins a plain logged activity. Set
CPD_UPDATE_GOLDEN=1 to rewrite them after a deliberate change.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cpd_tracker import config, vocabulary
from cpd_tracker.record.accreditation_statements import (
    AccreditationFacts,
    AccreditationRecordedBuilder,
    AccreditationStatusBuilder,
    RenewalSubmittedBuilder,
)
from cpd_tracker.record.cycle_statements import CycleJudgedBuilder, CycleOutcomeFacts
from cpd_tracker.record.identities import LearnerIdentity
from cpd_tracker.record.statements import (
    AbsenceApprovedBuilder,
    ActivityLoggedBuilder,
    EvidenceAttachedBuilder,
    EvidenceFile,
    ExemptionGrantedBuilder,
    ExtensionGrantedBuilder,
    LeadDecision,
    LoggedActivity,
    RejectedBuilder,
    StatementBuilder,
    VerifiedBuilder,
    VoidedBuilder,
)
from xapi import validate_statement

GOLDEN = Path(__file__).parent / "fixtures" / "statements"


def settings() -> config.Settings:
    return config.load(dict(config.DEFAULTS, CPD_LMS_HOME_PAGE="https://learning.force.example/"))


LEAD = LearnerIdentity(reference="aokafor", name="DS Ada Okafor", email="aokafor@force.example")
PRIYA = LearnerIdentity(reference="pshah", name="DC Priya Shah", email="pshah@force.example")
DECIDED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)

#: The workshop ``tests/test_statements.py`` pins, as first logged.
WORKSHOP_ID = str(ActivityLoggedBuilder(settings()).statement_id(
    PRIYA.reference, "4b1f6c1e-2a59-4d0e-9d57-0c2d3c1c6a10"))
WORKSHOP_IRI = ActivityLoggedBuilder(settings()).activity_iri(WORKSHOP_ID)
#: A corrected version of it, rewritten as a structured reflective account.
WORKSHOP_CORRECTED = LoggedActivity(
    submission_id="9d2e0b7a-5c43-4f1e-8a6b-3e7f1c2d4b58",
    title="IPP CPD workshop: open-source intelligence",
    activity_date=date(2026, 10, 14),
    minutes=240,
    category="formal",
    role_codes=("intelligence-officer",),
    reflection="Structured searches are only repeatable if every term and source is logged.",
    link="https://learn.college.police.uk/osint",
    kind="reflective-account",
    participatory=True,
    impact="I now log every search term and source as I go, not at the end of the day.",
    what_happened="A half-day workshop on structured open-source searches, in pairs.",
    accountabilities=("ka-2-intelligence-gathering", "ka-5-record-keeping"),
    corrects=(WORKSHOP_ID, WORKSHOP_IRI),
)

CERTIFICATE = EvidenceFile(
    filename="osint-workshop-certificate.pdf", content_type="application/pdf", length=184_320,
    sha256="8e7c197bc335c3c01a6143a183d2f43d104f9207dc6e82d0c95df68f18411b68")
SUPERVISOR_STATEMENT = EvidenceFile(
    filename="supervisor-statement.pdf", content_type="application/pdf", length=96_512,
    sha256="9f7ad219122f885ef8d8df0e61f64a925cf87465b4d716d23dd192693906fcff")
EVIDENCE_SUBMISSION = "c3a1e5f0-7b2d-4c86-9e14-6f0a2b9d8e71"
EVIDENCE_ID = str(EvidenceAttachedBuilder(settings()).statement_id(PRIYA.reference,
                                                                   EVIDENCE_SUBMISSION))

IPP = AccreditationFacts(scheme="ipp-example",
                         scheme_title="Intelligence Professionalisation Programme (example)")
IPP_RECORD = AccreditationFacts(
    scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="accredited",
    accredited_on=date(2024, 3, 18), expires_on=date(2027, 3, 17),
    endorsements=("osint", "financial-intelligence"))
RENEWAL: dict[str, Any] = {
    "submission_id": "5e8b2c47-1d9a-4f63-b0e2-8c4d7a1f3e96",
    "competence": "Three OSINT peer reviews and the refresher course this cycle; my "
                  "supervisor's statement covers my casework.",
    "files": [(SUPERVISOR_STATEMENT, "https://learning.force.example/cpd/evidence/57")],
    "at": datetime(2027, 1, 11, 10, 0, tzinfo=timezone.utc)}
RENEWAL_ID = RenewalSubmittedBuilder(settings()).build(PRIYA, IPP, **RENEWAL)["id"]

#: golden file name -> (builder, its ``build`` arguments: positional, keyword)
CASES: dict[str, tuple[type[StatementBuilder], tuple[Any, ...], dict[str, Any]]] = {
    "exemption_granted": (ExemptionGrantedBuilder, (LEAD, LeadDecision(
        PRIYA, "Seconded to the regional organised crime unit for the whole cycle.", DECIDED_AT,
        role_code="intelligence-officer", cycle_start=date(2026, 4, 1))), {}),
    "extension_granted": (ExtensionGrantedBuilder, (LEAD, LeadDecision(
        PRIYA, "Course places cancelled by the provider in February.", DECIDED_AT,
        role_code="intelligence-officer", cycle_start=date(2026, 4, 1), due=date(2027, 6, 30))),
        {}),
    "absence_approved": (AbsenceApprovedBuilder, (LEAD, LeadDecision(
        PRIYA, "Parental leave.", DECIDED_AT, absence=(date(2026, 6, 1), date(2026, 11, 30)))),
        {}),
    "activity_corrected": (ActivityLoggedBuilder, (PRIYA, WORKSHOP_CORRECTED), {}),
    "statement_voided": (VoidedBuilder, (PRIYA, WORKSHOP_ID), {
        "at": datetime(2026, 10, 16, 8, 15, tzinfo=timezone.utc)}),
    "evidence_attached": (EvidenceAttachedBuilder, (PRIYA,), {
        "submission_id": EVIDENCE_SUBMISSION, "activity_iri": WORKSHOP_IRI,
        "activity_title": "IPP CPD workshop: open-source intelligence", "file": CERTIFICATE,
        "file_url": "https://learning.force.example/cpd/evidence/41",
        "description": "Certificate of attendance from the College of Policing.",
        "at": datetime(2026, 10, 20, 16, 5, tzinfo=timezone.utc)}),
    # A lead may verify without a comment: the statement then has no result at all.
    "evidence_verified": (VerifiedBuilder, (LEAD, EVIDENCE_ID), {
        "comment": None, "at": datetime(2026, 10, 22, 11, 40, tzinfo=timezone.utc)}),
    "accreditation_recorded": (AccreditationRecordedBuilder, (PRIYA, IPP_RECORD), {
        "submission_id": "0f6d3a92-8e15-4b7c-a4d1-2b9e6c0f5a38",
        "at": datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)}),
    "renewal_submitted": (RenewalSubmittedBuilder, (PRIYA, IPP), RENEWAL),
    "renewal_rejected": (RejectedBuilder, (LEAD, RENEWAL_ID), {
        "comment": "The supervisor's statement is not signed; please upload a signed copy.",
        "at": datetime(2027, 1, 18, 14, 0, tzinfo=timezone.utc)}),
    # The library's scheduled check, not a person, finds the accreditation has lapsed.
    "accreditation_lapsed": (AccreditationStatusBuilder, (None, PRIYA, AccreditationFacts(
        scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="lapsed",
        accredited_on=date(2024, 3, 18), expires_on=date(2027, 3, 17))), {
        "reason": "Accreditation expired on 2027-03-17 without an approved renewal.",
        "at": datetime(2027, 3, 18, 2, 0, tzinfo=timezone.utc)}),
    "accreditation_suspended": (AccreditationStatusBuilder, (LEAD, PRIYA, AccreditationFacts(
        scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="suspended")), {
        "reason": "Suspended pending a professional standards investigation.",
        "at": datetime(2026, 12, 4, 15, 30, tzinfo=timezone.utc)}),
    # The library records how a cycle ended the day after it was due.
    "cycle_not_met": (CycleJudgedBuilder, (None, PRIYA, CycleOutcomeFacts(
        "intelligence-officer", date(2025, 4, 1), date(2026, 3, 31), date(2026, 3, 31),
        "not-met", ("hours", "item-data-protection"))), {
        "reason": "Judged by cpd-tracker when the cycle's due date passed.",
        "at": datetime(2026, 4, 1, 0, 0, tzinfo=timezone.utc)}),
    # A lead judges it again after CPD logged late.
    "cycle_judged_again": (CycleJudgedBuilder, (LEAD, PRIYA, CycleOutcomeFacts(
        "intelligence-officer", date(2025, 4, 1), date(2026, 3, 31), date(2026, 5, 31),
        "met-late")), {
        "reason": "The course on 30 May was logged late; the register confirms it.",
        "at": datetime(2026, 6, 8, 10, 0, tzinfo=timezone.utc)}),
}


def build(name: str) -> dict[str, Any]:
    builder, args, kwargs = CASES[name]
    return builder(settings()).build(*args, **kwargs)


def empty_values(value: Any, where: str = "$") -> list[str]:
    """Where a statement holds null, "", {} or []: builders leave out what they do not know."""
    if value is None or value in ("", {}, []):
        return [where]
    if isinstance(value, dict):
        return [found for key, item in value.items()
                for found in empty_values(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value)
                for found in empty_values(item, f"{where}[{index}]")]
    return []


@pytest.mark.parametrize("name", CASES)
def test_statement_matches_golden_file(name: str) -> None:
    statement = build(name)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CPD_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(statement, indent=2, sort_keys=True) + "\n")
    assert statement == json.loads(golden.read_text())


@pytest.mark.parametrize("name", CASES)
def test_statement_is_valid_xapi(name: str) -> None:
    validate_statement(build(name))


@pytest.mark.parametrize("name", CASES)
def test_statement_holds_no_empty_values(name: str) -> None:
    assert empty_values(build(name)) == []


@pytest.mark.parametrize("name", CASES)
def test_statement_id_is_the_same_however_often_it_is_built(name: str) -> None:
    assert build(name)["id"] == build(name)["id"]


@pytest.mark.parametrize("name", ["evidence_attached", "renewal_submitted"])
def test_evidence_is_attached_by_reference_with_everything_needed_to_fetch_and_check_it(
        name: str) -> None:
    [attachment] = build(name)["attachments"]
    assert attachment["usageType"] == vocabulary.ATTACHMENT_EVIDENCE
    assert set(attachment) == {"usageType", "display", "contentType", "length", "sha2",
                               "fileUrl"}
    assert attachment["contentType"] == "application/pdf"
    assert len(attachment["sha2"]) == 64 and int(attachment["sha2"], 16) >= 0
    assert attachment["fileUrl"].startswith("https://learning.force.example/cpd/evidence/")


def test_reviews_and_voiding_refer_to_the_statements_they_are_about() -> None:
    assert build("evidence_verified")["object"] == {"objectType": "StatementRef",
                                                    "id": EVIDENCE_ID}
    assert build("evidence_attached")["id"] == EVIDENCE_ID
    assert build("renewal_rejected")["object"] == {"objectType": "StatementRef",
                                                   "id": RENEWAL_ID}
    assert build("renewal_submitted")["id"] == RENEWAL_ID
    assert build("statement_voided")["object"] == {"objectType": "StatementRef",
                                                   "id": WORKSHOP_ID}


def test_a_correction_keeps_the_activity_and_refers_to_the_version_it_replaces() -> None:
    statement = build("activity_corrected")
    assert statement["object"]["id"] == WORKSHOP_IRI
    assert statement["context"]["statement"] == {"objectType": "StatementRef", "id": WORKSHOP_ID}
    assert statement["id"] != WORKSHOP_ID


def test_the_librarys_own_check_is_not_a_person() -> None:
    actor = build("accreditation_lapsed")["actor"]
    assert actor["account"] == {"homePage": "https://learning.force.example/cpd/system",
                                "name": "cpd-tracker"}
    assert build("accreditation_suspended")["actor"]["account"]["name"] == LEAD.reference

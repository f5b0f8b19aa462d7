"""Accreditation: the status engine, the officer's records, leads' decisions and the lapse job.

The engine is pure and judged on fixed dates with the IPP example's rules (3 years, renewal due
90 days before expiry, lapsed the day after, a missed CPD cycle lapses it). Services, the
projection and the lapse job run on the real database, arranged relative to today (dates an
officer records cannot be in the future), with the shipped IPP example loaded.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from cpd_tracker import get_state, scheduler, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.engine.accreditation import (
    AccreditationRules,
    AccreditationStatus,
    RecordedAccreditation,
    judge,
)
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.errors import Refused
from cpd_tracker.judging.accreditation import (
    RenewalNeeds,
    due_to_lapse,
    renewal_needs,
    standings,
)
from cpd_tracker.models import Accreditation, Evidence, Learner, Renewal
from cpd_tracker.projection import accreditation as accreditation_projection
from cpd_tracker.projection.accreditation import AccreditationProjection
from cpd_tracker.record.identities import Lead, LearnerIdentity, client_authority, learner_agent
from cpd_tracker.record.statements import EvidenceFile, VerifiedBuilder
from cpd_tracker.services import accreditation, allowances, outcomes
from tests.factories import logged, officer, today
from xapi import StatementStore

SCHEME = "ipp-example"
OFFICER = "intelligence-officer"
LEAD = Lead("jlead", "Insp Jo Lead")
RULES = AccreditationRules(
    scheme=SCHEME, name="IPP accreditation",
    roles=("intelligence-officer", "intelligence-analyst", "intelligence-researcher"),
    valid_years=3, renewal_window_days=90, grace_days=0, lapse_on_missed_cycle=True)
ACCREDITED = date(2023, 5, 10)
EXPIRES = date(2026, 5, 9)
COMPETENCE = "Led the debrief of a covert source; assessed against the IPP standards."


# --- The engine (pure) ----------------------------------------------------------------------------


def on(as_of: date, facts: RecordedAccreditation | None = None, rules: AccreditationRules = RULES,
       missed_cycle: date | None = None) -> Any:
    return judge(facts if facts is not None else RecordedAccreditation(ACCREDITED), rules,
                 as_of=as_of, missed_cycle=missed_cycle)


def test_someone_never_accredited_is_working_towards() -> None:
    judged = judge(None, RULES, as_of=date(2026, 1, 1))

    assert judged.status is AccreditationStatus.WORKING_TOWARDS
    assert judged.reason == "Working towards IPP accreditation: no accreditation is recorded yet."
    assert judged.expires_on is None


def test_an_accreditation_lasts_three_years_to_the_day_before_its_anniversary() -> None:
    assert RULES.expires_on(ACCREDITED) == EXPIRES
    assert on(date(2025, 1, 1)).expires_on == EXPIRES


def test_an_accreditation_from_29_february_expires_on_the_last_day_of_february() -> None:
    assert RULES.expires_on(date(2024, 2, 29)) == date(2027, 2, 27)


def test_accreditation_is_accredited_until_the_renewal_window_opens() -> None:
    judged = on(date(2026, 2, 7))

    assert judged.status is AccreditationStatus.ACCREDITED
    assert judged.reason == ("Accredited on 10 May 2023, valid until 9 May 2026; renewal opens "
                             "on 8 Feb 2026.")


def test_renewal_is_due_from_90_days_before_expiry() -> None:
    judged = on(date(2026, 2, 8))

    assert judged.status is AccreditationStatus.RENEWAL_DUE
    assert judged.renewal_due_from == date(2026, 2, 8)
    assert judged.reason == ("Renewal due: the accreditation expires on 9 May 2026 (in 90 days); "
                             "submit your renewal before then.")


def test_accreditation_is_still_renewal_due_on_its_expiry_day() -> None:
    judged = on(EXPIRES)

    assert judged.status is AccreditationStatus.RENEWAL_DUE
    assert "expires on 9 May 2026 (today)" in judged.reason


def test_accreditation_lapses_the_day_after_expiry() -> None:
    judged = on(EXPIRES + timedelta(days=1))

    assert judged.status is AccreditationStatus.LAPSED
    assert judged.reason == ("Lapsed: the accreditation expired on 9 May 2026 and was not "
                             "renewed before then.")
    assert not judged.decided


def test_grace_days_put_the_lapse_off_and_say_when_it_comes() -> None:
    rules = AccreditationRules(SCHEME, "IPP accreditation", (OFFICER,), valid_years=3,
                               grace_days=30)

    in_grace = on(date(2026, 6, 8), rules=rules)
    after = on(date(2026, 6, 9), rules=rules)

    assert in_grace.status is AccreditationStatus.RENEWAL_DUE
    assert in_grace.reason == ("Renewal overdue: the accreditation expired on 9 May 2026; it "
                               "lapses on 9 Jun 2026 unless a renewal is approved.")
    assert after.status is AccreditationStatus.LAPSED
    assert "nor within the 30 days of grace" in after.reason


def test_the_expiry_recorded_with_the_accreditation_wins_over_the_rules() -> None:
    recorded = RecordedAccreditation(ACCREDITED, expires_on=date(2028, 5, 9))

    assert on(date(2026, 6, 1), recorded).status is AccreditationStatus.ACCREDITED


def test_a_missed_cycle_since_accreditation_lapses_it_when_the_scheme_says_so() -> None:
    judged = on(date(2025, 4, 1), missed_cycle=date(2025, 3, 31))

    assert judged.status is AccreditationStatus.LAPSED
    assert judged.missed_cycle == date(2025, 3, 31)
    assert judged.reason == ("Lapsed: the CPD requirements of the cycle that ended on 31 Mar 2025 "
                             "were not met, and IPP accreditation lapses when a cycle is missed.")


def test_a_missed_cycle_does_not_lapse_it_when_the_scheme_does_not_say_so() -> None:
    rules = AccreditationRules(SCHEME, "IPP accreditation", (OFFICER,), valid_years=3)

    judged = on(date(2025, 4, 1), rules=rules, missed_cycle=date(2025, 3, 31))

    assert judged.status is AccreditationStatus.ACCREDITED


def test_a_cycle_that_ended_before_the_accreditation_does_not_count_against_it() -> None:
    judged = on(date(2023, 6, 1), missed_cycle=date(2023, 3, 31))

    assert judged.status is AccreditationStatus.ACCREDITED


def test_a_suspension_gives_the_lead_and_reason() -> None:
    suspended = RecordedAccreditation(ACCREDITED, decided_status="suspended",
                                      decided_reason="Under investigation.",
                                      decided_by="Insp Jo Lead", decided_on=date(2025, 6, 3))

    judged = on(date(2025, 7, 1), suspended)

    assert judged.status is AccreditationStatus.SUSPENDED
    assert judged.decided
    assert judged.reason == "Suspended by Insp Jo Lead on 3 Jun 2025: Under investigation."
    assert judged.expires_on == EXPIRES


def test_a_lapse_the_job_recorded_says_when_without_a_lead() -> None:
    lapsed = RecordedAccreditation(ACCREDITED, decided_status="lapsed",
                                   decided_reason="The accreditation expired on 9 May 2026.",
                                   decided_on=date(2026, 5, 10))

    judged = on(date(2026, 1, 1), lapsed)

    assert judged.status is AccreditationStatus.LAPSED
    assert judged.reason == "Lapsed on 10 May 2026: The accreditation expired on 9 May 2026."


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
rules_strategy = st.builds(
    AccreditationRules, scheme=st.just(SCHEME), name=st.just("IPP accreditation"),
    roles=st.just((OFFICER,)), valid_years=st.integers(1, 10),
    renewal_window_days=st.integers(0, 364), grace_days=st.integers(0, 365),
    lapse_on_missed_cycle=st.booleans())


@given(accredited=days, as_of=days, rules=rules_strategy,
       decided=st.sampled_from(["suspended", "withdrawn"]), missed=st.none() | days)
def test_suspended_and_withdrawn_hold_whatever_the_dates_say(
        accredited: date, as_of: date, rules: AccreditationRules, decided: str,
        missed: date | None) -> None:
    facts = RecordedAccreditation(accredited, decided_status=decided, decided_reason="Why.")

    assert judge(facts, rules, as_of=as_of, missed_cycle=missed).status.value == decided


@given(accredited=days, rules=rules_strategy)
def test_an_accreditation_expires_after_valid_years_to_the_day_before(
        accredited: date, rules: AccreditationRules) -> None:
    expires = rules.expires_on(accredited)
    anniversary = expires + timedelta(days=1)

    assert anniversary.year == accredited.year + rules.valid_years
    assert (anniversary.month, anniversary.day) == (accredited.month, accredited.day) or (
        (accredited.month, accredited.day) == (2, 29) and (anniversary.month,
                                                           anniversary.day) == (2, 28))


@given(accredited=days, first=st.integers(-1200, 800), second=st.integers(-1200, 800),
       rules=rules_strategy)
def test_by_dates_alone_an_accreditation_only_moves_from_accredited_to_due_to_lapsed(
        accredited: date, first: int, second: int, rules: AccreditationRules) -> None:
    order = [AccreditationStatus.ACCREDITED, AccreditationStatus.RENEWAL_DUE,
             AccreditationStatus.LAPSED]
    facts = RecordedAccreditation(accredited)
    expires = rules.expires_on(accredited)
    earlier, later = (expires + timedelta(days=offset) for offset in sorted((first, second)))

    before = judge(facts, rules, as_of=earlier).status
    after = judge(facts, rules, as_of=later).status

    assert order.index(before) <= order.index(after)


@given(accredited=days, offset=st.integers(-3, 3), rules=rules_strategy)
def test_by_dates_alone_lapsed_means_past_expiry_and_grace(
        accredited: date, offset: int, rules: AccreditationRules) -> None:
    # Days around the end of the grace, where an off-by-one would show.
    as_of = rules.expires_on(accredited) + timedelta(days=rules.grace_days + offset)
    judged = judge(RecordedAccreditation(accredited), rules, as_of=as_of)

    assert (judged.status is AccreditationStatus.LAPSED) == (
        as_of > rules.expires_on(accredited) + timedelta(days=rules.grace_days))


@given(accredited=days, as_of=days, missed=days, rules=rules_strategy)
def test_a_cycle_missed_before_accreditation_never_changes_the_status(
        accredited: date, as_of: date, missed: date, rules: AccreditationRules) -> None:
    facts = RecordedAccreditation(accredited)
    missed = min(missed, accredited)

    assert (judge(facts, rules, as_of=as_of, missed_cycle=missed)
            == judge(facts, rules, as_of=as_of))


# --- Arranging, on the database ---------------------------------------------------------------


def person(app: Flask, username: str = "pshah", name: str = "DC Priya Shah",
           roles: tuple[str, ...] = (OFFICER,)) -> Learner:
    return officer(app, username, name=name, roles=roles, joined_days_ago=3000)


def years_ago(app: Flask, years: int, days: int = 0) -> date:
    """The day ``years`` whole years before today, moved ``days`` later."""
    now = today(app)
    return now.replace(year=now.year - years, day=min(now.day, 28)) + timedelta(days=days)


def _accredited_expiring_in(app: Flask, days_left: int) -> date:
    """The accreditation date whose expiry is ``days_left`` days from today."""
    target = today(app) + timedelta(days=days_left)
    accredited = target.replace(year=target.year - 3) + timedelta(days=1)
    assert RULES.expires_on(accredited) == target
    return accredited


def calling(app: Flask, service: Any, *args: Any, **kwargs: Any) -> Any:
    with app.app_context():
        found = service(db.session, get_state(app).settings, *args, **kwargs)
        db.session.expunge_all()
        return found


def record(app: Flask, learner: Learner, *, status: str = "accredited",
           accredited_on: date | None = ACCREDITED, endorsements: tuple[str, ...] = (),
           submission_id: str = "form-1") -> Accreditation:
    with app.app_context():
        found = accreditation.record_accreditation(
            db.session, get_state(app).settings, db.session.get(Learner, learner.id), SCHEME,
            status=status, accredited_on=accredited_on if status == "accredited" else None,
            endorsements=endorsements, submission_id=submission_id)
        db.session.expunge_all()
        return found


def evidence_file(name: str = "debrief-assessment.pdf") -> tuple[EvidenceFile, str]:
    sha = hashlib.sha256(name.encode()).hexdigest()
    return (EvidenceFile(name, "application/pdf", 2048, sha),
            f"https://lms.force.example/cpd/evidence/files/{sha}")


def renew(app: Flask, learner: Learner, *, competence: str = COMPETENCE,
          files: list[tuple[EvidenceFile, str]] | None = None,
          submission_id: str = "renewal-1") -> Renewal:
    with app.app_context():
        found = accreditation.submit_renewal(
            db.session, get_state(app).settings, db.session.get(Learner, learner.id), SCHEME,
            competence=competence, files=[evidence_file()] if files is None else files,
            submission_id=submission_id)
        db.session.expunge_all()
        return found


def decide(app: Flask, renewal: Renewal, *, approve: bool = True, comment: str | None = None,
           lead: Lead = LEAD) -> Renewal:
    return calling(app, accreditation.decide_renewal, lead, renewal.id, approve=approve,
                   comment=comment)


def change(app: Flask, learner: Learner, status: str, reason: str = "Under investigation.",
           lead: Lead = LEAD) -> Accreditation:
    with app.app_context():
        found = accreditation.change_status(
            db.session, get_state(app).settings, lead, db.session.get(Learner, learner.id),
            SCHEME, status=status, reason=reason)
        db.session.expunge_all()
        return found


def status_of(app: Flask, learner: Learner, as_of: date | None = None) -> Any:
    with app.app_context():
        [standing] = standings(db.session, get_state(app).settings,
                                             as_of=as_of or today(app), learner_id=learner.id)
        db.session.remove()
    return standing.judgement


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(Refused) as raised:
        call(*args, **kwargs)
    return raised.value.errors


def statement(app: Flask, statement_id: str) -> dict[str, Any]:
    with app.app_context():
        found = StatementStore(db.session).get(statement_id)
        db.session.remove()
    assert found is not None
    return found


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    """Every accreditation, renewal and renewal evidence row, as comparable tuples."""
    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(sa.select(
            Accreditation.learner_id, Accreditation.scheme, Accreditation.accredited_on,
            Accreditation.expires_on, Accreditation.endorsements, Accreditation.decided_status,
            Accreditation.decided_reason, Accreditation.decided_by, Accreditation.decided_on,
            Accreditation.statement_id, Accreditation.updated_at).order_by(
                Accreditation.learner_id))]
        rows += [tuple(row) for row in db.session.execute(sa.select(
            Renewal.statement_id, Renewal.learner_id, Renewal.scheme, Renewal.competence,
            Renewal.submitted_at, Renewal.status, Renewal.decided_by, Renewal.decided_at,
            Renewal.comment, Renewal.decision_statement_id).order_by(Renewal.statement_id))]
        rows += [tuple(row) for row in db.session.execute(sa.select(
            Evidence.statement_id, Evidence.learner_id, Evidence.sha256, Evidence.filename,
            Evidence.status, Evidence.decided_by, Evidence.comment).where(
                Evidence.activity_iri.is_(None)).order_by(Evidence.statement_id,
                                                          Evidence.sha256))]
        db.session.remove()
    return rows


def lapse(app: Flask, as_of: date | None = None) -> list[Any]:
    return calling(app, accreditation.lapse_due, as_of=as_of or today(app))


# --- An officer records their accreditation ------------------------------------------------------


def test_recording_accreditation_is_a_statement_by_the_officer_with_its_dates_and_endorsements(
        app: Flask) -> None:
    recorded = record(app, person(app), endorsements=("covert-sources",))

    sent = statement(app, recorded.statement_id)
    assert sent["verb"]["id"] == vocabulary.VERB_RECORDED_ACCREDITATION
    assert sent["actor"]["account"]["name"] == "pshah"
    assert sent["authority"]["account"]["name"] == "pshah"
    extensions = sent["context"]["extensions"]
    assert extensions[vocabulary.EXT_SCHEME] == SCHEME
    assert extensions[vocabulary.EXT_ACCREDITATION_STATUS] == "accredited"
    assert extensions[vocabulary.EXT_ACCREDITED_ON] == "2023-05-10"
    assert extensions[vocabulary.EXT_EXPIRES_ON] == "2026-05-09"
    assert extensions[vocabulary.EXT_ENDORSEMENTS] == ["covert-sources"]


def test_recording_accreditation_keeps_its_expiry_and_endorsements_on_the_record(
        app: Flask) -> None:
    recorded = record(app, person(app), endorsements=("covert-sources", "open-source"))

    assert (recorded.accredited_on, recorded.expires_on) == (ACCREDITED, EXPIRES)
    assert recorded.endorsements == ["covert-sources", "open-source"]
    assert recorded.decided_status is None


def test_an_officer_working_towards_accreditation_is_judged_working_towards(app: Flask) -> None:
    learner = person(app)
    record(app, learner, status="working-towards")

    assert status_of(app, learner).status is AccreditationStatus.WORKING_TOWARDS


def test_working_towards_then_accredited_updates_the_one_record(app: Flask) -> None:
    learner = person(app)
    record(app, learner, status="working-towards")

    later = record(app, learner, accredited_on=today(app) - timedelta(days=10),
                   submission_id="form-2")

    assert later.accredited_on == today(app) - timedelta(days=10)
    assert status_of(app, learner).status is AccreditationStatus.ACCREDITED


def test_an_accreditation_date_in_the_future_is_refused_naming_the_date(app: Flask) -> None:
    tomorrow = today(app) + timedelta(days=1)

    errors = refused(record, app, person(app), accredited_on=tomorrow)

    assert errors == {"accredited_on": f"{tomorrow:%-d %b %Y} is in the future; give the date "
                                       "you were accredited, today or earlier."}


def test_accredited_without_a_date_is_refused(app: Flask) -> None:
    assert refused(record, app, person(app), accredited_on=None) == {
        "accredited_on": "Give the date you were accredited."}


def test_an_unknown_endorsement_is_refused_listing_the_schemes_endorsements(app: Flask) -> None:
    errors = refused(record, app, person(app), endorsements=("firearms",))

    assert errors == {"endorsements": "'firearms' is not an endorsement of IPP accreditation; "
                                      "the endorsements are: covert-sources, open-source, "
                                      "financial-intelligence."}


def test_a_status_an_officer_cannot_record_is_refused_naming_the_choices(app: Flask) -> None:
    errors = refused(record, app, person(app), status="suspended")

    assert errors["status"] == ("'suspended' is not a status an officer records; choose "
                                "'working-towards' or 'accredited'.")


def test_an_unknown_scheme_is_refused_naming_the_schemes(app: Flask) -> None:
    learner = person(app)
    with app.app_context():
        errors = refused(accreditation.record_accreditation, db.session,
                         get_state(app).settings, db.session.get(Learner, learner.id), "ipp",
                         status="accredited", accredited_on=ACCREDITED, submission_id="f")

    assert errors == {"scheme": "'ipp' is not an accreditation scheme; the schemes are: "
                                "ipp-example."}


def test_someone_outside_the_schemes_roles_cannot_record_it(app: Flask) -> None:
    support = person(app, roles=("intelligence-support-officer",))

    errors = refused(record, app, support)

    assert errors == {"scheme": "IPP accreditation is for the roles intelligence-officer, "
                                "intelligence-analyst, intelligence-researcher; DC Priya Shah "
                                "holds none of them."}


def test_a_refused_record_stores_no_statement(app: Flask) -> None:
    learner = person(app)
    refused(record, app, learner, endorsements=("firearms",))

    assert snapshot(app) == []


def test_a_suspended_officer_cannot_record_their_accreditation_again(app: Flask) -> None:
    learner = person(app)
    record(app, learner)
    change(app, learner, "suspended")

    errors = refused(record, app, learner, accredited_on=today(app), submission_id="form-2")

    assert errors == {"status": "Your IPP accreditation is suspended; only an accreditation "
                                "lead can change it now."}


def test_after_a_renewal_the_officer_may_change_endorsements_but_not_the_date(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    decide(app, renew(app, learner))

    moved = refused(record, app, learner, accredited_on=today(app) - timedelta(days=1),
                    submission_id="form-2")
    kept = record(app, learner, accredited_on=today(app), endorsements=("open-source",),
                  submission_id="form-3")

    assert moved == {"accredited_on": f"Your IPP accreditation was renewed by Insp Jo Lead "
                                      f"from {today(app):%-d %b %Y}; keep that date (you may "
                                      "change your endorsements)."}
    assert (kept.accredited_on, kept.endorsements) == (today(app), ["open-source"])


# --- Renewals --------------------------------------------------------------------------------


def test_a_renewal_before_the_window_opens_is_refused_with_the_opening_date(app: Flask) -> None:
    learner = person(app)
    accredited = today(app) - timedelta(days=100)
    record(app, learner, accredited_on=accredited)
    expires = RULES.expires_on(accredited)

    errors = refused(renew, app, learner)

    assert errors == {"scheme": f"Renewal opens on {expires - timedelta(days=90):%-d %b %Y}, 90 "
                                f"days before your accreditation expires on "
                                f"{expires:%-d %b %Y}."}


def test_a_renewal_needs_a_competence_statement_and_a_file_of_evidence(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    errors = refused(renew, app, learner, competence="  ", files=[])

    assert errors == {
        "competence": "Describe how you have kept up your competence; IPP accreditation renewal "
                      "needs it.",
        "files": "Attach at least 1 file of evidence of your continued competence; 0 attached.",
    }


def test_there_is_nothing_to_renew_for_someone_working_towards(app: Flask) -> None:
    learner = person(app)
    record(app, learner, status="working-towards")

    assert refused(renew, app, learner) == {
        "scheme": "There is no IPP accreditation to renew: record your accreditation first."}


def test_a_renewal_is_the_officers_statement_with_the_evidence_as_attachments(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    renewal = renew(app, learner, files=[evidence_file("a.pdf"), evidence_file("b.pdf")])

    sent = statement(app, renewal.statement_id)
    assert sent["verb"]["id"] == vocabulary.VERB_SUBMITTED_RENEWAL
    assert sent["actor"]["account"]["name"] == "pshah"
    assert sent["result"]["response"] == COMPETENCE
    assert [a["display"]["en-GB"] for a in sent["attachments"]] == ["a.pdf", "b.pdf"]
    assert (renewal.status, renewal.competence, renewal.scheme) == ("pending", COMPETENCE, SCHEME)


def test_renewal_evidence_waits_for_the_lead_beside_the_renewal(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    renewal = renew(app, learner)

    with app.app_context():
        [kept] = db.session.scalars(sa.select(Evidence)).all()
        db.session.remove()
    assert (kept.statement_id, kept.activity_iri, kept.status, kept.filename) == (
        renewal.statement_id, None, "pending", "debrief-assessment.pdf")
    assert kept.sha256 == evidence_file()[0].sha256


def test_a_second_renewal_while_one_waits_is_refused(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renew(app, learner)

    errors = refused(renew, app, learner, submission_id="renewal-2")

    assert errors == {"form": f"Your renewal sent on {today(app):%-d %b %Y} is waiting for a "
                              "lead's decision."}


def test_the_same_file_twice_in_a_renewal_is_refused(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    errors = refused(renew, app, learner, files=[evidence_file(), evidence_file()])

    assert errors == {"files": "'debrief-assessment.pdf' is attached twice; attach each file "
                               "once."}


def test_approving_a_renewal_renews_for_three_years_from_the_decision_day(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    decided = decide(app, renew(app, learner))

    judged = status_of(app, learner)
    assert decided.status == "approved"
    assert (judged.accredited_on, judged.expires_on) == (today(app),
                                                          RULES.expires_on(today(app)))
    assert judged.status is AccreditationStatus.ACCREDITED


def test_an_approval_is_the_leads_verified_statement_on_the_renewal_with_the_new_dates(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = renew(app, learner)

    decided = decide(app, renewal, comment="Good evidence.")

    sent = statement(app, decided.decision_statement_id)
    assert sent["verb"]["id"] == vocabulary.VERB_VERIFIED
    assert sent["actor"]["account"]["name"] == "jlead"
    assert sent["object"] == {"objectType": "StatementRef", "id": renewal.statement_id}
    assert sent["result"]["response"] == "Good evidence."
    assert sent["context"]["extensions"][vocabulary.EXT_ACCREDITED_ON] == today(app).isoformat()
    assert decided.decided_by == "Insp Jo Lead"


def test_an_approved_renewals_evidence_is_approved_with_it(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    decide(app, renew(app, learner))

    with app.app_context():
        statuses = db.session.scalars(sa.select(Evidence.status)).all()
        db.session.remove()
    assert statuses == ["approved"]


def test_rejecting_a_renewal_needs_a_comment(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = renew(app, learner)

    errors = refused(decide, app, renewal, approve=False, comment=" ")

    assert errors == {"comment": "Say why the renewal is rejected; the officer sees your comment."}


def test_a_rejection_keeps_the_comment_and_leaves_the_accreditation_as_it_was(
        app: Flask) -> None:
    learner = person(app)
    accredited = _accredited_expiring_in(app, 30)
    record(app, learner, accredited_on=accredited)

    decided = decide(app, renew(app, learner), approve=False,
                     comment="The evidence predates your accreditation.")

    assert (decided.status, decided.comment) == ("rejected",
                                                 "The evidence predates your accreditation.")
    assert statement(app, decided.decision_statement_id)["verb"]["id"] == vocabulary.VERB_REJECTED
    judged = status_of(app, learner)
    assert (judged.accredited_on, judged.expires_on) == (accredited,
                                                         today(app) + timedelta(days=30))


def test_after_a_rejection_the_officer_may_send_a_new_renewal(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    decide(app, renew(app, learner), approve=False, comment="Add your debrief log.")

    again = renew(app, learner, submission_id="renewal-2")

    assert again.status == "pending"


def test_a_lead_cannot_decide_their_own_renewal(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    errors = refused(decide, app, renew(app, learner), lead=Lead("pshah", "DC Priya Shah"))

    assert errors == {"renewal": "You cannot decide your own renewal; another accreditation "
                                 "lead must."}


def test_a_decided_renewal_cannot_be_decided_again(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = decide(app, renew(app, learner))

    errors = refused(decide, app, renewal, approve=False, comment="Changed my mind.")

    assert errors == {"renewal": f"This renewal was already approved by Insp Jo Lead on "
                                 f"{today(app):%-d %b %Y}."}


def test_an_unknown_renewal_is_refused(app: Flask) -> None:
    assert refused(calling, app, accreditation.decide_renewal, LEAD, 999, approve=True) == {
        "renewal": "There is no renewal 999."}


# --- Leads' status decisions -------------------------------------------------------------------


def test_a_suspension_is_the_leads_statement_about_the_officer_with_the_reason(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner)

    suspended = change(app, learner, "suspended", "Under investigation.")

    sent = statement(app, suspended.statement_id)
    assert sent["verb"]["id"] == vocabulary.VERB_CHANGED_ACCREDITATION
    assert sent["actor"]["account"]["name"] == "jlead"
    assert sent["object"]["account"]["name"] == "pshah"
    assert sent["result"]["response"] == "Under investigation."
    assert sent["context"]["extensions"][vocabulary.EXT_ACCREDITATION_STATUS] == "suspended"


def test_a_suspension_holds_until_a_lead_reinstates(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    change(app, learner, "suspended")
    assert status_of(app, learner).status is AccreditationStatus.SUSPENDED
    assert status_of(app, learner, today(app) + timedelta(days=400)).status is (
        AccreditationStatus.SUSPENDED)

    change(app, learner, "reinstated", "Investigation closed, no case to answer.")

    assert status_of(app, learner).status is AccreditationStatus.ACCREDITED


def test_a_withdrawal_says_who_withdrew_it_and_why(app: Flask) -> None:
    learner = person(app)
    record(app, learner)

    change(app, learner, "withdrawn", "Left the intelligence function.")

    judged = status_of(app, learner)
    assert judged.status is AccreditationStatus.WITHDRAWN
    assert judged.reason == (f"Withdrawn by Insp Jo Lead on {today(app):%-d %b %Y}: Left the "
                             "intelligence function.")


def test_a_status_change_needs_a_reason(app: Flask) -> None:
    learner = person(app)
    record(app, learner)

    assert refused(change, app, learner, "suspended", "") == {
        "reason": "Give the reason; it is kept with the decision and the officer sees it."}


def test_an_unknown_status_change_is_refused_naming_the_choices(app: Flask) -> None:
    learner = person(app)
    record(app, learner)

    assert refused(change, app, learner, "accredited") == {
        "status": "'accredited' is not a status a lead sets; choose one of: suspended, "
                  "withdrawn, reinstated, lapsed."}


def test_a_lead_cannot_change_their_own_accreditation(app: Flask) -> None:
    learner = person(app)
    record(app, learner)

    errors = refused(change, app, learner, "reinstated", lead=Lead("pshah", "DC Priya Shah"))

    assert errors["learner"] == ("You cannot change your own accreditation; another "
                                 "accreditation lead must.")


def test_reinstating_an_accreditation_that_was_not_suspended_is_refused(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))

    assert refused(change, app, learner, "reinstated") == {
        "status": "DC Priya Shah's IPP accreditation is not suspended, withdrawn or lapsed: "
                  "there is nothing to reinstate."}


def test_reinstating_an_expired_accreditation_is_refused_in_favour_of_a_renewal(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner)
    lapse(app)

    errors = refused(change, app, learner, "reinstated")

    assert errors == {"status": "DC Priya Shah's IPP accreditation expired on 9 May 2026; "
                                "reinstated, it would still be lapsed. Approve a renewal "
                                "instead."}


def test_a_renewal_cannot_be_approved_while_the_accreditation_is_suspended(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = renew(app, learner)
    change(app, learner, "suspended")

    assert refused(decide, app, renewal) == {
        "renewal": "DC Priya Shah's IPP accreditation is suspended; reinstate it before "
                   "approving a renewal."}


def test_a_lead_may_lapse_an_accreditation(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))

    change(app, learner, "lapsed", "Left the role for two years.")

    judged = status_of(app, learner)
    assert (judged.status, judged.decided) == (AccreditationStatus.LAPSED, True)


# --- The lapse job ---------------------------------------------------------------------------


def test_the_lapse_job_records_a_lapse_by_the_library_after_expiry(app: Flask) -> None:
    learner = person(app)
    record(app, learner)  # expired 9 May 2026

    [lapsed] = lapse(app, date(2026, 5, 10))

    assert lapsed.reference == "pshah"
    with app.app_context():
        kept = db.session.scalar(sa.select(Accreditation))
        db.session.remove()
    assert (kept.decided_status, kept.decided_by) == ("lapsed", None)
    assert kept.decided_reason == ("The accreditation expired on 9 May 2026 and was not renewed "
                                   "before then.")
    sent = statement(app, kept.statement_id)
    assert sent["actor"]["account"]["name"] == "cpd-tracker"
    assert sent["authority"]["account"]["homePage"].endswith("/cpd/system")
    assert sent["context"]["extensions"][vocabulary.EXT_ACCREDITATION_STATUS] == "lapsed"


def test_the_lapse_job_leaves_an_accreditation_on_its_expiry_day(app: Flask) -> None:
    learner = person(app)
    record(app, learner)
    # Exempt from the cycle that ended on 31 Mar 2026, so only the dates can lapse it.
    calling(app, allowances.grant_exemption, LEAD, learner, OFFICER, on=date(2025, 10, 1),
            reason="Seconded to the NCA for the year.")

    assert lapse(app, EXPIRES) == []
    assert len(lapse(app, EXPIRES + timedelta(days=1))) == 1


def test_the_lapse_job_run_again_lapses_nobody(app: Flask) -> None:
    record(app, person(app))
    assert len(lapse(app)) == 1

    assert lapse(app) == []
    with app.app_context():
        changes = len(list(StatementStore(db.session).statements(
            verb=vocabulary.VERB_CHANGED_ACCREDITATION)))
        db.session.remove()
    assert changes == 1


def test_a_recorded_lapse_holds_until_a_renewal_is_approved(app: Flask) -> None:
    learner = person(app)
    record(app, learner)
    lapse(app)
    assert status_of(app, learner).decided

    decide(app, renew(app, learner))

    judged = status_of(app, learner)
    assert (judged.status, judged.decided) == (AccreditationStatus.ACCREDITED, False)
    assert judged.accredited_on == today(app)


def test_the_lapse_job_lapses_someone_who_missed_their_last_cpd_cycle(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=years_ago(app, 2))  # no CPD logged at all

    [lapsed] = lapse(app)

    last = annual_cycle(today(app), (4, 1)).start - timedelta(days=1)
    assert lapsed.judgement.missed_cycle == last
    assert status_of(app, learner).status is AccreditationStatus.LAPSED


def met_last_cycle(app: Flask, learner: Learner) -> Any:
    """Everything the IPP officer's last finished cycle asked for, done early in it."""
    cycle = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    ago = (today(app) - cycle.start).days - 10
    for number in range(2):
        logged(app, learner, title=f"Course {number}", minutes=600, days_ago=ago - number,
               category="formal", reflection="Learned.", impact="Changed practice.",
               item="data-protection", submission_id=f"cpd-{number}")
    return cycle


def test_the_lapse_job_leaves_someone_who_met_their_last_cycle(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=years_ago(app, 2))
    met_last_cycle(app, learner)

    assert lapse(app) == []


def test_the_lapse_reads_the_recorded_outcome_of_the_last_cycle(app: Flask) -> None:
    """Once recorded, a cycle's outcome is what the lapse reads: CPD logged late for it does
    not change it, a lead's judging it again does."""
    learner = person(app)
    record(app, learner, accredited_on=years_ago(app, 2))
    calling(app, outcomes.close_cycles, today=today(app))
    met_last_cycle(app, learner)  # logged now, dated in the cycle: too late for its outcome

    assert [standing.learner_id for standing in calling(app, due_to_lapse,
                                                        as_of=today(app))] == [learner.id]

    cycle = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    calling(app, outcomes.judge_again, LEAD, learner, OFFICER, cycle.start,
            reason="The courses were logged late; the register confirms them.")

    assert lapse(app) == []


def test_an_exempt_cycle_is_not_a_missed_one(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=years_ago(app, 2))
    last = annual_cycle(today(app), (4, 1)).start - timedelta(days=1)
    calling(app, allowances.grant_exemption, LEAD, learner, OFFICER, on=last,
            reason="Seconded to the NCA for the year.")

    assert lapse(app) == []


def test_a_cycle_that_ended_before_the_accreditation_does_not_lapse_it(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app))

    assert lapse(app) == []
    assert status_of(app, learner).status is AccreditationStatus.ACCREDITED


# --- The projection ---------------------------------------------------------------------------


def test_accreditation_statements_from_an_lrs_client_change_no_accreditation(
        app: Flask) -> None:
    learner = person(app)
    recorded = record(app, learner)
    sent = statement(app, recorded.statement_id)
    forged = {key: sent[key] for key in ("actor", "verb", "object", "context")}
    forged["context"] = {"extensions": {**sent["context"]["extensions"],
                                        vocabulary.EXT_ACCREDITED_ON: "2025-01-01"}}
    with app.app_context():
        settings = get_state(app).settings
        StatementStore(db.session, listeners=[AccreditationProjection(settings)]).add(
            forged, authority=client_authority(settings, "lms"))
        db.session.commit()
        db.session.remove()

    assert status_of(app, learner).accredited_on == ACCREDITED


def test_an_approval_without_dates_renews_from_its_day_by_the_schemes_rules(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = renew(app, learner)
    with app.app_context():
        settings = get_state(app).settings
        lead = LearnerIdentity("jlead", "Insp Jo Lead")
        approval = VerifiedBuilder(settings).build(lead, renewal.statement_id, comment=None,
                                                   at=datetime.now(timezone.utc))
        StatementStore(db.session, listeners=[AccreditationProjection(settings)]).add(
            approval, authority=learner_agent(settings, lead))
        db.session.commit()
        db.session.remove()

    judged = status_of(app, learner)

    assert (judged.accredited_on, judged.expires_on) == (today(app),
                                                          RULES.expires_on(today(app)))


def void(app: Flask, statement_id: str) -> None:
    with app.app_context():
        settings = get_state(app).settings
        store = StatementStore(db.session, listeners=[AccreditationProjection(settings)])
        original = store.get(statement_id)
        assert original is not None
        store.add({"actor": original["actor"],
                   "verb": {"id": "http://adlnet.gov/expapi/verbs/voided",
                            "display": {"en-GB": "voided"}},
                   "object": {"objectType": "StatementRef", "id": statement_id}},
                  authority=original["authority"])
        db.session.commit()
        db.session.remove()


def test_voiding_a_suspension_gives_the_accreditation_back(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    suspended = change(app, learner, "suspended")

    void(app, suspended.statement_id)

    assert status_of(app, learner).status is AccreditationStatus.ACCREDITED


def test_voiding_an_approval_puts_the_renewal_back_to_wait_and_the_old_dates_back(
        app: Flask) -> None:
    learner = person(app)
    accredited = _accredited_expiring_in(app, 30)
    record(app, learner, accredited_on=accredited)
    decided = decide(app, renew(app, learner))

    void(app, decided.decision_statement_id)

    with app.app_context():
        renewal = db.session.get(Renewal, decided.id) or db.session.scalar(sa.select(Renewal))
        waiting = (renewal.status, renewal.decided_by)
        files = db.session.scalars(sa.select(Evidence.status)).all()
        db.session.remove()
    assert waiting == ("pending", None)
    assert files == ["pending"]
    assert status_of(app, learner).accredited_on == accredited


def test_voiding_a_renewal_removes_it_and_its_evidence(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renewal = renew(app, learner)

    void(app, renewal.statement_id)

    with app.app_context():
        left = (db.session.scalar(sa.select(sa.func.count()).select_from(Renewal)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)))
        db.session.remove()
    assert left == (0, 0)


def test_voiding_a_leads_own_record_leaves_the_people_they_decided_about_alone(
        app: Flask) -> None:
    lead = person(app, "jlead", "Insp Jo Lead")
    own = record(app, lead)
    sam = person(app, "sjones", "DS Sam Jones")
    record(app, sam, accredited_on=today(app) - timedelta(days=5))
    change(app, sam, "suspended")
    change(app, sam, "reinstated", "Cleared.", lead=Lead("kboss", "Supt Kay Boss"))

    void(app, own.statement_id)

    assert status_of(app, sam).status is AccreditationStatus.ACCREDITED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Accreditation)) == 1
        db.session.remove()


def test_rebuilding_gives_the_rows_the_statements_gave_one_by_one(app: Flask) -> None:
    priya, sam, kim = (person(app), person(app, "sjones", "DS Sam Jones"),
                       person(app, "kali", "DC Kim Ali"))
    record(app, priya, accredited_on=_accredited_expiring_in(app, 30),
           endorsements=("covert-sources",))
    decide(app, renew(app, priya), approve=False, comment="Add your debrief log.")
    decide(app, renew(app, priya, submission_id="renewal-2"))
    record(app, sam, status="working-towards")
    record(app, sam, accredited_on=today(app) - timedelta(days=5), submission_id="form-2")
    change(app, sam, "suspended")
    change(app, sam, "reinstated", "Cleared.")
    record(app, kim)
    lapse(app)
    incremental = snapshot(app)
    assert len(incremental) == 3 + 2 + 2

    with app.app_context():
        count = accreditation_projection.rebuild(db.session, get_state(app).settings)
        db.session.commit()
        db.session.remove()

    assert count == 11  # 10 by officers and leads, 1 lapse by the job
    assert snapshot(app) == incremental


# --- What a renewal needs -------------------------------------------------------------------


def needs(app: Flask, learner: Learner) -> RenewalNeeds:
    with app.app_context():
        found = renewal_needs(db.session, get_state(app).settings,
                                            db.session.get(Learner, learner.id), SCHEME,
                                            today=today(app))
        db.session.remove()
    return found


def test_renewal_needs_judge_each_cycle_since_the_accreditation(app: Flask) -> None:
    learner = person(app)
    accredited = _accredited_expiring_in(app, 30)
    record(app, learner, accredited_on=accredited)

    found = needs(app, learner)

    # The IPP example is in force from 1 Apr 2024: cycles before it have nothing to judge by.
    first = annual_cycle(max(accredited, date(2024, 4, 1)), (4, 1))
    current = annual_cycle(today(app), (4, 1))
    assert found.cycles[0].cycle == first
    assert found.cycles[-1].cycle == current
    assert [c.cycle.start.year for c in found.cycles] == list(range(first.start.year,
                                                                    current.start.year + 1))
    assert all((c.finished and c.status is Status.NON_COMPLIANT) or not c.finished
               for c in found.cycles)
    assert not found.cycles[-1].finished
    assert found.expires_on == today(app) + timedelta(days=30)


def test_renewal_needs_list_what_is_missing_in_words(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))

    found = needs(app, learner)

    first = found.cycles[0].cycle
    assert found.missing[0] == (f"Intelligence Officer CPD for {first.start:%-d %b %Y} to "
                                f"{first.end:%-d %b %Y}: not met.")
    assert found.missing[-2:] == (
        "A statement of your continued competence.",
        "At least 1 file of evidence of your continued competence.")
    assert not found.evidence_met


def test_a_met_cycle_is_not_missing(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    cycle = met_last_cycle(app, learner)

    found = needs(app, learner)

    [judged] = [c for c in found.cycles if c.cycle == cycle]
    assert judged.met
    assert not any(f"{cycle.start:%-d %b %Y}" in line for line in found.missing)


def test_once_a_renewal_is_sent_its_evidence_counts_and_nothing_else_is_asked(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    renew(app, learner)

    found = needs(app, learner)

    assert (found.evidence_met, found.pending_files) == (True, 1)
    assert found.pending_since is not None
    assert not any("continued competence" in line for line in found.missing)


def test_before_renewal_opens_nothing_is_asked_for_it_yet(app: Flask) -> None:
    learner = person(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=1))  # no cycle missed since

    found = needs(app, learner)

    assert found.judgement.status is AccreditationStatus.ACCREDITED
    assert found.missing == ()


def test_renewal_needs_of_someone_working_towards_say_there_is_nothing_to_renew(
        app: Flask) -> None:
    learner = person(app)
    record(app, learner, status="working-towards")

    found = needs(app, learner)

    assert found.cycles == ()
    assert found.missing == ("An accreditation to renew: record your IPP accreditation once you "
                             "have it.",)


# --- The daily job ------------------------------------------------------------------------------


def test_the_lapse_job_is_always_scheduled_daily_with_a_stable_id(app: Flask) -> None:
    [job] = [job for job in scheduler.jobs(app) if job.id == "cpd-tracker.accreditation-lapse"]

    assert (job.daily_at, job.schedule) == (scheduler.LAPSE_AT, "daily at 02:30")


def test_the_scheduler_runs_the_lapse_job_on_a_daily_trigger(app: Flask) -> None:
    runner = scheduler.create_scheduler(app, background=True)
    runner.start(paused=True)
    try:
        job = runner.get_job("cpd-tracker.accreditation-lapse")
        assert isinstance(job.trigger, CronTrigger)
        assert (str(job.trigger.fields[5]), str(job.trigger.fields[6])) == ("2", "30")
    finally:
        runner.shutdown(wait=False)


def test_the_scheduled_lapse_job_records_the_lapses_due_today(app: Flask) -> None:
    learner = person(app)
    record(app, learner)
    [job] = [job for job in scheduler.jobs(app) if job.id == "cpd-tracker.accreditation-lapse"]

    [lapsed] = job.run()

    assert lapsed.reference == "pshah"
    assert status_of(app, learner).decided

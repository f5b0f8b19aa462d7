"""The demo force's people and their CPD: small, believable, and every page shows something real.

Activities are logged through the library's own service, so the seed produces real xAPI
statements and projections, exactly as an officer's form would. Dates are relative to today, so
the demo looks current whenever it is run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from cpd_tracker import frameworks, get_state, migration
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.judging import snapshots
from cpd_tracker.judging.accreditation import rules_for
from cpd_tracker.models import Activity
from cpd_tracker.record.identities import Lead, client_authority
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services import accreditation, outcomes
from cpd_tracker.services.activities import ActivityEntry, log_activity
from cpd_tracker.services.allowances import approve_absence, grant_exemption, grant_extension
from cpd_tracker.services.evidence import attach_evidence, decide_evidence
from xapi.clients import create_client

#: The demo force's requirements: the shipped IPP example (its figures are examples, which a
#: force replaces with its own; public sources give no CPD hours for IPP roles).
FRAMEWORK = "ipp-example"

FIB = "Force Intelligence Bureau"
SOCU = "Serious and Organised Crime Unit"
LEAD = "mevans"
#: The demo LMS's credentials for the LRS API at /xapi/ (HTTP Basic).
LMS_CLIENT = "demo-lms"
LMS_SECRET = "demo-secret"


@dataclass(frozen=True)
class Done:
    """A piece of CPD in the seed, dated relative to today."""

    days_ago: int
    title: str
    minutes: int
    category: str
    reflection: str = ""
    impact: str = ""
    kind: str | None = None
    item: str | None = None
    participatory: bool = False


@dataclass
class Person:
    username: str
    name: str
    job_title: str
    unit: str
    joined_days_ago: int
    roles: list[str]
    manager: str | None = None
    fte: str = "1"
    activities: list[Done] = field(default_factory=list)
    #: A lead's exemption for this cycle (the reason), if any.
    exempt: str | None = None
    #: An approved absence: (started days ago, ends in days, reason).
    absence: tuple[int, int, str] | None = None


PEOPLE = [
    Person("pshah", "DC Priya Shah", "Intelligence Officer", FIB, 3100, ["intelligence-officer"],
           manager="hmorris", activities=[
               Done(200, "IPP CPD workshop: open-source intelligence", 210, "formal",
                    "Practised structured OSINT searches and recording the audit trail.",
                    participatory=True),
               Done(150, "Shadowed a tactical tasking and coordination group", 180, "work-based",
                    "Saw how our intelligence products shape tasking.",
                    "My recommendations are now specific enough to task against.",
                    kind="reflective-account"),
               Done(95, "RIPA and CHIS legislation update briefing", 90, "formal",
                    "Changes to authorisation reviews; updated my checklist."),
               Done(40, "Read: Authorised Professional Practice, intelligence management", 150,
                    "self-directed"),
               Done(12, "Data protection and MoPI refresher (College Learn)", 240, "formal",
                    item="data-protection"),
           ]),
    Person("tbarker", "Tom Barker", "Intelligence Analyst (part-time)", FIB, 2200,
           ["intelligence-analyst"], manager="hmorris", fte="0.6", activities=[
               Done(120, "i2 Analyst's Notebook: advanced charting", 360, "formal",
                    "Timeline and association charts for the county lines problem profile."),
               Done(30, "Regional analysts' network meeting", 120, "professional",
                    "Heard how two forces grade open-source material.", kind="peer-discussion",
                    participatory=True),
               Done(300, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
    Person("akhan", "Aisha Khan", "Intelligence Researcher", FIB, 75,
           ["intelligence-researcher"], manager="hmorris", activities=[
               Done(60, "Induction: intelligence systems and handling codes", 120, "formal",
                    "How to grade and sanitise intelligence before dissemination.",
                    item="intelligence-handling"),
           ]),
    Person("glewis", "DC Gareth Lewis", "Intelligence Officer", SOCU, 4200,
           ["intelligence-officer"], manager=LEAD, activities=[
               Done(170, "Covert policing legislation e-learning", 90, "formal"),
               Done(45, "Case review: Operation Kestrel debrief", 90, "work-based"),
               Done(330, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
    Person("dokafor", "Dan Okafor", "Intelligence Analyst", SOCU, 1500,
           ["intelligence-analyst"], manager=LEAD, activities=[
               Done(210, "Secondment day with the Regional Organised Crime Unit", 420,
                    "work-based", "Compared our network analysis methods with the ROCU's.",
                    "I now test every network chart against a second source first.",
                    participatory=True),
               Done(160, "Presented a problem profile to the force tactical meeting", 180,
                    "professional", "Questions showed where my confidence language was vague.",
                    kind="peer-discussion", participatory=True),
               Done(100, "Statistics for analysts (Open University short course)", 480,
                    "formal"),
               Done(20, "Read: National Intelligence Model refresher", 240, "self-directed"),
               Done(420, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
    Person("hmorris", "DS Helen Morris", "Intelligence Supervisor (line manager)", FIB, 5200,
           ["intelligence-officer"], activities=[
               Done(130, "Leading intelligence teams: College of Policing module", 300, "formal",
                    "Structured feedback conversations."),
               Done(70, "Mentored a new intelligence researcher", 240, "professional",
                    participatory=True),
               Done(25, "Debrief techniques workshop", 180, "formal"),
               Done(90, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
    Person(LEAD, "DI Mark Evans", "IPP Accreditation Lead", "Professional Standards", 6100,
           ["intelligence-officer"], activities=[
               Done(180, "IPP assessor standardisation day", 420, "formal",
                    "Calibrated grading of portfolio evidence with other assessors.",
                    "My feedback to candidates now cites the standard it is judged against.",
                    participatory=True),
               Done(90, "National IPP leads' forum", 360, "professional",
                    "Compared renewal processes across forces.", participatory=True),
               Done(15, "Reviewed the force's intelligence CPD framework", 720, "work-based"),
               Done(60, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
    Person("jwalsh", "Jo Walsh", "Intelligence Support Officer", FIB, 900,
           ["intelligence-support-officer"], manager="hmorris",
           exempt="Seconded to the National Crime Agency for this cycle.", activities=[
               Done(250, "Intelligence systems user training", 180, "formal"),
           ]),
    Person("lpatel", "Laura Patel", "Intelligence Researcher", SOCU, 1200,
           ["intelligence-researcher"], manager=LEAD, fte="0.8",
           absence=(120, 60, "parental leave"), activities=[
               Done(200, "Handling codes and sanitisation refresher", 120, "formal",
                    "Re-read the 3x5x2 handling guidance.", item="intelligence-handling"),
               Done(190, "Data protection and MoPI refresher (College Learn)", 120, "formal",
                    item="data-protection"),
           ]),
]


def prepare(app: Flask) -> bool:
    """Upgrade the library's tables, create the host's, and seed if empty; then record the
    outcome of every cycle that has ended, as the daily job would have (a freshly seeded demo
    shows its people's past cycles). True if seeded."""
    with app.app_context():
        migration.upgrade(db.engine)
        db.create_all()
        seeded = db.session.scalar(db.select(DemoUser).limit(1)) is None
        if seeded:
            seed(app)
        state = get_state(app)
        outcomes.close_cycles(db.session, state.settings, today=state.today())
        db.session.remove()
        return seeded


def seed(app: Flask) -> None:
    """Load the IPP example framework; create the demo force's people, roles and CPD."""
    state = get_state(app)
    today = state.today()
    frameworks.load_file(db.session, frameworks.shipped(FRAMEWORK),
                         categories=[code for code, _ in state.settings.categories], today=today)
    db.session.commit()
    users = []
    for person in PEOPLE:
        user = DemoUser(
            username=person.username, name=person.name, job_title=person.job_title,
            email=f"{person.username}@demo-force.police.uk", org_unit=person.unit,
            line_manager_reference=person.manager, fte=Decimal(person.fte),
            joined_on=today - timedelta(days=person.joined_days_ago),
        )
        db.session.add(user)
        users.append((person, user))
    db.session.commit()
    learners = {}
    for person, user in users:
        learner = learners[person.username] = state.learner_for(user)
        for code in person.roles:
            assign_role(db.session, learner, code, started_on=user.joined_on)
        db.session.commit()
        for number, done in enumerate(person.activities):
            log_activity(db.session, state.settings, learner, ActivityEntry(
                title=done.title, activity_date=_on(today, done.days_ago, user.joined_on),
                minutes=done.minutes, category=done.category,
                reflection=done.reflection or None, impact=done.impact or None,
                kind=done.kind, item=done.item, participatory=done.participatory,
                submission_id=f"demo-seed-{person.username}-{number}",
            ), today=today)
    create_client(db.session, LMS_CLIENT, secret=LMS_SECRET,
                  authority=client_authority(state.settings, LMS_CLIENT))
    db.session.commit()
    lead = Lead(reference=LEAD, name=learners[LEAD].name)
    _seed_evidence(app, learners, lead)
    _seed_accreditations(app, learners)
    for person, _user in users:
        learner = learners[person.username]
        if person.exempt:
            grant_exemption(db.session, state.settings, lead, learner, person.roles[0],
                            on=today, reason=person.exempt)
        if person.absence:
            started, ends_in, reason = person.absence
            approve_absence(db.session, state.settings, lead, learner,
                            starts_on=today - timedelta(days=started),
                            ends_on=today + timedelta(days=ends_in), reason=reason)
    _seed_snapshots(app)


#: Weeks of compliance snapshots the seed takes (as the nightly job would have), for trends and
#: the leads' weekly digest.
SNAPSHOT_WEEKS = 12


def _seed_snapshots(app: Flask) -> None:
    """A snapshot a week for the past weeks and one today, as the nightly job would have taken
    them (each judged from the record as it stands: CPD dated after a day is not counted)."""
    state = get_state(app)
    today = state.today()
    for weeks in range(SNAPSHOT_WEEKS, -1, -1):
        snapshots.take(db.session, state.settings, as_of=today - timedelta(weeks=weeks))


def _on(today: date, days_ago: int, joined: date) -> date:
    return max(today - timedelta(days=days_ago), joined)


#: Certificates in the seed: (person, title of the activity, decision: None waits for the lead).
CERTIFICATES = [
    ("pshah", "Data protection and MoPI refresher (College Learn)", None),
    ("pshah", "IPP CPD workshop: open-source intelligence", "approve"),
    ("tbarker", "i2 Analyst's Notebook: advanced charting", None),
    ("dokafor", "Statistics for analysts (Open University short course)", "approve"),
    ("glewis", "Covert policing legislation e-learning", "reject"),
]


def _seed_evidence(app: Flask, learners: dict, lead: Lead) -> None:
    """Certificates attached to some activities: some waiting for the lead, one verified, one
    rejected, so the verification queue and the officers' pages show each state."""



    state = get_state(app)
    for username, title, decision in CERTIFICATES:
        learner = learners[username]
        activity = db.session.scalar(sa.select(Activity).where(
            Activity.learner_id == learner.id, Activity.title == title))
        if activity is None:
            continue
        item = attach_evidence(
            db.session, state.settings, state.storage, learner, activity,
            io.BytesIO(_certificate(learner.name, title)), "certificate.pdf",
            description="Certificate of completion", submission_id=f"demo-seed-{username}-{title}")
        if decision:
            decide_evidence(db.session, state.settings, lead, item, approve=decision == "approve",
                            comment=None if decision == "approve" else
                            "This certificate is for a different course; attach the covert "
                            "policing one.")


def _seed_accreditations(app: Flask, learners: dict) -> None:
    """IPP accreditations in each state: Helen Morris's renewal is due (every cycle since met)
    and waits in the lead's queue; Priya Shah was accredited this cycle; Gareth Lewis's expired
    and the lapse job has recorded it; Aisha Khan is working towards hers. And reminders due
    today, whatever day the demo is seeded: Mark Evans's renewal, Gareth Lewis's shortfall."""


    state = get_state(app)
    today = state.today()
    this_cycle = _cycle_start(today)
    morris = learners["hmorris"]
    accredited = today - timedelta(days=3 * 365 - 20)  # expires within 30 days
    _met_cycles(app, morris, since=accredited, until=this_cycle)
    accreditation.record_accreditation(
        db.session, state.settings, morris, FRAMEWORK, status="accredited",
        accredited_on=accredited, endorsements=["covert-sources"], submission_id="demo-seed")
    accreditation.submit_renewal_with_files(
        db.session, state.settings, state.storage, morris, FRAMEWORK,
        competence="Supervised the bureau's covert source intelligence desk for three years; "
                   "quality-assured 140 intelligence reports against the handling codes and "
                   "mentored two new researchers to their first IPP portfolio.",
        uploads=[(io.BytesIO(_certificate(morris.name, "Intelligence supervisors' course")),
                  "supervisors-course.pdf")], submission_id="demo-seed")
    accreditation.record_accreditation(
        db.session, state.settings, learners["pshah"], FRAMEWORK, status="accredited",
        accredited_on=max(today - timedelta(days=180), this_cycle),
        endorsements=["open-source"], submission_id="demo-seed")
    accreditation.record_accreditation(
        db.session, state.settings, learners["glewis"], FRAMEWORK, status="accredited",
        accredited_on=today - timedelta(days=3 * 365 + 60), submission_id="demo-seed")
    accreditation.record_accreditation(
        db.session, state.settings, learners["akhan"], FRAMEWORK, status="working-towards",
        submission_id="demo-seed")
    # DI Mark Evans's own accreditation expires 30 days from today: a renewal reminder is due.
    rules = rules_for(db.session, FRAMEWORK)
    evans = learners[LEAD]
    expiring = next(day for day in (today - timedelta(days=3 * 365 - n) for n in range(20, 40))
                    if rules.expires_on(day) == today + timedelta(days=30))
    _met_cycles(app, evans, since=expiring, until=this_cycle)
    accreditation.record_accreditation(
        db.session, state.settings, evans, FRAMEWORK, status="accredited",
        accredited_on=expiring, submission_id="demo-seed")
    accreditation.lapse_due(db.session, state.settings, as_of=today)
    # Gareth Lewis missed last cycle; the lead gave him until a week from today to make it up,
    # so a shortfall reminder is due today too.
    grant_extension(db.session, state.settings, Lead(reference=LEAD, name=evans.name),
                    learners["glewis"], "intelligence-officer",
                    on=this_cycle - timedelta(days=1), due=today + timedelta(days=7),
                    reason="Long-term sickness last spring; agreed catch-up plan.")


def _met_cycles(app: Flask, learner: Any, *, since: date, until: date) -> None:
    """CPD that meets the Intelligence Officer requirements in every cycle from the one holding
    ``since`` to the one before ``until``, so an accreditation from ``since`` stands."""
    state = get_state(app)
    start = _cycle_start(since)
    while start < until:
        year = start.year
        for number, (offset, title, minutes, category, reflection, impact, item) in enumerate([
                (30, "Data protection and MoPI refresher (College Learn)", 120, "formal", "", "",
                 "data-protection"),
                (90, "Intelligence supervisors' course", 600, "formal",
                 "Quality assurance of intelligence reports against the handling codes.",
                 "Our reports now go out with the handling code checked twice.", None),
                (200, "Peer review of the bureau's intelligence products", 600, "work-based",
                 "Saw where our confidence language was vague.", "", None)]):
            log_activity(db.session, state.settings, learner, ActivityEntry(
                title=title, activity_date=start + timedelta(days=offset), minutes=minutes,
                category=category, reflection=reflection or None, impact=impact or None,
                item=item, submission_id=f"demo-seed-history-{year}-{number}"),
                today=state.today())
        start = date(year + 1, 4, 1)


def _cycle_start(day: date) -> date:
    """The first day of the IPP example's cycle (1 April to 31 March) holding ``day``."""
    return date(day.year if day >= date(day.year, 4, 1) else day.year - 1, 4, 1)


def _certificate(name: str, course: str) -> bytes:
    """A one-page certificate of completion, made with reportlab for the demo."""


    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=landscape(A4))
    width, height = landscape(A4)
    page.setTitle(f"Certificate: {course}")
    page.setFont("Helvetica-Bold", 28)
    page.drawCentredString(width / 2, height - 150, "Certificate of completion")
    page.setFont("Helvetica", 18)
    page.drawCentredString(width / 2, height - 220, name)
    page.drawCentredString(width / 2, height - 260, course)
    page.setFont("Helvetica-Oblique", 11)
    page.drawCentredString(width / 2, 80, "Demo Force Learning: a made-up certificate for the demo")
    page.showPage()
    page.save()
    return out.getvalue()

"""The demo force's people and their CPD: small, believable, and every page shows something real.

Activities are logged through the library's own service, so the seed produces real xAPI
statements and projections, exactly as an officer's form would. Dates are relative to today, so
the demo looks current whenever it is run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask

from cpd_tracker import get_state, migration
from cpd_tracker.activities import ActivityEntry, log_activity
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.learners import assign_role, define_role

#: (code, name, annual hours). Public sources give no CPD hours for IPP roles: these figures
#: are examples a force replaces with its own.
ROLES = [
    ("intelligence-officer", "Intelligence Officer", 20),
    ("intelligence-analyst", "Intelligence Analyst", 20),
    ("intelligence-researcher", "Intelligence Researcher", 15),
]

FIB = "Force Intelligence Bureau"
SOCU = "Serious and Organised Crime Unit"


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
    #: (days ago, title, minutes, category, reflection)
    activities: list[tuple[int, str, int, str, str]] = field(default_factory=list)


PEOPLE = [
    Person("pshah", "DC Priya Shah", "Intelligence Officer", FIB, 3100, ["intelligence-officer"],
           manager="hmorris", activities=[
               (200, "IPP CPD workshop: open-source intelligence", 210, "formal",
                "Practised structured OSINT searches and recording the audit trail."),
               (150, "Shadowed a tactical tasking and coordination group", 180, "work-based",
                "Saw how our intelligence products shape tasking; I will make my "
                "recommendations more specific."),
               (95, "RIPA and CHIS legislation update briefing", 90, "formal",
                "Changes to authorisation reviews; updated my checklist."),
               (40, "Read: Authorised Professional Practice, intelligence management", 150,
                "self-directed", ""),
               (12, "Data protection and MoPI refresher (College Learn)", 240, "formal", ""),
           ]),
    Person("tbarker", "Tom Barker", "Intelligence Analyst (part-time)", FIB, 2200,
           ["intelligence-analyst"], manager="hmorris", fte="0.6", activities=[
               (120, "i2 Analyst's Notebook: advanced charting", 360, "formal",
                "Timeline and association charts for the county lines problem profile."),
               (30, "Regional analysts' network meeting", 120, "professional", ""),
           ]),
    Person("akhan", "Aisha Khan", "Intelligence Researcher", FIB, 75,
           ["intelligence-researcher"], manager="hmorris", activities=[
               (60, "Induction: intelligence systems and handling codes", 120, "formal",
                "How to grade and sanitise intelligence before dissemination."),
           ]),
    Person("glewis", "DC Gareth Lewis", "Intelligence Officer", SOCU, 4200,
           ["intelligence-officer"], manager="mevans", activities=[
               (170, "Covert policing legislation e-learning", 90, "formal", ""),
               (45, "Case review: Operation Kestrel debrief", 90, "work-based", ""),
           ]),
    Person("dokafor", "Dan Okafor", "Intelligence Analyst", SOCU, 1500,
           ["intelligence-analyst"], manager="mevans", activities=[
               (210, "Secondment day with the Regional Organised Crime Unit", 420, "work-based",
                "Compared our network analysis methods with the ROCU's."),
               (160, "Presented a problem profile to the force tactical meeting", 180,
                "professional", ""),
               (100, "Statistics for analysts (Open University short course)", 480, "formal", ""),
               (20, "Read: National Intelligence Model refresher", 240, "self-directed", ""),
           ]),
    Person("hmorris", "DS Helen Morris", "Intelligence Supervisor (line manager)", FIB, 5200,
           ["intelligence-officer"], activities=[
               (130, "Leading intelligence teams: College of Policing module", 300, "formal", ""),
               (70, "Mentored a new intelligence researcher", 240, "professional", ""),
               (25, "Debrief techniques workshop", 180, "formal", ""),
           ]),
    Person("mevans", "DI Mark Evans", "IPP Accreditation Lead", "Professional Standards", 6100,
           ["intelligence-officer"], activities=[
               (180, "IPP assessor standardisation day", 420, "formal", ""),
               (90, "National IPP leads' forum", 360, "professional", ""),
               (15, "Reviewed the force's intelligence CPD framework", 720, "work-based", ""),
           ]),
]


def prepare(app: Flask) -> bool:
    """Upgrade the library's tables, create the host's, and seed if empty. True if seeded."""
    with app.app_context():
        migration.upgrade(db.engine)
        db.create_all()
        if db.session.scalar(db.select(DemoUser).limit(1)) is not None:
            return False
        seed(app)
        return True


def seed(app: Flask) -> None:
    """Create the demo force's roles, people and CPD."""
    state = get_state(app)
    today = state.today()
    for code, name, hours in ROLES:
        define_role(db.session, code, name, hours)
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
    for person, user in users:
        learner = state.learner_for(user)
        for code in person.roles:
            assign_role(db.session, learner, code, started_on=user.joined_on)
        db.session.commit()
        for number, (days_ago, title, minutes, category, reflection) in enumerate(
                person.activities):
            log_activity(db.session, state.settings, learner, ActivityEntry(
                title=title, activity_date=_on(today, days_ago, user.joined_on), minutes=minutes,
                category=category, reflection=reflection or None,
                submission_id=f"demo-seed-{person.username}-{number}",
            ), today=today)


def _on(today: date, days_ago: int, joined: date) -> date:
    return max(today - timedelta(days=days_ago), joined)

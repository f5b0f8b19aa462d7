"""Who may do what, page by page: every route of the ``cpd_tracker`` blueprint against every kind
of user, through the host app's real sign-in session and the host's ``access=`` hook.

The record everyone is aimed at belongs to DC Priya Shah (an intelligence officer in the Force
Intelligence Bureau, line-managed by Sgt Moore). The lead acting on their own evidence is aimed
at their own record instead. A new route without a row here fails
:func:`test_the_matrix_covers_every_route_of_the_blueprint`.

Outcomes: ``ok`` 200 (the page, and it is the target's page); ``done`` 302 after doing it (and
something was recorded); ``in`` 302 to the host's sign-in (and nothing recorded); ``403`` /
``404`` refused (nothing recorded, nothing of the target's record in the body); ``422`` allowed
but refused by the service for the user's own record (nothing recorded, no file kept).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker import get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services import outcomes
from cpd_tracker.services.activities import ActivityEntry, log_activity
from cpd_tracker.services.evidence import attach_evidence
from cpd_tracker.storage import LocalStorage
from tests.conftest import MigratedDatabase, demo_app, empty_tables
from tests.factories import form_fields, framework, sign_in, today
from xapi import StatementRecord

FIB = "Force Intelligence Bureau"
SOCU = "Serious Organised Crime Unit"
PDF_HEAD = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def secret_pdf(marker: str) -> bytes:
    """A valid PDF whose bytes carry a marker no page would ever print by chance."""
    return PDF_HEAD + f"%{marker}\n".encode() + b"trailer<</Root 1 0 R>>\n%%EOF\n"


# The kinds of user, in the matrix's column order, and who each one is.
USERS = ("anonymous", "officer", "other_officer", "line_manager", "lead_in_scope",
         "lead_other_unit", "lead_other_role", "admin", "lead_own_evidence")
USERNAMES = {
    "officer": "pshah", "other_officer": "tbarker", "line_manager": "smoore",
    "lead_in_scope": "mevans", "lead_other_unit": "kocu", "lead_other_role": "ranalyst",
    "admin": "cpdadmin", "lead_own_evidence": "jlead",
}
ACCESS = {
    "mevans": Access("mevans", lead_scopes=(LeadScope("force"),)),
    "kocu": Access("kocu", lead_scopes=(LeadScope("unit", SOCU),)),
    "ranalyst": Access("ranalyst", lead_scopes=(LeadScope("role", "intelligence-analyst"),)),
    "cpdadmin": Access("cpdadmin", admin=True),
    "jlead": Access("jlead", lead_scopes=(LeadScope("force"),)),
}

#: (endpoint, method) -> the outcome for each kind of user, in the order of ``USERS``:
#:   anon    self    other   l.mgr   lead    unit    role    admin   own-lead
MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    ("my_cpd", "GET"):
        ("in", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    ("log_activity", "GET"):
        ("in", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    ("log_activity", "POST"):
        ("in", "done", "done", "done", "done", "done", "done", "done", "done"),
    ("activity", "GET"):
        ("in", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
    ("attach_evidence", "POST"):
        ("in", "done", "404", "404", "404", "404", "404", "404", "done"),
    ("edit_activity", "GET"):
        ("in", "ok", "404", "404", "404", "404", "404", "404", "ok"),
    ("edit_activity", "POST"):
        ("in", "done", "404", "404", "404", "404", "404", "404", "done"),
    ("withdraw_activity", "POST"):
        ("in", "done", "404", "404", "404", "404", "404", "404", "done"),
    ("activity_history", "GET"):
        ("in", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
    ("evidence_file", "GET"):
        ("in", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
    ("evidence_by_hash", "GET"):
        ("in", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
    ("person", "GET"):
        ("in", "ok", "403", "ok", "ok", "403", "403", "ok", "ok"),
    ("person_history", "GET"):
        ("in", "ok", "403", "ok", "ok", "403", "403", "ok", "ok"),
    ("export_record", "GET"):
        ("in", "ok", "403", "ok", "ok", "403", "403", "ok", "ok"),
    ("verification_queue", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("review_evidence", "GET"):
        ("in", "403", "403", "403", "ok", "404", "404", "ok", "404"),
    ("review_evidence", "POST"):
        ("in", "403", "403", "403", "done", "404", "404", "done", "404"),
    ("my_accreditation", "GET"):
        ("in", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    # Everyone records their own; the scheme refuses those who hold none of its roles.
    ("record_accreditation", "POST"):
        ("in", "done", "done", "422", "422", "422", "422", "422", "done"),
    # Only the accredited can renew (DC Barker is working towards it, the others hold no role).
    ("submit_renewal", "POST"):
        ("in", "done", "422", "422", "422", "422", "422", "422", "done"),
    ("person_accreditation", "GET"):
        ("in", "ok", "403", "ok", "ok", "403", "403", "ok", "ok"),
    ("change_accreditation_status", "POST"):
        ("in", "403", "403", "403", "done", "403", "403", "done", "403"),
    # A lead judging a closed cycle of the target's again (never their own).
    ("judge_cycle_again", "POST"):
        ("in", "403", "403", "403", "done", "403", "403", "done", "403"),
    ("reminder_log", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("review_renewal", "GET"):
        ("in", "403", "403", "403", "ok", "404", "404", "ok", "404"),
    ("review_renewal", "POST"):
        ("in", "403", "403", "403", "done", "404", "404", "done", "404"),
    ("static", "GET"):
        ("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    ("dashboard", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("people", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("export_people", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("export_audit", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("import_records", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("import_template", "GET"):
        ("in", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    # A CPD record for the target: the leads in scope import it; a lead out of scope is told
    # the row is not theirs (422, nothing stored), as is the lead whose own record it is.
    ("import_records", "POST"):
        ("in", "403", "403", "403", "done", "422", "422", "done", "422"),
    # The JSON API answers 401 instead of sending anyone to a sign-in page.
    ("api_openapi", "GET"):
        ("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    ("api_compliance", "GET"):
        ("401", "403", "403", "403", "ok", "ok", "ok", "ok", "ok"),
    ("api_person_compliance", "GET"):
        ("401", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
    ("api_activities", "GET"):
        ("401", "ok", "404", "ok", "ok", "404", "404", "ok", "ok"),
}
#: On the verification queue, whose target evidence is listed (the others see a queue without
#: it: out of their scope, or their own).
QUEUE_LISTS_TARGET = {"lead_in_scope", "admin"}
#: In the reminder log, who sees the reminder about the target: leads in scope, and the lead
#: whose own it is.
LOG_LISTS_TARGET = {"lead_in_scope", "admin", "lead_own_evidence"}
#: In the people list (and the API's scope compliance), who sees the target: leads in scope,
#: and the lead whose own record it is.
PEOPLE_LISTS_TARGET = {"lead_in_scope", "admin", "lead_own_evidence"}
#: Statements each allowed POST records.
WRITES = {"log_activity": 1, "attach_evidence": 1, "edit_activity": 2, "withdraw_activity": 1,
          "review_evidence": 1, "record_accreditation": 1, "submit_renewal": 1,
          "change_accreditation_status": 1, "review_renewal": 1, "import_records": 1,
          "judge_cycle_again": 1}

CELLS = [pytest.param(endpoint, method, user, MATRIX[(endpoint, method)][column],
                      id=f"{endpoint}-{method}-{user}")
         for (endpoint, method) in MATRIX for column, user in enumerate(USERS)]


@dataclass(frozen=True)
class Target:
    """The record a user is aimed at: its owner, activity and evidence file."""

    reference: str
    title: str
    activity_id: int
    activity_iri: str
    evidence_id: int
    sha256: str
    content: bytes
    #: A pending renewal of theirs, made only for the renewal review rows.
    renewal_id: int | None = None


@dataclass(frozen=True)
class World:
    priya: Target
    lead_own: Target
    analyst_evidence_id: int

    def target_for(self, user: str) -> Target:
        return self.lead_own if user == "lead_own_evidence" else self.priya


def person(app: Flask, username: str, name: str, *, unit: str = FIB,
           roles: tuple[str, ...] = (), line_manager: str | None = None) -> int:
    """A host user (with a line manager, if given) and their learner record holding ``roles``."""
    with app.app_context():
        joined = today(app) - timedelta(days=2000)
        user = DemoUser(username=username, name=name, email=f"{username}@force.example",
                        job_title="Police officer", org_unit=unit, fte=Decimal(1),
                        joined_on=joined, line_manager_reference=line_manager)
        db.session.add(user)
        db.session.commit()
        learner = get_state(app).learner_for(user)
        for code in roles:
            assign_role(db.session, learner, code, started_on=joined)
        db.session.commit()
        learner_id = learner.id
        db.session.remove()
        return learner_id


def activity_with_evidence(app: Flask, learner_id: int, title: str, content: bytes) -> Target:
    """An activity logged and a file attached to it, through the services."""
    with app.app_context():
        state = get_state(app)
        learner = db.session.get(Learner, learner_id)
        activity = log_activity(db.session, state.settings, learner, ActivityEntry(
            title=title, activity_date=today(app) - timedelta(days=3), minutes=90,
            category="formal", reflection="Kept an audit trail."), today=today(app))
        item = attach_evidence(db.session, state.settings, state.storage, learner, activity,
                               io.BytesIO(content), "certificate.pdf")
        target = Target(learner.reference, title, activity.id, activity.activity_iri, item.id,
                        item.sha256, content)
        db.session.remove()
        return target


def use_access_hook(app: Flask) -> None:
    """Leads and the admin, as the host's ``access=`` hook would say."""
    get_state(app).access = lambda user: ACCESS.get(user.get_id(), Access(user.get_id()))


def accredited(app: Flask, target: Target, *, renewal: bool) -> Target:
    """Accredited almost three years ago (renewal open), with a pending renewal if asked."""
    from dataclasses import replace

    from cpd_tracker.record.statements import EvidenceFile
    from cpd_tracker.services import accreditation

    with app.app_context():
        state = get_state(app)
        learner = db.session.scalar(sa.select(Learner).where(
            Learner.reference == target.reference))
        accreditation.record_accreditation(
            db.session, state.settings, learner, "ipp-example", status="accredited",
            accredited_on=today(app) - timedelta(days=3 * 365 - 30), submission_id="matrix")
        renewal_id = None
        if renewal:
            file = EvidenceFile("certificate.pdf", "application/pdf", len(target.content),
                                target.sha256)
            renewal_id = accreditation.submit_renewal(
                db.session, state.settings, learner, "ipp-example",
                competence=f"Renewal of {target.title}: kept up my competence.",
                files=[(file, "https://lms.example/file")], submission_id="matrix").id
        db.session.remove()
    return replace(target, renewal_id=renewal_id)


def reminded(app: Flask, target: Target) -> Target:
    """A reminder about the target's CPD in the reminder log, naming their activity."""
    from cpd_tracker.reminders import outbox
    from cpd_tracker.reminders.stages import Due

    with app.app_context():
        learner = db.session.scalar(sa.select(Learner).where(
            Learner.reference == target.reference))
        outbox.record(db.session, [Due(
            key=f"shortfall:{target.reference}:intelligence-officer:2027-03-31:30",
            kind="shortfall", learner_id=learner.id, recipient_reference=learner.reference,
            recipient_name=learner.name, recipient_email=learner.email, stage=30,
            due_on=date(2027, 3, 31), stage_on=date(2027, 3, 1),
            title=f"Reminder about {target.title}", about="intelligence-officer")])
        db.session.remove()
    return target


def build_world(app: Flask, *, renewals: bool = False) -> World:
    framework(app)
    use_access_hook(app)
    priya = person(app, "pshah", "DC Priya Shah", roles=("intelligence-officer",),
                   line_manager="smoore")
    person(app, "tbarker", "DC Tom Barker", roles=("intelligence-officer",),
           line_manager="smoore")
    person(app, "smoore", "Sgt Sarah Moore")
    person(app, "mevans", "DI Mark Evans")
    person(app, "kocu", "DI Kate Okafor", unit=SOCU)
    person(app, "ranalyst", "DS Ravi Anand")
    person(app, "cpdadmin", "CPD Administrator")
    lead = person(app, "jlead", "DS Jo Lead", roles=("intelligence-officer",))
    analyst = person(app, "jwright", "Jane Wright", unit=SOCU, roles=("intelligence-analyst",))
    with app.app_context():  # the cycles that have ended, recorded as the daily job does
        outcomes.close_cycles(db.session, get_state(app).settings, today=today(app))
        db.session.remove()
    return World(
        priya=reminded(app, accredited(app, activity_with_evidence(
            app, priya, "Covert source handling refresher",
            secret_pdf("PRIYA-EVIDENCE-9f41c2")), renewal=renewals)),
        lead_own=reminded(app, accredited(app, activity_with_evidence(
            app, lead, "Leads own surveillance course",
            secret_pdf("LEAD-OWN-EVIDENCE-51aa0e")), renewal=renewals)),
        analyst_evidence_id=activity_with_evidence(
            app, analyst, "Financial analysis workshop",
            secret_pdf("ANALYST-EVIDENCE-77d0b3")).evidence_id,
    )


@dataclass(frozen=True)
class Snapshot:
    statements: int
    evidence: list[tuple[int, str]]
    activities: int
    files: int


def snapshot(app: Flask) -> Snapshot:
    with app.app_context():
        statements = db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord))
        evidence = [tuple(row) for row in db.session.execute(
            sa.select(Evidence.id, Evidence.status).order_by(Evidence.id))]
        activities = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        db.session.remove()
    storage = get_state(app).storage
    assert isinstance(storage, LocalStorage)
    files = sum(1 for path in storage.folder.rglob("*") if path.is_file())
    return Snapshot(statements, evidence, activities, files)


def csrf_token(client: FlaskClient) -> str:
    """A CSRF token for the client's session (the host's sign-in page renders one for anyone)."""
    token = form_fields(client.get("/sign-in").get_data(as_text=True)).get("csrf_token")
    assert token
    return token


def activity_form(app: Flask, token: str, title: str) -> dict[str, str]:
    return {"csrf_token": token, "submission_id": str(uuid.uuid4()), "title": title,
            "activity_date": (today(app) - timedelta(days=2)).isoformat(), "hours": "1",
            "minutes": "15", "category": "formal", "reflection": "Corrected wording."}


def request(app: Flask, client: FlaskClient, endpoint: str, method: str, target: Target):
    """Do ``endpoint`` by ``method`` on ``target``'s record, as a browser would."""
    token = csrf_token(client) if method == "POST" else ""
    if endpoint == "my_cpd":
        return client.get("/cpd/")
    if endpoint == "log_activity":
        if method == "GET":
            return client.get("/cpd/activities/new")
        return client.post("/cpd/activities/new",
                           data=activity_form(app, token, "Matrix: a new activity"))
    if endpoint == "activity":
        return client.get(f"/cpd/activities/{target.activity_id}")
    if endpoint == "attach_evidence":
        return client.post(f"/cpd/activities/{target.activity_id}/evidence", data={
            "csrf_token": token, "submission_id": str(uuid.uuid4()),
            "file": (io.BytesIO(PNG), "register.png"), "description": "Course register"},
            content_type="multipart/form-data")
    if endpoint == "edit_activity":
        url = f"/cpd/activities/{target.activity_id}/edit"
        if method == "GET":
            return client.get(url)
        return client.post(url, data=activity_form(app, token, "Matrix: corrected title"))
    if endpoint == "withdraw_activity":
        return client.post(f"/cpd/activities/{target.activity_id}/withdraw",
                           data={"csrf_token": token})
    if endpoint == "activity_history":
        return client.get("/cpd/history", query_string={"activity": target.activity_iri})
    if endpoint == "evidence_file":
        return client.get(f"/cpd/evidence/{target.evidence_id}/file")
    if endpoint == "evidence_by_hash":
        return client.get(f"/cpd/evidence/files/{target.sha256}")
    if endpoint == "person":
        return client.get(f"/cpd/people/{target.reference}")
    if endpoint == "person_history":
        return client.get(f"/cpd/people/{target.reference}/history")
    if endpoint == "export_record":
        return client.get(f"/cpd/people/{target.reference}/export.pdf")
    if endpoint == "verification_queue":
        return client.get("/cpd/verification")
    if endpoint == "reminder_log":
        return client.get("/cpd/reminders")
    if endpoint == "review_evidence":
        url = f"/cpd/verification/evidence/{target.evidence_id}"
        if method == "GET":
            return client.get(url)
        return client.post(url, data={"csrf_token": token, "decision": "approve",
                                      "comment": "Matches the course."})
    if endpoint == "my_accreditation":
        return client.get("/cpd/accreditation")
    if endpoint == "record_accreditation":
        return client.post("/cpd/accreditation/ipp-example", data={
            "ipp-example-csrf_token": token, "ipp-example-submission_id": str(uuid.uuid4()),
            "ipp-example-status": "accredited",
            "ipp-example-accredited_on": (today(app) - timedelta(days=3 * 365 - 30)).isoformat(),
            "ipp-example-endorsements": "open-source"})
    if endpoint == "submit_renewal":
        return client.post("/cpd/accreditation/ipp-example/renewal", data={
            "renew-ipp-example-csrf_token": token,
            "renew-ipp-example-submission_id": str(uuid.uuid4()),
            "renew-ipp-example-competence": "Kept up my competence.",
            "renew-ipp-example-files": (io.BytesIO(PNG), "register.png")},
            content_type="multipart/form-data")
    if endpoint == "person_accreditation":
        return client.get(f"/cpd/people/{target.reference}/accreditation")
    if endpoint == "change_accreditation_status":
        return client.post(f"/cpd/people/{target.reference}/accreditation/ipp-example/status",
                           data={"status-ipp-example-csrf_token": token,
                                 "status-ipp-example-status": "suspended",
                                 "status-ipp-example-reason": "Under investigation."})
    if endpoint == "judge_cycle_again":
        ended = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
        return client.post(f"/cpd/people/{target.reference}/cycles/intelligence-officer/"
                           f"{ended.start.isoformat()}/judge-again",
                           data={"csrf_token": token, "reason": "Register checked."})
    if endpoint == "review_renewal":
        url = f"/cpd/verification/renewals/{target.renewal_id}"
        if method == "GET":
            return client.get(url)
        return client.post(url, data={"csrf_token": token, "decision": "approve",
                                      "comment": ""})
    if endpoint == "static":
        return client.get("/cpd/cpd-static/cpd_tracker/cpd.css")
    if endpoint == "dashboard":
        return client.get("/cpd/dashboard")
    if endpoint == "people":
        return client.get("/cpd/people")
    if endpoint == "import_records":
        if method == "GET":
            return client.get("/cpd/import")
        row = (f"reference,title,activity_date,hours,category\n{target.reference},"
               f"Imported: {target.title},{(today(app) - timedelta(days=5)).isoformat()},1.5,"
               "formal\n")
        return client.post("/cpd/import", data={
            "csrf_token": token, "action": "import",
            "file": (io.BytesIO(row.encode()), "records.csv")},
            content_type="multipart/form-data")
    if endpoint == "import_template":
        return client.get("/cpd/import/template.csv")
    if endpoint == "export_people":
        return client.get("/cpd/people/export.csv")
    if endpoint == "export_audit":
        return client.get("/cpd/audit/export.csv")
    if endpoint == "api_openapi":
        return client.get("/cpd/api/v1/openapi.json")
    if endpoint == "api_compliance":
        return client.get("/cpd/api/v1/compliance")
    if endpoint == "api_person_compliance":
        return client.get(f"/cpd/api/v1/people/{target.reference}/compliance")
    if endpoint == "api_activities":
        return client.get("/cpd/api/v1/activities", query_string={"person": target.reference})
    raise AssertionError(f"no request written for {endpoint} {method}: add one")


def test_the_matrix_covers_every_route_of_the_blueprint(app: Flask) -> None:
    routes = {(rule.endpoint.removeprefix("cpd_tracker."), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("cpd_tracker.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(MATRIX) == set(), "routes without a row in the permissions matrix"
    assert set(MATRIX) - routes == set(), "rows for routes the blueprint no longer has"
    assert all(len(row) == len(USERS) for row in MATRIX.values())
    assert {cell for row in MATRIX.values() for cell in row} <= {"in", "ok", "done", "401", "403",
                                                                 "404", "422"}
    assert not any(rule.endpoint.startswith("xapi.") and rule.endpoint in MATRIX
                   for rule in app.url_map.iter_rules())


class SharedWorlds:
    """The worlds the cases that change nothing are aimed at, each built once for the module on
    a database of its own (the other tests' emptying leaves it alone). A case that changed one
    after all throws it away, so the next case gets it built again."""

    def __init__(self, migrated_database: MigratedDatabase,
                 tmp_path_factory: pytest.TempPathFactory) -> None:
        self._databases = contextlib.ExitStack()
        self._make_database = migrated_database
        self._tmp_path_factory = tmp_path_factory
        self._apps: dict[bool, Flask] = {}
        self._worlds: dict[bool, World] = {}

    def get(self, *, renewals: bool) -> tuple[Flask, World]:
        if renewals not in self._apps:
            url = self._databases.enter_context(self._make_database())
            evidence = self._tmp_path_factory.mktemp("matrix-evidence")
            self._apps[renewals] = self._databases.enter_context(demo_app(url, evidence))
        app = self._apps[renewals]
        if renewals not in self._worlds:
            self._worlds[renewals] = build_world(app, renewals=renewals)
        return app, self._worlds[renewals]

    def discard(self, app: Flask) -> None:
        for renewals, built in self._apps.items():
            if built is app and self._worlds.pop(renewals, None) is not None:
                with app.app_context():
                    db.session.remove()
                    empty_tables(db.engine)
                storage = get_state(app).storage
                assert isinstance(storage, LocalStorage)
                shutil.rmtree(storage.folder, ignore_errors=True)

    def close(self) -> None:
        self._databases.close()


@pytest.fixture(scope="module")
def shared_worlds(migrated_database: MigratedDatabase,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedWorlds]:
    worlds = SharedWorlds(migrated_database, tmp_path_factory)
    yield worlds
    worlds.close()


@pytest.fixture
def fixtures(request: pytest.FixtureRequest) -> pytest.FixtureRequest:
    """pytest's ``request``, under another name: ``request`` here does a page's request."""
    return request


@pytest.fixture
def read_only_world(shared_worlds: SharedWorlds) -> Iterator[tuple[Flask, World]]:
    """The plain world, shared by the tests that change nothing; thrown away if one did."""
    app, world = shared_worlds.get(renewals=False)
    before = snapshot(app)
    yield app, world
    if snapshot(app) != before:
        shared_worlds.discard(app)


@pytest.mark.parametrize(("endpoint", "method", "user", "expected"), CELLS)
def test_permissions_matrix(fixtures: pytest.FixtureRequest, shared_worlds: SharedWorlds,
                            endpoint: str, method: str, user: str, expected: str) -> None:
    renewals = endpoint == "review_renewal"
    if expected == "done":  # it writes: a world of its own, emptied after the test
        app = fixtures.getfixturevalue("app")
        world = build_world(app, renewals=renewals)
    else:
        app, world = shared_worlds.get(renewals=renewals)
    target = world.target_for(user)
    client = app.test_client()
    if user != "anonymous":
        sign_in(client, USERNAMES[user])
    before = snapshot(app)

    response = request(app, client, endpoint, method, target)

    body = response.get_data()
    after = snapshot(app)
    if expected == "in":
        assert response.status_code == 302, body[:300]
        assert response.headers["Location"].startswith("/sign-in?next=")
    elif expected == "ok":
        assert response.status_code == 200, body[:300]
    elif expected == "done":
        assert response.status_code == 302, body[:300]
        assert not response.headers["Location"].startswith("/sign-in")
        assert after.statements == before.statements + WRITES[endpoint]
    else:
        assert response.status_code == int(expected), body[:300]

    if expected != "done":
        if after != before:
            shared_worlds.discard(app)
        assert after == before, "nothing is recorded by a page view or a refusal"
    if expected in ("in", "401", "403", "404", "422"):
        # Nothing of the target's record leaks into a refusal.
        assert target.content not in body
        assert target.title.encode() not in body
        if expected != "in":  # (a redirect to sign-in names the URL asked for, hash and all)
            assert target.sha256.encode() not in body
        return
    if expected == "ok":
        _check_page(endpoint, user, target, world, response)
    if endpoint == "review_evidence" and method == "POST":
        assert (target.evidence_id, "approved") in after.evidence
    if expected == "done" and endpoint in ("review_renewal", "change_accreditation_status"):
        _check_decision(app, endpoint, target)


def _check_decision(app: Flask, endpoint: str, target: Target) -> None:
    """The lead's decision is about the target: their renewal approved, or their accreditation
    suspended."""
    from cpd_tracker.models import Accreditation, Renewal

    with app.app_context():
        if endpoint == "review_renewal":
            assert db.session.get(Renewal, target.renewal_id).status == "approved"
        else:
            record = db.session.scalar(sa.select(Accreditation).join(Learner).where(
                Learner.reference == target.reference))
            assert record.decided_status == "suspended"
        db.session.remove()


def _check_page(endpoint: str, user: str, target: Target, world: World, response) -> None:
    """An allowed page is the target's own page (so a 200 is not a page about someone else)."""
    text = response.get_data().decode("utf-8", "replace")
    if endpoint in ("evidence_file", "evidence_by_hash"):
        assert response.get_data() == target.content
    elif endpoint in ("activity", "edit_activity", "activity_history", "review_evidence"):
        assert target.title in text
    elif endpoint in ("person", "person_history"):
        assert target.title in text
        if endpoint == "person":
            assert f"reference {target.reference}" in text
    elif endpoint == "export_record":
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.get_data().startswith(b"%PDF")
        assert response.headers["Content-Disposition"].startswith("attachment;")
    elif endpoint == "verification_queue":
        listed = f'data-kind="evidence" data-id="{target.evidence_id}"' in text
        assert listed == (user in QUEUE_LISTS_TARGET), text
        if user in ("lead_other_unit", "lead_other_role", "admin"):
            # Out-of-scope leads still see what is theirs to decide: the queue is filtered,
            # not simply empty.
            assert f'data-id="{world.analyst_evidence_id}"' in text
        if user == "lead_own_evidence":
            assert f'data-id="{world.priya.evidence_id}"' in text
    elif endpoint == "reminder_log":
        listed = f"Reminder about {target.title}" in text
        assert listed == (user in LOG_LISTS_TARGET), text
    elif endpoint == "my_cpd":
        assert "My CPD" in text
    elif endpoint == "my_accreditation":
        assert "My accreditation" in text
    elif endpoint == "person_accreditation":
        assert f'href="/cpd/people/{target.reference}"' in text
        assert 'data-scheme="ipp-example"' in text
    elif endpoint == "review_renewal":
        assert f"Renewal of {target.title}" in text
    elif endpoint == "people":
        listed = f'data-reference="{target.reference}"' in text
        assert listed == (user in PEOPLE_LISTS_TARGET), text
    elif endpoint == "dashboard":
        assert "Compliance dashboard" in text
    elif endpoint in ("export_people", "export_audit"):
        assert response.headers["Content-Disposition"].startswith("attachment;")
        # The people list names the person; the audit extract also their activity.
        listed = f"\n{target.reference}," in text
        assert listed == (user in PEOPLE_LISTS_TARGET), text
        if endpoint == "export_audit":
            assert (target.title in text) == (user in PEOPLE_LISTS_TARGET)
    elif endpoint == "api_openapi":
        assert response.get_json()["paths"]
    elif endpoint == "api_compliance":
        listed = [item["reference"] for item in response.get_json()["items"]]
        assert (target.reference in listed) == (user in PEOPLE_LISTS_TARGET), listed
    elif endpoint == "api_person_compliance":
        assert response.get_json()["reference"] == target.reference
    elif endpoint == "api_activities":
        titles = [item["title"] for item in response.get_json()["items"]]
        assert target.title in titles


REFUSED_FILE_USERS = ("other_officer", "lead_other_unit", "lead_other_role")


@pytest.mark.parametrize("user", ("anonymous", *REFUSED_FILE_USERS))
def test_direct_urls_to_someone_elses_evidence_file_never_give_its_bytes(
        read_only_world: tuple[Flask, World], user: str) -> None:
    app, world = read_only_world
    client = app.test_client()
    if user != "anonymous":
        sign_in(client, USERNAMES[user])
    target = world.priya
    urls = [f"/cpd/evidence/{target.evidence_id}/file",
            f"/cpd/evidence/files/{target.sha256}",
            f"/cpd/evidence/files/{target.sha256.upper()}",
            f"/cpd/evidence/{target.evidence_id}/file?download=1",
            f"/cpd/evidence/files/{target.sha256}?as=pdf"]
    for url in urls:
        for method in ("GET", "HEAD"):
            response = client.open(url, method=method,
                                   headers={"Range": "bytes=0-"})
            expected = (302,) if user == "anonymous" else (403, 404)
            assert response.status_code in expected, (url, method, response.status_code)
            body = response.get_data()
            assert target.content not in body
            assert b"PRIYA-EVIDENCE" not in body
            assert "Content-Disposition" not in response.headers


def test_the_hash_url_of_a_file_nobody_recorded_is_404_not_an_error(
        read_only_world: tuple[Flask, World]) -> None:
    app, _ = read_only_world
    client = app.test_client()
    sign_in(client, "cpdadmin")
    for sha in ("0" * 64, "../../etc/passwd", "not-a-hash", "A" * 64):
        assert client.get(f"/cpd/evidence/files/{sha}").status_code == 404


def test_the_same_file_uploaded_by_two_people_is_served_to_each_only_as_their_own(
        app: Flask) -> None:
    """The hash URL finds a file through a record the user may see: an officer who uploaded the
    same bytes sees the bytes (they are theirs), but never learns of the other person's record."""
    world = build_world(app)
    with app.app_context():
        tom = db.session.scalar(sa.select(Learner.id).where(Learner.reference == "tbarker"))
        db.session.remove()
    tom_target = activity_with_evidence(app, tom, "Tom's copy", world.priya.content)
    assert tom_target.sha256 == world.priya.sha256
    client = app.test_client()
    sign_in(client, "tbarker")

    assert client.get(f"/cpd/evidence/files/{world.priya.sha256}").get_data() == \
        world.priya.content
    assert client.get(f"/cpd/evidence/{world.priya.evidence_id}/file").status_code == 404
    assert client.get(f"/cpd/evidence/{tom_target.evidence_id}/file").status_code == 200


@pytest.mark.parametrize(("user", "status"), [("officer", 200), ("line_manager", 200),
                                              ("lead_in_scope", 200), ("other_officer", 403),
                                              ("lead_other_unit", 403), ("lead_other_role", 403)])
def test_the_csv_export_follows_the_same_matrix(
        read_only_world: tuple[Flask, World], user: str, status: int) -> None:
    app, world = read_only_world
    client = app.test_client()
    sign_in(client, USERNAMES[user])

    response = client.get(f"/cpd/people/{world.priya.reference}/export.csv")

    assert response.status_code == status
    assert (world.priya.title.encode() in response.get_data()) == (status == 200)


def test_a_lead_cannot_verify_their_own_evidence_through_the_review_page(app: Flask) -> None:
    world = build_world(app)
    client = app.test_client()
    sign_in(client, "jlead")
    before = snapshot(app)

    for decision in ("approve", "reject"):
        response = client.post(f"/cpd/verification/evidence/{world.lead_own.evidence_id}",
                               data={"csrf_token": csrf_token(client), "decision": decision,
                                     "comment": "Self-approval attempt"})
        assert response.status_code == 404
    queue = client.get("/cpd/verification").get_data(as_text=True)

    assert snapshot(app) == before
    assert (world.lead_own.evidence_id, "pending") in before.evidence
    assert f'data-id="{world.lead_own.evidence_id}"' not in queue
    assert "Leads own surveillance course" not in queue


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(app: Flask) -> None:
    world = build_world(app)
    client = app.test_client()
    sign_in(client, "mevans")
    before = snapshot(app)

    response = client.post(f"/cpd/verification/evidence/{world.priya.evidence_id}",
                           data={"decision": "approve"})

    assert response.status_code == 400
    assert snapshot(app) == before


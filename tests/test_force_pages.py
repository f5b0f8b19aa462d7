"""The leads' force-wide pages: the people list (``/cpd/people``) and the dashboard
(``/cpd/dashboard``), through the demo host with Flask's test client, on the real database of
the run (SQLite, or PostgreSQL with ``CPD_TEST_DATABASE_URL``).

People are arranged the way the host's profile sync arranges them
(:func:`~cpd_tracker.record.learners.sync_learner` and
:func:`~cpd_tracker.record.learners.assign_role`, many in one transaction), and their CPD,
exemptions, extensions, evidence and accreditations through the services. Nothing refreshes the
standings but the pages themselves.

Standings are arranged so that they do not depend on the time of year: a data-protection
refresher recurs every 12 months and falls due 12 months after someone takes up the role, so a
role taken up on :func:`took_up_for` a day falls due on that day; a lead's extension moves the
cycle's own due date well past it.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker import get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.cycles import add_months
from cpd_tracker.judging import snapshots
from cpd_tracker.models import CurrentStanding, Learner, Role, Snapshot, SnapshotCount
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.queries.people import PER_PAGE, SORTS
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import LearnerProfile, assign_role, sync_learner
from cpd_tracker.services import accreditation
from cpd_tracker.services.activities import ActivityEntry, log_activity
from cpd_tracker.services.allowances import grant_exemption, grant_extension
from cpd_tracker.services.evidence import attach_evidence
from tests.conftest import MigratedDatabase, demo_app
from tests.factories import counts as recorded
from tests.factories import framework, sign_in, today

PEOPLE = "/cpd/people"
DASHBOARD = "/cpd/dashboard"
QUEUE = "/cpd/verification"
OFFICER = "intelligence-officer"
ANALYST = "intelligence-analyst"
FIB = "Force Intelligence Bureau"
SOCU = "Serious Organised Crime Unit"
LEAD = Lead("mevans", "DI Mark Evans")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
#: Who leads whom: the force, a unit, a role; and the administrator.
SCOPES = {
    "mevans": (LeadScope("force"),),
    "kfield": (LeadScope("unit", FIB),),
    "kocu": (LeadScope("unit", SOCU),),
    "ranalyst": (LeadScope("role", ANALYST),),
}
ADMINS = ("cpdadmin",)


# --- arranging ---------------------------------------------------------------------------------


@pytest.fixture
def force(app: Flask) -> Flask:
    """The demo host with the IPP example loaded, the leads above signed in through its
    ``access`` hook and able to sign in (a line manager and an officer too)."""
    return set_up_force(app)


def set_up_force(app: Flask) -> Flask:
    framework(app)
    state = get_state(app)
    state.access = lambda user: Access(user.get_id(), admin=user.get_id() in ADMINS,
                                       lead_scopes=SCOPES.get(user.get_id(), ()))
    with app.app_context():
        for username, name, unit in (
                ("mevans", "DI Mark Evans", FIB), ("kfield", "DI Kim Field", FIB),
                ("kocu", "DI Kate Okafor", SOCU), ("ranalyst", "DS Ravi Analyst", FIB),
                ("cpdadmin", "CPD Administrator", FIB), ("smoore", "Sgt Sarah Moore", FIB),
                ("pshah", "Priya Shah", FIB)):
            db.session.add(DemoUser(username=username, name=name, job_title="Police officer",
                                    email=f"{username}@force.example", org_unit=unit,
                                    fte=Decimal(1), joined_on=today(app) - timedelta(days=2000)))
        db.session.commit()
        db.session.remove()
    return app


@dataclass(frozen=True)
class Someone:
    """A person as the host's profile sync tells the library about them."""

    reference: str
    name: str
    unit: str | None = FIB
    roles: tuple[str, ...] = (OFFICER,)
    #: When they took up their roles: long ago unless given.
    took_up: date | None = None
    line_manager: str | None = None


def people_in(app: Flask, *everyone: Someone) -> None:
    """Learner records and their roles, all in one transaction (as a nightly sync would)."""
    with app.app_context():
        long_ago = today(app) - timedelta(days=2000)
        for someone in everyone:
            learner, _ = sync_learner(db.session, LearnerProfile(
                reference=someone.reference, name=someone.name,
                email=f"{someone.reference}@force.example", org_unit=someone.unit,
                line_manager_reference=someone.line_manager, joined_on=long_ago))
            for code in someone.roles:
                assign_role(db.session, learner, code, started_on=someone.took_up or long_ago)
        db.session.commit()
        db.session.remove()


def took_up_for(app: Flask, due_in: int) -> date:
    """The day to take up a role so that its yearly refresher falls due ``due_in`` days from
    today (and not sooner)."""
    due = today(app) + timedelta(days=due_in)
    took_up = add_months(due, -12)
    assert add_months(took_up, 12) == due
    return took_up


def learner(reference: str) -> Learner:
    found = db.session.scalar(sa.select(Learner).where(Learner.reference == reference))
    assert found is not None, reference
    return found


def log(app: Flask, reference: str, minutes: int, *, days_ago: int = 1,
        category: str = "formal", **kwargs: Any) -> None:
    """CPD logged through the service, as the officer's form would."""
    with app.app_context():
        log_activity(db.session, get_state(app).settings, learner(reference), ActivityEntry(
            title=f"CPD of {minutes} minutes", activity_date=today(app) - timedelta(days=days_ago),
            minutes=minutes, category=category, **kwargs), today=today(app))
        db.session.remove()


def comply(app: Flask, reference: str) -> None:
    """CPD meeting every Intelligence Officer rule this cycle (and the refresher done)."""
    log(app, reference, 120, item="data-protection")
    log(app, reference, 600, reflection="Checked handling codes twice.",
        impact="Our reports now carry the right handling code.")
    log(app, reference, 600, category="work-based", reflection="Saw where we were vague.")


def keep_pace(app: Flask, reference: str) -> None:
    """Every hours and count rule met, the refresher still to do."""
    log(app, reference, 600, reflection="Checked handling codes twice.",
        impact="Our reports now carry the right handling code.")
    log(app, reference, 600, reflection="Saw where we were vague.")


def extend(app: Flask, reference: str, role: str = OFFICER, days: int = 400) -> None:
    """A lead's extension of the cycle's due date to ``days`` from today."""
    with app.app_context():
        grant_extension(db.session, get_state(app).settings, LEAD, learner(reference), role,
                        on=today(app), due=today(app) + timedelta(days=days),
                        reason="Agreed catch-up plan.")
        db.session.remove()


def exempt(app: Flask, reference: str, role: str = OFFICER) -> None:
    with app.app_context():
        grant_exemption(db.session, get_state(app).settings, LEAD, learner(reference), role,
                        on=today(app), reason="Long-term secondment abroad.")
        db.session.remove()


def owing_in(app: Flask, reference: str, name: str, days: int, *, unit: str = FIB) -> None:
    """An officer with the refresher due ``days`` from today and nothing owed sooner."""
    people_in(app, Someone(reference, name, unit, took_up=took_up_for(app, days)))
    extend(app, reference)


def evidence_waiting(app: Flask, reference: str) -> None:
    """A file of evidence attached to a new activity, waiting for a lead."""
    with app.app_context():
        state = get_state(app)
        who = learner(reference)
        activity = log_activity(db.session, state.settings, who, ActivityEntry(
            title="Course with a certificate", activity_date=today(app) - timedelta(days=2),
            minutes=60, category="formal"), today=today(app))
        attach_evidence(db.session, state.settings, state.storage, who, activity,
                        io.BytesIO(PDF), "certificate.pdf")
        db.session.remove()


def accredited_until(app: Flask, reference: str, expires: date) -> None:
    """Their IPP accreditation recorded so that it expires on ``expires``."""
    with app.app_context():
        record = accreditation.record_accreditation(
            db.session, get_state(app).settings, learner(reference), "ipp-example",
            status="accredited", accredited_on=expires.replace(year=expires.year - 3)
            + timedelta(days=1), submission_id=f"accredited-{reference}")
        assert record.expires_on == expires
        db.session.remove()


def take_snapshot(app: Flask, day: date) -> None:
    with app.app_context():
        assert snapshots.take(db.session, get_state(app).settings, as_of=day).taken
        db.session.remove()


def office(app: Flask) -> None:
    """Six people, seven standings, every status:

    ========  ============  =====  ============================  ==============
    who       name          unit   role                          status
    ========  ============  =====  ============================  ==============
    pshah     Priya Shah    FIB    officer (90 minutes logged)   non-compliant
    tbarker   Tom Barker    SOCU   officer, refresher in 20 days at risk
    hmorris   Helen Morris  FIB    officer, new, keeping pace    on track
    gwells    Gina Wells    SOCU   officer, all done             compliant
    jwright   Jane Wright   FIB    officer                       exempt
    jwright   Jane Wright   FIB    analyst                       non-compliant
    ranand    Ravi Anand    SOCU   analyst                       non-compliant
    ========  ============  =====  ============================  ==============
    """
    people_in(app, Someone("pshah", "Priya Shah", line_manager="smoore"),
              Someone("gwells", "Gina Wells", SOCU),
              Someone("jwright", "Jane Wright", roles=(OFFICER, ANALYST)),
              Someone("ranand", "Ravi Anand", SOCU, roles=(ANALYST,)),
              Someone("hmorris", "Helen Morris", took_up=today(app) - timedelta(days=10)))
    owing_in(app, "tbarker", "Tom Barker", 20, unit=SOCU)
    log(app, "pshah", 90, days_ago=3)
    comply(app, "gwells")
    keep_pace(app, "hmorris")
    extend(app, "hmorris")
    exempt(app, "jwright")


@contextmanager
def built_once(migrated_database: MigratedDatabase, tmp_path_factory: pytest.TempPathFactory,
               arrange: Callable[[Flask], None]) -> Iterator[Flask]:
    """The force arranged once for a module's tests that only read it, on a database of its own
    (the other tests' emptying leaves it alone)."""
    with migrated_database() as url, demo_app(
            url, tmp_path_factory.mktemp("shared-evidence")) as app:
        arrange(set_up_force(app))
        yield app


@contextmanager
def unchanged(app: Flask) -> Iterator[Flask]:
    """A shared world for one test, which must record nothing in it."""
    before = recorded(app)
    yield app
    assert recorded(app) == before, (
        "a test of a shared world recorded something: give it a world of its own (force)")


@pytest.fixture(scope="module")
def office_built_once(migrated_database: MigratedDatabase,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with built_once(migrated_database, tmp_path_factory, office) as app:
        yield app


@pytest.fixture
def the_office(office_built_once: Flask) -> Iterator[Flask]:
    """The force with the office in it, shared by the tests that only read it."""
    with unchanged(office_built_once) as app:
        yield app


#: The office's standings: (reference, role) -> status.
OFFICE = {
    ("pshah", OFFICER): "non-compliant", ("tbarker", OFFICER): "at-risk",
    ("hmorris", OFFICER): "on-track", ("gwells", OFFICER): "compliant",
    ("jwright", OFFICER): "exempt", ("jwright", ANALYST): "non-compliant",
    ("ranand", ANALYST): "non-compliant",
}
UNITS = {"pshah": FIB, "tbarker": SOCU, "hmorris": FIB, "gwells": SOCU, "jwright": FIB,
         "ranand": SOCU}


def standings(app: Flask) -> list[dict[str, Any]]:
    """What the standings cache holds, with names, to work out orders the pages must give."""
    with app.app_context():
        found = [dict(row._mapping) for row in db.session.execute(
            sa.select(Learner.reference, Learner.name, Learner.org_unit, Role.code.label("role"),
                      Role.name.label("role_name"), CurrentStanding.status,
                      CurrentStanding.urgency, CurrentStanding.percent,
                      CurrentStanding.next_due_on, CurrentStanding.last_activity_on)
            .join(Learner, Learner.id == CurrentStanding.learner_id)
            .join(Role, Role.id == CurrentStanding.role_id))]
        db.session.remove()
        return found


# --- reading -----------------------------------------------------------------------------------


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@dataclass(frozen=True)
class Row:
    """One row of the people list as rendered."""

    reference: str
    role: str
    status: str
    cells: list[str]

    @property
    def key(self) -> tuple[str, str]:
        return self.reference, self.role


def rows(page: str) -> list[Row]:
    found = []
    for reference, role, status, body in re.findall(
            r'<tr data-reference="([^"]*)" data-role="([^"]*)" data-status="([^"]*)">(.*?)</tr>',
            page, re.S):
        cells = [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        assert len(cells) == 8, body  # the last column: how the last cycle ended
        found.append(Row(html.unescape(reference), role, status, cells))
    return found


def query(params: Any) -> str:
    """A query string from a dict or a list of pairs (to give an argument twice)."""
    return urlencode(list(params.items()) if isinstance(params, dict) else params, doseq=True)


def get(client: FlaskClient, path: str, params: Any = ()) -> tuple[int, str]:
    response = client.get(f"{path}?{query(params)}")
    return response.status_code, response.get_data(as_text=True)


def listing(client: FlaskClient, params: Any = ()) -> list[tuple[str, str]]:
    """(reference, role) of each row of the people list, in order."""
    status, page = get(client, PEOPLE, params)
    assert status == 200, page[:500]
    return [row.key for row in rows(page)]


def total(page: str) -> int:
    found = re.search(r'id="cpd-people-count">(\d+) standings?\b', page)
    assert found, page[:500]
    return int(found.group(1))


def page_links(page: str) -> dict[str, str]:
    """The Previous and Next links of the list's pager."""
    nav = re.search(r'<nav aria-label="Pages" class="cpd-pages">(.*?)</nav>', page, re.S)
    if nav is None:
        return {}
    return {text(label): html.unescape(href)
            for href, label in re.findall(r'<a href="([^"]*)">(.*?)</a>', nav.group(1), re.S)}


def arguments(address: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(address).query)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def statements_for(app: Flask, client: FlaskClient, path: str) -> tuple[int, str]:
    """How many SQL statements one page load runs, and the page."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def day(value: date) -> str:
    return f"{value:%-d %b %Y}"


# --- the people list: what a row says ----------------------------------------------------------


def test_the_list_shows_each_person_in_each_role_with_their_standing(the_office: Flask) -> None:
    took_up = today(the_office) - timedelta(days=2000)

    status, page = get(signed_in(the_office, "mevans"), PEOPLE)

    assert status == 200
    shown = rows(page)
    assert {row.key: row.status for row in shown} == OFFICE
    assert len(shown) == len(OFFICE)  # one row per person per role
    assert total(page) == 7
    by_key = {row.key: row for row in shown}
    assert by_key["pshah", OFFICER].cells == [
        "Priya Shah pshah", "Intelligence Officer", FIB, "Non-compliant", "1 h 30 m of 20 h",
        day(today(the_office) - timedelta(days=3)), day(add_months(took_up, 12)),
        "—"]  # no cycle outcome recorded yet: the daily job has not run here
    assert by_key["tbarker", OFFICER].cells[2:4] == [SOCU, "At risk"]
    assert by_key["tbarker", OFFICER].cells[6] == day(today(the_office) + timedelta(days=20))
    assert by_key["tbarker", OFFICER].cells[5] == "Never"
    assert by_key["gwells", OFFICER].cells[4] == "22 h of 20 h"
    assert by_key["gwells", OFFICER].cells[6] == "—"  # nothing owed
    assert by_key["jwright", OFFICER].cells[1:4] == ["Intelligence Officer", FIB, "Exempt"]
    assert by_key["jwright", OFFICER].cells[6] == "—"
    assert by_key["jwright", ANALYST].cells[1:4] == ["Intelligence Analyst", FIB,
                                                     "Non-compliant"]
    assert by_key["hmorris", OFFICER].cells[3] == "On track"
    assert 'href="/cpd/people/pshah"' in page


# --- the people list: who sees whom ------------------------------------------------------------


@pytest.mark.parametrize(("username", "expected"), [
    ("mevans", set(OFFICE)),
    ("cpdadmin", set(OFFICE)),
    ("kfield", {key for key in OFFICE if UNITS[key[0]] == FIB}),
    ("kocu", {key for key in OFFICE if UNITS[key[0]] == SOCU}),
    # A role lead: the role's standings (Jane Wright's officer standing is not theirs).
    ("ranalyst", {("jwright", ANALYST), ("ranand", ANALYST)}),
])
def test_a_lead_lists_exactly_the_standings_in_their_scope(the_office: Flask, username: str,
                                                           expected: set[tuple[str, str]]
                                                           ) -> None:
    assert set(listing(signed_in(the_office, username))) == expected


@pytest.mark.parametrize("username", ["pshah", "smoore"])
def test_an_officer_or_a_line_manager_who_leads_nothing_is_refused_the_list(
        the_office: Flask, username: str) -> None:
    # smoore manages pshah, and may open her record: but not the force's list
    status, page = get(signed_in(the_office, username), PEOPLE)
    assert status == 403
    assert "Priya Shah" not in page and "Tom Barker" not in page


def test_the_list_sends_the_signed_out_to_sign_in(force: Flask) -> None:
    response = force.test_client().get(PEOPLE)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"


# --- the people list: filters ------------------------------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "non-compliant"}, {("pshah", OFFICER), ("jwright", ANALYST),
                                   ("ranand", ANALYST)}),
    ({"status": "at-risk"}, {("tbarker", OFFICER)}),
    ({"status": "on-track"}, {("hmorris", OFFICER)}),
    ({"status": "compliant"}, {("gwells", OFFICER)}),
    ({"status": "exempt"}, {("jwright", OFFICER)}),
    ([("status", "at-risk"), ("status", "exempt")], {("tbarker", OFFICER),
                                                     ("jwright", OFFICER)}),
    ({"status": "at-risk,exempt"}, {("tbarker", OFFICER), ("jwright", OFFICER)}),
    ({"status": "at-risk, exempt ,at-risk"}, {("tbarker", OFFICER), ("jwright", OFFICER)}),
    ({"status": ""}, set(OFFICE)),
    ({"role": ANALYST}, {("jwright", ANALYST), ("ranand", ANALYST)}),
    ({"role": "no-such-role"}, set()),
    ({"unit": SOCU}, {("tbarker", OFFICER), ("gwells", OFFICER), ("ranand", ANALYST)}),
    ({"unit": "Nowhere"}, set()),
    ({"status": "non-compliant", "unit": SOCU}, {("ranand", ANALYST)}),
    ({"status": "non-compliant", "role": OFFICER}, {("pshah", OFFICER)}),
    ({"status": "non-compliant,at-risk", "unit": FIB, "role": OFFICER}, {("pshah", OFFICER)}),
    ({"role": OFFICER, "search": "w"}, {("gwells", OFFICER), ("jwright", OFFICER)}),
    ({"role": "", "unit": "", "search": "", "due_before": "", "sort": ""}, set(OFFICE)),
])
def test_each_filter_narrows_the_list_and_filters_combine(the_office: Flask, params: Any,
                                                          expected: set[tuple[str, str]]
                                                          ) -> None:
    assert set(listing(signed_in(the_office, "mevans"), params)) == expected


def test_due_before_takes_whatever_is_owed_by_that_day_inclusive(the_office: Flask) -> None:
    client = signed_in(the_office, "mevans")
    tom_due = today(the_office) + timedelta(days=20)
    overdue = {("pshah", OFFICER), ("jwright", ANALYST), ("ranand", ANALYST)}

    assert set(listing(client, {"due_before": tom_due.isoformat()})) == overdue | {
        ("tbarker", OFFICER)}
    assert set(listing(client, {"due_before": (tom_due - timedelta(days=1)).isoformat()})
               ) == overdue
    # Nothing owed (compliant, exempt) is never due; on track is due at the extended end.
    far = listing(client, {"due_before": (today(the_office) + timedelta(days=3650)).isoformat()})
    assert set(far) == set(OFFICE) - {("gwells", OFFICER), ("jwright", OFFICER)}


#: People whose names and references a search must tell apart.
SEARCHED = (Someone("pshah", "Priya Shah"), Someone("tbarker", "Tom Barker"),
            Someone("a_lee", "Ann Lee"), Someone("axlee", "Axel Lee"),
            Someone("pct100", "Percy 100% Lee"), Someone("pct1000", "Percy 1000 Lee"),
            Someone("bslash", "Bea Back\\Slash"), Someone("sob", "Seán Ó Briain"),
            Someone("oz", "Ömer Öztürk"))


@pytest.mark.parametrize(("search", "expected"), [
    ("priya", {"pshah"}),
    ("PRIYA SHAH", {"pshah"}),
    ("iya sh", {"pshah"}),
    ("PSHAH", {"pshah"}),
    ("hah", {"pshah"}),
    ("lee", {"a_lee", "axlee", "pct100", "pct1000"}),
    ("_", {"a_lee"}),
    ("a_l", {"a_lee"}),
    ("%", {"pct100"}),
    ("100%", {"pct100"}),
    ("%lee", set()),
    ("\\", {"bslash"}),
    ("  tom  ", {"tbarker"}),
    ("'; DROP TABLE cpd_learner; --", set()),
    ("x" * 100, set()),
])
def test_search_finds_part_of_a_name_or_reference_in_any_case_with_wildcards_literal(
        force: Flask, search: str, expected: set[str]) -> None:
    people_in(force, *SEARCHED)
    found = listing(signed_in(force, "mevans"), {"search": search})
    assert {reference for reference, _ in found} == expected


@pytest.mark.parametrize(("search", "expected"), [
    ("ó briain", "sob"), ("Ó BRIAIN", "sob"), ("öztürk", "oz"), ("ÖZTÜRK", "oz")])
def test_search_ignores_the_case_of_accented_letters(force: Flask, search: str,
                                                     expected: str) -> None:
    people_in(force, *SEARCHED)
    found = listing(signed_in(force, "mevans"), {"search": search})
    assert found == [(expected, OFFICER)]


def test_markup_in_a_name_or_unit_is_shown_as_text(force: Flask) -> None:
    unit = '<b>"Ops" & Co</b>'
    people_in(force, Someone("mark", "<script>alert(1)</script> Mark", unit))
    client = signed_in(force, "mevans")
    status, page = get(client, PEOPLE)
    assert status == 200
    assert "<script>alert(1)" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mark" in page
    board = dashboard_of(client)
    assert "<b>" not in board
    [group] = by_unit(board).values()
    assert group.label == unit
    assert group.aria_label == f"{unit}: 100% non-compliant"
    assert arguments(group.href) == {"unit": [unit]}
    assert total(get(client, PEOPLE, arguments(group.href))[1]) == 1


# --- the people list: sorting and paging -------------------------------------------------------


def sort_world(app: Flask) -> None:
    """The office, and three more with ties on every key but the name."""
    office(app)
    people_in(app, Someone("bcole", "Bea Cole", SOCU), Someone("acole", "Abe Cole", SOCU),
              Someone("ccole", "Cat Cole", SOCU))
    log(app, "bcole", 90, days_ago=5)
    log(app, "acole", 90, days_ago=5)


@pytest.fixture(scope="module")
def sort_world_built_once(migrated_database: MigratedDatabase,
                          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with built_once(migrated_database, tmp_path_factory, sort_world) as app:
        yield app


@pytest.fixture
def the_sort_world(sort_world_built_once: Flask) -> Iterator[Flask]:
    """The force with the sort world in it, shared by the sorting tests (they only read it)."""
    with unchanged(sort_world_built_once) as app:
        yield app


def expected_order(found: list[dict[str, Any]], key: str, descending: bool
                   ) -> list[tuple[str, str]]:
    """The order :data:`SORTS` promises, ties by name, reference and role code; the other way
    round reverses the whole order (ties too), so one index serves both."""
    never, nothing_owed = date(1, 1, 1), date(9999, 12, 31)
    keys = {
        "status": lambda s: s["urgency"],
        "progress": lambda s: s["percent"],
        "due": lambda s: s["next_due_on"] or nothing_owed,
        "activity": lambda s: s["last_activity_on"] or never,
        "unit": lambda s: s["org_unit"] or "",
        "role": lambda s: s["role_name"],
    }
    ordered = sorted(found, key=lambda s: (s["name"], s["reference"], s["role"]))
    if key != "name":
        ordered = sorted(ordered, key=keys[key])  # stable: ties keep names
    ordered = ordered[::-1] if descending else ordered
    return [(s["reference"], s["role"]) for s in ordered]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", list(SORTS))
def test_the_list_sorts_by_each_key_both_ways_ties_by_name(the_sort_world: Flask, key: str,
                                                           descending: bool) -> None:
    client = signed_in(the_sort_world, "mevans")
    listing(client)  # the standings brought up to date
    expected = expected_order(standings(the_sort_world), key, descending)
    assert len(set(expected)) == len(OFFICE) + 3

    status, page = get(client, PEOPLE, {"sort": ("-" if descending else "") + key})

    assert status == 200
    assert [row.key for row in rows(page)] == expected
    heading = re.search(r'<th scope="col"[^>]*aria-sort="(\w+)"', page)
    assert heading and heading.group(1) == ("descending" if descending else "ascending")


def test_the_sorted_heading_links_to_the_other_way_keeping_the_filters(the_office: Flask) -> None:
    status, page = get(signed_in(the_office, "mevans"), PEOPLE, {"unit": FIB, "sort": "due"})
    assert status == 200
    headings = {text(label): html.unescape(href) for href, label in re.findall(
        r'<th scope="col"[^>]*><a href="([^"]*)">(.*?)</a></th>', page, re.S)}
    assert arguments(headings["Next due ▲"]) == {"unit": [FIB], "sort": ["-due"]}
    assert arguments(headings["Name"]) == {"unit": [FIB]}  # name ascending: the default


def test_the_list_pages_by_fifty_and_the_page_links_keep_the_filters(force: Flask) -> None:
    people_in(force, *(Someone(f"p{n:03d}", f"Person {n:03d}", roles=(OFFICER, ANALYST))
                       for n in range(35)),
              Someone("other", "Someone Else", SOCU))
    client = signed_in(force, "mevans")
    params = [("status", "non-compliant"), ("status", "at-risk"), ("unit", FIB),
              ("search", "person"), ("sort", "-name")]
    everyone = [(f"p{n:03d}", role) for n in reversed(range(35))
                for role in (OFFICER, ANALYST)]  # role codes descending too

    status, first = get(client, PEOPLE, params)

    assert status == 200
    assert total(first) == 70
    assert [row.key for row in rows(first)] == everyone[:PER_PAGE]
    assert "Page 1 of 2" in text(first)
    links = page_links(first)
    assert "Previous" not in links
    expected = {"status": ["non-compliant", "at-risk"], "unit": [FIB], "search": ["person"],
                "sort": ["-name"]}
    assert arguments(links["Next"]) == {**expected, "page": ["2"]}

    response = client.get(links["Next"])
    second = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [row.key for row in rows(second)] == everyone[PER_PAGE:]
    assert "Page 2 of 2" in text(second)
    links = page_links(second)
    assert "Next" not in links
    assert arguments(links["Previous"]) == {**expected, "page": ["1"]}
    # Past the end: an empty page, not an error; one page: no pager.
    status, past = get(client, PEOPLE, [*params, ("page", "3")])
    assert status == 200 and rows(past) == []
    status, one = get(client, PEOPLE, {"unit": SOCU})
    assert len(rows(one)) == 1 and page_links(one) == {}


# --- the people list: bad input ----------------------------------------------------------------


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "bogus"}, "status"),
    ({"status": "AT-RISK"}, "status"),
    ({"status": "at-risk,lapsed"}, "status"),
    ({"status": "x" * 5000}, "status"),
    ({"sort": "height"}, "sort"),
    ({"sort": "--name"}, "sort"),
    ({"sort": "Name"}, "sort"),
    ({"due_before": "tomorrow"}, "due_before"),
    ({"due_before": "2026-02-30"}, "due_before"),
    ({"due_before": "2026-13-01"}, "due_before"),
    ({"due_before": "26-1-5"}, "due_before"),
    ({"due_before": "9" * 5000}, "due_before"),
    ({"page": "0"}, "page"),
    ({"page": "-1"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": str(10 ** 9)}, "page"),
    ({"page": "1.5"}, "page"),
    ({"page": ""}, "page"),
    ({"search": "a\x00b"}, "search"),
    ({"search": "x" * 101}, "search"),
    ({"role": "a\x00b"}, "role"),
    ({"role": "o3O\t"}, "role"),  # at an end, where trimming would hide it
    ({"unit": "\tFIB"}, "unit"),
    ({"search": "Shah\n"}, "search"),
    ({"due_before": "2027-01-01\t"}, "due_before"),
    ({"unit": "a\x00b"}, "unit"),
    ({"status": "at-risk\x00"}, "status"),
    ({"role": "r" * 65}, "role"),
    ({"unit": "u" * 256}, "unit"),
    ([("role", OFFICER), ("role", ANALYST)], "role"),
    ([("unit", FIB), ("unit", SOCU)], "unit"),
    ([("search", "a"), ("search", "b")], "search"),
    ([("sort", "name"), ("sort", "due")], "sort"),
    ([("due_before", "2027-01-01"), ("due_before", "2027-02-01")], "due_before"),
], ids=lambda value: None if isinstance(value, str) else repr(value)[:40])
def test_bad_input_is_a_400_naming_the_argument_never_a_500(force: Flask, params: Any,
                                                           field: str) -> None:
    people_in(force, Someone("pshah", "Priya Shah"))
    force.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 page, as a browser would get
    status, page = get(signed_in(force, "mevans"), PEOPLE, params)

    assert status == 400, page[:300]
    message = text(page)
    assert re.search(rf"\b{field}\b", message), message
    assert "Priya Shah" not in page
    assert len(page) < 3000  # the value is cut short, not echoed whole
    if field == "status" and "control characters" not in message:
        assert "exempt, compliant, on-track, at-risk, non-compliant" in message


def test_a_page_given_twice_is_a_400(the_office: Flask) -> None:
    status, page = get(signed_in(the_office, "mevans"), PEOPLE, [("page", "1"), ("page", "2")])
    assert status == 400
    assert "page" in text(page)


# --- the people list: cost and freshness -------------------------------------------------------


def test_a_page_of_the_list_costs_as_many_queries_for_sixty_people_as_for_five(
        force: Flask) -> None:
    people_in(force, *(Someone(f"p{n:03d}", f"Person {n:03d}") for n in range(5)))
    client = signed_in(force, "mevans")
    client.get(PEOPLE)  # the standings judged, and anything done once per process done

    few, page = statements_for(force, client, PEOPLE)
    assert len(rows(page)) == 5
    log(force, "p001", 60)
    few_after_cpd, page = statements_for(force, client, PEOPLE)
    assert "1 h of 20 h" in page

    people_in(force, *(Someone(f"p{n:03d}", f"Person {n:03d}") for n in range(5, 60)))
    client.get(PEOPLE)
    many, page = statements_for(force, client, PEOPLE)
    assert len(rows(page)) == PER_PAGE and total(page) == 60
    log(force, "p002", 60)
    many_after_cpd, page = statements_for(force, client, PEOPLE)
    assert "1 h of 20 h" in page

    assert few == many, (few, many)
    assert few_after_cpd == many_after_cpd, (few_after_cpd, many_after_cpd)
    assert many <= 12 and many_after_cpd <= 40, (many, many_after_cpd)


def test_cpd_logged_shows_on_the_next_load_without_any_job(force: Flask) -> None:
    people_in(force, Someone("gwells", "Gina Wells"))
    client = signed_in(force, "mevans")
    [before] = rows(get(client, PEOPLE)[1])
    assert (before.status, before.cells[4], before.cells[5]) == ("non-compliant",
                                                                  "0 h of 20 h", "Never")

    comply(force, "gwells")

    [after] = rows(get(client, PEOPLE)[1])
    assert (after.status, after.cells[4], after.cells[5]) == (
        "compliant", "22 h of 20 h", day(today(force) - timedelta(days=1)))


def test_a_lead_decision_shows_on_the_next_load_without_any_job(force: Flask) -> None:
    people_in(force, Someone("gwells", "Gina Wells"))
    client = signed_in(force, "mevans")
    assert listing(client, {"status": "exempt"}) == []

    exempt(force, "gwells")

    assert listing(client, {"status": "exempt"}) == [("gwells", OFFICER)]


# --- the dashboard: reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of a dashboard table of counts: a role or a unit."""

    label: str
    href: str | None
    aria_label: str
    counts: dict[str, int]
    percents: dict[str, str]
    links: dict[str, str]
    total: int


def groups(page: str, caption: str) -> dict[str, Group]:
    table = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", page, re.S)
    assert table, caption
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    assert body
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        head = re.search(r'<th scope="row">(?:<a href="([^"]*)">)?(.*?)(?:</a>)?</th>', row,
                         re.S)
        assert head, row
        href, label = head.groups()
        aria = re.search(r'<svg class="cpd-bar"[^>]*aria-label="([^"]*)"', row, re.S)
        assert aria, row
        counts, percents, links = {}, {}, {}
        for status, cell in re.findall(r'<td class="cpd-num" data-status="([^"]*)">(.*?)</td>',
                                       row, re.S):
            link = re.search(r'<a href="([^"]*)">(\d+)</a> <span class="cpd-muted">(\d+)%</span>',
                             cell)
            plain = re.fullmatch(r'(\d+) <span class="cpd-muted">(\d+)%</span>', cell)
            if link:
                links[status] = html.unescape(link.group(1))
                counts[status], percents[status] = int(link.group(2)), link.group(3)
            elif plain and href is None:  # a row no filter picks out: counts without links
                counts[status], percents[status] = int(plain.group(1)), plain.group(2)
            else:
                assert cell == "0", cell
                counts[status], percents[status] = 0, "0"
        [row_total] = re.findall(r'<td class="cpd-num">(\d+)</td>\s*$', row)
        found[text(label)] = Group(text(label), html.unescape(href) if href else None,
                                   html.unescape(aria.group(1)),
                                   counts, percents, links, int(row_total))
    return found


def by_role(page: str) -> dict[str, Group]:
    return groups(page, "Standings by role and status")


def by_unit(page: str) -> dict[str, Group]:
    return groups(page, "Standings by unit and status")


def tile(page: str, name: str) -> str:
    found = re.search(rf'<div class="cpd-tile" data-tile="{name}">(.*?)</div>', page, re.S)
    assert found, name
    return found.group(1)


def tile_number(page: str, name: str) -> tuple[int, str]:
    """The tile's number and where it links to."""
    found = re.search(r'<strong><a href="([^"]*)">(\d+)</a></strong>', tile(page, name))
    assert found, name
    return int(found.group(2)), html.unescape(found.group(1))


def lapsing(page: str) -> dict[int, tuple[int, int, str]]:
    """Each window's (CPD owed, accreditations expiring, link to the people owing)."""
    found = {}
    for days, body in re.findall(r'<tr data-window="(\d+)">(.*?)</tr>', page, re.S):
        owed = re.search(r'<td class="cpd-num"><a href="([^"]*)">(\d+)</a></td>\s*'
                         r'<td class="cpd-num">(\d+)</td>', body, re.S)
        assert owed, body
        found[int(days)] = (int(owed.group(2)), int(owed.group(3)), html.unescape(owed.group(1)))
    return found


def trend_table(page: str) -> list[tuple[str, dict[str, int], str]]:
    """The trend as a table: each week's label, counts by status and share meeting."""
    details = re.search(r"<summary>The trend as a table</summary>(.*?)</details>", page, re.S)
    if details is None:
        return []
    found = []
    statuses = [status.value for status in Status]
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>',
                                   details.group(1), re.S):
        values = re.findall(r'<td class="cpd-num">([^<]*)</td>', cells)
        assert len(values) == len(statuses) + 1, cells
        found.append((text(label), dict(zip(statuses, map(int, values[:-1]), strict=True)),
                      values[-1]))
    return found


def dashboard_of(client: FlaskClient, params: Any = ()) -> str:
    status, page = get(client, DASHBOARD, params)
    assert status == 200, page[:500]
    return page


# --- the dashboard: counts ---------------------------------------------------------------------


def test_counts_by_role_and_unit_add_up_the_standings_in_scope(the_office: Flask) -> None:
    page = dashboard_of(signed_in(the_office, "mevans"))

    roles = by_role(page)
    assert list(roles) == ["Intelligence Analyst", "Intelligence Officer"]
    assert roles["Intelligence Officer"].counts == {
        "exempt": 1, "compliant": 1, "on-track": 1, "at-risk": 1, "non-compliant": 1}
    assert roles["Intelligence Officer"].total == 5
    assert roles["Intelligence Analyst"].counts == {
        "exempt": 0, "compliant": 0, "on-track": 0, "at-risk": 0, "non-compliant": 2}
    assert roles["Intelligence Analyst"].percents["non-compliant"] == "100"
    assert roles["Intelligence Officer"].percents["compliant"] == "20"
    units = by_unit(page)
    assert units[FIB].counts == {"exempt": 1, "compliant": 0, "on-track": 1, "at-risk": 0,
                                 "non-compliant": 2}
    assert units[SOCU].counts == {"exempt": 0, "compliant": 1, "on-track": 0, "at-risk": 1,
                                  "non-compliant": 1}
    # Most at risk first: FIB has 2 of 4 failing (50%), SOCU 2 of 3 (67%).
    assert list(units) == [SOCU, FIB]


def test_every_count_links_to_the_people_list_filtered_to_exactly_those(the_office: Flask) -> None:
    client = signed_in(the_office, "mevans")
    page = dashboard_of(client)

    checked = 0
    for caption, argument in (("Standings by role and status", "role"),
                              ("Standings by unit and status", "unit")):
        for group in groups(page, caption).values():
            assert list(arguments(group.href)) == [argument]
            status, listed = get(client, PEOPLE, arguments(group.href))
            assert total(listed) == group.total, group.label
            for status_value, href in group.links.items():
                assert arguments(href) == {"status": [status_value],
                                           argument: arguments(group.href)[argument]}
                status, listed = get(client, PEOPLE, arguments(href))
                assert status == 200
                assert total(listed) == group.counts[status_value], (group.label, status_value)
                assert {row.status for row in rows(listed)} == {status_value}
                checked += 1
    assert checked == 5 + 1 + 3 + 3


def test_the_overall_tiles_give_the_share_meeting_and_the_counts_failing(the_office: Flask) -> None:
    client = signed_in(the_office, "mevans")
    page = dashboard_of(client)

    meeting = text(tile(page, "meeting"))
    assert meeting == "43% compliant, on track or exempt of 7 standings"  # 3 of 7
    for name, status, expected in (("at-risk", "at-risk", 1),
                                   ("non-compliant", "non-compliant", 3)):
        count, href = tile_number(page, name)
        assert count == expected
        assert arguments(href) == {"status": [status]}
        assert total(get(client, PEOPLE, arguments(href))[1]) == expected


@pytest.mark.parametrize(("params", "officer", "analyst", "units"), [
    ({"unit": FIB}, 3, 1, {FIB}),
    ({"role": ANALYST}, None, 2, {FIB, SOCU}),
    ({"role": OFFICER, "unit": SOCU}, 2, None, {SOCU}),
])
def test_a_role_or_unit_chosen_narrows_every_count_and_link(
        the_office: Flask, params: dict[str, str], officer: int | None, analyst: int | None,
        units: set[str]) -> None:
    client = signed_in(the_office, "mevans")
    page = dashboard_of(client, params)

    roles = by_role(page)
    assert {name: group.total for name, group in roles.items()} == {
        name: count for name, count in (("Intelligence Officer", officer),
                                        ("Intelligence Analyst", analyst)) if count}
    assert set(by_unit(page)) == units
    everyone = sum(group.total for group in roles.values())
    assert f"of {everyone} standings" in text(tile(page, "meeting"))
    for group in [*roles.values(), *by_unit(page).values()]:
        for status, href in group.links.items():
            for name, value in params.items():
                assert arguments(href)[name] == [value], href
            assert total(get(client, PEOPLE, arguments(href))[1]) == group.counts[status]
    _, href = tile_number(page, "non-compliant")
    assert arguments(href) == {"status": ["non-compliant"], **{k: [v] for k, v in params.items()}}


def test_a_unit_lead_counts_only_their_unit(the_office: Flask) -> None:
    page = dashboard_of(signed_in(the_office, "kfield"))
    assert set(by_unit(page)) == {FIB}
    assert sum(group.total for group in by_role(page).values()) == 4
    assert "of 4 standings" in text(tile(page, "meeting"))
    assert "Tom Barker" not in page


def test_the_dashboard_names_the_most_failing_units_and_counts_the_rest(force: Flask) -> None:
    """Each unit one person: failing (non-compliant) in units 00-09, exempt in the rest."""
    people_in(force, *(Someone(f"p{n:02d}", f"Person {n:02d}", f"Unit {n:02d}")
                       for n in range(28)))
    for n in range(10, 28):
        exempt(force, f"p{n:02d}")
    page = dashboard_of(signed_in(force, "mevans"))
    assert list(by_unit(page)) == [f"Unit {n:02d}" for n in range(25)]
    assert "… and 3 more units: see the people list" in text(page)


@pytest.mark.parametrize("username", ["pshah", "smoore"])
def test_an_officer_or_a_line_manager_who_leads_nothing_is_refused_the_dashboard(
        the_office: Flask, username: str) -> None:
    status, page = get(signed_in(the_office, username), DASHBOARD)
    assert status == 403
    assert "Tom Barker" not in page


@pytest.mark.parametrize("argument", ["role", "unit"])
def test_a_control_character_in_the_dashboards_scope_is_a_400_naming_it(
        force: Flask, argument: str) -> None:
    force.config["PROPAGATE_EXCEPTIONS"] = False
    for value in ("a\x00b", "ipp\t", "\nFIB"):
        status, page = get(signed_in(force, "mevans"), DASHBOARD, {argument: value})
        assert status == 400, value
        assert f"{argument} must not contain control characters" in text(page)


def test_the_no_unit_row_is_counted_but_links_nowhere(force: Flask) -> None:
    """No filter picks out people without a unit, so their row is not a link (it used to link
    with ``unit=`` empty, which the list reads as everyone)."""
    office(force)
    people_in(force, Someone("nounit", "Nina Nounit", None))
    client = signed_in(force, "mevans")
    [group] = [g for label, g in by_unit(dashboard_of(client)).items() if label == "(no unit)"]
    assert group.total == 1
    assert group.href is None


# --- the dashboard: charts ---------------------------------------------------------------------


def test_each_bar_says_its_shares_in_words_and_the_table_gives_the_same_numbers(
        the_office: Flask) -> None:
    page = dashboard_of(signed_in(the_office, "mevans"))
    officer = by_role(page)["Intelligence Officer"]
    assert officer.aria_label == ("Intelligence Officer: 20% exempt, 20% compliant, "
                                  "20% on track, 20% at risk, 20% non-compliant")
    for group in [*by_role(page).values(), *by_unit(page).values()]:
        spoken = dict((status, share) for share, status in re.findall(
            r"(\d+)% ([a-z -]+?)(?:,|$)", group.aria_label.split(": ", 1)[1]))
        shown = {Status(status).label.lower(): share
                 for status, share in group.percents.items() if group.counts[status]}
        assert spoken == shown, group.label
    units = by_unit(page)
    assert units[SOCU].aria_label == (f"{SOCU}: 33% compliant, 33% at risk, 33% non-compliant")
    # Each coloured part is as wide as its share, with its count in a title.
    bar = re.search(r'<svg class="cpd-bar"[^>]*aria-label="Intelligence Analyst:.*?</svg>', page,
                    re.S)
    assert bar and re.findall(r'width="([\d.]+)"', bar.group(0)) == ["100.000"]
    assert "<title>Non-compliant: 2 (100%)</title>" in bar.group(0)


# --- the dashboard: trend ----------------------------------------------------------------------


def snapshot_counts(app: Flask, unit: str | None = None) -> dict[date, dict[str, int]]:
    """Each snapshot's counts by status (of one unit, if given), as the snapshot kept them."""
    with app.app_context():
        statement = (sa.select(Snapshot.taken_on, SnapshotCount.status,
                               sa.func.sum(SnapshotCount.count))
                     .join(Snapshot, Snapshot.id == SnapshotCount.snapshot_id)
                     .group_by(Snapshot.taken_on, SnapshotCount.status))
        if unit:
            statement = statement.where(SnapshotCount.org_unit == unit)
        found: dict[date, dict[str, int]] = {}
        for taken_on, status, count in db.session.execute(statement):
            found.setdefault(taken_on, {s.value: 0 for s in Status})[status] = int(count)
        db.session.remove()
        return found


def weeks_ago(app: Flask, weeks: int, weekday: int) -> date:
    """The ``weekday`` (0 Monday) of the ISO week ``weeks`` before this one."""
    now = today(app)
    return now - timedelta(days=now.weekday()) - timedelta(weeks=weeks) + timedelta(days=weekday)


@pytest.fixture
def weeks(force: Flask) -> dict[str, date]:
    """Snapshots on several days: two in one week (with two more people by the second), and
    one older than the trend reaches."""
    office(force)
    days = {"too old": weeks_ago(force, 14, 2), "week -3": weeks_ago(force, 3, 1),
            "week -1 monday": weeks_ago(force, 1, 0), "week -1 wednesday": weeks_ago(force, 1, 2),
            "today": today(force)}
    for name in ("too old", "week -3", "week -1 monday"):
        take_snapshot(force, days[name])
    people_in(force, Someone("late1", "Lee Late", SOCU), Someone("late2", "Lou Late", FIB))
    for name in ("week -1 wednesday", "today"):
        take_snapshot(force, days[name])
    return days


def test_the_trend_shows_the_latest_snapshot_of_each_week_within_thirteen(
        force: Flask, weeks: dict[str, date]) -> None:
    page = dashboard_of(signed_in(force, "mevans"))
    kept = snapshot_counts(force)
    shown = [weeks[name] for name in ("week -3", "week -1 wednesday", "today")]

    table = trend_table(page)

    assert [label for label, _, _ in table] == [day(taken) for taken in shown]
    assert [counts for _, counts, _ in table] == [kept[taken] for taken in shown]
    assert kept[weeks["week -1 monday"]] != kept[weeks["week -1 wednesday"]]  # 2 people apart
    assert day(weeks["week -1 monday"]) not in page and day(weeks["too old"]) not in page
    meeting = [share for _, _, share in table]
    for (_, counts, _), share in zip(table, meeting, strict=True):
        good = counts["exempt"] + counts["compliant"] + counts["on-track"]
        assert share == f"{100 * good / sum(counts.values()):.0f}%"
    chart = re.search(r'<svg class="cpd-trend"[^>]*aria-label="([^"]*)"(.*?)</svg>', page, re.S)
    assert chart
    columns = {int(x) for x in re.findall(r'<rect [^>]*x="(\d+)"', chart.group(2))}
    assert columns == {1, 13, 25}  # one column a week
    assert html.unescape(chart.group(1)) == (
        f"Share compliant, on track or exempt each week: {meeting[0]} on {day(shown[0])}, "
        f"{meeting[-1]} on {day(shown[-1])}")


def test_a_unit_leads_trend_counts_only_their_unit(force: Flask, weeks: dict[str, date]
                                                    ) -> None:
    page = dashboard_of(signed_in(force, "kocu"))
    kept = snapshot_counts(force, SOCU)
    shown = [weeks[name] for name in ("week -3", "week -1 wednesday", "today")]
    assert [(label, counts) for label, counts, _ in trend_table(page)] == [
        (day(taken), kept[taken]) for taken in shown]
    assert sum(trend_table(page)[-1][1].values()) == 4  # 3 of the office and Lee Late


def test_the_trend_shows_at_most_thirteen_weeks_ending_this_one(force: Flask) -> None:
    people_in(force, Someone("pshah", "Priya Shah"), Someone("gwells", "Gina Wells"))
    sundays = [weeks_ago(force, weeks, 6) for weeks in range(14, 0, -1)]
    for taken in [*sundays, today(force)]:
        take_snapshot(force, taken)
    table = trend_table(dashboard_of(signed_in(force, "mevans")))
    assert [label for label, _, _ in table] == [day(taken) for taken in
                                                [*sundays[-12:], today(force)]]


def test_the_trend_waits_for_two_weeks_of_snapshots(force: Flask) -> None:
    office(force)
    take_snapshot(force, weeks_ago(force, 0, 0))
    page = dashboard_of(signed_in(force, "mevans"))
    assert trend_table(page) == []
    assert "The trend appears once two weeks of nightly snapshots have been taken." in page


# --- the dashboard: queue and lapses -----------------------------------------------------------


@pytest.mark.parametrize(("username", "params"), [
    ("mevans", {}), ("mevans", {"unit": SOCU}), ("mevans", {"role": ANALYST}),
    ("kfield", {}), ("cpdadmin", {"unit": FIB}),
])
def test_the_verification_tile_counts_what_the_queue_lists(force: Flask, username: str,
                                                           params: dict[str, str]) -> None:
    office(force)
    for reference in ("pshah", "tbarker", "ranand", "jwright"):
        evidence_waiting(force, reference)
    client = signed_in(force, username)

    count, href = tile_number(dashboard_of(client, params), "verification")

    assert urlsplit(href).path == QUEUE
    assert arguments(href) == {name: [value] for name, value in params.items()}
    status, queue = get(client, QUEUE, arguments(href))
    assert status == 200
    found = re.search(r"oldest first: (\d+) in your scope", text(queue))
    assert found and int(found.group(1)) == count
    assert count == {("mevans", ""): 4, ("mevans", SOCU): 2, ("mevans", ANALYST): 2,
                     ("kfield", ""): 2, ("cpdadmin", FIB): 2}[
        username, params.get("unit") or params.get("role") or ""]


def lapse_world(app: Flask) -> None:
    """Owed in 20 and 45 days; one compliant and one exempt (never counted); one overdue
    (already lapsed, not lapsing); an accreditation expiring in 50 days."""
    owing_in(app, "soon", "Sam Soon", 20)
    owing_in(app, "later", "Lara Later", 45, unit=SOCU)
    people_in(app, Someone("done", "Dan Done"), Someone("free", "Fay Free"),
              Someone("over", "Olly Overdue"),
              Someone("accred", "Asha Accredited", SOCU, took_up=took_up_for(app, 200)))
    comply(app, "done")
    exempt(app, "free")
    extend(app, "accred")
    accredited_until(app, "accred", today(app) + timedelta(days=50))


def test_who_lapses_counts_cpd_owed_and_accreditations_expiring_in_each_window(
        force: Flask) -> None:
    lapse_world(force)
    client = signed_in(force, "mevans")

    windows = lapsing(dashboard_of(client))

    assert {days: (owed, expiring) for days, (owed, expiring, _) in windows.items()} == {
        30: (1, 0), 60: (2, 1), 90: (2, 1)}
    for days, (owed, _, href) in windows.items():
        assert arguments(href) == {
            "status": ["on-track", "at-risk"], "sort": ["due"],
            "due_before": [(today(force) + timedelta(days=days)).isoformat()]}
        listed = listing(client, arguments(href))
        assert len(listed) == owed
        assert listed == [("soon", OFFICER), ("later", OFFICER)][:owed]  # soonest first


def test_the_soonest_due_are_listed_soonest_first(force: Flask) -> None:
    lapse_world(force)
    page = dashboard_of(signed_in(force, "mevans"))
    section = re.search(r"<h3>Soonest due</h3>(.*?)</table>", page, re.S)
    assert section
    assert re.findall(r'<a href="/cpd/people/([^"]+)">', section.group(1)) == ["soon", "later"]
    assert day(today(force) + timedelta(days=20)) in section.group(1)


def test_a_unit_chosen_narrows_who_lapses(force: Flask) -> None:
    lapse_world(force)
    windows = lapsing(dashboard_of(signed_in(force, "mevans"), {"unit": SOCU}))
    assert {days: found[:2] for days, found in windows.items()} == {
        30: (0, 0), 60: (1, 1), 90: (1, 1)}
    windows = lapsing(dashboard_of(signed_in(force, "kfield")))
    assert {days: found[:2] for days, found in windows.items()} == {
        30: (1, 0), 60: (1, 0), 90: (1, 0)}


def test_a_role_chosen_counts_only_the_accreditations_of_its_holders(force: Flask) -> None:
    lapse_world(force)
    windows = lapsing(dashboard_of(signed_in(force, "mevans"), {"role": ANALYST}))
    assert {days: found[:2] for days, found in windows.items()} == {
        30: (0, 0), 60: (0, 0), 90: (0, 0)}


# --- the dashboard: cost -----------------------------------------------------------------------


def test_the_dashboard_costs_as_many_queries_for_sixty_people_as_for_five(force: Flask) -> None:
    def crowd(first: int, last: int) -> Iterator[Someone]:
        for n in range(first, last):
            yield Someone(f"p{n:03d}", f"Person {n:03d}", (FIB, SOCU)[n % 2],
                          took_up=took_up_for(force, 10 + n))

    people_in(force, *crowd(0, 5))
    take_snapshot(force, weeks_ago(force, 2, 0))
    take_snapshot(force, weeks_ago(force, 1, 0))
    evidence_waiting(force, "p000")
    client = signed_in(force, "mevans")
    client.get(DASHBOARD)
    few, page = statements_for(force, client, DASHBOARD)
    assert "of 5 standings" in text(page)
    log(force, "p001", 60)
    few_after_cpd, _ = statements_for(force, client, DASHBOARD)

    people_in(force, *crowd(5, 60))
    for n in range(1, 30):
        evidence_waiting(force, f"p{n:03d}")
    client.get(DASHBOARD)
    many, page = statements_for(force, client, DASHBOARD)
    assert "of 60 standings" in text(page)
    assert tile_number(page, "verification")[0] == 30
    log(force, "p002", 60)
    many_after_cpd, _ = statements_for(force, client, DASHBOARD)

    assert few == many, (few, many)
    assert few_after_cpd == many_after_cpd, (few_after_cpd, many_after_cpd)
    assert many <= 20 and many_after_cpd <= 45, (many, many_after_cpd)

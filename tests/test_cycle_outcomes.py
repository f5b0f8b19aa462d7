"""Every cycle has a recorded outcome once its due date passes.

Arranged with the IPP example (intelligence officers: 20 hours a year from 1 April, 5 of them
formal, two reflections, an impact statement and a current data protection refresher), so the
2025-26 cycle runs 1 Apr 2025 to 31 Mar 2026 and every outcome is worked out by hand.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import frameworks, get_state, projection
from cpd_tracker.demo.models import db
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.errors import Refused
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import CycleOutcome, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import allowances, outcomes
from cpd_tracker.services.outcomes import CloseReport
from tests.factories import framework_text, logged, officer, sign_in, today
from xapi import StatementRecord

OFFICER = "intelligence-officer"
JOINED = date(2020, 1, 1)
LEAD = Lead("jlead", "Insp Jo Lead")
END = date(2026, 3, 31)


def person(app: Flask, username: str = "pshah", name: str = "Priya Shah") -> Learner:
    return officer(app, username, name=name, joined_days_ago=(today(app) - JOINED).days)


def did(app: Flask, learner: Learner, day: date, hours: float, **kwargs: Any) -> None:
    logged(app, learner, days_ago=(today(app) - day).days, minutes=round(hours * 60), **kwargs)


def everything_but_hours(app: Flask, learner: Learner, hours: float) -> None:
    """The refresher (6 h, formal), a reflection and an impact statement, and the rest of the
    hours as work-based learning with a second reflection: met if ``hours`` >= 20."""
    did(app, learner, date(2025, 5, 10), 6, title="Data protection refresher", category="formal",
        item="data-protection", reflection="MoPI grading.", impact="Fewer errors.")
    did(app, learner, date(2025, 7, 15), hours - 6, category="work-based", reflection="Shadowing.")


def close(app: Flask, on: date) -> CloseReport:
    with app.app_context():
        report = outcomes.close_cycles(db.session, get_state(app).settings, today=on)
        db.session.remove()
    return report


def recorded(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.execute(sa.select(
            Learner.name, CycleOutcome.cycle_start, CycleOutcome.cycle_end, CycleOutcome.due_on,
            CycleOutcome.outcome, CycleOutcome.unmet, CycleOutcome.judged_by)
            .join(Learner, Learner.id == CycleOutcome.learner_id)
            .order_by(Learner.name, CycleOutcome.cycle_start)).all()
        db.session.remove()
    return [(name, start, end, due, outcome, json.loads(unmet), by)
            for name, start, end, due, outcome, unmet, by in rows]


def statements_of_cycles(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(StatementRecord).where(
            StatementRecord.verb_id.like("%/verbs/judged-cycle")))
        db.session.remove()
    return count


def test_a_cycle_is_not_closed_on_its_last_day_and_is_closed_the_day_after(app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)

    assert close(app, END).recorded == [] or all(
        ended.facts.cycle_end < date(2025, 3, 31) for ended in close(app, END).recorded)
    assert date(2025, 4, 1) not in [row[1] for row in recorded(app)]

    report = close(app, date(2026, 4, 1))

    latest = [row for row in recorded(app) if row[1] == date(2025, 4, 1)]
    assert latest == [("Priya Shah", date(2025, 4, 1), END, END, "not-met",
                       ["hours"], "cpd-tracker")]
    assert "not met" in str(report)


def test_a_met_cycle_is_met_and_recording_twice_records_once(app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 20)
    close(app, date(2026, 4, 1))
    before = statements_of_cycles(app)

    again = close(app, date(2026, 4, 2))

    assert again.recorded == []
    assert statements_of_cycles(app) == before
    assert [row[4] for row in recorded(app) if row[1] == date(2025, 4, 1)] == ["met"]


def test_an_exempt_cycle_is_recorded_exempt(app: Flask) -> None:
    priya = person(app)
    with app.app_context():
        allowances.grant_exemption(db.session, get_state(app).settings, LEAD,
                                   db.session.get(Learner, priya.id), role_code=OFFICER,
                                   on=date(2025, 10, 1), reason="Seconded to the NCA.")
        db.session.remove()

    close(app, date(2026, 4, 1))

    assert [row[4] for row in recorded(app) if row[1] == date(2025, 4, 1)] == ["exempt"]


def test_an_extended_cycle_closes_after_its_new_due_date_met_late(app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    with app.app_context():
        allowances.grant_extension(db.session, get_state(app).settings, LEAD,
                                   db.session.get(Learner, priya.id), role_code=OFFICER,
                                   on=date(2026, 3, 20), due=date(2026, 5, 31),
                                   reason="Long-term sickness.")
        db.session.remove()
    did(app, priya, date(2026, 5, 2), 4, category="work-based")

    close(app, date(2026, 4, 1))
    assert date(2025, 4, 1) not in [row[1] for row in recorded(app)]  # still owed
    close(app, date(2026, 5, 31))
    assert date(2025, 4, 1) not in [row[1] for row in recorded(app)]  # its last day

    close(app, date(2026, 6, 1))

    assert [row[1:6] for row in recorded(app) if row[1] == date(2025, 4, 1)] == [
        (date(2025, 4, 1), END, date(2026, 5, 31), "met-late", [])]


def test_every_ended_cycle_since_the_person_joined_is_recorded(app: Flask) -> None:
    """The first run backfills: the framework's versions cover every cycle since 2020."""
    person(app)
    close(app, date(2026, 4, 1))

    starts = [row[1] for row in recorded(app)]
    assert starts == sorted(starts)
    assert starts[-1] == date(2025, 4, 1)
    assert all(row[4] == "not-met" for row in recorded(app))


def test_a_late_log_does_not_move_a_recorded_outcome_but_a_leads_judgement_does(
        app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    close(app, date(2026, 4, 1))
    did(app, priya, date(2026, 3, 30), 4, category="work-based")  # logged late, for March

    assert [row[4] for row in recorded(app) if row[1] == date(2025, 4, 1)] == ["not-met"]
    close(app, date(2026, 4, 2))
    assert [row[4] for row in recorded(app) if row[1] == date(2025, 4, 1)] == ["not-met"]

    with app.app_context():
        outcomes.judge_again(db.session, get_state(app).settings, LEAD,
                             db.session.get(Learner, priya.id), OFFICER, date(2025, 4, 1),
                             reason="Course logged late; the register confirms 30 March.")
        db.session.remove()

    [row] = [row for row in recorded(app) if row[1] == date(2025, 4, 1)]
    assert (row[4], row[5], row[6]) == ("met", [], "Insp Jo Lead")


@pytest.mark.parametrize(("reason", "field"), [("", "reason"), ("   ", "reason"),
                                               ("x" * 2001, "reason")])
def test_judging_again_needs_a_reason(app: Flask, reason: str, field: str) -> None:
    priya = person(app)
    close(app, date(2026, 4, 1))
    before = statements_of_cycles(app)

    with app.app_context(), pytest.raises(Refused) as refused:
        outcomes.judge_again(db.session, get_state(app).settings, LEAD,
                             db.session.get(Learner, priya.id), OFFICER, date(2025, 4, 1),
                             reason=reason)

    assert list(refused.value.errors) == [field]
    assert statements_of_cycles(app) == before


def test_only_a_closed_cycle_can_be_judged_again(app: Flask) -> None:
    priya = person(app)

    with app.app_context(), pytest.raises(Refused) as refused:
        outcomes.judge_again(db.session, get_state(app).settings, LEAD,
                             db.session.get(Learner, priya.id), OFFICER, date(2026, 4, 1),
                             reason="Checking.")

    assert list(refused.value.errors) == ["cycle"]


def test_a_rebuild_from_the_statements_gives_the_same_outcomes(app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    close(app, date(2026, 4, 1))
    with app.app_context():
        outcomes.judge_again(db.session, get_state(app).settings, LEAD,
                             db.session.get(Learner, priya.id), OFFICER, date(2024, 4, 1),
                             reason="Checked against the old paper record.")
        db.session.remove()
    before = recorded(app)

    with app.app_context():
        report = projection.rebuild(db.session, get_state(app).settings)
        db.session.commit()
        db.session.remove()

    assert recorded(app) == before
    assert report.outcomes == statements_of_cycles(app)


def test_two_runs_at_once_record_each_outcome_once(app: Flask) -> None:
    """Two schedulers by mistake: each cycle's statement has one id, so it is stored once."""
    person(app)
    person(app, "glewis", "Gareth Lewis")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            close(app, date(2026, 4, 1))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    rows = recorded(app)
    assert len(rows) == len({(row[0], row[1]) for row in rows})
    assert statements_of_cycles(app) == len(rows)
    assert close(app, date(2026, 4, 1)).recorded == []
    assert all("UNIQUE" in str(error) or "unique" in str(error) or "locked" in str(error)
               for error in errors), errors


def test_the_commands_close_list_and_judge_again(app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    runner = app.test_cli_runner()

    closed = runner.invoke(args=["cpd", "cycles", "close", "--as-of", "2026-04-01"])
    assert closed.exit_code == 0, closed.output
    assert "Recorded the outcome of" in closed.output and "not met" in closed.output
    again = runner.invoke(args=["cpd", "cycles", "close", "--as-of", "2026-04-01"])
    assert again.output.strip() == "No cycle has ended without a recorded outcome."

    listed = runner.invoke(args=["cpd", "cycles", "list", "--person", "pshah", "--limit", "1"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.split("\t") == [
        "Priya Shah", "Intelligence Officer", "1 Apr 2025 to 31 Mar 2026", "due 31 Mar 2026",
        "Not met", "CPD hours", "judged by cpd-tracker\n"]

    did(app, priya, date(2026, 3, 30), 4, category="work-based")
    judged = runner.invoke(args=["cpd", "cycles", "judge-again", "pshah", OFFICER, "2025-04-01",
                                 "--by", "jlead", "--reason", "Logged late; register checked."])
    assert judged.exit_code == 0, judged.output
    assert judged.output.strip() == "Priya Shah's cycle from 1 Apr 2025: Met."

    refused = runner.invoke(args=["cpd", "cycles", "judge-again", "pshah", OFFICER,
                                  "2026-04-01", "--by", "jlead", "--reason", "Why not."])
    assert refused.exit_code != 0
    assert "cycle: Priya Shah has no closed Intelligence Officer cycle" in refused.output


def past_rows(page: str) -> list[tuple[str, str]]:
    """(cycle start, outcome) of each row of the Past cycles table."""
    table = page.split('class="cpd-table cpd-past-cycles"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-cycle-start="([0-9-]+)" data-outcome="([a-z-]+)"', table)


def test_my_cpd_and_the_persons_record_show_past_cycles_with_their_outcomes(
        app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    close(app, today(app))
    last = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    client = app.test_client()
    sign_in(client, "pshah")

    mine = client.get("/cpd/").get_data(as_text=True)

    rows = past_rows(mine)
    assert rows[0] == (last.start.isoformat(), "not-met")
    assert rows == [(row[1].isoformat(), row[4]) for row in reversed(recorded(app))][:10]
    assert "CPD hours" in mine.split("cpd-past-cycles", 1)[1].split("</table>", 1)[0]

    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: Access(
        user.get_id(), lead_scopes=(LeadScope("force"),) if user.get_id() == "mevans" else ())
    lead = app.test_client()
    sign_in(lead, "mevans")
    theirs = lead.get(f"/cpd/people/{priya.reference}")
    assert theirs.status_code == 200
    assert past_rows(theirs.get_data(as_text=True))[0] == (last.start.isoformat(), "not-met")


def test_leads_filter_the_people_list_and_the_api_by_how_the_last_cycle_ended(
        app: Flask) -> None:
    priya = person(app)
    everything_but_hours(app, priya, 16)
    gareth = person(app, "glewis", "Gareth Lewis")
    last = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    day = last.start + timedelta(days=40)
    did(app, gareth, day, 6, title="Data protection refresher", category="formal",
        item="data-protection", reflection="MoPI grading.", impact="Fewer errors.")
    did(app, gareth, day + timedelta(days=1), 14, category="work-based", reflection="Shadowing.")
    close(app, today(app))
    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: Access(
        user.get_id(), lead_scopes=(LeadScope("force"),) if user.get_id() == "mevans" else ())
    lead = app.test_client()
    sign_in(lead, "mevans")

    def listed(**query: str) -> list[str]:
        page = lead.get("/cpd/people", query_string=query)
        assert page.status_code == 200
        return re.findall(r'<tr data-reference="([a-z]+)"', page.get_data(as_text=True))

    assert listed(last_cycle="not-met") == ["pshah"]
    assert listed(last_cycle="met") == ["glewis"]
    assert listed(last_cycle="none") == []
    page = lead.get("/cpd/people", query_string={"last_cycle": "late"})
    assert page.status_code == 400 and "last_cycle" in page.get_data(as_text=True)

    api = lead.get("/cpd/api/v1/compliance", query_string={"last_cycle": "met"}).get_json()
    [item] = api["items"]
    assert (item["reference"], item["last_cycle"]) == (
        "glewis", {"end": last.end.isoformat(), "outcome": "met"})
    person_api = lead.get("/cpd/api/v1/people/pshah/compliance").get_json()
    assert person_api["past_cycles"][0] == {
        "role": OFFICER, "role_name": "Intelligence Officer",
        "cycle_start": last.start.isoformat(), "cycle_end": last.end.isoformat(),
        "due": last.end.isoformat(), "outcome": "not-met", "outcome_label": "Not met",
        "not_met": ["CPD hours"], "judged_by": "cpd-tracker",
        "reason": "Judged by cpd-tracker when the cycle's due date passed."}


def rics_with_grace(app: Flask, tmp_path: Path) -> None:
    """The RICS file with its recording deadline (grace_days: 31) on the 2024 version, so the
    2025 calendar year can be judged in the past."""
    text = frameworks.shipped("rics").read_text(encoding="utf-8")
    text = text[:text.index('\n  # The same requirements, with RICS')] + "\n"
    no_pro_rata = "        pro_rata: []\n"
    text = text.replace(no_pro_rata, no_pro_rata + "        grace_days: 31\n", 1)
    framework_text(app, tmp_path, text, "rics-grace.yaml")


def test_in_its_grace_period_a_year_is_still_owed_and_closes_the_day_after(
        app: Flask, tmp_path: Path) -> None:
    rics_with_grace(app, tmp_path)
    member = officer(app, "sroy", name="Sam Roy", roles=("rics-member",),
                     joined_days_ago=(today(app) - JOINED).days)
    did(app, member, date(2025, 6, 1), 15, category="formal")
    did(app, member, date(2026, 1, 10), 5, category="formal")  # in January: counts for 2026

    with app.app_context():
        settings = get_state(app).settings
        [in_grace] = assess(db.session, settings, as_of=date(2026, 1, 20), scope=Scope())
        [after] = assess(db.session, settings, as_of=date(2026, 2, 1), scope=Scope())
        db.session.remove()

    assert (in_grace.judgement.cycle.start, in_grace.judgement.due) == (
        date(2025, 1, 1), date(2026, 1, 31))
    assert in_grace.judgement.rules[0].summary == "15 h of 20 h"
    assert in_grace.following is not None
    assert in_grace.following.rules[0].summary == "5 h of 20 h"
    assert (after.judgement.cycle.start, after.following) == (date(2026, 1, 1), None)

    close(app, date(2026, 1, 31))
    assert date(2025, 1, 1) not in [row[1] for row in recorded(app)]
    close(app, date(2026, 2, 1))
    [row] = [row for row in recorded(app) if row[1] == date(2025, 1, 1)]
    assert row[1:5] == (date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 31), "not-met")


def test_a_lead_judges_a_closed_cycle_again_from_the_persons_record(app: Flask) -> None:
    """Leads' work is pages: the person's past cycles carry a 'Judge again' form for them."""
    priya = person(app)
    everything_but_hours(app, priya, 16)
    close(app, date(2026, 4, 1))
    did(app, priya, date(2026, 3, 30), 4, category="work-based")  # logged late for March
    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: Access(
        user.get_id(), lead_scopes=(LeadScope("force"),) if user.get_id() == "mevans" else ())
    lead = app.test_client()
    sign_in(lead, "mevans")
    page = lead.get(f"/cpd/people/{priya.reference}").get_data(as_text=True)
    action = f"/cpd/people/pshah/cycles/{OFFICER}/2025-04-01/judge-again"
    assert f'action="{action}"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    before = statements_of_cycles(app)

    empty = lead.post(action, data={"csrf_token": token, "reason": "  "}, follow_redirects=True)
    assert "Not judged again: Say why the cycle is judged again." in empty.get_data(as_text=True)
    assert statements_of_cycles(app) == before
    forged = lead.post(action, data={"reason": "No token."})
    assert forged.status_code == 400 and statements_of_cycles(app) == before

    done = lead.post(action, data={"csrf_token": token, "reason": "Register checked."},
                     follow_redirects=True)
    assert "Judged again: the cycle from 1 Apr 2025 is now met." in done.get_data(as_text=True)
    [row] = [row for row in recorded(app) if row[1] == date(2025, 4, 1)]
    assert (row[4], row[6]) == ("met", "DI Mark Evans")

    client = app.test_client()
    sign_in(client, "pshah")
    mine = client.get("/cpd/").get_data(as_text=True)
    assert "judged again by DI Mark Evans: Register checked." in mine
    assert "judge-again" not in mine  # no form on one's own record
    assert client.post(action, data={"reason": "Mine."}).status_code in (400, 403)
    assert lead.post(f"/cpd/people/pshah/cycles/{OFFICER}/not-a-date/judge-again",
                     data={"csrf_token": token, "reason": "x"}).status_code == 404

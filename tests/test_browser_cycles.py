"""The extension and cycle-end journeys in a real browser, as the officer and the lead.

An officer whose 2025-26 cycle ended short has it extended by a lead: My CPD shows the cycle
owed, with its new due date, beside the cycle under way, and CPD logged for a day in the
extension meets the owed cycle. Once a cycle has ended and its outcome is recorded, the lead
finds the people whose last cycle was not met in the people list and reads it on their record.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.models import Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import allowances, outcomes
from tests.factories import logged, officer, today
from tests.test_browser_accreditation import sign_in_as

pytestmark = pytest.mark.browser

OFFICER = "intelligence-officer"
LEAD = Lead("mevans", "DI Mark Evans")


def ended_short(app: Flask) -> tuple[Learner, object]:
    """DC Priya Shah: 16 h of 20 h, the refresher, reflections and impact done in the cycle that
    ended last 31 March (the data protection refresher still current)."""
    priya = officer(app, "pshah", name="DC Priya Shah", joined_days_ago=3000)
    owed = annual_cycle(annual_cycle(today(app), (4, 1)).start - timedelta(days=1), (4, 1))
    done = (today(app) - owed.end).days + 30
    logged(app, priya, title="Data protection refresher", minutes=360, days_ago=done,
           category="formal", item="data-protection", reflection="Grading.", impact="Fewer errors.",
           submission_id="refresher")
    logged(app, priya, title="Shadowing the FIB", minutes=600, days_ago=done + 1,
           category="work-based", reflection="Tasking.", submission_id="shadowing")
    return priya, owed


def test_an_officer_meets_an_extended_cycle_with_cpd_logged_in_the_extension(
        app: Flask, page, output_dir: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    priya, owed = ended_short(app)
    with app.app_context():
        allowances.grant_extension(db.session, get_state(app).settings, LEAD,
                                   db.session.get(Learner, priya.id), role_code=OFFICER,
                                   on=owed.end - timedelta(days=5),
                                   due=today(app) + timedelta(days=6), reason="Sickness.")
        db.session.remove()

    sign_in_as(page, "DC Priya Shah")
    page.goto("/cpd/")
    cards = page.locator('.cpd-card[data-role="intelligence-officer"]')
    expect(cards).to_have_count(2)
    owed_card = cards.nth(0)
    expect(owed_card).to_have_attribute("data-cycle-start", owed.start.isoformat())
    expect(owed_card).to_contain_text("the cycle you owe, extended to")
    expect(owed_card).to_contain_text("16 h of 20 h")
    expect(cards.nth(1)).to_contain_text("the cycle under way")
    page.screenshot(path=str(output_dir / "extended-before.png"), full_page=True)

    page.get_by_role("link", name="Log CPD").click()
    page.get_by_label("Title").fill("Intelligence debrief course")
    page.get_by_label("Date").fill((today(app) - timedelta(days=1)).isoformat())
    page.get_by_label("Hours").fill("4")
    page.get_by_label("Category").select_option("formal")
    page.get_by_role("button", name="Save activity").click()

    expect(page.get_by_role("status")).to_contain_text("Logged “Intelligence debrief course”")
    expect(cards.nth(0)).to_contain_text("20 h of 20 h")
    expect(cards.nth(1)).to_contain_text("0 h of 20 h")  # extension CPD counts once: owed
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(output_dir / "extended-after-phone.png"), full_page=True)


def test_a_lead_finds_whose_last_cycle_was_not_met_and_reads_its_outcome(
        app: Flask, page, output_dir: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    _, owed = ended_short(app)
    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: Access(
        user.get_id(), lead_scopes=(LeadScope("force"),) if user.get_id() == "mevans" else ())
    with app.app_context():
        outcomes.close_cycles(db.session, get_state(app).settings, today=today(app))
        db.session.remove()

    sign_in_as(page, "DI Mark Evans")
    page.goto("/cpd/people")
    page.get_by_label("Last cycle").select_option("not-met")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.cpd-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DC Priya Shah")
    expect(rows.first.locator("[data-last-outcome]")).to_contain_text("Not met")
    page.screenshot(path=str(output_dir / "people-last-cycle.png"), full_page=True)

    rows.first.get_by_role("link", name="DC Priya Shah").click()
    past = page.locator("table.cpd-past-cycles tbody tr").first
    expect(past).to_have_attribute("data-cycle-start", owed.start.isoformat())
    expect(past).to_contain_text("Not met")
    expect(past).to_contain_text("CPD hours")
    # The cycle before names its rules as the pages do ("Formal learning hours", not the code).
    expect(page.locator("table.cpd-past-cycles tbody tr").nth(1)).to_contain_text(
        "Formal learning hours")
    page.screenshot(path=str(output_dir / "person-past-cycles.png"), full_page=True)

"""Reminders in a real browser (headless Chromium through Playwright), with no mail server, as
the demo runs: a reminder pass holds an officer's shortfall reminder and a lead's weekly
digest; the lead finds them from the main navigation, narrows the log to shortfalls and follows
the row to the officer's page; the officer reads the notice on My CPD and follows it to log
CPD. Screenshots land in the test's output folder."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state, scheduler
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.words import format_date
from cpd_tracker.permissions import Access, LeadScope
from tests.factories import framework
from tests.test_browser_accreditation import nav, sign_in_as
from tests.test_reminder_log import thirty_days_before_the_cycle_ends
from tests.test_reminders import OFFICER, person, rows

pytestmark = pytest.mark.browser


def test_a_lead_finds_a_held_reminder_in_the_log_and_the_officer_reads_it_on_my_cpd(
        app: Flask, page, output_dir: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    assert get_state(app).mail is None  # reminders are held, as in the demo
    framework(app)
    person(app, "pshah", "DC Priya Shah")
    person(app, "mevans", "DI Mark Evans", roles=())
    state = get_state(app)
    state.access = lambda user: Access(user.get_id(), lead_scopes=(
        (LeadScope("force"),) if user.get_id() == "mevans" else ()))
    state.leads = lambda: list(db.session.scalars(
        sa.select(DemoUser).where(DemoUser.username == "mevans")))
    day = thirty_days_before_the_cycle_ends(app)  # DC Shah's 30-day reminder is due today
    state.settings = replace(state.settings, digest_weekday=day.weekday())  # a digest today
    due = day + timedelta(days=30)
    report = scheduler.remind(app, as_of=day)
    assert report.held == 2
    made = {row.kind: row for row in rows(app)}
    assert set(made) == {"shortfall", "digest"}
    title = f"Intelligence Officer CPD: due on {format_date(due)} (30 days left)"
    assert made["shortfall"].title == title

    # The lead opens the log from the navigation: the shortfall and their digest, both held.
    sign_in_as(page, "DI Mark Evans")
    nav(page, "Reminders")
    expect(page.get_by_role("heading", name="Reminder log", level=1)).to_be_visible()
    rows_shown = page.locator("table.cpd-table tbody tr")
    expect(rows_shown).to_have_count(2)
    expect(page.locator("tr[data-kind=digest]")).to_contain_text("Weekly digest")
    expect(page.locator("tr[data-kind=digest]")).to_contain_text("Their scope")

    # Only the shortfalls.
    page.get_by_label("Kind").select_option(label="Shortfall")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/cpd/reminders\?.*\bkind=shortfall\b"))
    expect(rows_shown).to_have_count(1)
    row = rows_shown.first
    expect(row).to_have_attribute("data-kind", "shortfall")
    expect(row).to_have_attribute("data-status", "held")
    expect(row).to_have_attribute("data-id", str(made["shortfall"].id))
    expect(row.locator("td").nth(0)).to_contain_text(f"{day:%-d %b %Y}")
    expect(row.locator("td").nth(0)).to_contain_text("Shortfall")
    expect(row.locator("td").nth(1)).to_contain_text("pshah@force.example")
    expect(row.locator("td").nth(3)).to_have_text(title)
    expect(row.locator("td").nth(4)).to_have_text("Held (no mail server)")
    expect(page.get_by_label("Kind")).to_have_value("shortfall")
    expect(page.locator("tr[data-kind=digest]")).to_have_count(0)
    page.screenshot(path=str(output_dir / "reminder-log.png"), full_page=True)

    # From the row to the officer's page, and back to the reminders about them.
    row.get_by_role("link", name="DC Priya Shah").click()
    expect(page.get_by_role("heading", name="DC Priya Shah", level=1)).to_be_visible()
    assert page.url.endswith("/cpd/people/pshah")
    page.locator(".cpd-actions").get_by_role("link", name="Reminders").click()
    expect(page.get_by_label("Person")).to_have_value("pshah")
    expect(rows_shown).to_have_count(1)
    expect(rows_shown.first).to_have_attribute("data-id", str(made["shortfall"].id))

    # The officer: the notice on My CPD, and no way to the log.
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Reminders")).to_have_count(0)
    notice = page.locator("section.cpd-notices div.cpd-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_have_attribute("data-reminder", "shortfall")
    expect(notice).to_have_attribute("data-about", OFFICER)
    expect(notice.locator("strong")).to_have_text(title)
    expect(notice).to_contain_text("CPD hours: 0 h of 20 h")
    page.screenshot(path=str(output_dir / "my-cpd-notice.png"), full_page=True)
    notice.get_by_role("link", name="Log CPD").click()
    expect(page.get_by_role("heading", name="Log CPD", level=1)).to_be_visible()
    assert page.url.endswith("/cpd/activities/new")

"""The officer's journey in a real browser: headless Chromium driven by Playwright.

Debian's Chromium is used (Playwright cannot download its own browser here); set
CPD_CHROMIUM to use another binary. Screenshots land in the test's output folder.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import counts, officer, today

pytestmark = pytest.mark.browser




def test_officer_logs_cpd_and_sees_it_counted_in_a_browser(
        app: Flask, page, output_dir: Path) -> None:
    officer(app)
    expect = pytest.importorskip("playwright.sync_api").expect

    page.goto("/cpd/")
    assert "/sign-in" in page.url  # the host's sign-in, through Flask-Login
    page.get_by_role("button", name="Sign in as DC Priya Shah").click()
    page.get_by_role("link", name="My CPD").click()
    expect(page.get_by_role("heading", name="My CPD")).to_be_visible()
    expect(page.get_by_text("0 h of 20 h")).to_be_visible()

    page.get_by_role("link", name="Log CPD").click()
    page.get_by_label("Title").fill("")
    page.get_by_label("Hours").fill("1")
    page.get_by_role("button", name="Save activity").click()
    expect(page.locator("#title-error")).to_have_text("Give the activity a title.")
    assert counts(app) == (0, 0)

    page.get_by_label("Title").fill("Open-source intelligence refresher")
    page.get_by_label("Date").fill((today(app) - timedelta(days=1)).isoformat())
    page.get_by_label("Hours").fill("1")
    page.get_by_label("Minutes").fill("30")
    page.get_by_label("Category").select_option("formal")
    page.get_by_label("Completes a required item (optional)").select_option("data-protection")
    page.get_by_label("What did you learn?").fill("Keep an audit trail of every search.")
    page.get_by_label("How has it changed your practice? (optional)").fill(
        "I record my search terms before I start.")
    page.get_by_label("Link (optional)").fill("https://learn.college.police.uk/osint")
    page.screenshot(path=str(output_dir / "log-cpd.png"), full_page=True)
    page.get_by_role("button", name="Save activity").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Logged “Open-source intelligence refresher” (1 h 30 m).")
    expect(page.get_by_text("1 h 30 m of 20 h")).to_be_visible()
    bar = page.get_by_role("progressbar", name="CPD hours")
    expect(bar).to_have_attribute("aria-valuenow", "90")
    card = page.locator('[data-role="intelligence-officer"]')
    expect(card.locator('[data-rule="item-data-protection"]')).to_contain_text("next due by")
    expect(card.locator('[data-rule="count-impact"]')).to_contain_text("1 of 1 impact statement")
    expect(page.get_by_role("cell", name="Open-source intelligence refresher")).to_be_visible()
    page.screenshot(path=str(output_dir / "my-cpd.png"), full_page=True)
    assert counts(app) == (1, 1)

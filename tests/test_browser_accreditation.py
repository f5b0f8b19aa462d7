"""Accreditation in a real browser (headless Chromium through Playwright): an intelligence
officer records their IPP accreditation and sends a renewal with two files, an accreditation
lead rejects it from the verification queue, approves the second one, and later suspends the
accreditation. Screenshots land in the test's output folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.engine.cycles import add_months
from cpd_tracker.engine.words import format_date
from cpd_tracker.models import Renewal
from cpd_tracker.permissions import Access, LeadScope
from tests.factories import officer, today
from tests.test_evidence import PDF, PNG

pytestmark = pytest.mark.browser

SCHEME = "ipp-example"
COMPETENCE = ("I have kept up my open-source work: two OSINT refreshers this year and monthly "
              "peer reviews of my intelligence reports.")
SECOND_COMPETENCE = ("As above, and I now sign the course register for each refresher; the "
                     "signed page is attached.")
REJECTION = "The register is not signed; attach the signed page of the register."
SUSPENSION = "Under investigation by Professional Standards; suspended until it concludes."


def sign_in_as(page, name: str) -> None:
    """Through the host's own sign-in page, signing out whoever was signed in."""
    sign_out = page.get_by_role("button", name="Sign out")
    if sign_out.count():
        sign_out.click()
    page.goto("/sign-in")
    page.get_by_role("button", name=f"Sign in as {name}").click()


def nav(page, name: str) -> None:
    """Follow a link of the host's main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def renewal_ids(app: Flask) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Renewal.id).order_by(Renewal.id)))
        db.session.remove()
    return ids


def test_officer_renews_accreditation_a_lead_rejects_approves_then_suspends_it(
        app: Flask, page, output_dir: Path, tmp_path: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    priya = officer(app)
    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: (
        Access("mevans", lead_scopes=(LeadScope("force"),)) if user.get_id() == "mevans"
        else Access(user.get_id()))
    day = today(app)
    accredited_on = add_months(day, -36) + timedelta(days=30)  # expires in about 29 days
    expires_on = add_months(accredited_on, 36) - timedelta(days=1)
    certificate = tmp_path / "osint-certificate.pdf"
    certificate.write_bytes(PDF)
    register = tmp_path / "course-register.png"
    register.write_bytes(PNG)
    card = page.locator(f"section[data-scheme='{SCHEME}']")

    # The officer records their accreditation, from My CPD.
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name="My accreditation").click()
    expect(page.get_by_role("heading", name="My accreditation", level=1)).to_be_visible()
    expect(card).to_have_attribute("data-status", "working-towards")
    expect(card.locator(".cpd-card__head .cpd-status")).to_have_text("Working towards")
    record = page.get_by_role("form", name="Record IPP accreditation")
    record.get_by_label("Where are you?").select_option(label="Accredited")
    record.get_by_label("Date accredited").fill(accredited_on.isoformat())
    record.get_by_label("Open-source intelligence").check()
    record.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved your IPP accreditation record.")
    # Renewal is open. By the dates alone it is due (expiry within the 90-day window), but no
    # CPD is logged here, so the finished cycles since were missed and the IPP example lapses
    # it: a lapsed accreditation may still be renewed.
    expect(card).to_have_attribute("data-status", "lapsed")
    expect(card.locator(".cpd-card__head .cpd-status")).to_have_text("Lapsed")
    expect(card.locator(".cpd-next")).to_contain_text("were not met, and IPP accreditation "
                                                      "lapses when a cycle is missed.")
    expect(card.locator(".cpd-missing")).to_contain_text("Intelligence Officer CPD for")
    expect(card.locator(".cpd-missing")).to_contain_text("A statement of your continued "
                                                         "competence.")
    facts = card.locator("dl.cpd-facts")
    expect(facts.locator("time").nth(0)).to_have_attribute("datetime", accredited_on.isoformat())
    expect(facts.locator("time").nth(1)).to_have_attribute("datetime", expires_on.isoformat())
    expect(facts).to_contain_text(f"Expires{format_date(expires_on)}")
    expect(facts).to_contain_text("EndorsementsOpen-source intelligence")
    expect(card.locator("[data-renewal]")).to_have_count(0)

    # The renewal: a statement of continued competence and two files.
    renew = page.get_by_role("form", name="Renew IPP accreditation")
    renew.get_by_label("How have you kept up your competence?").fill(COMPETENCE)
    renew.get_by_label("Evidence", exact=True).set_input_files([str(certificate), str(register)])
    renew.get_by_role("button", name="Send renewal").click()
    expect(page.get_by_role("status")).to_contain_text("Sent your IPP accreditation renewal.")
    [first_id] = renewal_ids(app)
    renewal = card.locator("[data-renewal]")
    expect(renewal).to_have_attribute("data-renewal", str(first_id))
    expect(renewal).to_have_attribute("data-status", "pending")
    expect(renewal).to_contain_text("Waiting for an accreditation lead")
    expect(renewal.get_by_role("link", name="osint-certificate.pdf")).to_be_visible()
    expect(renewal.get_by_role("link", name="course-register.png")).to_be_visible()
    expect(page.get_by_role("form", name="Renew IPP accreditation")).to_have_count(0)

    # The lead reviews it from the verification queue, and rejects it with a reason.
    sign_in_as(page, "DI Mark Evans")
    nav(page, "Verification")
    expect(page.get_by_role("heading", name="Verification queue")).to_be_visible()
    rows = page.locator("tr[data-kind=renewal]")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-id", str(first_id))
    expect(rows.nth(0)).to_contain_text("DC Priya Shah")
    page.get_by_role("link", name="Review the renewal from DC Priya Shah").click()
    expect(page.get_by_role("heading", name="Review the IPP accreditation renewal from "
                                             "DC Priya Shah")).to_be_visible()
    expect(page.get_by_text(COMPETENCE)).to_be_visible()
    files = page.locator("ul.cpd-evidence")
    expect(files.get_by_role("link", name="osint-certificate.pdf")).to_be_visible()
    expect(files.get_by_role("link", name="course-register.png")).to_be_visible()
    expect(files).to_contain_text("application/pdf")
    expect(files).to_contain_text("image/png")
    cycles = page.locator("table.cpd-table tbody tr")
    expect(cycles.first).to_be_visible()
    expect(cycles.first).to_contain_text("Intelligence Officer")
    expect(cycles.first).to_contain_text("Not met")
    expect(page.locator("table.cpd-table tbody tr[data-met=yes]")).to_have_count(0)
    expect(cycles.last).to_contain_text("(under way)")
    page.screenshot(path=str(output_dir / "review-renewal.png"), full_page=True)
    page.get_by_role("button", name="Reject").click()  # without the comment a rejection needs
    expect(page.locator("#comment-error")).to_contain_text("Say why the renewal is rejected")
    expect(page.get_by_role("alert")).to_contain_text("Nothing has been recorded yet")
    page.get_by_label("Comment for the officer").fill(REJECTION)
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text("Rejected the renewal from DC Priya Shah.")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # The officer reads the rejection and sends a second renewal.
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name="My accreditation").click()
    expect(renewal).to_have_attribute("data-renewal", str(first_id))
    expect(renewal).to_have_attribute("data-status", "rejected")
    expect(renewal).to_contain_text(f"Rejected by DI Mark Evans on {format_date(day)}")
    expect(renewal).to_contain_text(f"Lead's comment: {REJECTION}")
    renew = page.get_by_role("form", name="Renew IPP accreditation")
    renew.get_by_label("How have you kept up your competence?").fill(SECOND_COMPETENCE)
    renew.get_by_label("Evidence", exact=True).set_input_files(files=[
        {"name": "osint-certificate.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "signed-register.png", "mimeType": "image/png", "buffer": PNG}])
    renew.get_by_role("button", name="Send renewal").click()
    expect(page.get_by_role("status")).to_contain_text("Sent your IPP accreditation renewal.")
    first, second_id = renewal_ids(app)
    assert first == first_id
    expect(renewal).to_have_attribute("data-renewal", str(second_id))
    expect(renewal).to_have_attribute("data-status", "pending")
    expect(renewal).to_contain_text("Waiting for an accreditation lead")
    expect(renewal.get_by_role("link", name="signed-register.png")).to_be_visible()

    # The lead approves it.
    sign_in_as(page, "DI Mark Evans")
    nav(page, "Verification")
    expect(page.locator("tr[data-kind=renewal]")).to_have_count(1)
    expect(page.locator("tr[data-kind=renewal]")).to_have_attribute("data-id", str(second_id))
    page.get_by_role("link", name="Review the renewal from DC Priya Shah").click()
    expect(page.get_by_text(SECOND_COMPETENCE)).to_be_visible()
    expect(page.get_by_role("link", name="signed-register.png")).to_be_visible()
    page.get_by_role("button", name="Approve renewal").click()
    expect(page.get_by_role("status")).to_contain_text("Approved the renewal from DC Priya Shah.")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # The officer is accredited again, from today for three years less a day.
    renewed_expiry = add_months(day, 36) - timedelta(days=1)
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name="My accreditation").click()
    expect(card).to_have_attribute("data-status", "accredited")
    expect(card.locator(".cpd-card__head .cpd-status")).to_have_text("Accredited")
    expect(renewal).to_have_attribute("data-renewal", str(second_id))
    expect(renewal).to_have_attribute("data-status", "approved")
    expect(renewal).to_contain_text(f"Approved by DI Mark Evans on {format_date(day)}")
    expect(facts.locator("time").nth(0)).to_have_attribute("datetime", day.isoformat())
    expect(facts.locator("time").nth(1)).to_have_attribute("datetime",
                                                           renewed_expiry.isoformat())
    expect(facts).to_contain_text(f"Accredited on{format_date(day)}")
    expect(facts).to_contain_text(f"Expires{format_date(renewed_expiry)}")
    expect(facts).to_contain_text("EndorsementsOpen-source intelligence")
    expect(card.locator(".cpd-next")).to_contain_text(
        f"Accredited on {format_date(day)}, valid until {format_date(renewed_expiry)}")
    expect(page.get_by_role("form", name="Renew IPP accreditation")).to_have_count(0)
    page.screenshot(path=str(output_dir / "officer-accreditation-renewed.png"), full_page=True)

    # The lead suspends the accreditation from the officer's accreditation page.
    sign_in_as(page, "DI Mark Evans")
    page.goto(f"/cpd/people/{priya.reference}/accreditation")
    expect(page.get_by_role("heading", name="DC Priya Shah: accreditation")).to_be_visible()
    expect(card).to_have_attribute("data-status", "accredited")
    change = page.get_by_role("form", name="Change the status of IPP accreditation")
    change.get_by_label("Change the status to").select_option(label="Suspended")
    change.get_by_label("Reason").fill(SUSPENSION)
    change.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text(
        "DC Priya Shah's IPP accreditation is now suspended.")
    expect(card).to_have_attribute("data-status", "suspended")

    # The officer sees the suspension and its reason, and cannot renew or re-record.
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name="My accreditation").click()
    expect(card).to_have_attribute("data-status", "suspended")
    expect(card.locator(".cpd-card__head .cpd-status")).to_have_text("Suspended")
    expect(card.locator(".cpd-next")).to_have_text(
        f"Suspended by DI Mark Evans on {format_date(day)}: {SUSPENSION}")
    expect(page.get_by_role("form", name="Renew IPP accreditation")).to_have_count(0)
    expect(page.get_by_role("heading", name="Submit your renewal")).to_have_count(0)
    expect(page.get_by_role("form", name="Record IPP accreditation")).to_have_count(0)
    page.screenshot(path=str(output_dir / "officer-accreditation.png"), full_page=True)

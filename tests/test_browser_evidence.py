"""Evidence in a real browser (headless Chromium through Playwright): an officer writes their
reflection and uploads two files, a lead verifies one and rejects the other from the
verification queue, and the officer reads the outcome. Screenshots land in the test's output
folder; the PDF export is downloaded and its first page rendered there too."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.models import Evidence
from cpd_tracker.permissions import Access, LeadScope
from tests.factories import logged, officer
from tests.test_evidence import PDF, PNG

pytestmark = pytest.mark.browser

TITLE = "Covert source handling refresher"


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


def test_officer_uploads_evidence_and_a_lead_verifies_one_file_and_rejects_the_other(
        app: Flask, page, output_dir: Path, tmp_path: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    priya = officer(app)
    officer(app, "mevans", name="DI Mark Evans", roles=())
    get_state(app).access = lambda user: (
        Access("mevans", lead_scopes=(LeadScope("force"),)) if user.get_id() == "mevans"
        else Access(user.get_id()))
    logged(app, priya, title=TITLE, minutes=120, days_ago=4)
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)

    # The officer writes what happened and what they learned, through "Correct it".
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("No reflection written yet.")).to_be_visible()
    page.get_by_role("link", name="Correct it").click()
    expect(page.get_by_role("heading", name="Correct an activity")).to_be_visible()
    page.get_by_label("What happened? (optional)").fill(
        "A day's refresher on handling covert human intelligence sources.")
    page.get_by_label("What did you learn?").fill(
        "Record every contact the same day, and review the risk assessment each time.")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved your correction to “{TITLE}”")
    expect(page.get_by_text("Record every contact the same day")).to_be_visible()

    # Two files: a certificate (PDF) and a photo of the course register (PNG).
    page.get_by_label("File").set_input_files(str(certificate))
    page.get_by_label("What does it show? (optional)").fill("Certificate of completion")
    page.get_by_role("button", name="Attach file").click()
    expect(page.get_by_role("status")).to_contain_text("Attached “certificate.pdf”")
    page.get_by_label("File").set_input_files(
        files=[{"name": "register.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_label("What does it show? (optional)").fill("The course register, signed")
    page.get_by_role("button", name="Attach file").click()
    expect(page.get_by_role("status")).to_contain_text("Attached “register.png”")
    expect(page.locator(".cpd-evidence__item[data-status=pending]")).to_have_count(2)
    expect(page.locator("[data-verification]")).to_have_text("Evidence awaiting verification")
    activity_url = page.url
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Evidence.filename, Evidence.id)).all())
        db.session.remove()

    # The lead works through the verification queue.
    sign_in_as(page, "DI Mark Evans")
    nav(page, "Verification")
    expect(page.get_by_role("heading", name="Verification queue")).to_be_visible()
    rows = page.locator("tr[data-kind=evidence]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("certificate.pdf")  # oldest first
    expect(rows.nth(1)).to_contain_text("register.png")
    page.screenshot(path=str(output_dir / "verification-queue.png"), full_page=True)

    page.get_by_role("link", name="Review certificate.pdf from DC Priya Shah").click()
    expect(page.get_by_role("heading", name="Review evidence from DC Priya Shah")).to_be_visible()
    expect(page.get_by_text("Record every contact the same day")).to_be_visible()
    page.get_by_label("Comment for the officer").fill("Certificate matches the course dates.")
    page.screenshot(path=str(output_dir / "review-evidence.png"), full_page=True)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Verified “certificate.pdf” for DC Priya Shah.")
    expect(page.locator("tr[data-kind=evidence]")).to_have_count(1)

    page.get_by_role("link", name="Review register.png from DC Priya Shah").click()
    page.get_by_role("button", name="Reject").click()  # without the comment a rejection needs
    expect(page.locator("#comment-error")).to_contain_text("Say why the evidence is rejected")
    page.get_by_label("Comment for the officer").fill(
        "The register does not show your signature; upload the signed page.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Rejected “register.png” for DC Priya Shah.")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()

    # The officer reads the outcome on the activity page.
    sign_in_as(page, "DC Priya Shah")
    nav(page, "My CPD")
    page.get_by_role("link", name=TITLE).click()
    assert page.url == activity_url
    certificate_item = page.locator(f"[data-evidence='{ids['certificate.pdf']}']")
    register_item = page.locator(f"[data-evidence='{ids['register.png']}']")
    expect(certificate_item).to_have_attribute("data-status", "approved")
    expect(certificate_item).to_contain_text("Verified by DI Mark Evans")
    expect(certificate_item).to_contain_text("Certificate matches the course dates.")
    expect(register_item).to_have_attribute("data-status", "rejected")
    expect(register_item).to_contain_text("Rejected by DI Mark Evans")
    expect(register_item).to_contain_text(
        "Lead's comment: The register does not show your signature; upload the signed page.")
    expect(page.locator("[data-verification]")).to_contain_text("Verified on")
    page.screenshot(path=str(output_dir / "officer-activity.png"), full_page=True)

    # The certificate downloads as the very file uploaded.
    with page.expect_download() as download_info:
        certificate_item.get_by_role("link", name="certificate.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "certificate.pdf"
    assert Path(download.path()).read_bytes() == PDF

    # The PDF export of the record, for the officer's PDR.
    nav(page, "My CPD")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export for my PDR (PDF)").click()
    exported = output_dir / download_info.value.suggested_filename
    assert exported.suffix == ".pdf"
    download_info.value.save_as(exported)
    document = pdfium.PdfDocument(str(exported))
    try:
        document[0].render(scale=1.5).to_pil().save(output_dir / "export-first-page.png")
        texts = [document[n].get_textpage().get_text_range() for n in range(len(document))]
    finally:
        document.close()
    assert "DC Priya Shah" in texts[0]
    assert TITLE in " ".join(" ".join(texts).split())

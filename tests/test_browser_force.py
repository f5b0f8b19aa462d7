"""A lead's force-wide pages in a real browser (headless Chromium through Playwright): the
dashboard's tables and bars, the people list narrowed to one unit's at-risk officers with the
filter form, one of them opened, the filtered list exported as CSV and as Excel, and the list's
sortable headings. Screenshots land in the test's output folder.

People are arranged as in :mod:`tests.test_force_pages` (the host's profile sync, CPD through
the services, a lead's extension), so their standings do not depend on the time of year.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.models import CurrentStanding
from cpd_tracker.permissions import Access, LeadScope
from tests.factories import framework, today
from tests.test_browser_accreditation import sign_in_as
from tests.test_force_pages import (
    ANALYST,
    FIB,
    OFFICER,
    SOCU,
    Someone,
    comply,
    exempt,
    extend,
    keep_pace,
    log,
    owing_in,
    people_in,
)

pytestmark = pytest.mark.browser

PPU = "Public Protection Unit"
BOM = b"\xef\xbb\xbf"
#: The chosen unit's at-risk officers, in the list's default order (by name).
AT_RISK_IN_FIB = ("alee", "tbarker")


def small_force(app: Flask) -> None:
    """Three units, eight people, one lead (DI Mark Evans, force-wide):

    ========  =============  =====  ==================================  ==============
    who       name           unit   how                                 status
    ========  =============  =====  ==================================  ==============
    alee      Ann Lee        FIB    refresher due in 25 days            at risk
    tbarker   Tom Barker     FIB    refresher due in 20 days            at risk
    pshah     Priya Shah     FIB    90 minutes logged, refresher owed   non-compliant
    hmorris   Helen Morris   FIB    new, keeping pace                   on track
    okhan     Omar Khan      SOCU   refresher due in 15 days            at risk
    gwells    Gina Wells     SOCU   everything done                     compliant
    ranand    Ravi Anand     SOCU   analyst, nothing done               non-compliant
    jwright   Jane Wright    PPU    exempted by a lead                  exempt
    ========  =============  =====  ==================================  ==============
    """
    framework(app)
    state = get_state(app)
    state.access = lambda user: Access(user.get_id(), lead_scopes=(
        (LeadScope("force"),) if user.get_id() == "mevans" else ()))
    with app.app_context():
        db.session.add(DemoUser(username="mevans", name="DI Mark Evans", job_title="Detective "
                                "Inspector", email="mevans@force.example", org_unit=FIB,
                                fte=Decimal(1), joined_on=today(app) - timedelta(days=2000)))
        db.session.commit()
        db.session.remove()
    people_in(app, Someone("pshah", "Priya Shah"),
              Someone("hmorris", "Helen Morris", took_up=today(app) - timedelta(days=10)),
              Someone("gwells", "Gina Wells", SOCU),
              Someone("ranand", "Ravi Anand", SOCU, roles=(ANALYST,)),
              Someone("jwright", "Jane Wright", PPU))
    owing_in(app, "tbarker", "Tom Barker", 20)
    owing_in(app, "alee", "Ann Lee", 25)
    owing_in(app, "okhan", "Omar Khan", 15, unit=SOCU)
    log(app, "pshah", 90, days_ago=3)
    comply(app, "gwells")
    keep_pace(app, "hmorris")
    extend(app, "hmorris")
    exempt(app, "jwright")


def cached(app: Flask) -> dict[str, CurrentStanding]:
    """The standings cache (filled by the pages themselves), by reference."""
    with app.app_context():
        found = {standing.reference: standing for standing in db.session.scalars(
            sa.select(CurrentStanding))}
        db.session.expunge_all()
        db.session.remove()
        return found


def group_row(page, table, label: str):
    """The dashboard table's row headed ``label``."""
    return table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=label, exact=True))


def day(value: date) -> str:
    return f"{value:%-d %b %Y}"


def test_a_lead_reads_the_dashboard_narrows_the_list_opens_a_person_and_exports(
        app: Flask, page, output_dir: Path, tmp_path: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    openpyxl = pytest.importorskip("openpyxl")
    small_force(app)

    # 1. The dashboard: a table and a bar for each role and each unit.
    sign_in_as(page, "DI Mark Evans")
    page.goto("/cpd/dashboard")
    expect(page.get_by_role("heading", name="Compliance dashboard", level=1)).to_be_visible()
    expect(page.locator("[data-tile=at-risk] strong")).to_have_text("3")
    expect(page.locator("[data-tile=non-compliant] strong")).to_have_text("2")
    by_role = page.locator("section[aria-labelledby=cpd-by-role] table.cpd-groups")
    by_unit = page.locator("section[aria-labelledby=cpd-by-unit] table.cpd-groups")
    expect(by_role).to_be_visible()
    expect(by_unit).to_be_visible()
    expect(by_role.locator("tbody tr")).to_have_count(2)
    expect(by_unit.locator("tbody tr")).to_have_count(3)
    for table, labels in ((by_role, ("Intelligence Officer", "Intelligence Analyst")),
                          (by_unit, (FIB, SOCU, PPU))):
        for label in labels:
            row = group_row(page, table, label)
            expect(row).to_have_count(1)
            bar = row.locator("svg.cpd-bar")
            expect(bar).to_be_visible()
            expect(bar).to_have_attribute("role", "img")
            expect(bar).to_have_attribute("aria-label", re.compile(rf"^{re.escape(label)}: "))
            assert bar.bounding_box()["width"] > 20  # drawn, not collapsed
    fib = group_row(page, by_unit, FIB)
    expect(fib.locator("td[data-status=at-risk]")).to_contain_text("2")
    expect(fib.locator("svg.cpd-bar rect.cpd-fill--at-risk")).to_have_count(1)
    socu = group_row(page, by_unit, SOCU)
    expect(socu.locator("td[data-status=at-risk]")).to_contain_text("1")
    ppu = group_row(page, by_unit, PPU)
    expect(ppu.locator("svg.cpd-bar")).to_have_attribute("aria-label", f"{PPU}: 100% exempt")
    expect(ppu.locator("svg.cpd-bar rect")).to_have_count(1)
    page.screenshot(path=str(output_dir / "dashboard.png"), full_page=True)

    # 2. The people list, narrowed with the form to FIB's officers at risk.
    page.locator(".cpd-actions").get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    rows = page.locator("table.cpd-table tbody tr")
    expect(rows).to_have_count(8)  # one row a standing; DI Mark Evans holds no role
    expect(page.locator("#cpd-people-count")).to_contain_text("8 standings")
    form = page.get_by_role("form", name="Filter the people")
    form.get_by_role("checkbox", name="At risk").check()
    form.get_by_label("Unit", exact=True).select_option(label=FIB)
    form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/cpd/people\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["status"] == ["at-risk"] and query["unit"] == [FIB]
    expect(rows).to_have_count(len(AT_RISK_IN_FIB))
    expect(page.locator("#cpd-people-count")).to_have_text(
        "2 standings (a person in each role they hold) match.")
    assert [rows.nth(n).get_attribute("data-reference") for n in range(rows.count())] == list(
        AT_RISK_IN_FIB)
    for n in range(rows.count()):
        row = rows.nth(n)
        expect(row).to_have_attribute("data-status", "at-risk")
        expect(row).to_have_attribute("data-role", OFFICER)
        expect(row.locator("td").nth(2)).to_have_text(FIB)
        expect(row.locator("td").nth(3)).to_have_text("At risk")
    # The form remembers what was chosen.
    expect(form.get_by_role("checkbox", name="At risk")).to_be_checked()
    expect(form.get_by_role("checkbox", name="Non-compliant")).not_to_be_checked()
    expect(form.get_by_label("Unit", exact=True)).to_have_value(FIB)
    filtered = page.url
    page.screenshot(path=str(output_dir / "people-at-risk.png"), full_page=True)

    # 3. One of them opened from the name link: their role card.
    standing = cached(app)["tbarker"]
    rows.filter(has_text="Tom Barker").get_by_role("link", name="Tom Barker").click()
    expect(page.get_by_role("heading", name="Tom Barker", level=1)).to_be_visible()
    assert urlsplit(page.url).path == "/cpd/people/tbarker"
    expect(page.locator(".cpd-heading .cpd-muted")).to_have_text(f"{FIB} · reference tbarker")
    card = page.locator(f".cpd-card[data-role={OFFICER}]")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-status", "at-risk")
    expect(card.locator(".cpd-card__head h3")).to_have_text("Intelligence Officer")
    expect(card.locator(".cpd-card__head .cpd-status")).to_have_text("At risk")
    assert standing.due_on != standing.cycle_end  # the lead's extension
    expect(card.locator("p.cpd-muted").first).to_contain_text(
        f"Cycle {day(standing.cycle_start)} to {day(standing.cycle_end)}, "
        f"due {day(standing.due_on)}")
    rules = card.locator("ul.cpd-rules li")
    expect(rules.first).to_be_visible()
    assert rules.count() >= 2
    refresher = rules.filter(has_text=f"due by {day(today(app) + timedelta(days=20))}")
    expect(refresher).to_have_count(1)
    expect(refresher).to_have_attribute("data-met", "no")
    expect(card.locator("p.cpd-next")).not_to_be_empty()
    page.screenshot(path=str(output_dir / "person.png"), full_page=True)

    # 4. Back on the filtered list: its exports hold exactly its rows.
    page.go_back()
    expect(page).to_have_url(filtered)
    expect(rows).to_have_count(len(AT_RISK_IN_FIB))
    actions = page.locator(".cpd-actions")
    with page.expect_download() as caught:
        actions.get_by_role("link", name="Export these (CSV)").click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == f"cpd-people-{today(app).isoformat()}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(BOM)
    assert not raw[len(BOM):].startswith(BOM)
    table = list(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline="")))
    header, body = table[0], table[1:]
    assert header[:6] == ["reference", "name", "unit", "role", "role_name", "status"]
    assert [line[0] for line in body] == list(AT_RISK_IN_FIB)
    assert all(line[2] == FIB and line[3] == OFFICER and line[5] == "at-risk"
               for line in body)
    assert all(len(line) == len(header) for line in body)

    with page.expect_download() as caught:
        actions.get_by_role("link", name="Export these (Excel)", exact=True).click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == f"cpd-people-{today(app).isoformat()}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    try:
        sheet = book.worksheets[0]
        values = [list(line) for line in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    assert values[0] == header
    assert [line[0] for line in values[1:]] == list(AT_RISK_IN_FIB)
    assert all(line[5] == "at-risk" for line in values[1:])

    # 5. The headings sort by keyboard: each is a link; the active one says so to a reader.
    headings = page.locator("table.cpd-table thead th")
    expect(headings).to_have_count(8)
    for n in range(7):  # the eighth, how the last cycle ended, does not sort
        expect(headings.nth(n).get_by_role("link")).to_have_count(1)
    name_heading = headings.filter(has=page.get_by_role("link", name=re.compile("^Name")))
    expect(name_heading).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("thead th[aria-sort]")).to_have_count(1)
    due_link = page.get_by_role("columnheader", name=re.compile("^Next due")).get_by_role(
        "link")
    due_link.focus()
    expect(due_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]sort=due\b"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["status"] == ["at-risk"] and query["unit"] == [FIB]  # the filter is kept
    due_heading = page.get_by_role("columnheader", name=re.compile("^Next due"))
    expect(due_heading).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("thead th[aria-sort]")).to_have_count(1)
    expect(rows).to_have_count(len(AT_RISK_IN_FIB))
    assert [rows.nth(n).get_attribute("data-reference") for n in range(2)] == [
        "tbarker", "alee"]  # due in 20 days, then in 25
    # The same heading again turns the order round.
    page.get_by_role("columnheader", name=re.compile("^Next due")).get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]sort=-due\b"))
    expect(page.get_by_role("columnheader", name=re.compile("^Next due"))).to_have_attribute(
        "aria-sort", "descending")
    assert [rows.nth(n).get_attribute("data-reference") for n in range(2)] == [
        "alee", "tbarker"]


def test_the_person_page_names_a_refresher_rule_once(app: Flask, page) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    small_force(app)
    sign_in_as(page, "DI Mark Evans")
    page.goto("/cpd/people/tbarker")
    refresher = page.locator(f".cpd-card[data-role={OFFICER}] ul.cpd-rules li").filter(
        has_text="refresher")
    expect(refresher).to_have_count(1)
    due = day(today(app) + timedelta(days=20))
    expect(refresher).to_have_text(re.compile(
        rf"^Data protection and MoPI refresher: due by {due}\b"), timeout=1000)


def test_filtering_keeps_a_reversed_sort_chosen_from_a_heading(app: Flask, page) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    small_force(app)
    sign_in_as(page, "DI Mark Evans")
    page.goto("/cpd/people?status=at-risk&sort=-due")
    expect(page.get_by_role("columnheader", name=re.compile("^Next due"))).to_have_attribute(
        "aria-sort", "descending")
    form = page.get_by_role("form", name="Filter the people")
    form.get_by_label("Unit", exact=True).select_option(label=FIB)
    form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]unit="))
    expect(page.get_by_role("columnheader", name=re.compile("^Next due"))).to_have_attribute(
        "aria-sort", "descending", timeout=1000)

"""Accreditation through the pages, as an officer, a lead and a line manager use them: the
officer's own page (record it, see what renewal needs, submit a renewal with files), the lead's
review of a renewal, and a person's page with the lead's status decisions. Every refusal is a
422 naming the problem and leaves nothing behind: no statement, no row, no file in storage.
Flask's test client against the real database of the run."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker import get_state
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.models import Evidence, Framework, Learner, Renewal
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services import allowances, outcomes
from cpd_tracker.storage import LocalStorage
from tests.factories import counts, form_fields, framework, sign_in, today
from tests.test_accreditation import (
    RULES,
    SCHEME,
    _accredited_expiring_in,
    change,
    met_last_cycle,
    record,
)

OFFICER = "intelligence-officer"
LEAD = Lead("jlead", "Insp Jo Lead")
PAGE = "/cpd/accreditation"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\n%accreditation-pages-test\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
COMPETENCE = "Led the debrief of a covert source; assessed against the IPP standards."
MARKUP = "<script>alert(1)</script><b>kept up</b>"
ESCAPED = html.escape(MARKUP, quote=False)


# --- arranging ---------------------------------------------------------------------------


def member(app: Flask, username: str = "pshah", name: str = "DC Priya Shah", *,
           roles: tuple[str, ...] = (OFFICER,), line_manager: str | None = None) -> Learner:
    """A host user (with a line manager, if given) and their learner record holding ``roles``
    since joining 3000 days ago; the IPP example is loaded first."""
    with app.app_context():
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Framework)):
            framework(app)
        joined = today(app) - timedelta(days=3000)
        user = DemoUser(username=username, name=name, email=f"{username}@force.example",
                        job_title="Police officer", org_unit="Force Intelligence Bureau",
                        fte=Decimal(1), joined_on=joined, line_manager_reference=line_manager)
        db.session.add(user)
        db.session.commit()
        learner = get_state(app).learner_for(user)
        for code in roles:
            assign_role(db.session, learner, code, started_on=joined)
        db.session.commit()
        learner = db.session.get(Learner, learner.id)
        db.session.expunge_all()
        db.session.remove()
        return learner


def with_lead(app: Flask) -> None:
    """Insp Jo Lead leads the whole force, through the host's ``access=`` hook."""
    member(app, "jlead", "Insp Jo Lead", roles=())
    scopes = {"jlead": Access("jlead", lead_scopes=(LeadScope("force"),))}
    get_state(app).access = lambda user: scopes.get(user.get_id(), Access(user.get_id()))


def renewal_open(app: Flask, **kwargs: object) -> Learner:
    """An officer accredited three years ago less 30 days, with no CPD logged: lapsed by a
    missed cycle, which still lets them renew."""
    learner = member(app, **kwargs)  # type: ignore[arg-type]
    record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    return learner


def day(value: date) -> str:
    return f"{value:%-d %b %Y}"


# --- reading and sending -----------------------------------------------------------------


def hidden(page: str) -> dict[str, str]:
    """Every hidden CSRF token and submission id on the page, by (prefixed) name."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and value and name.group(1).endswith(("csrf_token", "submission_id")):
            found[name.group(1)] = html.unescape(value.group(1))
    return found


def field_error(page: str, field: str) -> str:
    return " ".join(re.findall(rf'<p class="cpd-error" id="{re.escape(field)}-error">(.*?)</p>',
                               page, re.S))


def card(page: str) -> str:
    """The IPP example's card on an accreditation page."""
    found = re.search(rf'<section class="cpd-card"[^>]*data-scheme="{SCHEME}".*?</section>',
                      page, re.S)
    assert found, page
    return found.group(0)


def get(client: FlaskClient, url: str = PAGE) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def csrf(client: FlaskClient) -> str:
    """A CSRF token for the client's session (the host's sign-in page renders one)."""
    return form_fields(get(client, "/sign-in"))["csrf_token"]


def post_record(client: FlaskClient, *, status: str = "accredited",
                accredited_on: date | str = "", endorsements: tuple[str, ...] = ()):
    """Send the record form from the officer's page (its token and submission id)."""
    fields = hidden(get(client))
    return client.post(f"{PAGE}/{SCHEME}", data={
        f"{SCHEME}-csrf_token": fields.get(f"{SCHEME}-csrf_token") or csrf(client),
        f"{SCHEME}-submission_id": fields.get(f"{SCHEME}-submission_id", "form-1"),
        f"{SCHEME}-status": status, f"{SCHEME}-accredited_on": str(accredited_on),
        f"{SCHEME}-endorsements": list(endorsements)})


def post_renewal(client: FlaskClient, files: list[tuple[bytes, str]] | None = None, *,
                 competence: str = COMPETENCE):
    """Send the renewal form from the officer's page, multipart with ``files``."""
    fields = hidden(get(client))
    return client.post(f"{PAGE}/{SCHEME}/renewal", content_type="multipart/form-data", data={
        f"renew-{SCHEME}-csrf_token": fields.get(f"renew-{SCHEME}-csrf_token") or csrf(client),
        f"renew-{SCHEME}-submission_id": fields.get(f"renew-{SCHEME}-submission_id", "r-1"),
        f"renew-{SCHEME}-competence": competence,
        f"renew-{SCHEME}-files": [(io.BytesIO(content), name) for content, name
                                  in ([(PDF, "debrief.pdf")] if files is None else files)]})


def post_status(client: FlaskClient, status: str, reason: str, reference: str = "pshah"):
    url = f"/cpd/people/{reference}/accreditation"
    token = hidden(get(client, url)).get(f"status-{SCHEME}-csrf_token") or csrf(client)
    return client.post(f"{url}/{SCHEME}/status", data={
        f"status-{SCHEME}-csrf_token": token, f"status-{SCHEME}-status": status,
        f"status-{SCHEME}-reason": reason})


def post_decision(client: FlaskClient, renewal_id: int, decision: str, comment: str = ""):
    url = f"/cpd/verification/renewals/{renewal_id}"
    token = form_fields(get(client, url)).get("csrf_token") or csrf(client)
    return client.post(url, data={"csrf_token": token, "decision": decision, "comment": comment})


def stored_files(app: Flask) -> list[Path]:
    storage = get_state(app).storage
    assert isinstance(storage, LocalStorage)
    return sorted(path for path in Path(storage.folder).rglob("*") if path.is_file())


def rows(app: Flask, model: type) -> list:
    with app.app_context():
        found = list(db.session.scalars(sa.select(model).order_by(model.id)))
        db.session.expunge_all()
        db.session.remove()
        return found


def renewals(app: Flask) -> list[Renewal]:
    return rows(app, Renewal)


def renewal_evidence(app: Flask) -> list[Evidence]:
    return rows(app, Evidence)


def written(app: Flask) -> tuple[int, int, int, list[Path]]:
    """(statements, renewals, evidence rows, files in storage): to prove nothing changed."""
    return (counts(app)[0], len(renewals(app)), len(renewal_evidence(app)), stored_files(app))


# --- the officer's page ------------------------------------------------------------------


def test_an_officer_without_a_record_is_working_towards_and_invited_to_record_it(
        app: Flask, client: FlaskClient) -> None:
    member(app)
    sign_in(client, "pshah")

    section = card(get(client))

    assert 'data-status="working-towards"' in section
    assert "Working towards IPP accreditation: no accreditation is recorded yet." in section
    assert "An accreditation to renew: record your IPP accreditation once you have it." in section
    assert "Record your accreditation" in section and f'action="{PAGE}/{SCHEME}"' in section
    assert "Submit your renewal" not in section


def test_recording_an_accreditation_shows_its_dates_and_endorsements(
        app: Flask, client: FlaskClient) -> None:
    member(app)
    sign_in(client, "pshah")
    accredited = today(app) - timedelta(days=10)
    before = counts(app)[0]

    response = post_record(client, accredited_on=accredited,
                           endorsements=("covert-sources", "open-source"))

    assert (response.status_code, response.headers["Location"]) == (302, PAGE)
    assert counts(app)[0] == before + 1
    page = get(client)
    assert "Saved your IPP accreditation record." in page
    section = card(page)
    assert 'data-status="accredited"' in section
    assert f'<dt>Accredited on</dt><dd><time datetime="{accredited.isoformat()}">' in section
    expires = RULES.expires_on(accredited)
    assert f'<dt>Expires</dt><dd><time datetime="{expires.isoformat()}">{day(expires)}' in section
    assert "<dt>Endorsements</dt><dd>Covert sources, Open-source intelligence</dd>" in section
    assert "Submit your renewal" not in section  # renewal is years away


REFUSED_RECORDS = {
    # case: (status, date as days from today, endorsements, field, message)
    "future-date": ("accredited", 1, (), "accredited_on", "is in the future; give the date"),
    "date-while-working-towards": ("working-towards", -5, (), "accredited_on",
                                   "Leave the date empty while you are working towards"),
    "unknown-endorsement": ("accredited", -5, ("firearms",), "endorsements",
                            "&#39;firearms&#39; is not an endorsement of IPP accreditation"),
}


@pytest.mark.parametrize("case", list(REFUSED_RECORDS))
def test_a_refused_record_is_shown_again_naming_the_problem_and_nothing_is_recorded(
        app: Flask, client: FlaskClient, case: str) -> None:
    status, offset, endorsements, field, message = REFUSED_RECORDS[case]
    member(app)
    sign_in(client, "pshah")
    before = counts(app)[0]

    response = post_record(client, status=status, endorsements=endorsements,
                           accredited_on=today(app) + timedelta(days=offset))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, f"{SCHEME}-{field}"), page
    assert "Nothing has been recorded yet" in page
    assert counts(app)[0] == before


def test_someone_outside_the_schemes_roles_is_told_why_their_record_is_refused(
        app: Flask, client: FlaskClient) -> None:
    member(app, roles=("intelligence-support-officer",))
    sign_in(client, "pshah")
    before = counts(app)[0]

    response = post_record(client, accredited_on=today(app) - timedelta(days=5))

    assert response.status_code == 422
    assert counts(app)[0] == before
    assert "IPP accreditation is for the roles intelligence-officer" in response.get_data(
        as_text=True)


def test_a_record_sent_after_a_suspension_is_told_it_is_suspended(
        app: Flask, client: FlaskClient) -> None:
    learner = member(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    sign_in(client, "pshah")
    fields = hidden(get(client))  # the page is open when the lead suspends
    change(app, learner, "suspended")
    before = counts(app)[0]

    response = client.post(f"{PAGE}/{SCHEME}", data={
        **fields, f"{SCHEME}-status": "accredited",
        f"{SCHEME}-accredited_on": (today(app) - timedelta(days=10)).isoformat(),
        f"{SCHEME}-endorsements": ["open-source"]})

    assert response.status_code == 422
    assert counts(app)[0] == before
    assert "Your IPP accreditation is suspended; only an accreditation lead can change it now." \
        in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["", "/renewal"])
def test_an_unknown_scheme_is_not_found(app: Flask, client: FlaskClient, path: str) -> None:
    member(app)
    sign_in(client, "pshah")
    before = written(app)

    token = csrf(client)
    response = client.post(f"{PAGE}/no-such-scheme{path}", data={
        "no-such-scheme-csrf_token": token, "renew-no-such-scheme-csrf_token": token})

    assert response.status_code == 404
    assert written(app) == before


@pytest.mark.parametrize("decision", ["suspended", "withdrawn", "lapsed"])
def test_the_record_form_is_hidden_once_a_lead_decision_holds(
        app: Flask, client: FlaskClient, decision: str) -> None:
    learner = member(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    change(app, learner, decision, "Decided by the lead.")
    sign_in(client, "pshah")

    section = card(get(client))

    assert f'data-status="{decision}"' in section
    assert f'action="{PAGE}/{SCHEME}"' not in section
    assert f"{SCHEME}-csrf_token" not in hidden(section)
    # Only a lapse can be renewed; suspended and withdrawn wait for a lead to reinstate.
    assert ("Submit your renewal" in section) == (decision == "lapsed")


# --- what renewal needs ------------------------------------------------------------------


def test_the_page_shows_each_cycle_since_the_accreditation_and_whether_it_was_met(
        app: Flask, client: FlaskClient) -> None:
    learner = renewal_open(app)
    met = met_last_cycle(app, learner)
    earlier = annual_cycle(met.start - timedelta(days=1), (4, 1))
    sign_in(client, "pshah")

    section = card(get(client))

    assert 'data-status="renewal-due"' in section
    assert f'data-cycle-end="{met.end.isoformat()}" data-met="yes"' in section
    assert f'data-cycle-end="{earlier.end.isoformat()}" data-met="no"' in section
    assert (f"Intelligence Officer CPD for {day(earlier.start)} to {day(earlier.end)}: not met."
            in section)
    assert f"{day(met.start)} to {day(met.end)}: not met." not in section


def test_with_an_extension_each_past_cycle_shows_once_and_the_cycles_under_way_too(
        app: Flask, client: FlaskClient) -> None:
    """Before, an extended cycle showed twice, labelled "(under way)" long after it ended, and
    the current cycle was left out."""
    learner = renewal_open(app)
    current = annual_cycle(today(app), (4, 1))
    last = annual_cycle(current.start - timedelta(days=1), (4, 1))
    with app.app_context():
        allowances.grant_extension(db.session, get_state(app).settings, LEAD,
                                   db.session.get(Learner, learner.id), role_code=OFFICER,
                                   on=last.end - timedelta(days=5),
                                   due=today(app) + timedelta(days=7), reason="Sickness.")
        outcomes.close_cycles(db.session, get_state(app).settings, today=today(app))
        db.session.remove()
    sign_in(client, "pshah")

    section = card(get(client))

    starts = re.findall(r"<td>(\d+ \w+ \d{4}) to (\d+ \w+ \d{4})", section)
    assert len(starts) == len(set(starts))
    assert (day(last.start), day(last.end)) in starts
    assert (day(current.start), day(current.end)) in starts
    rows = re.findall(r"<tr [^>]*>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S)
    [owed] = [row for row in rows if "(ended; owed until" in row]
    [under_way] = [row for row in rows if "(under way)" in row]
    assert re.search(r"(\d+ \w+ \d{4}) to", owed).group(1) == day(last.start)
    assert f"owed until {day(today(app) + timedelta(days=7))}" in owed
    assert re.search(r"(\d+ \w+ \d{4}) to", under_way).group(1) == day(current.start)
    assert all("Not met" in row for row in rows if row not in (owed, under_way))


def test_what_renewal_still_needs_lists_the_statement_and_the_evidence(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")

    section = card(get(client))

    assert 'data-status="lapsed"' in section
    needs = re.search(r'<h3>What renewal still needs</h3>\s*<ul class="cpd-missing">(.*?)</ul>',
                      section, re.S)
    assert needs, section
    assert "<li>A statement of your continued competence.</li>" in needs.group(1)
    assert "<li>At least 1 file of evidence of your continued competence.</li>" in needs.group(1)


@pytest.mark.parametrize("setting", ["renewal-due", "lapsed-by-missed-cycle", "accredited"])
def test_the_renewal_form_is_offered_only_while_renewal_is_open(
        app: Flask, client: FlaskClient, setting: str) -> None:
    learner = member(app)
    if setting == "accredited":
        record(app, learner, accredited_on=today(app) - timedelta(days=100))
    else:
        record(app, learner, accredited_on=_accredited_expiring_in(app, 30))
    if setting == "renewal-due":
        met_last_cycle(app, learner)
    sign_in(client, "pshah")

    section = card(get(client))

    opened = setting != "accredited"
    assert ("Submit your renewal" in section) == opened
    assert (f'action="{PAGE}/{SCHEME}/renewal"' in section) == opened
    assert (f"renew-{SCHEME}-csrf_token" in hidden(section)) == opened


# --- submitting a renewal ----------------------------------------------------------------


def test_a_renewal_with_files_waits_for_a_lead_with_its_files_kept(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")
    statements = counts(app)[0]

    response = post_renewal(client, [(PDF, "debrief.pdf"), (PNG, "certificate.png")])

    assert (response.status_code, response.headers["Location"]) == (302, PAGE)
    assert counts(app)[0] == statements + 1
    [renewal] = renewals(app)
    assert (renewal.status, renewal.competence, renewal.scheme) == ("pending", COMPETENCE, SCHEME)
    files = renewal_evidence(app)
    assert [(item.filename, item.activity_iri, item.statement_id) for item in files] == [
        ("debrief.pdf", None, renewal.statement_id),
        ("certificate.png", None, renewal.statement_id)]
    assert sorted(path.name for path in stored_files(app)) == sorted(f.sha256 for f in files)


def test_a_pending_renewal_is_shown_with_its_files_and_no_second_form(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")
    assert post_renewal(client).status_code == 302
    [renewal] = renewals(app)
    [item] = renewal_evidence(app)

    page = get(client)

    assert "Sent your IPP accreditation renewal." in page
    section = card(page)
    assert f'data-renewal="{renewal.id}" data-status="pending"' in section
    assert "Waiting for an accreditation lead" in section
    assert f'href="/cpd/evidence/{item.id}/file" download>debrief.pdf</a>' in section
    assert "Submit your renewal" not in section
    assert "A statement of your continued competence." not in section


REFUSED_RENEWALS = {
    # case: (files, competence, field, message)
    "no-competence": ([(PDF, "debrief.pdf")], "  ", "competence",
                      "Describe how you have kept up your competence"),
    "no-file": ([], COMPETENCE, "files", "Attach at least 1 file of evidence"),
    "html-named-pdf": ([(HTML_PAGE, "debrief.pdf")], COMPETENCE, "files",
                       "is not a file type accepted"),
    "exe-named-pdf": ([(EXE, "debrief.pdf")], COMPETENCE, "files", "is not a file type accepted"),
    "oversized": ([(PDF + b"\x00" * 400, "debrief.pdf")], COMPETENCE, "files",
                  "larger than the 256 bytes limit"),
    "one-good-one-bad": ([(PDF, "debrief.pdf"), (EXE, "tool.pdf")], COMPETENCE, "files",
                         "is not a file type accepted"),
    "same-file-twice": ([(PDF, "debrief.pdf"), (PDF, "copy.pdf")], COMPETENCE, "files",
                        "is attached twice; attach each file once."),
}


@pytest.mark.parametrize("case", list(REFUSED_RENEWALS))
def test_a_refused_renewal_names_the_field_and_leaves_no_file_or_statement(
        app: Flask, client: FlaskClient, case: str) -> None:
    files, competence, field, message = REFUSED_RENEWALS[case]
    state = get_state(app)
    state.settings = dataclasses.replace(state.settings, evidence_max_bytes=256)
    renewal_open(app)
    sign_in(client, "pshah")
    before = written(app)

    response = post_renewal(client, files, competence=competence)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, f"renew-{SCHEME}-{field}"), page
    assert "The renewal was not sent" in page
    assert written(app) == before
    assert stored_files(app) == []


def test_a_renewal_before_it_opens_is_refused_with_the_opening_date_and_nothing_kept(
        app: Flask, client: FlaskClient) -> None:
    learner = member(app)
    accredited = today(app) - timedelta(days=100)
    record(app, learner, accredited_on=accredited)
    sign_in(client, "pshah")
    before = written(app)

    response = post_renewal(client)

    assert response.status_code == 422
    opens = RULES.expires_on(accredited) - timedelta(days=90)
    assert f"Renewal opens on {day(opens)}" in response.get_data(as_text=True)
    assert written(app) == before
    assert stored_files(app) == []


def test_a_second_renewal_while_one_waits_is_refused_and_its_file_not_kept(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")
    assert post_renewal(client).status_code == 302
    before = written(app)

    response = post_renewal(client, [(PNG, "another.png")])

    assert response.status_code == 422
    assert (f"Your renewal sent on {day(today(app))} is waiting for a lead&#39;s decision."
            in response.get_data(as_text=True))
    assert written(app) == before


def test_a_refused_renewal_of_a_file_already_kept_leaves_that_file_in_place(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")
    assert post_renewal(client).status_code == 302
    [item] = renewal_evidence(app)
    before = written(app)

    response = post_renewal(client, [(PDF, "debrief-again.pdf")])

    assert response.status_code == 422
    assert written(app) == before
    download = client.get(f"/cpd/evidence/{item.id}/file")
    assert (download.status_code, download.get_data()) == (200, PDF)


def test_a_suspended_officers_renewal_is_refused_naming_the_suspension(
        app: Flask, client: FlaskClient) -> None:
    learner = renewal_open(app)
    sign_in(client, "pshah")
    fields = hidden(get(client))  # the page is open when the lead suspends
    change(app, learner, "suspended", "Under investigation.")
    before = written(app)

    response = client.post(f"{PAGE}/{SCHEME}/renewal", content_type="multipart/form-data", data={
        **fields, f"renew-{SCHEME}-competence": COMPETENCE,
        f"renew-{SCHEME}-files": [(io.BytesIO(PDF), "debrief.pdf")]})

    assert response.status_code == 422
    assert ("Under investigation. An accreditation lead must reinstate it before you can renew."
            in response.get_data(as_text=True))
    assert written(app) == before
    assert stored_files(app) == []


def test_markup_in_a_refused_competence_statement_is_shown_back_as_text(
        app: Flask, client: FlaskClient) -> None:
    renewal_open(app)
    sign_in(client, "pshah")

    response = post_renewal(client, [], competence=MARKUP)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ESCAPED in page
    assert MARKUP not in page and "<b>kept up</b>" not in page


# --- the lead's review -------------------------------------------------------------------


def pending_for_lead(app: Flask, client: FlaskClient, competence: str = COMPETENCE) -> Renewal:
    """A renewal Priya sent through her page; the client is then signed in as the lead."""
    with_lead(app)
    renewal_open(app)
    sign_in(client, "pshah")
    assert post_renewal(client, competence=competence).status_code == 302
    sign_in(client, "jlead")
    [renewal] = renewals(app)
    return renewal


def test_the_queue_lists_the_renewal_with_a_link_to_its_review(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)

    page = get(client, "/cpd/verification")

    row = re.search(rf'<tr data-kind="renewal" data-id="{renewal.id}">.*?</tr>', page, re.S)
    assert row, page
    assert f'href="/cpd/verification/renewals/{renewal.id}"' in row.group(0)
    assert "DC Priya Shah" in row.group(0)


def test_the_review_shows_the_statement_the_files_and_the_cycles_and_serves_each_file(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)
    [item] = renewal_evidence(app)

    page = get(client, f"/cpd/verification/renewals/{renewal.id}")

    assert "Review the IPP accreditation renewal from DC Priya Shah" in page
    assert f'<p class="cpd-reflection">{COMPETENCE}</p>' in page
    assert f'href="/cpd/evidence/{item.id}/file" download>debrief.pdf</a>' in page
    assert page.count('<tr data-met="no">') >= 2  # the missed cycles since the accreditation
    assert "Approve renewal" in page
    download = client.get(f"/cpd/evidence/{item.id}/file")
    assert (download.status_code, download.get_data()) == (200, PDF)


def test_markup_in_a_competence_statement_is_shown_as_text_to_the_lead(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client, competence=MARKUP)

    page = get(client, f"/cpd/verification/renewals/{renewal.id}")

    assert f'<p class="cpd-reflection">{ESCAPED}</p>' in page
    assert MARKUP not in page and "<b>kept up</b>" not in page


def test_the_officer_sees_the_statement_they_sent_as_text(
        app: Flask, client: FlaskClient) -> None:
    pending_for_lead(app, client, competence=MARKUP)
    sign_in(client, "pshah")

    page = get(client, "/cpd/accreditation")

    assert f'<p class="cpd-reflection">{ESCAPED}</p>' in page
    assert MARKUP not in page and "<b>kept up</b>" not in page


def test_approving_renews_from_today_and_the_officer_sees_who_approved_it(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)

    response = post_decision(client, renewal.id, "approve")

    assert (response.status_code, response.headers["Location"]) == (302, "/cpd/verification")
    assert [row.status for row in renewals(app)] == ["approved"]
    sign_in(client, "pshah")
    section = card(get(client))
    assert f"Approved by Insp Jo Lead on {day(today(app))}" in section
    assert 'data-status="accredited"' in section
    expires = RULES.expires_on(today(app))
    assert expires.year == today(app).year + 3
    assert f'<time datetime="{today(app).isoformat()}">' in section
    assert f'<time datetime="{expires.isoformat()}">' in section
    assert "Submit your renewal" not in section


def test_rejecting_without_a_comment_is_refused_asking_why(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)
    before = written(app)

    response = post_decision(client, renewal.id, "reject", " ")

    assert response.status_code == 422
    assert "Say why the renewal is rejected" in field_error(response.get_data(as_text=True),
                                                            "comment")
    assert written(app) == before
    assert [row.status for row in renewals(app)] == ["pending"]


def test_a_rejection_comment_reaches_the_officer_as_text_and_they_may_renew_again(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)
    comment = "Add your debrief log. " + MARKUP

    response = post_decision(client, renewal.id, "reject", comment)

    assert response.status_code == 302
    sign_in(client, "pshah")
    section = card(get(client))
    assert f'data-renewal="{renewal.id}" data-status="rejected"' in section
    assert f"Rejected by Insp Jo Lead on {day(today(app))}" in section
    assert f"Add your debrief log. {ESCAPED}" in section
    assert MARKUP not in section
    assert "Submit your renewal" in section


def test_a_decided_renewal_cannot_be_decided_again(app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)
    token = form_fields(get(client, f"/cpd/verification/renewals/{renewal.id}"))["csrf_token"]
    assert post_decision(client, renewal.id, "approve").status_code == 302
    before = written(app)

    response = client.post(f"/cpd/verification/renewals/{renewal.id}", data={
        "csrf_token": token, "decision": "reject", "comment": "Changed my mind."})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Already approved by Insp Jo Lead." in page and "Approve renewal" not in page
    assert written(app) == before
    assert [row.status for row in renewals(app)] == ["approved"]


def test_an_officer_cannot_open_the_review_of_their_own_renewal(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)
    sign_in(client, "pshah")

    assert client.get(f"/cpd/verification/renewals/{renewal.id}").status_code == 403


# --- a person's page: the lead's and the line manager's ---------------------------------


def test_a_lead_sees_the_persons_accreditation_with_a_status_form_and_a_review_link(
        app: Flask, client: FlaskClient) -> None:
    renewal = pending_for_lead(app, client)

    page = get(client, "/cpd/people/pshah/accreditation")

    assert "DC Priya Shah: accreditation" in page
    section = card(page)
    assert f'name="status-{SCHEME}-status"' in section
    # No status is preselected: the first choice asks for one (it used to be "Suspended").
    select = section.split(f'name="status-{SCHEME}-status"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option[^>]*value="([a-z]*)"', select)[0] == ""
    assert "selected" not in select
    assert f'href="/cpd/verification/renewals/{renewal.id}">Review the renewal' in section
    assert "Submit your renewal" not in section and f'action="{PAGE}/{SCHEME}"' not in section


def test_a_suspension_with_its_reason_reaches_the_officer_and_stops_renewal(
        app: Flask, client: FlaskClient) -> None:
    with_lead(app)
    renewal_open(app)
    sign_in(client, "jlead")
    statements = counts(app)[0]

    response = post_status(client, "suspended", "Under investigation.")

    assert response.status_code == 302
    assert response.headers["Location"] == "/cpd/people/pshah/accreditation"
    assert counts(app)[0] == statements + 1
    assert "DC Priya Shah&#39;s IPP accreditation is now suspended." in get(
        client, response.headers["Location"])
    sign_in(client, "pshah")
    section = card(get(client))
    assert 'data-status="suspended"' in section
    assert f"Suspended by Insp Jo Lead on {day(today(app))}: Under investigation." in section
    assert "Submit your renewal" not in section
    assert f'action="{PAGE}/{SCHEME}/renewal"' not in section


def test_a_status_change_without_a_reason_is_refused(app: Flask, client: FlaskClient) -> None:
    with_lead(app)
    renewal_open(app)
    sign_in(client, "jlead")
    before = written(app)

    response = post_status(client, "suspended", "  ")

    assert response.status_code == 422
    assert "Give the reason" in field_error(response.get_data(as_text=True),
                                            f"status-{SCHEME}-reason")
    assert written(app) == before


def test_a_status_change_for_someone_with_no_record_says_there_is_none(
        app: Flask, client: FlaskClient) -> None:
    with_lead(app)
    member(app)
    sign_in(client, "jlead")
    before = written(app)

    response = post_status(client, "suspended", "Under investigation.")

    assert response.status_code == 422
    assert written(app) == before
    assert "DC Priya Shah has no IPP accreditation recorded." in response.get_data(as_text=True)


def test_reinstating_gives_the_accreditation_back(app: Flask, client: FlaskClient) -> None:
    with_lead(app)
    learner = member(app)
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    change(app, learner, "suspended")
    sign_in(client, "jlead")

    response = post_status(client, "reinstated", "Investigation closed, no case to answer.")

    assert response.status_code == 302
    sign_in(client, "pshah")
    section = card(get(client))
    assert 'data-status="accredited"' in section
    assert f'action="{PAGE}/{SCHEME}"' in section  # the officer may update the record again


def test_a_line_manager_sees_the_page_but_cannot_change_the_status(
        app: Flask, client: FlaskClient) -> None:
    member(app, "smoore", "Sgt Sarah Moore", roles=())
    learner = member(app, line_manager="smoore")
    record(app, learner, accredited_on=today(app) - timedelta(days=10))
    sign_in(client, "smoore")
    before = written(app)

    section = card(get(client, "/cpd/people/pshah/accreditation"))
    response = post_status(client, "suspended", "Not my decision to make.")

    assert 'data-status="accredited"' in section
    assert f"status-{SCHEME}-status" not in section and "Change the status" not in section
    assert response.status_code == 403
    assert written(app) == before


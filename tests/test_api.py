"""The JSON API for reporting tools: bearer tokens and sessions, the same permissions as the
pages, JSON errors naming the argument, bounded queries, and the whole API fuzzed with
schemathesis against its own OpenAPI document."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from cpd_tracker import api_clients, get_state
from cpd_tracker.config import ConfigError
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.exports.reports import standing_json
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import Learner
from cpd_tracker.permissions import Access, LeadScope
from tests.conftest import empty_tables
from tests.factories import logged, officer, sign_in, today

FORCE_TOKEN = "cpd_force-wide-reporting-token-for-tests-0001"
UNIT_TOKEN = "cpd_unit-reporting-token-for-tests-0002"
FIB = "Force Intelligence Bureau"
SOCU = "Serious Organised Crime Unit"
API = "/cpd/api/v1"


def tokens() -> dict[str, Any]:
    return {"power-bi": {"sha256": api_clients.digest_of(FORCE_TOKEN), "scopes": ["force"]},
            "socu-board": {"sha256": api_clients.digest_of(UNIT_TOKEN),
                           "scopes": [f"unit:{SOCU}"]}}


@pytest.fixture
def api_app(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo host with two reporting tools' tokens, a lead and a few officers."""
    app = create_app(migrated_url, config={"TESTING": True, "CPD_API_TOKENS": tokens(),
                                           "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence")})
    with app.app_context():
        db.create_all()
    leads = {"mevans": Access("mevans", lead_scopes=(LeadScope("force"),))}
    get_state(app).access = lambda user: leads.get(user.get_id(), Access(user.get_id()))
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def people(app: Flask) -> None:
    """DC Shah (FIB) with CPD logged, DC Barker (SOCU), and the lead DI Evans (no role)."""
    shah = officer(app, "pshah", name="DC Priya Shah")
    logged(app, shah, title="OSINT refresher", minutes=90)
    barker = officer(app, "tbarker", name="DC Tom Barker")
    with app.app_context():
        from cpd_tracker.models import Learner

        db.session.execute(sa.update(Learner).where(Learner.reference == "tbarker")
                           .values(org_unit=SOCU))
        db.session.commit()
        db.session.remove()
    logged(app, barker, title="Surveillance law update", minutes=60)
    officer(app, "mevans", name="DI Mark Evans", roles=())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_reads_the_whole_force_compliance(api_app: Flask) -> None:
    people(api_app)
    body = api_app.test_client().get(f"{API}/compliance", headers=bearer(FORCE_TOKEN)).get_json()
    assert [item["reference"] for item in body["items"]] == ["pshah", "tbarker"]
    assert body["total"] == 2 and body["pages"] == 1 and body["as_of"]
    shah = body["items"][0]
    assert (shah["role"], shah["done_minutes"], shah["target_minutes"]) == (
        "intelligence-officer", 90, 20 * 60)


def test_a_unit_token_reads_only_its_unit(api_app: Flask) -> None:
    people(api_app)
    client = api_app.test_client()
    body = client.get(f"{API}/compliance", headers=bearer(UNIT_TOKEN)).get_json()
    assert [item["reference"] for item in body["items"]] == ["tbarker"]
    assert client.get(f"{API}/people/pshah/compliance",
                      headers=bearer(UNIT_TOKEN)).status_code == 404
    activities = client.get(f"{API}/activities", headers=bearer(UNIT_TOKEN)).get_json()
    assert [item["title"] for item in activities["items"]] == ["Surveillance law update"]


def test_a_session_reads_what_its_user_may(api_app: Flask) -> None:
    people(api_app)
    client = api_app.test_client()
    sign_in(client, "pshah")
    assert client.get(f"{API}/compliance").status_code == 403
    own = client.get(f"{API}/people/pshah/compliance")
    assert own.status_code == 200 and own.get_json()["reference"] == "pshah"
    assert client.get(f"{API}/people/tbarker/compliance").status_code == 404
    mine = client.get(f"{API}/activities", query_string={"person": "pshah"}).get_json()
    assert [item["title"] for item in mine["items"]] == ["OSINT refresher"]
    refused = client.get(f"{API}/activities")
    assert refused.status_code == 403 and refused.get_json()["error"]["field"] == "person"
    lead = api_app.test_client()
    sign_in(lead, "mevans")
    assert lead.get(f"{API}/compliance").get_json()["total"] == 2


@pytest.mark.parametrize("header", [None, "Bearer cpd_not-a-token", "Basic dXNlcjpwYXNz",
                                    "Bearer "])
def test_without_a_valid_token_or_session_the_answer_is_401_in_json(
        api_app: Flask, header: str | None) -> None:
    people(api_app)
    headers = {"Authorization": header} if header else {}
    response = api_app.test_client().get(f"{API}/compliance", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["status"] == 401
    assert b"pshah" not in response.get_data()


def test_person_compliance_is_the_live_judgement_rule_by_rule(api_app: Flask) -> None:
    people(api_app)
    body = api_app.test_client().get(f"{API}/people/pshah/compliance",
                                     headers=bearer(FORCE_TOKEN)).get_json()
    with api_app.app_context():
        from cpd_tracker.models import Learner

        state = get_state(api_app)
        learner_id = db.session.scalar(sa.select(Learner.id).where(Learner.reference == "pshah"))
        expected = [standing_json(s) for s in assess(db.session, state.settings,
                                                     as_of=today(api_app),
                                                     scope=Scope(learner_id=learner_id))]
        db.session.remove()
    assert body["roles"] == expected
    assert body["as_of"] == today(api_app).isoformat()


def test_logged_cpd_shows_in_the_scope_list_at_once(api_app: Flask) -> None:
    people(api_app)
    client = api_app.test_client()
    client.get(f"{API}/compliance", headers=bearer(FORCE_TOKEN))
    with api_app.app_context():
        shah = db.session.scalar(sa.select(Learner).where(Learner.reference == "pshah"))
        db.session.expunge(shah)
    logged(api_app, shah, title="Covert law update", minutes=120)
    body = client.get(f"{API}/compliance", query_string={"search": "shah"},
                      headers=bearer(FORCE_TOKEN)).get_json()
    assert body["items"][0]["done_minutes"] == 210


def test_pages_link_to_the_next_and_previous_with_the_filters(api_app: Flask) -> None:
    people(api_app)
    client = api_app.test_client()
    first = client.get(f"{API}/compliance", query_string={"per_page": 1, "role":
                                                          "intelligence-officer"},
                       headers=bearer(FORCE_TOKEN)).get_json()
    assert (first["total"], first["pages"], first["links"]["previous"]) == (2, 2, None)
    second = client.get(first["links"]["next"], headers=bearer(FORCE_TOKEN)).get_json()
    assert [item["reference"] for item in second["items"]] == ["tbarker"]
    assert "role=intelligence-officer" in second["links"]["previous"]
    assert second["links"]["next"] is None


def test_activities_filter_by_date_role_and_unit(api_app: Flask) -> None:
    people(api_app)
    client = api_app.test_client()
    day = today(api_app)

    def titles(**query: Any) -> list[str]:
        body = client.get(f"{API}/activities", query_string=query,
                          headers=bearer(FORCE_TOKEN)).get_json()
        return [item["title"] for item in body["items"]]

    assert titles() == ["Surveillance law update", "OSINT refresher"] or titles() == [
        "OSINT refresher", "Surveillance law update"]
    assert titles(unit=SOCU) == ["Surveillance law update"]
    assert titles(role="intelligence-analyst") == []
    assert titles(until=(day - timedelta(days=400)).isoformat()) == []
    assert len(titles(since=(day - timedelta(days=400)).isoformat())) == 2


@pytest.mark.parametrize(("path", "query", "field"), [
    ("/compliance", {"page": "0"}, "page"),
    ("/compliance", {"page": "abc"}, "page"),
    ("/compliance", {"per_page": "5000"}, "per_page"),
    ("/compliance", {"status": "lapsed"}, "status"),
    ("/compliance", {"sort": "salary"}, "sort"),
    ("/compliance", {"due_before": "2026-02-30"}, "due_before"),
    ("/compliance", {"search": "a\x00b"}, "search"),
    ("/compliance", {"colour": "blue"}, "colour"),
    ("/activities", {"since": "yesterday"}, "since"),
    ("/activities", {"unit": "x" * 300}, "unit"),
    ("/activities", {"unit": "FIB\t"}, "unit"),  # trimming must not hide it
    ("/activities", {"until": "2026-12-31\t"}, "until"),
    ("/compliance", {"role": "o3O\t"}, "role"),
    ("/activities", {"page": ["1", "2"]}, "page"),
])
def test_malformed_arguments_are_400_naming_the_field(api_app: Flask, path: str,
                                                      query: dict[str, Any],
                                                      field: str) -> None:
    people(api_app)
    response = api_app.test_client().get(f"{API}{path}", query_string=query,
                                         headers=bearer(FORCE_TOKEN))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and field in error["message"]


def test_the_scope_list_runs_the_same_queries_for_3_people_as_for_40(api_app: Flask) -> None:
    counts = []
    client = api_app.test_client()
    for total in (3, 40):
        with api_app.app_context():
            already = db.session.scalar(sa.text("SELECT count(*) FROM cpd_learner"))
            db.session.remove()
        for number in range(already, total):
            officer(api_app, f"officer{number:03d}", name=f"DC Officer {number:03d}")
        client.get(f"{API}/compliance", headers=bearer(FORCE_TOKEN))  # judged once
        statements: list[str] = []
        with api_app.app_context():
            engine = db.engine

        def listener(*args: Any, seen: list[str] = statements) -> None:
            seen.append(args[2])

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(f"{API}/compliance", headers=bearer(FORCE_TOKEN))
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert response.get_json()["total"] == total
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_openapi_document_is_served_without_sign_in(api_app: Flask) -> None:
    document = api_app.test_client().get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/compliance", "/people/{reference}/compliance",
                                      "/activities"}
    assert document["servers"] == [{"url": API}]


def test_api_tokens_in_the_configuration_are_checked_at_start_up(migrated_url: str) -> None:
    with pytest.raises(ConfigError, match=r"CPD_API_TOKENS\['bi'\]\['sha256'\]"):
        create_app(migrated_url, config={"CPD_API_TOKENS": {"bi": {"sha256": "secret",
                                                                    "scopes": ["force"]}}})
    with pytest.raises(ConfigError, match="is not a lead scope"):
        create_app(migrated_url, config={"CPD_API_TOKENS": {"bi": {
            "sha256": api_clients.digest_of("x"), "scopes": ["everyone"]}}})


def test_the_api_token_command_prints_a_token_and_the_entry_that_accepts_it(
        api_app: Flask) -> None:
    result = api_app.test_cli_runner().invoke(args=["cpd", "api-token", "power-bi",
                                                    "--scope", "unit:FIB"])
    assert result.exit_code == 0, result.output
    token = result.output.splitlines()[1].strip()
    # The entry is Python, to paste into the host's configuration: read it as a literal only.
    entry = ast.literal_eval("{" + result.output.splitlines()[-1].strip().rstrip(",") + "}")
    assert list(entry) == ["power-bi"]
    [client] = api_clients.parse(entry)
    assert api_clients.client_for((client,), token) == client
    assert client.scopes == (LeadScope("unit", "FIB"),)


# --- the whole API, fuzzed from its own document ------------------------------------------------


OPERATIONS = ("GET /compliance", "GET /people/{reference}/compliance", "GET /activities")


def test_the_fuzzing_below_covers_every_operation_of_the_document(api_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", api_app)
    assert {result.ok().label for result in schema.get_all_operations()} == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_its_document_says(api_app: Flask, label: str,
                                                      mode: GenerationMode) -> None:
    """No 500 and no response the document does not allow, for generated valid input and for
    input that breaks the document (which must be refused with a 4xx), signed in with the
    force-wide token; schemathesis's checks, one operation at a time."""
    people(api_app)
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", api_app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(headers=bearer(FORCE_TOKEN))

    answers_as_documented()


def test_display_fields_give_names_beside_codes(api_app: Flask) -> None:
    """Words, not codes: an activity's category, kind and item by name, a standing's framework
    by its title, for a reporting tool to show."""
    people(api_app)
    with api_app.app_context():
        shah = db.session.scalar(sa.select(Learner).where(Learner.reference == "pshah"))
        db.session.expunge(shah)
    logged(api_app, shah, title="MoPI refresher", minutes=60, item="data-protection")
    client = api_app.test_client()

    body = client.get(f"{API}/activities", query_string={"person": "pshah"},
                      headers=bearer(FORCE_TOKEN)).get_json()
    refresher = next(item for item in body["items"] if item["title"] == "MoPI refresher")
    assert (refresher["category"], refresher["category_name"]) == (
        "formal", "Formal learning (course, workshop, e-learning)")
    assert (refresher["item"], refresher["item_name"]) == (
        "data-protection", "Data protection and MoPI refresher")
    assert refresher["kind"] is None and refresher["kind_name"] is None
    person = client.get(f"{API}/people/pshah/compliance", headers=bearer(FORCE_TOKEN)).get_json()
    assert person["roles"][0]["framework_title"].startswith(
        "Intelligence Professionalisation Programme")

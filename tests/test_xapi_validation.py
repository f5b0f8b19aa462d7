"""xAPI 1.0.3 statement validation, as a specification: what ``validate_statement`` accepts,
what it rejects, and the property path it names so that a sender can fix the statement.

Paths are relative to the statement (``actor.mbox``); ``statement`` names the whole of it.
The ADL conformance suite's own cases are in ``test_xapi_validation_suite.py``; the formats of
Data section 4 (timestamps, durations, language tags...) in ``test_xapi_validation_formats.py``.
Pure tests: no database, no app.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from xapi import StatementInvalid, validate_statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY_ID = "https://lms.force.example/activities/osint-refresher"
STATEMENT_ID = "6f8e1c3a-2b4d-4e5f-9a0b-1c2d3e4f5a6b"
MBOX = "mailto:priya.shah@force.example"
SHA1 = "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"
ACCOUNT = {"homePage": "https://lms.force.example", "name": "pshah"}

MINIMAL: dict[str, Any] = {
    "actor": {"objectType": "Agent", "mbox": MBOX},
    "verb": {"id": COMPLETED},
    "object": {"id": ACTIVITY_ID},
}


def statement(**overrides: Any) -> dict[str, Any]:
    """A minimal valid statement with some top-level properties replaced (or added)."""
    built = copy.deepcopy(MINIMAL)
    built.update(copy.deepcopy(overrides))
    return built


def rejection(candidate: Any) -> StatementInvalid:
    """The error ``validate_statement`` raises for ``candidate`` (the test fails if none)."""
    with pytest.raises(StatementInvalid) as caught:
        validate_statement(candidate)
    return caught.value


def substatement(**overrides: Any) -> dict[str, Any]:
    return {"objectType": "SubStatement", **copy.deepcopy(MINIMAL), **overrides}


# --- the statement as a whole -------------------------------------------------------------------


def test_minimal_statement_is_valid() -> None:
    validate_statement(statement())


def test_statement_using_every_optional_property_is_valid() -> None:
    validate_statement(statement(
        id=STATEMENT_ID,
        result={"score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10}, "success": True,
                "completion": True, "response": "done", "duration": "PT1H30M",
                "extensions": {"https://w3id.org/xapi/example/notes": "none"}},
        context={"registration": STATEMENT_ID, "instructor": {"mbox": "mailto:t@force.example"},
                 "team": {"objectType": "Group", "member": [{"mbox": MBOX}]},
                 "contextActivities": {"parent": [{"id": "https://lms.force.example/courses/1"}]},
                 "revision": "2", "platform": "Force LMS", "language": "en-GB",
                 "statement": {"objectType": "StatementRef", "id": STATEMENT_ID},
                 "extensions": {"https://w3id.org/xapi/example/role": "analyst"}},
        timestamp="2024-03-01T09:30:00.000Z",
        version="1.0.3",
    ))


def test_statement_that_is_not_a_json_object_is_rejected() -> None:
    assert rejection(["not", "a", "statement"]).path == "statement"


def test_error_message_names_the_path_and_the_problem() -> None:
    error = rejection(statement(verb={"id": "completed"}))
    assert str(error) == f"{error.path}: {error.problem}"
    assert "completed" in error.problem


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_statement_without_a_required_property_is_rejected(missing: str) -> None:
    incomplete = statement()
    del incomplete[missing]
    error = rejection(incomplete)
    assert error.path == missing
    assert error.problem == "is required"


def test_unknown_top_level_property_is_rejected() -> None:
    assert rejection(statement(colour="blue")).path == "colour"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "6f8e1c3a-2b4d-4e5f-9a0b", 42])
def test_statement_id_that_is_not_a_uuid_is_rejected(bad_id: Any) -> None:
    assert rejection(statement(id=bad_id)).path == "id"


def test_statement_id_in_upper_case_is_accepted() -> None:
    validate_statement(statement(id=STATEMENT_ID.upper()))


@pytest.mark.parametrize("non_standard_id", [
    "6f8e1c3a2b4d4e5f9a0b1c2d3e4f5a6b",
    "{6f8e1c3a-2b4d-4e5f-9a0b-1c2d3e4f5a6b}",
    "urn:uuid:6f8e1c3a-2b4d-4e5f-9a0b-1c2d3e4f5a6b",
])
def test_statement_id_not_in_standard_uuid_string_form_is_rejected(non_standard_id: str) -> None:
    assert rejection(statement(id=non_standard_id)).path == "id"


@pytest.mark.parametrize("version", ["1.0.3", "1.0.0", "1.0"])
def test_version_1_0_x_is_accepted(version: str) -> None:
    validate_statement(statement(version=version))


@pytest.mark.parametrize("version", ["2.0.0", "0.95", "1.1.0", "1.0.3-beta", 1.0])
def test_version_other_than_1_0_x_is_rejected(version: Any) -> None:
    assert rejection(statement(version=version)).path == "version"


# --- actors: agents and groups ------------------------------------------------------------------


@pytest.mark.parametrize("identifier", [
    {"mbox": MBOX},
    {"mbox_sha1sum": SHA1},
    {"openid": "https://openid.force.example/pshah"},
    {"account": ACCOUNT},
])
def test_agent_with_exactly_one_identifier_is_accepted(identifier: dict[str, Any]) -> None:
    validate_statement(statement(actor={"objectType": "Agent", "name": "Priya", **identifier}))


def test_agent_without_object_type_is_accepted_as_actor() -> None:
    validate_statement(statement(actor={"mbox": MBOX}))


def test_agent_with_no_identifier_is_rejected() -> None:
    error = rejection(statement(actor={"objectType": "Agent", "name": "DC Priya Shah"}))
    assert error.path == "actor"
    assert "exactly one" in error.problem


@pytest.mark.parametrize("identifiers", [
    {"mbox": MBOX, "mbox_sha1sum": SHA1},
    {"mbox": MBOX, "account": ACCOUNT},
    {"openid": "https://openid.force.example/pshah", "account": ACCOUNT},
])
def test_agent_with_two_identifiers_is_rejected(identifiers: dict[str, Any]) -> None:
    error = rejection(statement(actor={"objectType": "Agent", **identifiers}))
    assert error.path == "actor"
    assert "exactly one is allowed" in error.problem


@pytest.mark.parametrize("mbox", [
    "priya.shah@force.example",
    "http://force.example/priya.shah",
    "mailto:priya.shah",
    "mailto:",
    "MAILTO priya.shah@force.example",
])
def test_agent_mbox_that_is_not_a_mailto_iri_is_rejected(mbox: str) -> None:
    assert rejection(statement(actor={"mbox": mbox})).path == "actor.mbox"


@pytest.mark.parametrize("sha1", [SHA1[:-1], SHA1 + "0", "g" * 40, "", MBOX])
def test_agent_mbox_sha1sum_that_is_not_40_hex_characters_is_rejected(sha1: str) -> None:
    assert rejection(statement(actor={"mbox_sha1sum": sha1})).path == "actor.mbox_sha1sum"


@pytest.mark.parametrize("missing", ["homePage", "name"])
def test_agent_account_without_home_page_or_name_is_rejected(missing: str) -> None:
    account = {key: value for key, value in ACCOUNT.items() if key != missing}
    error = rejection(statement(actor={"account": account}))
    assert error.path == f"actor.account.{missing}"


def test_agent_account_home_page_that_is_not_an_iri_is_rejected() -> None:
    error = rejection(statement(actor={"account": {"homePage": "lms", "name": "pshah"}}))
    assert error.path == "actor.account.homePage"


def test_identified_group_without_members_is_accepted() -> None:
    validate_statement(statement(actor={"objectType": "Group", "account": ACCOUNT}))


def test_anonymous_group_with_members_is_accepted() -> None:
    validate_statement(statement(actor={"objectType": "Group", "member": [{"mbox": MBOX}]}))


def test_anonymous_group_without_member_is_rejected() -> None:
    error = rejection(statement(actor={"objectType": "Group", "name": "Intelligence Bureau"}))
    assert error.path == "actor.member"


def test_group_member_that_is_a_group_is_rejected() -> None:
    inner = {"objectType": "Group", "member": [{"mbox": MBOX}]}
    error = rejection(statement(actor={"objectType": "Group", "member": [inner]}))
    assert error.path == "actor.member[0].objectType"


def test_group_member_that_is_an_invalid_agent_is_rejected_at_its_index() -> None:
    members = [{"mbox": MBOX}, {"mbox": "not-an-email"}]
    error = rejection(statement(actor={"objectType": "Group", "member": members}))
    assert error.path == "actor.member[1].mbox"


@pytest.mark.parametrize("object_type", ["Person", "agent", "Activity"])
def test_actor_with_an_object_type_other_than_agent_or_group_is_rejected(
        object_type: str) -> None:
    error = rejection(statement(actor={"objectType": object_type, "mbox": MBOX}))
    assert error.path == "actor.objectType"


# --- verb ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb_id", ["completed", "", "adlnet.gov/expapi/verbs/completed",
                                     "http://adlnet.gov/expapi/verbs/ completed", 7])
def test_verb_id_that_is_not_an_iri_is_rejected(verb_id: Any) -> None:
    assert rejection(statement(verb={"id": verb_id})).path == "verb.id"


def test_verb_display_with_valid_language_tags_is_accepted() -> None:
    validate_statement(statement(verb={"id": COMPLETED,
                                       "display": {"en-GB": "completed", "cy": "cwblhawyd"}}))


@pytest.mark.parametrize("tag", ["en_GB", "english (uk)", "en-", "toolongtag"])
def test_verb_display_with_a_bad_language_tag_is_rejected(tag: str) -> None:
    error = rejection(statement(verb={"id": COMPLETED, "display": {tag: "completed"}}))
    assert error.path == f"verb.display.{tag}"


def test_verb_display_whose_text_is_not_a_string_is_rejected() -> None:
    error = rejection(statement(verb={"id": COMPLETED, "display": {"en-GB": ["completed"]}}))
    assert error.path == "verb.display.en-GB"


# --- object: activity, statement reference, sub-statement ---------------------------------------


def test_activity_without_id_is_rejected() -> None:
    error = rejection(statement(object={"objectType": "Activity",
                                        "definition": {"name": {"en-GB": "OSINT"}}}))
    assert error.path == "object.id"


def test_activity_id_that_is_not_an_iri_is_rejected() -> None:
    assert rejection(statement(object={"id": "osint-refresher"})).path == "object.id"


@pytest.mark.parametrize("key", ["type", "moreInfo"])
def test_activity_definition_with_a_non_iri_type_or_more_info_is_rejected(key: str) -> None:
    error = rejection(statement(object={"id": ACTIVITY_ID, "definition": {key: "course"}}))
    assert error.path == f"object.definition.{key}"


def test_activity_definition_name_with_a_bad_language_tag_is_rejected() -> None:
    error = rejection(statement(object={"id": ACTIVITY_ID,
                                        "definition": {"name": {"en_GB": "OSINT"}}}))
    assert error.path == "object.definition.name.en_GB"


def test_statement_ref_object_is_accepted() -> None:
    validate_statement(statement(object={"objectType": "StatementRef", "id": STATEMENT_ID}))


@pytest.mark.parametrize("ref_id", ["not-a-uuid", ACTIVITY_ID, ""])
def test_statement_ref_with_a_non_uuid_id_is_rejected(ref_id: str) -> None:
    error = rejection(statement(object={"objectType": "StatementRef", "id": ref_id}))
    assert error.path == "object.id"


def test_statement_ref_without_id_is_rejected() -> None:
    assert rejection(statement(object={"objectType": "StatementRef"})).path == "object.id"


def test_agent_as_object_is_accepted() -> None:
    validate_statement(statement(object={"objectType": "Agent", "mbox": MBOX}))


def test_object_of_unknown_type_is_rejected() -> None:
    error = rejection(statement(object={"objectType": "Course", "id": ACTIVITY_ID}))
    assert error.path == "object.objectType"


def test_sub_statement_as_object_is_accepted() -> None:
    validate_statement(statement(object=substatement()))


def test_sub_statement_inside_a_sub_statement_is_rejected() -> None:
    nested = substatement(object=substatement())
    error = rejection(statement(object=nested))
    assert error.path == "object.object.objectType"


def test_sub_statement_with_a_property_only_a_statement_may_have_is_rejected() -> None:
    error = rejection(statement(object=substatement(id=STATEMENT_ID)))
    assert error.path == "object.id"


def test_sub_statement_errors_are_reported_under_the_object_path() -> None:
    error = rejection(statement(object=substatement(result={"success": "yes"})))
    assert error.path == "object.result.success"


# --- voiding ------------------------------------------------------------------------------------


def test_voiding_statement_with_a_statement_ref_object_is_accepted() -> None:
    validate_statement(statement(verb={"id": VOIDED},
                                 object={"objectType": "StatementRef", "id": STATEMENT_ID}))


@pytest.mark.parametrize("target", [
    {"id": ACTIVITY_ID},
    {"objectType": "Activity", "id": ACTIVITY_ID},
    {"objectType": "Agent", "mbox": MBOX},
    substatement(),
], ids=["implicit-activity", "activity", "agent", "sub-statement"])
def test_voiding_statement_whose_object_is_not_a_statement_ref_is_rejected(
        target: dict[str, Any]) -> None:
    error = rejection(statement(verb={"id": VOIDED}, object=target))
    assert error.path == "object"
    assert "StatementRef" in error.problem


# --- result -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scaled", [-1, -0.5, 0, 1, 1.0])
def test_score_scaled_within_minus_one_to_one_is_accepted(scaled: float) -> None:
    validate_statement(statement(result={"score": {"scaled": scaled}}))


@pytest.mark.parametrize("scaled", [1.01, -1.5, 100])
def test_score_scaled_outside_minus_one_to_one_is_rejected(scaled: float) -> None:
    error = rejection(statement(result={"score": {"scaled": scaled}}))
    assert error.path == "result.score.scaled"


@pytest.mark.parametrize("score", [
    {"raw": 11, "min": 0, "max": 10},
    {"raw": -1, "min": 0, "max": 10},
    {"raw": -1, "min": 0},
    {"raw": 11, "max": 10},
])
def test_score_raw_outside_min_to_max_is_rejected(score: dict[str, float]) -> None:
    assert rejection(statement(result={"score": score})).path == "result.score.raw"


@pytest.mark.parametrize("raw", [0, 5, 10])
def test_score_raw_at_or_between_min_and_max_is_accepted(raw: float) -> None:
    validate_statement(statement(result={"score": {"raw": raw, "min": 0, "max": 10}}))


@pytest.mark.parametrize(("low", "high"), [(10, 10), (10, 5)])
def test_score_min_not_less_than_max_is_rejected(low: float, high: float) -> None:
    error = rejection(statement(result={"score": {"min": low, "max": high}}))
    assert error.path == "result.score.min"


@pytest.mark.parametrize("value", ["0.5", True, None])
def test_score_value_that_is_not_a_number_is_rejected(value: Any) -> None:
    error = rejection(statement(result={"score": {"scaled": value}}))
    assert error.path == "result.score.scaled"


@pytest.mark.parametrize("key", ["success", "completion"])
@pytest.mark.parametrize("value", ["true", 1, None])
def test_success_or_completion_that_is_not_boolean_is_rejected(key: str, value: Any) -> None:
    assert rejection(statement(result={key: value})).path == f"result.{key}"


@pytest.mark.parametrize("duration", ["PT90M", "PT1H30M", "P1DT2H", "PT4.5S"])
def test_iso_8601_duration_is_accepted(duration: str) -> None:
    validate_statement(statement(result={"duration": duration}))


@pytest.mark.parametrize("duration", ["90 minutes", "1:30", "", "P", 90])
def test_duration_that_is_not_iso_8601_is_rejected(duration: Any) -> None:
    assert rejection(statement(result={"duration": duration})).path == "result.duration"


# --- timestamp ----------------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["2024-03-01T09:30:00Z", "2024-03-01T09:30:00.123+01:00",
                                       "2024-03-01T09:30:00"])
def test_iso_8601_timestamp_is_accepted(timestamp: str) -> None:
    validate_statement(statement(timestamp=timestamp))


@pytest.mark.parametrize("timestamp", ["yesterday", "01/03/2024 09:30", "2024-13-01T09:30:00Z",
                                       "90 minutes", 1709285400])
def test_timestamp_that_is_not_iso_8601_is_rejected(timestamp: Any) -> None:
    assert rejection(statement(timestamp=timestamp)).path == "timestamp"


def test_stored_that_is_not_iso_8601_is_rejected() -> None:
    assert rejection(statement(stored="just now")).path == "stored"


# --- context ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["revision", "platform"])
def test_context_revision_or_platform_is_accepted_when_the_object_is_an_activity(
        key: str) -> None:
    validate_statement(statement(context={key: "2"}))


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize("target", [
    {"objectType": "Agent", "mbox": "mailto:mentor@force.example"},
    {"objectType": "StatementRef", "id": STATEMENT_ID},
], ids=["agent", "statement-ref"])
def test_context_revision_or_platform_is_rejected_when_the_object_is_not_an_activity(
        key: str, target: dict[str, Any]) -> None:
    error = rejection(statement(object=target, context={key: "2"}))
    assert error.path == f"context.{key}"


@pytest.mark.parametrize("team", [
    {"objectType": "Agent", "mbox": MBOX},
    {"mbox": MBOX},
    "Force Intelligence Bureau",
], ids=["agent", "implicit-agent", "string"])
def test_context_team_that_is_not_a_group_is_rejected(team: Any) -> None:
    assert rejection(statement(context={"team": team})).path == "context.team"


def test_context_team_that_is_an_invalid_group_is_rejected() -> None:
    team = {"objectType": "Group", "mbox": "intelligence-bureau@force.example"}
    assert rejection(statement(context={"team": team})).path == "context.team.mbox"


def test_context_registration_that_is_not_a_uuid_is_rejected() -> None:
    error = rejection(statement(context={"registration": "first-attempt"}))
    assert error.path == "context.registration"


def test_context_language_that_is_not_a_language_tag_is_rejected() -> None:
    assert rejection(statement(context={"language": "en_GB"})).path == "context.language"


@pytest.mark.parametrize(("where", "path"), [
    ("context", "context.extensions"),
    ("result", "result.extensions"),
    ("definition", "object.definition.extensions"),
])
def test_extension_key_that_is_not_an_iri_is_rejected(where: str, path: str) -> None:
    extensions = {"https://w3id.org/xapi/example/ok": 1, "role": "analyst"}
    if where == "definition":
        candidate = statement(object={"id": ACTIVITY_ID, "definition": {"extensions": extensions}})
    else:
        candidate = statement(**{where: {"extensions": extensions}})
    assert rejection(candidate).path == f"{path}['role']"


def test_extension_values_may_be_anything_including_null() -> None:
    validate_statement(statement(context={"extensions": {
        "https://w3id.org/xapi/example/anything": {"nested": [1, None, "x"]},
        "https://w3id.org/xapi/example/nothing": None,
    }}))

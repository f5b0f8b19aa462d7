"""The published xAPI Profile (``xapi/profile.jsonld``) matches the vocabulary the code emits.

The profile follows the xAPI Profiles specification 1.0 (https://w3id.org/xapi/profiles#1.0).
These tests hold it to the parts of that specification it uses, and to the code: every verb,
activity type and extension in ``cpd_tracker.vocabulary`` is a concept of the right type and
nothing else is, verbs are labelled as statements display them, extension schemas accept what
the builders put in statements, and each builder's statements follow a statement template.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cpd_tracker import config, vocabulary
from cpd_tracker.statements import BUILDERS, LeadDecision, LearnerIdentity, LoggedActivity

PROFILE = Path(__file__).parents[1] / "xapi" / "profile.jsonld"

#: Name prefix of a vocabulary constant -> the type of concept it must be in the profile.
CONCEPT_TYPES = {"VERB_": "Verb", "ACTIVITY_TYPE_": "ActivityType", "EXT_": "ContextExtension"}

#: Where in a statement each type of extension goes.
EXTENSION_PLACES = {
    "ContextExtension": ("context", "extensions"),
    "ResultExtension": ("result", "extensions"),
    "ActivityExtension": ("object", "definition", "extensions"),
}

DATE_EXTENSIONS = (vocabulary.EXT_ACTIVITY_DATE, vocabulary.EXT_CYCLE_START,
                   vocabulary.EXT_DUE_DATE, vocabulary.EXT_ABSENCE_START,
                   vocabulary.EXT_ABSENCE_END)


def settings() -> config.Settings:
    return config.load(dict(config.DEFAULTS, CPD_LMS_HOME_PAGE="https://learning.force.example/"))


PRIYA = LearnerIdentity(reference="pshah", name="DC Priya Shah", email="pshah@force.example")
LEAD = LearnerIdentity(reference="aokafor", name="DS Ada Okafor")
DECIDED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)

PLAIN_ACTIVITY = LoggedActivity(
    submission_id="plain", title="Reading: RIPA codes of practice", activity_date=date(2026, 9, 3),
    minutes=45, category="informal", role_codes=())
FULL_ACTIVITY = LoggedActivity(
    submission_id="full", title="OSINT peer review", activity_date=date(2026, 10, 14),
    minutes=90, category="formal", role_codes=("intelligence-officer", "detective"),
    reflection="Compared search logs with two colleagues.", link="https://learn.example/osint",
    kind="peer-discussion", participatory=True, item="osint-foundation",
    impact="I now record every search term in the log.")

#: Fixed inputs for every builder, by its key; the full activity sets every optional fact.
INPUTS: dict[str, list[tuple[Any, ...]]] = {
    "cpd.activity.logged": [(PRIYA, PLAIN_ACTIVITY), (PRIYA, FULL_ACTIVITY)],
    "cpd.exemption.granted": [(LEAD, LeadDecision(
        PRIYA, "Seconded away from the role.", DECIDED_AT, role_code="intelligence-officer",
        cycle_start=date(2026, 4, 1)))],
    "cpd.extension.granted": [(LEAD, LeadDecision(
        PRIYA, "Course cancelled.", DECIDED_AT, role_code="intelligence-officer",
        cycle_start=date(2026, 4, 1), due=date(2027, 6, 30)))],
    "cpd.absence.approved": [(LEAD, LeadDecision(
        PRIYA, "Parental leave.", DECIDED_AT, absence=(date(2026, 6, 1), date(2026, 11, 30))))],
}


@cache
def profile() -> dict[str, Any]:
    return json.loads(PROFILE.read_text(encoding="utf-8"))


def concepts() -> dict[str, dict[str, Any]]:
    return {concept["id"]: concept for concept in profile()["concepts"]}


def statements() -> list[tuple[str, dict[str, Any]]]:
    """One statement per fixed input of every builder, with the builder's key."""
    return [(key, BUILDERS[key](settings()).build(*inputs))
            for key in BUILDERS for inputs in INPUTS[key]]


def vocabulary_iris() -> dict[str, str]:
    """Every IRI constant in ``cpd_tracker.vocabulary`` with the concept type it must have."""
    found = {}
    for name, value in vars(vocabulary).items():
        if name.endswith("_DISPLAY"):
            continue
        for prefix, concept_type in CONCEPT_TYPES.items():
            if name.startswith(prefix):
                found[value] = concept_type
    return found


def is_language_map(value: Any) -> bool:
    return (isinstance(value, dict) and bool(value)
            and all(isinstance(text, str) and text.strip() for text in value.values()))


def empty_values(value: Any, where: str = "$") -> list[str]:
    """Where the profile holds a value the specification forbids: null, "", {} or []."""
    if value is None or value in ("", {}, []):
        return [where]
    if isinstance(value, dict):
        return [found for key, item in value.items()
                for found in empty_values(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value)
                for found in empty_values(item, f"{where}[{index}]")]
    return []


# The subset of JSON Schema the profile's inline schemas use, checked by hand (no jsonschema).
_SCHEMA_TYPES = {"string": str, "boolean": bool, "array": list}
_SCHEMA_KEYWORDS = {"type", "pattern", "minLength", "items"}


def schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    """Why ``value`` does not fit ``schema``; empty when it does."""
    unknown = set(schema) - _SCHEMA_KEYWORDS
    assert not unknown, f"schema {schema} uses {unknown}, which this test cannot check"
    expected = _SCHEMA_TYPES[schema["type"]]
    if not isinstance(value, expected):
        return [f"{value!r} is not of type {schema['type']}"]
    errors = []
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{value!r} does not match {schema['pattern']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{value!r} is shorter than {schema['minLength']}")
    for item in value if "items" in schema else ():
        errors.extend(schema_errors(schema["items"], item))
    return errors


_JSONPATH_STEP = re.compile(r"\.([A-Za-z]+)|\['([^']+)'\]")


def evaluate(location: str, statement: dict[str, Any]) -> list[Any]:
    """The values at a JSONPath of the form ``$.a.b['key']``: all the templates here need."""
    assert location.startswith("$"), f"JSONPath {location!r} does not start at $"
    values: list[Any] = [statement]
    position = 1
    while position < len(location):
        step = _JSONPATH_STEP.match(location, position)
        assert step, f"JSONPath {location!r} is beyond what this test evaluates"
        key = step.group(1) or step.group(2)
        values = [value[key] for value in values if isinstance(value, dict) and key in value]
        position = step.end()
    return values


def broken_rules(template: dict[str, Any], statement: dict[str, Any]) -> list[str]:
    """The statement template rules a statement does not follow."""
    broken = []
    for rule in template.get("rules", []):
        values = evaluate(rule["location"], statement)
        presence = rule.get("presence")
        if presence == "included" and not values:
            broken.append(f"{rule['location']} is missing")
        elif presence == "excluded" and values:
            broken.append(f"{rule['location']} is present")
        elif presence == "recommended" and not values:
            continue
        elif "any" in rule and not any(value in rule["any"] for value in values):
            broken.append(f"{rule['location']} = {values}, none of {rule['any']}")
        elif "all" in rule and not all(value in rule["all"] for value in values):
            broken.append(f"{rule['location']} = {values}, not all in {rule['all']}")
        elif "none" in rule and any(value in rule["none"] for value in values):
            broken.append(f"{rule['location']} = {values}, one of {rule['none']}")
    return broken


def profile_iris(value: Any) -> set[str]:
    """Every key or string value under the vocabulary BASE, anywhere in a statement."""
    if isinstance(value, dict):
        return ({key for key in value if key.startswith(vocabulary.BASE + "/")}
                | {iri for item in value.values() for iri in profile_iris(item)})
    if isinstance(value, list):
        return {iri for item in value for iri in profile_iris(item)}
    if isinstance(value, str) and value.startswith(vocabulary.BASE + "/"):
        return {value}
    return set()


def dig(statement: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        statement = statement.get(key) or {}
    return statement


def test_profile_is_json_ld_with_the_required_properties() -> None:
    document = profile()
    assert document["@context"] == "https://w3id.org/xapi/profiles/context"
    assert document["id"] == vocabulary.BASE
    assert document["type"] == "Profile"
    assert document["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert is_language_map(document["prefLabel"])
    assert is_language_map(document["definition"])
    assert document["author"]["type"] in ("Organization", "Person")
    assert document["author"]["name"] == "cpd-tracker"
    assert isinstance(document["concepts"], list)
    assert isinstance(document["templates"], list)


def test_profile_versions_have_ids_apart_from_the_profile_and_creation_times() -> None:
    versions = profile()["versions"]
    assert versions
    for version in versions:
        assert version["id"] != vocabulary.BASE
        assert version["id"].startswith(vocabulary.BASE + "/")
        assert datetime.fromisoformat(version["generatedAtTime"].replace("Z", "+00:00"))
    assert len({version["id"] for version in versions}) == len(versions)


def test_profile_holds_no_empty_values() -> None:
    assert empty_values(profile()) == []


def test_concept_and_template_ids_are_unique() -> None:
    ids = [item["id"] for item in profile()["concepts"] + profile()["templates"]]
    assert sorted(ids) == sorted(set(ids))


def test_every_concept_and_template_is_in_a_listed_version() -> None:
    versions = {version["id"] for version in profile()["versions"]}
    for item in profile()["concepts"] + profile()["templates"]:
        assert item["inScheme"] in versions, item["id"]


def test_every_concept_and_template_is_named_and_defined_in_british_english() -> None:
    for item in profile()["concepts"] + profile()["templates"]:
        assert is_language_map(item["prefLabel"]) and "en-GB" in item["prefLabel"], item["id"]
        assert is_language_map(item["definition"]) and "en-GB" in item["definition"], item["id"]


def test_every_vocabulary_iri_is_a_concept_of_its_type_and_nothing_else_is() -> None:
    in_profile = {iri: concept["type"] for iri, concept in concepts().items()}
    assert in_profile == vocabulary_iris()


def test_verbs_are_labelled_as_statements_display_them() -> None:
    displays = {getattr(vocabulary, name.removesuffix("_DISPLAY")): value
                for name, value in vars(vocabulary).items() if name.endswith("_DISPLAY")}
    assert displays
    for iri, concept in concepts().items():
        if concept["type"] == "Verb" and iri in displays:
            assert concept["prefLabel"] == displays[iri], iri


def test_extensions_have_one_inline_json_schema_and_recommend_profile_verbs() -> None:
    verbs = {iri for iri, concept in concepts().items() if concept["type"] == "Verb"}
    for iri, concept in concepts().items():
        if concept["type"] not in EXTENSION_PLACES:
            continue
        assert "schema" not in concept, iri
        assert isinstance(json.loads(concept["inlineSchema"]), dict), iri
        assert set(concept.get("recommendedVerbs", [])) <= verbs, iri


def test_every_builder_has_fixed_inputs_here() -> None:
    assert set(INPUTS) == set(BUILDERS)


def test_every_iri_in_emitted_statements_under_the_base_is_a_concept() -> None:
    for key, statement in statements():
        assert profile_iris(statement) <= set(concepts()), key


def test_every_concept_appears_in_an_emitted_statement() -> None:
    emitted = {iri for _, statement in statements() for iri in profile_iris(statement)}
    assert set(concepts()) == emitted


def test_emitted_verbs_activity_types_and_extensions_are_used_as_their_concepts_say() -> None:
    for key, statement in statements():
        assert concepts()[statement["verb"]["id"]]["type"] == "Verb", key
        activity_type = dig(statement, ("object", "definition")).get("type")
        if activity_type:
            assert concepts()[activity_type]["type"] == "ActivityType", key
        for extension_type, place in EXTENSION_PLACES.items():
            for iri in dig(statement, place):
                assert concepts()[iri]["type"] == extension_type, (key, iri)


def test_extension_schemas_accept_the_values_builders_emit() -> None:
    for key, statement in statements():
        for place in EXTENSION_PLACES.values():
            for iri, value in dig(statement, place).items():
                schema = json.loads(concepts()[iri]["inlineSchema"])
                assert schema_errors(schema, value) == [], (key, iri)


@pytest.mark.parametrize("iri", DATE_EXTENSIONS)
def test_date_extension_schemas_reject_anything_but_a_calendar_date(iri: str) -> None:
    schema = json.loads(concepts()[iri]["inlineSchema"])
    assert schema_errors(schema, "2026-10-14") == []
    for not_a_date in ("14/10/2026", "2026-10-14T12:00:00+01:00", 20261014):
        assert schema_errors(schema, not_a_date), not_a_date


def test_templates_use_the_profiles_own_verbs_activity_types_and_extensions() -> None:
    for template in profile()["templates"]:
        assert template["type"] == "StatementTemplate"
        assert concepts()[template["verb"]]["type"] == "Verb", template["id"]
        if "objectActivityType" in template:
            assert concepts()[template["objectActivityType"]]["type"] == "ActivityType"
        for rule in template.get("rules", []):
            assert {"presence", "any", "all", "none"} & set(rule), (template["id"], rule)
            for iri in re.findall(r"\['([^']+)'\]", rule["location"]):
                assert concepts()[iri]["type"] == "ContextExtension", (template["id"], iri)


def test_every_emitted_statement_follows_exactly_one_template() -> None:
    for key, statement in statements():
        activity_type = dig(statement, ("object", "definition")).get("type")
        matching = [template for template in profile()["templates"]
                    if template["verb"] == statement["verb"]["id"]
                    and template.get("objectActivityType", activity_type) == activity_type]
        assert len(matching) == 1, key
        assert broken_rules(matching[0], statement) == [], key


def test_templates_reject_a_statement_missing_a_required_extension() -> None:
    key, statement = statements()[-1]
    template = next(template for template in profile()["templates"]
                    if template["verb"] == statement["verb"]["id"])
    del statement["context"]["extensions"][vocabulary.EXT_ABSENCE_END]
    assert broken_rules(template, statement) != [], key

"""The published xAPI Profile (``xapi/profile.jsonld``) matches the vocabulary the code emits.

The profile follows the xAPI Profiles specification 1.0 (https://w3id.org/xapi/profiles#1.0).
These tests hold it to the parts of that specification it uses, and to the code: every verb,
activity type and extension in ``cpd_tracker.vocabulary`` is a concept of the right type and
nothing else is, verbs are labelled as statements display them, extension schemas accept what
the builders put in statements, and each builder's statements follow a statement template,
including the templates of the statements they refer to.
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
from cpd_tracker.record.accreditation_statements import AccreditationFacts
from cpd_tracker.record.cycle_statements import CycleOutcomeFacts
from cpd_tracker.record.identities import LearnerIdentity
from cpd_tracker.record.statements import (
    BUILDERS,
    ActivityLoggedBuilder,
    EvidenceAttachedBuilder,
    EvidenceFile,
    LeadDecision,
    LoggedActivity,
)
from xapi.validation import VOIDED_VERB

PROFILE = Path(__file__).parents[1] / "xapi" / "profile.jsonld"

#: Name prefix of a vocabulary constant -> the type of concept it must be in the profile.
CONCEPT_TYPES = {"VERB_": "Verb", "ACTIVITY_TYPE_": "ActivityType",
                 "ATTACHMENT_": "AttachmentUsageType", "EXT_": "ContextExtension"}

#: Verbs from other vocabularies that statements and templates use but the profile does not
#: define: ADL's ``voided``, which xAPI itself gives its meaning.
EXTERNAL_VERBS = {VOIDED_VERB}

#: Where in a statement each type of extension goes.
EXTENSION_PLACES = {
    "ContextExtension": ("context", "extensions"),
    "ResultExtension": ("result", "extensions"),
    "ActivityExtension": ("object", "definition", "extensions"),
}

DATE_EXTENSIONS = (vocabulary.EXT_ACTIVITY_DATE, vocabulary.EXT_CYCLE_START,
                   vocabulary.EXT_DUE_DATE, vocabulary.EXT_ABSENCE_START,
                   vocabulary.EXT_ABSENCE_END, vocabulary.EXT_ACCREDITED_ON,
                   vocabulary.EXT_EXPIRES_ON, vocabulary.EXT_CYCLE_END)

ACCREDITATION_STATUSES = ("working-towards", "accredited", "renewal-due", "lapsed", "suspended",
                          "withdrawn", "reinstated")


def settings() -> config.Settings:
    return config.load(dict(config.DEFAULTS, CPD_LMS_HOME_PAGE="https://learning.force.example/"))


PRIYA = LearnerIdentity(reference="pshah", name="DC Priya Shah", email="pshah@force.example")
LEAD = LearnerIdentity(reference="aokafor", name="DS Ada Okafor")
DECIDED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)

#: A builder's ``build`` arguments: positional, then keyword.
Call = tuple[tuple[Any, ...], dict[str, Any]]


def call(*args: Any, **kwargs: Any) -> Call:
    return args, kwargs


def emitted_id(key: str, inputs: Call) -> str:
    """The id of the statement a builder makes of these inputs."""
    args, kwargs = inputs
    return BUILDERS[key](settings()).build(*args, **kwargs)["id"]


PLAIN_ACTIVITY = LoggedActivity(
    submission_id="plain", title="Reading: RIPA codes of practice", activity_date=date(2026, 9, 3),
    minutes=45, category="informal", role_codes=())
FULL_ACTIVITY = LoggedActivity(
    submission_id="full", title="OSINT peer review", activity_date=date(2026, 10, 14),
    minutes=90, category="formal", role_codes=("intelligence-officer", "detective"),
    reflection="Compared search logs with two colleagues.", link="https://learn.example/osint",
    kind="peer-discussion", participatory=True, item="osint-foundation",
    impact="I now record every search term in the log.")
FULL_ID = str(ActivityLoggedBuilder(settings()).statement_id(PRIYA.reference, "full"))
FULL_IRI = ActivityLoggedBuilder(settings()).activity_iri(FULL_ID)
#: A corrected version of the full activity, as a structured reflective account.
CORRECTED_ACTIVITY = LoggedActivity(
    submission_id="full-corrected", title="OSINT peer review", activity_date=date(2026, 10, 14),
    minutes=120, category="formal", role_codes=("intelligence-officer",),
    reflection="Two of my searches could not be repeated from the log alone.",
    kind="reflective-account", participatory=True, impact="I now record every search term.",
    what_happened="Two colleagues and I compared our search logs for the same OSINT task.",
    accountabilities=("ka-2-intelligence-gathering", "ka-5-record-keeping"),
    corrects=(FULL_ID, FULL_IRI))

CERTIFICATE = EvidenceFile(
    filename="osint-foundation-certificate.pdf", content_type="application/pdf", length=184_320,
    sha256="8e7c197bc335c3c01a6143a183d2f43d104f9207dc6e82d0c95df68f18411b68")
SUPERVISOR_STATEMENT = EvidenceFile(
    filename="supervisor-statement.pdf", content_type="application/pdf", length=96_512,
    sha256="9f7ad219122f885ef8d8df0e61f64a925cf87465b4d716d23dd192693906fcff")
EVIDENCE = call(
    PRIYA, submission_id="evidence-osint", activity_iri=FULL_IRI,
    activity_title="OSINT peer review", file=CERTIFICATE,
    file_url="https://learning.force.example/cpd/evidence/41",
    description="Certificate from the course provider.",
    at=datetime(2026, 10, 20, 16, 5, tzinfo=timezone.utc))
EVIDENCE_ID = str(EvidenceAttachedBuilder(settings()).statement_id(PRIYA.reference,
                                                                   "evidence-osint"))

IPP = AccreditationFacts(scheme="ipp-example", scheme_title="Intelligence Professionalisation "
                         "Programme (example)")
IPP_ACCREDITED = AccreditationFacts(
    scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="accredited",
    accredited_on=date(2024, 3, 18), expires_on=date(2027, 3, 17),
    endorsements=("osint", "financial-intelligence"))
RENEWAL = call(
    PRIYA, IPP, submission_id="renewal-2027",
    competence="Kept up OSINT practice: three peer reviews and the refresher course this cycle.",
    files=[(SUPERVISOR_STATEMENT, "https://learning.force.example/cpd/evidence/57")],
    at=datetime(2027, 1, 11, 10, 0, tzinfo=timezone.utc))
RENEWAL_ID = emitted_id("cpd.accreditation.renewal-submitted", RENEWAL)

#: Fixed inputs for every builder, by its key; the full activity sets every optional fact but a
#: correction's, which the corrected one adds. References go to statements made here.
INPUTS: dict[str, list[Call]] = {
    "cpd.activity.logged": [call(PRIYA, PLAIN_ACTIVITY), call(PRIYA, FULL_ACTIVITY),
                            call(PRIYA, CORRECTED_ACTIVITY)],
    "cpd.exemption.granted": [call(LEAD, LeadDecision(
        PRIYA, "Seconded away from the role.", DECIDED_AT, role_code="intelligence-officer",
        cycle_start=date(2026, 4, 1))), call(LEAD, LeadDecision(
        PRIYA, "Long-term sickness.", DECIDED_AT, role_code="intelligence-officer",
        cycle_start=date(2026, 4, 1), absence=(date(2026, 6, 1), date(2026, 12, 31))))],
    "cpd.extension.granted": [call(LEAD, LeadDecision(
        PRIYA, "Course cancelled.", DECIDED_AT, role_code="intelligence-officer",
        cycle_start=date(2026, 4, 1), due=date(2027, 6, 30)))],
    "cpd.absence.approved": [call(LEAD, LeadDecision(
        PRIYA, "Parental leave.", DECIDED_AT, absence=(date(2026, 6, 1), date(2026, 11, 30))))],
    # The officer's correction replaces the full activity's statement, which is voided.
    "cpd.statement.voided": [call(PRIYA, FULL_ID,
                                  at=datetime(2026, 10, 16, 8, 15, tzinfo=timezone.utc))],
    "cpd.evidence.attached": [EVIDENCE],
    "cpd.review.verified": [call(LEAD, EVIDENCE_ID, comment="Matches the course register.",
                                 at=datetime(2026, 10, 22, 11, 40, tzinfo=timezone.utc))],
    "cpd.review.rejected": [call(LEAD, RENEWAL_ID,
                                 comment="The supervisor's statement is not signed.",
                                 at=datetime(2027, 1, 18, 14, 0, tzinfo=timezone.utc))],
    "cpd.accreditation.recorded": [call(PRIYA, IPP_ACCREDITED, submission_id="ipp-record",
                                        at=datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc))],
    "cpd.accreditation.renewal-submitted": [RENEWAL],
    "cpd.accreditation.status-changed": [
        # The library's scheduled check: no renewal decided by the expiry date.
        call(None, PRIYA, AccreditationFacts(
            scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="lapsed",
            accredited_on=date(2024, 3, 18), expires_on=date(2027, 3, 17)),
            reason="Accreditation expired on 2027-03-17 without an approved renewal.",
            at=datetime(2027, 3, 18, 2, 0, tzinfo=timezone.utc)),
        call(LEAD, PRIYA, AccreditationFacts(
            scheme=IPP.scheme, scheme_title=IPP.scheme_title, status="suspended"),
            reason="Suspended pending a professional standards investigation.",
            at=datetime(2026, 12, 4, 15, 30, tzinfo=timezone.utc)),
    ],
    "cpd.cycle.judged": [
        call(None, PRIYA, CycleOutcomeFacts(
            "intelligence-officer", date(2025, 4, 1), date(2026, 3, 31), date(2026, 3, 31),
            "not-met", ("hours",)),
            reason="Judged by cpd-tracker when the cycle's due date passed.",
            at=datetime(2026, 4, 1, 0, 0, tzinfo=timezone.utc)),
        call(LEAD, PRIYA, CycleOutcomeFacts(
            "intelligence-officer", date(2025, 4, 1), date(2026, 3, 31), date(2026, 3, 31),
            "exempt"), reason="Seconded for the whole cycle; exemption recorded late.",
            at=datetime(2026, 6, 8, 10, 0, tzinfo=timezone.utc)),
    ],
}


@cache
def profile() -> dict[str, Any]:
    return json.loads(PROFILE.read_text(encoding="utf-8"))


def concepts() -> dict[str, dict[str, Any]]:
    return {concept["id"]: concept for concept in profile()["concepts"]}


def statements() -> list[tuple[str, dict[str, Any]]]:
    """One statement per fixed input of every builder, with the builder's key."""
    return [(key, BUILDERS[key](settings()).build(*args, **kwargs))
            for key in BUILDERS for args, kwargs in INPUTS[key]]


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
_SCHEMA_KEYWORDS = {"type", "pattern", "minLength", "items", "enum"}


def schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    """Why ``value`` does not fit ``schema``; empty when it does."""
    unknown = set(schema) - _SCHEMA_KEYWORDS
    assert not unknown, f"schema {schema} uses {unknown}, which this test cannot check"
    expected = _SCHEMA_TYPES[schema["type"]]
    if not isinstance(value, expected):
        return [f"{value!r} is not of type {schema['type']}"]
    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{value!r} is not one of {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{value!r} does not match {schema['pattern']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{value!r} is shorter than {schema['minLength']}")
    for item in value if "items" in schema else ():
        errors.extend(schema_errors(schema["items"], item))
    return errors


_JSONPATH_STEP = re.compile(r"\.([A-Za-z]+)|\['([^']+)'\]|(\[\*\])")


def evaluate(location: str, statement: dict[str, Any]) -> list[Any]:
    """The values at a JSONPath of the form ``$.a[*].b['key']``: all the templates here need."""
    assert location.startswith("$"), f"JSONPath {location!r} does not start at $"
    values: list[Any] = [statement]
    position = 1
    while position < len(location):
        step = _JSONPATH_STEP.match(location, position)
        assert step, f"JSONPath {location!r} is beyond what this test evaluates"
        if step.group(3):
            values = [item for value in values if isinstance(value, list) for item in value]
        else:
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


def matching_templates(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The templates whose determining properties a statement has: the verb, the object's
    activity type and the attachment usage types (the profile uses no context activity types)."""
    activity_type = dig(statement, ("object", "definition")).get("type")
    usage_types = {attachment["usageType"] for attachment in statement.get("attachments", [])}
    return [template for template in profile()["templates"]
            if template["verb"] == statement["verb"]["id"]
            and template.get("objectActivityType", activity_type) == activity_type
            and set(template.get("attachmentUsageType", [])) <= usage_types]


def broken_statement_refs(template: dict[str, Any], statement: dict[str, Any],
                          template_of: dict[str, str]) -> list[str]:
    """How a statement breaks its template's object or context StatementRef requirements, given
    the template each known statement follows (by statement id)."""
    broken = []
    for name, path in (("objectStatementRefTemplate", ("object",)),
                       ("contextStatementRefTemplate", ("context", "statement"))):
        if name not in template:
            continue
        reference = dig(statement, path)
        if reference.get("objectType") != "StatementRef":
            broken.append(f"{'.'.join(path)} is not a StatementRef")
        elif template_of.get(reference.get("id")) not in template[name]:
            broken.append(f"{'.'.join(path)} refers to {reference.get('id')}, which follows "
                          f"{template_of.get(reference.get('id'))}, none of {template[name]}")
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
        if statement["verb"]["id"] not in EXTERNAL_VERBS:
            assert concepts()[statement["verb"]["id"]]["type"] == "Verb", key
        activity_type = dig(statement, ("object", "definition")).get("type")
        if activity_type:
            assert concepts()[activity_type]["type"] == "ActivityType", key
        for extension_type, place in EXTENSION_PLACES.items():
            for iri in dig(statement, place):
                assert concepts()[iri]["type"] == extension_type, (key, iri)
        for attachment in statement.get("attachments", []):
            assert concepts()[attachment["usageType"]]["type"] == "AttachmentUsageType", key


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


def test_accreditation_status_schema_accepts_only_the_statuses() -> None:
    schema = json.loads(concepts()[vocabulary.EXT_ACCREDITATION_STATUS]["inlineSchema"])
    for status in ACCREDITATION_STATUSES:
        assert schema_errors(schema, status) == [], status
    for not_a_status in ("expired", "Accredited", "", ["accredited"]):
        assert schema_errors(schema, not_a_status), not_a_status


def test_templates_use_the_profiles_own_verbs_activity_types_and_extensions() -> None:
    template_ids = {template["id"] for template in profile()["templates"]}
    for template in profile()["templates"]:
        assert template["type"] == "StatementTemplate"
        if template["verb"] not in EXTERNAL_VERBS:
            assert concepts()[template["verb"]]["type"] == "Verb", template["id"]
        if "objectActivityType" in template:
            assert concepts()[template["objectActivityType"]]["type"] == "ActivityType"
            assert "objectStatementRefTemplate" not in template, template["id"]
        for usage_type in template.get("attachmentUsageType", []):
            assert concepts()[usage_type]["type"] == "AttachmentUsageType", template["id"]
        for name in ("objectStatementRefTemplate", "contextStatementRefTemplate"):
            assert set(template.get(name, [])) <= template_ids, (template["id"], name)
        for rule in template.get("rules", []):
            assert {"presence", "any", "all", "none"} & set(rule), (template["id"], rule)
            for iri in re.findall(r"\['([^']+)'\]", rule["location"]):
                assert concepts()[iri]["type"] == "ContextExtension", (template["id"], iri)


def test_every_emitted_statement_follows_exactly_one_template() -> None:
    emitted = statements()
    template_of = {}
    for key, statement in emitted:
        matching = matching_templates(statement)
        assert len(matching) == 1, key
        assert broken_rules(matching[0], statement) == [], key
        template_of[statement["id"]] = matching[0]["id"]
    for key, statement in emitted:
        template = matching_templates(statement)[0]
        assert broken_statement_refs(template, statement, template_of) == [], key


def test_every_template_is_followed_by_an_emitted_statement() -> None:
    followed = {matching_templates(statement)[0]["id"] for _, statement in statements()}
    assert followed == {template["id"] for template in profile()["templates"]}


def test_statements_refer_only_to_statements_made_here() -> None:
    """The fixed inputs link up, so the StatementRef checks above check something."""
    emitted = statements()
    ids = {statement["id"] for _, statement in emitted}
    references = [reference for _, statement in emitted
                  for reference in (statement["object"], dig(statement, ("context", "statement")))
                  if reference.get("objectType") == "StatementRef"]
    assert len(references) == 4
    assert {reference["id"] for reference in references} <= ids


def test_templates_reject_a_statement_missing_a_required_extension() -> None:
    statement = dict(statements())["cpd.absence.approved"]
    [template] = matching_templates(statement)
    del statement["context"]["extensions"][vocabulary.EXT_ABSENCE_END]
    assert broken_rules(template, statement) != []


def test_templates_reject_a_review_of_a_statement_that_is_not_a_submission() -> None:
    emitted = statements()
    template_of = {statement["id"]: matching_templates(statement)[0]["id"]
                   for _, statement in emitted}
    statement = dict(emitted)["cpd.review.verified"]
    [template] = matching_templates(statement)
    assert broken_statement_refs(template, statement, template_of) == []
    statement["object"]["id"] = FULL_ID
    assert broken_statement_refs(template, statement, template_of) != []
    statement["object"] = {"objectType": "Activity", "id": FULL_IRI}
    assert broken_statement_refs(template, statement, template_of) != []


def test_templates_reject_a_status_change_to_a_status_a_change_cannot_set() -> None:
    statement = dict(statements())["cpd.accreditation.status-changed"]
    [template] = matching_templates(statement)
    statement["context"]["extensions"][vocabulary.EXT_ACCREDITATION_STATUS] = "accredited"
    assert broken_rules(template, statement) != []

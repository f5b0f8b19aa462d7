"""The formats of xAPI 1.0.3 Data section 4, and the public helpers the LRS API uses for query
parameters: what each accepts, what it rejects, and what the error says.

Pure tests: no database, no app.
"""

from __future__ import annotations

import math
from typing import Any

import aniso8601
import pytest

from xapi import StatementInvalid, validate_statement
from xapi.agents import validate_agent_parameter, validate_authority
from xapi.grammar import validate_language_tag, validate_timestamp
from xapi.validation import validate_activity_id

MBOX = "mailto:priya.shah@force.example"
AGENT = {"objectType": "Agent", "mbox": MBOX}
ACTIVITY_ID = "https://lms.force.example/activities/osint-refresher"


def statement(**parts: Any) -> dict[str, Any]:
    return {"actor": AGENT, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": ACTIVITY_ID}, **parts}


def rejected(check: Any, *args: Any) -> StatementInvalid:
    with pytest.raises(StatementInvalid) as caught:
        check(*args)
    return caught.value


# --- ISO 8601 timestamps (Data 4.5) --------------------------------------------------------------

VALID_TIMESTAMPS = [
    "2013-05-18T05:32:34.804Z",
    "2013-05-18T05:32:34.804+00:00",
    "2013-05-18T05:32:34.804+0000",
    "2013-05-18T05:32:34+01",
    "2013-05-18T05:32:34-05:00",
    "2013-05-18T05:32:34.123456789Z",
    "2013-05-18T05:32:34,804Z",
    "2013-05-18T05:32:34",
    "2013-05-18T05:32Z",
    "2013-05-18T05Z",
    "2013-05-18T05:32.5Z",
    "20130518T053234Z",
    "20130518T053234.804+0100",
    "2013-138T05:32:34Z",
    "2013-W20-6T05:32:34Z",
    "2013W206T053234Z",
    "2016-02-29T00:00:00Z",
    "2000-02-29T23:59:59.999Z",
    "2015-12-31T00:00:00+14:00",
]


@pytest.mark.parametrize("value", VALID_TIMESTAMPS)
def test_iso_8601_timestamp_is_accepted_and_readable_by_the_store(value: str) -> None:
    validate_timestamp(value, "since")
    aniso8601.parse_datetime(value)  # what the store parses it with


@pytest.mark.parametrize(("value", "reason"), [
    ("2008-09-15T15:53:00.601-00", "never -00"),
    ("2008-09-15T15:53:00.601-0000", "never -00"),
    ("2008-09-15T15:53:00.601-00:00", "never -00"),
    ("2013-13-01T00:00:00Z", "month 13"),
    ("2015-02-29T00:00:00Z", "day 29"),
    ("2013-04-31T00:00:00Z", "day 31"),
    ("2013-00-10T00:00:00Z", "month 00"),
    ("2015-366T00:00:00Z", "day 366"),
    ("2014-W53-1T00:00:00Z", "week 53"),
    ("2013-05-18T24:00:00Z", "hour 24"),
    ("2013-05-18T05:60:00Z", "minute 60"),
    ("2016-12-31T23:59:60Z", "leap seconds"),
    ("0000-01-01T00:00:00Z", "year 0000"),
    ("2013-05-18T05:32:34+24:00", "offset +24:00"),
    ("2013-05-18T05:32:34+01:60", "offset +01:60"),
    ("2013-05-18t05:32:34z", "ISO 8601"),
    ("2013-05-18 05:32:34Z", "ISO 8601"),
    ("2013-05-18", "ISO 8601"),
    ("2013-05-18T053234Z", "ISO 8601"),
    ("20130518T05:32:34Z", "ISO 8601"),
    ("+2013-05-18T05:32:34Z", "ISO 8601"),
    ("2013-05-18T05:32:34.Z", "ISO 8601"),
    ("2013-5-18T05:32:34Z", "ISO 8601"),
    ("01/011/2015", "ISO 8601"),
    ("should fail", "ISO 8601"),
    ("", "ISO 8601"),
])
def test_timestamp_that_is_not_iso_8601_says_why(value: str, reason: str) -> None:
    error = rejected(validate_timestamp, value, "until")
    assert error.path == "until"
    assert reason in error.problem
    assert f'"{value}"' in error.problem


@pytest.mark.parametrize("value", [1368855154, None, ["2013-05-18T05:32:34Z"]])
def test_timestamp_that_is_not_a_string_is_rejected(value: Any) -> None:
    assert "must be a string" in rejected(validate_timestamp, value).problem


def test_stored_and_sub_statement_timestamps_are_checked_too() -> None:
    sub = {"objectType": "SubStatement", "actor": AGENT, "verb": {"id": ACTIVITY_ID},
           "object": {"id": ACTIVITY_ID}, "timestamp": "2013-05-18T05:32:34-00:00"}
    assert rejected(validate_statement, statement(object=sub)).path == "object.timestamp"
    assert rejected(validate_statement, statement(stored="2013-02-30T00:00Z")).path == "stored"


# --- ISO 8601 durations (Data 4.6) ---------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W",
    "PT03H30M00S", "P1Y2M3DT4H5M6.7S", "PT1.5H", "P0,5D", "P0.5W", "PT36H", "P1M", "PT0S",
])
def test_iso_8601_duration_is_accepted(value: str) -> None:
    validate_statement(statement(result={"duration": value}))
    aniso8601.parse_duration(value)


@pytest.mark.parametrize("value", [
    "PA1H0M0S", "P", "PT", "P1DT", "P1Y2W", "-P1D", "P0003-01-29T04:35:59", "PT1H0.5M3S",
    "P1.5Y2M", "pt1h", "PT1H ", "1H", "P1.5.5D", "PT1.H", "P1H", "PT1D",
])
def test_duration_that_is_not_iso_8601_4_4_3_2_is_rejected(value: str) -> None:
    error = rejected(validate_statement, statement(result={"duration": value}))
    assert error.path == "result.duration"
    assert "ISO 8601 duration" in error.problem


# --- RFC 5646 language tags (Data 4.2) -----------------------------------------------------------


@pytest.mark.parametrize("tag", [
    "en", "EN-gb", "de-DE", "tlh", "ine", "zh-Hant", "zh-cmn-Hans-CN", "sr-Latn-RS",
    "sl-rozaj-biske", "de-CH-1901", "hy-Latn-IT-arevela", "es-419", "x-whatever",
    "az-Arab-x-AZE-derbend", "qaa-Qaaa-QM-x-southern", "en-US-u-islamcal",
    "zh-CN-a-myext-x-private", "en-a-myext-b-another", "en-x-a-b-a", "i-enochian", "i-klingon",
    "en-GB-oed", "sgn-BE-FR", "zh-min-nan", "art-lojban", "abcdefgh",
])
def test_well_formed_language_tag_is_accepted(tag: str) -> None:
    validate_language_tag(tag)
    validate_statement(statement(context={"language": tag},
                                 verb={"id": ACTIVITY_ID, "display": {tag: "done"}}))


@pytest.mark.parametrize("tag", [
    "de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc", "a12345", "test", "en_GB", "en-", "-en",
    "en--GB", "toolongtag", "english (uk)", "x", "en-x", "i-notreal", "en-US-a", "",
    "supercalifragilisticexpialidociouswhatabouthhhhhhh",
])
def test_malformed_language_tag_is_rejected(tag: str) -> None:
    error = rejected(validate_language_tag, tag, "context.language")
    assert error.path == "context.language"
    assert "RFC 5646" in error.problem


def test_language_map_value_must_be_a_string() -> None:
    error = rejected(validate_statement, statement(verb={"id": ACTIVITY_ID,
                                                         "display": {"en": None}}))
    assert (error.path, error.problem) == ("verb.display.en", "must be a string, not null")


# --- IRIs, IRLs and UUIDs (Data 4.3, 4.4) --------------------------------------------------------


@pytest.mark.parametrize("value", [
    ACTIVITY_ID, "http://adlnet.gov/expapi/verbs/completed", "urn:uuid:6f8e1c3a-2b4d-4e5f-9a0b",
    "tag:example.com,2024:osint", "https://例え.jp/パス/研修", "http://example.com/a%20b?q=1#f",
    "mailto:priya.shah@force.example", "http://[::1]:8080/x",
])
def test_absolute_iri_is_accepted(value: str) -> None:
    validate_activity_id(value)


@pytest.mark.parametrize("value", [
    "ab=c://should.fail.com", "should error", "http://example.com/a b", "http://example.com/%zz",
    "http://example.com/<x>", "", "example.com/x", ":x", "1http://x", "http:", "http://a\tb",
    'http://example.com/"x"',
])
def test_value_that_is_not_an_absolute_iri_is_rejected(value: str) -> None:
    error = rejected(validate_activity_id, value, "activityId")
    assert error.path == "activityId"
    assert "absolute IRI" in error.problem


def test_activity_id_must_be_a_string() -> None:
    assert rejected(validate_activity_id, 42).problem == "must be a string, not a number"


# --- attachments: media types, hashes, lengths (Data 2.4.11) -------------------------------------

ATTACHMENT = {
    "usageType": "http://adlnet.gov/expapi/attachments/signature",
    "display": {"en-GB": "Certificate"},
    "contentType": "application/pdf",
    "length": 27,
    "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
}


@pytest.mark.parametrize(("key", "value"), [
    ("contentType", "text/plain; charset=ascii"),
    ("contentType", 'multipart/mixed; boundary="abc def"'),
    ("contentType", "image/svg+xml"),
    ("contentType", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("sha2", "A" * 64),
    ("sha2", "0" * 56),
    ("sha2", "f" * 96),
    ("sha2", "e" * 128),
    ("length", 0),
    ("fileUrl", "https://files.force.example/cert.pdf"),
    ("description", {"en-GB": "The signed certificate"}),
])
def test_attachment_variant_is_accepted(key: str, value: Any) -> None:
    validate_statement(statement(attachments=[{**ATTACHMENT, key: value}]))


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("contentType", "should fail", "Internet media type"),
    ("contentType", "text", "Internet media type"),
    ("contentType", "text/", "Internet media type"),
    ("contentType", "text/plain;", "Internet media type"),
    ("contentType", "text /plain", "Internet media type"),
    ("contentType", 12, "must be a string"),
    ("sha2", "a" * 63, "SHA-2"),
    ("sha2", "g" * 64, "SHA-2"),
    ("sha2", 12345, "must be a string"),
    ("length", -1, "whole number"),
    ("length", 27.5, "whole number"),
    ("length", 27.0, "whole number"),
    ("length", True, "whole number"),
    ("length", "27", "whole number"),
    ("usageType", "signature", "absolute IRI"),
    ("fileUrl", "cert.pdf", "absolute IRI"),
])
def test_attachment_property_out_of_format_is_rejected(key: str, value: Any,
                                                       expected: str) -> None:
    error = rejected(validate_statement, statement(attachments=[{**ATTACHMENT, key: value}]))
    assert error.path == f"attachments[0].{key}"
    assert expected in error.problem


def test_attachment_with_an_unknown_property_is_rejected() -> None:
    error = rejected(validate_statement, statement(attachments=[{**ATTACHMENT, "name": "x"}]))
    assert error.path == "attachments[0].name"


# --- nulls, empty objects and numbers (Data 2.2.s4) ----------------------------------------------


@pytest.mark.parametrize(("parts", "path"), [
    ({"result": {}}, "result"),
    ({"context": {}}, "context"),
    ({"result": {"score": {}}}, "result.score"),
    ({"actor": {"account": {}}}, "actor.account"),
    ({"object": {"id": ACTIVITY_ID, "definition": {}}}, "object.definition"),
    ({"context": {"contextActivities": {"parent": {}}}}, "context.contextActivities.parent"),
    ({"verb": {"id": ACTIVITY_ID, "display": {}}}, "verb.display"),
])
def test_empty_object_is_rejected_except_as_extensions(parts: dict[str, Any], path: str) -> None:
    error = rejected(validate_statement, statement(**parts))
    assert (error.path, error.problem) == (path, "must not be an empty object (leave the "
                                                 "property out)")


@pytest.mark.parametrize(("parts", "path"), [
    ({"result": None}, "result"),
    ({"context": {"instructor": None}}, "context.instructor"),
    ({"result": {"response": None}}, "result.response"),
    ({"object": {"id": ACTIVITY_ID, "definition": {"interactionType": None}}},
     "object.definition.interactionType"),
    ({"id": None}, "id"),
    ({"attachments": None}, "attachments"),
])
def test_null_is_rejected_outside_extensions(parts: dict[str, Any], path: str) -> None:
    error = rejected(validate_statement, statement(**parts))
    assert error.path == path
    assert error.problem.endswith("not null")


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_score_that_is_not_a_finite_number_is_rejected(number: float) -> None:
    error = rejected(validate_statement, statement(result={"score": {"raw": number}}))
    assert (error.path, error.problem) == ("result.score.raw", "must be a finite number")


def test_score_min_and_max_alone_are_unbounded() -> None:
    validate_statement(statement(result={"score": {"raw": -1e9, "max": 0}}))
    validate_statement(statement(result={"score": {"raw": 1e9, "min": 0}}))


# --- agents for query parameters and authority (Data 2.4.2, 2.4.9; Communication 2.1) ------------


@pytest.mark.parametrize("agent", [
    AGENT,
    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
    {"objectType": "Group", "account": {"homePage": "https://lms.force.example", "name": "ib"}},
    {"objectType": "Group", "openid": "https://id.force.example/ib", "member": [AGENT]},
])
def test_agent_parameter_may_be_an_agent_or_identified_group(agent: dict[str, Any]) -> None:
    validate_agent_parameter(agent)


def test_agent_parameter_may_not_be_an_anonymous_group() -> None:
    error = rejected(validate_agent_parameter, {"objectType": "Group", "member": [AGENT]})
    assert error.path == "agent"
    assert "anonymous Group" in error.problem


@pytest.mark.parametrize(("agent", "path"), [
    ({"mbox": "priya.shah@force.example"}, "agent.mbox"),
    ({"objectType": "Person", "mbox": MBOX}, "agent.objectType"),
    ({"name": "Priya"}, "agent"),
    ("mailto:priya.shah@force.example", "agent"),
    ([AGENT], "agent"),
])
def test_agent_parameter_that_is_not_an_agent_names_the_problem(agent: Any, path: str) -> None:
    assert rejected(validate_agent_parameter, agent).path == path


def test_authority_may_be_an_agent_or_an_oauth_pair() -> None:
    validate_authority(AGENT)
    validate_authority({"objectType": "Group", "member": [
        {"account": {"homePage": "https://lms.force.example/oauth", "name": "consumer"}}, AGENT]})


def test_authority_group_of_three_says_two_are_needed() -> None:
    group = {"objectType": "Group", "member": [AGENT, AGENT, AGENT]}
    error = rejected(validate_authority, group)
    assert (error.path, error.problem) == ("authority.member", "an authority Group has exactly "
                                                               "two members, not 3")


# --- messages a sender can act on ----------------------------------------------------------------


@pytest.mark.parametrize(("parts", "message"), [
    ({"id": "not-a-uuid"},
     'id: "not-a-uuid" is not a UUID in its standard form (8-4-4-4-12 hexadecimal digits)'),
    ({"actor": {"objectType": "agent", "mbox": MBOX}},
     'actor.objectType: "agent" is not "Agent" or "Group" (case-sensitive)'),
    ({"object": {"id": ACTIVITY_ID, "definition": {"interactionType": "Choice"}}},
     'object.definition.interactionType: "Choice" is not one of true-false, choice, fill-in, '
     "long-fill-in, matching, performance, sequencing, likert, numeric, other (case-sensitive)"),
    ({"object": {"id": ACTIVITY_ID, "definition": {"interactionType": "likert", "choices": []}}},
     'object.definition.choices: is not used by a "likert" interaction (it uses scale)'),
    ({"object": {"id": ACTIVITY_ID, "definition": {"correctResponsesPattern": ["true"]}}},
     "object.definition.interactionType: is required when correctResponsesPattern is given"),
    ({"object": {"id": ACTIVITY_ID, "definition": {"interactionType": "choice", "choices": [
        {"id": "golf"}, {"id": "golf"}]}}},
     'object.definition.choices[1].id: "golf" is already the id of [0]; ids in a list must be '
     "distinct"),
    ({"result": {"success": "true"}}, 'result.success: must be true or false, not a string "true"'),
    ({"result": {"score": {"raw": 11, "max": 10}}}, "result.score.raw: 11 is more than max (10)"),
    ({"context": {"platform": "Force LMS"}, "object": AGENT},
     "context.platform: is only allowed when the statement's object is an Activity, not an Agent"),
    ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}},
     "object: a voiding statement (verb http://adlnet.gov/expapi/verbs/voided) must have a "
     "StatementRef as its object, not an Activity"),
])
def test_error_message_names_the_value_and_what_would_be_accepted(parts: dict[str, Any],
                                                                  message: str) -> None:
    assert str(rejected(validate_statement, statement(**parts))) == message

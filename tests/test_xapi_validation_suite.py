"""The ADL LRS conformance suite (lrs-conformance-test-suite, test/v1_0_3), replayed against
``validate_statement``: every statement the suite sends expecting 400 is rejected, with the path
named, and every statement it sends expecting 200 is accepted.

The suite builds its statements by deep-merging JSON templates (``test/v1_0_3/templates``) with
the overrides in ``test/v1_0_3/configs/*.js``; the templates are copied below and ``merged``
does what its ``extend(true, ...)`` does (objects merge, arrays merge index by index, anything
else replaces). Most rules hold at the top of a statement and inside a SubStatement alike, so most
cases run at both places (``WHERE``). Pure tests: no database, no app.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from xapi import StatementInvalid, validate_statement

# --- templates (test/v1_0_3/templates) -----------------------------------------------------------

AGENT = {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"}
AGENTS = {
    "mbox": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"},
    "mbox_sha1sum": {"objectType": "Agent", "name": "xAPI mbox_sha1sum",
                     "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
    "openid": {"objectType": "Agent", "name": "xAPI openid",
               "openid": "http://openid.example.org/12345"},
    "account": {"objectType": "Agent", "name": "xAPI account",
                "account": {"homePage": "http://www.example.com", "name": "xAPI account name"}},
}
GROUP = {"objectType": "Group", "name": "Group Identified", "mbox": "mailto:xapi@adlnet.gov"}
ANONYMOUS_GROUP = {"objectType": "Group", "name": "Group Anonymous",
                   "member": [AGENTS["mbox"], AGENTS["openid"]]}
IDENTIFIED_GROUPS = {
    "mbox": GROUP,
    "mbox_sha1sum": {"objectType": "Group", "mbox_sha1sum":
                     "cd9b00a5611f94eaa7b1661edab976068e364975", "member": [AGENTS["mbox"]]},
    "openid": {"objectType": "Group", "openid": "http://openid.example.org/12345",
               "member": [AGENTS["mbox"]]},
    "account": {"objectType": "Group", "account": {"homePage": "http://www.example.com",
                                                   "name": "xAPI account name"}},
    "all": {"objectType": "Group", "name": "Group Identified with each IFI",
            "openid": "http://openid.example.org/12345",
            "member": [AGENTS["account"], AGENTS["openid"], AGENTS["mbox_sha1sum"],
                       AGENTS["mbox"]]},
}
AUTHORITY_GROUP = {"objectType": "Group", "member": [
    {"account": {"homePage": "http://example.com/xAPI/OAuth/Token",
                 "name": "oauth_consumer_x75db"}},
    {"mbox": "mailto:bob_authority@example.com"},
]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-GB": "attended", "en-US": "attended"}}
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
ACTIVITY = {"objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534"}
STATEMENT_REF = {"objectType": "StatementRef", "id": "9e13cefd-53d3-4eac-b5ed-2cf6693903bb"}
EXTENSIONS = {
    "http://example.com/profiles/meetings/extension/location":
        "X:\\meetings\\minutes\\examplemeeting.one",
    "http://example.com/profiles/meetings/extension/reporter":
        {"name": "Thomas", "id": "http://openid.com/342"},
}
DEFAULT = {"actor": AGENT, "verb": VERB, "object": ACTIVITY}
SUBSTATEMENT = {
    "objectType": "SubStatement",
    "actor": AGENTS["mbox_sha1sum"],
    "verb": {"id": "http://adlnet.gov/expapi/verbs/reported",
             "display": {"en-GB": "reported", "en-US": "reported"}},
    "object": ACTIVITY,
}
CONTEXT = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    "revision": "rev_10_3_2",
    "platform": "Example virtual meeting software",
    "language": "tlh",
    "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    "extensions": {"http://example.com/profiles/meetings/contextextensions/airspeed": "600mph"},
}
RESULT = {
    "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
    "extensions": {"http://example.com/profiles/meetings/resultextensions/reporter":
                   {"name": "Thomas", "id": "http://openid.com/342"}},
    "success": True, "completion": True,
    "response": "We agreed on some example actions.",
    "duration": "PT1H0M0S",
}
ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "description": {"en-US": "A test attachment (description)"},
    "contentType": "text/plain; charset=ascii",
    "length": 27,
    "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
    "fileUrl": "http://over.there.com/file.txt",
}


def component(component_id: str, text: str) -> dict[str, Any]:
    return {"id": component_id, "description": {"en-US": text}}


def interaction(kind: str, pattern: str, **lists: list[dict[str, Any]]) -> dict[str, Any]:
    return {"objectType": "Activity", "id": "http://www.example.com/meetings/categories/teammeeting",
            "definition": {"name": {"en": kind}, "description": {"en": f"A {kind} question"},
                           "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                           "moreInfo": "http://virtualmeeting.example.com/345256",
                           "interactionType": kind, "correctResponsesPattern": [pattern],
                           **lists, "extensions": EXTENSIONS}}


INTERACTIONS = {
    "true-false": interaction("true-false", "true"),
    "choice": interaction("choice", "golf[,]tetris", choices=[
        component("golf", "Golf Example"), component("facebook", "Facebook App"),
        component("tetris", "Tetris Example"), component("scrabble", "Scrabble Example")]),
    "fill-in": interaction("fill-in", "Bob's your uncle"),
    "long-fill-in": interaction(
        "long-fill-in",
        "{case_matters=false}{lang=en}To store and provide access to learning experiences."),
    "matching": interaction(
        "matching", "ben[.]3[,]chris[.]2[,]troy[.]4[,]freddie[.]1",
        source=[component("ben", "Ben"), component("chris", "Chris"),
                component("troy", "Troy"), component("freddie", "Freddie")],
        target=[component("1", "Swift Kick in the Grass"), component("2", "We got Runs"),
                component("3", "Duck"), component("4", "Van Delay Industries")]),
    "performance": interaction("performance", "pong[.]1:[,]dg[.]:10[,]lunch[.]", steps=[
        component("pong", "Net pong matches won"),
        component("dg", "Strokes over par in disc golf at Liberty"),
        component("lunch", "Lunch having been eaten")]),
    "sequencing": interaction("sequencing", "tim[,]mike[,]ells[,]ben", choices=[
        component("tim", "Tim"), component("ben", "Ben"), component("ells", "Ells"),
        component("mike", "Mike")]),
    "likert": interaction("likert", "likert_3", scale=[
        component("likert_0", "It's OK"), component("likert_1", "It's Pretty Cool"),
        component("likert_2", "It's Damn Cool"),
        component("likert_3", "It's Gonna Change the World")]),
    "numeric": interaction("numeric", "4[:]"),
    "other": interaction("other", "(35.937432,-86.868896)"),
}
#: Which list each interaction type's template carries (matching carries two).
COMPONENT_LIST = {"choice": "choices", "sequencing": "choices", "likert": "scale",
                  "matching": "source", "performance": "steps"}

# --- building statements as the suite does -------------------------------------------------------


def merged(base: Any, override: Any) -> Any:
    """jQuery's ``extend(true, ...)``: objects and arrays merge member by member."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = copy.deepcopy(base)
        for key, value in override.items():
            result[key] = merged(result.get(key), value)
        return result
    if isinstance(base, list) and isinstance(override, list):
        result = copy.deepcopy(base)
        for i, value in enumerate(override):
            if i < len(result):
                result[i] = merged(result[i], value)
            else:
                result.append(copy.deepcopy(value))
        return result
    return copy.deepcopy(override)


WHERE = ["statement", "substatement"]


def at(where: str, parts: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A statement with ``parts`` in place of the template's at its top or in its SubStatement
    object, and the prefix the paths of those parts get."""
    if where == "statement":
        return {**DEFAULT, **parts}, ""
    return {**DEFAULT, "object": {**SUBSTATEMENT, **parts}}, "object."


def statement(parts: dict[str, Any]) -> dict[str, Any]:
    """The default statement with some top-level properties replaced (or added)."""
    return {**DEFAULT, **parts}


def rejection(candidate: Any) -> StatementInvalid:
    with pytest.raises(StatementInvalid) as caught:
        validate_statement(candidate)
    return caught.value


def without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in keys}


def definition(kind: str, **changes: Any) -> dict[str, Any]:
    """An interaction activity with its definition merged with ``changes``."""
    return merged(INTERACTIONS[kind], {"definition": changes})


# --- accepted, at the top of a statement and in a SubStatement -----------------------------------

ACCEPTED_PARTS = [
    pytest.param({}, id="template"),
    pytest.param({"timestamp": "2013-05-18T05:32:34.804Z"}, id="timestamp"),
    pytest.param({"timestamp": "2031-11-20T10:15:00.000Z"}, id="timestamp-in-the-future"),
    *(pytest.param({"actor": agent}, id=f"actor-{ifi}") for ifi, agent in AGENTS.items()),
    pytest.param({"actor": {"name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"}},
                 id="actor-without-objectType"),
    *(pytest.param({"actor": group}, id=f"actor-group-{ifi}")
      for ifi, group in IDENTIFIED_GROUPS.items()),
    pytest.param({"actor": ANONYMOUS_GROUP}, id="actor-anonymous-group"),
    pytest.param({"object": merged(AGENT, {})}, id="object-agent"),
    pytest.param({"object": GROUP}, id="object-group"),
    pytest.param({"object": ANONYMOUS_GROUP}, id="object-anonymous-group"),
    pytest.param({"object": STATEMENT_REF}, id="object-statement-ref"),
    pytest.param({"object": without(ACTIVITY, "objectType")}, id="object-without-objectType"),
    *(pytest.param({"object": activity}, id=f"object-{kind}")
      for kind, activity in INTERACTIONS.items()),
    pytest.param({"object": merged(ACTIVITY, {"definition": {
        "interactionType": "fill-in", "correctResponsesPattern": ['Bob"s your uncle']}})},
        id="definition-interactionType-only"),
    pytest.param({"object": {**INTERACTIONS["matching"], "definition": without(
        INTERACTIONS["matching"]["definition"], "target")}}, id="matching-source-only"),
    pytest.param({"object": {**INTERACTIONS["true-false"], "definition": without(
        INTERACTIONS["true-false"]["definition"], "correctResponsesPattern")}},
        id="interaction-without-correctResponsesPattern"),
    pytest.param({"object": definition("choice", choices=[{"id": "valid"}])},
                 id="component-without-description"),
    pytest.param({"object": merged(ACTIVITY, {"definition": {"extensions": {}}})},
                 id="definition-empty-extensions"),
    *(pytest.param({"object": merged(ACTIVITY, {"definition": {"extensions": {
        "http://example.com/ex": value}}})}, id=f"extension-value-{name}")
      for name, value in [("boolean", True), ("numeric", 12345), ("object", {"key": "valid"}),
                          ("string", "valid"), ("null", None)]),
    pytest.param({"verb": {"id": VERB["id"]}}, id="verb-without-display"),
    *(pytest.param({"verb": {"id": VERB["id"], "display": {tag: "attended"}}},
                   id=f"language-{tag}")
      for tag in ["de", "i-enochian", "ine", "zh-Hant", "sr-Latn", "zh-cmn-Hans-CN",
                  "sr-Latn-RS", "sl-rozaj-biske", "de-CH-1901", "hy-Latn-IT-arevela", "de-DE",
                  "az-Arab-x-AZE-derbend", "x-whatever", "ja-JP", "ko-KR", "kn-IN",
                  "en-US-u-islamcal", "zh-CN-a-myext-x-private", "en-a-myext-b-another"]),
    pytest.param({"verb": {"id": VERB["id"], "display": {"ja-JP": "出席した", "ru-RU": "участие"}}},
                 id="language-map-unicode-values"),
    pytest.param({"context": CONTEXT}, id="context"),
    pytest.param({"context": merged(CONTEXT, {"language": "de"})}, id="context-language-de"),
    pytest.param({"context": {"instructor": AGENT}}, id="context-instructor-agent"),
    pytest.param({"context": {"instructor": GROUP}}, id="context-instructor-group"),
    pytest.param({"context": {"team": GROUP}}, id="context-team-identified"),
    pytest.param({"context": {"team": ANONYMOUS_GROUP}}, id="context-team-anonymous"),
    *(pytest.param({"context": {"contextActivities": {key: ACTIVITY}}}, id=f"context-{key}")
      for key in ["parent", "grouping", "category", "other"]),
    *(pytest.param({"context": {"contextActivities": {key: [ACTIVITY]}}},
                   id=f"context-{key}-array") for key in ["parent", "grouping", "category",
                                                         "other"]),
    pytest.param({"context": {"contextActivities": {
        "parent": [ACTIVITY], "grouping": [ACTIVITY], "category": [ACTIVITY],
        "other": [ACTIVITY]}}}, id="context-all-activities"),
    pytest.param({"context": {"extensions": {}}}, id="context-empty-extensions"),
    pytest.param({"context": {"extensions": {"http://example.com/null": None}}},
                 id="context-null-extension"),
    pytest.param({"result": RESULT}, id="result"),
    pytest.param({"result": {"extensions": {}}}, id="result-empty-extensions"),
    *(pytest.param({"result": merged(RESULT, {"score": score})}, id=f"score-{name}")
      for name, score in [("scaled-decimal", {"scaled": .6767676}), ("scaled-1.0", {"scaled": 1.0}),
                          ("scaled--1", {"scaled": -1.0}), ("raw-decimal", {"raw": .6767676}),
                          ("min-decimal", {"min": .6767676}),
                          ("max-decimal", {"max": 100.6767676}),
                          ("floats", {"min": 0.12123434, "raw": 12.125, "max": 45.45})]),
    *(pytest.param({"result": merged(RESULT, {"duration": duration})}, id=f"duration-{duration}")
      for duration in ["PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S",
                       "P3Y", "P4W"]),
    pytest.param({"attachments": [ATTACHMENT]}, id="attachment"),
    pytest.param({"attachments": []}, id="no-attachments"),
    pytest.param({"attachments": [merged(ATTACHMENT, {"display": {"de": "Eine Testbefestigung"},
                                                      "description": {"de": "Ein Testansatz"}})]},
                 id="attachment-de"),
]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("parts", ACCEPTED_PARTS)
def test_suite_statement_expected_200_is_accepted(where: str, parts: dict[str, Any]) -> None:
    candidate, _ = at(where, parts)
    validate_statement(candidate)


ACCEPTED_STATEMENTS = [
    pytest.param(statement({"object": merged(SUBSTATEMENT, {})}), id="substatement"),
    pytest.param(statement({"verb": VOIDED, "object": STATEMENT_REF}), id="voiding"),
    *(pytest.param(statement({"authority": agent}), id=f"authority-{ifi}")
      for ifi, agent in AGENTS.items()),
    pytest.param(statement({"authority": AUTHORITY_GROUP}), id="authority-group"),
    pytest.param(statement({"stored": "2011-07-15T00:00:00.000Z"}), id="stored"),
    *(pytest.param(statement({"version": version}), id=f"version-{version}")
      for version in ["1.0", "1.0.0", "1.0.3", "1.0.9"]),
    pytest.param(statement({"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}), id="id"),
    pytest.param(statement({"id": "AA97B177-9383-4934-8543-0F91A7A02836"}),
                 id="id-upper-case"),
]


@pytest.mark.parametrize("candidate", ACCEPTED_STATEMENTS)
def test_suite_whole_statement_expected_200_is_accepted(candidate: dict[str, Any]) -> None:
    validate_statement(candidate)


# --- rejected, at the top of a statement and in a SubStatement -----------------------------------

INVALID_OBJECT = {"key": "should fail"}
TOO_MANY_DIGITS = "AA97B177-9383-4934-8543-0F91A7A028368"
NOT_HEX = "MA97B177-9383-4934-8543-0F91A7A02836"
NOT_AN_IRI = "ab=c://should.fail.com"

REJECTED_PARTS = [
    # actors.js, agents.js, groups.js, ifis.js, accountobjects.js (Data 2.4.2)
    *(pytest.param({where: merged(AGENT, {"objectType": kind})}, f"{path}.objectType",
                   id=f"{where}-objectType-{name}")
      for where, path in [("actor", "actor"), ("object", "object")]
      for name, kind in [("numeric", 123), ("object", INVALID_OBJECT), ("agent", "agent"),
                         ("group", "group")]),
    *(pytest.param({"actor": merged(AGENT, {"name": name})}, "actor.name", id=f"name-{label}")
      for label, name in [("numeric", 123), ("object", INVALID_OBJECT), ("null", None)]),
    pytest.param({"actor": {"objectType": "Agent", "name": "xAPI"}}, "actor", id="agent-no-ifi"),
    *(pytest.param({"actor": merged(AGENTS["mbox"], {key: value})}, "actor",
                   id=f"agent-mbox-and-{key}")
      for key, value in [("account", AGENTS["account"]["account"]),
                         ("mbox_sha1sum", AGENTS["mbox_sha1sum"]["mbox_sha1sum"]),
                         ("openid", AGENTS["openid"]["openid"])]),
    *(pytest.param({"actor": merged(GROUP, {key: value})}, "actor", id=f"group-mbox-and-{key}")
      for key, value in [("account", AGENTS["account"]["account"]),
                         ("openid", AGENTS["openid"]["openid"])]),
    *(pytest.param({"actor": merged(actor, {"mbox": mbox})}, "actor.mbox", id=f"{kind}-{mbox}")
      for kind, actor in [("agent", AGENTS["mbox"]), ("group", GROUP)]
      for mbox in ["http://should.fail.com", "mailto:should.fail.com", ""]),
    pytest.param({"actor": merged(AGENTS["mbox_sha1sum"], {"mbox_sha1sum": {"key": "value"}})},
                 "actor.mbox_sha1sum", id="mbox_sha1sum-object"),
    pytest.param({"actor": merged(AGENTS["openid"], {"openid": NOT_AN_IRI})}, "actor.openid",
                 id="openid-not-iri"),
    pytest.param({"actor": {"account": {"name": "xAPI"}}}, "actor.account.homePage",
                 id="account-no-homePage"),
    pytest.param({"actor": {"account": {"homePage": NOT_AN_IRI, "name": "x"}}},
                 "actor.account.homePage", id="account-homePage-not-irl"),
    pytest.param({"actor": {"account": {"homePage": "http://www.example.com"}}},
                 "actor.account.name", id="account-no-name"),
    pytest.param({"actor": {"account": {"homePage": "http://www.example.com",
                                        "name": INVALID_OBJECT}}},
                 "actor.account.name", id="account-name-object"),
    pytest.param({"actor": {"objectType": "Group", "account": {
        "homePage": "http://www.example.com", "name": INVALID_OBJECT}}},
        "actor.account.name", id="group-account-name-object"),
    pytest.param({"actor": {"objectType": "Group", "name": "Anonymous"}}, "actor.member",
                 id="anonymous-group-no-member"),
    pytest.param({"actor": merged(GROUP, {"member": AGENT})}, "actor.member",
                 id="member-not-array"),
    pytest.param({"actor": {"objectType": "Group", "member": [GROUP]}},
                 "actor.member[0].objectType", id="member-group"),
    pytest.param({"object": merged(GROUP, {"member": {"objectType": "Group"}})},
                 "object.member", id="object-group-member-not-array"),
    pytest.param({"object": without(AGENT, "objectType")}, "object.objectType",
                 id="object-agent-no-objectType"),
    pytest.param({"object": without(GROUP, "objectType")}, "object.objectType",
                 id="object-group-no-objectType"),
    # verbs.js, languages.js (Data 2.4.3, 4.2)
    pytest.param({"verb": {"display": VERB["display"]}}, "verb.id", id="verb-no-id"),
    pytest.param({"verb": merged(VERB, {"id": NOT_AN_IRI})}, "verb.id", id="verb-id-not-iri"),
    pytest.param({"verb": NOT_AN_IRI}, "verb", id="verb-string"),
    pytest.param({"verb": {"id": VERB["id"], "display": {"a12345": "attended"}}},
                 "verb.display.a12345", id="verb-display-bad-tag"),
    pytest.param({"verb": {"id": VERB["id"], "display": {}}}, "verb.display",
                 id="verb-display-empty"),
    pytest.param({"verb": {"id": VERB["id"], "display": "should error"}}, "verb.display",
                 id="verb-display-string"),
    pytest.param({"verb": merged(VERB, {"display": {"en-US": None}})}, "verb.display.en-US",
                 id="verb-display-null"),
    *(pytest.param({"verb": {"id": VERB["id"], "display": {tag: "besucht"}}},
                   f"verb.display.{tag}", id=f"language-{tag}")
      for tag in ["de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc"]),
    # objects.js, activities.js, statementrefs.js (Data 2.4.4)
    *(pytest.param({"object": merged(obj, {"objectType": kind})}, "object.objectType",
                   id=f"objectType-{kind}")
      for obj, kind in [(ACTIVITY, "activity"), (AGENT, "agent"), (GROUP, "group"),
                        (STATEMENT_REF, "statementref")]),
    pytest.param({"object": without(ACTIVITY, "id")}, "object.id", id="activity-no-id"),
    pytest.param({"object": merged(ACTIVITY, {"id": NOT_AN_IRI})}, "object.id",
                 id="activity-id-not-iri"),
    *(pytest.param({"object": merged(ACTIVITY, {"definition": value})}, "object.definition",
                   id=f"definition-{name}")
      for name, value in [("string", "should error"), ("numeric", 12345), ("empty", {})]),
    *(pytest.param({"object": merged(ACTIVITY, {"definition": {key: value}})},
                   f"object.definition.{key}", id=f"definition-{key}-{name}")
      for key in ["name", "description"]
      for name, value in [("string", "should error"), ("empty", {}), ("numeric", 12345)]),
    *(pytest.param({"object": merged(ACTIVITY, {"definition": {key: {tag: "x"}}})},
                   f"object.definition.{key}.{tag}", id=f"definition-{key}-{tag}")
      for key in ["name", "description"] for tag in ["a12345", "de-419-DE"]),
    *(pytest.param({"object": merged(ACTIVITY, {"definition": {key: value}})},
                   f"object.definition.{key}", id=f"definition-{key}-{value}")
      for key in ["type", "moreInfo"] for value in ["should error", None]),
    pytest.param({"object": merged(ACTIVITY, {"definition": {"extensions": "should error"}})},
                 "object.definition.extensions", id="definition-extensions-string"),
    pytest.param({"object": merged(ACTIVITY, {"definition": {"extensions": {
        "id": "valid", "description": {"en-US": "valid"}}}})},
        "object.definition.extensions['id']", id="definition-extension-key-not-iri"),
    pytest.param({"object": merged(ACTIVITY, {"definition": {"extensions": {
        "should fail": True}}})}, "object.definition.extensions['should fail']",
        id="definition-extension-key-with-space"),
    *(pytest.param({"object": definition(kind, interactionType=miscased)},
                   "object.definition.interactionType", id=f"interactionType-{miscased}")
      for kind, miscased in [("true-false", "true-faLse"), ("choice", "choiCe"),
                             ("fill-in", "fill-iN"), ("long-fill-in", "long-fiLl-in"),
                             ("matching", "matchIng"), ("performance", "perfOrmance"),
                             ("sequencing", "seqUencing"), ("likert", "liKert"),
                             ("numeric", "nUmeric"), ("other", "Other")]),
    *(pytest.param({"object": definition("other", interactionType=value)},
                   "object.definition.interactionType", id=f"interactionType-{name}")
      for name, value in [("iri", "http://adlnet.gov/expapi/activities/cmi.interaction"),
                          ("numeric", 12345), ("object", {"something": "value"}),
                          ("string", "should error")]),
    *(pytest.param({"object": {**activity, "definition": without(activity["definition"],
                                                               "interactionType")}},
                   "object.definition.interactionType", id=f"{kind}-without-interactionType")
      for kind, activity in INTERACTIONS.items()),
    pytest.param({"object": definition("other", correctResponsesPattern="(35.9,-86.8)")},
                 "object.definition.correctResponsesPattern", id="pattern-not-array"),
    pytest.param({"object": definition("other", correctResponsesPattern=[1])},
                 "object.definition.correctResponsesPattern[0]", id="pattern-not-strings"),
    *(pytest.param({"object": definition(kind, **{COMPONENT_LIST[kind]: change})},
                   f"object.definition.{COMPONENT_LIST[kind]}{suffix}",
                   id=f"{kind}-{COMPONENT_LIST[kind]}-{name}")
      for kind in COMPONENT_LIST
      for name, change, suffix in [
          ("not-array", component("valid", "valid"), ""),
          ("not-objects", ["should error"], "[0]"),
          ("id-not-string", [{"id": {"test": "value"}}], "[0].id"),
          ("description-string", [{"id": "valid", "description": "should error"}],
           "[0].description"),
          ("description-bad-tag", [{"id": "valid", "description": {"test": "value"}}],
           "[0].description.test"),
          ("duplicate-ids", [{"id": "valid"}, {"id": "valid"}], "[1].id"),
      ]),
    *(pytest.param({"object": {**INTERACTIONS[kind], "definition": {
        **without(INTERACTIONS[kind]["definition"], COMPONENT_LIST[kind]),
        COMPONENT_LIST[kind]: [{"description": {"en-US": "valid"}}]}}},
        f"object.definition.{COMPONENT_LIST[kind]}[0].id", id=f"{kind}-component-no-id")
      for kind in COMPONENT_LIST),
    pytest.param({"object": definition("matching", target=["should error"])},
                 "object.definition.target[0]", id="matching-target-not-objects"),
    pytest.param({"object": definition("matching", scale=[component("valid", "valid")])},
                 "object.definition.scale", id="matching-with-scale"),
    pytest.param({"object": definition("true-false", choices=[component("valid", "valid")])},
                 "object.definition.choices", id="true-false-with-choices"),
    pytest.param({"object": {"objectType": "StatementRef"}}, "object.id",
                 id="statement-ref-no-id"),
    *(pytest.param({"object": merged(STATEMENT_REF, {"id": value})}, "object.id",
                   id=f"statement-ref-id-{name}")
      for name, value in [("string", "should fail"), ("too-many-digits", TOO_MANY_DIGITS),
                          ("not-hex", NOT_HEX), ("numeric", 12345),
                          ("object", INVALID_OBJECT)]),
    # results.js, durations.js (Data 2.4.5)
    *(pytest.param({"result": merged(RESULT, {"score": score})}, "result.score",
                   id=f"score-{name}")
      for name, score in [("numeric", 12345), ("string", "should fail")]),
    *(pytest.param({"result": merged(RESULT, {"score": score})}, f"result.score.{key}",
                   id=f"score-{name}")
      for name, key, score in [
          ("max-string", "max", {"max": "one hundred"}), ("max-numeric-string", "max",
                                                          {"max": "100"}),
          ("scaled-1.01", "scaled", {"scaled": 1.01}),
          ("scaled--1.00001", "scaled", {"scaled": -1.00001}),
          ("raw-above-max", "raw", {"raw": .6767676, "max": .6767676 - 0.02, "min": 0}),
          ("raw-below-min", "raw", {"raw": .6767676, "min": .6767676 + 0.73, "max": 100}),
          ("min-above-max", "min", {"min": .6767676, "max": .6767676 - 0.0000321,
                                    "raw": .6767676 - 0.0000033}),
          ("max-below-min", "min", {"max": 100.6767676, "min": 104.6767676, "raw": 101.6767676}),
      ]),
    *(pytest.param({"result": merged(RESULT, {key: value})}, f"result.{key}",
                   id=f"{key}-{value!r}")
      for key in ["success", "completion"]
      for value in ["true", "false", "We regret to inform you"]),
    *(pytest.param({"result": merged(RESULT, {"response": value})}, "result.response",
                   id=f"response-{name}")
      for name, value in [("numeric", 12345), ("object", INVALID_OBJECT)]),
    *(pytest.param({"result": merged(RESULT, {"duration": value})}, "result.duration",
                   id=f"duration-{value}")
      for value in ["PA1H0M0S", "should fail", 12345, INVALID_OBJECT]),
    pytest.param({"result": merged(RESULT, {"extensions": {"should fail": True}})},
                 "result.extensions['should fail']", id="result-extension-key"),
    # contexts.js, contextactivities.js, uuids.js (Data 2.4.6)
    *(pytest.param({"context": merged(CONTEXT, {"registration": value})}, "context.registration",
                   id=f"registration-{name}")
      for name, value in [("object", INVALID_OBJECT), ("string", "should fail"),
                          ("too-many-digits", TOO_MANY_DIGITS), ("not-hex", NOT_HEX),
                          ("numeric", 12345), ("null", None)]),
    pytest.param({"context": {"instructor": "should fail"}}, "context.instructor",
                 id="instructor-string"),
    pytest.param({"context": {"instructor": INVALID_OBJECT}}, "context.instructor.key",
                 id="instructor-object"),
    pytest.param({"context": {"instructor": merged(AGENT, {"objectType": "agent"})}},
                 "context.instructor.objectType", id="instructor-objectType"),
    *(pytest.param({"context": {"team": team}}, "context.team", id=f"team-{name}")
      for name, team in [("agent", AGENT), ("object", INVALID_OBJECT), ("string", "x")]),
    pytest.param({"context": {"team": {"objectType": "Group", "name": "No members"}}},
                 "context.team.member", id="team-anonymous-no-member"),
    pytest.param({"context": merged(CONTEXT, {"contextActivities": "should fail"})},
                 "context.contextActivities", id="contextActivities-string"),
    pytest.param({"context": merged(CONTEXT, {"contextActivities": {}})},
                 "context.contextActivities", id="contextActivities-empty"),
    pytest.param({"context": {"contextActivities": {"invalid": [ACTIVITY]}}},
                 "context.contextActivities.invalid", id="contextActivities-bad-key"),
    pytest.param({"context": {"contextActivities": {"other": [ACTIVITY, INVALID_OBJECT]}}},
                 "context.contextActivities.other[1].key", id="contextActivities-bad-entry"),
    pytest.param({"context": {"contextActivities": {"parent": {"id": "should fail"}}}},
                 "context.contextActivities.parent.id", id="contextActivities-bad-single"),
    *(pytest.param({"context": merged(CONTEXT, {key: value})}, f"context.{key}",
                   id=f"{key}-{name}")
      for key in ["revision", "platform", "language"]
      for name, value in [("numeric", 12345), ("object", INVALID_OBJECT)]),
    pytest.param({"context": merged(CONTEXT, {"language": "a12345"})}, "context.language",
                 id="language-not-a-tag"),
    *(pytest.param({"object": obj, "context": without(CONTEXT, other)}, f"context.{key}",
                   id=f"{key}-with-{name}")
      for key, other in [("revision", "platform"), ("platform", "revision")]
      for name, obj in [("agent", AGENT), ("group", GROUP), ("statement-ref", STATEMENT_REF)]),
    pytest.param({"context": merged(CONTEXT, {"statement": {"objectType": "statementref"}})},
                 "context.statement.objectType", id="context-statement-objectType"),
    pytest.param({"context": {"statement": {"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}}},
                 "context.statement.objectType", id="context-statement-no-objectType"),
    *(pytest.param({"context": merged(CONTEXT, {"statement": {"id": value}})},
                   "context.statement.id", id=f"context-statement-{name}")
      for name, value in [("string", "should fail"), ("too-many-digits", TOO_MANY_DIGITS),
                          ("not-hex", NOT_HEX), ("numeric", 12345)]),
    pytest.param({"context": merged(CONTEXT, {"extensions": {"should fail": True}})},
                 "context.extensions['should fail']", id="context-extension-key"),
    # timestamps.js (Data 2.4.7, 4.5)
    *(pytest.param({"timestamp": value}, "timestamp", id=f"timestamp-{value}")
      for value in ["should fail", "01/011/2015", "2008-09-15T15:53:00.601-00",
                    "2008-09-15T15:53:00.601-0000", "2008-09-15T15:53:00.601-00:00"]),
    # attachments.js (Data 2.4.11)
    pytest.param({"attachments": ATTACHMENT}, "attachments", id="attachments-not-array"),
    *(pytest.param({"attachments": [value]}, "attachments[0]", id=f"attachment-{name}")
      for name, value in [("numeric", 12345), ("string", "should fail")]),
    *(pytest.param({"attachments": [{**ATTACHMENT, key: value}]}, f"attachments[0].{key}",
                   id=f"attachment-{key}-{value!r}")
      for key, value in [("usageType", "should fail"), ("contentType", "should fail"),
                         ("length", "should fail"), ("sha2", 12345), ("fileUrl", "should fail"),
                         ("display", {}), ("display", "should error"),
                         ("description", {}), ("description", "should error"),
                         ("description", 12345)]),
    *(pytest.param({"attachments": [merged(ATTACHMENT, {key: {"de-419-DE": "x"}})]},
                   f"attachments[0].{key}.de-419-DE", id=f"attachment-{key}-bad-tag")
      for key in ["display", "description"]),
    *(pytest.param({"attachments": [without(ATTACHMENT, key)]}, f"attachments[0].{key}",
                   id=f"attachment-no-{key}")
      for key in ["usageType", "display", "contentType", "length", "sha2"]),
    # statements.js: case of keys (Data 2.2.s4.b1.b5)
    *(pytest.param({wrong: "x"}, wrong, id=f"key-case-{wrong}")
      for wrong in ["iD", "Actor", "veRb", "oBject", "RESULT", "conText", "timeStamp",
                    "attachmentS"]),
]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize(("parts", "path"), REJECTED_PARTS)
def test_suite_statement_expected_400_is_rejected_at_its_path(
        where: str, parts: dict[str, Any], path: str) -> None:
    candidate, prefix = at(where, parts)
    error = rejection(candidate)
    assert error.path == prefix + path
    assert str(error) == f"{prefix + path}: {error.problem}"


REJECTED_STATEMENTS = [
    *(pytest.param(without(DEFAULT, key), key, id=f"no-{key}")
      for key in ["actor", "verb", "object"]),
    *(pytest.param(statement({"id": value}), "id", id=f"id-{name}")
      for name, value in [("numeric", 12345), ("object", INVALID_OBJECT),
                          ("too-many-digits", TOO_MANY_DIGITS), ("not-hex", NOT_HEX)]),
    pytest.param(statement({"verb": VOIDED}), "object", id="voiding-an-activity"),
    # substatements.js (Data 2.4.4.3)
    pytest.param(statement({"object": merged(SUBSTATEMENT, {"objectType": "substatement"})}),
                 "object.objectType", id="substatement-objectType-case"),
    *(pytest.param(statement({"object": without(SUBSTATEMENT, key)}), f"object.{key}",
                   id=f"substatement-no-{key}") for key in ["actor", "verb", "object"]),
    pytest.param(statement({"object": merged(SUBSTATEMENT, {"object": SUBSTATEMENT})}),
                 "object.object.objectType", id="substatement-nested"),
    *(pytest.param(statement({"object": merged(SUBSTATEMENT, {key: value})}),
                   f"object.{key}", id=f"substatement-with-{key}")
      for key, value in [("id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
                         ("stored", "2013-05-18T05:32:34.804Z"), ("version", "1.0.0"),
                         ("authority", AGENT)]),
    *(pytest.param(statement({"object": SUBSTATEMENT, "context": without(CONTEXT, other)}),
                   f"context.{key}", id=f"{key}-with-substatement")
      for key, other in [("revision", "platform"), ("platform", "revision")]),
    # authorities.js (Data 2.4.9)
    pytest.param(statement({"authority": {"objectType": "Agent"}}), "authority",
                 id="authority-no-ifi"),
    pytest.param(statement({"authority": merged(AGENT, {"objectType": 123})}),
                 "authority.objectType", id="authority-objectType-numeric"),
    pytest.param(statement({"authority": merged(AGENT, {"name": 123})}),
                 "authority.name", id="authority-name-numeric"),
    *(pytest.param(statement({"authority": {**AUTHORITY_GROUP, **ifi}}), "authority",
                   id=f"authority-identified-group-{next(iter(ifi))}")
      for ifi in [{"mbox": "mailto:bob@example.com"},
                  {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
                  {"openid": "http://openid.example.org/12345"},
                  {"account": {"homePage": "http://www.example.com", "name": "xAPI"}}]),
    pytest.param(statement({"authority": IDENTIFIED_GROUPS["openid"]}), "authority",
                 id="authority-identified-group"),
    pytest.param(statement({"authority": {"objectType": "Group", "member": [
        {"mbox": "mailto:bob@example.com"}]}}), "authority.member", id="authority-one-member"),
    pytest.param(statement({"authority": {"objectType": "Group", "member": [
        *AUTHORITY_GROUP["member"], {"mbox": "mailto:james@example.com"}]}}),
        "authority.member", id="authority-three-members"),
    pytest.param(statement({"authority": {"objectType": "Group"}}), "authority.member",
                 id="authority-group-no-member"),
    # version.js (Data 2.4.10)
    *(pytest.param(statement({"version": value}), "version", id=f"version-{value}")
      for value in ["should fail", "0.9.9", "1.1.0", "2.0.0", 1.0]),
    pytest.param(statement({"stored": "01/011/2015"}), "stored", id="stored-invalid"),
    *(pytest.param(statement({wrong: value}), wrong, id=f"key-case-{wrong}")
      for wrong, value in [("STOred", "1787-09-17T09:33:32Z"), ("auTHORity", AGENT),
                           ("Version", "1.0.3")]),
    # MiscellaneousRequirements.js: a string where the objectType belongs
    pytest.param(statement({"actor": {"objectType": '"objectType": "Agent"'}}),
                 "actor.objectType", id="objectType-json-fragment"),
]


@pytest.mark.parametrize(("candidate", "path"), REJECTED_STATEMENTS)
def test_suite_whole_statement_expected_400_is_rejected_at_its_path(
        candidate: dict[str, Any], path: str) -> None:
    assert rejection(candidate).path == path


def test_suite_statement_lists_are_not_statements() -> None:
    assert rejection([DEFAULT]).path == "statement"

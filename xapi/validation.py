"""Validation of statements against xAPI 1.0.3 (Data part, section 2): their structure.

``tincan`` builds statements but does not check them strictly, so the store checks every
statement itself before it is written, as an LRS must (Data 2.2.s4: reject, with 400, anything the
specification does not allow). Errors name the property path (``object.definition.choices[1].id``)
and the problem, with the value and what would be accepted, because the sender has to be able to
fix the statement from the message alone.

This module knows which properties each part of a statement has and how they combine (verb,
object, result, context, attachments, sub-statements). What a single value must look like (an
IRI, a timestamp, a language map...) is :mod:`xapi.grammar`'s, and Agents and Groups are
:mod:`xapi.agents`'; their validators are re-exported here, so that ``xapi.validation`` offers
every check the LRS makes.

Where the specification and ADL's LRS conformance suite (``lrs-conformance-test-suite``, 1.0.3)
are more specific than each other, the stricter of the two is followed:

* empty objects are rejected everywhere but in ``extensions`` (XAPI-00001, which the suite tests
  for language maps and ``contextActivities``; the specification only says SHOULD NOT);
* an ``authority`` Group is an anonymous Group of exactly two Agents (Data 2.4.9, XAPI-00098);
* timestamps with a negative zero offset (``-00``, ``-0000``, ``-00:00``) are rejected;
* interaction component lists are only those of the ``interactionType`` (Data 2.4.4.1.s8).

The checks are plain type tests and regular expressions compiled once, so that thousands of
statements a second can pass through; nothing is copied.
"""

from __future__ import annotations

from typing import Any

from xapi.agents import (
    IFIS,
    validate_actor,
    validate_agent_parameter,
    validate_authority,
    validate_team,
)
from xapi.grammar import (
    StatementInvalid,
    expect_array,
    expect_boolean,
    expect_number,
    expect_object,
    expect_string,
    only_properties,
    require_properties,
    show,
    validate_duration,
    validate_extensions,
    validate_iri,
    validate_language_map,
    validate_language_tag,
    validate_media_type,
    validate_sha2,
    validate_timestamp,
    validate_uuid,
    validate_version,
)

__all__ = [
    "VOIDED_VERB",
    "StatementInvalid",
    "validate_activity_id",
    # Re-exported from xapi.agents and xapi.grammar, where they live:
    "validate_actor",
    "validate_agent_parameter",
    "validate_authority",
    "validate_iri",
    "validate_language_tag",
    "validate_statement",
    "validate_timestamp",
    "validate_uuid",
]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

# --- property sets (Data 2.4) --------------------------------------------------------------------

_STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp",
                             "stored", "authority", "version", "attachments"})
#: A SubStatement MUST NOT have "id", "stored", "version" or "authority" (Data 2.4.4.3.s2).
_SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context",
                                "timestamp", "attachments"})
_VERB_KEYS = frozenset({"id", "display"})
_ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
_STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions",
                              "interactionType", "correctResponsesPattern", *_COMPONENT_LISTS})
_COMPONENT_KEYS = frozenset({"id", "description"})
#: Which interaction component lists each interactionType uses (Data 2.4.4.1.s8, table 2).
_INTERACTION_TYPES: dict[str, tuple[str, ...]] = {
    "true-false": (), "choice": ("choices",), "fill-in": (), "long-fill-in": (),
    "matching": ("source", "target"), "performance": ("steps",), "sequencing": ("choices",),
    "likert": ("scale",), "numeric": (), "other": (),
}
_RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS = frozenset({"registration", "instructor", "team", "contextActivities", "revision",
                           "platform", "language", "statement", "extensions"})
_CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
_ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length",
                              "sha2", "fileUrl"})
_OBJECT_TYPES = ("Activity", "Agent", "Group", "SubStatement", "StatementRef")


# --- public API ----------------------------------------------------------------------------------


def validate_statement(statement: Any) -> None:
    """Raise :class:`StatementInvalid` unless ``statement`` is a valid xAPI 1.0.3 statement.

    Paths are relative to the statement (``actor.mbox``); ``statement`` is the whole of it.
    ``stored`` and ``authority`` sent by a client are checked like everything else: the LRS
    accepts them and then sets its own (Data 2.4.8, 2.4.9).
    """
    obj = expect_object(statement, "statement")
    only_properties(obj, _STATEMENT_KEYS, "")
    require_properties(obj, ("actor", "verb", "object"), "")
    if "id" in obj:
        validate_uuid(obj["id"], "id")
    validate_actor(obj["actor"], "actor")
    verb_id = _verb(obj["verb"], "verb")
    kind = _statement_object(obj["object"], "object", substatement_allowed=True)
    if verb_id == VOIDED_VERB and kind != "StatementRef":
        raise StatementInvalid("object", f"a voiding statement (verb {VOIDED_VERB}) must have "
                                         f"a StatementRef as its object, not {_a(kind)}")
    _tail(obj, "", kind)
    if "stored" in obj:
        validate_timestamp(obj["stored"], "stored")
    if "authority" in obj:
        validate_authority(obj["authority"], "authority")
    if "version" in obj:
        validate_version(obj["version"], "version")


def validate_activity_id(value: Any, path: str = "activityId") -> None:
    """An Activity id: an absolute IRI."""
    validate_iri(value, path)


def _a(object_type: str) -> str:
    return f"an {object_type}" if object_type[0] in "AEIOU" else f"a {object_type}"


# --- verb (Data 2.4.3) ---------------------------------------------------------------------------


def _verb(value: Any, path: str) -> str:
    verb = expect_object(value, path)
    only_properties(verb, _VERB_KEYS, f"{path}.")
    require_properties(verb, ("id",), f"{path}.")
    validate_iri(verb["id"], f"{path}.id")
    if "display" in verb:
        validate_language_map(verb["display"], f"{path}.display")
    return verb["id"]


# --- object (Data 2.4.4) -------------------------------------------------------------------------


def _statement_object(value: Any, path: str, *, substatement_allowed: bool) -> str:
    """Check a statement's object and return its objectType ("Activity" if left out)."""
    obj = expect_object(value, path)
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        if "objectType" not in obj and "id" not in obj and any(
                key in obj for key in (*IFIS, "member")):
            raise StatementInvalid(f"{path}.objectType", "is required when the object is an "
                                                         "Agent or Group (Data 2.4.4.2)")
        _activity(obj, path)
    elif kind in ("Agent", "Group"):
        validate_actor(obj, path)
    elif kind == "StatementRef":
        _statement_ref(obj, path)
    elif kind == "SubStatement":
        if not substatement_allowed:
            raise StatementInvalid(f"{path}.objectType", "a SubStatement cannot contain another "
                                                         "SubStatement")
        _substatement(obj, path)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{show(kind)} is not one of "
                                                     f"{', '.join(_OBJECT_TYPES)} "
                                                     "(case-sensitive)")
    return kind


def _activity(obj: dict[str, Any], path: str) -> None:
    only_properties(obj, _ACTIVITY_KEYS, f"{path}.")
    if obj.get("objectType", "Activity") != "Activity":
        raise StatementInvalid(f"{path}.objectType", f"{show(obj['objectType'])} is not "
                                                     "\"Activity\"")
    require_properties(obj, ("id",), f"{path}.")
    validate_iri(obj["id"], f"{path}.id")
    if "definition" in obj:
        _definition(obj["definition"], f"{path}.definition")


def _definition(value: Any, path: str) -> None:
    definition = expect_object(value, path)
    only_properties(definition, _DEFINITION_KEYS, f"{path}.")
    for key in ("name", "description"):
        if key in definition:
            validate_language_map(definition[key], f"{path}.{key}")
    if "type" in definition:
        validate_iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        validate_iri(definition["moreInfo"], f"{path}.moreInfo")
    if "extensions" in definition:
        validate_extensions(definition["extensions"], f"{path}.extensions")
    interaction = definition.get("interactionType")
    if interaction is None:
        if "interactionType" in definition:
            expect_string(interaction, f"{path}.interactionType")
        for key in ("correctResponsesPattern", *_COMPONENT_LISTS):
            if key in definition:
                raise StatementInvalid(f"{path}.interactionType", f"is required when {key} is "
                                                                  "given")
        return
    if expect_string(interaction, f"{path}.interactionType") not in _INTERACTION_TYPES:
        raise StatementInvalid(f"{path}.interactionType", f"{show(interaction)} is not one of "
                                                          f"{', '.join(_INTERACTION_TYPES)} "
                                                          "(case-sensitive)")
    if "correctResponsesPattern" in definition:
        pattern_path = f"{path}.correctResponsesPattern"
        patterns = expect_array(definition["correctResponsesPattern"], pattern_path)
        for i, pattern in enumerate(patterns):
            expect_string(pattern, f"{pattern_path}[{i}]")
    uses = _INTERACTION_TYPES[interaction]
    for key in _COMPONENT_LISTS:
        if key not in definition:
            continue
        if key not in uses:
            used = " and ".join(uses) if uses else "no component lists"
            raise StatementInvalid(f"{path}.{key}", f"is not used by a {show(interaction)} "
                                                    f"interaction (it uses {used})")
        _components(definition[key], f"{path}.{key}")


def _components(value: Any, path: str) -> None:
    first_index: dict[str, int] = {}
    for i, component in enumerate(expect_array(value, path)):
        component_id = component.get("id") if type(component) is dict else None
        if type(component_id) is not str or not component.keys() <= _COMPONENT_KEYS:
            component_path = f"{path}[{i}]"  # find and name the problem
            only_properties(expect_object(component, component_path), _COMPONENT_KEYS,
                            f"{component_path}.")
            require_properties(component, ("id",), f"{component_path}.")
            expect_string(component["id"], f"{component_path}.id")
        if component_id in first_index:
            raise StatementInvalid(f"{path}[{i}].id", f"{show(component_id)} is already the id "
                                                      f"of [{first_index[component_id]}]; ids in "
                                                      "a list must be distinct")
        first_index[component_id] = i
        if "description" in component:
            validate_language_map(component["description"], f"{path}[{i}].description")


def _statement_ref(obj: dict[str, Any], path: str) -> None:
    only_properties(obj, _STATEMENT_REF_KEYS, f"{path}.")
    if obj.get("objectType") != "StatementRef":
        raise StatementInvalid(f"{path}.objectType", "must be \"StatementRef\"")
    require_properties(obj, ("id",), f"{path}.")
    validate_uuid(obj["id"], f"{path}.id")


def _substatement(obj: dict[str, Any], path: str) -> None:
    prefix = f"{path}."
    only_properties(obj, _SUBSTATEMENT_KEYS, prefix)
    require_properties(obj, ("actor", "verb", "object"), prefix)
    validate_actor(obj["actor"], f"{prefix}actor")
    _verb(obj["verb"], f"{prefix}verb")
    kind = _statement_object(obj["object"], f"{prefix}object", substatement_allowed=False)
    _tail(obj, prefix, kind)


def _tail(obj: dict[str, Any], prefix: str, object_kind: str) -> None:
    """Result, context, timestamp and attachments: shared by statements and sub-statements."""
    if "result" in obj:
        _result(obj["result"], f"{prefix}result")
    if "context" in obj:
        _context(obj["context"], f"{prefix}context", object_kind)
    if "timestamp" in obj:
        validate_timestamp(obj["timestamp"], f"{prefix}timestamp")
    if "attachments" in obj:
        for i, attachment in enumerate(expect_array(obj["attachments"], f"{prefix}attachments")):
            _attachment(attachment, f"{prefix}attachments[{i}]")


# --- result (Data 2.4.5) -------------------------------------------------------------------------


def _result(value: Any, path: str) -> None:
    result = expect_object(value, path)
    only_properties(result, _RESULT_KEYS, f"{path}.")
    if "score" in result:
        _score(result["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in result:
            expect_boolean(result[key], f"{path}.{key}")
    if "response" in result:
        expect_string(result["response"], f"{path}.response")
    if "duration" in result:
        validate_duration(result["duration"], f"{path}.duration")
    if "extensions" in result:
        validate_extensions(result["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    score = expect_object(value, path)
    only_properties(score, _SCORE_KEYS, f"{path}.")
    for key, number in score.items():
        expect_number(number, f"{path}.{key}")
    scaled = score.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        raise StatementInvalid(f"{path}.scaled", f"{scaled} is outside -1 to 1")
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and low >= high:
        raise StatementInvalid(f"{path}.min", f"{low} must be less than max ({high})")
    if raw is not None and low is not None and raw < low:
        raise StatementInvalid(f"{path}.raw", f"{raw} is less than min ({low})")
    if raw is not None and high is not None and raw > high:
        raise StatementInvalid(f"{path}.raw", f"{raw} is more than max ({high})")


# --- context (Data 2.4.6) ------------------------------------------------------------------------


def _context(value: Any, path: str, object_kind: str) -> None:
    context = expect_object(value, path)
    only_properties(context, _CONTEXT_KEYS, f"{path}.")
    if "registration" in context:
        validate_uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        validate_actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        validate_team(context["team"], f"{path}.team")
    for key in ("revision", "platform"):
        if key in context:
            expect_string(context[key], f"{path}.{key}")
            if object_kind != "Activity":
                raise StatementInvalid(f"{path}.{key}", "is only allowed when the statement's "
                                                        f"object is an Activity, not "
                                                        f"{_a(object_kind)}")
    if "language" in context:
        validate_language_tag(context["language"], f"{path}.language")
    if "statement" in context:
        statement_path = f"{path}.statement"
        _statement_ref(expect_object(context["statement"], statement_path), statement_path)
    if "contextActivities" in context:
        _context_activities(context["contextActivities"], f"{path}.contextActivities")
    if "extensions" in context:
        validate_extensions(context["extensions"], f"{path}.extensions")


def _context_activities(value: Any, path: str) -> None:
    activities = expect_object(value, path)
    only_properties(activities, _CONTEXT_ACTIVITY_KEYS, f"{path}.")
    for key, entries in activities.items():
        if type(entries) is list:
            for i, entry in enumerate(entries):
                _activity(expect_object(entry, f"{path}.{key}[{i}]"), f"{path}.{key}[{i}]")
        else:
            _activity(expect_object(entries, f"{path}.{key}"), f"{path}.{key}")


# --- attachments (Data 2.4.11) -------------------------------------------------------------------


def _attachment(value: Any, path: str) -> None:
    attachment = expect_object(value, path)
    only_properties(attachment, _ATTACHMENT_KEYS, f"{path}.")
    require_properties(attachment, ("usageType", "display", "contentType", "length", "sha2"),
                       f"{path}.")
    validate_iri(attachment["usageType"], f"{path}.usageType")
    validate_language_map(attachment["display"], f"{path}.display")
    if "description" in attachment:
        validate_language_map(attachment["description"], f"{path}.description")
    validate_media_type(attachment["contentType"], f"{path}.contentType")
    length = attachment["length"]
    if type(length) is not int or length < 0:
        raise StatementInvalid(f"{path}.length", f"must be a whole number of octets, not "
                                                 f"{show(length)}")
    validate_sha2(attachment["sha2"], f"{path}.sha2")
    if "fileUrl" in attachment:
        validate_iri(attachment["fileUrl"], f"{path}.fileUrl")

"""Validation of statements against xAPI 1.0.3 (Data part, section 2).

``tincan`` builds statements but does not check them strictly, so the store checks every
statement itself before it is written. Errors name the property path (``object.definition.name``)
and the problem, because the sender has to be able to fix their statement from the message alone.

This covers the structure and value rules of the statement object types; issue-level conformance
work (the ADL suite) extends it rather than replacing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import aniso8601

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                   "authority", "version", "attachments"}
_SUBSTATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp",
                      "attachments"}


class StatementInvalid(ValueError):
    """A statement breaks the specification; ``path`` says where, ``problem`` says what."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def validate_statement(statement: Any) -> None:
    """Raise :class:`StatementInvalid` unless ``statement`` is a valid xAPI 1.0.3 statement."""
    obj = _object(statement, "statement")
    _only(obj, _STATEMENT_KEYS, "statement")
    for key in ("actor", "verb", "object"):
        _require(obj, key, "statement")
    if "id" in obj:
        _uuid(obj["id"], "id")
    _actor(obj["actor"], "actor")
    _verb(obj["verb"], "verb")
    _statement_object(obj["object"], "object", substatement_allowed=True)
    if obj["verb"].get("id") == VOIDED_VERB and obj["object"].get("objectType") != "StatementRef":
        raise StatementInvalid("object", "a voiding statement's object must be a StatementRef")
    _common_tail(obj, "")
    if "stored" in obj:
        _timestamp(obj["stored"], "stored")
    if "authority" in obj:
        _actor(obj["authority"], "authority")
    if "version" in obj:
        version = obj["version"]
        if not isinstance(version, str) or not re.fullmatch(r"1\.0(\.\d+)?", version):
            raise StatementInvalid("version", f"{version!r} is not a 1.0.x version")


def validate_actor(actor: Any, path: str = "actor") -> None:
    """Raise :class:`StatementInvalid` unless ``actor`` is a valid Agent or Group."""
    _actor(actor, path)


def _common_tail(obj: Mapping[str, Any], prefix: str) -> None:
    """Result, context, timestamp and attachments: shared by statements and sub-statements."""
    if "result" in obj:
        _result(obj["result"], f"{prefix}result")
    if "context" in obj:
        _context(obj["context"], f"{prefix}context", obj["object"])
    if "timestamp" in obj:
        _timestamp(obj["timestamp"], f"{prefix}timestamp")
    if "attachments" in obj:
        for i, attachment in enumerate(_list(obj["attachments"], f"{prefix}attachments")):
            _attachment(attachment, f"{prefix}attachments[{i}]")


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise StatementInvalid(path, f"must be a JSON object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise StatementInvalid(path, f"must be a JSON array, got {type(value).__name__}")
    return value


def _only(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise StatementInvalid(f"{path}.{unknown[0]}", "is not a property allowed here")


def _require(obj: Mapping[str, Any], key: str, path: str) -> None:
    if key not in obj:
        raise StatementInvalid(f"{path}.{key}", "is required")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise StatementInvalid(path, f"must be a string, got {type(value).__name__}")
    return value


def _iri(value: Any, path: str) -> None:
    if not _IRI.match(_string(value, path)):
        raise StatementInvalid(path, f"{value!r} is not an absolute IRI")


def _uuid(value: Any, path: str) -> None:
    if not _UUID.match(_string(value, path)):
        raise StatementInvalid(path, f"{value!r} is not a UUID in its standard form "
                                     "(8-4-4-4-12 hexadecimal digits)")


def _timestamp(value: Any, path: str) -> None:
    try:
        aniso8601.parse_datetime(_string(value, path))
    except (ValueError, NotImplementedError):
        raise StatementInvalid(path, f"{value!r} is not an ISO 8601 timestamp") from None


def _duration(value: Any, path: str) -> None:
    try:
        aniso8601.parse_duration(_string(value, path))
    except (ValueError, NotImplementedError):
        raise StatementInvalid(path, f"{value!r} is not an ISO 8601 duration") from None


def _language_map(value: Any, path: str) -> None:
    for tag, text in _object(value, path).items():
        if not _LANGUAGE_TAG.match(tag):
            raise StatementInvalid(f"{path}.{tag}", "is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}")


def _extensions(value: Any, path: str) -> None:
    for key in _object(value, path):
        _iri(key, f"{path}[{key!r}]")


def _actor(value: Any, path: str) -> None:
    actor = _object(value, path)
    kind = actor.get("objectType", "Agent")
    if kind == "Group":
        _group(actor, path)
    elif kind == "Agent":
        _only(actor, {"objectType", "name", *_IFIS}, path)
        _ifi(actor, path, required=True)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{kind!r} is not Agent or Group")
    if "name" in actor:
        _string(actor["name"], f"{path}.name")


def _group(group: Mapping[str, Any], path: str) -> None:
    _only(group, {"objectType", "name", "member", *_IFIS}, path)
    identified = _ifi(group, path, required=False)
    if not identified and "member" not in group:
        raise StatementInvalid(f"{path}.member", "is required for an anonymous group")
    for i, member in enumerate(_list(group.get("member", []), f"{path}.member")):
        member_path = f"{path}.member[{i}]"
        if _object(member, member_path).get("objectType", "Agent") != "Agent":
            raise StatementInvalid(f"{member_path}.objectType", "group members must be agents")
        _actor(member, member_path)


def _ifi(actor: Mapping[str, Any], path: str, *, required: bool) -> bool:
    present = [key for key in _IFIS if key in actor]
    if len(present) > 1:
        raise StatementInvalid(path, f"has {len(present)} identifiers ({', '.join(present)}); "
                                     "exactly one is allowed")
    if not present:
        if required:
            raise StatementInvalid(path, "needs exactly one of mbox, mbox_sha1sum, openid, account")
        return False
    key = present[0]
    value = actor[key]
    if key == "mbox" and not (isinstance(value, str) and _MAILTO.match(value)):
        raise StatementInvalid(f"{path}.mbox", f"{value!r} is not a mailto: IRI")
    if key == "mbox_sha1sum" and not (isinstance(value, str) and _SHA1.match(value)):
        raise StatementInvalid(f"{path}.mbox_sha1sum", "must be 40 hexadecimal characters")
    if key == "openid":
        _iri(value, f"{path}.openid")
    if key == "account":
        account = _object(value, f"{path}.account")
        _only(account, {"homePage", "name"}, f"{path}.account")
        for part in ("homePage", "name"):
            _require(account, part, f"{path}.account")
        _iri(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
    return True


def _verb(value: Any, path: str) -> None:
    verb = _object(value, path)
    _only(verb, {"id", "display"}, path)
    _require(verb, "id", path)
    _iri(verb["id"], f"{path}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.display")


def _statement_object(value: Any, path: str, *, substatement_allowed: bool) -> None:
    obj = _object(value, path)
    kind = obj.get("objectType", "Activity")
    handlers: dict[str, Callable[[Mapping[str, Any], str], None]] = {
        "Activity": _activity,
        "Agent": _actor,
        "Group": _actor,
        "StatementRef": _statement_ref,
    }
    if kind == "SubStatement":
        if not substatement_allowed:
            raise StatementInvalid(f"{path}.objectType", "a SubStatement cannot contain another")
        _substatement(obj, path)
    elif kind in handlers:
        handlers[kind](obj, path)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{kind!r} is not a statement object type")


def _activity(obj: Mapping[str, Any], path: str) -> None:
    _only(obj, {"objectType", "id", "definition"}, path)
    _require(obj, "id", path)
    _iri(obj["id"], f"{path}.id")
    if "definition" not in obj:
        return
    definition_path = f"{path}.definition"
    definition = _object(obj["definition"], definition_path)
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{definition_path}.{key}")
    for key in ("type", "moreInfo"):
        if key in definition:
            _iri(definition[key], f"{definition_path}.{key}")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{definition_path}.extensions")


def _statement_ref(obj: Mapping[str, Any], path: str) -> None:
    _only(obj, {"objectType", "id"}, path)
    _require(obj, "id", path)
    _uuid(obj["id"], f"{path}.id")


def _substatement(obj: Mapping[str, Any], path: str) -> None:
    _only(obj, _SUBSTATEMENT_KEYS, path)
    for key in ("actor", "verb", "object"):
        _require(obj, key, path)
    _actor(obj["actor"], f"{path}.actor")
    _verb(obj["verb"], f"{path}.verb")
    _statement_object(obj["object"], f"{path}.object", substatement_allowed=False)
    _common_tail(obj, f"{path}.")


def _result(value: Any, path: str) -> None:
    result = _object(value, path)
    _only(result, {"score", "success", "completion", "response", "duration", "extensions"}, path)
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            raise StatementInvalid(f"{path}.{key}", "must be true or false")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result:
        _duration(result["duration"], f"{path}.duration")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")
    if "score" in result:
        _score(result["score"], f"{path}.score")


def _score(value: Any, path: str) -> None:
    score = _object(value, path)
    _only(score, {"scaled", "raw", "min", "max"}, path)
    for key, number in score.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise StatementInvalid(f"{path}.{key}", "must be a number")
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        raise StatementInvalid(f"{path}.scaled", f"{score['scaled']} is outside -1 to 1")
    low, high = score.get("min"), score.get("max")
    if low is not None and high is not None and low >= high:
        raise StatementInvalid(f"{path}.min", "must be less than max")
    raw = score.get("raw")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        raise StatementInvalid(f"{path}.raw", f"{raw} is outside min to max")


def _context(value: Any, path: str, statement_object: Mapping[str, Any]) -> None:
    context = _object(value, path)
    _only(context, {"registration", "instructor", "team", "contextActivities", "revision",
                    "platform", "language", "statement", "extensions"}, path)
    if "registration" in context:
        _uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        if _object(context["team"], f"{path}.team").get("objectType") != "Group":
            raise StatementInvalid(f"{path}.team", "must be a Group")
        _actor(context["team"], f"{path}.team")
    is_activity = statement_object.get("objectType", "Activity") == "Activity"
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], f"{path}.{key}")
            if not is_activity:
                raise StatementInvalid(f"{path}.{key}", "is only allowed when the object is an "
                                                        "activity")
    if "language" in context and not _LANGUAGE_TAG.match(_string(context["language"],
                                                                   f"{path}.language")):
        raise StatementInvalid(f"{path}.language", "is not an RFC 5646 language tag")
    if "statement" in context:
        _statement_ref(_object(context["statement"], f"{path}.statement"), f"{path}.statement")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")
    if "contextActivities" in context:
        activities_path = f"{path}.contextActivities"
        activities = _object(context["contextActivities"], activities_path)
        _only(activities, {"parent", "grouping", "category", "other"}, activities_path)
        for key, entries in activities.items():
            listed = entries if isinstance(entries, list) else [entries]
            for i, entry in enumerate(listed):
                _activity(_object(entry, f"{activities_path}.{key}[{i}]"),
                          f"{activities_path}.{key}[{i}]")


def _attachment(value: Any, path: str) -> None:
    attachment = _object(value, path)
    _only(attachment, {"usageType", "display", "description", "contentType", "length", "sha2",
                       "fileUrl"}, path)
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        _require(attachment, key, path)
    _iri(attachment["usageType"], f"{path}.usageType")
    _language_map(attachment["display"], f"{path}.display")
    if not isinstance(attachment["length"], int) or attachment["length"] < 0:
        raise StatementInvalid(f"{path}.length", "must be a non-negative integer")
    _string(attachment["sha2"], f"{path}.sha2")

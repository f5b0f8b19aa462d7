"""Validation of statements against xAPI 1.0.3 (Data part, sections 2 and 4).

``tincan`` builds statements but does not check them strictly, so the store checks every
statement itself before it is written, as an LRS must (Data 2.2.s4: reject, with 400, anything the
specification does not allow). Errors name the property path (``object.definition.choices[1].id``)
and the problem, with the value and what would be accepted, because the sender has to be able to
fix the statement from the message alone.

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

import json
import math
import re
from datetime import date
from typing import Any

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"


class StatementInvalid(ValueError):
    """A statement breaks the specification; ``path`` says where, ``problem`` says what."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# --- formats (Data 4) ----------------------------------------------------------------------------

#: An absolute IRI (RFC 3987): a scheme, a colon, then no spaces, controls or characters that are
#: never allowed unescaped, and ``%`` only as a percent-escape. Best-effort, as Data 2.2.s4.b6
#: allows; it is what rejects the suite's ``ab=c://should.fail.com`` and ``should fail``.
_IRI_CHARS = r"[^\x00-\x20\x7f-\x9f<>\"{}|\\^`%]"
_IRI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*+:(?:{_IRI_CHARS}++|(?=%))(?:%[0-9A-Fa-f]{{2}}{_IRI_CHARS}*+)*+"
)
_MAILTO = re.compile(r"mailto:[^@\s<>\"]+@[^@\s<>\"]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_SHA2_LENGTHS = (56, 64, 96, 128)  # SHA-224, SHA-256, SHA-384, SHA-512 in hexadecimal
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VERSION = re.compile(r"1\.0(?:\.[0-9]+)?")

#: RFC 5646 section 2.1 (the ABNF of a well-formed tag), case-insensitive, less the 4-letter
#: primary language subtags that 2.2.1 reserves for future use: the suite rejects ``test`` as a
#: language map key.
_LANGUAGE_TAG = re.compile(
    r"""
    (?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{5,8})           # language, with extlangs
      (?:-[a-z]{4})?                                         # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                            # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*               # variants
      (?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*                    # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                             # private use
    | x(?:-[a-z0-9]{1,8})+                                   # private use only
    | en-gb-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)
    | sgn-(?:be-fr|be-nl|ch-de)                              # irregular grandfathered tags
    | art-lojban|cel-gaulish|no-bok|no-nyn|zh-(?:guoyu|hakka|min|min-nan|xiang)
    )
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)
_SINGLETON = re.compile(r"-[a-wyz0-9]-", re.ASCII | re.IGNORECASE)

#: ISO 8601 combined date and time, all extended or all basic (the offset may be either form,
#: as ``+0000`` is common and the suite treats it as valid but for its sign). Calendar, week and
#: ordinal dates; the time may be reduced to hours or minutes, with a fraction on the last part.
_TIMESTAMP_COMMON = re.compile(  # the usual shape, checked first because it is quicker
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)
_TIMESTAMP_EXTENDED = re.compile(
    r"(\d{4})-(?:(\d{2})-(\d{2})|W(\d{2})-(\d)|(\d{3}))"
    r"T(\d{2})(?::(\d{2})(?::(\d{2}))?)?(?:[.,]\d+)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)
_TIMESTAMP_BASIC = re.compile(
    r"(\d{4})(?:(\d{2})(\d{2})|W(\d{2})(\d)|(\d{3}))"
    r"T(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,]\d+)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)

#: ISO 8601:2004 4.4.3.2 durations (the alternative format of 4.4.3.3 MUST NOT be used, Data 4.6):
#: ``PnYnMnDTnHnMnS`` with any parts left out but at least one given, or ``PnW`` on its own.
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}W|(?=\d|T\d)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?)",
    re.ASCII,
)
_FRACTION_LAST = re.compile(r"[.,][0-9]+[A-Z]\Z")

#: RFC 2045/6838 ``type/subtype`` with optional ``; name=value`` parameters.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*[ \t]*"
)

#: Values already found valid, so that what statements repeat (verb ids, activity types, extension
#: keys, "en-US") is checked once. Bounded: emptied when full.
_KNOWN_IRIS: set[str] = set()
_KNOWN_TAGS: set[str] = set()
_KNOWN_LIMIT = 4096

_JSON_TYPES = {str: "a string", bool: "a boolean", int: "a number", float: "a number",
               list: "an array", dict: "an object", type(None): "null"}

# --- property sets (Data 2.4) --------------------------------------------------------------------

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp",
                             "stored", "authority", "version", "attachments"})
#: A SubStatement MUST NOT have "id", "stored", "version" or "authority" (Data 2.4.4.3.s2).
_SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context",
                                "timestamp", "attachments"})
_AGENT_KEYS = frozenset({"objectType", "name", *_IFIS})
_GROUP_KEYS = frozenset({"objectType", "name", "member", *_IFIS})
_ACCOUNT_KEYS = frozenset({"homePage", "name"})
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
    obj = _object(statement, "statement")
    _only(obj, _STATEMENT_KEYS, "")
    _require(obj, ("actor", "verb", "object"), "")
    if "id" in obj:
        _uuid(obj["id"], "id")
    _actor(obj["actor"], "actor")
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
        version = obj["version"]
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise StatementInvalid("version", f"{_show(version)} is not an xAPI 1.0.x version "
                                              "(such as \"1.0.3\")")


def validate_actor(actor: Any, path: str = "actor") -> None:
    """Raise :class:`StatementInvalid` unless ``actor`` is a valid Agent or Group."""
    _actor(actor, path)


def validate_authority(authority: Any, path: str = "authority") -> None:
    """An Agent, or an anonymous Group of exactly two Agents (OAuth consumer and user)."""
    _actor(authority, path)
    if authority.get("objectType") == "Group":
        if any(key in authority for key in _IFIS):
            raise StatementInvalid(path, "an authority Group must be anonymous (no mbox, "
                                         "mbox_sha1sum, openid or account): it stands for an "
                                         "OAuth consumer and a user")
        if len(authority["member"]) != 2:
            raise StatementInvalid(f"{path}.member", f"an authority Group has exactly two "
                                                     f"members, not {len(authority['member'])}")


def validate_agent_parameter(agent: Any, path: str = "agent") -> None:
    """The ``agent`` query parameter: an Agent, or a Group identified by an IFI."""
    _actor(agent, path)
    if agent.get("objectType") == "Group" and not any(key in agent for key in _IFIS):
        raise StatementInvalid(path, "an anonymous Group cannot be used here; give an Agent or a "
                                     "Group with one of mbox, mbox_sha1sum, openid, account")


def validate_activity_id(value: Any, path: str = "activityId") -> None:
    """An Activity id: an absolute IRI."""
    _iri(value, path)


def validate_iri(value: Any, path: str) -> None:
    """An absolute IRI (a verb id in a query, an extension key...)."""
    _iri(value, path)


def validate_uuid(value: Any, path: str) -> None:
    """A UUID in its 8-4-4-4-12 form (statement ids, registrations)."""
    _uuid(value, path)


def validate_language_tag(value: Any, path: str = "language") -> None:
    """An RFC 5646 language tag (well-formed; the registry is not consulted)."""
    if not _is_language_tag(_string(value, path)):
        raise StatementInvalid(path, f"{_show(value)} is not an RFC 5646 language tag "
                                     "(such as \"en\", \"en-GB\" or \"zh-Hant-TW\")")


def validate_timestamp(value: Any, path: str = "timestamp") -> None:
    """An ISO 8601 date and time, as Data 4.5 requires (also for ``since``/``until``).

    Everything accepted here can be read by ``aniso8601.parse_datetime``.
    """
    text = _string(value, path)
    match = _TIMESTAMP_COMMON.fullmatch(text)
    if match is not None:
        year, month, day, hour, minute, second, offset = match.groups()
        problem = _timestamp_problem(year, month, day, None, None, None, hour, minute, second,
                                     offset)
    else:
        match = _TIMESTAMP_EXTENDED.fullmatch(text) or _TIMESTAMP_BASIC.fullmatch(text)
        if match is None:
            raise StatementInvalid(path, f"{_show(value)} is not an ISO 8601 date and time "
                                         "(such as \"2024-03-01T09:30:00.000Z\")")
        problem = _timestamp_problem(*match.groups())
    if problem:
        raise StatementInvalid(path, f"{_show(value)} {problem}")


# --- JSON shapes ---------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as the sender wrote it (JSON), shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _a(object_type: str) -> str:
    return f"an {object_type}" if object_type[0] in "AEIOU" else f"a {object_type}"


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _object(value: Any, path: str, *, empty: bool = False) -> dict[str, Any]:
    if type(value) is not dict:
        raise StatementInvalid(path, f"must be an object, not {_kind(value)}")
    if not value and not empty:
        raise StatementInvalid(path, "must not be an empty object (leave the property out)")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if type(value) is not list:
        raise StatementInvalid(path, f"must be an array, not {_kind(value)}")
    return value


def _string(value: Any, path: str) -> str:
    if type(value) is not str:
        raise StatementInvalid(path, f"must be a string, not {_kind(value)}")
    return value


def _number(value: Any, path: str) -> float:
    kind = type(value)
    if kind is not int and kind is not float:
        raise StatementInvalid(path, f"must be a number, not {_kind(value)}")
    if kind is float and not math.isfinite(value):
        raise StatementInvalid(path, "must be a finite number")
    return value


def _boolean(value: Any, path: str) -> None:
    if type(value) is not bool:
        raise StatementInvalid(path, f"must be true or false, not {_kind(value)} {_show(value)}")


def _only(obj: dict[str, Any], allowed: frozenset[str], prefix: str) -> None:
    if obj.keys() <= allowed:
        return
    unknown = next(key for key in obj if key not in allowed)
    raise StatementInvalid(f"{prefix}{unknown}", f"is not a property allowed here (allowed, "
                                                 f"case-sensitive: {', '.join(sorted(allowed))})")


def _require(obj: dict[str, Any], keys: tuple[str, ...], prefix: str) -> None:
    for key in keys:
        if key not in obj:
            raise StatementInvalid(f"{prefix}{key}", "is required")


def _remember(known: set[str], value: str) -> None:
    if len(known) >= _KNOWN_LIMIT:
        known.clear()
    known.add(value)


def _is_iri(value: Any) -> bool:
    if type(value) is not str:
        return False
    if value in _KNOWN_IRIS:
        return True
    if _IRI.fullmatch(value) is None:
        return False
    _remember(_KNOWN_IRIS, value)
    return True


def _iri(value: Any, path: str) -> None:
    if not _is_iri(_string(value, path)):
        raise StatementInvalid(path, f"{_show(value)} is not an absolute IRI (a scheme such as "
                                     "https: then the rest, with no spaces)")


def _uuid(value: Any, path: str) -> None:
    if not _UUID.fullmatch(_string(value, path)):
        raise StatementInvalid(path, f"{_show(value)} is not a UUID in its standard form "
                                     "(8-4-4-4-12 hexadecimal digits)")


def _is_language_tag(tag: Any) -> bool:
    if type(tag) is not str:
        return False
    if tag in _KNOWN_TAGS:
        return True
    if not _LANGUAGE_TAG.fullmatch(tag):
        return False
    if _SINGLETON.search(tag):
        # RFC 5646 2.2.6: each extension singleton at most once (before any private use).
        seen = set()
        for subtag in tag.lower().split("-")[1:]:
            if subtag == "x":
                break
            if len(subtag) == 1:
                if subtag in seen:
                    return False
                seen.add(subtag)
    _remember(_KNOWN_TAGS, tag)
    return True


def _language_map(value: Any, path: str) -> None:
    for tag, text in _object(value, path).items():
        if not _is_language_tag(tag):
            raise StatementInvalid(f"{path}.{tag}", "is not an RFC 5646 language tag (such as "
                                                    "\"en\", \"en-GB\" or \"zh-Hant-TW\")")
        if type(text) is not str:
            _string(text, f"{path}.{tag}")


def _extensions(value: Any, path: str) -> None:
    """Keys are IRIs; values are anything, null included (Data 4.1)."""
    for key in _object(value, path, empty=True):
        if not _is_iri(key):
            raise StatementInvalid(f"{path}[{key!r}]", "an extension key must be an absolute IRI "
                                                       "(such as https://example.com/ext/role)")


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _timestamp_problem(year: str, month: str | None, day: str | None, week: str | None,
                       weekday: str | None, yearday: str | None, hour: str,
                       minute: str | None, second: str | None, offset: str | None) -> str:
    """What is wrong with the parts of a timestamp that matched the pattern, or ''."""
    y = int(year)
    if y == 0:
        return "has year 0000, which is not supported (years run from 0001)"
    if month is not None:
        m = int(month)
        if not 1 <= m <= 12:
            return f"has month {month}, not 01 to 12"
        if not 1 <= int(day or 0) <= _days_in_month(y, m):
            return f"has day {day}, not a day of {year}-{month}"
    elif week is not None:
        try:
            date.fromisocalendar(y, int(week), int(weekday or 0))
        except ValueError:
            return f"has week {week} day {weekday}, not a day of {year}"
    elif not 1 <= int(yearday or 0) <= (366 if _days_in_month(y, 2) == 29 else 365):
        return f"has day {yearday} of the year, not a day of {year}"
    if int(hour) > 23:
        return f"has hour {hour}, not 00 to 23 (write 24:00 as 00:00 of the next day)"
    if minute is not None and int(minute) > 59:
        return f"has minute {minute}, not 00 to 59"
    if second is not None and int(second) > 59:
        return f"has second {second}, not 00 to 59 (leap seconds are not supported)"
    if offset and offset != "Z":
        hours, minutes = int(offset[1:3]), (int(offset[-2:]) if len(offset) > 3 else 0)
        if hours > 23 or minutes > 59:
            return f"has offset {offset}, which is not a time zone offset"
        if offset[0] == "-" and hours == 0 and minutes == 0:
            return f"has offset {offset}; ISO 8601 writes a zero offset as Z or +00:00, never -00"
    return ""


def _duration(value: Any, path: str) -> None:
    text = _string(value, path)
    if not _DURATION.fullmatch(text) or (
            ("." in text or "," in text) and (not _FRACTION_LAST.search(text)
                                              or text.count(".") + text.count(",") > 1)):
        raise StatementInvalid(path, f"{_show(value)} is not an ISO 8601 duration (such as "
                                     "\"PT1H30M\", \"P3DT4H\" or \"PT4.5S\"; a fraction only on "
                                     "the last part)")


# --- actors (Data 2.4.2) -------------------------------------------------------------------------


def _actor(value: Any, path: str) -> None:
    actor = _object(value, path)
    kind = actor.get("objectType", "Agent")
    if kind == "Agent":
        _agent(actor, path)
    elif kind == "Group":
        _group(actor, path)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{_show(kind)} is not \"Agent\" or "
                                                     "\"Group\" (case-sensitive)")


def _agent(agent: dict[str, Any], path: str) -> None:
    _only(agent, _AGENT_KEYS, f"{path}.")
    if "name" in agent:
        _string(agent["name"], f"{path}.name")
    if not _ifi(agent, path):
        raise StatementInvalid(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, "
                                     "account")


def _group(group: dict[str, Any], path: str) -> None:
    _only(group, _GROUP_KEYS, f"{path}.")
    if "name" in group:
        _string(group["name"], f"{path}.name")
    identified = _ifi(group, path)
    if "member" not in group:
        if not identified:
            raise StatementInvalid(f"{path}.member", "is required for an anonymous Group (one "
                                                     "without mbox, mbox_sha1sum, openid, account)")
        return
    members = _list(group["member"], f"{path}.member")
    if not members and not identified:
        raise StatementInvalid(f"{path}.member", "an anonymous Group needs at least one member")
    for i, member in enumerate(members):
        member_path = f"{path}.member[{i}]"
        kind = _object(member, member_path).get("objectType", "Agent")
        if kind != "Agent":
            raise StatementInvalid(f"{member_path}.objectType", f"a Group's members are Agents, "
                                                                f"not {_show(kind)}")
        _agent(member, member_path)


def _ifi(actor: dict[str, Any], path: str) -> bool:
    """Check the one inverse functional identifier, if any; say whether there is one."""
    present = [key for key in _IFIS if key in actor]
    if not present:
        return False
    if len(present) > 1:
        raise StatementInvalid(path, f"has {len(present)} identifiers ({', '.join(present)}); "
                                     "exactly one is allowed")
    key = present[0]
    value = actor[key]
    if key == "mbox":
        if not _MAILTO.fullmatch(_string(value, f"{path}.mbox")):
            raise StatementInvalid(f"{path}.mbox", f"{_show(value)} is not a mailto: IRI (such "
                                                   "as \"mailto:name@example.com\")")
    elif key == "mbox_sha1sum":
        if not _SHA1.fullmatch(_string(value, f"{path}.mbox_sha1sum")):
            raise StatementInvalid(f"{path}.mbox_sha1sum", f"{_show(value)} is not a SHA-1 "
                                                           "hash (40 hexadecimal characters)")
    elif key == "openid":
        _iri(value, f"{path}.openid")
    else:
        account_path = f"{path}.account"
        account = _object(value, account_path)
        _only(account, _ACCOUNT_KEYS, f"{account_path}.")
        _require(account, ("homePage", "name"), f"{account_path}.")
        _iri(account["homePage"], f"{account_path}.homePage")
        _string(account["name"], f"{account_path}.name")
    return True


# --- verb (Data 2.4.3) ---------------------------------------------------------------------------


def _verb(value: Any, path: str) -> str:
    verb = _object(value, path)
    _only(verb, _VERB_KEYS, f"{path}.")
    _require(verb, ("id",), f"{path}.")
    _iri(verb["id"], f"{path}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.display")
    return verb["id"]


# --- object (Data 2.4.4) -------------------------------------------------------------------------


def _statement_object(value: Any, path: str, *, substatement_allowed: bool) -> str:
    """Check a statement's object and return its objectType ("Activity" if left out)."""
    obj = _object(value, path)
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        if "objectType" not in obj and "id" not in obj and any(
                key in obj for key in (*_IFIS, "member")):
            raise StatementInvalid(f"{path}.objectType", "is required when the object is an "
                                                         "Agent or Group (Data 2.4.4.2)")
        _activity(obj, path)
    elif kind in ("Agent", "Group"):
        _actor(obj, path)
    elif kind == "StatementRef":
        _statement_ref(obj, path)
    elif kind == "SubStatement":
        if not substatement_allowed:
            raise StatementInvalid(f"{path}.objectType", "a SubStatement cannot contain another "
                                                         "SubStatement")
        _substatement(obj, path)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{_show(kind)} is not one of "
                                                     f"{', '.join(_OBJECT_TYPES)} "
                                                     "(case-sensitive)")
    return kind


def _activity(obj: dict[str, Any], path: str) -> None:
    _only(obj, _ACTIVITY_KEYS, f"{path}.")
    if obj.get("objectType", "Activity") != "Activity":
        raise StatementInvalid(f"{path}.objectType", f"{_show(obj['objectType'])} is not "
                                                     "\"Activity\"")
    _require(obj, ("id",), f"{path}.")
    _iri(obj["id"], f"{path}.id")
    if "definition" in obj:
        _definition(obj["definition"], f"{path}.definition")


def _definition(value: Any, path: str) -> None:
    definition = _object(value, path)
    _only(definition, _DEFINITION_KEYS, f"{path}.")
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{path}.{key}")
    if "type" in definition:
        _iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        _iri(definition["moreInfo"], f"{path}.moreInfo")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.extensions")
    interaction = definition.get("interactionType")
    if interaction is None:
        if "interactionType" in definition:
            _string(interaction, f"{path}.interactionType")
        for key in ("correctResponsesPattern", *_COMPONENT_LISTS):
            if key in definition:
                raise StatementInvalid(f"{path}.interactionType", f"is required when {key} is "
                                                                  "given")
        return
    if _string(interaction, f"{path}.interactionType") not in _INTERACTION_TYPES:
        raise StatementInvalid(f"{path}.interactionType", f"{_show(interaction)} is not one of "
                                                          f"{', '.join(_INTERACTION_TYPES)} "
                                                          "(case-sensitive)")
    if "correctResponsesPattern" in definition:
        pattern_path = f"{path}.correctResponsesPattern"
        for i, pattern in enumerate(_list(definition["correctResponsesPattern"], pattern_path)):
            _string(pattern, f"{pattern_path}[{i}]")
    uses = _INTERACTION_TYPES[interaction]
    for key in _COMPONENT_LISTS:
        if key not in definition:
            continue
        if key not in uses:
            used = " and ".join(uses) if uses else "no component lists"
            raise StatementInvalid(f"{path}.{key}", f"is not used by a {_show(interaction)} "
                                                    f"interaction (it uses {used})")
        _components(definition[key], f"{path}.{key}")


def _components(value: Any, path: str) -> None:
    first_index: dict[str, int] = {}
    for i, component in enumerate(_list(value, path)):
        component_id = component.get("id") if type(component) is dict else None
        if type(component_id) is not str or not component.keys() <= _COMPONENT_KEYS:
            component_path = f"{path}[{i}]"  # find and name the problem
            _only(_object(component, component_path), _COMPONENT_KEYS, f"{component_path}.")
            _require(component, ("id",), f"{component_path}.")
            _string(component["id"], f"{component_path}.id")
        if component_id in first_index:
            raise StatementInvalid(f"{path}[{i}].id", f"{_show(component_id)} is already the id "
                                                      f"of [{first_index[component_id]}]; ids in "
                                                      "a list must be distinct")
        first_index[component_id] = i
        if "description" in component:
            _language_map(component["description"], f"{path}[{i}].description")


def _statement_ref(obj: dict[str, Any], path: str) -> None:
    _only(obj, _STATEMENT_REF_KEYS, f"{path}.")
    if obj.get("objectType") != "StatementRef":
        raise StatementInvalid(f"{path}.objectType", "must be \"StatementRef\"")
    _require(obj, ("id",), f"{path}.")
    _uuid(obj["id"], f"{path}.id")


def _substatement(obj: dict[str, Any], path: str) -> None:
    prefix = f"{path}."
    _only(obj, _SUBSTATEMENT_KEYS, prefix)
    _require(obj, ("actor", "verb", "object"), prefix)
    _actor(obj["actor"], f"{prefix}actor")
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
        for i, attachment in enumerate(_list(obj["attachments"], f"{prefix}attachments")):
            _attachment(attachment, f"{prefix}attachments[{i}]")


# --- result (Data 2.4.5) -------------------------------------------------------------------------


def _result(value: Any, path: str) -> None:
    result = _object(value, path)
    _only(result, _RESULT_KEYS, f"{path}.")
    if "score" in result:
        _score(result["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in result:
            _boolean(result[key], f"{path}.{key}")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result:
        _duration(result["duration"], f"{path}.duration")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")


def _score(value: Any, path: str) -> None:
    score = _object(value, path)
    _only(score, _SCORE_KEYS, f"{path}.")
    for key, number in score.items():
        _number(number, f"{path}.{key}")
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
    context = _object(value, path)
    _only(context, _CONTEXT_KEYS, f"{path}.")
    if "registration" in context:
        _uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        team = _object(context["team"], f"{path}.team")
        if team.get("objectType") != "Group":
            raise StatementInvalid(f"{path}.team", "must be a Group (with \"objectType\": "
                                                   "\"Group\")")
        _group(team, f"{path}.team")
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], f"{path}.{key}")
            if object_kind != "Activity":
                raise StatementInvalid(f"{path}.{key}", "is only allowed when the statement's "
                                                        f"object is an Activity, not "
                                                        f"{_a(object_kind)}")
    if "language" in context:
        validate_language_tag(context["language"], f"{path}.language")
    if "statement" in context:
        _statement_ref(_object(context["statement"], f"{path}.statement"), f"{path}.statement")
    if "contextActivities" in context:
        _context_activities(context["contextActivities"], f"{path}.contextActivities")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")


def _context_activities(value: Any, path: str) -> None:
    activities = _object(value, path)
    _only(activities, _CONTEXT_ACTIVITY_KEYS, f"{path}.")
    for key, entries in activities.items():
        if type(entries) is list:
            for i, entry in enumerate(entries):
                _activity(_object(entry, f"{path}.{key}[{i}]"), f"{path}.{key}[{i}]")
        else:
            _activity(_object(entries, f"{path}.{key}"), f"{path}.{key}")


# --- attachments (Data 2.4.11) -------------------------------------------------------------------


def _attachment(value: Any, path: str) -> None:
    attachment = _object(value, path)
    _only(attachment, _ATTACHMENT_KEYS, f"{path}.")
    _require(attachment, ("usageType", "display", "contentType", "length", "sha2"), f"{path}.")
    _iri(attachment["usageType"], f"{path}.usageType")
    _language_map(attachment["display"], f"{path}.display")
    if "description" in attachment:
        _language_map(attachment["description"], f"{path}.description")
    content_type = _string(attachment["contentType"], f"{path}.contentType")
    if not _MEDIA_TYPE.fullmatch(content_type):
        raise StatementInvalid(f"{path}.contentType", f"{_show(content_type)} is not an "
                                                      "Internet media type (such as "
                                                      "\"application/pdf\")")
    length = attachment["length"]
    if type(length) is not int or length < 0:
        raise StatementInvalid(f"{path}.length", f"must be a whole number of octets, not "
                                                 f"{_show(length)}")
    sha2 = _string(attachment["sha2"], f"{path}.sha2")
    if len(sha2) not in _SHA2_LENGTHS or not _HEX.fullmatch(sha2):
        raise StatementInvalid(f"{path}.sha2", f"{_show(sha2)} is not a SHA-2 hash in "
                                               "hexadecimal (64 characters for SHA-256)")
    if "fileUrl" in attachment:
        _iri(attachment["fileUrl"], f"{path}.fileUrl")

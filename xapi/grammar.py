"""The grammar statements are written in: JSON types and xAPI's value formats (Data part 4).

Everything here checks one value on its own: that it is an object, an array, a string; that a
string is an absolute IRI, a UUID, an RFC 5646 language tag, an ISO 8601 timestamp or duration,
a ``mailto:`` IRI, a SHA-1 or SHA-2 hash, a media type; that a language map or an extensions
object is well formed. :mod:`xapi.validation` (statements), :mod:`xapi.agents` (Agents and
Groups) and the LRS API's parameter parsing are written with these checks, so that a value is
judged by the same rule and described by the same message wherever it appears.

Errors are :class:`StatementInvalid`, naming the value's path and the problem, with the value
and what would be accepted, because the sender has to be able to fix it from the message alone.
The checks are plain type tests and regular expressions compiled once; values that statements
repeat (verb ids, extension keys, "en-US") are remembered, so each is parsed once.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any

__all__ = [
    "StatementInvalid",
    "expect_array",
    "expect_boolean",
    "expect_number",
    "expect_object",
    "expect_string",
    "is_iri",
    "is_language_tag",
    "only_properties",
    "require_properties",
    "show",
    "validate_duration",
    "validate_extensions",
    "validate_iri",
    "validate_language_map",
    "validate_language_tag",
    "validate_mailto",
    "validate_media_type",
    "validate_sha1sum",
    "validate_sha2",
    "validate_timestamp",
    "validate_uuid",
    "validate_version",
]


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


# --- JSON types ----------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as the sender wrote it (JSON), shortened, for quoting in a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def expect_object(value: Any, path: str, *, empty: bool = False) -> dict[str, Any]:
    """``value`` as a JSON object; empty only if ``empty`` (XAPI-00001: leave it out instead)."""
    if type(value) is not dict:
        raise StatementInvalid(path, f"must be an object, not {_kind(value)}")
    if not value and not empty:
        raise StatementInvalid(path, "must not be an empty object (leave the property out)")
    return value


def expect_array(value: Any, path: str) -> list[Any]:
    """``value`` as a JSON array."""
    if type(value) is not list:
        raise StatementInvalid(path, f"must be an array, not {_kind(value)}")
    return value


def expect_string(value: Any, path: str) -> str:
    """``value`` as a JSON string."""
    if type(value) is not str:
        raise StatementInvalid(path, f"must be a string, not {_kind(value)}")
    return value


def expect_number(value: Any, path: str) -> float:
    """``value`` as a finite JSON number (a boolean is not one)."""
    kind = type(value)
    if kind is not int and kind is not float:
        raise StatementInvalid(path, f"must be a number, not {_kind(value)}")
    if kind is float and not math.isfinite(value):
        raise StatementInvalid(path, "must be a finite number")
    return value


def expect_boolean(value: Any, path: str) -> None:
    """``value`` is ``true`` or ``false``."""
    if type(value) is not bool:
        raise StatementInvalid(path, f"must be true or false, not {_kind(value)} {show(value)}")


def only_properties(obj: dict[str, Any], allowed: frozenset[str], prefix: str) -> None:
    """No property but those ``allowed`` (names are case-sensitive in xAPI)."""
    if obj.keys() <= allowed:
        return
    unknown = next(key for key in obj if key not in allowed)
    raise StatementInvalid(f"{prefix}{unknown}", f"is not a property allowed here (allowed, "
                                                 f"case-sensitive: {', '.join(sorted(allowed))})")


def require_properties(obj: dict[str, Any], keys: tuple[str, ...], prefix: str) -> None:
    """Every one of ``keys`` is present; the first missing one is named."""
    for key in keys:
        if key not in obj:
            raise StatementInvalid(f"{prefix}{key}", "is required")


# --- values --------------------------------------------------------------------------------------


def _remember(known: set[str], value: str) -> None:
    if len(known) >= _KNOWN_LIMIT:
        known.clear()
    known.add(value)


def is_iri(value: Any) -> bool:
    """Whether ``value`` is an absolute IRI (a string; anything else is not)."""
    if type(value) is not str:
        return False
    if value in _KNOWN_IRIS:
        return True
    if _IRI.fullmatch(value) is None:
        return False
    _remember(_KNOWN_IRIS, value)
    return True


def validate_iri(value: Any, path: str) -> None:
    """An absolute IRI (a verb id, an activity id or type, an extension key...)."""
    if not is_iri(expect_string(value, path)):
        raise StatementInvalid(path, f"{show(value)} is not an absolute IRI (a scheme such as "
                                     "https: then the rest, with no spaces)")


def validate_uuid(value: Any, path: str) -> None:
    """A UUID in its 8-4-4-4-12 form (statement ids, registrations)."""
    if not _UUID.fullmatch(expect_string(value, path)):
        raise StatementInvalid(path, f"{show(value)} is not a UUID in its standard form "
                                     "(8-4-4-4-12 hexadecimal digits)")


def is_language_tag(tag: Any) -> bool:
    """Whether ``tag`` is a well-formed RFC 5646 language tag (the registry is not consulted)."""
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


def validate_language_tag(value: Any, path: str = "language") -> None:
    """An RFC 5646 language tag (well-formed; the registry is not consulted)."""
    if not is_language_tag(expect_string(value, path)):
        raise StatementInvalid(path, f"{show(value)} is not an RFC 5646 language tag "
                                     "(such as \"en\", \"en-GB\" or \"zh-Hant-TW\")")


def validate_language_map(value: Any, path: str) -> None:
    """A language map (Data 4.2): a non-empty object of language tag to string."""
    for tag, text in expect_object(value, path).items():
        if not is_language_tag(tag):
            raise StatementInvalid(f"{path}.{tag}", "is not an RFC 5646 language tag (such as "
                                                    "\"en\", \"en-GB\" or \"zh-Hant-TW\")")
        if type(text) is not str:
            expect_string(text, f"{path}.{tag}")


def validate_extensions(value: Any, path: str) -> None:
    """Keys are IRIs; values are anything, null included (Data 4.1). It may be empty."""
    for key in expect_object(value, path, empty=True):
        if not is_iri(key):
            raise StatementInvalid(f"{path}[{key!r}]", "an extension key must be an absolute IRI "
                                                       "(such as https://example.com/ext/role)")


def validate_mailto(value: Any, path: str) -> None:
    """An ``mbox``: a ``mailto:`` IRI with an address."""
    if not _MAILTO.fullmatch(expect_string(value, path)):
        raise StatementInvalid(path, f"{show(value)} is not a mailto: IRI (such "
                                     "as \"mailto:name@example.com\")")


def validate_sha1sum(value: Any, path: str) -> None:
    """An ``mbox_sha1sum``: a SHA-1 hash in hexadecimal."""
    if not _SHA1.fullmatch(expect_string(value, path)):
        raise StatementInvalid(path, f"{show(value)} is not a SHA-1 "
                                     "hash (40 hexadecimal characters)")


def validate_sha2(value: Any, path: str) -> None:
    """An attachment's ``sha2``: SHA-224, -256, -384 or -512 in hexadecimal."""
    sha2 = expect_string(value, path)
    if len(sha2) not in _SHA2_LENGTHS or not _HEX.fullmatch(sha2):
        raise StatementInvalid(path, f"{show(sha2)} is not a SHA-2 hash in "
                                     "hexadecimal (64 characters for SHA-256)")


def validate_media_type(value: Any, path: str) -> None:
    """An Internet media type (``type/subtype`` with optional parameters)."""
    content_type = expect_string(value, path)
    if not _MEDIA_TYPE.fullmatch(content_type):
        raise StatementInvalid(path, f"{show(content_type)} is not an "
                                     "Internet media type (such as "
                                     "\"application/pdf\")")


def validate_version(value: Any, path: str = "version") -> None:
    """A statement's ``version``: 1.0 or 1.0.x (anything but a string is simply not one)."""
    if not isinstance(value, str) or not _VERSION.fullmatch(value):
        raise StatementInvalid(path, f"{show(value)} is not an xAPI 1.0.x version "
                                     "(such as \"1.0.3\")")


def validate_timestamp(value: Any, path: str = "timestamp") -> None:
    """An ISO 8601 date and time, as Data 4.5 requires (also for ``since``/``until``).

    Everything accepted here can be read by ``aniso8601.parse_datetime``.
    """
    text = expect_string(value, path)
    match = _TIMESTAMP_COMMON.fullmatch(text)
    if match is not None:
        year, month, day, hour, minute, second, offset = match.groups()
        problem = _timestamp_problem(year, month, day, None, None, None, hour, minute, second,
                                     offset)
    else:
        match = _TIMESTAMP_EXTENDED.fullmatch(text) or _TIMESTAMP_BASIC.fullmatch(text)
        if match is None:
            raise StatementInvalid(path, f"{show(value)} is not an ISO 8601 date and time "
                                         "(such as \"2024-03-01T09:30:00.000Z\")")
        problem = _timestamp_problem(*match.groups())
    if problem:
        raise StatementInvalid(path, f"{show(value)} {problem}")


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


def validate_duration(value: Any, path: str) -> None:
    """An ISO 8601 duration (Data 4.6), a fraction allowed on the last part only."""
    text = expect_string(value, path)
    if not _DURATION.fullmatch(text) or (
            ("." in text or "," in text) and (not _FRACTION_LAST.search(text)
                                              or text.count(".") + text.count(",") > 1)):
        raise StatementInvalid(path, f"{show(value)} is not an ISO 8601 duration (such as "
                                     "\"PT1H30M\", \"P3DT4H\" or \"PT4.5S\"; a fraction only on "
                                     "the last part)")

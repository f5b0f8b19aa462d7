"""The shape of the ``CPD_*`` configuration: every key a host may set, as one Pydantic model.

:class:`ConfigSpec` says, key by key, what is accepted (types, ranges, formats), strictly where
it matters: ``True`` is not a number of hours and ``"24"`` is not 24. Values that need reading
(a time zone, a day of the year, a time of day) are read here, each refusal saying the value and
what would do. What a key means is in :class:`~cpd_tracker.config.Settings` and the README.

The hooks (``CPD_CURRENT_USER``, ``CPD_PERMISSIONS``...) and ``CPD_EVIDENCE_STORAGE`` are
checked where they are used, because a constructor argument of ``CPDTracker`` may replace them.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
)

from cpd_tracker.config.credit_rules import CreditRuleSpecs
from cpd_tracker.config.forwarding import ForwardSpec
from cpd_tracker.problems import not_one_of, repeated
from cpd_tracker.storage import DETECTABLE_TYPES

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _home_page(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    raise ValueError(f"{value!r} is not your LMS's address; set it to one such as "
                     "'https://learning.force.police.uk/'. It identifies your users in every "
                     "xAPI statement, so it must not change once records exist")


def _url_path(what: str, example: str, otherwise: str = "") -> AfterValidator:
    def starts_with_slash(value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} does not start with '/'; give the path {what} "
                             f"under, such as {example!r}{otherwise}")
        return value
    return AfterValidator(starts_with_slash)


def _namespace(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID; make one with python -c \"import uuid; "
                         "print(uuid.uuid4())\" and keep it: statement ids are made from it"
                         ) from None


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone, such as 'Europe/London'") from None


def _month_day(value: Any) -> tuple[int, int]:
    """``"04-01"`` -> ``(4, 1)``, in the words a framework file's cycle start is refused in."""
    try:
        month, day = (int(part) for part in str(value).split("-"))
    except ValueError:
        raise ValueError(f"{value!r} is not a start date; write MM-DD (e.g. 04-01)") from None
    if (month, day) == (2, 29):
        raise ValueError(f"{value!r} is not accepted: 29 February does not come every year")
    try:
        date(2001, month, day)
    except (ValueError, OverflowError):
        raise ValueError(f"{value!r} is not a day of the year (MM-DD)") from None
    return month, day


def _category(value: Any) -> tuple[str, str]:
    if isinstance(value, list | tuple) and len(value) == 2:
        code, label = value
        if not (isinstance(code, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", code)):
            raise ValueError(f"{code!r} is not a category code: lower-case letters, digits and "
                             "hyphens, such as 'formal' or 'work-based'")
        if not (isinstance(label, str) and label.strip()):
            raise ValueError(f"{label!r} is not a label: the words people read, such as "
                             "'Formal learning'")
        return code, label
    raise ValueError(f"{value!r} is not a (code, label) pair, such as "
                     "('formal', 'Formal learning')")


def _codes_once(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    codes = [code for code, _ in pairs]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise ValueError("; ".join(repeated(code, "code") for code in twice))
    return pairs


def _evidence_type(value: str) -> str:
    if value not in DETECTABLE_TYPES:
        raise ValueError(not_one_of(value, "the types cpd-tracker can recognise from a file's "
                                    "content", DETECTABLE_TYPES))
    return value


def _time_of_day(value: Any) -> time:
    if isinstance(value, str) and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        return time(int(value[:2]), int(value[3:]))
    raise ValueError(f"{value!r} is not a time of day; write 'HH:MM' (24-hour, in "
                     "CPD_TIMEZONE), such as '07:00'")


def _weekday(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise ValueError(f"{value!r} is not a day of the week; write one of {', '.join(WEEKDAYS)} "
                     "(or None for no digest)")


def _clock(value: Any) -> Callable[[], datetime] | None:
    """A clock the host set, asked the time once at start-up: one that cannot answer, or
    answers with anything but an aware datetime, would otherwise fail (or, naive, silently
    count in the server's time zone) on the first page that asks what day it is."""
    if value is None:
        return None
    if not callable(value):
        raise ValueError(f"{value!r} is not callable; give a callable returning the current "
                         "time as an aware datetime (or None for the system clock)")
    try:
        now = value()
    except Exception as error:  # any failure of the host's clock is reported
        raise ValueError(f"{value!r} failed when asked the time ({type(error).__name__}); "
                         "give a callable taking no arguments and returning the current "
                         "time as an aware datetime") from None
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError(f"{value!r} returned {now!r}, not an aware datetime; return the "
                         "current time with its time zone, such as "
                         "datetime.now(timezone.utc)")
    return value


def _folder(value: Any) -> Any:
    if value is None or isinstance(value, str | os.PathLike):
        return value
    raise ValueError(f"{value!r} is not a folder; give the path of the folder evidence files "
                     "are kept in, such as '/srv/cpd-evidence' (or None for "
                     "<instance>/cpd-evidence)")


def _sender(value: Any) -> Any:
    """An address mail comes from: ``"cpd@force.example"``, ``"Name <cpd@...>"`` or
    ``(name, address)``; a line break would end the ``From`` header and begin another."""
    texts = (list(value) if isinstance(value, list | tuple) and len(value) == 2
             else [value] if isinstance(value, str) else None)
    if value is not None and (texts is None or not all(isinstance(text, str) for text in texts)):
        raise ValueError(f"{value!r} is not an address; give one such as "
                         "'CPD records <cpd@force.police.uk>' or (name, address)")
    if texts and any(character in text for text in texts for character in "\r\n\0"):
        raise ValueError(f"{value!r} holds a line break; give one address, such as "
                         "'CPD records <cpd@force.police.uk>'")
    return value


def category_codes(value: Any) -> list[str] | None:
    """The codes of ``CPD_CATEGORIES``, or ``None`` if it cannot be read (as
    :class:`ConfigSpec` reports)."""
    try:
        return [code for code, _ in _CATEGORIES.validate_python(value)]
    except ValidationError:
        return None


def _key(name: str) -> str:
    """A field's key in the host's config: ``max_hours_per_day`` -> ``CPD_MAX_HOURS_PER_DAY``."""
    return f"CPD_{name.upper()}"


#: ``CPD_CATEGORIES``: (code, label) pairs, at least one, each code once.
Categories = Annotated[list[Annotated[tuple[str, str], PlainValidator(_category)]],
                       Field(min_length=1), AfterValidator(_codes_once)]
_CATEGORIES: TypeAdapter[list[tuple[str, str]]] = TypeAdapter(Categories)
#: Checked by the extension where it is used (a constructor argument may replace it).
Hook = Any


class ConfigSpec(BaseModel):
    """Every ``CPD_*`` key and what it accepts; an unknown ``CPD_`` key is refused, because a
    misspelt key silently ignored is a setting the force believes it has and does not."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=_key,
                              arbitrary_types_allowed=True)

    url_prefix: Annotated[str, Field(strict=True), _url_path("the pages are served", "/cpd")]
    base_template: str = Field(strict=True, min_length=1)
    lms_home_page: Annotated[str, PlainValidator(_home_page)]
    actor_identity: Literal["account", "mbox"]
    statement_namespace: Annotated[uuid.UUID, PlainValidator(_namespace)]
    timezone: Annotated[ZoneInfo, PlainValidator(_zone)]
    cycle_start: Annotated[tuple[int, int], PlainValidator(_month_day)]
    categories: Categories
    max_hours_per_day: int = Field(ge=1, le=24, strict=True)
    current_user: Hook
    learner_profile: Hook
    permissions: Hook
    xapi_url_prefix: Annotated[str, Field(strict=True), _url_path(
        "the LRS API is served", "/xapi", " (or None to leave it unmounted)")] | None
    xapi_credit_rules: CreditRuleSpecs
    xapi_forward: ForwardSpec | None
    access: Hook
    evidence_storage: Any
    evidence_folder: Annotated[Any, PlainValidator(_folder)]
    evidence_max_bytes: int = Field(ge=1, strict=True)
    evidence_types: Annotated[list[Annotated[str, Field(strict=True),
                                             AfterValidator(_evidence_type)]],
                              Field(min_length=1)]
    leads: Hook
    mail_sender: Annotated[Any, PlainValidator(_sender)]
    reminder_time: Annotated[time, PlainValidator(_time_of_day)]
    reminder_catch_up_days: int = Field(ge=0, le=30, strict=True)
    digest_day: Annotated[int | None, PlainValidator(_weekday)]
    #: Read by :func:`cpd_tracker.api_clients.parse`, which names the entry at fault.
    api_tokens: Any
    clock: Annotated[Callable[[], datetime] | None, PlainValidator(_clock)]

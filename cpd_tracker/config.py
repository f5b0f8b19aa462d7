"""The ``CPD_*`` configuration keys: their defaults, their checks, and the parsed settings.

Every key a host may set is listed in :data:`DEFAULTS` (and in the README's table). Unknown
``CPD_`` keys are an error at start-up, because a misspelt key silently ignored is a setting
the force believes it has and does not.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cpd_tracker import api_clients, vocabulary
from cpd_tracker.api_clients import ApiClient
from cpd_tracker.storage import DETECTABLE_TYPES
from xapi import VOIDED_VERB
from xapi.forwarding import ForwardTarget

#: Every configuration key with its default. ``None`` means "must be set by the host".
DEFAULTS: dict[str, Any] = {
    "CPD_URL_PREFIX": "/cpd",
    "CPD_BASE_TEMPLATE": "cpd_tracker/base.html",
    "CPD_LMS_HOME_PAGE": None,
    "CPD_ACTOR_IDENTITY": "account",
    "CPD_STATEMENT_NAMESPACE": "6f1c4a52-3c1e-5b8e-9d9a-2f7b1e0c9a11",
    "CPD_TIMEZONE": "Europe/London",
    "CPD_CYCLE_START": "04-01",
    "CPD_CATEGORIES": [
        ("formal", "Formal learning (course, workshop, e-learning)"),
        ("work-based", "Work-based learning (case review, secondment, shadowing)"),
        ("self-directed", "Self-directed learning (reading, research, podcasts)"),
        ("professional", "Professional activity (teaching, presenting, networks)"),
        ("other", "Other"),
    ],
    "CPD_MAX_HOURS_PER_DAY": 24,
    "CPD_CURRENT_USER": None,
    "CPD_LEARNER_PROFILE": None,
    "CPD_PERMISSIONS": None,
    "CPD_XAPI_URL_PREFIX": "/xapi",
    "CPD_XAPI_CREDIT_RULES": [],
    "CPD_XAPI_FORWARD": None,
    "CPD_ACCESS": None,
    "CPD_EVIDENCE_STORAGE": None,
    "CPD_EVIDENCE_FOLDER": None,
    "CPD_EVIDENCE_MAX_BYTES": 20 * 1024 * 1024,
    "CPD_EVIDENCE_TYPES": ["application/pdf", "image/jpeg", "image/png", "image/heic",
                           "image/webp",
                           "application/vnd.openxmlformats-officedocument"
                           ".wordprocessingml.document",
                           "application/vnd.oasis.opendocument.text"],
    "CPD_LEADS": None,
    "CPD_MAIL_SENDER": None,
    "CPD_REMINDER_TIME": "07:00",
    "CPD_REMINDER_CATCH_UP_DAYS": 3,
    "CPD_DIGEST_DAY": "monday",
    "CPD_API_TOKENS": None,
    "CPD_CLOCK": None,
}

_IDENTITIES = ("account", "mbox")


class ConfigError(RuntimeError):
    """The host's configuration cannot work; the message says what to change."""


@dataclass(frozen=True)
class CreditRule:
    """One entry of ``CPD_XAPI_CREDIT_RULES``: which LRS statements count as CPD, and how.

    See :mod:`cpd_tracker.projection.crediting` for what each field means and how a
    statement is credited.
    """

    #: Its position in ``CPD_XAPI_CREDIT_RULES``, to name it in logs and messages.
    index: int
    clients: frozenset[str]
    verbs: frozenset[str]
    category: str
    activity_types: frozenset[str] = frozenset()
    activities: frozenset[str] = frozenset()
    duration_extension: str | None = None
    default_minutes: int | None = None
    kind: str | None = None
    item: str | None = None
    participatory: bool = False
    verified: bool = True

    @property
    def name(self) -> str:
        return f"CPD_XAPI_CREDIT_RULES[{self.index}]"


@dataclass(frozen=True)
class ForwardSettings:
    """Forwarding to the force's enterprise LRS: where, which statements, how often."""

    target: ForwardTarget
    #: ``"cpd"``: the library's own records and statements credited as CPD; ``"all"``: every one.
    statements: str = "cpd"
    every_seconds: int = 60


_FORWARD_KEYS = {"name": "enterprise", "endpoint": None, "username": None, "password": None,
                 "timeout": 10, "batch_size": 50, "statements": "cpd", "every_seconds": 60}


def forward_settings(value: Any) -> ForwardSettings | None:
    """Check ``CPD_XAPI_FORWARD`` (a dict, or ``None`` for no forwarding)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"CPD_XAPI_FORWARD must be a dict (or None), got {value!r}")
    unknown = sorted(set(value) - set(_FORWARD_KEYS))
    if unknown:
        raise ConfigError(f"CPD_XAPI_FORWARD.{unknown[0]} is not a setting; the settings are "
                          + ", ".join(_FORWARD_KEYS))
    values = {**_FORWARD_KEYS, **value}
    for key in ("endpoint", "username", "password"):
        if not isinstance(values[key], str) or not values[key]:
            raise ConfigError(f"CPD_XAPI_FORWARD.{key} is required (a string)")
    if values["statements"] not in ("cpd", "all"):
        raise ConfigError("CPD_XAPI_FORWARD.statements must be 'cpd' or 'all', got "
                          f"{values['statements']!r}")
    if not isinstance(values["name"], str) or not 1 <= len(values["name"]) <= 255:
        raise ConfigError("CPD_XAPI_FORWARD.name must be a string of 1 to 255 characters, got "
                          f"{values['name']!r}")
    timeout = values["timeout"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ConfigError("CPD_XAPI_FORWARD.timeout must be a number of seconds above 0, got "
                          f"{timeout!r}")
    size = values["batch_size"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError("CPD_XAPI_FORWARD.batch_size must be a whole number of statements, "
                          f"1 or more, got {size!r}")
    every = values["every_seconds"]
    if isinstance(every, bool) or not isinstance(every, int) or every < 5:
        raise ConfigError("CPD_XAPI_FORWARD.every_seconds must be a whole number of seconds, 5 "
                          f"or more, got {every!r}")
    try:
        target = ForwardTarget(name=values["name"], endpoint=values["endpoint"],
                               username=values["username"], password=values["password"],
                               timeout=values["timeout"], batch_size=values["batch_size"])
    except (TypeError, ValueError) as error:
        raise ConfigError(f"CPD_XAPI_FORWARD: {error}") from None
    return ForwardSettings(target=target, statements=values["statements"], every_seconds=every)


@dataclass(frozen=True)
class Settings:
    """The parsed, checked configuration one app runs with."""

    url_prefix: str
    base_template: str
    lms_home_page: str
    actor_identity: str
    statement_namespace: uuid.UUID
    timezone: ZoneInfo
    cycle_start: tuple[int, int]
    categories: tuple[tuple[str, str], ...]
    max_minutes_per_day: int
    #: Where the LRS API is mounted, or ``None`` when the host does not serve it.
    xapi_url_prefix: str | None = None
    #: Which statements LRS clients send count as CPD (``CPD_XAPI_CREDIT_RULES``), in order.
    credit_rules: tuple[CreditRule, ...] = ()
    #: Where statements are forwarded (``CPD_XAPI_FORWARD``), or ``None``.
    xapi_forward: ForwardSettings | None = None
    #: The largest evidence file accepted, in bytes (``CPD_EVIDENCE_MAX_BYTES``).
    evidence_max_bytes: int = 20 * 1024 * 1024
    #: The MIME types accepted as evidence, as detected from the content
    #: (``CPD_EVIDENCE_TYPES``).
    evidence_types: tuple[str, ...] = ()
    #: When the daily reminder run starts, in the force's time zone (``CPD_REMINDER_TIME``).
    reminder_time: time = time(7, 0)
    #: How many days late a reminder stage is still sent (``CPD_REMINDER_CATCH_UP_DAYS``).
    reminder_catch_up_days: int = 3
    #: The weekday leads get their weekly digest, 0 for Monday; ``None``: no digest
    #: (``CPD_DIGEST_DAY``).
    digest_weekday: int | None = 0
    #: The reporting tools that may call the JSON API with a token (``CPD_API_TOKENS``).
    api_clients: tuple[ApiClient, ...] = ()
    #: What time it is (``CPD_CLOCK``): a callable returning an aware datetime. Every "now" and
    #: "today" of the library comes from it, so a host (or a test) can set the date.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc),
                                          compare=False)

    def now(self) -> datetime:
        """This moment, in UTC, to the second (as statements record it)."""
        return self.clock().astimezone(timezone.utc).replace(microsecond=0)

    def today(self) -> date:
        """Today's date in the force's time zone (not the server's): the day cycles, due
        dates and "as of" are counted in."""
        return self.clock().astimezone(self.timezone).date()

    def page_url(self, path: str) -> str:
        """The absolute address of one of the library's pages (``path`` after the prefix),
        for links that leave the browser: emails, a statement's ``fileUrl``."""
        return f"{self.lms_home_page.rstrip('/')}{self.url_prefix.rstrip('/')}{path}"

    def category_label(self, code: str) -> str:
        return dict(self.categories).get(code, code)


def apply_defaults(config: MutableMapping[str, Any]) -> None:
    """Fill in every key the host has not set, Flask-SQLAlchemy style."""
    for key, value in DEFAULTS.items():
        config.setdefault(key, copy.deepcopy(value))


def load(config: Mapping[str, Any]) -> Settings:
    """Check every ``CPD_*`` key and return the settings, or raise :class:`ConfigError`."""
    unknown = sorted(key for key in config if key.startswith("CPD_") and key not in DEFAULTS)
    if unknown:
        raise ConfigError(
            f"Unknown configuration key {unknown[0]}. The keys cpd-tracker reads are: "
            + ", ".join(sorted(DEFAULTS))
        )
    home_page = config["CPD_LMS_HOME_PAGE"]
    if not isinstance(home_page, str) or not home_page.startswith(("https://", "http://")):
        raise ConfigError(
            "CPD_LMS_HOME_PAGE must be set to your LMS's address, such as "
            f"'https://learning.force.police.uk/', got {home_page!r}. It identifies your users "
            "in every xAPI statement, so it must not change once records exist."
        )
    prefix = config["CPD_URL_PREFIX"]
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ConfigError(f"CPD_URL_PREFIX must start with '/', got {prefix!r}")
    xapi_prefix = config["CPD_XAPI_URL_PREFIX"]
    if xapi_prefix is not None and (not isinstance(xapi_prefix, str)
                                    or not xapi_prefix.startswith("/")):
        raise ConfigError("CPD_XAPI_URL_PREFIX must start with '/' (or be None to leave the LRS "
                          f"API unmounted), got {xapi_prefix!r}")
    identity = config["CPD_ACTOR_IDENTITY"]
    if identity not in _IDENTITIES:
        raise ConfigError(f"CPD_ACTOR_IDENTITY must be one of {_IDENTITIES}, got {identity!r}")
    categories = _categories(config["CPD_CATEGORIES"])
    max_hours = _max_hours(config["CPD_MAX_HOURS_PER_DAY"])
    return Settings(
        url_prefix=prefix.rstrip("/") or "/",
        base_template=config["CPD_BASE_TEMPLATE"],
        lms_home_page=home_page,
        actor_identity=identity,
        statement_namespace=_uuid(config["CPD_STATEMENT_NAMESPACE"]),
        timezone=_zone(config["CPD_TIMEZONE"]),
        cycle_start=_month_day(config["CPD_CYCLE_START"]),
        categories=categories,
        max_minutes_per_day=max_hours * 60,
        xapi_url_prefix=None if xapi_prefix is None else (xapi_prefix.rstrip("/") or "/"),
        credit_rules=credit_rules(config["CPD_XAPI_CREDIT_RULES"],
                                  categories=[code for code, _ in categories]),
        xapi_forward=forward_settings(config["CPD_XAPI_FORWARD"]),
        evidence_max_bytes=_max_bytes(config["CPD_EVIDENCE_MAX_BYTES"]),
        evidence_types=_evidence_types(config["CPD_EVIDENCE_TYPES"]),
        reminder_time=_clock(config["CPD_REMINDER_TIME"]),
        reminder_catch_up_days=_catch_up(config["CPD_REMINDER_CATCH_UP_DAYS"]),
        digest_weekday=_weekday(config["CPD_DIGEST_DAY"]),
        api_clients=_api_clients(config["CPD_API_TOKENS"]),
        **({"clock": _clock_setting(config["CPD_CLOCK"])} if config["CPD_CLOCK"] else {}),
    )


def _api_clients(value: Any) -> tuple[ApiClient, ...]:
    try:
        return api_clients.parse(value)
    except api_clients.ApiClientError as error:
        raise ConfigError(str(error)) from None


def _clock_setting(value: Any) -> Callable[[], datetime]:
    if not callable(value):
        raise ConfigError(f"CPD_CLOCK must be a callable returning the current time as an aware "
                          f"datetime (or None for the system clock), got {value!r}")
    return value


def _clock(value: Any) -> time:
    if isinstance(value, str) and re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        return time(int(value[:2]), int(value[3:]))
    raise ConfigError(f"CPD_REMINDER_TIME must be a time of day as 'HH:MM' (24-hour, in "
                      f"CPD_TIMEZONE), got {value!r}")


def _catch_up(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
        raise ConfigError("CPD_REMINDER_CATCH_UP_DAYS must be a whole number of days from 0 to "
                          f"30, got {value!r}")
    return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    raise ConfigError(f"CPD_DIGEST_DAY must be a day of the week ({', '.join(WEEKDAYS)}) or "
                      f"None (no digest), got {value!r}")


def callable_setting(config: Mapping[str, Any], key: str) -> Callable[..., Any] | None:
    """A hook given as a config value (or ``None``); anything else is a start-up error."""
    value = config.get(key)
    if value is not None and not callable(value):
        raise ConfigError(f"{key} must be a callable, got {value!r}")
    return value


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ConfigError(f"CPD_STATEMENT_NAMESPACE must be a UUID, got {value!r}") from None


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CPD_TIMEZONE must be an IANA time zone such as 'Europe/London', got {value!r}"
        ) from None


def _month_day(value: Any) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        if (month, day) == (2, 29):
            raise ValueError
        date(2001, month, day)
    except ValueError:
        raise ConfigError(
            f"CPD_CYCLE_START must be a month and day 'MM-DD' (not 02-29), got {value!r}"
        ) from None
    return month, day


def _categories(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list | tuple) or not all(
            isinstance(item, list | tuple) and len(item) == 2 for item in value):
        raise ConfigError(f"CPD_CATEGORIES must be a list of (code, label) pairs, got {value!r}")
    pairs = tuple((str(code), str(label)) for code, label in value)
    if not pairs:
        raise ConfigError("CPD_CATEGORIES must name at least one category")
    codes = [code for code, _ in pairs]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ConfigError(f"CPD_CATEGORIES lists the code {duplicates[0]!r} more than once")
    return pairs


def _max_hours(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24:
        raise ConfigError(f"CPD_MAX_HOURS_PER_DAY must be a whole number 1 to 24, got {value!r}")
    return value


def _max_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("CPD_EVIDENCE_MAX_BYTES must be a whole number of bytes, 1 or more "
                          f"(the default is 20 MB, 20971520), got {value!r}")
    return value


def _evidence_types(value: Any) -> tuple[str, ...]:

    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(f"CPD_EVIDENCE_TYPES must be a non-empty list of MIME types, got "
                          f"{value!r}")
    unknown = [kind for kind in value if kind not in DETECTABLE_TYPES]
    if unknown:
        raise ConfigError(f"CPD_EVIDENCE_TYPES: {unknown[0]!r} is not a type cpd-tracker can "
                          "recognise from a file's content; choose from: "
                          + ", ".join(sorted(DETECTABLE_TYPES)))
    return tuple(value)


_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
_RULE_KEYS = ("clients", "verbs", "activity_types", "activities", "category",
              "duration_extension", "default_minutes", "kind", "item", "participatory",
              "verified")


def credit_rules(value: Any, *, categories: list[str]) -> tuple[CreditRule, ...]:
    """Check ``CPD_XAPI_CREDIT_RULES`` and return its rules, or raise :class:`ConfigError`
    listing every problem, each naming the rule, the field, the value and what is accepted."""
    key = "CPD_XAPI_CREDIT_RULES"
    if not isinstance(value, list | tuple):
        raise ConfigError(f"{key} must be a list of rules (dicts), got {value!r}")
    problems: list[str] = []
    rules = []
    for index, rule in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(rule, Mapping):
            problems.append(f"{where} must be a dict such as {{'clients': ['my-lms'], 'verbs': "
                            f"[...], 'activity_types': [...], 'category': ...}}, got {rule!r}")
            continue
        found = _RuleReader(rule, where, problems)
        for unknown in sorted(set(map(str, rule)) - set(_RULE_KEYS)):
            problems.append(f"{where}: unknown key {unknown!r}; a rule takes "
                            + ", ".join(_RULE_KEYS))
        parsed = CreditRule(
            index=index,
            clients=found.names("clients"),
            verbs=found.verbs(),
            activity_types=found.iris("activity_types"),
            activities=found.iris("activities"),
            category=found.choice("category", categories, "CPD category (CPD_CATEGORIES)"),
            duration_extension=found.iri("duration_extension"),
            default_minutes=found.minutes("default_minutes"),
            kind=found.code("kind"),
            item=found.code("item"),
            participatory=found.flag("participatory", False),
            verified=found.flag("verified", True),
        )
        if not parsed.activity_types and not parsed.activities and not (
                {"activity_types", "activities"} & set(rule)):
            problems.append(f"{where}: give activity_types (activity type IRIs) or activities "
                            "(activity ids), or both, so that the rule does not credit "
                            "everything a client sends")
        rules.append(parsed)
    if problems:
        raise ConfigError(f"{key} cannot work:\n  " + "\n  ".join(problems))
    return tuple(rules)


class _RuleReader:
    """Reads one rule's fields, noting each problem (with the rule and field) in ``problems``."""

    def __init__(self, rule: Mapping[str, Any], where: str, problems: list[str]) -> None:
        self.rule = rule
        self.where = where
        self.problems = problems

    def _problem(self, field: str, message: str) -> None:
        self.problems.append(f"{self.where}.{field}: {message}")

    def names(self, field: str) -> frozenset[str]:
        value = self.rule.get(field)
        if (not isinstance(value, list | tuple) or not value
                or not all(isinstance(name, str) and name.strip() for name in value)):
            self._problem(field, f"must be a non-empty list of LRS client names, such as "
                                 f"['my-lms'], got {value!r}")
            return frozenset()
        return frozenset(value)

    def iris(self, field: str, *, required: bool = False) -> frozenset[str]:
        value = self.rule.get(field)
        if value is None and not required:
            return frozenset()
        if not isinstance(value, list | tuple) or not value:
            self._problem(field, f"must be a non-empty list of IRIs, got {value!r}")
            return frozenset()
        bad = [iri for iri in value if not isinstance(iri, str) or not _IRI.match(iri)]
        if bad:
            self._problem(field, f"{bad[0]!r} is not an absolute IRI (such as "
                                 "'http://adlnet.gov/expapi/activities/course')")
            return frozenset()
        return frozenset(value)

    def verbs(self) -> frozenset[str]:
        verbs = self.iris("verbs", required=True)
        for verb in sorted(verbs):
            if verb == VOIDED_VERB or verb.startswith(vocabulary.BASE + "/"):
                self._problem("verbs", f"{verb!r} is cpd-tracker's own (or xAPI's voiding) "
                                       "verb, which its own records use; credit rules are for "
                                       "what LMS clients send, such as "
                                       "'http://adlnet.gov/expapi/verbs/completed'")
        return verbs

    def iri(self, field: str) -> str | None:
        value = self.rule.get(field)
        if value is not None and (not isinstance(value, str) or not _IRI.match(value)):
            self._problem(field, f"must be an absolute IRI (or None), got {value!r}")
            return None
        return value

    def choice(self, field: str, accepted: list[str], what: str) -> str:
        value = self.rule.get(field)
        if value not in accepted:
            self._problem(field, f"{value!r} is not a {what}; use one of: "
                                 + ", ".join(accepted))
            return ""
        return str(value)

    def minutes(self, field: str) -> int | None:
        value = self.rule.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= 24 * 60):
            self._problem(field, f"must be a whole number of minutes from 1 to 1440 (or None), "
                                 f"got {value!r}")
            return None
        return value

    def code(self, field: str) -> str | None:
        value = self.rule.get(field)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self._problem(field, f"must be a code from your frameworks (or None), got {value!r}")
            return None
        return value

    def flag(self, field: str, default: bool) -> bool:
        value = self.rule.get(field, default)
        if not isinstance(value, bool):
            self._problem(field, f"must be True or False, got {value!r}")
            return default
        return value

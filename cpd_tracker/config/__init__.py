"""The ``CPD_*`` configuration keys: their defaults, their checks, and the parsed settings.

Every key a host may set is listed in :data:`DEFAULTS` (and in the README's table); its shape is
:class:`~cpd_tracker.config.spec.ConfigSpec`. :func:`load` checks every key before it refuses
anything, so a :class:`ConfigError` lists every problem at once, each naming the key, the field,
the value and what is accepted, in the words a framework file's author reads. Unknown ``CPD_``
keys are an error at start-up, because a misspelt key silently ignored is a setting the force
believes it has and does not.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from cpd_tracker import api_clients
from cpd_tracker.api_clients import ApiClient
from cpd_tracker.config.credit_rules import CreditRule, credit_rules, undeclared_categories
from cpd_tracker.config.errors import ConfigError, check, problems_in
from cpd_tracker.config.forwarding import ForwardSettings, forward_settings
from cpd_tracker.config.spec import WEEKDAYS, ConfigSpec, category_codes
from cpd_tracker.problems import Problem

__all__ = [
    "DEFAULTS", "WEEKDAYS", "ConfigError", "CreditRule", "ForwardSettings", "Settings",
    "apply_defaults", "callable_setting", "credit_rules", "forward_settings", "load",
]

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
    """Check every ``CPD_*`` key and return the settings, or raise :class:`ConfigError` with
    every problem found. A key the host left out counts as its default."""
    values = {**DEFAULTS, **{key: value for key, value in config.items()
                             if isinstance(key, str) and key.startswith("CPD_")}}
    problems: list[Problem] = []
    clients: tuple[ApiClient, ...] = ()
    try:
        spec: ConfigSpec | None = ConfigSpec.model_validate(values)
    except ValidationError as invalid:
        spec = None
        problems += problems_in(invalid, values, ConfigSpec)
    codes = category_codes(values["CPD_CATEGORIES"])
    if codes is not None:  # else CPD_CATEGORIES is refused, and rules wait for it
        problems += undeclared_categories(values["CPD_XAPI_CREDIT_RULES"], codes)
    try:
        clients = api_clients.parse(values["CPD_API_TOKENS"])
    except api_clients.ApiClientError as error:
        problems.append(Problem((), str(error)))  # names its own key and entry
    if problems or spec is None:
        raise ConfigError(sorted(problems, key=_in_key_order))
    return Settings(
        url_prefix=spec.url_prefix.rstrip("/") or "/",
        base_template=spec.base_template,
        lms_home_page=spec.lms_home_page,
        actor_identity=spec.actor_identity,
        statement_namespace=spec.statement_namespace,
        timezone=spec.timezone,
        cycle_start=spec.cycle_start,
        categories=tuple(spec.categories),
        max_minutes_per_day=spec.max_hours_per_day * 60,
        xapi_url_prefix=(None if spec.xapi_url_prefix is None
                         else spec.xapi_url_prefix.rstrip("/") or "/"),
        credit_rules=tuple(rule.read(index) for index, rule in enumerate(spec.xapi_credit_rules)),
        xapi_forward=None if spec.xapi_forward is None else spec.xapi_forward.read(),
        evidence_max_bytes=spec.evidence_max_bytes,
        evidence_types=tuple(spec.evidence_types),
        reminder_time=spec.reminder_time,
        reminder_catch_up_days=spec.reminder_catch_up_days,
        digest_weekday=spec.digest_day,
        api_clients=clients,
        **({"clock": spec.clock} if spec.clock else {}),
    )


def _in_key_order(problem: Problem) -> tuple[int, int]:
    """Problems in the order of :data:`DEFAULTS`, a list's entries in order; a problem that
    names its own key (``CPD_API_TOKENS``) last."""
    keys = list(DEFAULTS)
    path = problem.path
    rank = keys.index(path[0]) if path and path[0] in keys else len(keys)
    return rank, path[1] if len(path) > 1 and isinstance(path[1], int) else -1


def callable_setting(config: Mapping[str, Any], key: str) -> Callable[..., Any] | None:
    """A hook given as a config value (or ``None``); anything else is a start-up error."""
    value, problems = check(Callable[..., Any] | None, config.get(key), key)
    if problems:
        raise ConfigError(problems)
    return value

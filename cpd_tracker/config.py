"""The ``CPD_*`` configuration keys: their defaults, their checks, and the parsed settings.

Every key a host may set is listed in :data:`DEFAULTS` (and in the README's table). Unknown
``CPD_`` keys are an error at start-up, because a misspelt key silently ignored is a setting
the force believes it has and does not.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
}

_IDENTITIES = ("account", "mbox")


class ConfigError(RuntimeError):
    """The host's configuration cannot work; the message says what to change."""


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
    return Settings(
        url_prefix=prefix.rstrip("/") or "/",
        base_template=config["CPD_BASE_TEMPLATE"],
        lms_home_page=home_page,
        actor_identity=identity,
        statement_namespace=_uuid(config["CPD_STATEMENT_NAMESPACE"]),
        timezone=_zone(config["CPD_TIMEZONE"]),
        cycle_start=_month_day(config["CPD_CYCLE_START"]),
        categories=_categories(config["CPD_CATEGORIES"]),
        max_minutes_per_day=_max_hours(config["CPD_MAX_HOURS_PER_DAY"]) * 60,
        xapi_url_prefix=None if xapi_prefix is None else (xapi_prefix.rstrip("/") or "/"),
    )


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

"""The shape of a framework file, as Pydantic models: types, ranges and the keys each place
accepts, so the schema itself says what a file may hold.

What spans the file (versions that overlap, categories, kinds and items a rule names, codes
given twice) is checked after it, in :mod:`~cpd_tracker.frameworks.checks`; reading and
reporting are in :mod:`~cpd_tracker.frameworks.schema`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from cpd_tracker.engine.requirements import DEFAULT_AT_RISK_DAYS, DEFAULT_REMINDER_DAYS

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=64)]
#: What a code looks like, in words (Pydantic would quote the pattern).
CODE_RULE = ("a code is lower-case letters, digits and hyphens, starting with a letter or "
             "digit (e.g. intelligence-officer)")


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Codes = Annotated[list[Code], BeforeValidator(_one_or_many)]


def _distinct_days(value: list[int]) -> list[int]:
    repeated = sorted({day for day in value if value.count(day) > 1})
    if repeated:
        raise ValueError(f"each stage once: {', '.join(map(str, repeated))} repeated")
    return value


#: Reminder stages: days before a due day or expiry (0: on the day; negative: after it).
ReminderDays = Annotated[list[Annotated[int, Field(ge=-365, le=3650, strict=True)]],
                         AfterValidator(_distinct_days)]
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindSpec(_Strict):
    """A kind of record a rule can count (``reflective-account``)."""

    code: Code
    name: str = Field(min_length=1)
    plural: str | None = None
    #: ``false`` for records that are not a length of time (a reflective account, an output):
    #: they may be logged with no duration.
    duration: bool = True


class CategorySpec(_Strict):
    """A CPD category a framework's rules count (``planned``: "Planned learning"), offered to
    the holders of its roles beside the force's own (``CPD_CATEGORIES``)."""

    code: Code
    name: str = Field(min_length=1, max_length=255)


class ItemSpec(_Strict):
    """A named item a rule can require (``data-protection``: "Data protection refresher")."""

    code: Code
    name: str = Field(min_length=1)


class FixedCycleSpec(_Strict):
    type: Literal["fixed"]
    #: ``"04-01"`` for yearly cycles, or a date a cycle began (needed for multi-year cycles).
    start: str | date
    years: int = Field(1, ge=1, le=5, strict=True)

    @field_validator("start")
    @classmethod
    def _start(cls, value: str | date) -> str | date:
        if isinstance(value, date):
            return value
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            # A full date, as written in a file or as a stored version keeps it (JSON text).
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        match = _MONTH_DAY.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a start date; write MM-DD (e.g. 04-01) or a "
                             "full date (e.g. 2025-04-01)")
        if value == "02-29":
            raise ValueError("'02-29' is not accepted: 29 February does not come every year")
        try:
            date(2001, int(match[1]), int(match[2]))
        except ValueError:
            raise ValueError(f"{value!r} is not a day of the year (MM-DD)") from None
        return value


class AnniversaryCycleSpec(_Strict):
    type: Literal["anniversary"]
    of: Literal["appointment", "accreditation"]
    years: int = Field(1, ge=1, le=5, strict=True)


class RollingCycleSpec(_Strict):
    type: Literal["rolling"]
    months: int = Field(ge=1, le=120, strict=True)


CycleSpec = Annotated[FixedCycleSpec | AnniversaryCycleSpec | RollingCycleSpec,
                      Field(discriminator="type")]


class _RuleSpec(_Strict):
    code: Code | None = None
    label: str | None = None
    category: Codes | None = None
    kind: Codes | None = None
    participatory: bool | None = None
    verified_only: bool = False
    #: A recommended target: shown with its progress, never failing, never reminded.
    advisory: bool = False


class HoursRuleSpec(_RuleSpec):
    """At least ``hours`` of matching CPD in the cycle."""

    type: Literal["hours"]
    hours: float = Field(gt=0, le=10_000, strict=True)
    pro_rata: bool = True


class CountRuleSpec(_RuleSpec):
    """At least ``count`` matching records (optionally with a written reflection or impact)."""

    type: Literal["count"]
    count: int = Field(ge=1, le=1_000, strict=True)
    output: Literal["reflection", "impact"] | None = None
    pro_rata: bool = False


class ItemRuleSpec(_Strict):
    """A named item, current (renewed every ``every_months``) or done within the cycle."""

    type: Literal["item"]
    item: Code
    every_months: int | None = Field(None, ge=1, le=120, strict=True)
    code: Code | None = None
    label: str | None = None
    verified_only: bool = False


RuleSpec = Annotated[HoursRuleSpec | CountRuleSpec | ItemRuleSpec, Field(discriminator="type")]


class AccountabilitySpec(_Strict):
    """One of a role profile's key accountabilities, which officers link reflections to."""

    code: Code
    name: str = Field(min_length=1, max_length=255)


class RoleSpec(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=255)
    cycle: CycleSpec
    pro_rata: list[Literal["fte", "days-in-role", "absence"]] = []
    at_risk_days: int = Field(DEFAULT_AT_RISK_DAYS, ge=0, le=3650, strict=True)
    reminders: ReminderDays = list(DEFAULT_REMINDER_DAYS)
    rules: list[RuleSpec] = Field(min_length=1)
    #: Where CPD done in an extension counts: the extended cycle only (``owed``) or the cycle
    #: under way as well (``both``).
    extension_counts: Literal["owed", "both"] = "owed"
    #: A submission deadline this many days before each cycle ends (CPD counts up to it).
    submit_days_before_end: int = Field(0, ge=0, le=365, strict=True)
    #: A grace period of this many days after each cycle ends, to record and evidence CPD done
    #: in the cycle: the cycle is still owed (not missed) until it passes.
    grace_days: int = Field(0, ge=0, le=365, strict=True)
    #: Descriptive, not a rule: kept out of a version's stored definition (see ``frameworks``).
    accountabilities: list[AccountabilitySpec] = []


class VersionSpec(_Strict):
    version: str = Field(min_length=1, max_length=64)
    effective_from: date
    effective_to: date | None = None
    roles: list[RoleSpec] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        # ``version: 2026`` or ``version: 2026-04-01`` read as a number or a date in YAML; a
        # label is what is meant.
        if isinstance(value, date) or (isinstance(value, int) and not isinstance(value, bool)):
            return value.isoformat() if isinstance(value, date) else str(value)
        return value


class EndorsementSpec(_Strict):
    """A specialism an accreditation can carry (``covert-sources``: "Covert sources")."""

    code: Code
    name: str = Field(min_length=1, max_length=255)


class RenewalNeedsSpec(_Strict):
    """What a renewal submission must include, besides the CPD cycles the lead sees."""

    competence_statement: bool = True
    evidence_files: int = Field(1, ge=0, le=20, strict=True)


class AccreditationSpec(_Strict):
    """The scheme a framework's roles are accredited in, and how the accreditation is kept."""

    name: str = Field(min_length=1, max_length=255)
    roles: Codes = Field(min_length=1)
    valid_years: int = Field(ge=1, le=10, strict=True)
    renewal_window_days: int = Field(90, ge=0, le=3650, strict=True)
    grace_days: int = Field(0, ge=0, le=365, strict=True)
    lapse_on_missed_cycle: bool = False
    #: Renewal reminder stages, in days before expiry (negative: after it, in the grace days).
    reminders: ReminderDays = list(DEFAULT_REMINDER_DAYS)
    renewal_needs: RenewalNeedsSpec = RenewalNeedsSpec()
    endorsements: list[EndorsementSpec] = []


class FrameworkSpec(_Strict):
    framework: Code
    title: str = Field(min_length=1, max_length=255)
    description: str = ""
    categories: list[CategorySpec] = []
    kinds: list[KindSpec] = []
    items: list[ItemSpec] = []
    accreditation: AccreditationSpec | None = None
    versions: list[VersionSpec] = Field(min_length=1)



def rule_code(rule: HoursRuleSpec | CountRuleSpec | ItemRuleSpec) -> str:
    """A rule's stable code: given in the file, or made from what it counts."""
    if rule.code:
        return rule.code
    if isinstance(rule, ItemRuleSpec):
        return f"item-{rule.item}"
    parts = [rule.type]
    parts += list(rule.category or []) + list(rule.kind or [])
    if rule.participatory:
        parts.append("participatory")
    if isinstance(rule, CountRuleSpec) and rule.output:
        parts.append(rule.output)
    if rule.verified_only:
        parts.append("verified")
    if rule.advisory:
        parts.append("recommended")
    return "-".join(parts)

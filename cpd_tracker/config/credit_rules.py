"""``CPD_XAPI_CREDIT_RULES``: which statements LRS clients send count as CPD, and how.

A rule is written as a dict (:class:`CreditRuleSpec` is its shape) and read into a
:class:`CreditRule`, which :mod:`cpd_tracker.projection.crediting` applies. The categories a
rule names are checked against ``CPD_CATEGORIES`` after the shape, like a framework file's
references, so a rule with several mistakes is reported whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cpd_tracker import vocabulary
from cpd_tracker.config.errors import ConfigError, check
from cpd_tracker.problems import Problem, not_one_of
from xapi import VOIDED_VERB

KEY = "CPD_XAPI_CREDIT_RULES"
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


def _iri(value: str) -> str:
    if not _IRI.match(value):
        raise ValueError(f"{value!r} is not an absolute IRI (such as "
                         "'http://adlnet.gov/expapi/activities/course')")
    return value


def _not_ours(verb: str) -> str:
    # The library's own statements are credited by its own projection, never by a rule.
    if verb == VOIDED_VERB or verb.startswith(vocabulary.BASE + "/"):
        raise ValueError(f"{verb!r} is cpd-tracker's own (or xAPI's voiding) verb, which its own "
                         "records use; credit rules are for what LMS clients send, such as "
                         "'http://adlnet.gov/expapi/verbs/completed'")
    return verb


def _client_name(value: str) -> str:
    if not value.strip():
        raise ValueError(f"{value!r} is not an LRS client's name, such as 'my-lms'")
    return value


def _framework_code(value: str) -> str:
    if not value.strip():
        raise ValueError(f"{value!r} is not a code from your frameworks, such as "
                         "'reflective-account'")
    return value


Iri = Annotated[str, Field(strict=True), AfterValidator(_iri)]
Iris = Annotated[list[Iri], Field(min_length=1)]
ClientName = Annotated[str, Field(strict=True), AfterValidator(_client_name)]
FrameworkCode = Annotated[str, Field(strict=True), AfterValidator(_framework_code)]


class CreditRuleSpec(BaseModel):
    """One rule as the host writes it; what each field means is in
    :mod:`cpd_tracker.projection.crediting`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clients: Annotated[list[ClientName], Field(min_length=1)]
    verbs: Annotated[list[Annotated[Iri, AfterValidator(_not_ours)]], Field(min_length=1)]
    activity_types: Iris | None = None
    activities: Iris | None = None
    category: str = Field(strict=True)
    duration_extension: Iri | None = None
    default_minutes: Annotated[int, Field(ge=1, le=24 * 60, strict=True)] | None = None
    kind: FrameworkCode | None = None
    item: FrameworkCode | None = None
    participatory: bool = Field(False, strict=True)
    verified: bool = Field(True, strict=True)

    @model_validator(mode="after")
    def _says_what_it_credits(self) -> CreditRuleSpec:
        if self.activity_types is None and self.activities is None:
            raise ValueError("give activity_types (activity type IRIs) or activities (activity "
                             "ids), or both, so that the rule does not credit everything a "
                             "client sends")
        return self

    def read(self, index: int) -> CreditRule:
        """The rule as crediting applies it; ``index`` is its place in the list."""
        return CreditRule(
            index=index, clients=frozenset(self.clients), verbs=frozenset(self.verbs),
            category=self.category, activity_types=frozenset(self.activity_types or ()),
            activities=frozenset(self.activities or ()),
            duration_extension=self.duration_extension, default_minutes=self.default_minutes,
            kind=self.kind, item=self.item, participatory=self.participatory,
            verified=self.verified)


CreditRuleSpecs = list[CreditRuleSpec]


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
        return f"{KEY}[{self.index}]"


def credit_rules(value: Any, *, categories: Collection[str]) -> tuple[CreditRule, ...]:
    """Check ``CPD_XAPI_CREDIT_RULES`` and return its rules, or raise :class:`ConfigError`
    listing every problem, each naming the rule, the field, the value and what is accepted."""
    specs, problems = check(CreditRuleSpecs, value, KEY)
    problems += undeclared_categories(value, categories)
    if problems:
        raise ConfigError(sorted(problems, key=lambda problem: problem.path[1:2]))
    return tuple(spec.read(index) for index, spec in enumerate(specs))


def undeclared_categories(value: Any, categories: Collection[str]) -> Iterator[Problem]:
    """Rules whose category is not one of the force's, read from the raw value so that they
    are reported with the rule's other problems."""
    for index, rule in enumerate(value if isinstance(value, list | tuple) else []):
        category = rule.get("category") if isinstance(rule, Mapping) else None
        if isinstance(category, str) and category not in categories:
            yield Problem((KEY, index, "category"), not_one_of(
                category, "the force's categories (CPD_CATEGORIES)", categories))

"""Reading requirement sets back: the rules each role is judged by, over time.

Stored versions are read into the engine's :class:`~cpd_tracker.engine.requirements.RequirementSet`
(with the words a person reads for each rule), and the version in force on a day is found here,
so judging never reads a framework file or a stored definition itself. Also read back: the
kinds and items the log form offers, each framework's accreditation rules, and the key
accountabilities of a role's profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker.engine.accreditation import AccreditationRules, Endorsement
from cpd_tracker.engine.cycles import Cycle, cycle_for
from cpd_tracker.engine.requirements import ActivityFilter, CyclePolicy, RequirementSet, Rule
from cpd_tracker.frameworks.loading import stored_definition
from cpd_tracker.frameworks.spec import (
    AccreditationSpec,
    CountRuleSpec,
    FixedCycleSpec,
    FrameworkSpec,
    HoursRuleSpec,
    ItemRuleSpec,
    RoleSpec,
    VersionSpec,
    rule_code,
)
from cpd_tracker.models import Accreditation, Framework, FrameworkVersion, Role


@dataclass(frozen=True)
class VersionInForce:
    """One version of a role's requirements and the days it is in force (``effective_to``
    is the day before the next version starts, when the file gives no end)."""

    effective_from: date
    effective_to: date | None
    requirements: RequirementSet


@dataclass(frozen=True)
class RoleRequirements:
    """Every version of one role's requirements, oldest first."""

    role_code: str
    versions: tuple[VersionInForce, ...]

    def in_force(self, day: date) -> RequirementSet | None:
        """The version in force on ``day``: from its start until the next begins (or its end)."""
        found = None
        for version in self.versions:
            if version.effective_from <= day and (version.effective_to is None
                                                  or day <= version.effective_to):
                found = version.requirements
        return found

    def for_day(self, day: date, anchor: date | None = None
                ) -> tuple[RequirementSet, Cycle] | None:
        """The requirements to judge ``day`` by, and the cycle they apply to.

        A cycle is judged by the version in force when it started (or, if it started before
        the framework's first version, by the first version in force during it), so changing
        the rules mid-cycle never rewrites the cycle under way.
        """
        current = self.in_force(day)
        if current is None:
            return None
        cycle = cycle_for(current.cycle, day, anchor)
        started_under = self.in_force(cycle.start)
        if started_under is not None and started_under is not current:
            earlier = cycle_for(started_under.cycle, day, anchor)
            # Only if that version's own cycle began while it was in force; when the cycle
            # shape itself changed, the new version's cycle is the one under way.
            if self.in_force(earlier.start) is started_under:
                return started_under, earlier
        return current, cycle


def versions_of(spec: FrameworkSpec, *, categories: dict[str, str] | None = None
                ) -> dict[str, dict[str, RequirementSet]]:
    """A checked file's requirement sets, by version label then role code (no database)."""
    return {
        version.version: requirement_sets(stored_definition(spec, version),
                                          framework=spec.framework, categories=categories,
                                          title=spec.title)
        for version in spec.versions
    }


def requirement_sets(definition: dict[str, Any], *, framework: str = "",
                     categories: dict[str, str] | None = None, title: str = ""
                     ) -> dict[str, RequirementSet]:
    """The requirement sets of one stored version, by role code."""
    version = VersionSpec.model_validate(
        {key: definition[key] for key in ("version", "effective_from", "effective_to", "roles")})
    kinds = {kind["code"]: kind for kind in definition.get("kinds", [])}
    items = {item["code"]: item["name"] for item in definition.get("items", [])}
    # The file's own categories read as it names them, unless the force names them itself.
    categories = {**{category["code"]: category["name"]
                     for category in definition.get("categories", [])}, **(categories or {})}
    return {
        role.code: _requirement_set(framework, version.version, role, kinds, items,
                                    categories or {}, title)
        for role in version.roles
    }


def _requirement_set(framework: str, version: str, role: RoleSpec, kinds: dict[str, Any],
                     items: dict[str, str], categories: dict[str, str],
                     title: str = "") -> RequirementSet:
    cycle = role.cycle
    if isinstance(cycle, FixedCycleSpec):
        start = cycle.start if isinstance(cycle.start, date) else date(
            2001, int(cycle.start[:2]), int(cycle.start[3:]))
        policy = CyclePolicy("fixed", years=cycle.years, start=start)
    elif cycle.type == "anniversary":
        policy = CyclePolicy("anniversary", years=cycle.years, anchor=cycle.of)
    else:
        policy = CyclePolicy("rolling", months=cycle.months)
    return RequirementSet(
        framework=framework, version=version, role_code=role.code, role_name=role.name,
        framework_title=title,
        cycle=policy,
        rules=tuple(_rule(rule, kinds, items, categories) for rule in role.rules),
        pro_rata=frozenset(role.pro_rata), at_risk_days=role.at_risk_days,
        reminder_days=tuple(role.reminders), extension_counts=role.extension_counts,
        due_offset_days=role.grace_days - role.submit_days_before_end,
    )


def _rule(rule: HoursRuleSpec | CountRuleSpec | ItemRuleSpec, kinds: dict[str, Any],
          items: dict[str, str], categories: dict[str, str]) -> Rule:
    code = rule_code(rule)
    if isinstance(rule, ItemRuleSpec):
        return Rule(code=code, label=rule.label or items.get(rule.item, rule.item),
                    measure="item", item=rule.item, every_months=rule.every_months,
                    matches=ActivityFilter(verified_only=rule.verified_only), pro_rata=False)
    category_codes = _codes(rule.category)
    kind_codes = _codes(rule.kind)
    matches = ActivityFilter(categories=category_codes, kinds=kind_codes,
                             participatory=rule.participatory, verified_only=rule.verified_only,
                             output=rule.output if isinstance(rule, CountRuleSpec) else None)
    words = _describe(rule, category_codes, kind_codes, kinds, categories)
    if isinstance(rule, HoursRuleSpec):
        return Rule(code=code, label=rule.label or f"{words[0].upper()}{words[1:]} hours",
                    measure="minutes", target=round(rule.hours * 60), matches=matches,
                    noun=words, noun_one=words, pro_rata=rule.pro_rata, advisory=rule.advisory)
    singular, plural = _count_nouns(rule, kind_codes, kinds)
    label = rule.label or f"{plural[0].upper()}{plural[1:]}"
    return Rule(code=code, label=label, measure="count", target=rule.count, matches=matches,
                noun=plural, noun_one=singular, pro_rata=rule.pro_rata, advisory=rule.advisory)


def _codes(value: list[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _describe(rule: HoursRuleSpec | CountRuleSpec, category_codes: frozenset[str] | None,
              kind_codes: frozenset[str] | None, kinds: dict[str, Any],
              categories: dict[str, str]) -> str:
    """``"CPD"``, ``"formal learning"``, ``"participatory CPD"``: what an hours rule counts."""
    parts = []
    if rule.participatory:
        parts.append("participatory")
    if category_codes:
        parts.append(" or ".join(_short(categories.get(c, c)) for c in sorted(category_codes)))
    elif kind_codes:
        parts.append(" or ".join(kinds.get(k, {}).get("name", k) for k in sorted(kind_codes)))
    else:
        parts.append("CPD")
    if rule.verified_only:
        parts.append("(verified)")
    return " ".join(parts)


def _short(label: str) -> str:
    """``"Formal learning (course, workshop)"`` -> ``"formal learning"``."""
    head = label.split(" (")[0]
    return head[:1].lower() + head[1:] if head[1:2].islower() else head


def _count_nouns(rule: CountRuleSpec, kind_codes: frozenset[str] | None,
                 kinds: dict[str, Any]) -> tuple[str, str]:
    if kind_codes and len(kind_codes) == 1:
        kind = kinds.get(next(iter(kind_codes)), {})
        one = kind.get("name", next(iter(kind_codes))).lower()
        return one, kind.get("plural") or f"{one}s"
    if rule.output == "reflection":
        return "written reflection", "written reflections"
    if rule.output == "impact":
        return "impact statement", "impact statements"
    return "CPD record", "CPD records"


def catalogue(session: Session, role_codes: Iterable[str] | None = None, *,
              categories: dict[str, str] | None = None) -> dict[str, RoleRequirements]:
    """Every role's requirements over time, by role code (two queries, whatever the force)."""
    query = (sa.select(Framework).options(selectinload(Framework.versions)))
    wanted = set(role_codes) if role_codes is not None else None
    by_role: dict[str, list[VersionInForce]] = {}
    for framework in session.scalars(query):
        ordered = list(framework.versions)
        for position, version in enumerate(ordered):
            sets = _cached_sets(framework.code, framework.title, version, categories or {})
            ends = version.effective_to
            if ends is None and position + 1 < len(ordered):
                ends = ordered[position + 1].effective_from - timedelta(days=1)
            for code, requirements in sets.items():
                if wanted is None or code in wanted:
                    by_role.setdefault(code, []).append(
                        VersionInForce(version.effective_from, ends, requirements))
    return {code: RoleRequirements(code, tuple(versions)) for code, versions in by_role.items()}


def vocabulary_for(session: Session, role_codes: Iterable[str]
                   ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The kinds of record and named items the frameworks of these roles speak of, by code.

    What the log form offers: an officer picks a kind or an item their own roles count.
    """
    kinds: dict[str, str] = {}
    items: dict[str, str] = {}
    # No DISTINCT: PostgreSQL cannot compare JSON values; the same framework twice is harmless.
    query = (sa.select(Framework.vocabulary).join(Role, Role.framework_id == Framework.id)
             .where(Role.code.in_(list(role_codes))))
    for vocabulary in session.scalars(query):
        kinds.update({kind["code"]: kind["name"] for kind in vocabulary.get("kinds", [])})
        items.update({item["code"]: item["name"] for item in vocabulary.get("items", [])})
    return sorted(kinds.items(), key=lambda p: p[1]), sorted(items.items(), key=lambda p: p[1])


def categories_for(session: Session, role_codes: Iterable[str]) -> list[tuple[str, str]]:
    """The categories these roles' frameworks declare, ``(code, name)``, by name: offered to
    the holders beside the force's own."""
    query = (sa.select(Framework.vocabulary).join(Role, Role.framework_id == Framework.id)
             .where(Role.code.in_(list(role_codes))))
    found = {category["code"]: category["name"] for vocabulary in session.scalars(query)
             for category in vocabulary.get("categories", [])}
    return sorted(found.items(), key=lambda pair: pair[1])


def category_names(session: Session) -> dict[str, str]:
    """Every category any loaded framework declares, by code (for labels)."""
    return {category["code"]: category["name"]
            for vocabulary in session.scalars(sa.select(Framework.vocabulary))
            for category in vocabulary.get("categories", [])}


def word_names(session: Session) -> dict[str, str]:
    """The names of every loaded framework's kinds of record and items, by code (for exports
    that show names beside codes)."""
    found: dict[str, str] = {}
    for vocabulary in session.scalars(sa.select(Framework.vocabulary)):
        for entry in [*vocabulary.get("kinds", []), *vocabulary.get("items", [])]:
            found.setdefault(entry["code"], entry["name"])
    return found


def kinds_without_duration(session: Session, role_codes: Iterable[str]) -> set[str]:
    """The kinds of record of these roles' frameworks that are not a length of time (a
    reflective account): they may be logged with no duration."""
    query = (sa.select(Framework.vocabulary).join(Role, Role.framework_id == Framework.id)
             .where(Role.code.in_(list(role_codes))))
    # A kind only if every framework of these roles that declares it says so: a record one
    # framework counts as time must not go without it because another does not.
    timed: set[str] = set()
    timeless: set[str] = set()
    for vocabulary in session.scalars(query):
        for kind in vocabulary.get("kinds", []):
            (timeless if kind.get("duration") is False else timed).add(kind["code"])
    return timeless - timed


_CACHE: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], dict[str, RequirementSet]] = {}


def _cached_sets(framework: str, title: str, version: FrameworkVersion,
                 categories: dict[str, str]) -> dict[str, RequirementSet]:
    # Stored versions never change in place (a new checksum is a new key), so parsing each
    # once per process is safe and keeps My CPD from re-validating JSON on every request.
    key = (framework, title, version.checksum, tuple(sorted(categories.items())))
    if key not in _CACHE:
        _CACHE[key] = requirement_sets(version.definition, framework=framework,
                                       categories=categories, title=title)
    return _CACHE[key]


# --- Accreditation and accountabilities ---------------------------------------------------------


def accreditation_rules(session: Session, scheme: str) -> AccreditationRules | None:
    """The accreditation rules of framework ``scheme``, or ``None`` if it declares none."""
    vocabulary = session.scalar(sa.select(Framework.vocabulary).where(Framework.code == scheme))
    return _accreditation(scheme, vocabulary)


def schemes_for(session: Session, role_codes: Iterable[str] | None = None
                ) -> list[AccreditationRules]:
    """The accreditation schemes that apply to any of ``role_codes`` (every scheme if
    ``None``), by name. One query: a force has a handful of frameworks."""
    wanted = None if role_codes is None else set(role_codes)
    found = []
    for code, vocabulary in session.execute(sa.select(Framework.code, Framework.vocabulary)):
        rules = _accreditation(code, vocabulary)
        if rules is not None and (wanted is None or wanted & set(rules.roles)):
            found.append(rules)
    return sorted(found, key=lambda rules: (rules.name, rules.scheme))


def accreditation_dates(session: Session, learner_ids: Iterable[int] | None = None
                        ) -> dict[tuple[int, str], date]:
    """Each person's accreditation date for each role their schemes cover, by (learner id,
    role code): what cycles "from the accreditation date" count from. The date is the
    accreditation record's (recorded by the officer, renewed or reinstated by a lead), so
    there is one date, not a copy per role."""
    roles = {rules.scheme: rules.roles for rules in schemes_for(session)}
    if not roles:
        return {}
    query = (sa.select(Accreditation.learner_id, Accreditation.scheme,
                       Accreditation.accredited_on)
             .where(Accreditation.scheme.in_(sorted(roles)),
                    Accreditation.accredited_on.is_not(None)))
    if learner_ids is not None:
        query = query.where(Accreditation.learner_id.in_(sorted(set(learner_ids))))
    found: dict[tuple[int, str], date] = {}
    for learner_id, scheme, accredited in session.execute(query):
        for code in roles[scheme]:
            found[(learner_id, code)] = accredited
    return found


def accountabilities_for(session: Session, role_codes: Iterable[str]) -> list[tuple[str, str]]:
    """The key accountabilities of these roles' profiles, as ``(code, name)``: what an officer
    may link a reflection to. In the order the roles are given, then the file's; a code two
    roles share appears once."""
    codes = list(role_codes)
    query = (sa.select(Role.code, Framework.vocabulary)
             .join(Framework, Framework.id == Role.framework_id).where(Role.code.in_(codes)))
    by_role = {code: (vocabulary or {}).get("accountabilities", {}).get(code, [])
               for code, vocabulary in session.execute(query)}
    found: dict[str, str] = {}
    for code in codes:
        for entry in by_role.get(code, []):
            found.setdefault(entry["code"], entry["name"])
    return list(found.items())


def _accreditation(scheme: str, vocabulary: dict[str, Any] | None) -> AccreditationRules | None:
    stored = (vocabulary or {}).get("accreditation")
    if stored is None:
        return None
    spec = AccreditationSpec.model_validate(stored)
    return AccreditationRules(
        scheme=scheme, name=spec.name, roles=tuple(spec.roles), valid_years=spec.valid_years,
        renewal_window_days=spec.renewal_window_days, grace_days=spec.grace_days,
        lapse_on_missed_cycle=spec.lapse_on_missed_cycle,
        competence_statement=spec.renewal_needs.competence_statement,
        evidence_files=spec.renewal_needs.evidence_files,
        reminder_days=tuple(spec.reminders),
        endorsements=tuple(Endorsement(e.code, e.name) for e in spec.endorsements))

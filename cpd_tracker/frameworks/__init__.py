"""Requirement frameworks: loading a checked file into the database, and reading rules back.

Loading is all-or-nothing and says what changed. Versions are history: one that has come into
force is never changed or dropped, because cycles that started under it are judged by it; a
change of rules is a new version with a later ``effective_from``. Versions not yet in force may
be replaced or withdrawn freely.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker.engine.accreditation import AccreditationRules, Endorsement
from cpd_tracker.engine.cycles import Cycle, cycle_for
from cpd_tracker.engine.requirements import ActivityFilter, CyclePolicy, RequirementSet, Rule
from cpd_tracker.frameworks.schema import (
    AccreditationSpec,
    CountRuleSpec,
    FixedCycleSpec,
    FrameworkError,
    FrameworkInvalid,
    FrameworkSpec,
    HoursRuleSpec,
    ItemRuleSpec,
    RoleSpec,
    VersionSpec,
    parse,
    rule_code,
)
from cpd_tracker.marks import mark_everyone
from cpd_tracker.models import Framework, FrameworkVersion, Role

__all__ = [
    "AccreditationRules", "FrameworkError", "FrameworkInvalid", "LoadReport",
    "RoleRequirements", "accountabilities_for", "accreditation_rules", "catalogue", "load",
    "load_file", "parse", "requirement_sets", "schemes_for", "shipped", "versions_of",
    "vocabulary_for",
]


def shipped(name: str) -> Path:
    """The path of a framework file shipped with the library (``"ipp-example"``...)."""
    folder = Path(str(resources.files("cpd_tracker.frameworks")))
    path = folder / f"{name}.yaml"
    if "/" in name or not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise LookupError(f"no shipped framework {name!r}; there are: {', '.join(available)}")
    return path


@dataclass
class LoadReport:
    """What loading a file changed, line by line, for the person who loaded it."""

    framework: str
    title: str
    created: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or any(not line.endswith("unchanged") for line in self.changes)

    def __str__(self) -> str:
        head = f"Framework {self.framework} ({self.title}): " + (
            "created" if self.created else "updated" if self.changed else "no change")
        return "\n".join([head, *(f"  {line}" for line in self.changes)])


def load_file(session: Session, path: str | Path, *, categories: Collection[str],
              today: date) -> LoadReport:
    """Check and load a framework file; see :func:`load`."""
    text = Path(path).read_text(encoding="utf-8")
    return load(session, parse(text, categories=categories, source=str(path)), today=today)


def load(session: Session, spec: FrameworkSpec, *, today: date) -> LoadReport:
    """Store a checked framework: versions added, replaced (if not yet in force) or refused.

    Flushes, does not commit: the caller commits, so loading is all-or-nothing. Raises
    :class:`FrameworkInvalid` if the file would change history.
    """
    framework = session.scalar(
        sa.select(Framework).where(Framework.code == spec.framework)
        .options(selectinload(Framework.versions))
    )
    report = LoadReport(spec.framework, spec.title, created=framework is None)
    if framework is None:
        framework = Framework(code=spec.framework)
        session.add(framework)
    framework.title = spec.title
    before = (framework.vocabulary or {}).get("accreditation") if framework.id else None
    framework.vocabulary = _vocabulary(spec)
    errors: list[FrameworkError] = []
    existing = {version.version: version for version in framework.versions}
    for index, version_spec in enumerate(spec.versions):
        definition = _definition(spec, version_spec)
        checksum = _checksum(definition)
        stored = existing.pop(version_spec.version, None)
        name = f"version {version_spec.version} (from {version_spec.effective_from:%-d %b %Y})"
        backdated = _backdating(framework.versions, version_spec, stored, today)
        if backdated and (stored is None or stored.checksum != checksum):
            errors.append(FrameworkError(None, f"versions[{index}].effective_from", backdated))
        elif stored is None:
            framework.versions.append(FrameworkVersion(
                version=version_spec.version, effective_from=version_spec.effective_from,
                effective_to=version_spec.effective_to, definition=definition,
                checksum=checksum))
            report.changes.append(f"{name}: added, {_roles_text(version_spec)}")
        elif stored.checksum == checksum:
            report.changes.append(f"{name}: unchanged")
        elif stored.effective_from > today:
            stored.effective_from = version_spec.effective_from
            stored.effective_to = version_spec.effective_to
            stored.definition, stored.checksum = definition, checksum
            report.changes.append(f"{name}: replaced (not yet in force), "
                                  f"{_roles_text(version_spec)}")
        else:
            errors.append(FrameworkError(None, f"versions[{index}]", (
                f"version {stored.version!r} has been in force since "
                f"{stored.effective_from:%-d %b %Y} and is already loaded with different "
                "rules; cycles that started under it are judged by it, so it cannot change. "
                "Add a new version with a later effective_from instead")))
    for stored in existing.values():
        if stored.effective_from > today:
            session.delete(stored)
            report.changes.append(f"version {stored.version}: withdrawn (was not yet in force)")
        else:
            errors.append(FrameworkError(None, "versions", (
                f"version {stored.version!r} (in force since {stored.effective_from:%-d %b %Y})"
                " is loaded but missing from the file; keep it in the file, so the cycles "
                "that started under it keep their rules")))
    report.changes += _accreditation_change(before, framework.vocabulary.get("accreditation"))
    errors += _claim_roles(session, framework, spec)
    if errors:
        raise FrameworkInvalid(spec.framework, errors)
    session.flush()
    if report.changed:
        mark_everyone(session)  # new rules judge everyone holding the roles anew
    return report


def _backdating(stored_versions: list[FrameworkVersion], version: VersionSpec,
                stored: FrameworkVersion | None, today: date) -> str | None:
    """Why a new or changed version may not start when it says, or ``None`` if it may.

    A version starting on or before today, while another loaded version was already in force
    that day, would re-judge cycles that began under the other one.
    """
    if version.effective_from > today:
        return None
    earlier = [v for v in stored_versions if v is not stored and v.id is not None
               and v.effective_from <= version.effective_from]
    if not earlier:
        return None
    in_force = max(earlier, key=lambda v: v.effective_from)
    return (f"version {version.version!r} would start on {version.effective_from:%-d %b %Y}, "
            f"not after today, while version {in_force.version!r} was already in force; "
            "cycles already under way would be judged again. Give it an effective_from after "
            "today")


def _claim_roles(session: Session, framework: Framework,
                 spec: FrameworkSpec) -> list[FrameworkError]:
    latest: dict[str, str] = {}
    for version in sorted(spec.versions, key=lambda v: v.effective_from):
        latest.update({role.code: role.name for role in version.roles})
    roles = {role.code: role for role in session.scalars(
        sa.select(Role).where(Role.code.in_(latest)))}
    errors = []
    for code, name in latest.items():
        role = roles.get(code)
        if role is None:
            session.add(Role(code=code, name=name, framework=framework))
        elif role.framework_id not in (None, framework.id):
            errors.append(FrameworkError(None, "roles", (
                f"the role {code!r} belongs to another framework "
                f"({role.framework.code if role.framework else '?'}); role codes are unique "
                "across the force")))
        else:
            role.name, role.framework = name, framework
    return errors


def _shared(spec: FrameworkSpec) -> dict[str, Any]:
    """The words rules use (kinds, items): copied into every stored version."""
    return {
        "kinds": [kind.model_dump(mode="json") for kind in spec.kinds],
        "items": [item.model_dump(mode="json") for item in spec.items],
    }


def _vocabulary(spec: FrameworkSpec) -> dict[str, Any]:
    """The framework's current vocabulary: the shared words, and (when the file has them) its
    accreditation rules and each role's key accountabilities, as of its latest version.

    These two live here rather than in the versions: they judge no CPD cycle, and keeping them
    out of a version's definition means adding them to a file leaves versions in force intact.
    """
    found = _shared(spec)
    if spec.accreditation is not None:
        found["accreditation"] = spec.accreditation.model_dump(mode="json")
    accountabilities: dict[str, list[dict[str, str]]] = {}
    for version in sorted(spec.versions, key=lambda v: v.effective_from):
        for role in version.roles:
            if role.accountabilities:
                accountabilities[role.code] = [entry.model_dump(mode="json")
                                               for entry in role.accountabilities]
    if accountabilities:
        found["accountabilities"] = accountabilities
    return found


def _definition(spec: FrameworkSpec, version: VersionSpec) -> dict[str, Any]:
    """A version as stored: self-contained, so later edits to the file's vocabulary do not
    change what a stored version means. Accountabilities are descriptive, not rules: they stay
    out, so the checksum of a version in force does not change when they are added."""
    dumped = version.model_dump(mode="json", exclude={"roles": {"__all__": {"accountabilities"}}})
    return {**_shared(spec), **dumped}


def _accreditation_change(before: dict[str, Any] | None,
                          after: dict[str, Any] | None) -> list[str]:
    """The report's line about the accreditation block, if the file has (or had) one."""
    if before is None and after is None:
        return []
    name = (after or before or {}).get("name", "?")
    if before is None:
        return [f"accreditation {name}: added"]
    if after is None:
        return [f"accreditation {name}: removed"]
    if before == after:
        return [f"accreditation {name}: unchanged"]
    return [f"accreditation {name}: changed (expiry dates already recorded stay as they are)"]


def _checksum(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _roles_text(version: VersionSpec) -> str:
    return "roles: " + ", ".join(f"{role.code} ({len(role.rules)} rules)"
                                 for role in version.roles)


# --- Reading rules back --------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInForce:
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
        version.version: requirement_sets(_definition(spec, version), framework=spec.framework,
                                          categories=categories)
        for version in spec.versions
    }


def requirement_sets(definition: dict[str, Any], *, framework: str = "",
                     categories: dict[str, str] | None = None) -> dict[str, RequirementSet]:
    """The requirement sets of one stored version, by role code."""
    version = VersionSpec.model_validate(
        {key: definition[key] for key in ("version", "effective_from", "effective_to", "roles")})
    kinds = {kind["code"]: kind for kind in definition.get("kinds", [])}
    items = {item["code"]: item["name"] for item in definition.get("items", [])}
    return {
        role.code: _requirement_set(framework, version.version, role, kinds, items,
                                    categories or {})
        for role in version.roles
    }


def _requirement_set(framework: str, version: str, role: RoleSpec, kinds: dict[str, Any],
                     items: dict[str, str], categories: dict[str, str]) -> RequirementSet:
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
        cycle=policy,
        rules=tuple(_rule(rule, kinds, items, categories) for rule in role.rules),
        pro_rata=frozenset(role.pro_rata), at_risk_days=role.at_risk_days,
        reminder_days=tuple(role.reminders),
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
                    noun=words, noun_one=words, pro_rata=rule.pro_rata)
    singular, plural = _count_nouns(rule, kind_codes, kinds)
    label = rule.label or f"{plural[0].upper()}{plural[1:]}"
    return Rule(code=code, label=label, measure="count", target=rule.count, matches=matches,
                noun=plural, noun_one=singular, pro_rata=rule.pro_rata)


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
            sets = _cached_sets(framework.code, version, categories or {})
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


_CACHE: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, RequirementSet]] = {}


def _cached_sets(framework: str, version: FrameworkVersion,
                 categories: dict[str, str]) -> dict[str, RequirementSet]:
    # Stored versions never change in place (a new checksum is a new key), so parsing each
    # once per process is safe and keeps My CPD from re-validating JSON on every request.
    key = (framework, version.checksum, tuple(sorted(categories.items())))
    if key not in _CACHE:
        _CACHE[key] = requirement_sets(version.definition, framework=framework,
                                       categories=categories)
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

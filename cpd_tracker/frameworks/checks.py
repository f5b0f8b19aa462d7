"""The rules of a framework file that span it, checked after its shape.

Versions must not overlap; the categories, kinds and items a rule names must exist (the force's
categories, the file's kinds and items); codes are unique where they identify something; the
accreditation block names roles of the file. On a file the schema refused, the reference checks
run on the raw values too, so one attempt shows every mistake.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from cpd_tracker.frameworks.spec import (
    CODE_PATTERN,
    AccreditationSpec,
    CountRuleSpec,
    FixedCycleSpec,
    FrameworkSpec,
    HoursRuleSpec,
    ItemRuleSpec,
    rule_code,
)
from cpd_tracker.problems import Path, not_one_of, repeated

_CODE = re.compile(CODE_PATTERN)
_CATEGORIES = "the force's categories (CPD_CATEGORIES) and the file's own"


def cross_checks(spec: FrameworkSpec,
                 categories: Collection[str]) -> Iterator[tuple[Path, str]]:
    """Every problem of a file whose shape is right, with its path."""
    kinds = {kind.code for kind in spec.kinds}
    items = {item.code for item in spec.items}
    timeless = {kind.code for kind in spec.kinds if not kind.duration}
    for index, category in enumerate(spec.categories):
        if category.code in categories:
            yield (("categories", index, "code"),
                   f"{category.code!r} is already one of the force's categories "
                   "(CPD_CATEGORIES); rules may name it without declaring it")
    categories = {*categories, *(category.code for category in spec.categories)}
    for name, codes in (("kinds", [k.code for k in spec.kinds]),
                        ("items", [i.code for i in spec.items]),
                        ("categories", [c.code for c in spec.categories])):
        yield from _repeats((name,), codes, "code")
    labels = [version.version for version in spec.versions]
    yield from _repeats(("versions",), labels, "version")
    yield from _overlaps(spec)
    for v, version in enumerate(spec.versions):
        where: Path = ("versions", v)
        if version.effective_to and version.effective_to < version.effective_from:
            yield ((*where, "effective_to"),
                   f"{version.effective_to} is before effective_from {version.effective_from}")
        yield from _repeats((*where, "roles"), [role.code for role in version.roles], "code")
        for r, role in enumerate(version.roles):
            at: Path = (*where, "roles", r)
            cycle = role.cycle
            if (isinstance(cycle, FixedCycleSpec) and cycle.years > 1
                    and not isinstance(cycle.start, date)):
                yield ((*at, "cycle", "start"),
                       f"{cycle.start!r}: a {cycle.years}-year cycle needs the full date one of "
                       "its cycles began (e.g. 2025-04-01), so the years it starts are known")
            if role.grace_days and role.submit_days_before_end:
                yield ((*at, "grace_days"),
                       "a cycle is due either before it ends (submit_days_before_end) or after "
                       "(grace_days), not both")
            years = getattr(cycle, "years", 1)
            if role.cycle.type != "rolling" and role.submit_days_before_end >= 365 * years:
                yield ((*at, "submit_days_before_end"),
                       f"{role.submit_days_before_end}: a deadline this many days before the "
                       f"end falls before the cycle begins (a {years}-year cycle can have "
                       f"{365 * years} days); give fewer days")
            if role.cycle.type == "rolling" and (role.grace_days or role.submit_days_before_end):
                yield ((*at, "cycle"), "a rolling window never ends, so it has no deadline "
                                       "before its end or grace period after it")
            accredited = set(spec.accreditation.roles) if spec.accreditation else set()
            if getattr(cycle, "of", None) == "accreditation" and role.code not in accredited:
                yield ((*at, "cycle", "of"),
                       f"a cycle from the accreditation date needs the accreditation it counts "
                       f"from: name {role.code!r} in the file's accreditation block (its "
                       "roles), whose records hold each person's date")
            if role.cycle.type == "rolling" and role.extension_counts != "owed":
                yield ((*at, "extension_counts"), "a rolling window is never extended, so "
                                                  "where extension CPD counts does not apply")
            for n, rule in enumerate(role.rules):
                if (isinstance(rule, HoursRuleSpec) and rule.kind
                        and set(rule.kind) <= timeless):
                    yield ((*at, "rules", n, "kind"),
                           f"an hours rule cannot count {', '.join(rule.kind)}: records of that "
                           "kind are not a length of time (duration: false); count them instead")
            codes = [rule_code(rule) for rule in role.rules]
            yield from _repeats((*at, "rules"), codes, "code")
            for n, rule in enumerate(role.rules):
                yield from _rule_references((*at, "rules", n), rule, categories, kinds, items)
            yield from _repeats((*at, "accountabilities"),
                                [entry.code for entry in role.accountabilities], "code")
    if spec.accreditation is not None:
        yield from _accreditation_checks(spec.accreditation, {
            role.code for version in spec.versions for role in version.roles})


def _accreditation_checks(accreditation: AccreditationSpec,
                          role_codes: set[str]) -> Iterator[tuple[Path, str]]:
    """The accreditation block names roles of this file and a renewal window that fits."""
    at: Path = ("accreditation",)
    for index, code in enumerate(accreditation.roles):
        if code not in role_codes:
            yield ((*at, "roles", index), _unknown_role(code, role_codes))
        elif code in accreditation.roles[:index]:
            yield ((*at, "roles", index), f"{code!r} is given more than once; name each role "
                                           "once")
    yield from _repeats((*at, "endorsements"),
                        [entry.code for entry in accreditation.endorsements], "code")
    lasts = accreditation.valid_years * 365
    if accreditation.renewal_window_days >= lasts:
        yield ((*at, "renewal_window_days"),
               f"{accreditation.renewal_window_days}: the renewal window must be shorter than "
               f"the accreditation itself ({accreditation.valid_years} year(s), about "
               f"{lasts} days)")


def _unknown_role(code: str, role_codes: Collection[str]) -> str:
    return (f"{code!r} is not a role of this file; the roles are: "
            + (", ".join(sorted(role_codes)) or "none"))


def raw_references(data: Any, categories: Collection[str]) -> Iterator[tuple[Path, str]]:
    """The reference checks of :func:`cross_checks`, on the raw values of a file the schema
    refused (a malformed code is the schema's to report)."""
    if not isinstance(data, dict):
        return
    declared = {name: {entry.get("code") for entry in data.get(name) or []
                       if isinstance(entry, dict)} for name in ("kinds", "items", "categories")}
    categories = {*categories, *(declared["categories"] - {None})}
    versions = data.get("versions")
    yield from _raw_accreditation_roles(data)
    for v, version in enumerate(versions if isinstance(versions, list) else []):
        roles = version.get("roles") if isinstance(version, dict) else None
        for r, role in enumerate(roles if isinstance(roles, list) else []):
            rules = role.get("rules") if isinstance(role, dict) else None
            for n, rule in enumerate(rules if isinstance(rules, list) else []):
                if not isinstance(rule, dict):
                    continue
                at: Path = ("versions", v, "roles", r, "rules", n)
                item = rule.get("item") if rule.get("type") == "item" else None
                if isinstance(item, str) and item not in declared["items"]:
                    yield ((*at, "item"), f"{item!r} is not an item of this framework; "
                           + _choices("items", declared["items"] - {None}))
                for field_name, known, what in (
                        ("category", set(categories), _CATEGORIES),
                        ("kind", declared["kinds"] - {None}, "the kinds")):
                    value = rule.get(field_name)
                    for code in [value] if isinstance(value, str) else (
                            value if isinstance(value, list) else []):
                        # A malformed code is already reported by the schema.
                        if (isinstance(code, str) and _CODE.match(code)
                                and code not in known):
                            yield ((*at, field_name), not_one_of(code, what, known))


def _raw_accreditation_roles(data: dict[Any, Any]) -> Iterator[tuple[Path, str]]:
    """Roles the accreditation block names that no version declares, on a refused file."""
    accreditation = data.get("accreditation")
    roles = accreditation.get("roles") if isinstance(accreditation, dict) else None
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list):
        return
    versions = data.get("versions")
    declared = {role.get("code") for version in (versions if isinstance(versions, list) else [])
                if isinstance(version, dict) and isinstance(version.get("roles"), list)
                for role in version["roles"] if isinstance(role, dict)} - {None}
    for index, code in enumerate(roles):
        if isinstance(code, str) and _CODE.match(code) and code not in declared:
            path: Path = ("accreditation", "roles", index) if isinstance(
                accreditation["roles"], list) else ("accreditation", "roles")
            yield (path, _unknown_role(code, declared))


def _rule_references(at: Path, rule: HoursRuleSpec | CountRuleSpec | ItemRuleSpec,
                     categories: Collection[str], kinds: set[str],
                     items: set[str]) -> Iterator[tuple[Path, str]]:
    if isinstance(rule, ItemRuleSpec):
        if rule.item not in items:
            yield ((*at, "item"), f"{rule.item!r} is not an item of this framework; "
                   + _choices("items", items))
        return
    for field_name, known, what in (("category", set(categories), _CATEGORIES),
                                    ("kind", kinds, "the kinds")):
        for code in getattr(rule, field_name) or []:
            if code not in known:
                yield ((*at, field_name), not_one_of(
                    code, what, known, when_none="none are declared; declare them under "
                    f"'{field_name}s' at the top of the file"))


def _choices(name: str, codes: Collection[str]) -> str:
    if not codes:
        return f"declare it under '{name}' at the top of the file"
    return f"the {name} declared are: " + ", ".join(sorted(codes))


def _repeats(path: Path, values: list[str], field_name: str) -> Iterator[tuple[Path, str]]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield ((*path, index, field_name), repeated(value, field_name))
        seen.add(value)


def _overlaps(spec: FrameworkSpec) -> Iterator[tuple[Path, str]]:
    ordered = sorted(enumerate(spec.versions), key=lambda pair: pair[1].effective_from)
    for (_, earlier), (later_index, later) in itertools.pairwise(ordered):
        if earlier.effective_from == later.effective_from:
            yield (("versions", later_index, "effective_from"),
                   f"versions {earlier.version!r} and {later.version!r} both start on "
                   f"{later.effective_from}; one version is in force on any day")
        elif earlier.effective_to and earlier.effective_to >= later.effective_from:
            yield (("versions", later_index, "effective_from"),
                   f"version {later.version!r} starts on {later.effective_from}, while version "
                   f"{earlier.version!r} is in force until {earlier.effective_to}; versions must "
                   "not overlap")



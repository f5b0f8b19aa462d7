"""Reading a framework file: YAML in, checked values or errors that name line, field and fix.

A force's accreditation lead writes these files, so every mistake must be reported where it is
("line 14, versions[0].roles[0].rules[1].hours") with what is accepted, and every mistake in the
file at once, not one per attempt. The shape is a Pydantic schema (types, ranges, unknown keys);
the rules that span the file (overlapping versions, unknown categories, kinds and items, repeated
codes) are checked here after it. Nothing here touches the database.
"""

from __future__ import annotations

import itertools
import re
import types
import typing
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from cpd_tracker.engine.requirements import DEFAULT_AT_RISK_DAYS, DEFAULT_REMINDER_DAYS

Path = tuple[str | int, ...]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
_CODE_RULE = ("a code is lower-case letters, digits and hyphens, starting with a letter or "
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
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindSpec(_Strict):
    """A kind of record a rule can count (``reflective-account``)."""

    code: Code
    name: str = Field(min_length=1)
    plural: str | None = None


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
    kinds: list[KindSpec] = []
    items: list[ItemSpec] = []
    accreditation: AccreditationSpec | None = None
    versions: list[VersionSpec] = Field(min_length=1)


@dataclass(frozen=True)
class FrameworkError:
    """One mistake in a framework file: where it is and what is wrong."""

    line: int | None
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field or '(file)'}: {self.problem}"


class FrameworkInvalid(ValueError):
    """A framework file cannot be loaded; ``errors`` lists every mistake found."""

    def __init__(self, source: str, errors: list[FrameworkError]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} problem(s)\n"
                         + "\n".join(f"  {source}, {error}" for error in errors))


def parse(text: str, *, categories: Collection[str], source: str = "framework") -> FrameworkSpec:
    """Check a framework file against the schema and the force's CPD categories.

    Raises :class:`FrameworkInvalid` with every problem found, each with its line.
    """
    data, lines = _read_yaml(text, source)
    try:
        spec = FrameworkSpec.model_validate(data)
    except ValidationError as invalid:
        # Also report unknown categories, kinds and items now, so one attempt shows all.
        errors = [_from_pydantic(error, data, lines) for error in invalid.errors()]
        errors += [FrameworkError(_line_of(path, lines), _field_name(path), problem)
                   for path, problem in _raw_references(data, categories)]
        raise FrameworkInvalid(source, sorted(errors, key=lambda e: e.line or 0)) from None
    problems = list(_cross_checks(spec, categories))
    if problems:
        raise FrameworkInvalid(source, sorted(
            (FrameworkError(_line_of(path, lines), _field_name(path), problem)
             for path, problem in problems), key=lambda error: error.line or 0))
    return spec


# --- YAML with line numbers -------------------------------------------------------------------


def _read_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrameworkInvalid(source, [FrameworkError(None, "", "the file is empty")])
        lines: dict[Path, int] = {}
        return _value(loader, node, (), lines, source), lines
    except yaml.MarkedYAMLError as broken:
        # Report where the construct began (an unclosed bracket), not where YAML gave up.
        flow = (broken.context or "").startswith("while parsing a flow")
        mark = (broken.context_mark if flow else None) or broken.problem_mark
        line = mark.line + 1 if mark else None
        problem = f"this is not valid YAML: {broken.context or ''} {broken.problem or ''}".strip()
        if flow and broken.context_mark and broken.problem_mark and (
                broken.problem_mark.line != broken.context_mark.line):
            problem += f" (noticed on line {broken.problem_mark.line + 1})"
        raise FrameworkInvalid(source, [FrameworkError(line, "", problem)]) from None
    finally:
        loader.dispose()


def _value(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int],
           source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        own = {id(key_node) for key_node, _ in node.value}
        loader.flatten_mapping(node)  # YAML merge keys (``<<: *shared``); own keys override
        mapping: dict[Any, Any] = {}
        written: set[Any] = set()
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, source)
            if not isinstance(key, str | int | bool | date):
                raise FrameworkInvalid(source, [FrameworkError(
                    key_node.start_mark.line + 1, _field_name(path),
                    "a key must be a plain word, like 'hours'")])
            if id(key_node) in own:
                if key in written:
                    raise FrameworkInvalid(source, [FrameworkError(
                        key_node.start_mark.line + 1, _field_name((*path, key)),
                        f"the key {key!r} appears twice here; give it once")])
                written.add(key)
            mapping[key] = _value(loader, value_node, (*path, key), lines, source)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_value(loader, item, (*path, index), lines, source)
                for index, item in enumerate(node.value)]
    return _scalar(loader, node, source, path)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, source: str, path: Path = ()) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None  # a list or mapping used as a key: refused by the caller
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # PyYAML reads 2024-02-30 as a date and fails; say which value on which line.
        raise FrameworkInvalid(source, [FrameworkError(
            node.start_mark.line + 1, _field_name(path),
            f"{node.value!r} is not a date that exists (write YYYY-MM-DD)")]) from None


def _line_of(path: Path, lines: dict[Path, int]) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _field_name(path: Path) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


# --- Pydantic errors in the file's terms -------------------------------------------------------


def _from_pydantic(error: Any, data: Any, lines: dict[Path, int]) -> FrameworkError:
    path = _data_path(tuple(error["loc"]), data)
    problem = error["msg"]
    if error["type"] == "extra_forbidden":
        accepted = _accepted_keys(path[:-1], data)
        problem = f"unknown key {path[-1]!r}" + (
            f"; the keys accepted here are: {', '.join(accepted)}" if accepted else "")
    elif error["type"] == "missing":
        problem = f"{path[-1]!r} is required here"
    elif error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        tags = error.get("ctx", {}).get("expected_tags") or _tags_at(path)
        problem = (f"'type' must be one of {tags}" if error["type"] == "union_tag_invalid"
                   else f"'type' is required here: one of {tags}")
        path = (*path, "type")
    elif error["type"] == "string_pattern_mismatch":
        problem = _CODE_RULE
    elif error["type"].startswith("value_error"):
        problem = problem.removeprefix("Value error, ")
    value = error.get("input")
    if (error["type"] not in ("extra_forbidden", "missing")
            and not error["type"].startswith("value_error") and _is_scalar(value)):
        problem = f"{value!r}: {problem}"
    return FrameworkError(_line_of(path, lines), _field_name(path), problem)


def _tags_at(path: Path) -> str:
    union = CycleSpec if path and path[-1] == "cycle" else RuleSpec
    tags = [typing.get_args(member.model_fields["type"].annotation)[0]
            for member in _flatten(union)]
    return ", ".join(f"'{tag}'" for tag in tags)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | date) and not isinstance(value, bool)


def _data_path(loc: Path, data: Any) -> Path:
    """Pydantic's location with the union tags it inserts (``...rules[1].hours.hours``) removed."""
    path: list[str | int] = []
    current = data
    arrived = True
    for part in loc:
        if arrived and isinstance(current, dict) and part == current.get("type"):
            arrived = False  # the discriminator Pydantic puts first inside a tagged union
        elif _has(current, part):
            current = current[part]
            path.append(part)
            arrived = True
        elif isinstance(current, dict) and part == loc[-1]:
            path.append(part)  # a missing or unknown key: name it
        # else: a union tag or a type name Pydantic added; it is not in the file
    return tuple(path)


def _has(container: Any, part: str | int) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _accepted_keys(path: Path, data: Any) -> list[str]:
    """The keys the schema accepts at ``path`` (for "unknown key" messages)."""
    annotation: Any = FrameworkSpec
    current = data
    for part in path:
        if isinstance(part, str):
            model = _model_for(annotation, current)
            if model is None or part not in model.model_fields:
                return []
            annotation = model.model_fields[part].annotation
        current = current[part]
    model = _model_for(annotation, current)
    return list(model.model_fields) if model is not None else []


def _model_for(annotation: Any, value: Any) -> Any:
    """The model class an annotation stands for, given the value (for unions, by its type)."""
    for candidate in _flatten(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            tag = candidate.model_fields.get("type")
            if tag is None or not isinstance(value, dict) or value.get("type") in typing.get_args(
                    tag.annotation):
                return candidate
    return None


def _flatten(annotation: Any) -> Iterator[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        yield from _flatten(typing.get_args(annotation)[0])
    elif origin in (list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _flatten(argument)
    else:
        yield annotation


# --- Rules that span the file -------------------------------------------------------------------


def _cross_checks(spec: FrameworkSpec,
                  categories: Collection[str]) -> Iterator[tuple[Path, str]]:
    kinds = {kind.code for kind in spec.kinds}
    items = {item.code for item in spec.items}
    for name, codes in (("kinds", [k.code for k in spec.kinds]),
                        ("items", [i.code for i in spec.items])):
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


def _raw_references(data: Any, categories: Collection[str]) -> Iterator[tuple[Path, str]]:
    """The reference checks of :func:`_rule_references`, on a file the schema refused."""
    if not isinstance(data, dict):
        return
    declared = {name: {entry.get("code") for entry in data.get(name) or []
                       if isinstance(entry, dict)} for name in ("kinds", "items")}
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
                        ("category", set(categories), "the force's categories (CPD_CATEGORIES)"),
                        ("kind", declared["kinds"] - {None}, "the kinds")):
                    value = rule.get(field_name)
                    for code in [value] if isinstance(value, str) else (
                            value if isinstance(value, list) else []):
                        # A malformed code is already reported by the schema.
                        if (isinstance(code, str) and _CODE.match(code)
                                and code not in known):
                            yield ((*at, field_name), f"{code!r} is not one of {what}: "
                                   + (", ".join(sorted(known)) or "none are declared"))


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


def _rule_references(at: Path, rule: Any, categories: Collection[str], kinds: set[str],
                     items: set[str]) -> Iterator[tuple[Path, str]]:
    if isinstance(rule, ItemRuleSpec):
        if rule.item not in items:
            yield ((*at, "item"), f"{rule.item!r} is not an item of this framework; "
                   + _choices("items", items))
        return
    for field_name, known, what in (("category", set(categories), "the force's categories "
                                     "(CPD_CATEGORIES)"), ("kind", kinds, "the kinds")):
        for code in _as_list(getattr(rule, field_name)):
            if code not in known:
                yield ((*at, field_name), f"{code!r} is not one of {what}: "
                       + (", ".join(sorted(known)) or "none are declared; declare them under "
                          f"'{field_name}s' at the top of the file"))


def _choices(name: str, codes: Collection[str]) -> str:
    if not codes:
        return f"declare it under '{name}' at the top of the file"
    return f"the {name} declared are: " + ", ".join(sorted(codes))


def _repeats(path: Path, values: list[str], field_name: str) -> Iterator[tuple[Path, str]]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield ((*path, index, field_name), f"{value!r} is given more than once; each "
                   f"{field_name} must be unique here")
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


def _as_list(value: list[str] | None) -> list[str]:
    return list(value or [])


def rule_code(rule: Any) -> str:
    """A rule's stable code: given in the file, or made from what it counts."""
    if rule.code:
        return rule.code
    if isinstance(rule, ItemRuleSpec):
        return f"item-{rule.item}"
    parts = [rule.type]
    parts += _as_list(rule.category) + _as_list(rule.kind)
    if rule.participatory:
        parts.append("participatory")
    if isinstance(rule, CountRuleSpec) and rule.output:
        parts.append(rule.output)
    if rule.verified_only:
        parts.append("verified")
    return "-".join(parts)

"""Reading a framework file: YAML in, checked values or errors that name line, field and fix.

A force's accreditation lead writes these files, so every mistake must be reported where it is
("line 14, versions[0].roles[0].rules[1].hours") with what is accepted, and every mistake in the
file at once, not one per attempt. Three steps, each in its own module: the YAML is read with
the line of every value (:mod:`~cpd_tracker.frameworks.yaml_lines`), checked against the Pydantic
schema (:mod:`~cpd_tracker.frameworks.spec`, its errors in the words of
:mod:`cpd_tracker.problems`), then against the rules that span the file
(:mod:`~cpd_tracker.frameworks.checks`). Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import ValidationError

from cpd_tracker.frameworks.checks import cross_checks, raw_references
from cpd_tracker.frameworks.errors import FrameworkError, FrameworkInvalid
from cpd_tracker.frameworks.spec import (
    CODE_PATTERN,
    CODE_RULE,
    AccountabilitySpec,
    AccreditationSpec,
    AnniversaryCycleSpec,
    Code,
    Codes,
    CountRuleSpec,
    CycleSpec,
    EndorsementSpec,
    FixedCycleSpec,
    FrameworkSpec,
    HoursRuleSpec,
    ItemRuleSpec,
    ItemSpec,
    KindSpec,
    ReminderDays,
    RenewalNeedsSpec,
    RoleSpec,
    RollingCycleSpec,
    RuleSpec,
    VersionSpec,
    rule_code,
)
from cpd_tracker.frameworks.yaml_lines import Lines, line_of, read_yaml
from cpd_tracker.problems import Path, field_name, from_pydantic

__all__ = [
    "AccountabilitySpec", "AccreditationSpec", "AnniversaryCycleSpec", "Code", "Codes",
    "CountRuleSpec", "CycleSpec", "EndorsementSpec", "FixedCycleSpec", "FrameworkError",
    "FrameworkInvalid", "FrameworkSpec", "HoursRuleSpec", "ItemRuleSpec", "ItemSpec", "KindSpec",
    "ReminderDays", "RenewalNeedsSpec", "RoleSpec", "RollingCycleSpec", "RuleSpec",
    "VersionSpec", "parse", "rule_code",
]


def parse(text: str, *, categories: Collection[str], source: str = "framework") -> FrameworkSpec:
    """Check a framework file against the schema and the force's CPD categories.

    Raises :class:`FrameworkInvalid` with every problem found, each with its line.
    """
    data, lines = read_yaml(text, source)
    try:
        spec = FrameworkSpec.model_validate(data)
    except ValidationError as invalid:
        # Also report unknown categories, kinds and items now, so one attempt shows all.
        errors = [FrameworkError(line_of(problem.path, lines), problem.field, problem.message)
                  for problem in from_pydantic(invalid, data, FrameworkSpec,
                                               patterns={CODE_PATTERN: CODE_RULE})]
        errors += _located(raw_references(data, categories), lines)
        raise FrameworkInvalid(source, _in_file_order(errors)) from None
    errors = _located(cross_checks(spec, categories), lines)
    if errors:
        raise FrameworkInvalid(source, _in_file_order(errors))
    return spec


def _located(problems: Iterable[tuple[Path, str]], lines: Lines) -> list[FrameworkError]:
    return [FrameworkError(line_of(path, lines), field_name(path), problem)
            for path, problem in problems]


def _in_file_order(errors: list[FrameworkError]) -> list[FrameworkError]:
    return sorted(errors, key=lambda error: error.line or 0)

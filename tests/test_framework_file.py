"""Framework files: what their author is told when a file is wrong, and that a good file parses.

A force's accreditation lead writes these files, not a programmer, so every mistake must come
back with the line it is on, the field (``versions[0].roles[1].rules[2].hours``) and what would
be accepted, and every mistake in the file at once. Pure: no Flask app, no database.

Files are built from small templates; each test writes out only the part it is about, and finds
the line it expects by the text on it (:func:`line_of`), so the assertions stay exact.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import date

import pytest

from cpd_tracker.frameworks import FrameworkError, FrameworkInvalid, parse, shipped, versions_of

CATEGORIES = ("formal", "work-based", "self-directed", "professional", "other")
SOURCE = "force-ipp.yaml"

VERSION = "versions[0]"
ROLE = "versions[0].roles[0]"
RULE = "versions[0].roles[0].rules[0]"

HEADER = textwrap.dedent("""\
    framework: test-framework
    title: Test framework
    kinds:
      - code: peer-discussion
        name: Peer discussion
    items:
      - code: data-protection
        name: Data protection refresher
""")
HOURS = "type: hours\nhours: 20"
#: An accreditation block for the researchers, whose cycles count from the accreditation.
ACCREDITED_RESEARCHERS = textwrap.dedent("""\
    accreditation:
      name: Researcher accreditation
      roles: [researcher]
      valid_years: 3
""")
FIXED = '{type: fixed, start: "04-01"}'

ROLE_KEYS = {"code", "name", "cycle", "pro_rata", "at_risk_days", "reminders", "rules"}
COMMON_RULE_KEYS = {"type", "code", "label", "verified_only"}


# --- Building files ------------------------------------------------------------------------------


def _list(entries: Iterable[str], indent: int) -> list[str]:
    """YAML list items, each entry a (multi-line) mapping written without indentation."""
    lines = []
    for entry in entries:
        first, *rest = textwrap.dedent(entry).strip("\n").splitlines()
        lines.append(" " * indent + "- " + first)
        lines += [" " * (indent + 2) + line for line in rest]
    return lines


def _extra(extra: str) -> list[str]:
    return textwrap.dedent(extra).strip("\n").splitlines() if extra else []


def role(*rules: str, code: str = "analyst", cycle: str = FIXED, extra: str = "",
         without: Iterable[str] = ()) -> str:
    """A role; ``cycle`` is a one-line flow mapping or a multi-line block. No rules: 20 hours."""
    lines = {"code": [f"code: {code}"], "name": ["name: Analyst"]}
    if "\n" in cycle:
        lines["cycle"] = ["cycle:", *("  " + line for line in _extra(cycle))]
    else:
        lines["cycle"] = [f"cycle: {cycle}"]
    lines["extra"] = _extra(extra)
    lines["rules"] = ["rules:", *_list(rules or [HOURS], 2)]
    return "\n".join(line for key, part in lines.items() if key not in without for line in part)


def version(*roles: str, label: str = '"2024"', effective_from: str = "2024-04-01",
            extra: str = "", without: Iterable[str] = ()) -> str:
    """A version; no roles given: one role with the default rules."""
    lines = {
        "version": [f"version: {label}"],
        "effective_from": [f"effective_from: {effective_from}"],
        "extra": _extra(extra),
        "roles": ["roles:", *_list(roles or [role()], 2)],
    }
    return "\n".join(line for key, part in lines.items() if key not in without for line in part)


def framework_file(*versions: str, header: str = HEADER) -> str:
    """A whole file: the header (framework, title, kinds, items), then the versions."""
    return header + "versions:\n" + "\n".join(_list(versions or [version()], 2)) + "\n"


def with_rules(*rules: str, cycle: str = FIXED, extra: str = "") -> str:
    """A file with one version and one role holding ``rules``."""
    return framework_file(version(role(*rules, cycle=cycle, extra=extra)))


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The line (from 1) of the ``nth`` line containing ``needle``."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) >= nth, f"{needle!r} is on {len(found)} line(s) of:\n{text}"
    if nth == 1:
        assert len(found) == 1, f"{needle!r} is on lines {found}; say which with nth"
    return found[nth - 1]


# --- Reading the answer -----------------------------------------------------------------------


def errors_of(text: str, categories: Iterable[str] = CATEGORIES) -> list[FrameworkError]:
    with pytest.raises(FrameworkInvalid) as raised:
        parse(text, categories=list(categories), source=SOURCE)
    assert raised.value.errors, "FrameworkInvalid with no errors"
    return raised.value.errors


def the_error(text: str, categories: Iterable[str] = CATEGORIES) -> FrameworkError:
    errors = errors_of(text, categories)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def check(error: FrameworkError, *, line: int | None, field: str, says: Iterable[str] = ()
          ) -> None:
    """The error is on ``line``, names ``field``, and its problem contains each of ``says``."""
    assert (error.line, error.field) == (line, field), str(error)
    for words in says:
        assert words.lower() in error.problem.lower(), f"{words!r} not in: {error}"


def words_in(problem: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_-]+", problem))


def places(errors: Iterable[FrameworkError]) -> list[tuple[int | None, str]]:
    return [(error.line, error.field) for error in errors]


# --- A good file parses -----------------------------------------------------------------------


def test_the_shipped_example_parses() -> None:
    spec = parse(shipped("ipp-example").read_text(encoding="utf-8"),
                 categories=CATEGORIES, source="ipp-example.yaml")

    assert spec.framework == "ipp-example"
    assert [v.version for v in spec.versions] == ["2024"]
    assert spec.versions[0].effective_from == date(2024, 4, 1)
    assert [r.code for r in spec.versions[0].roles] == [
        "intelligence-officer", "intelligence-analyst", "intelligence-researcher",
        "intelligence-support-officer"]
    assert {k.code for k in spec.kinds} == {"reflective-account", "peer-discussion"}


def test_the_templates_alone_make_a_good_file() -> None:
    spec = parse(framework_file(), categories=CATEGORIES, source=SOURCE)

    role_spec = spec.versions[0].roles[0]
    assert (spec.framework, role_spec.code, role_spec.cycle.type) == (
        "test-framework", "analyst", "fixed")
    assert role_spec.rules[0].hours == 20


def test_a_file_using_every_kind_of_rule_and_cycle_parses() -> None:
    text = framework_file(
        version(
            role("type: hours\nhours: 7.5\ncategory: [formal, work-based]\nparticipatory: true",
                 "type: count\ncount: 2\nkind: peer-discussion\noutput: reflection",
                 "type: item\nitem: data-protection\nevery_months: 12\nlabel: MoPI",
                 code="analyst", extra="pro_rata: [fte, absence]\nat_risk_days: 0"),
            role(code="researcher", cycle="{type: anniversary, of: accreditation, years: 2}"),
            role(code="supervisor", cycle="{type: rolling, months: 36}"),
            role(code="manager", cycle="{type: fixed, start: 2025-04-01, years: 3}"),
            extra="effective_to: 2025-03-31"),
        version(label='"2025"', effective_from="2025-04-01"),
        header=HEADER + ACCREDITED_RESEARCHERS,
    )

    spec = parse(text, categories=CATEGORIES, source=SOURCE)

    first = spec.versions[0]
    assert first.effective_to == date(2025, 3, 31)
    assert [r.type for r in first.roles[0].rules] == ["hours", "count", "item"]
    assert first.roles[0].rules[0].category == ["formal", "work-based"]
    assert [r.cycle.type for r in first.roles] == ["fixed", "anniversary", "rolling", "fixed"]
    assert first.roles[3].cycle.start == date(2025, 4, 1)


def test_a_cycle_from_the_accreditation_date_needs_the_role_in_the_accreditation_block() -> None:
    """One accreditation date: the record's, so the file must say which accreditation."""
    text = framework_file(version(role(code="researcher",
                                       cycle="{type: anniversary, of: accreditation}")))

    with pytest.raises(FrameworkInvalid) as invalid:
        parse(text, categories=CATEGORIES, source=SOURCE)

    [problem] = invalid.value.errors
    assert problem.line == line_of(text, "cycle: {type: anniversary")
    assert problem.field == "versions[0].roles[0].cycle.of"
    assert "name 'researcher' in the file's accreditation block" in problem.problem
    parse(framework_file(version(role(code="researcher",
                                      cycle="{type: anniversary, of: accreditation}")),
                         header=HEADER + ACCREDITED_RESEARCHERS),
          categories=CATEGORIES, source=SOURCE)


def test_a_version_written_as_a_yaml_number_is_the_label_2026() -> None:
    spec = parse(framework_file(version(label="2026")), categories=CATEGORIES, source=SOURCE)

    assert spec.versions[0].version == "2026"


def test_a_version_ending_the_day_before_the_next_begins_does_not_overlap() -> None:
    text = framework_file(version(extra="effective_to: 2025-03-31"),
                          version(label='"2025"', effective_from="2025-04-01"))

    assert len(parse(text, categories=CATEGORIES, source=SOURCE).versions) == 2


def test_two_rules_of_the_same_type_are_accepted_with_their_own_codes() -> None:
    text = with_rules("type: hours\nhours: 20\ncode: total", "type: hours\nhours: 5\ncode: extra")

    rules = parse(text, categories=CATEGORIES, source=SOURCE).versions[0].roles[0].rules
    assert [rule.code for rule in rules] == ["total", "extra"]


def test_an_alias_can_repeat_a_role_in_a_later_version() -> None:
    text = HEADER + textwrap.dedent("""\
        versions:
          - version: "2024"
            effective_from: 2024-04-01
            roles:
              - &analyst
                code: analyst
                name: Analyst
                cycle: {type: fixed, start: "04-01"}
                rules: [{type: hours, hours: 20}]
          - version: "2025"
            effective_from: 2025-04-01
            roles:
              - *analyst
    """)

    spec = parse(text, categories=CATEGORIES, source=SOURCE)
    assert [v.roles[0].code for v in spec.versions] == ["analyst", "analyst"]


# --- Unknown keys -----------------------------------------------------------------------------



UNKNOWN_KEYS = [
    pytest.param(framework_file(header=HEADER + "author: A. Lead\n"), "author: A. Lead", "author",
                 {"framework", "title", "description", "kinds", "items", "versions"}, set(),
                 id="top level"),
    pytest.param(framework_file(header=HEADER.replace(
                     "    name: Peer discussion\n",
                     "    name: Peer discussion\n    colour: blue\n")),
                 "colour: blue", "kinds[0].colour", {"code", "name", "plural"}, set(),
                 id="kind"),
    pytest.param(framework_file(header=HEADER.replace(
                     "    name: Data protection refresher\n",
                     "    name: Data protection refresher\n    duration: 2\n")),
                 "duration: 2", "items[0].duration", {"code", "name"}, set(), id="item"),
    pytest.param(framework_file(version(extra='supersedes: "2023"')), "supersedes:",
                 f"{VERSION}.supersedes", {"version", "effective_from", "effective_to", "roles"},
                 set(), id="version"),
    pytest.param(with_rules(extra="grade: 3"), "grade: 3", f"{ROLE}.grade", ROLE_KEYS, set(),
                 id="role"),
    pytest.param(with_rules(cycle='type: fixed\nstart: "04-01"\nlength: 2'), "length: 2",
                 f"{ROLE}.cycle.length", {"type", "start", "years"}, {"months", "of"},
                 id="fixed cycle"),
    pytest.param(with_rules(cycle="type: anniversary\nof: appointment\nevery: 1"), "every: 1",
                 f"{ROLE}.cycle.every", {"type", "of", "years"}, {"start", "months"},
                 id="anniversary cycle"),
    pytest.param(with_rules(cycle="type: rolling\nmonths: 12\nyears: 1"), "years: 1",
                 f"{ROLE}.cycle.years", {"type", "months"}, {"start", "of"},
                 id="rolling cycle"),
    pytest.param(with_rules("type: hours\nhours: 20\nminimum: 5"), "minimum: 5",
                 f"{RULE}.minimum",
                 COMMON_RULE_KEYS | {"hours", "category", "kind", "participatory", "pro_rata"},
                 {"count", "output", "item", "every_months"}, id="hours rule"),
    pytest.param(with_rules("type: count\ncount: 2\nhours: 3"), "hours: 3", f"{RULE}.hours",
                 COMMON_RULE_KEYS | {"count", "output", "category", "kind", "participatory",
                                     "pro_rata"},
                 {"item", "every_months"}, id="count rule"),
    pytest.param(with_rules("type: item\nitem: data-protection\nrefresh: 12"), "refresh: 12",
                 f"{RULE}.refresh", COMMON_RULE_KEYS | {"item", "every_months"},
                 {"hours", "count", "category", "kind", "participatory", "pro_rata"},
                 id="item rule"),
]


@pytest.mark.parametrize(("text", "on_line", "field", "accepted", "not_offered"), UNKNOWN_KEYS)
def test_an_unknown_key_is_named_on_its_line_with_the_keys_accepted_there(
        text: str, on_line: str, field: str, accepted: set[str], not_offered: set[str]) -> None:
    error = the_error(text)

    key = field.rsplit(".", 1)[-1]
    check(error, line=line_of(text, on_line), field=field, says=["unknown", repr(key)])
    listed = words_in(error.problem) - {key}
    assert accepted <= listed, f"missing {accepted - listed} from: {error}"
    assert not (not_offered & listed), f"offers keys of another type: {error}"


# --- Wrong types ------------------------------------------------------------------------------


def test_hours_that_are_not_a_number_are_refused_with_the_line() -> None:
    text = with_rules('type: hours\nhours: "lots"')

    check(the_error(text), line=line_of(text, "hours: \"lots\""), field=f"{RULE}.hours",
          says=["'lots'", "number"])


def test_a_fractional_count_is_refused_with_the_line() -> None:
    text = with_rules("type: count\ncount: 1.5")

    check(the_error(text), line=line_of(text, "count: 1.5"), field=f"{RULE}.count",
          says=["1.5", "integer"])


def test_cycle_years_in_words_are_refused_with_the_line() -> None:
    text = with_rules(cycle='type: anniversary\nof: appointment\nyears: "three"')

    check(the_error(text), line=line_of(text, "years:"), field=f"{ROLE}.cycle.years",
          says=["'three'", "integer"])


def test_an_effective_from_that_is_not_a_date_is_refused_with_the_line() -> None:
    text = framework_file(version(effective_from="someday"))

    check(the_error(text), line=line_of(text, "effective_from:"),
          field=f"{VERSION}.effective_from", says=["'someday'", "date"])


def test_rules_that_are_not_a_list_are_refused_with_the_line() -> None:
    text = framework_file(version(role().replace("rules:\n  - type: hours\n    hours: 20",
                                                 "rules:\n  type: hours\n  hours: 20")))

    check(the_error(text), line=line_of(text, "rules:"), field=f"{ROLE}.rules", says=["list"])


def test_a_pro_rata_reason_not_known_is_refused_with_the_reasons_accepted() -> None:
    text = with_rules(extra="pro_rata: [fte, overtime]")

    check(the_error(text), line=line_of(text, "pro_rata:"), field=f"{ROLE}.pro_rata[1]",
          says=["'overtime'", "fte", "days-in-role", "absence"])


def test_an_unknown_output_is_refused_with_the_outputs_accepted() -> None:
    text = with_rules("type: count\ncount: 1\noutput: essay")

    check(the_error(text), line=line_of(text, "output: essay"), field=f"{RULE}.output",
          says=["'essay'", "reflection", "impact"])


# --- Out of range -----------------------------------------------------------------------------


OUT_OF_RANGE = [
    pytest.param(with_rules("type: hours\nhours: -5"), "hours: -5", f"{RULE}.hours",
                 ["-5", "greater than 0"], id="negative hours"),
    pytest.param(with_rules("type: hours\nhours: 0"), "hours: 0", f"{RULE}.hours",
                 ["greater than 0"], id="zero hours"),
    pytest.param(with_rules("type: count\ncount: 0"), "count: 0", f"{RULE}.count",
                 ["greater than or equal to 1"], id="count 0"),
    pytest.param(with_rules(cycle="{type: anniversary, of: appointment, years: 0}"),
                 "cycle:", f"{ROLE}.cycle.years", ["greater than or equal to 1"], id="years 0"),
    pytest.param(with_rules(cycle='type: fixed\nstart: 2025-04-01\nyears: 6'), "years: 6",
                 f"{ROLE}.cycle.years", ["6", "less than or equal to 5"], id="years 6"),
    pytest.param(with_rules(cycle="type: rolling\nmonths: 0"), "months: 0",
                 f"{ROLE}.cycle.months", ["greater than or equal to 1"], id="months 0"),
    pytest.param(with_rules("type: item\nitem: data-protection\nevery_months: 0"),
                 "every_months: 0", f"{RULE}.every_months", ["greater than or equal to 1"],
                 id="every_months 0"),
    pytest.param(with_rules(extra="at_risk_days: -1"), "at_risk_days: -1",
                 f"{ROLE}.at_risk_days", ["-1", "greater than or equal to 0"],
                 id="at_risk_days -1"),
]


@pytest.mark.parametrize(("text", "on_line", "field", "says"), OUT_OF_RANGE)
def test_a_figure_out_of_range_is_refused_with_the_line_and_the_limit(
        text: str, on_line: str, field: str, says: list[str]) -> None:
    check(the_error(text), line=line_of(text, on_line), field=field, says=says)


def test_negative_hours_are_refused_with_the_line() -> None:
    text = with_rules("type: hours\nhours: 20", "type: hours\nhours: -5\ncategory: formal")

    # Header 1-8, versions 9, version 10-12, role 13-16, first rule 17-18, second rule 19-21.
    check(the_error(text), line=20, field="versions[0].roles[0].rules[1].hours",
          says=["-5", "greater than 0"])
    assert line_of(text, "hours: -5") == 20


# --- Missing keys -----------------------------------------------------------------------------


def _without_header_line(start: str) -> str:
    return framework_file(header="".join(
        line for line in HEADER.splitlines(keepends=True) if not line.startswith(start)))


MISSING = [
    pytest.param(_without_header_line("framework:"), "title:", "framework", id="framework"),
    pytest.param(_without_header_line("title:"), "framework:", "title", id="title"),
    pytest.param(HEADER, "framework:", "versions", id="versions"),
    pytest.param(framework_file(version(without=["roles"])), "- version:",
                 f"{VERSION}.roles", id="roles"),
    pytest.param(framework_file(version(role(without=["rules"]))), "- code: analyst",
                 f"{ROLE}.rules", id="rules"),
    pytest.param(framework_file(version(role(without=["cycle"]))), "- code: analyst",
                 f"{ROLE}.cycle", id="cycle"),
    pytest.param(framework_file(version(role(without=["name"]))), "- code: analyst",
                 f"{ROLE}.name", id="role name"),
    pytest.param(with_rules("type: hours\ncategory: formal"), "- type: hours",
                 f"{RULE}.hours", id="hours of an hours rule"),
    pytest.param(with_rules("type: count\nkind: peer-discussion"), "- type: count",
                 f"{RULE}.count", id="count of a count rule"),
    pytest.param(with_rules("type: item\nevery_months: 12"), "- type: item",
                 f"{RULE}.item", id="item of an item rule"),
    pytest.param(with_rules(cycle="{type: rolling}"), "cycle:", f"{ROLE}.cycle.months",
                 id="months of a rolling cycle"),
]


@pytest.mark.parametrize(("text", "on_line", "field"), MISSING)
def test_a_missing_required_key_is_named_at_the_line_of_its_parent(
        text: str, on_line: str, field: str) -> None:
    key = field.rsplit(".", 1)[-1]

    check(the_error(text), line=line_of(text, on_line), field=field,
          says=[repr(key), "required"])


# --- Rule and cycle types ---------------------------------------------------------------------


def test_an_unknown_rule_type_is_refused_with_the_types_accepted() -> None:
    text = with_rules("type: minutes\nhours: 20")

    check(the_error(text), line=line_of(text, "type: minutes"), field=f"{RULE}.type",
          says=["'hours'", "'count'", "'item'"])


def test_a_rule_without_a_type_is_refused_with_the_types_accepted() -> None:
    text = with_rules("hours: 20")

    check(the_error(text), line=line_of(text, "- hours: 20"), field=f"{RULE}.type",
          says=["'type'", "'hours'", "'count'", "'item'"])


def test_an_unknown_cycle_type_is_refused_with_the_types_accepted() -> None:
    text = with_rules(cycle='type: yearly\nstart: "04-01"')

    check(the_error(text), line=line_of(text, "type: yearly"), field=f"{ROLE}.cycle.type",
          says=["'fixed'", "'anniversary'", "'rolling'"])


def test_a_cycle_without_a_type_is_refused_with_the_types_accepted() -> None:
    text = with_rules(cycle='{start: "04-01"}')

    check(the_error(text), line=line_of(text, "cycle:"), field=f"{ROLE}.cycle.type",
          says=["'type'", "'fixed'", "'anniversary'", "'rolling'"])


# --- Cycle starts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "says"), [
    pytest.param("4-1", ["'4-1'", "MM-DD"], id="not MM-DD"),
    pytest.param("13-01", ["'13-01'", "not a day of the year"], id="month 13"),
    pytest.param("02-30", ["'02-30'", "not a day of the year"], id="30 February"),
    pytest.param("02-29", ["'02-29'", "29 February", "every year"], id="29 February"),
])
def test_a_fixed_cycle_start_that_is_not_a_day_of_every_year_is_refused(
        start: str, says: list[str]) -> None:
    text = with_rules(cycle=f'type: fixed\nstart: "{start}"')

    check(the_error(text), line=line_of(text, "start:"), field=f"{ROLE}.cycle.start",
          says=says)


def test_a_three_year_fixed_cycle_needs_a_full_start_date() -> None:
    text = with_rules(cycle='type: fixed\nstart: "04-01"\nyears: 3')

    check(the_error(text), line=line_of(text, "start:"), field=f"{ROLE}.cycle.start",
          says=["'04-01'", "3-year", "full date"])


def test_an_impossible_full_start_date_is_refused_with_the_line() -> None:
    text = with_rules(cycle="type: fixed\nstart: 2025-02-29\nyears: 3")

    check(the_error(text), line=line_of(text, "start:"), field=f"{ROLE}.cycle.start",
          says=["2025-02-29"])


# --- Categories, kinds and items --------------------------------------------------------------


def test_an_unknown_category_is_refused_with_the_forces_categories() -> None:
    text = with_rules("type: hours\nhours: 5\ncategory: leadership")

    check(the_error(text), line=line_of(text, "category:"), field=f"{RULE}.category",
          says=["'leadership'", *CATEGORIES])


def test_an_unknown_category_in_a_list_is_refused() -> None:
    text = with_rules("type: count\ncount: 1\ncategory: [formal, leadership]")

    check(the_error(text), line=line_of(text, "category:"), field=f"{RULE}.category",
          says=["'leadership'", "formal", "work-based"])


def test_the_categories_checked_are_the_ones_the_force_configured() -> None:
    text = with_rules("type: hours\nhours: 5\ncategory: formal")

    check(the_error(text, categories=["classroom", "online"]), line=line_of(text, "category:"),
          field=f"{RULE}.category", says=["'formal'", "classroom", "online"])


def test_an_unknown_kind_is_refused_with_the_kinds_declared() -> None:
    text = with_rules("type: count\ncount: 1\nkind: lecture")

    check(the_error(text), line=line_of(text, "kind: lecture"), field=f"{RULE}.kind",
          says=["'lecture'", "peer-discussion"])


def test_a_kind_with_none_declared_says_to_declare_kinds() -> None:
    text = with_rules("type: count\ncount: 1\nkind: lecture").replace(
        "kinds:\n  - code: peer-discussion\n    name: Peer discussion\n", "")

    check(the_error(text), line=line_of(text, "kind: lecture"), field=f"{RULE}.kind",
          says=["'lecture'", "declare", "kinds"])


def test_an_unknown_item_is_refused_with_the_items_declared() -> None:
    text = with_rules("type: item\nitem: first-aid")

    check(the_error(text), line=line_of(text, "item: first-aid"), field=f"{RULE}.item",
          says=["'first-aid'", "data-protection"])


def test_an_item_with_none_declared_says_to_declare_items() -> None:
    text = with_rules("type: item\nitem: first-aid").replace(
        "items:\n  - code: data-protection\n    name: Data protection refresher\n", "")

    check(the_error(text), line=line_of(text, "item: first-aid"), field=f"{RULE}.item",
          says=["'first-aid'", "declare", "items"])


# --- Versions ---------------------------------------------------------------------------------


def test_a_version_running_past_the_next_ones_start_is_an_overlap() -> None:
    text = framework_file(version(extra="effective_to: 2025-04-01"),
                          version(label='"2025"', effective_from="2025-04-01"))

    check(the_error(text), line=line_of(text, "effective_from: 2025-04-01"),
          field="versions[1].effective_from", says=["'2024'", "'2025'", "overlap"])


def test_an_overlap_is_found_whatever_order_the_versions_are_written_in() -> None:
    text = framework_file(version(label='"2025"', effective_from="2025-04-01"),
                          version(extra="effective_to: 2025-12-31"))

    check(the_error(text), line=line_of(text, "effective_from: 2025-04-01"),
          field="versions[0].effective_from", says=["'2024'", "'2025'", "overlap"])


def test_two_versions_starting_the_same_day_are_refused() -> None:
    text = framework_file(version(), version(label='"2024b"'))

    check(the_error(text), line=line_of(text, "effective_from: 2024-04-01", nth=2),
          field="versions[1].effective_from", says=["'2024'", "'2024b'", "2024-04-01"])


def test_an_effective_to_before_effective_from_is_refused() -> None:
    text = framework_file(version(extra="effective_to: 2024-03-31"))

    check(the_error(text), line=line_of(text, "effective_to:"), field=f"{VERSION}.effective_to",
          says=["2024-03-31", "before", "2024-04-01"])


def test_a_version_label_given_twice_is_refused_on_the_second() -> None:
    text = framework_file(version(), version(effective_from="2025-04-01"))

    check(the_error(text), line=line_of(text, 'version: "2024"', nth=2),
          field="versions[1].version", says=["'2024'", "more than once"])


def test_a_numeric_and_a_quoted_label_that_read_the_same_are_the_same_label() -> None:
    text = framework_file(version(label="2024"), version(effective_from="2025-04-01"))

    check(the_error(text), line=line_of(text, 'version: "2024"'),
          field="versions[1].version", says=["'2024'", "more than once"])


@pytest.mark.parametrize("day", ["2024-02-30", "2024-13-01"])
def test_an_impossible_effective_from_is_refused_with_the_line(day: str) -> None:
    text = framework_file(version(effective_from=day))

    check(the_error(text), line=line_of(text, "effective_from:"),
          field=f"{VERSION}.effective_from", says=[day])


def test_a_version_label_that_reads_as_a_date_is_taken_as_written() -> None:
    text = framework_file(version(label="2024-04-01"))

    spec = parse(text, categories=CATEGORIES, source=SOURCE)
    assert spec.versions[0].version == "2024-04-01"


# --- Repeated codes and keys ------------------------------------------------------------------


def test_a_role_code_given_twice_in_a_version_is_refused_on_the_second() -> None:
    text = framework_file(version(role(), role()))

    check(the_error(text), line=line_of(text, "code: analyst", nth=2),
          field="versions[0].roles[1].code", says=["'analyst'", "more than once"])


def test_two_identical_hours_rules_without_codes_are_refused_on_the_second() -> None:
    text = with_rules("type: hours\nhours: 20", "type: hours\nhours: 30")

    check(the_error(text), line=line_of(text, "- type: hours", nth=2),
          field="versions[0].roles[0].rules[1].code", says=["'hours'", "more than once", "code"])


def test_two_rules_for_the_same_item_are_refused_on_the_second() -> None:
    text = with_rules("type: item\nitem: data-protection",
                      "type: item\nitem: data-protection\nevery_months: 12")

    check(the_error(text), line=line_of(text, "- type: item", nth=2),
          field="versions[0].roles[0].rules[1].code", says=["data-protection", "more than once"])


def test_a_kind_code_declared_twice_is_refused_on_the_second() -> None:
    text = framework_file(header=HEADER.replace(
        "items:", "  - code: peer-discussion\n    name: Peer review\nitems:"))

    check(the_error(text), line=line_of(text, "code: peer-discussion", nth=2),
          field="kinds[1].code", says=["'peer-discussion'", "more than once"])


@pytest.mark.parametrize(("text", "second", "field"), [
    pytest.param(with_rules("type: hours\nhours: 20\nhours: 30"), "hours: 30", f"{RULE}.hours",
                 id="hours twice"),
    pytest.param(framework_file(header=HEADER + "title: Another title\n"), "Another title",
                 "title", id="title twice"),
    pytest.param(with_rules(cycle='type: fixed\nstart: "04-01"\nstart: "05-01"'), "05-01",
                 f"{ROLE}.cycle.start", id="start twice"),
])
def test_a_key_given_twice_in_a_mapping_is_refused_at_the_second(
        text: str, second: str, field: str) -> None:
    key = field.rsplit(".", 1)[-1]

    check(the_error(text), line=line_of(text, second), field=field, says=[repr(key), "twice"])


# --- Codes ------------------------------------------------------------------------------------


CODES = [
    pytest.param(framework_file(header=HEADER.replace("test-framework", "IPP")),
                 "framework: IPP", "framework", "'IPP'", id="framework code"),
    pytest.param(framework_file(version(role(code="Intelligence Officer"))),
                 "code: Intelligence Officer", f"{ROLE}.code", "'Intelligence Officer'",
                 id="role code with capitals and a space"),
    pytest.param(framework_file(version(role(code="intelligence officer"))),
                 "code: intelligence officer", f"{ROLE}.code", "'intelligence officer'",
                 id="role code with a space"),
    pytest.param(with_rules("type: hours\nhours: 20\ncode: Total-Hours"), "code: Total-Hours",
                 f"{RULE}.code", "'Total-Hours'", id="rule code"),
    pytest.param(framework_file(header=HEADER.replace("code: peer-discussion",
                                                      "code: Peer Discussion")),
                 "code: Peer Discussion", "kinds[0].code", "'Peer Discussion'", id="kind code"),
    pytest.param(with_rules("type: hours\nhours: 20\ncategory: Formal"), "category: Formal",
                 f"{RULE}.category", "'Formal'", id="category"),
]


@pytest.mark.parametrize(("text", "on_line", "field", "value"), CODES)
def test_a_code_with_capitals_or_spaces_is_refused(text: str, on_line: str, field: str,
                                                   value: str) -> None:
    check(the_error(text), line=line_of(text, on_line), field=field, says=[value])


def test_a_bad_code_is_explained_in_words() -> None:
    text = framework_file(version(role(code="Intelligence Officer")))

    check(the_error(text), line=line_of(text, "code: Intelligence"), field=f"{ROLE}.code",
          says=["lower", "hyphen"])
    assert "[a-z" not in the_error(text).problem


# --- Files that are not YAML ------------------------------------------------------------------


def test_a_tab_in_the_indentation_is_invalid_yaml_on_its_line() -> None:
    text = with_rules("type: hours\nhours: 20").replace("    hours: 20", "\thours: 20")

    check(the_error(text), line=line_of(text, "\thours: 20"), field="",
          says=["not valid YAML", "\\t"])


def test_an_unclosed_bracket_is_invalid_yaml_with_a_line() -> None:
    text = with_rules(extra="pro_rata: [fte, absence")

    error = the_error(text)
    assert "not valid yaml" in error.problem.lower()
    assert error.field == ""
    assert error.line in (line_of(text, "pro_rata:"), line_of(text, "pro_rata:") + 1)


def test_an_unclosed_bracket_is_reported_on_the_line_it_opens() -> None:
    text = with_rules(extra="pro_rata: [fte, absence")

    check(the_error(text), line=line_of(text, "pro_rata:"), field="", says=["not valid YAML"])


def test_an_unclosed_quote_is_invalid_yaml_with_a_line() -> None:
    text = with_rules(extra='reminders: [30, 7]\nat_risk_days: "90')

    error = the_error(text)
    assert "not valid yaml" in error.problem.lower()
    assert error.line is not None and error.line >= line_of(text, "at_risk_days:")


def test_two_documents_in_one_file_are_invalid_yaml() -> None:
    text = framework_file() + "---\n" + framework_file()

    check(the_error(text), line=line_of(text, "---"), field="", says=["not valid YAML"])


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"],
                         ids=["empty", "blank lines", "only a comment"])
def test_an_empty_file_is_refused_as_empty(text: str) -> None:
    check(the_error(text), line=None, field="", says=["empty"])


def test_a_file_that_is_a_list_is_refused_at_line_1() -> None:
    error = the_error("- framework: test-framework\n")

    assert (error.line, error.field) == (1, "")


def test_a_merge_key_can_share_a_roles_settings() -> None:
    text = framework_file(version(
        role(code="analyst").replace("code: analyst", "&base\ncode: analyst"),
        "<<: *base\ncode: researcher"))

    spec = parse(text, categories=CATEGORIES, source=SOURCE)
    assert [r.code for r in spec.versions[0].roles] == ["analyst", "researcher"]


def test_a_list_used_as_a_key_is_refused_with_the_line() -> None:
    text = framework_file() + "[a, b]: 1\n"

    check(the_error(text), line=line_of(text, "[a, b]"), field="", says=["key"])


# --- Every problem at once --------------------------------------------------------------------


def test_every_problem_in_the_shape_of_the_file_is_reported_at_once() -> None:
    text = framework_file(version(
        role("type: hours\nhours: -5", "type: count\ncount: 0", extra="grade: 3"),
        role("type: item\nitem: data-protection\nevery_months: 0", code="researcher",
             cycle="{type: rolling, months: 0}")))

    assert set(places(errors_of(text))) == {
        (line_of(text, "hours: -5"), f"{RULE}.hours"),
        (line_of(text, "count: 0"), "versions[0].roles[0].rules[1].count"),
        (line_of(text, "grade: 3"), f"{ROLE}.grade"),
        (line_of(text, "every_months: 0"), "versions[0].roles[1].rules[0].every_months"),
        (line_of(text, "months: 0}"), "versions[0].roles[1].cycle.months"),
    }


def test_every_problem_across_the_file_is_reported_in_line_order() -> None:
    text = framework_file(
        version(role("type: item\nitem: first-aid"), role(code="analyst"),
                extra="effective_to: 2024-01-01"),
        version(role("type: hours\nhours: 5\ncategory: leadership",
                     "type: count\ncount: 1\nkind: lecture"),
                effective_from="2025-04-01"),
    )

    assert places(errors_of(text)) == [
        (line_of(text, "effective_to: 2024-01-01"), "versions[0].effective_to"),
        (line_of(text, "item: first-aid"), "versions[0].roles[0].rules[0].item"),
        (line_of(text, "code: analyst", nth=2), "versions[0].roles[1].code"),
        (line_of(text, 'version: "2024"', nth=2), "versions[1].version"),
        (line_of(text, "category: leadership"), "versions[1].roles[0].rules[0].category"),
        (line_of(text, "kind: lecture"), "versions[1].roles[0].rules[1].kind"),
    ]


def test_a_mistake_in_shape_and_an_unknown_category_are_reported_together() -> None:
    text = with_rules("type: hours\nhours: -5", "type: hours\nhours: 5\ncategory: leadership")

    assert places(errors_of(text)) == [
        (line_of(text, "hours: -5"), f"{RULE}.hours"),
        (line_of(text, "category: leadership"), "versions[0].roles[0].rules[1].category"),
    ]


def test_the_error_reads_line_field_problem_and_the_exception_names_the_file() -> None:
    text = with_rules("type: hours\nhours: -5")

    with pytest.raises(FrameworkInvalid) as raised:
        parse(text, categories=CATEGORIES, source=SOURCE)

    line = line_of(text, "hours: -5")
    assert str(raised.value.errors[0]).startswith(f"line {line}, {RULE}.hours: ")
    assert raised.value.source == SOURCE
    assert f"{SOURCE}, line {line}, {RULE}.hours" in str(raised.value)


def test_a_rule_may_be_a_recommended_target() -> None:
    text = with_rules(HOURS, "type: hours\nhours: 30\nadvisory: true\nlabel: Planned learning")

    spec = parse(text, categories=CATEGORIES, source=SOURCE)
    [sets] = versions_of(spec, categories={code: code for code in CATEGORIES}).values()

    [required, recommended] = next(iter(sets.values())).rules
    assert (required.code, required.advisory) == ("hours", False)
    assert (recommended.code, recommended.advisory) == ("hours-recommended", True)


@pytest.mark.parametrize(("extra_header", "role_text", "field", "says"), [
    ("categories:\n  - {code: formal, name: Formal}\n", None, "categories[0].code",
     "already one of the force's categories"),
    ("kinds:\n  - {code: reflection, name: Reflection, duration: false}\n",
     "type: hours\nhours: 5\nkind: reflection", f"{RULE}.kind",
     "an hours rule cannot count reflection"),
])
def test_what_can_never_work_in_the_new_keys_is_refused_with_its_line(
        extra_header: str, role_text: str | None, field: str, says: str) -> None:
    """Found by a force writing its own frameworks: accepted silently before."""
    # Categories go before the kinds; a kind joins the kinds already declared.
    header = HEADER.replace("kinds:\n", extra_header if extra_header.startswith("kinds:")
                            else extra_header + "kinds:\n", 1)
    text = framework_file(version(role(role_text or HOURS)), header=header)

    with pytest.raises(FrameworkInvalid) as invalid:
        parse(text, categories=CATEGORIES, source=SOURCE)

    assert [(error.field, says in error.problem) for error in invalid.value.errors] == [
        (field, True)]


def test_a_rolling_role_has_no_extension_counts_choice() -> None:
    text = with_rules(HOURS, cycle="{type: rolling, months: 12}", extra="extension_counts: both")
    with pytest.raises(FrameworkInvalid) as invalid:
        parse(text, categories=CATEGORIES, source=SOURCE)
    assert [error.field for error in invalid.value.errors] == [f"{ROLE}.extension_counts"]

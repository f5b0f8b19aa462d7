"""Loading framework files into the database: what changed is reported, history is never
rewritten, and a file is loaded whole or not at all.

A version that has come into force is history: cycles that began under it are judged by it, so
it can be neither changed nor dropped; a change of rules is a new version with a later
``effective_from``. Versions not yet in force may be replaced or withdrawn. Dates "in force"
are relative to today, so files that need a version not yet in force are written with a date
ahead of today; everything judged is judged ``as_of`` fixed dates.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from cpd_tracker import frameworks, get_state
from cpd_tracker.demo.models import db
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import Framework, FrameworkVersion, Role
from tests.factories import framework, officer, today

FIXED = '{type: fixed, start: "04-01"}'
CALENDAR_YEAR = '{type: fixed, start: "01-01"}'
ANALYST = "crime-analyst"
JOINED = date(2020, 1, 1)


# --- Files and what the database holds -----------------------------------------------------------


def version(label: str, effective_from: date | str, hours: int = 20, *,
            roles: tuple[str, ...] = (ANALYST,), cycle: str = FIXED) -> str:
    """One version: each role needs ``hours`` hours of CPD a cycle."""
    lines = [f'- version: "{label}"', f"  effective_from: {effective_from}", "  roles:"]
    for code in roles:
        lines += [f"    - code: {code}",
                  f"      name: {code.replace('-', ' ').title()}",
                  f"      cycle: {cycle}",
                  "      rules:",
                  f"        - {{type: hours, hours: {hours}}}"]
    return "\n".join(lines)


def framework_file(*versions: str, code: str = "force-cpd", title: str = "Force CPD") -> str:
    return (f"framework: {code}\ntitle: {title}\nversions:\n"
            + "\n".join(textwrap.indent(text, "  ") for text in versions) + "\n")


def written(tmp_path: Path, text: str, name: str = "force-cpd.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(app: Flask, file: Path | str) -> Result:
    """``flask cpd frameworks load FILE``."""
    return app.test_cli_runner().invoke(args=["cpd", "frameworks", "load", str(file)])


def loaded(app: Flask, tmp_path: Path, text: str) -> Result:
    """Load ``text`` and insist it was accepted (the arrangement of a test, not its subject)."""
    result = load(app, written(tmp_path, text))
    assert result.exit_code == 0, result.output
    return result


def stored_versions(app: Flask, code: str = "force-cpd") -> dict[str, tuple[date, float]]:
    """Each stored version's label: its effective_from and the hours its first rule asks."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(FrameworkVersion.version, FrameworkVersion.effective_from,
                      FrameworkVersion.definition)
            .join(Framework).where(Framework.code == code)).all()
        db.session.remove()
    return {label: (starts, float(definition["roles"][0]["rules"][0]["hours"]))
            for label, starts, definition in rows}


def stored_roles(app: Flask) -> dict[str, tuple[str, str | None]]:
    """Each role's code: its name and the code of the framework it belongs to."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Role.code, Role.name, Framework.code)
            .outerjoin(Framework, Framework.id == Role.framework_id)).all()
        db.session.remove()
    return {code: (name, owner) for code, name, owner in rows}


def stored_frameworks(app: Flask) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(sa.select(Framework.code, Framework.title)).all()
        db.session.remove()
    return dict(rows)


def ahead(app: Flask, days: int) -> date:
    return today(app) + timedelta(days=days)


def target_hours(app: Flask, as_of: date, role: str = ANALYST) -> tuple[str, float]:
    """The version an analyst is judged by on ``as_of``, and the hours it asks."""
    with app.app_context():
        state = get_state(app)
        [standing] = assess(db.session, state.settings, as_of=as_of, scope=Scope(role=role))
        db.session.remove()
    hours = standing.judgement.rules[0]
    return standing.judgement.requirements.version, hours.target / 60


def analyst(app: Flask, role: str = ANALYST) -> None:
    officer(app, "kpatel", name="Kiran Patel", roles=(role,),
            joined_days_ago=(today(app) - JOINED).days)


# --- What loading says ---------------------------------------------------------------------------


def test_loading_a_new_framework_says_it_was_created_and_lists_each_version_added(
        app: Flask, tmp_path: Path) -> None:
    result = load(app, written(tmp_path, framework_file(version("2024", "2024-04-01"))))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Framework force-cpd (Force CPD): created",
        "  version 2024 (from 1 Apr 2024): added, roles: crime-analyst (1 rule)",
    ]


def test_loading_creates_the_roles_the_file_names_in_its_framework(
        app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(
        version("2024", "2024-04-01", roles=(ANALYST, "financial-investigator"))))

    assert stored_roles(app) == {
        ANALYST: ("Crime Analyst", "force-cpd"),
        "financial-investigator": ("Financial Investigator", "force-cpd"),
    }


def test_reloading_the_same_file_says_nothing_changed(app: Flask, tmp_path: Path) -> None:
    text = framework_file(version("2024", "2024-04-01"))
    loaded(app, tmp_path, text)

    result = load(app, written(tmp_path, text))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Framework force-cpd (Force CPD): no change",
        "  version 2024 (from 1 Apr 2024): unchanged",
    ]
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}


def test_a_new_version_with_a_later_effective_from_is_added_beside_the_one_in_force(
        app: Flask, tmp_path: Path) -> None:
    first = version("2024", "2024-04-01")
    loaded(app, tmp_path, framework_file(first))
    starts = ahead(app, 30)

    result = load(app, written(tmp_path, framework_file(first, version("next", starts, 30))))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Framework force-cpd (Force CPD): updated",
        "  version 2024 (from 1 Apr 2024): unchanged",
        f"  version next (from {starts:%-d %b %Y}): added, roles: crime-analyst (1 rule)",
    ]
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0), "next": (starts, 30.0)}


def test_loading_through_the_api_reports_what_changed_and_leaves_the_commit_to_the_caller(
        app: Flask, tmp_path: Path) -> None:
    path = written(tmp_path, framework_file(version("2024", "2024-04-01")))
    with app.app_context():
        state = get_state(app)
        report = frameworks.load_file(db.session, path, today=state.today(),
                                      categories=[code for code, _ in state.settings.categories])
        assert (report.created, report.changed) == (True, True)
        assert str(report).startswith("Framework force-cpd (Force CPD): created")
        db.session.rollback()

    assert stored_frameworks(app) == {}
    assert stored_roles(app) == {}


# --- History is never rewritten ------------------------------------------------------------------


def test_a_version_in_force_cannot_be_changed(app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(version("2024", "2024-04-01", 20)))

    result = load(app, written(tmp_path, framework_file(version("2024", "2024-04-01", 25))))

    assert result.exit_code != 0
    assert "version '2024' has been in force since 1 Apr 2024" in result.output
    assert "Add a new version with a later effective_from instead" in result.output
    assert "Nothing was loaded." in result.output
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}


def test_a_version_in_force_cannot_be_changed_through_the_api_either(
        app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(version("2024", "2024-04-01", 20)))
    path = written(tmp_path, framework_file(version("2024", "2024-04-01", 25)))
    with app.app_context():
        state = get_state(app)
        with pytest.raises(frameworks.FrameworkInvalid) as refused:
            frameworks.load_file(db.session, path, today=state.today(),
                                 categories=[code for code, _ in state.settings.categories])
        db.session.rollback()

    assert [error.field for error in refused.value.errors] == ["versions[0]"]
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}


def test_a_refused_file_loads_none_of_its_valid_parts_either(
        app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(version("2024", "2024-04-01", 20)))
    # A new title, a new role in a new version, and one forbidden change: all or nothing.
    text = framework_file(
        version("2024", "2024-04-01", 25),
        version("next", ahead(app, 30), 30, roles=(ANALYST, "financial-investigator")),
        title="Force CPD (revised)")

    result = load(app, written(tmp_path, text))

    assert result.exit_code != 0
    assert "Nothing was loaded." in result.output
    assert stored_frameworks(app) == {"force-cpd": "Force CPD"}
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}
    assert stored_roles(app) == {ANALYST: ("Crime Analyst", "force-cpd")}


def test_a_version_in_force_missing_from_the_file_is_refused(
        app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(version("2024", "2024-04-01")))

    result = load(app, written(tmp_path, framework_file(version("2025", "2025-04-01"))))

    assert result.exit_code != 0
    assert ("version '2024' (in force since 1 Apr 2024) is loaded but missing from the file"
            in result.output)
    assert "Nothing was loaded." in result.output
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}


def test_a_version_not_yet_in_force_can_be_replaced(app: Flask, tmp_path: Path) -> None:
    first = version("2024", "2024-04-01")
    starts, moved = ahead(app, 30), ahead(app, 60)
    loaded(app, tmp_path, framework_file(first, version("next", starts, 30)))

    result = load(app, written(tmp_path, framework_file(first, version("next", moved, 25))))

    assert result.exit_code == 0, result.output
    assert (f"  version next (from {moved:%-d %b %Y}): replaced (not yet in force), "
            "roles: crime-analyst (1 rule)") in result.output.splitlines()
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0), "next": (moved, 25.0)}


def test_a_version_not_yet_in_force_can_be_withdrawn(app: Flask, tmp_path: Path) -> None:
    first = version("2024", "2024-04-01")
    loaded(app, tmp_path, framework_file(first, version("next", ahead(app, 30), 30)))

    result = load(app, written(tmp_path, framework_file(first)))

    assert result.exit_code == 0, result.output
    assert "  version next: withdrawn (was not yet in force)" in result.output.splitlines()
    assert stored_versions(app) == {"2024": (date(2024, 4, 1), 20.0)}


def test_a_new_version_backdated_into_the_past_is_refused(app: Flask, tmp_path: Path) -> None:
    first = version("2024", "2024-04-01", 20)
    loaded(app, tmp_path, framework_file(first))
    analyst(app)
    assert target_hours(app, date(2025, 10, 18)) == ("2024", 20.0)

    # The 2025-26 cycle began on 1 Apr 2025 under "2024"; a version dated that day rewrites it.
    result = load(app, written(tmp_path, framework_file(first, version("2025", "2025-04-01", 30))))

    assert result.exit_code != 0
    assert target_hours(app, date(2025, 10, 18)) == ("2024", 20.0)


# --- A cycle is judged by the version in force when it began -------------------------------------


def changed_mid_cycle(app: Flask, tmp_path: Path) -> None:
    """20 hours from 1 Apr 2024; 30 hours from 1 Oct 2025, half-way through the 2025-26 cycle.
    An analyst holds the role throughout."""
    loaded(app, tmp_path, framework_file(version("A", "2024-04-01", 20),
                                         version("B", "2025-10-01", 30)))
    analyst(app)


def test_changing_the_rules_mid_cycle_does_not_rewrite_the_cycle_under_way(
        app: Flask, tmp_path: Path) -> None:
    changed_mid_cycle(app, tmp_path)

    assert target_hours(app, date(2025, 12, 1)) == ("A", 20.0)


def test_new_rules_apply_from_the_first_cycle_that_begins_under_them(
        app: Flask, tmp_path: Path) -> None:
    changed_mid_cycle(app, tmp_path)

    assert target_hours(app, date(2026, 4, 1)) == ("B", 30.0)


def test_the_compliance_report_as_of_a_date_judges_by_the_version_its_cycle_began_under(
        app: Flask, tmp_path: Path) -> None:
    changed_mid_cycle(app, tmp_path)
    runner = app.test_cli_runner()

    def judged(day: str) -> tuple[str, str, int]:
        result = runner.invoke(args=["cpd", "compliance", "--as-of", day, "--format", "json"])
        assert result.exit_code == 0, result.output
        [person] = json.loads(result.output)["people"]
        return person["version"], person["cycle_start"], person["rules"][0]["target"]

    assert judged("2026-03-31") == ("A", "2025-04-01", 20 * 60)
    assert judged("2026-04-01") == ("B", "2026-04-01", 30 * 60)


def test_the_requirements_for_a_day_are_those_in_force_when_its_cycle_began(
        app: Flask, tmp_path: Path) -> None:
    changed_mid_cycle(app, tmp_path)
    with app.app_context():
        state = get_state(app)
        roles = frameworks.catalogue(db.session, categories=dict(state.settings.categories))
        judged = {day: roles[ANALYST].for_day(day) for day in (
            date(2025, 9, 30), date(2025, 10, 1), date(2026, 3, 31), date(2026, 4, 1))}

    assert {day: (found[0].version, found[1].start) for day, found in judged.items()} == {
        date(2025, 9, 30): ("A", date(2025, 4, 1)),
        date(2025, 10, 1): ("A", date(2025, 4, 1)),
        date(2026, 3, 31): ("A", date(2025, 4, 1)),
        date(2026, 4, 1): ("B", date(2026, 4, 1)),
    }


def test_when_the_cycle_shape_changes_the_new_versions_cycle_is_judged_by_it(
        app: Flask, tmp_path: Path) -> None:
    # A: years from 1 April; B, from 15 Jan 2026: calendar years, 30 hours. A's cycle that
    # would contain 1 Jun 2026 (from 1 Apr 2026) began under B, so A cannot judge it; B's own
    # cycle (calendar 2026) is the one under way, and B judges it.
    loaded(app, tmp_path, framework_file(
        version("A", "2024-04-01", 20),
        version("B", "2026-01-15", 30, cycle=CALENDAR_YEAR)))
    with app.app_context():
        state = get_state(app)
        roles = frameworks.catalogue(db.session, categories=dict(state.settings.categories))
        requirements, cycle = roles[ANALYST].for_day(date(2026, 6, 1))

    assert requirements.version == "B"
    assert (cycle.start, cycle.end) == (date(2026, 1, 1), date(2026, 12, 31))


# --- Roles belong to one framework ---------------------------------------------------------------


def test_a_role_code_another_framework_owns_is_refused_and_nothing_is_loaded(
        app: Flask, tmp_path: Path) -> None:
    framework(app, "ipp-example")
    text = framework_file(version("2024", "2024-04-01", roles=("intelligence-officer",)),
                          code="force-cpd")

    result = load(app, written(tmp_path, text))

    assert result.exit_code != 0
    assert ("the role 'intelligence-officer' belongs to another framework (ipp-example)"
            in result.output)
    assert "Nothing was loaded." in result.output
    assert "force-cpd" not in stored_frameworks(app)
    assert stored_roles(app)["intelligence-officer"] == ("Intelligence Officer", "ipp-example")


# --- The command ---------------------------------------------------------------------------------


def test_a_bad_file_is_refused_with_each_problems_line_and_field_and_nothing_is_loaded(
        app: Flask, tmp_path: Path) -> None:
    text = framework_file(version("2024", "2024-04-01", -5, roles=(ANALYST, "financial-officer")))
    path = written(tmp_path, text)
    lines = [number for number, line in enumerate(text.splitlines(), 1) if "hours: -5" in line]

    result = load(app, path)

    assert result.exit_code != 0
    assert f"{path}: 2 problem(s)" in result.output
    assert f"{path}, line {lines[0]}, versions[0].roles[0].rules[0].hours: " in result.output
    assert f"{path}, line {lines[1]}, versions[0].roles[1].rules[0].hours: " in result.output
    assert result.output.rstrip().endswith("Nothing was loaded.")
    assert (stored_frameworks(app), stored_roles(app)) == ({}, {})


def test_a_misspelt_shipped_name_is_refused_with_the_names_shipped(app: Flask) -> None:
    result = load(app, "ipp-exmaple")

    assert result.exit_code != 0
    assert "ipp-exmaple: no such file. no shipped framework 'ipp-exmaple'" in result.output
    assert ("there are: college-cpd, gphc-revalidation, ipp-example, nmc-revalidation, rics"
            in result.output)
    assert stored_frameworks(app) == {}


def test_a_file_path_that_does_not_exist_is_refused_with_the_names_shipped(
        app: Flask, tmp_path: Path) -> None:
    result = load(app, tmp_path / "no-such-file.yaml")

    assert result.exit_code != 0
    assert "no-such-file.yaml: no such file." in result.output


def test_a_misspelt_shipped_name_lists_the_shipped_frameworks(app: Flask) -> None:
    result = load(app, "ipp-exmaple")

    assert result.exit_code != 0
    assert "no shipped framework 'ipp-exmaple'" in result.output
    assert "ipp-example, nmc-revalidation" in result.output


def test_a_shipped_framework_loads_by_its_name(app: Flask) -> None:
    result = load(app, "nmc-revalidation")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "Framework nmc-revalidation (NMC revalidation (nurses, midwives and nursing "
        "associates)): created")
    assert stored_roles(app) == {"nmc-registrant": (
        "NMC registered nurse, midwife or nursing associate", "nmc-revalidation")}


def test_frameworks_list_shows_each_role_with_its_version_cycle_and_rules(
        app: Flask, tmp_path: Path) -> None:
    loaded(app, tmp_path, framework_file(version("A", "2024-04-01", 20),
                                         version("B", "2025-10-01", 30)))
    framework(app, "rics")

    result = app.test_cli_runner().invoke(args=["cpd", "frameworks", "list"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "crime-analyst: force-cpd A, from 1 Apr 2024 to 30 Sep 2025; yearly from 1 April; "
        "1 rule",
        "crime-analyst: force-cpd B, from 1 Oct 2025; yearly from 1 April; 1 rule",
        "rics-member: rics 2024, from 1 Jan 2024 to 31 Dec 2026; yearly from 1 January; 3 rules",
        "rics-member: rics 2027, from 1 Jan 2027; yearly from 1 January; 3 rules",
    ]


def test_frameworks_list_with_nothing_loaded_says_how_to_load_one(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["cpd", "frameworks", "list"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "No frameworks loaded. Load one with `flask cpd frameworks load FILE`.\n")

"""A framework file's ``accreditation:`` block and its roles' key accountabilities.

The block says how a scheme's accreditation is kept (how long it lasts, when renewal is due,
what a renewal must include, the endorsements); each role may list its profile's key
accountabilities. Mistakes are reported like any other in the file: line, field and what is
accepted. Loaded, both live beside the versions, not in them, so adding them to a file never
changes a version in force.
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import frameworks, get_state
from cpd_tracker.demo.models import db
from cpd_tracker.engine.accreditation import AccreditationRules, Endorsement
from cpd_tracker.frameworks import FrameworkError, FrameworkInvalid, parse, shipped
from cpd_tracker.models import FrameworkVersion
from tests.factories import framework

CATEGORIES = ("formal", "work-based", "self-directed", "professional", "other")

ACCREDITATION = """\
accreditation:
  name: Force analyst accreditation
  roles: [analyst, researcher]
  valid_years: 2
  renewal_window_days: 60
  grace_days: 14
  lapse_on_missed_cycle: true
  reminders: [45, 14, -7]
  renewal_needs:
    competence_statement: false
    evidence_files: 2
  endorsements:
    - code: covert-sources
      name: Covert sources
"""
ACCOUNTABILITIES = """\
  accountabilities:
    - code: analyse
      name: Analyse data
    - code: brief
      name: Brief decision makers
"""


def file_text(accreditation: str = ACCREDITATION, accountabilities: str = ACCOUNTABILITIES,
              effective_from: str = "2024-04-01") -> str:
    """A framework with roles ``analyst`` (with ``accountabilities``) and ``researcher``."""
    roles = ""
    for code, extra in (("analyst", accountabilities), ("researcher", "")):
        roles += textwrap.dedent(f"""\
              - code: {code}
                name: {code.title()}
                cycle: {{type: fixed, start: "04-01"}}
                rules:
                  - {{type: hours, hours: 20}}
            """)
        roles += extra
    return ("framework: force-analysts\ntitle: Force analysts\n" + accreditation
            + f'versions:\n  - version: "2024"\n    effective_from: {effective_from}\n'
            + "    roles:\n" + textwrap.indent(roles, "    "))


def line_of(text: str, needle: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


def errors_of(text: str) -> list[FrameworkError]:
    with pytest.raises(FrameworkInvalid) as raised:
        parse(text, categories=CATEGORIES, source="force.yaml")
    return raised.value.errors


def the_error(text: str) -> FrameworkError:
    [error] = errors_of(text)
    return error


# --- Parsing --------------------------------------------------------------------------------------


def test_an_accreditation_block_parses_with_every_setting() -> None:
    spec = parse(file_text(), categories=CATEGORIES)

    block = spec.accreditation
    assert block is not None
    assert (block.name, block.roles, block.valid_years) == (
        "Force analyst accreditation", ["analyst", "researcher"], 2)
    assert (block.renewal_window_days, block.grace_days, block.lapse_on_missed_cycle) == (
        60, 14, True)
    assert (block.renewal_needs.competence_statement, block.renewal_needs.evidence_files) == (
        False, 2)
    assert [(e.code, e.name) for e in block.endorsements] == [("covert-sources",
                                                               "Covert sources")]
    assert block.reminders == [45, 14, -7]


def test_an_accreditation_block_needs_only_a_name_roles_and_how_long_it_lasts() -> None:
    text = file_text("accreditation:\n  name: A\n  roles: analyst\n  valid_years: 3\n")

    block = parse(text, categories=CATEGORIES).accreditation

    assert block is not None
    assert (block.roles, block.renewal_window_days, block.grace_days) == (["analyst"], 90, 0)
    assert block.lapse_on_missed_cycle is False
    assert (block.renewal_needs.competence_statement, block.renewal_needs.evidence_files) == (
        True, 1)
    assert block.reminders == [90, 60, 30, 7, 0, -7]


def test_a_file_without_an_accreditation_block_has_none() -> None:
    assert parse(file_text(""), categories=CATEGORIES).accreditation is None


def test_a_role_lists_its_key_accountabilities() -> None:
    spec = parse(file_text(), categories=CATEGORIES)

    analyst, researcher = spec.versions[0].roles
    assert [(a.code, a.name) for a in analyst.accountabilities] == [
        ("analyse", "Analyse data"), ("brief", "Brief decision makers")]
    assert researcher.accountabilities == []


def test_accreditation_naming_a_role_not_in_the_file_is_refused_with_the_roles() -> None:
    text = file_text(ACCREDITATION.replace("[analyst, researcher]", "[analyst, profiler]"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, "roles: [analyst"),
                                         "accreditation.roles[1]")
    assert error.problem == "'profiler' is not a role of this file; the roles are: analyst, " \
                            "researcher"


def test_an_unknown_role_is_reported_with_the_other_mistakes_of_a_refused_file() -> None:
    text = file_text(ACCREDITATION.replace("[analyst, researcher]", "[analyst, profiler]")
                     .replace("valid_years: 2", "valid_years: two"))

    assert {(e.field, e.line) for e in errors_of(text)} == {
        ("accreditation.roles[1]", line_of(text, "roles: [analyst")),
        ("accreditation.valid_years", line_of(text, "valid_years: two")),
    }


def test_a_role_named_twice_is_refused() -> None:
    text = file_text(ACCREDITATION.replace("[analyst, researcher]", "[analyst, analyst]"))

    error = the_error(text)

    assert error.field == "accreditation.roles[1]"
    assert "'analyst' is given more than once" in error.problem


def test_an_unknown_accreditation_key_is_named_with_the_keys_accepted() -> None:
    text = file_text(ACCREDITATION.replace("  grace_days: 14\n", "  grace: 14\n"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, "grace: 14"), "accreditation.grace")
    for key in ("name", "roles", "valid_years", "renewal_window_days", "grace_days",
                "lapse_on_missed_cycle", "reminders", "renewal_needs", "endorsements"):
        assert key in error.problem


def test_an_unknown_renewal_need_is_named_with_the_needs_accepted() -> None:
    text = file_text(ACCREDITATION.replace("    evidence_files: 2\n",
                                           "    evidence_files: 2\n    referees: 1\n"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, "referees: 1"),
                                         "accreditation.renewal_needs.referees")
    assert "competence_statement" in error.problem and "evidence_files" in error.problem


@pytest.mark.parametrize(("old", "new", "field"), [
    ("valid_years: 2", "valid_years: 2.5", "accreditation.valid_years"),
    ("valid_years: 2", "valid_years: 0", "accreditation.valid_years"),
    ("grace_days: 14", "grace_days: -1", "accreditation.grace_days"),
    ("evidence_files: 2", 'evidence_files: "two"', "accreditation.renewal_needs.evidence_files"),
])
def test_a_number_of_the_wrong_kind_is_refused_on_its_line(old: str, new: str,
                                                           field: str) -> None:
    text = file_text(ACCREDITATION.replace(old, new))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, new), field)
    assert new.split(": ")[1].strip('"') in error.problem


@pytest.mark.parametrize(("stages", "field", "problem"), [
    ("[45, 14, 45]", "accreditation.reminders", "each stage once: 45 repeated"),
    ("[45, -400]", "accreditation.reminders[1]", "-400"),
    ("[45, 7.5]", "accreditation.reminders[1]", "7.5"),
    ("30", "accreditation.reminders", "list"),
])
def test_renewal_reminder_stages_are_checked(stages: str, field: str, problem: str) -> None:
    text = file_text(ACCREDITATION.replace("reminders: [45, 14, -7]", f"reminders: {stages}"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, f"reminders: {stages}"), field)
    assert problem in error.problem


def test_a_roles_reminder_stages_are_checked_the_same_way() -> None:
    text = file_text().replace("      rules:\n", "      reminders: [30, 30]\n      rules:\n", 1)

    error = the_error(text)

    assert error.field == "versions[0].roles[0].reminders"
    assert "each stage once: 30 repeated" in error.problem


def test_an_accreditation_without_valid_years_is_refused() -> None:
    text = file_text(ACCREDITATION.replace("  valid_years: 2\n", ""))

    error = the_error(text)

    assert error.field == "accreditation.valid_years"
    assert "'valid_years' is required here" in error.problem


def test_a_renewal_window_as_long_as_the_accreditation_is_refused() -> None:
    text = file_text(ACCREDITATION.replace("renewal_window_days: 60", "renewal_window_days: 730"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, "renewal_window_days: 730"),
                                         "accreditation.renewal_window_days")
    assert "must be shorter than the accreditation itself (2 year(s)" in error.problem


def test_an_endorsement_code_given_twice_is_refused() -> None:
    text = file_text(ACCREDITATION + "    - code: covert-sources\n      name: Again\n")

    error = the_error(text)

    assert error.field == "accreditation.endorsements[1].code"
    assert "'covert-sources' is given more than once" in error.problem


def test_an_accountability_code_given_twice_in_a_role_is_refused() -> None:
    text = file_text(accountabilities=ACCOUNTABILITIES.replace("code: brief", "code: analyse"))

    error = the_error(text)

    assert error.field == "versions[0].roles[0].accountabilities[1].code"
    assert "'analyse' is given more than once" in error.problem


def test_an_accountability_code_must_be_a_code() -> None:
    text = file_text(accountabilities=ACCOUNTABILITIES.replace("code: brief", "code: Brief Up"))

    error = the_error(text)

    assert (error.line, error.field) == (line_of(text, "code: Brief Up"),
                                         "versions[0].roles[0].accountabilities[1].code")
    assert "lower-case letters" in error.problem


# --- The shipped IPP example ----------------------------------------------------------------------


def ipp() -> frameworks.schema.FrameworkSpec:
    return parse(shipped("ipp-example").read_text(encoding="utf-8"), categories=CATEGORIES)


def test_the_ipp_example_accredits_officers_analysts_and_researchers_for_three_years() -> None:
    block = ipp().accreditation

    assert block is not None
    assert block.name == "IPP accreditation"
    assert block.roles == ["intelligence-officer", "intelligence-analyst",
                           "intelligence-researcher"]
    assert (block.valid_years, block.renewal_window_days, block.lapse_on_missed_cycle) == (
        3, 90, True)
    assert block.renewal_needs.evidence_files == 1


def test_the_intelligence_officer_lists_the_six_key_accountabilities_of_the_role_profile() -> None:
    officer = next(r for r in ipp().versions[0].roles if r.code == "intelligence-officer")

    assert [a.code for a in officer.accountabilities] == [
        "assess-disseminate", "gather-evaluate", "intelligence-products", "partner-networks",
        "legal-compliance", "innovation"]


def test_every_ipp_role_has_key_accountabilities() -> None:
    assert all(role.accountabilities for role in ipp().versions[0].roles)


# --- Loading and reading back ----------------------------------------------------------------


def load_text(app: Flask, tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "force.yaml"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["cpd", "frameworks", "load", str(path)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_loading_says_the_accreditation_was_added_and_then_unchanged(
        app: Flask, tmp_path: Path) -> None:
    first = load_text(app, tmp_path, file_text())
    again = load_text(app, tmp_path, file_text())

    assert first[-1] == "  accreditation Force analyst accreditation: added"
    assert again == ["Framework force-analysts (Force analysts): no change",
                     "  version 2024 (from 1 Apr 2024): unchanged",
                     "  accreditation Force analyst accreditation: unchanged"]


def test_changing_the_accreditation_block_is_reported(app: Flask, tmp_path: Path) -> None:
    load_text(app, tmp_path, file_text())

    output = load_text(app, tmp_path, file_text(ACCREDITATION.replace("valid_years: 2",
                                                                      "valid_years: 3")))

    assert output[0] == "Framework force-analysts (Force analysts): updated"
    assert output[-1] == ("  accreditation Force analyst accreditation: changed (expiry dates "
                          "already recorded stay as they are)")


def test_adding_accreditation_and_accountabilities_leaves_a_version_in_force_unchanged(
        app: Flask, tmp_path: Path) -> None:
    load_text(app, tmp_path, file_text("", ""))
    with app.app_context():
        before = db.session.scalar(sa.select(FrameworkVersion.checksum))
        db.session.remove()

    output = load_text(app, tmp_path, file_text())

    assert "  version 2024 (from 1 Apr 2024): unchanged" in output
    with app.app_context():
        assert db.session.scalar(sa.select(FrameworkVersion.checksum)) == before
        db.session.remove()


def reading(app: Flask, read: object, *args: object) -> object:
    with app.app_context():
        found = read(db.session, *args)  # type: ignore[operator]
        db.session.remove()
    return found


def test_the_loaded_rules_of_a_scheme_are_read_back(app: Flask, tmp_path: Path) -> None:
    load_text(app, tmp_path, file_text())

    rules = reading(app, frameworks.accreditation_rules, "force-analysts")

    assert rules == AccreditationRules(
        scheme="force-analysts", name="Force analyst accreditation",
        roles=("analyst", "researcher"), valid_years=2, renewal_window_days=60, grace_days=14,
        lapse_on_missed_cycle=True, competence_statement=False, evidence_files=2,
        endorsements=(Endorsement("covert-sources", "Covert sources"),),
        reminder_days=(45, 14, -7))


def test_a_framework_without_an_accreditation_block_has_no_rules(app: Flask) -> None:
    framework(app, "rics")

    assert reading(app, frameworks.accreditation_rules, "rics") is None
    assert reading(app, frameworks.accreditation_rules, "no-such-framework") is None


def test_the_schemes_for_a_persons_roles_are_those_that_accredit_any_of_them(
        app: Flask, tmp_path: Path) -> None:
    framework(app)
    load_text(app, tmp_path, file_text())

    def schemes(*roles: str) -> list[str]:
        found = reading(app, frameworks.schemes_for, roles)
        return [rules.scheme for rules in found]  # type: ignore[attr-defined]

    assert schemes("intelligence-analyst", "researcher") == ["force-analysts", "ipp-example"]
    assert schemes("intelligence-support-officer") == []
    assert [r.scheme for r in reading(app, frameworks.schemes_for)] == [  # type: ignore[attr-defined]
        "force-analysts", "ipp-example"]


def test_accountabilities_follow_the_roles_in_order_without_repeats(app: Flask) -> None:
    framework(app)

    found = reading(app, frameworks.accountabilities_for,
                    ["intelligence-researcher", "intelligence-officer"])

    codes = [code for code, _ in found]  # type: ignore[attr-defined]
    assert codes == ["research-sources", "evaluate-record", "research-packages",
                     "legal-compliance", "innovation", "assess-disseminate", "gather-evaluate",
                     "intelligence-products", "partner-networks"]
    assert dict(found)["legal-compliance"] == "Work within the law, policy and guidance"


def test_a_role_without_accountabilities_offers_none(app: Flask, tmp_path: Path) -> None:
    load_text(app, tmp_path, file_text())

    assert reading(app, frameworks.accountabilities_for, ["researcher"]) == []
    assert reading(app, frameworks.accountabilities_for, ["analyst"]) == [
        ("analyse", "Analyse data"), ("brief", "Brief decision makers")]


def test_accountabilities_come_from_the_latest_version_that_lists_the_role(
        app: Flask, tmp_path: Path) -> None:
    later = file_text(accountabilities=ACCOUNTABILITIES.replace("Analyse data", "Analyse"),
                      effective_from="2099-04-01").split("versions:\n")[1]
    text = file_text() + later.replace('version: "2024"', 'version: "2099"')

    load_text(app, tmp_path, text)

    assert reading(app, frameworks.accountabilities_for, ["analyst"])[0] == (  # type: ignore
        "analyse", "Analyse")
    with app.app_context():
        assert get_state(app).today() < date(2099, 4, 1)
        db.session.remove()

"""What the statement builders emit, pinned by golden files so a change is a visible diff.

Set CPD_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from cpd_tracker import config, vocabulary
from cpd_tracker.record.identities import LearnerIdentity, learner_agent
from cpd_tracker.record.statements import BUILDERS, ActivityLoggedBuilder, LoggedActivity
from xapi import validate_statement

GOLDEN = Path(__file__).parent / "fixtures" / "statements"


def settings(**overrides: object) -> config.Settings:
    values = dict(config.DEFAULTS, CPD_LMS_HOME_PAGE="https://learning.force.example/")
    values.update(overrides)
    return config.load(values)


PRIYA = LearnerIdentity(reference="pshah", name="DC Priya Shah", email="pshah@force.example")
WORKSHOP = LoggedActivity(
    submission_id="4b1f6c1e-2a59-4d0e-9d57-0c2d3c1c6a10",
    title="IPP CPD workshop: open-source intelligence",
    activity_date=date(2026, 10, 14),
    minutes=210,
    category="formal",
    role_codes=("intelligence-officer",),
    reflection="Practised structured OSINT searches.",
    link="https://learn.college.police.uk/osint",
)


def test_activity_logged_statement_matches_golden_file() -> None:
    statement = ActivityLoggedBuilder(settings()).build(PRIYA, WORKSHOP)
    golden = GOLDEN / "activity_logged.json"
    if os.environ.get("CPD_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(statement, indent=2, sort_keys=True) + "\n")
    assert statement == json.loads(golden.read_text())


def test_activity_logged_statement_is_valid_xapi() -> None:
    validate_statement(ActivityLoggedBuilder(settings()).build(PRIYA, WORKSHOP))


def test_officer_is_an_lms_account_not_an_email() -> None:
    statement = ActivityLoggedBuilder(settings()).build(PRIYA, WORKSHOP)
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": "DC Priya Shah",
        "account": {"homePage": "https://learning.force.example/", "name": "pshah"},
    }
    assert "mbox" not in json.dumps(statement)


def test_statement_carries_duration_category_roles_and_date() -> None:
    statement = ActivityLoggedBuilder(settings()).build(PRIYA, WORKSHOP)
    assert statement["verb"]["id"] == vocabulary.VERB_LOGGED
    assert statement["object"]["definition"]["type"] == vocabulary.ACTIVITY_TYPE_CPD
    assert statement["result"]["duration"] == "PT03H30M00S"
    extensions = statement["context"]["extensions"]
    assert extensions[vocabulary.EXT_CATEGORY] == "formal"
    assert extensions[vocabulary.EXT_ROLES] == ["intelligence-officer"]
    assert extensions[vocabulary.EXT_ACTIVITY_DATE] == "2026-10-14"


def test_same_submission_gets_the_same_id_and_another_gets_another() -> None:
    builder = ActivityLoggedBuilder(settings())
    first = builder.build(PRIYA, WORKSHOP)
    again = builder.build(PRIYA, WORKSHOP)
    other = builder.build(PRIYA, LoggedActivity(**{**WORKSHOP.__dict__,
                                                   "submission_id": "another"}))
    assert first["id"] == again["id"]
    assert other["id"] != first["id"]


def test_ids_differ_between_forces_with_different_namespaces() -> None:
    ours = ActivityLoggedBuilder(settings()).build(PRIYA, WORKSHOP)
    theirs = ActivityLoggedBuilder(settings(
        CPD_STATEMENT_NAMESPACE="0b8f0c56-7b0e-4b8c-8c33-5d0f1d8f4e21")).build(PRIYA, WORKSHOP)
    assert ours["id"] != theirs["id"]


def test_mbox_identity_is_available_when_configured() -> None:
    agent = learner_agent(settings(CPD_ACTOR_IDENTITY="mbox"), PRIYA)
    assert agent["mbox"] == "mailto:pshah@force.example"
    with pytest.raises(ValueError, match="no email address"):
        learner_agent(settings(CPD_ACTOR_IDENTITY="mbox"),
                      LearnerIdentity(reference="x", name="No Mail"))


def test_builders_are_registered_under_stable_keys() -> None:
    assert BUILDERS["cpd.activity.logged"] is ActivityLoggedBuilder

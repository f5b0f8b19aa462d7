"""What the lead-decision builders emit, pinned by golden files so a change is a visible diff.

One golden file per builder: exemption, extension of a due date, approved absence. Set
CPD_UPDATE_GOLDEN=1 to rewrite them after a deliberate change.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cpd_tracker import config
from cpd_tracker.statements import (
    AbsenceApprovedBuilder,
    ExemptionGrantedBuilder,
    ExtensionGrantedBuilder,
    LeadDecision,
    LearnerIdentity,
    StatementBuilder,
)
from xapi import validate_statement

GOLDEN = Path(__file__).parent / "fixtures" / "statements"


def settings() -> config.Settings:
    return config.load(dict(config.DEFAULTS, CPD_LMS_HOME_PAGE="https://learning.force.example/"))


LEAD = LearnerIdentity(reference="aokafor", name="DS Ada Okafor", email="aokafor@force.example")
PRIYA = LearnerIdentity(reference="pshah", name="DC Priya Shah", email="pshah@force.example")
DECIDED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)

#: golden file name -> (builder, the lead's decision it records)
DECISIONS: dict[str, tuple[type[StatementBuilder], LeadDecision]] = {
    "exemption_granted": (ExemptionGrantedBuilder, LeadDecision(
        PRIYA, "Seconded to the regional organised crime unit for the whole cycle.", DECIDED_AT,
        role_code="intelligence-officer", cycle_start=date(2026, 4, 1))),
    "extension_granted": (ExtensionGrantedBuilder, LeadDecision(
        PRIYA, "Course places cancelled by the provider in February.", DECIDED_AT,
        role_code="intelligence-officer", cycle_start=date(2026, 4, 1), due=date(2027, 6, 30))),
    "absence_approved": (AbsenceApprovedBuilder, LeadDecision(
        PRIYA, "Parental leave.", DECIDED_AT, absence=(date(2026, 6, 1), date(2026, 11, 30)))),
}


def build(name: str) -> dict[str, Any]:
    builder, decision = DECISIONS[name]
    return builder(settings()).build(LEAD, decision)


@pytest.mark.parametrize("name", DECISIONS)
def test_lead_decision_statement_matches_golden_file(name: str) -> None:
    statement = build(name)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("CPD_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(statement, indent=2, sort_keys=True) + "\n")
    assert statement == json.loads(golden.read_text())


@pytest.mark.parametrize("name", DECISIONS)
def test_lead_decision_statement_is_valid_xapi(name: str) -> None:
    validate_statement(build(name))

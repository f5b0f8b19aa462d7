"""The statement that records how a person's CPD cycle in a role ended.

When a cycle's due date passes the library judges it once and records the outcome as a
``judged-cycle`` statement (actor: the library); a lead who judges a closed cycle again, after a
late correction or verification, records another with their reason (actor: the lead). The
latest one about a cycle is its outcome, so the record, not a cache, says how a cycle ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import tincan

from cpd_tracker import vocabulary
from cpd_tracker.record.identities import (
    LearnerIdentity,
    deterministic_id,
    library_agent,
    tincan_agent,
)
from cpd_tracker.record.statements import StatementBuilder

#: How a cycle can end, and how each reads.
OUTCOMES = {"met": "Met", "met-late": "Met within an extension", "not-met": "Not met",
            "exempt": "Exempt"}


@dataclass(frozen=True)
class CycleOutcomeFacts:
    """One cycle's outcome: the role, the cycle, the day it was due, and the rules unmet."""

    role_code: str
    cycle_start: date
    cycle_end: date
    due: date
    outcome: str
    unmet: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"a cycle's outcome is one of {', '.join(OUTCOMES)}, "
                             f"not {self.outcome!r}")


class CycleJudgedBuilder(StatementBuilder):
    """``<the library or a lead> judged the CPD cycle of <officer>``.

    The library's judgement of a cycle has one id and one timestamp whoever makes it and
    however often (the first moment after the due day), so two schedulers, or a rerun, record
    it once. A lead's judgement is a new statement each time, with its moment in its id.
    """

    key = "cpd.cycle.judged"

    def build(self, judge: LearnerIdentity | None, learner: LearnerIdentity,
              facts: CycleOutcomeFacts, *, reason: str, at: datetime) -> dict[str, Any]:
        """``judge`` is the lead, or ``None`` for the library when the due date passed."""
        identity = [learner.reference, facts.role_code, facts.cycle_start.isoformat()]
        if judge is not None:
            identity.append(at.isoformat())
        extensions = {
            vocabulary.EXT_ROLE: facts.role_code,
            vocabulary.EXT_CYCLE_START: facts.cycle_start.isoformat(),
            vocabulary.EXT_CYCLE_END: facts.cycle_end.isoformat(),
            vocabulary.EXT_DUE_DATE: facts.due.isoformat(),
            vocabulary.EXT_CYCLE_OUTCOME: facts.outcome,
        }
        if facts.unmet:
            extensions[vocabulary.EXT_UNMET_RULES] = list(facts.unmet)
        result = tincan.Result(response=reason)
        if facts.outcome != "exempt":
            result.success = facts.outcome in ("met", "met-late")
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, *identity),
            actor=(tincan_agent(self.settings, judge) if judge is not None
                   else tincan.Agent(**library_agent(self.settings))),
            verb=tincan.Verb(id=vocabulary.VERB_JUDGED_CYCLE,
                             display=tincan.LanguageMap(vocabulary.VERB_JUDGED_CYCLE_DISPLAY)),
            object=tincan_agent(self.settings, learner),
            result=result,
            context=tincan.Context(language="en-GB", extensions=tincan.Extensions(extensions)),
            timestamp=at,
        )
        return self._to_dict(statement)

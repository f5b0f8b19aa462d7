"""Builders of the accreditation statements: an officer's record of their accreditation, their
renewal submissions, and a lead's (or the lapse job's) change of status.

The object of the first two is the scheme itself (an activity everyone accredited in it
shares); a change of status is about the person, so its object is the officer's agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import tincan

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.record.identities import (
    LearnerIdentity,
    deterministic_id,
    library_agent,
    tincan_agent,
)
from cpd_tracker.record.statements import EvidenceFile, StatementBuilder


@dataclass(frozen=True)
class AccreditationFacts:
    """What an accreditation statement says: the scheme and, as far as known, its state."""

    scheme: str
    scheme_title: str
    status: str | None = None
    accredited_on: date | None = None
    expires_on: date | None = None
    endorsements: tuple[str, ...] = ()

    def extensions(self) -> dict[str, Any]:
        found: dict[str, Any] = {vocabulary.EXT_SCHEME: self.scheme}
        if self.status:
            found[vocabulary.EXT_ACCREDITATION_STATUS] = self.status
        if self.accredited_on:
            found[vocabulary.EXT_ACCREDITED_ON] = self.accredited_on.isoformat()
        if self.expires_on:
            found[vocabulary.EXT_EXPIRES_ON] = self.expires_on.isoformat()
        if self.endorsements:
            found[vocabulary.EXT_ENDORSEMENTS] = list(self.endorsements)
        return found


def accreditation_activity(settings: Settings, facts: AccreditationFacts) -> tincan.Activity:
    """The accreditation scheme as an xAPI activity (shared by everyone accredited in it)."""
    return tincan.Activity(
        id=f"{settings.lms_home_page.rstrip('/')}/cpd/accreditation/{facts.scheme}",
        definition=tincan.ActivityDefinition(
            name=tincan.LanguageMap({"en-GB": facts.scheme_title}),
            type=vocabulary.ACTIVITY_TYPE_ACCREDITATION))


class AccreditationRecordedBuilder(StatementBuilder):
    """``<officer> recorded accreditation in <scheme>``: status, date and endorsements."""

    key = "cpd.accreditation.recorded"

    def build(self, learner: LearnerIdentity, facts: AccreditationFacts, *, submission_id: str,
              at: datetime) -> dict[str, Any]:
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, learner.reference, submission_id),
            actor=tincan_agent(self.settings, learner),
            verb=tincan.Verb(id=vocabulary.VERB_RECORDED_ACCREDITATION, display=tincan.LanguageMap(
                vocabulary.VERB_RECORDED_ACCREDITATION_DISPLAY)),
            object=accreditation_activity(self.settings, facts),
            context=tincan.Context(language="en-GB",
                                   extensions=tincan.Extensions(facts.extensions())),
            timestamp=at,
        )
        return self._to_dict(statement)


class RenewalSubmittedBuilder(StatementBuilder):
    """``<officer> submitted a renewal of <scheme>``: their account of continued competence in
    the response, its evidence as attachments."""

    key = "cpd.accreditation.renewal-submitted"

    def build(self, learner: LearnerIdentity, facts: AccreditationFacts, *, submission_id: str,
              competence: str, files: list[tuple[EvidenceFile, str]], at: datetime
              ) -> dict[str, Any]:
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, learner.reference, submission_id),
            actor=tincan_agent(self.settings, learner),
            verb=tincan.Verb(id=vocabulary.VERB_SUBMITTED_RENEWAL, display=tincan.LanguageMap(
                vocabulary.VERB_SUBMITTED_RENEWAL_DISPLAY)),
            object=accreditation_activity(self.settings, facts),
            result=tincan.Result(response=competence),
            context=tincan.Context(language="en-GB",
                                   extensions=tincan.Extensions(facts.extensions())),
            timestamp=at,
        )
        if files:
            statement.attachments = [file.attachment(url) for file, url in files]
        return self._to_dict(statement)


class AccreditationStatusBuilder(StatementBuilder):
    """``<lead or the library> changed the accreditation status of <officer>``: suspended,
    withdrawn, reinstated or lapsed, with the reason in the response."""

    key = "cpd.accreditation.status-changed"

    def build(self, decider: LearnerIdentity | None, learner: LearnerIdentity,
              facts: AccreditationFacts, *, reason: str, at: datetime) -> dict[str, Any]:
        """``decider`` is the lead, or ``None`` for the library's own scheduled check."""
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, learner.reference, facts.scheme,
                                str(facts.status), at.isoformat()),
            actor=(tincan_agent(self.settings, decider) if decider
                   else tincan.Agent(**library_agent(self.settings))),
            verb=tincan.Verb(id=vocabulary.VERB_CHANGED_ACCREDITATION, display=tincan.LanguageMap(
                vocabulary.VERB_CHANGED_ACCREDITATION_DISPLAY)),
            object=tincan_agent(self.settings, learner),
            result=tincan.Result(response=reason),
            context=tincan.Context(language="en-GB",
                                   extensions=tincan.Extensions(facts.extensions())),
            timestamp=at,
        )
        return self._to_dict(statement)

"""Builders of the xAPI statements cpd-tracker emits, one small class per kind of statement.

Each builder is registered under a stable key and turns domain facts into a statement built with
``tincan``. Statement ids are UUID5s of the source event's identity, so sending the same event
twice yields the same id (a no-op in the store), never a duplicate. Golden files in
``tests/fixtures/statements/`` pin what each builder emits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import tincan

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.record.identities import (
    LearnerIdentity,
    deterministic_id,
    tincan_agent,
)
from xapi import VOIDED_VERB


@dataclass(frozen=True)
class LoggedActivity:
    """The facts of one logged piece of CPD, as the officer entered them."""

    submission_id: str
    title: str
    activity_date: date
    minutes: int
    category: str
    role_codes: tuple[str, ...]
    reflection: str | None = None
    link: str | None = None
    kind: str | None = None
    participatory: bool = False
    item: str | None = None
    impact: str | None = None
    what_happened: str | None = None
    #: Codes of the role profile's key accountabilities the reflection links to.
    accountabilities: tuple[str, ...] = ()
    #: For a correction: the statement id of the version it replaces and the activity's IRI,
    #: which every version keeps.
    corrects: tuple[str, str] | None = None


#: Every builder by its stable key (each registers itself when its class is defined).
BUILDERS: dict[str, type[StatementBuilder]] = {}


class StatementBuilder:
    """Base of all builders: a stable ``key`` and ``build`` returning statement JSON."""

    key: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "key" in cls.__dict__:
            if cls.key in BUILDERS:
                raise TypeError(f"two statement builders use the key {cls.key!r}")
            BUILDERS[cls.key] = cls

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _to_dict(self, statement: tincan.Statement) -> dict[str, Any]:
        return json.loads(statement.to_json("1.0.3"))


class ActivityLoggedBuilder(StatementBuilder):
    """``<officer> logged CPD <activity>``: an officer records CPD they did."""

    key = "cpd.activity.logged"

    def statement_id(self, reference: str, submission_id: str) -> uuid.UUID:
        """The id a submission's statement gets, whoever builds it and however often."""
        return deterministic_id(self.settings, self.key, reference, submission_id)

    def activity_iri(self, statement_id: uuid.UUID | str) -> str:
        """The IRI of the activity first logged by the statement ``statement_id``."""
        return f"{self.settings.lms_home_page.rstrip('/')}/cpd/activities/{statement_id}"

    def build(self, learner: LearnerIdentity, activity: LoggedActivity) -> dict[str, Any]:
        statement_id = self.statement_id(learner.reference, activity.submission_id)
        occurred = datetime.combine(activity.activity_date, time(12, 0),
                                    tzinfo=self.settings.timezone)
        definition = tincan.ActivityDefinition(
            name=tincan.LanguageMap({"en-GB": activity.title}),
            type=vocabulary.ACTIVITY_TYPE_CPD,
        )
        if activity.link:
            definition.more_info = activity.link
        result = tincan.Result(duration=timedelta(minutes=activity.minutes))
        if activity.reflection:
            result.response = activity.reflection
        extensions = {
            vocabulary.EXT_CATEGORY: activity.category,
            vocabulary.EXT_ROLES: list(activity.role_codes),
            vocabulary.EXT_ACTIVITY_DATE: activity.activity_date.isoformat(),
        }
        # Optional facts only when present, so a plain activity's statement stays as it was.
        if activity.kind:
            extensions[vocabulary.EXT_KIND] = activity.kind
        if activity.participatory:
            extensions[vocabulary.EXT_PARTICIPATORY] = True
        if activity.item:
            extensions[vocabulary.EXT_ITEM] = activity.item
        if activity.impact:
            extensions[vocabulary.EXT_IMPACT] = activity.impact
        if activity.what_happened:
            extensions[vocabulary.EXT_WHAT_HAPPENED] = activity.what_happened
        if activity.accountabilities:
            extensions[vocabulary.EXT_ACCOUNTABILITIES] = list(activity.accountabilities)
        context = tincan.Context(language="en-GB", extensions=tincan.Extensions(extensions))
        if activity.corrects:
            # The version this one replaces: history follows the chain back.
            context.statement = tincan.StatementRef(id=activity.corrects[0])
        statement = tincan.Statement(
            id=statement_id,
            actor=tincan_agent(self.settings, learner),
            verb=tincan.Verb(id=vocabulary.VERB_LOGGED,
                             display=tincan.LanguageMap(vocabulary.VERB_LOGGED_DISPLAY)),
            object=tincan.Activity(
                id=activity.corrects[1] if activity.corrects else self.activity_iri(statement_id),
                definition=definition,
            ),
            result=result,
            context=context,
            timestamp=occurred,
        )
        return self._to_dict(statement)


@dataclass(frozen=True)
class LeadDecision:
    """A lead's decision about a person: an exemption, an extension or an approved absence."""

    learner: LearnerIdentity
    reason: str
    decided_at: datetime
    role_code: str | None = None
    cycle_start: date | None = None
    due: date | None = None
    absence: tuple[date, date] | None = None


class _LeadDecisionBuilder(StatementBuilder):
    """``<lead> <verb> <officer>``: the lead is the actor, the officer the object."""

    verb: ClassVar[str]
    display: ClassVar[dict[str, str]]

    def identity(self, decision: LeadDecision) -> tuple[str, ...]:
        raise NotImplementedError

    def statement_id(self, decision: LeadDecision) -> uuid.UUID:
        """The same decision, made at the same moment, is one statement however often sent."""
        return deterministic_id(self.settings, self.key, decision.learner.reference,
                                *self.identity(decision), decision.decided_at.isoformat())

    def build(self, lead: LearnerIdentity, decision: LeadDecision) -> dict[str, Any]:
        extensions: dict[str, Any] = {}
        if decision.role_code:
            extensions[vocabulary.EXT_ROLE] = decision.role_code
        if decision.cycle_start:
            extensions[vocabulary.EXT_CYCLE_START] = decision.cycle_start.isoformat()
        if decision.due:
            extensions[vocabulary.EXT_DUE_DATE] = decision.due.isoformat()
        if decision.absence:
            extensions[vocabulary.EXT_ABSENCE_START] = decision.absence[0].isoformat()
            extensions[vocabulary.EXT_ABSENCE_END] = decision.absence[1].isoformat()
        statement = tincan.Statement(
            id=self.statement_id(decision),
            actor=tincan_agent(self.settings, lead),
            verb=tincan.Verb(id=self.verb, display=tincan.LanguageMap(self.display)),
            object=tincan_agent(self.settings, decision.learner),
            result=tincan.Result(response=decision.reason),
            context=tincan.Context(language="en-GB", extensions=tincan.Extensions(extensions)),
            timestamp=decision.decided_at,
        )
        return self._to_dict(statement)


class ExemptionGrantedBuilder(_LeadDecisionBuilder):
    """``<lead> exempted <officer>`` from a role's requirements for one cycle."""

    key = "cpd.exemption.granted"
    verb = vocabulary.VERB_EXEMPTED
    display = vocabulary.VERB_EXEMPTED_DISPLAY

    def identity(self, decision: LeadDecision) -> tuple[str, ...]:
        return (str(decision.role_code), str(decision.cycle_start))


class ExtensionGrantedBuilder(_LeadDecisionBuilder):
    """``<lead> extended the CPD due date of <officer>`` for a role's cycle."""

    key = "cpd.extension.granted"
    verb = vocabulary.VERB_EXTENDED
    display = vocabulary.VERB_EXTENDED_DISPLAY

    def identity(self, decision: LeadDecision) -> tuple[str, ...]:
        return (str(decision.role_code), str(decision.cycle_start), str(decision.due))


class AbsenceApprovedBuilder(_LeadDecisionBuilder):
    """``<lead> approved an absence for <officer>``: targets are pro-rated for it."""

    key = "cpd.absence.approved"
    verb = vocabulary.VERB_APPROVED_ABSENCE
    display = vocabulary.VERB_APPROVED_ABSENCE_DISPLAY

    def identity(self, decision: LeadDecision) -> tuple[str, ...]:
        assert decision.absence is not None
        return (decision.absence[0].isoformat(), decision.absence[1].isoformat())


class VoidedBuilder(StatementBuilder):
    """``<person> voided <statement>``: a record withdrawn or replaced by a correction.

    Statements are never deleted; voiding keeps the old one for history and audit.
    """

    key = "cpd.statement.voided"

    def build(self, actor: LearnerIdentity, target_id: str, *, at: datetime) -> dict[str, Any]:
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, target_id),
            actor=tincan_agent(self.settings, actor),
            verb=tincan.Verb(id=VOIDED_VERB, display=tincan.LanguageMap({"en-US": "voided"})),
            object=tincan.StatementRef(id=target_id),
            timestamp=at,
        )
        return self._to_dict(statement)


@dataclass(frozen=True)
class EvidenceFile:
    """A stored file as a statement refers to it: name, type, size and SHA-256."""

    filename: str
    content_type: str
    length: int
    sha256: str

    def attachment(self, file_url: str) -> tincan.Attachment:
        return tincan.Attachment(
            usage_type=vocabulary.ATTACHMENT_EVIDENCE,
            display=tincan.LanguageMap({"en-GB": self.filename}),
            content_type=self.content_type, length=self.length, sha2=self.sha256,
            # The file is not sent inline: an LRS it is forwarded to fetches it from here.
            fileurl=file_url,
        )


class EvidenceAttachedBuilder(StatementBuilder):
    """``<officer> attached evidence to <activity>``: the file is an xAPI attachment."""

    key = "cpd.evidence.attached"

    def statement_id(self, reference: str, submission_id: str) -> uuid.UUID:
        return deterministic_id(self.settings, self.key, reference, submission_id)

    def build(self, learner: LearnerIdentity, *, submission_id: str, activity_iri: str,
              activity_title: str, file: EvidenceFile, file_url: str,
              description: str | None, at: datetime) -> dict[str, Any]:
        statement = tincan.Statement(
            id=self.statement_id(learner.reference, submission_id),
            actor=tincan_agent(self.settings, learner),
            verb=tincan.Verb(id=vocabulary.VERB_ATTACHED_EVIDENCE,
                             display=tincan.LanguageMap(vocabulary.VERB_ATTACHED_EVIDENCE_DISPLAY)),
            object=tincan.Activity(id=activity_iri, definition=tincan.ActivityDefinition(
                name=tincan.LanguageMap({"en-GB": activity_title}),
                type=vocabulary.ACTIVITY_TYPE_CPD)),
            context=tincan.Context(language="en-GB"),
            attachments=[file.attachment(file_url)],
            timestamp=at,
        )
        if description:
            statement.result = tincan.Result(response=description)
        return self._to_dict(statement)


class _ReviewBuilder(StatementBuilder):
    """``<lead> verified|rejected <statement>``: a decision on submitted evidence or renewal."""

    verb: ClassVar[str]
    display: ClassVar[dict[str, str]]

    def build(self, lead: LearnerIdentity, target_id: str, *, comment: str | None,
              at: datetime) -> dict[str, Any]:
        statement = tincan.Statement(
            id=deterministic_id(self.settings, self.key, target_id, at.isoformat()),
            actor=tincan_agent(self.settings, lead),
            verb=tincan.Verb(id=self.verb, display=tincan.LanguageMap(self.display)),
            object=tincan.StatementRef(id=target_id),
            context=tincan.Context(language="en-GB"),
            timestamp=at,
        )
        if comment:
            statement.result = tincan.Result(response=comment)
        return self._to_dict(statement)


class VerifiedBuilder(_ReviewBuilder):
    """``<lead> verified <evidence or renewal statement>``."""

    key = "cpd.review.verified"
    verb = vocabulary.VERB_VERIFIED
    display = vocabulary.VERB_VERIFIED_DISPLAY


class RejectedBuilder(_ReviewBuilder):
    """``<lead> rejected <evidence or renewal statement>``, the reason in the response."""

    key = "cpd.review.rejected"
    verb = vocabulary.VERB_REJECTED
    display = vocabulary.VERB_REJECTED_DISPLAY



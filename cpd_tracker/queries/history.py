"""The history of a record: every version of an activity, its evidence and the decisions on it.

Nothing is ever overwritten (a correction voids the old statement and stores a new one), so the
history is read straight from the statement store, voided statements included: who changed
what, when, and which versions no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import Settings
from cpd_tracker.models import Learner
from cpd_tracker.paging import Page, page_of
from cpd_tracker.record.identities import account_reference, client_name, learner_agent
from cpd_tracker.record.learners import identity
from xapi import VOIDED_VERB, StatementAgent, StatementRecord, actor_key

_VERBS = {
    vocabulary.VERB_LOGGED: "logged",
    vocabulary.VERB_ATTACHED_EVIDENCE: "evidence",
    vocabulary.VERB_VERIFIED: "verified",
    vocabulary.VERB_REJECTED: "rejected",
    VOIDED_VERB: "voided",
    vocabulary.VERB_EXEMPTED: "exempted",
    vocabulary.VERB_EXTENDED: "extended",
    vocabulary.VERB_APPROVED_ABSENCE: "absence",
    vocabulary.VERB_RECORDED_ACCREDITATION: "accreditation",
    vocabulary.VERB_SUBMITTED_RENEWAL: "renewal",
    vocabulary.VERB_CHANGED_ACCREDITATION: "accreditation-status",
}


@dataclass
class HistoryEntry:
    """One statement in a record's history, as a person reads it."""

    statement_id: str
    #: ``logged``, ``corrected``, ``evidence``, ``verified``, ``rejected``, ``withdrawn``...
    kind: str
    at: datetime
    #: Who did it (the actor's name), and through what (an LMS client's name, if one sent it).
    by: str
    via: str | None
    voided: bool = False
    voided_at: datetime | None = None
    voided_by: str | None = None
    title: str | None = None
    activity_date: date | None = None
    minutes: int | None = None
    category: str | None = None
    reflection: str | None = None
    impact: str | None = None
    what_happened: str | None = None
    filename: str | None = None
    comment: str | None = None
    #: For a decision or a voiding: the statement it is about.
    about: str | None = None
    changes: list[str] = field(default_factory=list)


def activity_history(session: Session, settings: Settings, activity_iri: str
                     ) -> tuple[str | None, list[HistoryEntry]]:
    """The owner's reference and every statement about one activity, oldest first: each
    version (voided ones marked), the evidence attached, the decisions on it and who withdrew
    what. Two queries however long the history."""
    main = session.execute(
        sa.select(StatementRecord.id, StatementRecord.voided, StatementRecord.document)
        .where(StatementRecord.object_key == activity_iri,
               StatementRecord.verb_id.in_([vocabulary.VERB_LOGGED,
                                            vocabulary.VERB_ATTACHED_EVIDENCE]))
        .order_by(StatementRecord.sequence)).all()
    if not main:
        return None, []
    reactions = session.execute(
        sa.select(StatementRecord.id, StatementRecord.voided, StatementRecord.document)
        .where(StatementRecord.object_key.in_([row.id for row in main]))
        .order_by(StatementRecord.sequence)).all()
    owner = account_reference(settings, main[0].document["actor"])
    entries = _entries(settings, [*main, *reactions])
    entries.sort(key=lambda entry: entry.at)
    return owner, entries


def record_history(session: Session, settings: Settings, learner: Learner, *, page: int = 1,
                   per_page: int = 50) -> Page[HistoryEntry]:
    """Every statement by or about a person, newest first, a page at a time."""
    key = actor_key(learner_agent(settings, identity(learner)))
    mentioned = (sa.select(StatementAgent.statement_sequence)
                 .where(StatementAgent.agent_key == key, StatementAgent.direct.is_(True)))
    # And what others recorded about those statements (a lead's verification of evidence).
    theirs = sa.select(StatementRecord.id).where(StatementRecord.sequence.in_(mentioned))
    where = sa.or_(StatementRecord.sequence.in_(mentioned),
                   sa.and_(StatementRecord.object_type == "StatementRef",
                           StatementRecord.object_key.in_(theirs)))
    cut = page_of(session, sa.select(StatementRecord.id, StatementRecord.voided,
                                     StatementRecord.document)
                  .where(where).order_by(StatementRecord.sequence.desc()),
                  page=page, per_page=per_page)
    rows = cut.items
    # The voiding statements of what is shown, so voided entries say who voided them and when.
    voiding = session.execute(
        sa.select(StatementRecord.id, StatementRecord.voided, StatementRecord.document)
        .where(StatementRecord.verb_id == VOIDED_VERB,
               StatementRecord.object_key.in_([row.id for row in rows if row.voided]))).all()
    shown = {row.id for row in rows}
    entries = [entry for entry in _entries(settings, [*rows, *voiding])
               if entry.statement_id in shown]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return Page(entries, cut.total, page, per_page)


def _entries(settings: Settings, rows: list[Any]) -> list[HistoryEntry]:
    by_id: dict[str, HistoryEntry] = {}
    for row in rows:
        if row.id in by_id:
            continue
        document = row.document
        verb = document["verb"]["id"]
        entry = HistoryEntry(
            statement_id=row.id, kind=_VERBS.get(verb, "other"),
            at=aniso8601.parse_datetime(document["stored"]),
            by=document["actor"].get("name") or account_reference(settings, document["actor"])
            or "?",
            via=client_name(settings, document.get("authority")), voided=bool(row.voided))
        context = document.get("context", {})
        extensions = context.get("extensions", {})
        result = document.get("result", {})
        if verb == vocabulary.VERB_LOGGED:
            name = document["object"].get("definition", {}).get("name", {})
            entry.title = name.get("en-GB") or next(iter(name.values()), None)
            if context.get("statement"):
                entry.kind = "corrected"
                entry.about = context["statement"]["id"]
            day = extensions.get(vocabulary.EXT_ACTIVITY_DATE)
            entry.activity_date = date.fromisoformat(day) if day else None
            duration = result.get("duration")
            entry.minutes = (round(aniso8601.parse_duration(duration).total_seconds() / 60)
                             if duration else None)
            entry.category = extensions.get(vocabulary.EXT_CATEGORY)
            entry.reflection = result.get("response")
            entry.impact = extensions.get(vocabulary.EXT_IMPACT)
            entry.what_happened = extensions.get(vocabulary.EXT_WHAT_HAPPENED)
        elif verb == vocabulary.VERB_ATTACHED_EVIDENCE:
            attachments = document.get("attachments") or [{}]
            display = attachments[0].get("display", {})
            entry.filename = display.get("en-GB") or next(iter(display.values()), None)
            entry.comment = result.get("response")
        else:
            entry.about = document["object"].get("id")
            entry.comment = result.get("response")
        by_id[row.id] = entry
    for entry in by_id.values():
        if entry.kind == "voided" and entry.about in by_id:
            target = by_id[entry.about]
            target.voided_at, target.voided_by = entry.at, entry.by
    _describe_changes(list(by_id.values()))
    return list(by_id.values())


def _describe_changes(entries: list[HistoryEntry]) -> None:
    """For each correction, which facts differ from the version it replaced."""
    by_id = {entry.statement_id: entry for entry in entries}
    for entry in entries:
        before = by_id.get(entry.about or "") if entry.kind == "corrected" else None
        if before is None:
            continue
        for name, label in (("title", "title"), ("activity_date", "date"),
                            ("minutes", "duration"), ("category", "category"),
                            ("what_happened", "what happened"),
                            ("reflection", "what was learned"), ("impact", "impact")):
            if getattr(before, name) != getattr(entry, name):
                entry.changes.append(label)

"""Evidence: files an officer attaches to their CPD, and the lead's verification of them.

Attaching evidence stores an ``attached evidence to`` statement whose xAPI attachment records
the file's SHA-256; the file itself goes to the evidence storage (:mod:`cpd_tracker.storage`).
A lead's decision is a ``verified`` or ``rejected`` statement pointing at it. ``cpd_evidence``
and the activity's ``verification`` are projections of those statements, written in the same
transaction, so the rebuild gives what the incremental path gave.

An upload that fails anywhere leaves nothing behind: the file is checked before anything is
written, and a file stored for a statement that then fails is discarded again (unless an
earlier statement already refers to the same content).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any

import aniso8601
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from cpd_tracker import permissions, signals, vocabulary
from cpd_tracker.allowances import Lead
from cpd_tracker.config import Settings
from cpd_tracker.learners import identity
from cpd_tracker.models import Activity, Evidence, Learner, LearnerRole, Renewal, Role
from cpd_tracker.statements import (
    EvidenceAttachedBuilder,
    EvidenceFile,
    LearnerIdentity,
    RejectedBuilder,
    VerifiedBuilder,
    account_reference,
    client_name,
    learner_agent,
)
from cpd_tracker.storage import EvidenceRejected, EvidenceStorage, received
from xapi import StatementStore

DESCRIPTION_MAX = 2_000
COMMENT_MAX = 2_000


class DecisionRefused(ValueError):
    """A lead's decision cannot be recorded; ``errors`` maps each field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def file_url(settings: Settings, sha256: str) -> str:
    """Where an LRS the statement is forwarded to can ask for the file (access-controlled)."""
    return settings.page_url(f"/evidence/files/{sha256}")


def attach_evidence(session: Session, settings: Settings, storage: EvidenceStorage,
                    learner: Learner, activity: Activity, upload: IO[bytes],
                    filename: str | None, *, description: str | None = None,
                    submission_id: str = "") -> Evidence:
    """Check the upload, keep the file, record the statement, commit; or raise
    :class:`~cpd_tracker.storage.EvidenceRejected` naming the field, with nothing written."""
    if activity.learner_id != learner.id:
        raise EvidenceRejected({"activity": "You can only add evidence to your own activities."})
    if description and len(description) > DESCRIPTION_MAX:
        raise EvidenceRejected({"description": f"Keep the description to {DESCRIPTION_MAX:,} "
                                               f"characters (it has {len(description):,})."})
    builder = EvidenceAttachedBuilder(settings)
    submission_id = submission_id or str(uuid.uuid4())
    statement_id = str(builder.statement_id(learner.reference, submission_id))
    already = session.scalar(sa.select(Evidence).where(Evidence.statement_id == statement_id))
    if already is not None:
        return already  # the same form sent twice
    with kept_files(session, settings, storage, [(upload, filename)], field="file") as kept:
        [(file, url)] = kept
        statement = builder.build(
            identity(learner), submission_id=submission_id,
            activity_iri=activity.activity_iri, activity_title=activity.title,
            file=file, file_url=url, description=(description or "").strip() or None,
            at=_now())
        from cpd_tracker import recording  # the list of listeners imports this module

        recording.record(session, settings, [statement],
                         authority=learner_agent(settings, identity(learner)),
                         on_conflict=EvidenceRejected({"form": "This form was already "
                                                       "sent with another file."}))
    evidence = session.scalars(sa.select(Evidence).where(
        Evidence.statement_id == statement_id)).one()
    signals.evidence_attached.send(current_app._get_current_object(), learner=learner,
                                   evidence=evidence)
    return evidence


@contextmanager
def kept_files(session: Session, settings: Settings, storage: EvidenceStorage,
               uploads: Sequence[tuple[IO[bytes], str | None]], *, field: str = "files"
               ) -> Iterator[list[tuple[EvidenceFile, str]]]:
    """Check every upload and keep it in ``storage``; give each as the statement records it
    (with its ``fileUrl``). If the block fails, files kept for it are discarded again unless a
    recorded statement already refers to the same content, so a failed upload leaves no
    orphan. Nothing is kept unless every upload passes its checks."""
    with ExitStack() as stack:
        files = [stack.enter_context(received(stream, name, max_bytes=settings.evidence_max_bytes,
                                              accepted=settings.evidence_types, field=field))
                 for stream, name in uploads]
        kept: list[str] = []
        try:
            for file in files:
                if storage.put(file.sha256, file.path):
                    kept.append(file.sha256)
            yield [(EvidenceFile(file.filename, file.content_type, file.length, file.sha256),
                    file_url(settings, file.sha256)) for file in files]
        except BaseException:
            for sha256 in kept:
                if not _referenced(session, sha256):
                    storage.discard(sha256)
            raise


def decide_evidence(session: Session, settings: Settings, lead: Lead, evidence: Evidence, *,
                    approve: bool, comment: str | None) -> Evidence:
    """Record a lead's verification or rejection of a piece of evidence, and commit.

    A rejection needs a comment (the officer must learn why); nobody decides on their own
    evidence; a decision already made is not silently overwritten.
    """
    comment = (comment or "").strip() or None
    errors: dict[str, str] = {}
    if not approve and not comment:
        errors["comment"] = "Say why the evidence is rejected; the officer sees your comment."
    if comment and len(comment) > COMMENT_MAX:
        errors["comment"] = f"Keep the comment to {COMMENT_MAX:,} characters."
    if evidence.learner.reference == lead.reference:
        errors["evidence"] = "You cannot verify your own evidence; another lead must."
    if evidence.status != "pending":
        errors["evidence"] = (f"This evidence was already {evidence.status} by "
                              f"{evidence.decided_by} on {evidence.decided_at:%-d %b %Y}.")
    if evidence.activity_iri is None:
        errors["evidence"] = "This file belongs to a renewal; decide the renewal instead."
    if errors:
        raise DecisionRefused(errors)
    builder = (VerifiedBuilder if approve else RejectedBuilder)(settings)
    lead_identity = LearnerIdentity(reference=lead.reference, name=lead.name)
    statement = builder.build(lead_identity, evidence.statement_id, comment=comment, at=_now())
    from cpd_tracker import recording

    recording.record(session, settings, [statement],
                     authority=learner_agent(settings, lead_identity),
                     on_conflict=DecisionRefused({"evidence": "This decision has already been "
                                                              "recorded."}))
    session.refresh(evidence)
    signals.evidence_decided.send(current_app._get_current_object(), evidence=evidence,
                                  approved=approve)
    return evidence


def evidence_for(session: Session, learner_id: int, activity_iris: list[str]
                 ) -> dict[str, list[Evidence]]:
    """Each activity's evidence (by activity IRI), oldest first, in one query."""
    found: dict[str, list[Evidence]] = {iri: [] for iri in activity_iris}
    if activity_iris:
        for item in session.scalars(sa.select(Evidence).where(
                Evidence.learner_id == learner_id, Evidence.activity_iri.in_(activity_iris))
                .order_by(Evidence.submitted_at, Evidence.id)):
            found.setdefault(item.activity_iri or "", []).append(item)
    return found


@dataclass(frozen=True)
class QueueItem:
    """One thing waiting for a lead: a piece of evidence or a renewal."""

    kind: str  # "evidence" or "renewal"
    id: int
    submitted_at: datetime
    learner: Learner
    #: What it is: the activity's title, or the scheme being renewed.
    subject: str
    filename: str | None = None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def verification_queue(session: Session, access: permissions.Access, *,
                       role: str | None = None, unit: str | None = None, page: int = 1,
                       per_page: int = 25) -> QueuePage:
    """Evidence and renewals awaiting a decision that ``access`` may make, oldest first.

    Filtered by role code and unit; a bounded number of queries whatever the queue's length.
    """
    people = [permissions.visible(access, permissions.VERIFY)]
    if unit:
        people.append(Learner.org_unit == unit)
    if role:
        people.append(sa.exists().where(LearnerRole.learner_id == Learner.id,
                                        LearnerRole.role_id == Role.id, Role.code == role))
    evidence = (sa.select(sa.literal("evidence").label("kind"), Evidence.id.label("id"),
                          Evidence.submitted_at.label("submitted_at"))
                .join(Learner, Learner.id == Evidence.learner_id)
                .where(Evidence.status == "pending", Evidence.activity_iri.is_not(None),
                       *people))
    renewals = (sa.select(sa.literal("renewal").label("kind"), Renewal.id.label("id"),
                          Renewal.submitted_at.label("submitted_at"))
                .join(Learner, Learner.id == Renewal.learner_id)
                .where(Renewal.status == "pending", *people))
    waiting = sa.union_all(evidence, renewals).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(waiting)) or 0
    rows = session.execute(sa.select(waiting.c.kind, waiting.c.id)
                           .order_by(waiting.c.submitted_at, waiting.c.kind, waiting.c.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    evidence_ids = [row.id for row in rows if row.kind == "evidence"]
    renewal_ids = [row.id for row in rows if row.kind == "renewal"]
    found: dict[tuple[str, int], QueueItem] = {}
    if evidence_ids:
        for item, title, learner in session.execute(
                sa.select(Evidence, Activity.title, Learner)
                .join(Learner, Learner.id == Evidence.learner_id)
                .outerjoin(Activity, sa.and_(Activity.learner_id == Evidence.learner_id,
                                             Activity.activity_iri == Evidence.activity_iri))
                .where(Evidence.id.in_(evidence_ids))):
            found[("evidence", item.id)] = QueueItem(
                "evidence", item.id, item.submitted_at, learner,
                title or "(activity withdrawn)", item.filename)
    if renewal_ids:
        for renewal, learner in session.execute(
                sa.select(Renewal, Learner).join(Learner, Learner.id == Renewal.learner_id)
                .where(Renewal.id.in_(renewal_ids))):
            found[("renewal", renewal.id)] = QueueItem(
                "renewal", renewal.id, renewal.submitted_at, learner,
                f"Renewal of {renewal.scheme}")
    return QueuePage([found[(row.kind, row.id)] for row in rows if (row.kind, row.id) in found],
                     total, page, per_page)


class EvidenceProjection:
    """Keeps ``cpd_evidence`` and each activity's verification in step with the statements."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        verb = statement["verb"]["id"]
        if verb not in (vocabulary.VERB_ATTACHED_EVIDENCE, vocabulary.VERB_VERIFIED,
                        vocabulary.VERB_REJECTED):
            return
        if client_name(self.settings, statement.get("authority")) is not None:
            return  # only officers and leads working here attach and verify evidence
        if verb == vocabulary.VERB_ATTACHED_EVIDENCE:
            self._attached(session, statement)
        else:
            self._decided(session, statement, approved=verb == vocabulary.VERB_VERIFIED)

    def _attached(self, session: Session, statement: dict[str, Any]) -> None:
        reference = account_reference(self.settings, statement["actor"])
        learner_id = session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        if learner_id is None:
            raise LookupError(f"statement {statement['id']}: no learner {reference!r}")
        iri = statement["object"]["id"]
        for attachment in statement.get("attachments", []):
            if attachment.get("usageType") != vocabulary.ATTACHMENT_EVIDENCE:
                continue
            display = attachment.get("display", {})
            session.add(Evidence(
                statement_id=statement["id"], learner_id=learner_id, activity_iri=iri,
                sha256=attachment["sha2"], content_type=attachment["contentType"],
                filename=display.get("en-GB") or next(iter(display.values()), "evidence"),
                length=attachment["length"],
                description=statement.get("result", {}).get("response"),
                submitted_at=aniso8601.parse_datetime(statement["stored"]), status="pending"))
        session.flush()
        refresh_verification(session, learner_id, iri, self.settings)

    def _decided(self, session: Session, statement: dict[str, Any], *, approved: bool) -> None:
        target = statement["object"].get("id", "").lower()
        files = session.scalars(sa.select(Evidence).where(
            Evidence.statement_id == target, Evidence.activity_iri.is_not(None))).all()
        if not files:
            return  # a decision on something else (a renewal)
        lead = statement["actor"].get("name") or account_reference(
            self.settings, statement["actor"]) or "?"
        decided_at = aniso8601.parse_datetime(statement["stored"])
        for item in files:
            item.status = "approved" if approved else "rejected"
            item.decided_by = lead
            item.decided_at = decided_at
            item.comment = statement.get("result", {}).get("response")
            item.decision_statement_id = statement["id"]
        session.flush()
        refresh_verification(session, files[0].learner_id, files[0].activity_iri or "",
                             self.settings)

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        """Withdrawn evidence disappears; a withdrawn decision puts the evidence back to wait."""
        files = session.scalars(sa.select(Evidence).where(
            sa.or_(Evidence.statement_id == statement["id"],
                   Evidence.decision_statement_id == statement["id"]),
            Evidence.activity_iri.is_not(None))).all()
        for item in files:
            if item.statement_id == statement["id"]:
                session.delete(item)
            else:
                item.status, item.decided_by, item.decided_at = "pending", None, None
                item.comment = item.decision_statement_id = None
        session.flush()
        for learner_id, iri in {(item.learner_id, item.activity_iri) for item in files}:
            refresh_verification(session, learner_id, iri or "", self.settings)


def refresh_verification(session: Session, learner_id: int, activity_iri: str,
                         settings: Settings) -> None:
    """Set the activity's verification from its evidence: verified (from the first approval)
    if a lead approved any, awaiting if any waits, rejected if all were rejected, else
    self-declared. CPD an LMS reported under a rule that trusts it stays as the rule says."""
    rows = session.execute(sa.select(Evidence.status, Evidence.decided_at).where(
        Evidence.learner_id == learner_id, Evidence.activity_iri == activity_iri)).all()
    approved = [at for status, at in rows if status == "approved" and at is not None]
    if approved:
        state, since = "verified", min(approved).astimezone(settings.timezone).date()
    elif any(status == "pending" for status, _ in rows):
        state, since = "awaiting", None
    elif rows:
        state, since = "rejected", None
    else:
        state, since = "self-declared", None
    session.execute(sa.update(Activity).where(
        Activity.learner_id == learner_id, Activity.activity_iri == activity_iri,
        Activity.credit_key.is_(None)).values(verification=state, verified_on=since))


def rebuild(session: Session, settings: Settings) -> int:
    """Project every non-voided evidence statement and decision again, in stored order."""
    session.execute(sa.delete(Evidence).where(Evidence.activity_iri.is_not(None)))
    session.execute(sa.update(Activity).where(Activity.credit_key.is_(None))
                    .values(verification="self-declared", verified_on=None))
    projection = EvidenceProjection(settings)
    count = 0
    # Every decision is stored after the evidence it decides, so verb by verb keeps the order
    # that matters.
    for verb in (vocabulary.VERB_ATTACHED_EVIDENCE, vocabulary.VERB_VERIFIED,
                 vocabulary.VERB_REJECTED):
        for statement in StatementStore(session).statements(verb=verb):
            projection.statement_stored(session, statement)
            count += 1
    return count


def _referenced(session: Session, sha256: str) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(Evidence)
                          .where(Evidence.sha256 == sha256)) != 0


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)

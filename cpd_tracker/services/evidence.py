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
from typing import IO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from cpd_tracker import signals
from cpd_tracker.config import Settings
from cpd_tracker.engine.words import format_date
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.record.identities import Lead, LearnerIdentity, learner_agent
from cpd_tracker.record.learners import identity
from cpd_tracker.record.statements import (
    EvidenceAttachedBuilder,
    EvidenceFile,
    RejectedBuilder,
    VerifiedBuilder,
)
from cpd_tracker.services import recording
from cpd_tracker.storage import EvidenceStorage, received

DESCRIPTION_MAX = 2_000
COMMENT_MAX = 2_000



def file_url(settings: Settings, sha256: str) -> str:
    """Where an LRS the statement is forwarded to can ask for the file (access-controlled)."""
    return settings.page_url(f"/evidence/files/{sha256}")


def attach_evidence(session: Session, settings: Settings, storage: EvidenceStorage,
                    learner: Learner, activity: Activity, upload: IO[bytes],
                    filename: str | None, *, description: str | None = None,
                    submission_id: str = "") -> Evidence:
    """Check the upload, keep the file, record the statement, commit; or raise
    :class:`~cpd_tracker.Refused` naming the field, with nothing written."""
    if activity.learner_id != learner.id:
        raise Refused({"activity": "You can only add evidence to your own activities."})
    if description and len(description) > DESCRIPTION_MAX:
        raise Refused({"description": f"Keep the description to {DESCRIPTION_MAX:,} "
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
            at=settings.now())

        recording.record(session, settings, [statement],
                         authority=learner_agent(settings, identity(learner)),
                         on_conflict=Refused({"form": "This form was already "
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
                              f"{evidence.decided_by} on {format_date(evidence.decided_at)}.")
    if evidence.activity_iri is None:
        errors["evidence"] = "This file belongs to a renewal; decide the renewal instead."
    if errors:
        raise Refused(errors)
    builder = (VerifiedBuilder if approve else RejectedBuilder)(settings)
    lead_identity = LearnerIdentity(reference=lead.reference, name=lead.name)
    statement = builder.build(lead_identity, evidence.statement_id, comment=comment,
                              at=settings.now())
    # Claim the decision in the transaction that records it: another lead deciding the same
    # evidence at the same moment passed the check above too, and waits here for this one to
    # commit, then finds it decided (instead of storing a second decision over the first).
    claimed = session.execute(
        sa.update(Evidence).where(Evidence.id == evidence.id, Evidence.status == "pending")
        .values(status="pending").execution_options(synchronize_session=False)).rowcount
    if not claimed:
        session.rollback()
        session.refresh(evidence)
        raise Refused({"evidence": (
            f"This evidence was already {evidence.status} by {evidence.decided_by} on "
            f"{format_date(evidence.decided_at)}.")})

    recording.record(session, settings, [statement],
                     authority=learner_agent(settings, lead_identity),
                     on_conflict=Refused({"evidence": "This decision has already been "
                                                              "recorded."}))
    session.refresh(evidence)
    signals.evidence_decided.send(current_app._get_current_object(), evidence=evidence,
                                  approved=approve)
    return evidence


def _referenced(session: Session, sha256: str) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(Evidence)
                          .where(Evidence.sha256 == sha256)) != 0

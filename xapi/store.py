"""The statement store: the only way statements get into the database.

Statements are never updated or deleted. A correction is a voiding statement (verb ``voided``,
object a ``StatementRef``) that flips the target's ``voided`` flag. Listeners (read models such
as a projection) are called inside the caller's transaction, so a statement and everything
derived from it are committed together or not at all. The store never commits: its caller owns
the transaction.

Public: :class:`StatementStore`, :class:`StatementListener` (what a read model implements),
:class:`StatementConflict`; :func:`actor_key` is :mod:`xapi.agents`' and is re-exported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, Protocol

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from xapi.agents import actor_key, validate_actor
from xapi.mentions import activities_in, mentions
from xapi.models import (
    ActivityRecord,
    AttachmentRecord,
    StatementActivity,
    StatementAgent,
    StatementRecord,
)
from xapi.validation import VOIDED_VERB, StatementInvalid, validate_statement

__all__ = [
    "StatementConflict",
    "StatementListener",
    "StatementStore",
    "actor_key",  # xapi.agents', re-exported: callers have long imported it from here
]

#: Properties the LRS sets itself; two statements equal but for these are the same statement.
_LRS_PROPERTIES = ("stored", "authority", "version")


class StatementConflict(Exception):
    """A statement with this id exists and says something different (HTTP 409 in an LRS)."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(f"statement {statement_id} already exists with different content")
        self.statement_id = statement_id


class StatementListener(Protocol):
    """Something kept in step with the store, inside the same transaction."""

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        """A statement was stored (one stored already voided is not announced)."""

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        """A stored statement was voided; undo what it contributed."""


def _aware(moment: datetime) -> datetime:
    """A timestamp sent without an offset is taken as UTC (the spec only says SHOULD)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _object_key(obj: dict[str, Any]) -> str:
    kind = obj.get("objectType")
    if kind in ("Agent", "Group"):
        return actor_key(obj)
    if kind == "StatementRef":
        return str(obj.get("id", "")).lower()
    return str(obj.get("id", ""))


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """Context activities as arrays, as the LRS must return them even if sent alone."""
    for part in (document, document.get("object")):
        context = part.get("context") if isinstance(part, dict) else None
        activities = context.get("contextActivities") if isinstance(context, dict) else None
        if isinstance(activities, dict) and any(isinstance(value, dict)
                                                for value in activities.values()):
            fixed = {key: value if isinstance(value, list) else [value]
                     for key, value in activities.items()}
            part_copy = {**part, "context": {**context, "contextActivities": fixed}}
            if part is document:
                document = part_copy
            else:
                document["object"] = part_copy
    return document


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _merged_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The canonical definition after a new statement: language maps gain languages, the rest
    takes the newest value (the LRS's own rule; the spec leaves it to the LRS)."""
    merged = dict(old)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _same_statement(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    """Equal but for what the LRS set itself (including a timestamp it filled in)."""
    ignored = set(_LRS_PROPERTIES)
    if "timestamp" not in incoming:
        ignored.add("timestamp")
    return ({key: value for key, value in stored.items() if key not in ignored}
            == {key: value for key, value in incoming.items() if key not in ignored})


class StatementStore:
    """Validate, store, void and read statements in one SQLAlchemy session."""

    def __init__(self, session: Session, listeners: Iterable[StatementListener] = ()) -> None:
        self.session = session
        self.listeners = list(listeners)

    def add(self, statement: dict[str, Any], *, authority: dict[str, Any],
            now: datetime | None = None) -> dict[str, Any]:
        """Store one statement and return it as stored (with id, stored, authority, version).

        Re-sending a statement with the same id and content is a no-op that returns the stored
        copy; the same id with other content raises :class:`StatementConflict`.
        """
        return self.add_many([statement], authority=authority, now=now)[0]

    def add_many(self, statements: list[dict[str, Any]], *, authority: dict[str, Any],
                 now: datetime | None = None,
                 attachments: dict[str, tuple[str, bytes]] | None = None) -> list[dict[str, Any]]:
        """Store a batch all or nothing and return each statement as stored, in order.

        Every statement is validated before anything is written, so one bad statement rejects
        the batch (the caller rolls back its transaction on any exception). ``attachments`` maps
        a SHA-2 hash to ``(content type, content)``: the raw parts of a multipart request, kept
        once per hash however many statements refer to them.
        """
        validate_actor(authority, "authority")
        prefix = len(statements) > 1
        documents: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for i, statement in enumerate(statements):
            where = f"[{i}]" if prefix else ""
            try:
                validate_statement(statement)
            except StatementInvalid as error:
                raise StatementInvalid(f"{where}{'.' if where else ''}{error.path}"
                                       if where else error.path, error.problem) from None
            # Shallow: only top-level properties are set here, nothing nested is changed.
            document = _normalised(dict(statement))
            document["id"] = (str(uuid.UUID(document["id"])) if "id" in document
                              else str(uuid.uuid4()))
            if document["id"] in seen:
                raise StatementInvalid(f"{where}.id", f"repeats the id of statement "
                                                      f"[{seen[document['id']]}] in this batch")
            seen[document["id"]] = i
            documents.append(document)
        existing = self._documents(list(seen))
        stored_at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        # ``stored`` is reported to the millisecond; keep the column equal to what is reported,
        # so a statement's own stored time bounds it in since/until queries.
        stored_at = stored_at.replace(microsecond=stored_at.microsecond // 1000 * 1000)
        stored_text = stored_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        results: list[dict[str, Any]] = []
        fresh: list[dict[str, Any]] = []
        for document in documents:
            before = existing.get(document["id"])
            if before is not None:
                if not _same_statement(before, document):
                    raise StatementConflict(document["id"])
                results.append(before)
                continue
            document["stored"] = stored_text
            document["authority"] = authority
            document.setdefault("version", "1.0.3")
            document.setdefault("timestamp", stored_text)
            results.append(document)
            fresh.append(document)
        self._check_voiding(fresh, seen if prefix else None)
        if attachments:
            self._keep_attachments(attachments)
        if fresh:
            self._insert(fresh, stored_at)
        return results

    def _check_voiding(self, documents: list[dict[str, Any]],
                       positions: dict[str, int] | None) -> None:
        """Refuse, before writing anything, a voiding statement that targets another one.

        ``positions`` (statement id to its index in the batch) names the culprit in a batch.
        """
        targets = {document["object"]["id"].lower(): document["id"] for document in documents
                   if document["verb"]["id"] == VOIDED_VERB}
        if not targets:
            return
        voiders = {document["id"] for document in documents
                   if document["verb"]["id"] == VOIDED_VERB}
        voiders.update(self.session.scalars(sa.select(StatementRecord.id).where(
            StatementRecord.id.in_(list(targets)), StatementRecord.verb_id == VOIDED_VERB)))
        for target, voider in targets.items():
            if target in voiders:
                path = f"[{positions[voider]}].object.id" if positions else "object.id"
                raise StatementInvalid(path, "a voiding statement cannot itself be voided")

    def _insert(self, documents: list[dict[str, Any]], stored_at: datetime) -> None:
        """Write new statements with a handful of set-based queries, whatever the batch size."""
        ids = [document["id"] for document in documents]
        # A voiding statement may arrive before its target: the target is then stored voided.
        already_voided = set(self.session.scalars(sa.select(StatementRecord.object_key).where(
            StatementRecord.verb_id == VOIDED_VERB, StatementRecord.object_key.in_(ids))))
        rows = [{
            "id": document["id"],
            "actor_key": actor_key(document["actor"]),
            "verb_id": document["verb"]["id"],
            "object_type": document["object"].get("objectType", "Activity"),
            "object_key": _object_key(document["object"]),
            "registration": _lower(document.get("context", {}).get("registration")),
            "timestamp": _aware(aniso8601.parse_datetime(document["timestamp"])),
            "stored": stored_at,
            "authority_key": actor_key(document["authority"]),
            "voided": document["id"] in already_voided,
            "document": document,
        } for document in documents]
        # Core executemany, then one query for the sequences: the ORM would insert row by row
        # on SQLite to learn each generated key.
        self.session.execute(sa.insert(StatementRecord), rows)
        sequences = dict(self.session.execute(
            sa.select(StatementRecord.id, StatementRecord.sequence)
            .where(StatementRecord.id.in_(ids))).all())
        agent_rows, activity_rows = [], []
        for document in documents:
            sequence = sequences[document["id"]]
            agents, activities = mentions(document)
            agent_rows.extend({"statement_sequence": sequence, "agent_key": key,
                               "direct": direct} for key, direct in agents)
            activity_rows.extend({"statement_sequence": sequence, "activity_id": key,
                                  "direct": direct} for key, direct in activities)
        if agent_rows:
            self.session.execute(sa.insert(StatementAgent), agent_rows)
        if activity_rows:
            self.session.execute(sa.insert(StatementActivity), activity_rows)
        self._define_activities(documents, stored_at)
        for document in documents:
            if document["verb"]["id"] == VOIDED_VERB:
                self._void(document["object"]["id"], path="object.id")
                # Voided by a statement earlier in this batch: never shown to the listeners.
                already_voided.add(document["object"]["id"].lower())
            if document["id"] not in already_voided:
                for listener in self.listeners:
                    listener.statement_stored(self.session, document)

    def get(self, statement_id: str) -> dict[str, Any] | None:
        """The statement with this id, unless it does not exist or has been voided."""
        record = self._record(statement_id)
        if record is None or record.voided:
            return None
        return record.document

    def get_voided(self, statement_id: str) -> dict[str, Any] | None:
        """A voided statement, for history and audit (``voidedStatementId`` in an LRS)."""
        record = self._record(statement_id)
        return record.document if record is not None and record.voided else None

    def statements(self, *, verb: str | None = None, include_voided: bool = False,
                   batch_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every statement in the order stored, streamed in batches so memory stays flat."""
        query = sa.select(StatementRecord.document).order_by(StatementRecord.sequence)
        if verb is not None:
            query = query.where(StatementRecord.verb_id == verb)
        if not include_voided:
            query = query.where(StatementRecord.voided.is_(False))
        yield from self.session.scalars(query.execution_options(yield_per=batch_size))

    def _documents(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            rows = self.session.execute(sa.select(StatementRecord.id, StatementRecord.document)
                                        .where(StatementRecord.id.in_(ids[start:start + 500])))
            found.update({row.id: row.document for row in rows})
        return found

    def _keep_attachments(self, attachments: dict[str, tuple[str, bytes]]) -> None:
        known = set(self.session.scalars(sa.select(AttachmentRecord.sha2).where(
            AttachmentRecord.sha2.in_(list(attachments)))))
        for sha2, (content_type, content) in attachments.items():
            if sha2 not in known:
                self.session.add(AttachmentRecord(sha2=sha2, content_type=content_type,
                                                  length=len(content), content=content))

    def attachment(self, sha2: str) -> AttachmentRecord | None:
        """Stored attachment content by its SHA-2 hash."""
        return self.session.get(AttachmentRecord, sha2)

    def _define_activities(self, documents: list[dict[str, Any]], moment: datetime) -> None:
        """Keep the canonical definition of every activity the statements define."""
        definitions: dict[str, dict[str, Any]] = {}
        for document in documents:
            for obj in activities_in(document):
                if obj.get("definition"):
                    definitions[obj["id"]] = _merged_definition(definitions.get(obj["id"], {}),
                                                                obj["definition"])
        if not definitions:
            return
        records = {record.activity_id: record for record in self.session.scalars(
            sa.select(ActivityRecord).where(ActivityRecord.activity_id.in_(list(definitions))))}
        for activity_id, definition in definitions.items():
            record = records.get(activity_id)
            if record is None:
                self.session.add(ActivityRecord(activity_id=activity_id, definition=definition,
                                                updated=moment))
            else:
                merged = _merged_definition(record.definition, definition)
                if merged != record.definition:  # most statements repeat what is known
                    record.definition = merged
                    record.updated = moment

    def activity(self, activity_id: str) -> dict[str, Any]:
        """The Activity object as the LRS knows it (the Activities resource)."""
        definition = self.session.scalar(sa.select(ActivityRecord.definition).where(
            ActivityRecord.activity_id == activity_id))
        activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
        if definition:
            activity["definition"] = definition
        return activity

    def definitions(self, activity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Canonical definitions of many activities at once (for the ``canonical`` format)."""
        ids = list(set(activity_ids))
        if not ids:
            return {}
        return dict(self.session.execute(sa.select(ActivityRecord.activity_id,
                                                   ActivityRecord.definition)
                                         .where(ActivityRecord.activity_id.in_(ids))).all())

    def _record(self, statement_id: str) -> StatementRecord | None:
        return self.session.scalar(
            sa.select(StatementRecord).where(StatementRecord.id == statement_id.lower())
        )

    def _void(self, target_id: str, *, path: str) -> None:
        target = self._record(target_id)
        if target is None:
            return  # the spec says not to reject a voiding statement whose target is unknown
        if target.verb_id == VOIDED_VERB:
            raise StatementInvalid(path, "a voiding statement cannot itself be voided")
        if target.voided:
            return
        target.voided = True
        self.session.flush()
        for listener in self.listeners:
            listener.statement_voided(self.session, target.document)

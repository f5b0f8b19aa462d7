"""The statement store: the only way statements get into the database.

Statements are never updated or deleted. A correction is a voiding statement (verb ``voided``,
object a ``StatementRef``) that flips the target's ``voided`` flag. Listeners (read models such
as a projection) are called inside the caller's transaction, so a statement and everything
derived from it are committed together or not at all. The store never commits: its caller owns
the transaction.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, Protocol

import aniso8601
import sqlalchemy as sa
from sqlalchemy.orm import Session

from xapi.models import StatementRecord
from xapi.validation import VOIDED_VERB, StatementInvalid, validate_actor, validate_statement

#: Properties the LRS sets itself; two statements equal but for these are the same statement.
_LRS_PROPERTIES = ("stored", "authority", "version")


class StatementConflict(Exception):
    """A statement with this id exists and says something different (HTTP 409 in an LRS)."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(f"statement {statement_id} already exists with different content")
        self.statement_id = statement_id


class StatementListener(Protocol):
    """Something kept in step with the store, inside the same transaction."""

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None: ...

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None: ...


def actor_key(actor: dict[str, Any]) -> str:
    """A canonical string for an agent's inverse functional identifier, used for lookups."""
    if "account" in actor:
        account = actor["account"]
        return f"account:{account['homePage']}|{account['name']}"
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if key in actor:
            return f"{key}:{actor[key]}"
    members = sorted(actor_key(member) for member in actor.get("member", []))
    return "group:" + ",".join(members)


def _aware(moment: datetime) -> datetime:
    """A timestamp sent without an offset is taken as UTC (the spec only says SHOULD)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _object_key(obj: dict[str, Any]) -> str:
    if obj.get("objectType") in ("Agent", "Group"):
        return actor_key(obj)
    return str(obj.get("id", ""))


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
        validate_statement(statement)
        validate_actor(authority, "authority")
        document = copy.deepcopy(statement)
        document["id"] = str(uuid.UUID(document["id"])) if "id" in document else str(uuid.uuid4())
        existing = self._record(document["id"])
        if existing is not None:
            if _same_statement(existing.document, document):
                return existing.document
            raise StatementConflict(document["id"])
        stored = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        document["stored"] = stored.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        document["authority"] = copy.deepcopy(authority)
        document.setdefault("version", "1.0.3")
        document.setdefault("timestamp", document["stored"])
        if document["verb"]["id"] == VOIDED_VERB:
            self._void(document["object"]["id"], path="object.id")
        # A voiding statement may arrive before its target: the target is then stored voided.
        voided = self.session.scalar(sa.select(sa.exists().where(
            StatementRecord.verb_id == VOIDED_VERB,
            StatementRecord.object_key == document["id"],
        )))
        self.session.add(StatementRecord(
            id=document["id"],
            actor_key=actor_key(document["actor"]),
            verb_id=document["verb"]["id"],
            object_type=document["object"].get("objectType", "Activity"),
            object_key=_object_key(document["object"]),
            registration=document.get("context", {}).get("registration"),
            timestamp=_aware(aniso8601.parse_datetime(document["timestamp"])),
            stored=stored,
            authority_key=actor_key(authority),
            voided=bool(voided),
            document=document,
        ))
        self.session.flush()
        if not voided:
            for listener in self.listeners:
                listener.statement_stored(self.session, document)
        return document

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

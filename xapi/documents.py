"""The document resources: State, Activity Profile and Agent Profile (Communication 2.3-2.7).

A document is opaque content with a content type, owned by a scope (the resource, and the
activity, agent and registration it belongs to) and named by an id. JSON documents can be
merged by POST. Every change gets a new ETag (the SHA-1 of the content, as the spec suggests),
which is what the concurrency checks of the profile resources compare.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from xapi.models import DocumentRecord

__all__ = [
    "ACTIVITY_PROFILE",
    "AGENT_PROFILE",
    "STATE",
    "DocumentError",
    "DocumentStore",
    "Scope",
    "etag_of",
    "is_json",
]

STATE = "state"
ACTIVITY_PROFILE = "activity-profile"
AGENT_PROFILE = "agent-profile"


class DocumentError(Exception):
    """A request the document store refuses; ``status`` is the HTTP status it maps to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Scope:
    """What a document belongs to."""

    resource: str
    activity_id: str | None = None
    agent_key: str | None = None
    registration: str | None = None

    @property
    def key(self) -> str:
        """A fixed-length digest of the scope, so one short unique index serves every resource."""
        parts = [self.resource, self.activity_id or "", self.agent_key or "",
                 self.registration or ""]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def matches(self) -> list[sa.ColumnElement[bool]]:
        """Conditions for every document in this scope.

        State without a registration means every registration of that activity and agent;
        otherwise the scope is exactly its key.
        """
        if self.resource == STATE and self.registration is None:
            return [DocumentRecord.resource == STATE,
                    DocumentRecord.activity_id == self.activity_id,
                    DocumentRecord.agent_key == self.agent_key]
        return [DocumentRecord.scope_key == self.key]


def etag_of(content: bytes) -> str:
    """A document's ETag: the SHA-1 of its content, as the specification suggests."""
    return hashlib.sha1(content).hexdigest()


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type is JSON (only JSON documents can be merged)."""
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class DocumentStore:
    """Read and write documents in one session; the caller commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, scope: Scope, document_id: str) -> DocumentRecord | None:
        """The document with this id in this scope, if there is one."""
        return self.session.scalar(sa.select(DocumentRecord).where(
            DocumentRecord.scope_key == scope.key, DocumentRecord.document_id == document_id))

    def ids(self, scope: Scope, since: datetime | None = None) -> list[str]:
        """The ids of the documents in a scope, updated after ``since`` if given."""
        query = sa.select(DocumentRecord.document_id).where(*scope.matches())
        if since is not None:
            query = query.where(DocumentRecord.updated > since)
        return sorted(set(self.session.scalars(query)))

    def check_preconditions(self, current: DocumentRecord | None, *, if_match: str | None,
                            if_none_match: str | None, required: bool) -> None:
        """The If-Match / If-None-Match rules of Communication 3.1.

        ``required`` (the profile resources' PUT): a write without either header is refused,
        409 if the document exists, so two clients cannot overwrite each other blindly.
        """
        if if_match is not None:
            tags = _tags(if_match)
            if current is None or ("*" not in tags and current.etag not in tags):
                raise DocumentError(412, "If-Match does not match the document's current ETag; "
                                         "fetch it again and retry with its ETag")
        if if_none_match is not None:
            tags = _tags(if_none_match)
            if current is not None and ("*" in tags or current.etag in tags):
                raise DocumentError(412, "If-None-Match: the document already exists")
        if required and if_match is None and if_none_match is None:
            if current is not None:
                raise DocumentError(409, "This document already exists. Check its current "
                                         "state, then send If-Match with its ETag to replace it.")
            # ADL's conformance suite (XAPI-00273, XAPI-00287) wants creation to say so too.
            raise DocumentError(400, "Send If-None-Match: * to create this document (or "
                                     "If-Match with the ETag of the one you mean to replace).")

    def put(self, scope: Scope, document_id: str, content: bytes, content_type: str,
            *, now: datetime | None = None) -> DocumentRecord:
        """Create or replace a document."""
        record = self.get(scope, document_id)
        moment = now or datetime.now(timezone.utc)
        if record is None:
            record = DocumentRecord(resource=scope.resource, scope_key=scope.key,
                                    document_id=document_id, activity_id=scope.activity_id,
                                    agent_key=scope.agent_key, registration=scope.registration,
                                    content_type=content_type, content=content,
                                    etag=etag_of(content), updated=moment)
            self.session.add(record)
        else:
            record.content, record.content_type = content, content_type
            record.etag, record.updated = etag_of(content), moment
        self.session.flush()
        return record

    def merge(self, scope: Scope, document_id: str, content: bytes, content_type: str,
              *, now: datetime | None = None) -> DocumentRecord:
        """POST: merge a JSON object into an existing JSON object document (or create it).

        Top-level properties of the new object replace the old ones; anything that is not a
        JSON object on either side cannot be merged and is a 400, as the spec says.
        """
        record = self.get(scope, document_id)
        incoming = _json_object(content, content_type, "The document sent")
        if record is None:
            return self.put(scope, document_id, content, "application/json", now=now)
        existing = _json_object(record.content, record.content_type, "The stored document")
        merged = json.dumps({**existing, **incoming}, separators=(",", ":")).encode()
        return self.put(scope, document_id, merged, "application/json", now=now)

    def delete(self, scope: Scope, document_id: str | None) -> int:
        """Delete one document, or every document in the scope when no id is given."""
        query = sa.delete(DocumentRecord)
        if document_id is not None:
            query = query.where(DocumentRecord.scope_key == scope.key,
                                DocumentRecord.document_id == document_id)
        else:
            query = query.where(*scope.matches())
        return self.session.execute(query).rowcount or 0


def _tags(header: str) -> set[str]:
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.add(tag.strip('"'))
    return tags


def _json_object(content: bytes, content_type: str, what: str) -> dict[str, Any]:
    if not is_json(content_type):
        raise DocumentError(400, f"{what} is {content_type or 'of no content type'}, not "
                                 "application/json, so it cannot be merged; use PUT to replace")
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DocumentError(400, f"{what} is not valid JSON, so it cannot be merged") from None
    if not isinstance(value, dict):
        raise DocumentError(400, f"{what} is a JSON {type(value).__name__}, not an object, so it "
                                 "cannot be merged")
    return value

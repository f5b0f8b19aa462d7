"""Tables of the statement store (prefix ``xapi_``).

The full statement is kept as JSON exactly as stored; a few columns are lifted out of it so
that the store can be queried and ordered without parsing every document.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "NAMING_CONVENTION",
    "ActivityRecord",
    "AttachmentRecord",
    "Base",
    "ClientRecord",
    "DocumentRecord",
    "OutboxRecord",
    "StatementActivity",
    "StatementAgent",
    "StatementRecord",
    "UTCDateTime",
    "metadata",
]

#: Constraint names that are stable across databases, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite forgets the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = metadata


class StatementRecord(Base):
    """One stored statement. Never updated except for the ``voided`` flag, never deleted."""

    __tablename__ = "xapi_statement"

    #: Insertion order; ``stored`` can tie within a clock tick, this cannot.
    sequence: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    actor_key: Mapped[str] = mapped_column(sa.String(1024), index=True)
    verb_id: Mapped[str] = mapped_column(sa.String(2048), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(20))
    object_key: Mapped[str] = mapped_column(sa.String(2048), index=True)
    registration: Mapped[str | None] = mapped_column(sa.String(36))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    stored: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    authority_key: Mapped[str] = mapped_column(sa.String(1024))
    voided: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class StatementAgent(Base):
    """An agent a statement mentions, for the ``agent`` and ``related_agents`` filters.

    ``direct`` rows are the actor and object (and the members of a group in either place);
    the rest (authority, instructor, team, sub-statement actors and objects) only match when a
    query asks for ``related_agents``.
    """

    __tablename__ = "xapi_statement_agent"

    statement_sequence: Mapped[int] = mapped_column(
        sa.ForeignKey("xapi_statement.sequence"), primary_key=True)
    agent_key: Mapped[str] = mapped_column(sa.String(1024), primary_key=True)
    direct: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)

    __table_args__ = (sa.Index("ix_xapi_statement_agent_agent_key", "agent_key", "direct"),)


class StatementActivity(Base):
    """An activity a statement mentions, for the ``activity`` and ``related_activities`` filters.

    The ``direct`` row is the object; context activities and whatever a sub-statement mentions
    match only when a query asks for ``related_activities``.
    """

    __tablename__ = "xapi_statement_activity"

    statement_sequence: Mapped[int] = mapped_column(
        sa.ForeignKey("xapi_statement.sequence"), primary_key=True)
    activity_id: Mapped[str] = mapped_column(sa.String(2048), primary_key=True)
    direct: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)

    __table_args__ = (sa.Index("ix_xapi_statement_activity_activity_id", "activity_id",
                               "direct"),)


class ActivityRecord(Base):
    """The LRS's canonical definition of an activity (the Activities resource, ``canonical``)."""

    __tablename__ = "xapi_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[str] = mapped_column(sa.String(2048), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime())


class AttachmentRecord(Base):
    """Attachment content, stored once per SHA-2 however many statements refer to it."""

    __tablename__ = "xapi_attachment"

    sha2: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(255))
    length: Mapped[int] = mapped_column(sa.BigInteger)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)


class DocumentRecord(Base):
    """A document of the State, Activity Profile or Agent Profile resource.

    ``scope_key`` is a digest of what the document belongs to (resource, activity, agent,
    registration), so one short unique index serves every resource whatever the lengths of
    activity IRIs and agent identifiers.
    """

    __tablename__ = "xapi_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(20))
    scope_key: Mapped[str] = mapped_column(sa.String(64))
    document_id: Mapped[str] = mapped_column(sa.String(1024))
    activity_id: Mapped[str | None] = mapped_column(sa.String(2048))
    agent_key: Mapped[str | None] = mapped_column(sa.String(1024))
    registration: Mapped[str | None] = mapped_column(sa.String(36))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    etag: Mapped[str] = mapped_column(sa.String(40))
    updated: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.UniqueConstraint("scope_key", "document_id",
                                          name="uq_xapi_document_scope_key"),)


class ClientRecord(Base):
    """A system allowed to call the LRS (an LMS, content, an analytics platform).

    The secret is kept only as a salted hash. ``authority`` is the agent written into the
    statements the client stores; ``scopes`` are xAPI's (``all``, ``statements/write`` ...).
    """

    __tablename__ = "xapi_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(255))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)
    authority: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    created: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxRecord(Base):
    """A statement waiting to be forwarded to another LRS (one row per statement and target).

    Rows are claimed, sent and marked delivered; a failure sets the next attempt with backoff.
    The unique key means a statement is queued once for a target however often it is offered.
    """

    __tablename__ = "xapi_outbox"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(sa.String(255))
    statement_id: Mapped[str] = mapped_column(sa.String(36))
    created: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_attempt: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("target", "statement_id", name="uq_xapi_outbox_target"),
        sa.Index("ix_xapi_outbox_pending", "delivered", "next_attempt"),
    )

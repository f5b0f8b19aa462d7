"""Tables of the statement store (prefix ``xapi_``).

The full statement is kept as JSON exactly as stored; a few columns are lifted out of it so
that the store can be queried and ordered without parsing every document.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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

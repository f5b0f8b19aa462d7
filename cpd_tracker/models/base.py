"""The declarative base and metadata of the library's own tables (prefix ``cpd_``)."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from xapi import NAMING_CONVENTION

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime:
    """Now, in UTC: when a row was written (the force's clock is for dates people read)."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = metadata

"""The demo host's own user table: stands in for a force LMS's users (not part of the library)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class DemoUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A person in the demo force, as its LMS would hold them."""

    __tablename__ = "demo_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(320))
    job_title: Mapped[str] = mapped_column(sa.String(255))
    org_unit: Mapped[str] = mapped_column(sa.String(255))
    line_manager_reference: Mapped[str | None] = mapped_column(sa.String(64))
    fte: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal(1))
    joined_on: Mapped[date] = mapped_column(sa.Date)

    def get_id(self) -> str:
        """The user reference the LMS shares with cpd-tracker: the username, not the row id."""
        return self.username

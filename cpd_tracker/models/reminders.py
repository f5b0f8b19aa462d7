"""The reminder outbox: each reminder due, claimed under a unique key before it is sent."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cpd_tracker.models.base import Base, utc_now
from cpd_tracker.models.people import Learner
from xapi import UTCDateTime


class Reminder(Base):
    """One reminder due to one person: claimed here under a unique key before it is sent, so
    two schedulers, a crash or a retry never send it twice (an outbox; see
    :mod:`cpd_tracker.reminders.due`).

    The key names the person it is about, the requirement or accreditation, the cycle (its due
    or expiry day), the stage and the recipient. What it says is kept with it, so the log shows
    what was sent, and a retry sends what was due, not what is due by then.
    """

    __tablename__ = "cpd_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    #: ``shortfall``, ``overdue``, ``renewal``, ``lapsed``, ``escalation``, ``digest``.
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: Whom it is about (the recipient, or for an escalation the person escalated).
    learner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    #: The role or scheme (code) it is about, so a lead's scope can filter the log.
    about: Mapped[str | None] = mapped_column(sa.String(64))
    recipient_reference: Mapped[str] = mapped_column(sa.String(255))
    recipient_name: Mapped[str] = mapped_column(sa.String(255))
    recipient_email: Mapped[str | None] = mapped_column(sa.String(320))
    #: Days before the due day (negative: after it), as the framework file's stages say.
    stage: Mapped[int] = mapped_column(sa.Integer)
    due_on: Mapped[date] = mapped_column(sa.Date)
    #: The day the stage fell on (``due_on`` less ``stage`` days).
    stage_on: Mapped[date] = mapped_column(sa.Date)
    title: Mapped[str] = mapped_column(sa.String(500))
    #: What is missing, a sentence a line.
    lines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    link: Mapped[str] = mapped_column(sa.String(2000))
    #: ``pending`` (to send, from ``next_attempt_at``), ``sending`` (claimed until
    #: ``claimed_until``), ``sent``, ``no-email`` (nobody to send it to: reported, not sent),
    #: ``held`` (no mail server configured: kept in the log only).
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    claim_token: Mapped[str | None] = mapped_column(sa.String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    learner: Mapped[Learner | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'no-email', 'held')",
                           name="status_known"),
        sa.Index("ix_cpd_reminder_status_next", "status", "next_attempt_at"),
        sa.Index("ix_cpd_reminder_recipient", "recipient_reference", "status"),
    )

"""The read models of a person's records, projected from statements: activities, allowances,
evidence, accreditations and renewals."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cpd_tracker.models.base import Base, metadata
from cpd_tracker.models.people import Learner, Role
from xapi import UTCDateTime

activity_role = sa.Table(
    "cpd_activity_role",
    metadata,
    sa.Column("activity_id", sa.ForeignKey("cpd_activity.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("role_id", sa.ForeignKey("cpd_role.id"), primary_key=True, index=True),
)


class Activity(Base):
    """One piece of CPD as it currently stands: the projection of a non-voided statement."""

    __tablename__ = "cpd_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"))
    activity_date: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(255))
    category: Mapped[str] = mapped_column(sa.String(64))
    #: What sort of record this is, in the framework's words (``reflective-account``...).
    kind: Mapped[str | None] = mapped_column(sa.String(64))
    #: Done with other people (the NMC's "participatory" learning).
    participatory: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                server_default=sa.false())
    #: The named item this completes (``data-protection``...), if any.
    item: Mapped[str | None] = mapped_column(sa.String(64))
    reflection: Mapped[str | None] = mapped_column(sa.Text)
    #: How it changed the officer's practice (the College of Policing's "impact").
    impact: Mapped[str | None] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(2048))
    #: What happened, in a structured reflective account (the first of its three questions).
    what_happened: Mapped[str | None] = mapped_column(sa.Text)
    #: Codes of the role profile's key accountabilities the reflection links to.
    accountabilities: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: The activity's stable IRI (the statement's object id), the same across corrections, so
    #: evidence and history follow the activity from version to version.
    #: (For CPD credited from an LMS it is the LMS's activity id, which other people share.)
    activity_iri: Mapped[str] = mapped_column(sa.String(2048))
    #: ``self-declared`` (no evidence), ``awaiting`` (evidence waiting for a lead),
    #: ``verified`` (a lead approved its evidence) or ``rejected`` (its evidence was rejected).
    verification: Mapped[str] = mapped_column(sa.String(32), default="self-declared")
    #: When a lead approved its evidence: rules that count verified evidence only count it from
    #: this day.
    verified_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: For CPD credited from an LMS's statement (:mod:`cpd_tracker.projection.crediting`): a
    #: digest of the person, the activity and the attempt, unique so one attempt is credited
    #: once however many statements report it. ``None`` for CPD an officer logged.
    credit_key: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    learner: Mapped[Learner] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=activity_role, order_by=Role.code)

    __table_args__ = (
        sa.Index("ix_cpd_activity_learner_date", "learner_id", "activity_date"),
        # The force-wide aggregate scans a date range; the item query looks items up by person.
        sa.Index("ix_cpd_activity_date", "activity_date"),
        sa.Index("ix_cpd_activity_item", "item", "learner_id", "activity_date"),
        sa.Index("ix_cpd_activity_learner_iri", "learner_id", "activity_iri"),
        # Zero for a record that is not a length of time (a reflective account).
        sa.CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )


class Allowance(Base):
    """A lead's decision that changes what a person owes for a role's cycle.

    ``exemption`` (nothing owed this cycle) or ``extension`` (a later due date). Projected
    from the statement that records the decision; voiding that statement withdraws it.
    """

    __tablename__ = "cpd_allowance"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_role.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    cycle_start: Mapped[date] = mapped_column(sa.Date)
    extended_to: Mapped[date | None] = mapped_column(sa.Date)
    #: For an exemption for a period (not the whole cycle): its first and last days.
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_by: Mapped[str] = mapped_column(sa.String(255))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    role: Mapped[Role] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('exemption', 'extension')", name="kind_known"),
    )


class Absence(Base):
    """An approved absence (parental leave, long-term sickness) that pro-rates targets."""

    __tablename__ = "cpd_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(255))
    approved_by: Mapped[str] = mapped_column(sa.String(255))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )


class Evidence(Base):
    """A file an officer attached as proof: of an activity, or of continued competence for a
    renewal. The statement that attached it carries the file's SHA-256; the file itself is in
    the evidence storage (:mod:`cpd_tracker.storage`). A lead's decision is projected here.
    """

    __tablename__ = "cpd_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The statement that attached the file (the officer's ``attached evidence`` or renewal).
    statement_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    #: The activity it is evidence of (its stable IRI), or ``None`` for renewal evidence.
    activity_iri: Mapped[str | None] = mapped_column(sa.String(2048), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    length: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``pending``, ``approved`` or ``rejected`` (renewal evidence follows its renewal).
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(sa.String(255))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(sa.Text)
    decision_statement_id: Mapped[str | None] = mapped_column(sa.String(36))

    learner: Mapped[Learner] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("statement_id", "sha256", name="uq_cpd_evidence_file"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')",
                           name="status_known"),
        sa.Index("ix_cpd_evidence_status_submitted", "status", "submitted_at"),
    )


class Accreditation(Base):
    """A person's accreditation in a scheme (IPP...), as recorded and decided.

    The facts come from statements (the officer's record, renewals approved, leads' status
    decisions, the lapse job); the status shown is computed from them, the dates and the
    person's compliance by :func:`cpd_tracker.services.accreditation.judge`.
    """

    __tablename__ = "cpd_accreditation"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    #: The framework whose accreditation rules apply (``ipp-example``).
    scheme: Mapped[str] = mapped_column(sa.String(64))
    accredited_on: Mapped[date | None] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    endorsements: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: A status a decision set and dates alone would not give: ``suspended``, ``withdrawn`` or
    #: ``lapsed`` (by the lapse job or a lead); ``None`` when the dates decide.
    decided_status: Mapped[str | None] = mapped_column(sa.String(32))
    decided_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by: Mapped[str | None] = mapped_column(sa.String(255))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The statement that last changed this record.
    statement_id: Mapped[str] = mapped_column(sa.String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    learner: Mapped[Learner] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("learner_id", "scheme", name="uq_cpd_accreditation_scheme"),
    )


class Renewal(Base):
    """An officer's submission to renew an accreditation, waiting for (or given) a decision."""

    __tablename__ = "cpd_renewal"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    scheme: Mapped[str] = mapped_column(sa.String(64))
    #: The officer's account of their continued competence.
    competence: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(sa.String(255))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(sa.Text)
    decision_statement_id: Mapped[str | None] = mapped_column(sa.String(36))

    learner: Mapped[Learner] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')",
                           name="status_known"),
        sa.Index("ix_cpd_renewal_status_submitted", "status", "submitted_at"),
    )

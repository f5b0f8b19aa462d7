"""The library's own tables (prefix ``cpd_``), on a metadata of their own.

The models do not hang off the host's ``db.Model``: the library owns these tables and their
migrations, so the host's ``db.create_all()`` and autogenerate leave them alone. They are used
through the host's ``db.session``, so one transaction spans host and library writes.

``cpd_activity`` is a read model derived from xAPI statements (see :mod:`cpd_tracker.projection`);
the statement store is the record.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from xapi.models import NAMING_CONVENTION, UTCDateTime

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = metadata


class Learner(Base):
    """A person who keeps CPD: the library's copy of what it needs from the host's user."""

    __tablename__ = "cpd_learner"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The host's user reference (no foreign key into the host's tables).
    reference: Mapped[str] = mapped_column(sa.String(255), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    org_unit: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    line_manager_reference: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    fte: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("1.000"))
    joined_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)

    roles: Mapped[list[LearnerRole]] = relationship(
        back_populates="learner", order_by="LearnerRole.started_on"
    )


class Framework(Base):
    """A requirement framework (IPP, NMC revalidation...) as loaded from its file."""

    __tablename__ = "cpd_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    #: The shared vocabulary of the file: activity kinds and named items.
    vocabulary: Mapped[dict] = mapped_column(sa.JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now, onupdate=_now)

    versions: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="framework", order_by="FrameworkVersion.effective_from"
    )


class FrameworkVersion(Base):
    """One version of a framework's rules, in force from ``effective_from``.

    A cycle is judged by the version in force when it started; a version that has come into
    force is never changed, so last year's results are never silently rewritten.
    """

    __tablename__ = "cpd_framework_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_framework.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(64))
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    #: The version's roles and rules, as checked from the file (see ``frameworks``).
    definition: Mapped[dict] = mapped_column(sa.JSON)
    checksum: Mapped[str] = mapped_column(sa.String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    framework: Mapped[Framework] = relationship(back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "version", name="uq_cpd_framework_version_label"),
    )


class Role(Base):
    """A role whose holders must keep CPD; its requirements come from its framework."""

    __tablename__ = "cpd_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    framework_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cpd_framework.id"),
                                                     index=True)

    framework: Mapped[Framework | None] = relationship()


class LearnerRole(Base):
    """A learner holding a role from ``started_on`` until ``ended_on`` (inclusive, or still)."""

    __tablename__ = "cpd_learner_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_role.id"), index=True)
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    #: When the person was accredited in the role, for cycles on the accreditation anniversary.
    accredited_on: Mapped[date | None] = mapped_column(sa.Date)

    learner: Mapped[Learner] = relationship(back_populates="roles")
    role: Mapped[Role] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("learner_id", "role_id", "started_on",
                            name="uq_cpd_learner_role_period"),
    )

    def held_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


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
    #: For CPD credited from an LMS's statement (:mod:`cpd_tracker.crediting`): a digest of the
    #: person, the activity and the attempt, unique so one attempt is credited once however many
    #: statements report it. ``None`` for CPD an officer logged.
    credit_key: Mapped[str | None] = mapped_column(sa.String(64), index=True, unique=True)

    learner: Mapped[Learner] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=activity_role, order_by=Role.code)

    __table_args__ = (
        sa.Index("ix_cpd_activity_learner_date", "learner_id", "activity_date"),
        # The force-wide aggregate scans a date range; the item query looks items up by person.
        sa.Index("ix_cpd_activity_date", "activity_date"),
        sa.Index("ix_cpd_activity_item", "item", "learner_id", "activity_date"),
        sa.Index("ix_cpd_activity_learner_iri", "learner_id", "activity_iri"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
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
    person's compliance by :func:`cpd_tracker.accreditation.judge`.
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


class Reminder(Base):
    """One reminder due to one person: claimed here under a unique key before it is sent, so
    two schedulers, a crash or a retry never send it twice (an outbox; see
    :mod:`cpd_tracker.reminders`).

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
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    claim_token: Mapped[str | None] = mapped_column(sa.String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    learner: Mapped[Learner | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'no-email', 'held')",
                           name="status_known"),
        sa.Index("ix_cpd_reminder_status_next", "status", "next_attempt_at"),
        sa.Index("ix_cpd_reminder_recipient", "recipient_reference", "status"),
    )


class Snapshot(Base):
    """One night's compliance across the force, kept for trend charts and the leads' weekly
    digest. The day is unique, so a second scheduler (or a rerun) does not take it twice."""

    __tablename__ = "cpd_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_on: Mapped[date] = mapped_column(sa.Date, unique=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    #: People judged, and their standings (a person holding two roles has two).
    people: Mapped[int] = mapped_column(sa.Integer, default=0)
    standings: Mapped[int] = mapped_column(sa.Integer, default=0)


class SnapshotCount(Base):
    """How many standings of a role, in a unit, had a status on a snapshot's day: small
    enough to keep for years, and any scope (force, unit, role) is a sum of them."""

    __tablename__ = "cpd_snapshot_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_snapshot.id"))
    role_code: Mapped[str] = mapped_column(sa.String(64))
    org_unit: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16))
    count: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (sa.Index("ix_cpd_snapshot_count_snapshot_role", "snapshot_id",
                               "role_code"),)


class StatusChange(Base):
    """A person's status in a role changed between two snapshots (the first snapshot that
    judges them records where they began, from nothing). The latest row per person and role is
    their status as last snapshotted; rows are only added."""

    __tablename__ = "cpd_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_snapshot.id"))
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"))
    role_code: Mapped[str] = mapped_column(sa.String(64))
    changed_on: Mapped[date] = mapped_column(sa.Date)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))

    learner: Mapped[Learner] = relationship()

    __table_args__ = (
        sa.Index("ix_cpd_status_change_learner_role", "learner_id", "role_code", "id"),
        sa.Index("ix_cpd_status_change_changed_on", "changed_on"),
    )


class CurrentStanding(Base):
    """A person's standing in a role as last judged, kept so the leads' lists, dashboard and
    exports can sort, filter and page a whole force in SQL instead of judging it per request.

    It is a cache of :func:`cpd_tracker.assessment.assess`, never the record:
    :mod:`cpd_tracker.standings` rejudges the people whose records changed (see
    :class:`StandingMark`) and everyone once a day, because time alone moves a status.
    """

    __tablename__ = "cpd_standing"

    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"), primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_role.id"), primary_key=True)
    # Copies of the person and role, so a list of fifty thousand sorts, filters and pages in
    # this one table through its indexes (a change to them marks the person: judged again).
    reference: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(255))
    org_unit: Mapped[str | None] = mapped_column(sa.String(255))
    line_manager_reference: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    role_code: Mapped[str] = mapped_column(sa.String(64))
    role_name: Mapped[str] = mapped_column(sa.String(255))
    #: Name and reference case-folded in Python, so a search ignores case the same way on
    #: every database (SQLite's ``lower()`` folds ASCII only: Ó would never match ó).
    search_text: Mapped[str] = mapped_column(sa.String(520))
    status: Mapped[str] = mapped_column(sa.String(16))
    #: 0 for the worst status (non-compliant) to 4 for the best (exempt): worst first is
    #: ascending, so one index serves the sort either way.
    urgency: Mapped[int] = mapped_column(sa.Integer)
    framework: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(64))
    cycle_start: Mapped[date] = mapped_column(sa.Date)
    cycle_end: Mapped[date] = mapped_column(sa.Date)
    #: The cycle's due date (its end, or a lead's extension).
    due_on: Mapped[date] = mapped_column(sa.Date)
    #: The earliest date something is still owed by (an item may expire before the cycle
    #: ends); ``None`` when nothing is owed.
    next_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: The role's main time rule (the one with the largest target): done and target in
    #: minutes, target after pro rata; ``None`` when the role counts no time.
    done_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    target_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    #: Of every rule together: what share is done, 0 to 100, for sorting by progress.
    percent: Mapped[int] = mapped_column(sa.Integer)
    last_activity_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Every rule's figures and the next step, as the compliance report writes them.
    rules_text: Mapped[str] = mapped_column(sa.Text)
    next_step: Mapped[str] = mapped_column(sa.Text)
    judged_on: Mapped[date] = mapped_column(sa.Date)

    # One index a way the list is read: by name (and paged through), in a unit, in a role,
    # worst first, by due date; and the dashboard's counts by role, unit and status.
    __table_args__ = (
        sa.Index("ix_cpd_standing_name", "name", "reference", "role_code"),
        sa.Index("ix_cpd_standing_unit", "org_unit", "name", "reference", "role_code"),
        sa.Index("ix_cpd_standing_role", "role_code", "name", "reference"),
        sa.Index("ix_cpd_standing_worst", "urgency", "name", "reference", "role_code"),
        sa.Index("ix_cpd_standing_counts", "role_code", "role_name", "org_unit", "status"),
    )


class StandingMark(Base):
    """Someone's records changed, so their :class:`CurrentStanding` rows must be judged again
    (``learner_id`` ``None``: everyone, as when a framework changes).

    Written in the transaction that changes the record, so a mark is visible exactly when the
    change is; the refresh deletes the marks it has seen, by id, never "up to" an id, because
    ids are not committed in order.
    """

    __tablename__ = "cpd_standing_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cpd_learner.id", ondelete="CASCADE"))


class StandingRefresh(Base):
    """One row: the day the whole of ``cpd_standing`` was last judged. Refreshes update it
    first, which makes them take turns (a row lock on PostgreSQL, the write lock on SQLite)."""

    __tablename__ = "cpd_standing_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    judged_on: Mapped[date | None] = mapped_column(sa.Date)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

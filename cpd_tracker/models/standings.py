"""Standings kept for the leads' lists and the trend: the current standing of each person in each
role, who must be judged again, and the nightly snapshots."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cpd_tracker.models.base import Base, utc_now
from cpd_tracker.models.people import Learner
from xapi import UTCDateTime


class Snapshot(Base):
    """One night's compliance across the force, kept for trend charts and the leads' weekly
    digest. The day is unique, so a second scheduler (or a rerun) does not take it twice."""

    __tablename__ = "cpd_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_on: Mapped[date] = mapped_column(sa.Date, unique=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
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

    It is a cache of :func:`cpd_tracker.judging.assessment.assess`, never the record:
    :mod:`cpd_tracker.judging.standings` rejudges the people whose records changed (see
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
    #: The recorded outcome of the person's last ended cycle in the role (``met``,
    #: ``met-late``, ``not-met``, ``exempt``) and that cycle's last day; ``None`` before any.
    last_outcome: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    last_cycle_end: Mapped[date | None] = mapped_column(sa.Date)
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


class CycleOutcome(Base):
    """How one person's cycle in a role ended, as recorded when its due date passed (or as a
    lead judged it again): projected from the latest ``judged-cycle`` statement about it, so
    a rebuild gives it back. One row per person, role and cycle."""

    __tablename__ = "cpd_cycle_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_learner.id"))
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("cpd_role.id"))
    cycle_start: Mapped[date] = mapped_column(sa.Date)
    cycle_end: Mapped[date] = mapped_column(sa.Date)
    #: The day it was due: the cycle's end, or the date a lead extended it to.
    due_on: Mapped[date] = mapped_column(sa.Date)
    #: ``met``, ``met-late`` (within an extension), ``not-met`` or ``exempt``.
    outcome: Mapped[str] = mapped_column(sa.String(16))
    #: The codes of the rules not met, as a JSON list.
    unmet: Mapped[str] = mapped_column(sa.Text, default="[]")
    #: Who judged it: the library (when the due date passed) or a lead, by name.
    judged_by: Mapped[str] = mapped_column(sa.String(255))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    statement_id: Mapped[str] = mapped_column(sa.String(36))
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("learner_id", "role_id", "cycle_start",
                            name="uq_cpd_cycle_outcome_cycle"),
        sa.CheckConstraint("outcome IN ('met', 'met-late', 'not-met', 'exempt')",
                           name="outcome_known"),
        sa.Index("ix_cpd_cycle_outcome_role_end", "role_id", "cycle_end"),
    )

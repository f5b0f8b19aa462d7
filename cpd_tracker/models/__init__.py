"""The library's own tables (prefix ``cpd_``), on a metadata of their own.

The models do not hang off the host's ``db.Model``: the library owns these tables and their
migrations, so the host's ``db.create_all()`` and autogenerate leave them alone. They are used
through the host's ``db.session``, so one transaction spans host and library writes.

``cpd_activity`` is a read model derived from xAPI statements (see
:mod:`cpd_tracker.projection.activities`); the statement store is the record.
"""

from cpd_tracker.models.base import Base, metadata
from cpd_tracker.models.people import Framework, FrameworkVersion, Learner, LearnerRole, Role
from cpd_tracker.models.records import (
    Absence,
    Accreditation,
    Activity,
    Allowance,
    Evidence,
    Renewal,
    activity_role,
)
from cpd_tracker.models.reminders import Reminder
from cpd_tracker.models.standings import (
    CurrentStanding,
    CycleOutcome,
    Snapshot,
    SnapshotCount,
    StandingMark,
    StandingRefresh,
    StatusChange,
)

__all__ = ["Absence", "Accreditation", "Activity", "Allowance", "Base", "CurrentStanding",
           "CycleOutcome", "Evidence", "Framework", "FrameworkVersion", "Learner", "LearnerRole",
           "Reminder", "Renewal", "Role", "Snapshot", "SnapshotCount", "StandingMark",
           "StandingRefresh", "StatusChange", "activity_role", "metadata"]

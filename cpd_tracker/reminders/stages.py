"""What one reminder is, and which stage of a schedule falls due on a day.

Shared by every kind of reminder (an officer's shortfall, an escalation, a lead's digest), so
the outbox claims and sends them all alike under their :attr:`Due.key`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from cpd_tracker import permissions


@dataclass(frozen=True)
class LeadRecipient:
    """An accreditation lead who gets escalations for the people in their scope."""

    reference: str
    name: str
    email: str | None
    access: permissions.Access


@dataclass(frozen=True)
class Due:
    """One reminder due to one recipient. ``key`` is unique to it: the person it is about,
    the role or scheme, the due day, the stage and the recipient."""

    key: str
    kind: str
    #: The person it is about; ``None`` for a lead's digest (about their whole scope).
    learner_id: int | None
    recipient_reference: str
    recipient_name: str
    recipient_email: str | None
    stage: int
    due_on: date
    stage_on: date
    title: str
    lines: tuple[str, ...] = field(default=())
    link: str = ""
    #: The role or scheme (code) it is about; ``None`` for a digest.
    about: str | None = None


def stage_due(due_on: date, stages: Iterable[int], *, as_of: date, catch_up_days: int
              ) -> int | None:
    """The stage to send on ``as_of``: the one whose day (``due_on`` less the stage) is the
    latest on or before ``as_of`` and at most ``catch_up_days`` before it; else ``None``."""
    found: tuple[date, int] | None = None
    for stage in stages:
        day = due_on - timedelta(days=stage)
        if day <= as_of and (as_of - day).days <= catch_up_days and (
                found is None or day > found[0]):
            found = (day, stage)
    return None if found is None else found[1]

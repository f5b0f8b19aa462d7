"""An officer's record as pages and exports read it: their standing in each role and their
activities this cycle, one activity, and the evidence of several at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.cycles import annual_cycle
from cpd_tracker.judging.assessment import Scope, Standing, assess
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.queries.outcomes import PastCycle, past_cycles


def activity_of(session: Session, learner: Learner, activity_id: int) -> Activity | None:
    """The learner's current activity with this id, or ``None`` (never someone else's)."""
    return session.scalar(sa.select(Activity).where(Activity.id == activity_id,
                                                    Activity.learner_id == learner.id))


#: How many ended cycles a person's record shows (the PDR export and the history show all).
PAST_SHOWN = 10


@dataclass(frozen=True)
class OfficerRecord:
    """What My CPD shows: each role's judgement and the activities logged since the earliest
    current cycle began."""

    standings: list[Standing]
    activities: list[Activity]
    since: date
    #: The person's ended cycles with their recorded outcomes, newest first (the last ten).
    past: list[PastCycle] = field(default_factory=list)
    #: The names of the kinds of record and named items their frameworks speak of, by code:
    #: a person reads "Reflective account", never ``reflective-account``.
    names: dict[str, str] = field(default_factory=dict)

    def name_of(self, code: str | None) -> str | None:
        """A kind's or item's name, or the code if no framework names it."""
        return self.names.get(code, code) if code else None


def officer_record(session: Session, settings: Settings, learner: Learner, *,
                   today: date) -> OfficerRecord:
    """The officer's standing in every role they hold, and their recent activities."""
    standings = assess(session, settings, as_of=today, scope=Scope(learner_id=learner.id))
    since = min((standing.judgement.cycle.start for standing in standings),
                default=annual_cycle(today, settings.cycle_start).start)
    activities = list(session.scalars(
        sa.select(Activity)
        .where(Activity.learner_id == learner.id, Activity.activity_date >= since)
        .options(selectinload(Activity.roles))
        .order_by(Activity.activity_date.desc(), Activity.id.desc())
    ))
    codes = {s.role_code for s in standings} | {r.code for a in activities for r in a.roles}
    kinds, items = frameworks.vocabulary_for(session, sorted(codes)) if codes else ([], [])
    return OfficerRecord(standings, activities, since,
                         past_cycles(session, learner_ids=[learner.id], limit=PAST_SHOWN,
                                     categories=dict(settings.categories)),
                         {**dict(kinds), **dict(items)})


def evidence_for(session: Session, learner_id: int, activity_iris: list[str]
                 ) -> dict[str, list[Evidence]]:
    """Each activity's evidence (by activity IRI), oldest first, in one query."""
    found: dict[str, list[Evidence]] = {iri: [] for iri in activity_iris}
    if activity_iris:
        for item in session.scalars(sa.select(Evidence).where(
                Evidence.learner_id == learner_id, Evidence.activity_iri.in_(activity_iris))
                .order_by(Evidence.submitted_at, Evidence.id)):
            found.setdefault(item.activity_iri or "", []).append(item)
    return found

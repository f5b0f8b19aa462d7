"""Scheduled jobs, and the scheduler that runs them (APScheduler 3).

Production runs one dedicated process, ``flask cpd scheduler`` (a blocking scheduler): APScheduler
3 cannot share a job store between processes, so a scheduler in every web worker would run
every job in every worker. The demo starts a background scheduler in its own process instead.
Jobs are idempotent anyway (the forwarding outbox leases its rows; the lapse job lapses only
those not yet recorded as lapsed), so a second scheduler by mistake costs work, not duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from cpd_tracker.judging import snapshots, standings
from cpd_tracker.reminders import outbox
from cpd_tracker.reminders.due import due_reminders
from cpd_tracker.reminders.stages import LeadRecipient
from cpd_tracker.services import accreditation, outcomes
from cpd_tracker.state import get_state
from xapi import forwarding

if TYPE_CHECKING:
    from cpd_tracker.judging.accreditation import AccreditationStanding

log = logging.getLogger(__name__)

#: When the daily lapse job runs, in the force's time zone: early, before anyone signs in.
LAPSE_AT = time(2, 30)
#: When the nightly compliance snapshot is taken: after the lapse job, before the reminders
#: (whose weekly digest reads the status changes it records).
SNAPSHOT_AT = time(3, 0)
#: When the cycles that ended yesterday are judged and their outcomes recorded: first, so the
#: standings, lapses and reminders of the day read them.
CYCLES_AT = time(0, 2)
#: When everyone's standing is judged for the new day (statuses move with the date), so the
#: leads' first page of the day does not wait for it.
STANDINGS_AT = time(0, 5)


@dataclass(frozen=True)
class Job:
    """A job with a stable id (so a restart replaces it instead of adding a second).

    It runs every ``every_seconds``, or, with ``daily_at``, once a day at that time.
    """

    id: str
    description: str
    run: Callable[[], object]
    every_seconds: int
    daily_at: time | None = None

    @property
    def schedule(self) -> str:
        """``"every 30 s"`` or ``"daily at 02:30"``."""
        if self.daily_at is not None:
            return f"daily at {self.daily_at:%H:%M}"
        return f"every {self.every_seconds} s"


def jobs(app: Flask) -> list[Job]:
    """The jobs this app's configuration asks for."""

    settings = get_state(app).settings
    found = []
    if settings.xapi_forward is not None:
        found.append(Job(id="cpd-tracker.xapi-forward",
                         description=f"forward statements to {settings.xapi_forward.target.name}",
                         run=lambda: forward(app),
                         every_seconds=settings.xapi_forward.every_seconds))
    found.append(Job(id="cpd-tracker.cycle-outcomes",
                     description="record how the cycles that have ended did",
                     run=lambda: close_cycles(app), every_seconds=24 * 60 * 60,
                     daily_at=CYCLES_AT))
    found.append(Job(id="cpd-tracker.standings",
                     description="judge everyone's standing for the new day",
                     run=lambda: refresh_standings(app), every_seconds=24 * 60 * 60,
                     daily_at=STANDINGS_AT))
    found.append(Job(id="cpd-tracker.accreditation-lapse",
                     description="record the accreditations that have lapsed",
                     run=lambda: lapse(app), every_seconds=24 * 60 * 60, daily_at=LAPSE_AT))
    found.append(Job(id="cpd-tracker.compliance-snapshot",
                     description="take the nightly compliance snapshot",
                     run=lambda: snapshot(app), every_seconds=24 * 60 * 60,
                     daily_at=SNAPSHOT_AT))
    found.append(Job(id="cpd-tracker.reminders",
                     description="send the reminders due today",
                     run=lambda: remind(app), every_seconds=24 * 60 * 60,
                     daily_at=settings.reminder_time))
    return found


def remind(app: Flask, *, as_of: date | None = None, dry_run: bool = False
           ) -> outbox.RunReport:
    """One reminder run: record what is due on ``as_of`` (default today, in the force's time
    zone) and send what is waiting, retries included. Safe to run twice at once."""

    with app.app_context():
        state = get_state(app)
        day = as_of or state.today()
        transport = state.mail_transport(state.mail) if state.mail is not None else None
        try:
            leads = lead_recipients(app)
            due = due_reminders(
                state.session, state.settings, as_of=day, leads=leads,
                catch_up_days=state.settings.reminder_catch_up_days)
            report = outbox.run(
                state.session, due, as_of=day, mail=state.mail, transport=transport,
                lms_home_page=state.settings.lms_home_page, dry_run=dry_run)
        finally:
            if transport is not None:
                transport.close()
            state.db.session.remove()
        log.info("%s", report)
        return report


def lead_recipients(app: Flask) -> list[LeadRecipient]:
    """The host's leads (``CPD_LEADS``) with their scopes and email."""

    state = get_state(app)
    found = []
    for user in state.leads():
        access = state.access(user)
        learner = state.learner_for(user)
        found.append(LeadRecipient(access.reference, learner.name, learner.email,
                                             access))
    return found


def forward(app: Flask) -> forwarding.DeliveryReport | None:
    """Send what is due to the enterprise LRS (one run; the outbox remembers the rest)."""

    with app.app_context():
        state = get_state(app)
        if state.settings.xapi_forward is None:
            return None
        try:
            report = forwarding.deliver(state.session, state.settings.xapi_forward.target)
        finally:
            state.db.session.remove()
        log.info("%s", report)
        return report


def lapse(app: Flask) -> list[AccreditationStanding]:
    """Record today's lapses (one run; a second run the same day finds nobody new)."""

    with app.app_context():
        state = get_state(app)
        try:
            lapsed = accreditation.lapse_due(state.session, state.settings, as_of=state.today())
        finally:
            state.db.session.remove()
        log.info("accreditations lapsed: %d", len(lapsed))
        return lapsed


def snapshot(app: Flask, *, as_of: date | None = None) -> snapshots.SnapshotReport:
    """Take the compliance snapshot of ``as_of`` (default today), once."""

    with app.app_context():
        state = get_state(app)
        try:
            report = snapshots.take(state.session, state.settings,
                                    as_of=as_of or state.today())
        finally:
            state.db.session.remove()
        log.info("%s", report)
        return report


def close_cycles(app: Flask, *, as_of: date | None = None) -> outcomes.CloseReport:
    """Record the outcome of every cycle due before ``as_of`` (default today) that has none
    (one run; a second run finds none)."""

    with app.app_context():
        state = get_state(app)
        try:
            report = outcomes.close_cycles(state.session, state.settings,
                                           today=as_of or state.today())
        finally:
            state.db.session.remove()
        log.info("%s", report)
        return report


def refresh_standings(app: Flask) -> standings.RefreshReport:
    """Judge everyone for today (the leads' lists read the result)."""

    with app.app_context():
        state = get_state(app)
        try:
            report = standings.refresh(state.session, state.settings, today=state.today())
        finally:
            state.db.session.remove()
        log.info("%s", report)
        return report


def create_scheduler(app: Flask, *, background: bool = False) -> BaseScheduler:
    """A scheduler with this app's jobs: blocking for ``flask cpd scheduler``, or background."""

    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(timezone=get_state(app).settings.timezone,
                     job_defaults={"coalesce": True, "max_instances": 1,
                                   "misfire_grace_time": 300})
    for job in jobs(app):
        trigger = (CronTrigger(hour=job.daily_at.hour, minute=job.daily_at.minute,
                               timezone=get_state(app).settings.timezone)
                   if job.daily_at is not None else IntervalTrigger(seconds=job.every_seconds))
        scheduler.add_job(job.run, trigger, id=job.id, name=job.description,
                          replace_existing=True)
    return scheduler

"""Scheduled jobs, and the scheduler that runs them (APScheduler 3).

Production runs one dedicated process, ``flask cpd scheduler`` (a blocking scheduler): APScheduler
3 cannot share a job store between processes, so a scheduler in every web worker would run
every job in every worker. The demo starts a background scheduler in its own process instead.
Jobs are idempotent anyway (the forwarding outbox leases its rows), so a second scheduler by
mistake costs work, not duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from xapi import forwarding

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A job with a stable id (so a restart replaces it instead of adding a second)."""

    id: str
    description: str
    run: Callable[[], object]
    every_seconds: int


def jobs(app: Flask) -> list[Job]:
    """The jobs this app's configuration asks for."""
    from cpd_tracker.extension import get_state

    settings = get_state(app).settings
    found = []
    if settings.xapi_forward is not None:
        found.append(Job(id="cpd-tracker.xapi-forward",
                         description=f"forward statements to {settings.xapi_forward.target.name}",
                         run=lambda: forward(app),
                         every_seconds=settings.xapi_forward.every_seconds))
    return found


def forward(app: Flask) -> forwarding.DeliveryReport | None:
    """Send what is due to the enterprise LRS (one run; the outbox remembers the rest)."""
    from cpd_tracker.extension import get_state

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


def create_scheduler(app: Flask, *, background: bool = False) -> BaseScheduler:
    """A scheduler with this app's jobs: blocking for ``flask cpd scheduler``, or background."""
    from cpd_tracker.extension import get_state

    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(timezone=get_state(app).settings.timezone,
                     job_defaults={"coalesce": True, "max_instances": 1,
                                   "misfire_grace_time": 300})
    for job in jobs(app):
        scheduler.add_job(job.run, IntervalTrigger(seconds=job.every_seconds), id=job.id,
                          name=job.description, replace_existing=True)
    return scheduler

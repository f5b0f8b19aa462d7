"""``flask cpd scheduler|remind|snapshot``: the scheduled jobs, and running one by hand."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from cpd_tracker import scheduler
from cpd_tracker.state import get_state


@click.command("scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the scheduled jobs (reminders, accreditation lapses, the nightly compliance
    snapshot; forwarding when CPD_XAPI_FORWARD is set) until stopped: run one such process."""
    app = current_app._get_current_object()
    runner = scheduler.create_scheduler(app)
    for job in scheduler.jobs(app):
        click.echo(f"{job.id}: {job.description}, {job.schedule}")
    runner.start()


@click.command("remind")
@with_appcontext
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Run as on this date (YYYY-MM-DD), to rehearse one. Default: today.")
@click.option("--dry-run", is_flag=True, help="List what is due and would be recorded; record "
                                              "and send nothing.")
def remind_command(as_of: Any, dry_run: bool) -> None:
    """Send the reminders due today (what the daily job does): shortfalls before a cycle's due
    day, overdue notices and escalations after it, renewal reminders before an accreditation
    expires, lapse notices. Each is recorded under a unique key before it is sent, so running
    this twice, or beside the scheduler, sends nothing twice. Mail goes through MAIL_SERVER;
    without one, reminders are kept in the reminder log."""
    app = current_app._get_current_object()
    day = as_of.date() if as_of else get_state().today()
    report = scheduler.remind(app, as_of=day, dry_run=dry_run)
    for item in report.items:
        to = item.recipient_email or "NO EMAIL"
        click.echo(f"{item.kind}\t{item.recipient_name} <{to}>\t{item.title}")
    click.echo(str(report))
    for error in report.errors:
        click.echo(f"not sent: {error}", err=True)


@click.command("snapshot")
@with_appcontext
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Take it as on this date (YYYY-MM-DD). Default: today.")
def snapshot_command(as_of: Any) -> None:
    """Take the compliance snapshot (what the nightly job does): counts by role, unit and
    status, kept for trend charts, and who changed status since the last one. Once a day: a
    second run the same day does nothing."""
    app = current_app._get_current_object()
    day = as_of.date() if as_of else get_state().today()
    click.echo(str(scheduler.snapshot(app, as_of=day)))


#: This module's commands, for the ``cpd`` group.
COMMANDS = [run_scheduler, remind_command, snapshot_command]

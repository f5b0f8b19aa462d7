"""``flask cpd ...``: the commands a force's LMS team runs. Every command takes ``--help``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from cpd_tracker import (
    accreditation,
    allowances,
    assessment,
    crediting,
    evidence,
    force_cli,
    frameworks,
    migration,
    projection,
    reports,
    standings,
)
from cpd_tracker import scheduler as jobs
from cpd_tracker.models import Learner
from cpd_tracker.statements import client_authority
from xapi import clients as xapi_clients
from xapi import forwarding
from xapi.models import ClientRecord

cpd = AppGroup("cpd", help="cpd-tracker: continuing professional development records.")
for _command in force_cli.COMMANDS:
    cpd.add_command(_command)


def _state():
    from cpd_tracker.extension import get_state

    return get_state(current_app)


@cpd.group("db")
def db_group() -> None:
    """cpd-tracker's own database migrations (separate from the host's)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade cpd-tracker's tables to REVISION (default: the newest)."""
    engine = _state().db.engine
    before = migration.current_revision(engine)
    migration.upgrade(engine, revision)
    after = migration.current_revision(engine)
    if before == after:
        click.echo(f"cpd-tracker tables are up to date (revision {after}).")
    else:
        click.echo(f"cpd-tracker tables upgraded from {before or 'nothing'} to {after}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take cpd-tracker's tables back to REVISION ('base' drops them all: data is lost)."""
    engine = _state().db.engine
    migration.downgrade(engine, revision)
    click.echo(f"cpd-tracker tables are now at {migration.current_revision(engine) or 'base'}.")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at and the newest this version ships."""
    current = migration.current_revision(_state().db.engine)
    head = migration.head_revision()
    status = "up to date" if current == head else "run `flask cpd db upgrade`"
    click.echo(f"database: {current or 'not installed'}; newest: {head} ({status})")


@cpd.command("rebuild")
def rebuild() -> None:
    """Rebuild the CPD read models (activities, allowances, evidence, accreditations) from the
    stored xAPI statements."""
    state = _state()
    try:
        count = projection.rebuild(state.session, state.settings)
        credited = crediting.rebuild(state.session, state.settings)
        granted = allowances.rebuild(state.session, state.settings)
        attached = evidence.rebuild(state.session, state.settings)
        accredited = accreditation.rebuild(state.session, state.settings)
        standings.mark_everyone(state.session)
        state.session.commit()
    except Exception:
        state.session.rollback()
        raise
    click.echo(f"Rebuilt {count} logged CPD activities, {credited} credited from LMS "
               f"statements, and {granted} exemptions, extensions and absences from their "
               "statements.")
    click.echo(f"Rebuilt evidence and its verification from {attached} evidence and decision "
               "statements.")
    click.echo(f"Rebuilt accreditations and renewals from {accredited} accreditation "
               "statements (records, renewals, leads' decisions and lapses).")


@cpd.group("frameworks")
def frameworks_group() -> None:
    """Requirement frameworks: the rules each role's CPD is judged by."""


@frameworks_group.command("load")
@click.argument("file")
def frameworks_load(file: str) -> None:
    """Check FILE (a framework YAML file, or the name of a shipped one) and load it.

    All or nothing: any problem is reported with its line and field, and nothing is loaded.
    Shipped: ipp-example, nmc-revalidation, gphc-revalidation, rics.
    """
    state = _state()
    path = Path(file)
    if not path.exists():
        if "/" in file or file.endswith((".yaml", ".yml")):
            raise click.ClickException(f"{file}: no such file.")
        try:
            path = frameworks.shipped(file)
        except LookupError as missing:
            raise click.ClickException(f"{file}: no such file. {missing}") from None
    try:
        report = frameworks.load_file(state.session, path,
                                      categories=[code for code, _ in state.settings.categories],
                                      today=state.today())
        state.session.commit()
    except frameworks.FrameworkInvalid as invalid:
        state.session.rollback()
        raise click.ClickException(f"{invalid}\nNothing was loaded.") from None
    except Exception:
        state.session.rollback()
        raise
    click.echo(str(report))


@frameworks_group.command("list")
def frameworks_list() -> None:
    """List the loaded frameworks, their versions and roles."""
    state = _state()
    catalogue = frameworks.catalogue(state.session, categories=dict(state.settings.categories))
    if not catalogue:
        click.echo("No frameworks loaded. Load one with `flask cpd frameworks load FILE`.")
    for code, role in sorted(catalogue.items()):
        for version in role.versions:
            until = f" to {version.effective_to:%-d %b %Y}" if version.effective_to else ""
            requirements = version.requirements
            click.echo(f"{code}: {requirements.framework} {requirements.version}, from "
                       f"{version.effective_from:%-d %b %Y}{until}; "
                       f"{requirements.cycle.description}; {len(requirements.rules)} rules")


@cpd.command("compliance")
@click.option("--role", help="Only people in this role (code).")
@click.option("--unit", help="Only people in this organisational unit.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as things stood on this date (YYYY-MM-DD). Default: today.")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True)
def compliance_report(role: str | None, unit: str | None, as_of: Any, output: str) -> None:
    """Print the compliance status of everyone in scope, one line per person and role."""
    state = _state()
    day = as_of.date() if as_of else state.today()
    standings = assessment.assess(state.session, state.settings, as_of=day,
                                  scope=assessment.Scope(role=role, unit=unit))
    click.echo(reports.compliance_text(standings, output, as_of=day), nl=False)


@cpd.command("exempt")
@click.argument("reference")
@click.option("--role", required=True, help="The role code the exemption is for.")
@click.option("--reason", required=True, help="Why (kept with the decision).")
@click.option("--by", "lead", required=True, help="The lead's user reference.")
@click.option("--on", type=click.DateTime(["%Y-%m-%d"]),
              help="A day in the cycle to exempt (default: today).")
def exempt(reference: str, role: str, reason: str, lead: str, on: Any) -> None:
    """Exempt person REFERENCE from a role's requirements for one cycle."""
    state = _state()
    learner = _learner(reference)
    granted = _granting(lambda: allowances.grant_exemption(
        state.session, state.settings, _lead(lead), learner, role,
        on=on.date() if on else state.today(), reason=reason))
    click.echo(f"{learner.name} is exempt from {role} for the cycle starting "
               f"{granted.cycle_start:%-d %b %Y}.")


@cpd.command("extend")
@click.argument("reference")
@click.option("--role", required=True, help="The role code the extension is for.")
@click.option("--until", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The new due date (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why (kept with the decision).")
@click.option("--by", "lead", required=True, help="The lead's user reference.")
def extend(reference: str, role: str, until: Any, reason: str, lead: str) -> None:
    """Give person REFERENCE until a later date to meet this cycle's requirements."""
    state = _state()
    learner = _learner(reference)
    granted = _granting(lambda: allowances.grant_extension(
        state.session, state.settings, _lead(lead), learner, role, on=state.today(),
        due=until.date(), reason=reason))
    click.echo(f"{learner.name} has until {granted.extended_to:%-d %b %Y} for {role} "
               f"(cycle starting {granted.cycle_start:%-d %b %Y}).")


@cpd.command("absence")
@click.argument("reference")
@click.option("--from", "starts", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "ends", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", required=True, help="E.g. parental leave, long-term sickness.")
@click.option("--by", "lead", required=True, help="The approving lead's user reference.")
def absence(reference: str, starts: Any, ends: Any, reason: str, lead: str) -> None:
    """Record an approved absence for person REFERENCE; targets are pro-rated for it."""
    state = _state()
    learner = _learner(reference)
    _granting(lambda: allowances.approve_absence(
        state.session, state.settings, _lead(lead), learner, starts_on=starts.date(),
        ends_on=ends.date(), reason=reason))
    click.echo(f"Absence recorded for {learner.name}: {starts:%-d %b %Y} to {ends:%-d %b %Y}.")


def _learner(reference: str) -> Learner:
    learner = _state().session.scalar(sa.select(Learner).where(Learner.reference == reference))
    if learner is None:
        raise click.ClickException(f"No person with reference {reference!r} is known to "
                                   "cpd-tracker (they appear once they have signed in).")
    return learner


def _lead(reference: str) -> allowances.Lead:
    known = _state().session.scalar(sa.select(Learner).where(Learner.reference == reference))
    return allowances.Lead(reference=reference, name=known.name if known else reference)


def _granting(grant: Any) -> Any:
    try:
        return grant()
    except allowances.AllowanceRefused as refused:
        raise click.ClickException(str(refused)) from None


@cpd.group("lrs-client")
def lrs_client_group() -> None:
    """Credentials of the systems that call the LRS API (LMS, e-learning, analytics)."""


@lrs_client_group.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, default=("all",), show_default=True,
              type=click.Choice(xapi_clients.SCOPES),
              help="An xAPI scope; repeat for several (e.g. --scope statements/write "
                   "--scope state).")
@click.option("--secret", default=None, help="Use this secret (8 characters or more) instead "
                                             "of a generated one.")
def lrs_client_create(name: str, scopes: tuple[str, ...], secret: str | None) -> None:
    """Create LRS client NAME and print its secret, which is shown only this once.

    The client calls the API with HTTP Basic (NAME and the secret). Statements it sends carry
    it as their authority; whether they count as CPD is for CPD_XAPI_CREDIT_RULES to say.
    """
    state = _state()
    try:
        _, secret = xapi_clients.create_client(
            state.session, name, authority=client_authority(state.settings, name),
            scopes=scopes, secret=secret)
        state.session.commit()
    except xapi_clients.ClientInvalid as error:
        state.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created LRS client {name} with scopes {', '.join(scopes)}.")
    click.echo(f"Secret (shown once; keep it safe): {secret}")


@lrs_client_group.command("revoke")
@click.argument("name")
def lrs_client_revoke(name: str) -> None:
    """Stop client NAME calling the LRS; what it stored stays."""
    state = _state()
    try:
        xapi_clients.set_active(state.session, name, False)
        state.session.commit()
    except xapi_clients.ClientInvalid as error:
        state.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Revoked LRS client {name}.")


@lrs_client_group.command("list")
def lrs_client_list() -> None:
    """List the LRS clients, their scopes and whether they are active."""
    rows = _state().session.scalars(sa.select(ClientRecord).order_by(ClientRecord.name)).all()
    if not rows:
        click.echo("No LRS clients. Create one with `flask cpd lrs-client create NAME`.")
    for row in rows:
        status = "active" if row.active else "revoked"
        click.echo(f"{row.name}\t{status}\t{' '.join(row.scopes)}")


@cpd.command("forward")
@click.option("--backfill", is_flag=True, help="First queue every stored statement that would "
                                               "be forwarded but never was (turning forwarding "
                                               "on for a store with history).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Send at most this many statements in this run.")
def forward(backfill: bool, limit: int | None) -> None:
    """Send the statements waiting in the outbox to the enterprise LRS (CPD_XAPI_FORWARD).

    Safe to run at any time and from several places: rows are leased, a statement the remote
    already has counts as delivered, and what cannot be sent now is retried with backoff.
    """
    from cpd_tracker import recording

    state = _state()
    forward_settings = state.settings.xapi_forward
    if forward_settings is None:
        raise click.ClickException("Forwarding is off: set CPD_XAPI_FORWARD to the enterprise "
                                   "LRS's endpoint, username and password.")
    target = forward_settings.target
    if backfill:
        queued = forwarding.enqueue_existing(state.session, target,
                                             recording.forwarded(state.settings))
        state.session.commit()
        click.echo(f"Queued {queued} earlier statements for {target.name}.")
    report = forwarding.deliver(state.session, target, limit=limit)
    click.echo(str(report))
    click.echo(str(forwarding.pending(state.session, target)))


@cpd.command("scheduler")
def scheduler() -> None:
    """Run the scheduled jobs (reminders, accreditation lapses, the nightly compliance
    snapshot; forwarding when CPD_XAPI_FORWARD is set) until stopped: run one such process."""
    app = current_app._get_current_object()
    runner = jobs.create_scheduler(app)
    for job in jobs.jobs(app):
        click.echo(f"{job.id}: {job.description}, {job.schedule}")
    runner.start()


@cpd.command("remind")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Run as on this date (YYYY-MM-DD), to rehearse one. Default: today.")
@click.option("--dry-run", is_flag=True, help="List what is due and would be recorded; record "
                                              "and send nothing.")
def remind(as_of: Any, dry_run: bool) -> None:
    """Send the reminders due today (what the daily job does): shortfalls before a cycle's due
    day, overdue notices and escalations after it, renewal reminders before an accreditation
    expires, lapse notices. Each is recorded under a unique key before it is sent, so running
    this twice, or beside the scheduler, sends nothing twice. Mail goes through MAIL_SERVER;
    without one, reminders are kept in the reminder log."""
    app = current_app._get_current_object()
    day = as_of.date() if as_of else _state().today()
    report = jobs.remind(app, as_of=day, dry_run=dry_run)
    for item in report.items:
        to = item.recipient_email or "NO EMAIL"
        click.echo(f"{item.kind}\t{item.recipient_name} <{to}>\t{item.title}")
    click.echo(str(report))
    for error in report.errors:
        click.echo(f"not sent: {error}", err=True)


@cpd.command("snapshot")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Take it as on this date (YYYY-MM-DD). Default: today.")
def snapshot(as_of: Any) -> None:
    """Take the compliance snapshot (what the nightly job does): counts by role, unit and
    status, kept for trend charts, and who changed status since the last one. Once a day: a
    second run the same day does nothing."""
    app = current_app._get_current_object()
    day = as_of.date() if as_of else _state().today()
    click.echo(str(jobs.snapshot(app, as_of=day)))


@cpd.group("accreditation")
def accreditation_group() -> None:
    """Accreditations (IPP...): who holds what, and recording lapses."""


@accreditation_group.command("lapse")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as things stand on this date (YYYY-MM-DD). Default: today.")
@click.option("--dry-run", is_flag=True, help="Show who would lapse and why; record nothing.")
def accreditation_lapse(as_of: Any, dry_run: bool) -> None:
    """Record a lapse for every accreditation past its expiry (and grace), or with a missed CPD
    cycle where the scheme says so, that is not yet recorded as lapsed. What the daily job does;
    running it twice lapses nobody twice."""
    state = _state()
    day = as_of.date() if as_of else state.today()
    if dry_run:
        found = accreditation.due_to_lapse(state.session, state.settings, as_of=day)
    else:
        found = accreditation.lapse_due(state.session, state.settings, as_of=day)
    verb = "Would lapse" if dry_run else "Lapsed"
    for standing in found:
        click.echo(f"{verb}: {standing.name} ({standing.reference}), {standing.scheme_name}: "
                   f"{accreditation.lapse_reason(standing.judgement)}")
    if not found:
        click.echo(f"No accreditation is due to lapse on {day:%-d %b %Y}.")
    elif dry_run:
        click.echo(f"{len(found)} would lapse on {day:%-d %b %Y}; nothing was recorded "
                   "(dry run).")
    else:
        click.echo(f"{len(found)} lapsed on {day:%-d %b %Y}.")


@accreditation_group.command("list")
@click.option("--scheme", help="Only this scheme (the framework's code, e.g. ipp-example).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as things stand on this date (YYYY-MM-DD). Default: today.")
def accreditation_list(scheme: str | None, as_of: Any) -> None:
    """List every recorded accreditation: person, scheme, status, expiry and why, one a line
    (tab-separated)."""
    state = _state()
    if scheme is not None and frameworks.accreditation_rules(state.session, scheme) is None:
        known = ", ".join(rules.scheme for rules in frameworks.schemes_for(state.session))
        raise click.ClickException(f"--scheme {scheme!r} is not an accreditation scheme; the "
                                   f"schemes are: {known or 'none'}.")
    day = as_of.date() if as_of else state.today()
    found = accreditation.standings(state.session, state.settings, as_of=day, scheme=scheme)
    if not found:
        click.echo("No accreditations are recorded" + (f" in {scheme}." if scheme else "."))
    for standing in found:
        judged = standing.judgement
        expires = f"expires {judged.expires_on:%-d %b %Y}" if judged.expires_on else "-"
        click.echo("\t".join((standing.reference, standing.name, standing.scheme,
                               judged.status.value, expires, judged.reason)))

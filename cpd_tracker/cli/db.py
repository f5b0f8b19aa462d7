"""``flask cpd db ...`` and ``flask cpd rebuild``: the library's own tables and read models."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from cpd_tracker import migration, projection
from cpd_tracker.state import get_state


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """cpd-tracker's own database migrations (separate from the host's)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or upgrade cpd-tracker's tables to REVISION (default: the newest)."""
    engine = get_state().db.engine
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
    engine = get_state().db.engine
    migration.downgrade(engine, revision)
    click.echo(f"cpd-tracker tables are now at {migration.current_revision(engine) or 'base'}.")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at and the newest this version ships."""
    current = migration.current_revision(get_state().db.engine)
    head = migration.head_revision()
    status = "up to date" if current == head else "run `flask cpd db upgrade`"
    click.echo(f"database: {current or 'not installed'}; newest: {head} ({status})")


@click.command("rebuild")
@with_appcontext
def rebuild() -> None:
    """Rebuild the CPD read models (activities, allowances, evidence, accreditations) from the
    stored xAPI statements."""
    state = get_state()
    try:
        report = projection.rebuild(state.session, state.settings)
        state.session.commit()
    except Exception:
        state.session.rollback()
        raise
    click.echo(str(report))


#: This module's commands, for the ``cpd`` group.
COMMANDS = [db_group, rebuild]

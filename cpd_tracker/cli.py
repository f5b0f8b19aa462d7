"""``flask cpd ...``: the commands a force's LMS team runs. Every command takes ``--help``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from cpd_tracker import migration, projection

cpd = AppGroup("cpd", help="cpd-tracker: continuing professional development records.")


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
    """Rebuild the CPD activity read model from the stored xAPI statements."""
    state = _state()
    try:
        count = projection.rebuild(state.session, state.settings)
        state.session.commit()
    except Exception:
        state.session.rollback()
        raise
    click.echo(f"Rebuilt {count} CPD activities from their statements.")

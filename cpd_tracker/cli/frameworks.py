"""``flask cpd frameworks ...`` and ``flask cpd compliance``: the rules, and who meets them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from cpd_tracker import frameworks
from cpd_tracker.engine.words import format_date
from cpd_tracker.exports import reports
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.queries.outcomes import last_closed
from cpd_tracker.state import get_state


@click.group("frameworks", cls=AppGroup)
def frameworks_group() -> None:
    """Requirement frameworks: the rules each role's CPD is judged by."""


@frameworks_group.command("load")
@click.argument("file")
def frameworks_load(file: str) -> None:
    """Check FILE (a framework YAML file, or the name of a shipped one) and load it.

    All or nothing: any problem is reported with its line and field, and nothing is loaded.
    Shipped: ipp-example, nmc-revalidation, gphc-revalidation, rics.
    """
    state = get_state()
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
    state = get_state()
    catalogue = frameworks.catalogue(state.session, categories=dict(state.settings.categories))
    if not catalogue:
        click.echo("No frameworks loaded. Load one with `flask cpd frameworks load FILE`.")
    for code, role in sorted(catalogue.items()):
        for version in role.versions:
            until = f" to {format_date(version.effective_to)}" if version.effective_to else ""
            requirements = version.requirements
            click.echo(f"{code}: {requirements.framework} {requirements.version}, from "
                       f"{format_date(version.effective_from)}{until}; "
                       f"{requirements.cycle.description}; {len(requirements.rules)} "
                       f"rule{'' if len(requirements.rules) == 1 else 's'}")


@click.command("compliance")
@with_appcontext
@click.option("--role", help="Only people in this role (code).")
@click.option("--unit", help="Only people in this organisational unit.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as things stood on this date (YYYY-MM-DD). Default: today.")
@click.option("--format", "output", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True)
def compliance_report(role: str | None, unit: str | None, as_of: Any, output: str) -> None:
    """Print the compliance status of everyone in scope, one line per person and role: the
    cycle owed on the day (the one under way, or an ended one a lead extended), and the outcome
    of the last cycle due before it."""
    state = get_state()
    day = as_of.date() if as_of else state.today()
    standings = assess(state.session, state.settings, as_of=day,
                       scope=Scope(role=role, unit=unit))
    people = {standing.learner_id for standing in standings}
    # A long list of ids is slower than reading everyone's (and SQLite caps its parameters).
    last = last_closed(state.session, state.settings, as_of=day,
                       learner_ids=people if len(people) <= 2000 else None)
    click.echo(reports.compliance_text(standings, output, as_of=day, last=last), nl=False)


#: This module's commands, for the ``cpd`` group.
COMMANDS = [frameworks_group, compliance_report]

"""``flask cpd accreditation ...``: who holds which accreditation, and recording lapses."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from cpd_tracker import frameworks
from cpd_tracker.engine.words import format_date
from cpd_tracker.judging.accreditation import due_to_lapse, standings
from cpd_tracker.services import accreditation
from cpd_tracker.state import get_state


@click.group("accreditation", cls=AppGroup)
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
    state = get_state()
    day = as_of.date() if as_of else state.today()
    if dry_run:
        found = due_to_lapse(state.session, state.settings, as_of=day)
    else:
        found = accreditation.lapse_due(state.session, state.settings, as_of=day)
    verb = "Would lapse" if dry_run else "Lapsed"
    for standing in found:
        click.echo(f"{verb}: {standing.name} ({standing.reference}), {standing.scheme_name}: "
                   f"{accreditation.lapse_reason(standing.judgement)}")
    if not found:
        click.echo(f"No accreditation is due to lapse on {format_date(day)}.")
    elif dry_run:
        click.echo(f"{len(found)} would lapse on {format_date(day)}; nothing was recorded "
                   "(dry run).")
    else:
        click.echo(f"{len(found)} lapsed on {format_date(day)}.")


@accreditation_group.command("list")
@click.option("--scheme", help="Only this scheme (the framework's code, e.g. ipp-example).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Judge as things stand on this date (YYYY-MM-DD). Default: today.")
def accreditation_list(scheme: str | None, as_of: Any) -> None:
    """List every recorded accreditation: person, scheme, status, expiry and why, one a line
    (tab-separated)."""
    state = get_state()
    if scheme is not None and frameworks.accreditation_rules(state.session, scheme) is None:
        known = ", ".join(rules.scheme for rules in frameworks.schemes_for(state.session))
        raise click.ClickException(f"--scheme {scheme!r} is not an accreditation scheme; the "
                                   f"schemes are: {known or 'none'}.")
    day = as_of.date() if as_of else state.today()
    found = standings(state.session, state.settings, as_of=day, scheme=scheme)
    if not found:
        click.echo("No accreditations are recorded" + (f" in {scheme}." if scheme else "."))
    for standing in found:
        judged = standing.judgement
        expires = f"expires {format_date(judged.expires_on)}" if judged.expires_on else "-"
        click.echo("\t".join((standing.reference, standing.name, standing.scheme,
                               judged.status.value, expires, judged.reason)))


#: This module's commands, for the ``cpd`` group.
COMMANDS = [accreditation_group]

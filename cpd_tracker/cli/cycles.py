"""``flask cpd cycles close|list|judge-again``: cycle outcomes, for automation (leads use the
person's page)."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from cpd_tracker import scheduler
from cpd_tracker.cli.allowances import lead_named, learner_named
from cpd_tracker.engine.words import format_date
from cpd_tracker.errors import Refused
from cpd_tracker.queries.outcomes import past_cycles
from cpd_tracker.services import outcomes
from cpd_tracker.state import get_state


@click.group("cycles", cls=AppGroup)
def cycles_group() -> None:
    """How each person's CPD cycles ended."""


@cycles_group.command("close")
@with_appcontext
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="Run as on this date (YYYY-MM-DD). Default: today.")
def close(as_of: Any) -> None:
    """Record the outcome of every cycle due before today that has none (what the daily job
    does at 00:02): met, met within an extension, not met with the rules unmet, or exempt. A
    second run records nothing."""
    app = current_app._get_current_object()
    day = as_of.date() if as_of else get_state().today()
    click.echo(str(scheduler.close_cycles(app, as_of=day)))


@cycles_group.command("list")
@with_appcontext
@click.option("--person", "reference", help="Only this person (their user reference).")
@click.option("--role", help="Only this role (its code).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
def list_command(reference: str | None, role: str | None, limit: int) -> None:
    """The recorded outcomes, newest cycle first: one tab-separated line each."""
    state = get_state()
    people = None
    if reference is not None:
        people = [learner_named(reference).id]
    found = past_cycles(state.session, learner_ids=people, role_code=role, limit=limit,
                        categories=dict(state.settings.categories))
    if not found:
        click.echo("No cycle outcome is recorded yet: the daily job records each cycle the day "
                   "after it is due (or run `flask cpd cycles close`).")
    for past in found:
        unmet = "; ".join(past.unmet) or "-"
        click.echo("\t".join([past.name, past.role_name,
                              f"{format_date(past.cycle.start)} to {format_date(past.cycle.end)}",
                              f"due {format_date(past.due)}", past.label, unmet,
                              f"judged by {past.judged_by}"]))


@cycles_group.command("judge-again")
@with_appcontext
@click.argument("reference")
@click.argument("role")
@click.argument("cycle_start", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--by", "lead", required=True, help="The lead's user reference.")
@click.option("--reason", required=True, help="Why (kept with the judgement).")
def judge_again(reference: str, role: str, cycle_start: Any, lead: str, reason: str) -> None:
    """Judge person REFERENCE's closed ROLE cycle starting CYCLE_START again, as things stand
    now for its days (after CPD logged or verified late), and record it with the reason."""
    state = get_state()
    learner = learner_named(reference)
    try:
        found = outcomes.judge_again(state.session, state.settings, lead_named(lead), learner,
                                     role, cycle_start.date(), reason=reason)
    except Refused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{learner.name}'s cycle from {format_date(found.cycle_start)}: "
               f"{outcomes.OUTCOMES[found.outcome]}.")


#: This module's commands, for the ``cpd`` group.
COMMANDS = [cycles_group]

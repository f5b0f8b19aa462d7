"""``flask cpd exempt|extend|absence``: leads' allowances, for automation (leads use pages)."""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from cpd_tracker.engine.words import format_date
from cpd_tracker.errors import Refused
from cpd_tracker.models import Learner
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import allowances
from cpd_tracker.state import get_state


@click.command("exempt")
@with_appcontext
@click.argument("reference")
@click.option("--role", required=True, help="The role code the exemption is for.")
@click.option("--reason", required=True, help="Why (kept with the decision).")
@click.option("--by", "lead", required=True, help="The lead's user reference.")
@click.option("--on", type=click.DateTime(["%Y-%m-%d"]),
              help="A day in the cycle to exempt (default: today); with --until, the first day "
                   "of the period.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
              help="Exempt only from --on to this day (a period within the cycle), not the "
                   "whole cycle.")
def exempt(reference: str, role: str, reason: str, lead: str, on: Any, until: Any) -> None:
    """Exempt person REFERENCE from a role's requirements for one cycle, or for a period."""
    state = get_state()
    learner = learner_named(reference)
    granted = _granting(lambda: allowances.grant_exemption(
        state.session, state.settings, lead_named(lead), learner, role,
        on=on.date() if on else state.today(), reason=reason,
        until=until.date() if until else None))
    if granted.starts_on is not None:
        click.echo(f"{learner.name} is exempt from {role} from {format_date(granted.starts_on)} "
                   f"to {format_date(granted.ends_on)}.")
    else:
        click.echo(f"{learner.name} is exempt from {role} for the cycle starting "
                   f"{format_date(granted.cycle_start)}.")


@click.command("extend")
@with_appcontext
@click.argument("reference")
@click.option("--role", required=True, help="The role code the extension is for.")
@click.option("--until", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The new due date (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why (kept with the decision).")
@click.option("--by", "lead", required=True, help="The lead's user reference.")
@click.option("--on", type=click.DateTime(["%Y-%m-%d"]),
              help="A day in the cycle to extend (default: today). Give a day of a cycle that "
                   "has ended to extend it (again) while it is still owed.")
def extend(reference: str, role: str, until: Any, reason: str, lead: str, on: Any) -> None:
    """Give person REFERENCE until a later date to meet a cycle's requirements (this cycle's,
    or with --on an ended one's)."""
    state = get_state()
    learner = learner_named(reference)
    granted = _granting(lambda: allowances.grant_extension(
        state.session, state.settings, lead_named(lead), learner, role,
        on=on.date() if on else state.today(), due=until.date(), reason=reason))
    click.echo(f"{learner.name} has until {format_date(granted.extended_to)} for {role} "
               f"(cycle starting {format_date(granted.cycle_start)}).")


@click.command("absence")
@with_appcontext
@click.argument("reference")
@click.option("--from", "starts", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "ends", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--reason", required=True, help="E.g. parental leave, long-term sickness.")
@click.option("--by", "lead", required=True, help="The approving lead's user reference.")
def absence(reference: str, starts: Any, ends: Any, reason: str, lead: str) -> None:
    """Record an approved absence for person REFERENCE; targets are pro-rated for it."""
    state = get_state()
    learner = learner_named(reference)
    _granting(lambda: allowances.approve_absence(
        state.session, state.settings, lead_named(lead), learner, starts_on=starts.date(),
        ends_on=ends.date(), reason=reason))
    click.echo(f"Absence recorded for {learner.name}: {format_date(starts)} to "
               f"{format_date(ends)}.")


def learner_named(reference: str) -> Learner:
    """The person with this user reference, or a command error saying they are unknown."""
    learner = get_state().session.scalar(sa.select(Learner).where(Learner.reference == reference))
    if learner is None:
        raise click.ClickException(f"No person with reference {reference!r} is known to "
                                   "cpd-tracker (they appear once they have signed in).")
    return learner


def lead_named(reference: str) -> Lead:
    """The lead with this user reference, named as the library knows them (else by it)."""
    known = get_state().session.scalar(sa.select(Learner).where(Learner.reference == reference))
    return Lead(reference=reference, name=known.name if known else reference)


def _granting(grant: Any) -> Any:
    try:
        return grant()
    except Refused as refused:
        raise click.ClickException(str(refused)) from None


#: This module's commands, for the ``cpd`` group.
COMMANDS = [exempt, extend, absence]

"""``flask cpd lrs-client ...`` and ``flask cpd forward``: the LRS API's clients and forwarding."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from cpd_tracker import projection
from cpd_tracker.record.identities import client_authority
from cpd_tracker.state import get_state
from xapi import ClientRecord, forwarding
from xapi import clients as xapi_clients


@click.group("lrs-client", cls=AppGroup)
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
    state = get_state()
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
    state = get_state()
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
    rows = get_state().session.scalars(sa.select(ClientRecord).order_by(ClientRecord.name)).all()
    if not rows:
        click.echo("No LRS clients. Create one with `flask cpd lrs-client create NAME`.")
    for row in rows:
        status = "active" if row.active else "revoked"
        click.echo(f"{row.name}\t{status}\t{' '.join(row.scopes)}")


@click.command("forward")
@with_appcontext
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

    state = get_state()
    forward_settings = state.settings.xapi_forward
    if forward_settings is None:
        raise click.ClickException("Forwarding is off: set CPD_XAPI_FORWARD to the enterprise "
                                   "LRS's endpoint, username and password.")
    target = forward_settings.target
    if backfill:
        queued = forwarding.enqueue_existing(state.session, target,
                                             projection.forwarded(state.settings))
        state.session.commit()
        click.echo(f"Queued {queued} earlier statements for {target.name}.")
    report = forwarding.deliver(state.session, target, limit=limit)
    click.echo(str(report))
    click.echo(str(forwarding.pending(state.session, target)))


#: This module's commands, for the ``cpd`` group.
COMMANDS = [lrs_client_group, forward]

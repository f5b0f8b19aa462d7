"""``flask cpd`` commands for force-wide work: the standings, exports, bulk import and the
reporting API's tokens."""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from cpd_tracker import api_clients
from cpd_tracker.errors import Refused
from cpd_tracker.exports import extracts
from cpd_tracker.judging import standings
from cpd_tracker.models import Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.queries import people
from cpd_tracker.services import importing
from cpd_tracker.state import get_state


@click.command("standings")
@with_appcontext
@click.option("--everyone", is_flag=True,
              help="Judge everyone again, not only those whose records changed.")
def standings_command(everyone: bool) -> None:
    """Bring the leads' lists up to date (the scheduler does this daily at 00:05)."""
    state = get_state()
    click.echo(str(standings.refresh(state.session, state.settings, today=state.today(),
                                     everyone=everyone)))


@click.command("api-token")
@with_appcontext
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="What the tool may read: 'force', 'unit:NAME' or 'role:CODE' (repeatable).")
def api_token(name: str, scopes: tuple[str, ...]) -> None:
    """Make a token for a reporting tool NAME and print the CPD_API_TOKENS entry.

    The token is shown once; the configuration keeps only its SHA-256.
    """
    try:
        parsed = [str(LeadScope.parse(scope)) for scope in scopes]
        token, digest = api_clients.new_token()
        api_clients.parse({name: {"sha256": digest, "scopes": parsed}})
    except (ValueError, api_clients.ApiClientError) as error:
        raise click.BadParameter(str(error)) from None
    click.echo(f"Token for {name} (give it to the tool; it is not stored anywhere):")
    click.echo(f"  {token}")
    click.echo("Add to CPD_API_TOKENS:")
    click.echo(f"  {name!r}: {{'sha256': {digest!r}, 'scopes': {parsed!r}}},")


@click.command("export")
@with_appcontext
@click.argument("what", type=click.Choice(["people", "audit"]))
@click.option("--format", "extension", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="The file to write (default: a dated name in the current folder; '-' for "
                   "standard output, CSV only).")
@click.option("--status", "statuses", multiple=True, help="people: only this status "
              "(repeatable).")
@click.option("--role", help="people: only this role (code).")
@click.option("--unit", help="Only this organisational unit.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="audit: from this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="audit: to this date.")
def export_command(what: str, extension: str, output: str | None, statuses: tuple[str, ...],
                   role: str | None, unit: str | None, since: Any, until: Any) -> None:
    """Export the whole force's people list or audit extract (every activity with its
    verification state), streamed to a file as the pages do."""
    if extension == "xlsx" and output == "-":
        raise click.BadParameter("XLSX cannot go to standard output; give --output FILE")
    state = get_state()
    everyone = Access("flask-cli", admin=True)
    today = state.today()
    if what == "people":
        try:
            chosen = people.parse_filter({"status": list(statuses), "role": role or "",
                                          "unit": unit or ""})
        except Refused as bad:
            raise click.BadParameter(str(bad)) from None
        standings.refresh(state.session, state.settings, today=today)
        columns = people.EXPORT_COLUMNS
        rows: Any = people.export_rows(people.all_people(state.session, everyone, chosen))
    else:
        condition = sa.true() if not unit else Learner.org_unit == unit
        columns = extracts.AUDIT_COLUMNS
        rows = extracts.audit_rows(state.session, condition,
                                   since=since.date() if since else None,
                                   until=until.date() if until else None,
                                   categories=dict(state.settings.categories))
    if extension == "csv":
        chunks: Any = (chunk.encode("utf-8") for chunk in extracts.csv_chunks(columns, rows))
    else:
        chunks = extracts.xlsx_chunks(columns, rows, sheet=what.capitalize())
    path = output or extracts.extract_filename(what, today, extension)
    with click.open_file(path, "wb") as stream:
        written = sum(stream.write(chunk) or len(chunk) for chunk in chunks)
    if path != "-":
        click.echo(f"Wrote {path} ({written:,} bytes).", err=True)


@click.command("import")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--by", "lead", required=True,
              help="The importing lead's user reference: the records' authority, and whose "
                   "scope the rows must be in.")
@click.option("--dry-run", is_flag=True, help="Check the file and list every problem; import "
                                              "nothing.")
def import_command(file: Any, lead: str, dry_run: bool) -> None:
    """Import CPD records from a CSV FILE (the columns are in the README): all rows or none;
    rows already imported are skipped. Exits 1 if the file has problems."""
    state = get_state()
    learner = state.session.scalar(sa.select(Learner).where(Learner.reference == lead))
    if learner is None:
        raise click.BadParameter(f"no person with reference {lead!r}", param_hint="--by")
    access = _access_of(state, lead)
    if not access.is_lead:
        raise click.BadParameter(f"{lead!r} is not one of the leads (CPD_LEADS) or leads "
                                 "nobody (CPD_ACCESS)", param_hint="--by")
    data = file.read()
    if dry_run:
        report = importing.check(state.session, state.settings, access, data,
                                 today=state.today())
    else:
        report = importing.run(state.session, state.settings, access, learner, data,
                               today=state.today())
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)


def _access_of(state: Any, reference: str) -> Access:
    """The lead's access as the host says (``access=``), for the user among the host's leads
    (``CPD_LEADS``) with this reference; nobody else may import."""
    for user in state.leads():
        if str(user.get_id()) == reference:
            return state.access(user)
    return Access(reference)


COMMANDS = [standings_command, api_token, export_command, import_command]

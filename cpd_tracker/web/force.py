"""A lead's view of their whole scope: the dashboard, the people list and the exports. Thin:
parse, authorise, bring the standings up to date, call, render or stream."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from cpd_tracker import arguments, permissions
from cpd_tracker.engine.compliance import Status
from cpd_tracker.errors import Refused
from cpd_tracker.exports import extracts
from cpd_tracker.judging import standings
from cpd_tracker.models import Learner
from cpd_tracker.permissions import VERIFY, VIEW_RECORD
from cpd_tracker.queries import dashboard, people
from cpd_tracker.state import TrackerState
from cpd_tracker.web.auth import may, page_argument, text_argument

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/dashboard", "dashboard", dashboard_page)
    blueprint.add_url_rule("/people", "people", people_page)
    blueprint.add_url_rule("/people/export.<any(csv, xlsx):extension>", "export_people",
                           export_people)
    blueprint.add_url_rule("/audit/export.<any(csv, xlsx):extension>", "export_audit",
                           export_audit)


def dashboard_page() -> tuple[str, int]:
    """Counts by status for each role and unit, the trend, the queue, who lapses soon."""
    state, user = may(VERIFY, None)
    role = text_argument("role", longest=64)
    unit = text_argument("unit", longest=255)
    today = current(state)
    board = dashboard.dashboard(state.session, state.access(user), today=today, role=role,
                                 unit=unit)
    roles, units = people.choices(state.session)
    return render_template("cpd_tracker/dashboard.html", board=board, statuses=list(Status),
                           Status=Status, roles=roles, units=units, role=role,
                           unit=unit, scope=_scope(role, unit)), 200


def people_page() -> tuple[str, int]:
    """Everyone in the lead's scope, one row a role: sorted, filtered, searched, paged."""
    state, user = may(VERIFY, None)
    try:
        chosen = people.parse_filter(request.args)
    except Refused as bad:
        abort(400, str(bad))
    page = page_argument()
    current(state)
    found = people.people(state.session, state.access(user), chosen, page=page)
    roles, units = people.choices(state.session)
    return render_template("cpd_tracker/people.html", page=found, chosen=chosen,
                           statuses=list(Status), sorts=people.SORTS,
                           last_cycles=people.LAST_CYCLES,
                           roles=roles, units=units,
                           scope=_scope(chosen.role, chosen.unit)), 200


def export_people(extension: str) -> Response:
    """The people list as filtered on the page, every row, streamed as CSV or XLSX."""
    state, user = may(VERIFY, None)
    try:
        chosen = people.parse_filter(request.args)
    except Refused as bad:
        abort(400, str(bad))
    today = current(state)
    rows = people.export_rows(people.all_people(state.session, state.access(user),
                                                          chosen))
    return _download(people.EXPORT_COLUMNS, rows, "people", today, extension)


def export_audit(extension: str) -> Response:
    """Every activity of everyone in the lead's scope (a unit, a date range if given) with its
    verification state: the audit extract, streamed as CSV or XLSX."""
    state, user = may(VERIFY, None)
    unit = text_argument("unit", longest=255)
    since, until = _day_argument("since"), _day_argument("until")
    condition = permissions.visible(state.access(user), VIEW_RECORD)
    if unit:
        condition = sa.and_(condition, Learner.org_unit == unit)
    rows = extracts.audit_rows(state.session, condition, since=since, until=until,
                               categories=dict(state.settings.categories))
    return _download(extracts.AUDIT_COLUMNS, rows, "audit", state.today(), extension)


def _download(columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]], kind: str,
              today: date, extension: str) -> Response:
    """A streamed attachment: rows are read while the response is sent, so memory stays flat
    however many there are."""
    if extension == "csv":
        chunks: Iterator[Any] = extracts.csv_chunks(columns, rows)
        mimetype = "text/csv; charset=utf-8"
    else:
        chunks = extracts.xlsx_chunks(columns, rows, sheet=kind.capitalize())
        mimetype = XLSX
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    name = extracts.extract_filename(kind, today, extension)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _day_argument(name: str) -> date | None:
    try:
        return arguments.day(name, request.args.get(name))
    except Refused as bad:
        abort(400, str(bad))


def current(state: TrackerState) -> date:
    """Today, with the standings brought up to it first (see
    :mod:`cpd_tracker.judging.standings`)."""
    today = state.today()
    standings.refresh(state.session, state.settings, today=today)
    return today


def _scope(role: str | None, unit: str | None) -> dict[str, str]:
    """The role and unit chosen, as arguments for links to the other lists."""
    return {name: value for name, value in (("role", role), ("unit", unit)) if value}

"""A lead's view of their whole scope: the dashboard and the people list. Thin: parse,
authorise, bring the standings up to date, call, render."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from cpd_tracker import dashboard as dashboards
from cpd_tracker import people as people_list
from cpd_tracker import standings
from cpd_tracker.compliance import Status
from cpd_tracker.extension import TrackerState
from cpd_tracker.models import Learner, Role
from cpd_tracker.permissions import VERIFY
from cpd_tracker.views.auth import may, page_number, text_argument


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/dashboard", "dashboard", dashboard)
    blueprint.add_url_rule("/people", "people", people)


def dashboard() -> tuple[str, int]:
    """Counts by status for each role and unit, the trend, the queue, who lapses soon."""
    state, user = may(VERIFY, None)
    role = text_argument("role", longest=64)
    unit = text_argument("unit", longest=255)
    today = current(state)
    board = dashboards.dashboard(state.session, state.access(user), today=today, role=role,
                                 unit=unit)
    return render_template("cpd_tracker/dashboard.html", board=board, statuses=list(Status),
                           Status=Status, roles=_roles(state), units=_units(state), role=role,
                           unit=unit, scope=_scope(role, unit)), 200


def people() -> tuple[str, int]:
    """Everyone in the lead's scope, one row a role: sorted, filtered, searched, paged."""
    state, user = may(VERIFY, None)
    try:
        chosen = people_list.parse_filter(request.args)
    except people_list.BadFilter as bad:
        abort(400, str(bad))
    page = page_number(request.args.get("page"))
    current(state)
    found = people_list.people(state.session, state.access(user), chosen, page=page)
    return render_template("cpd_tracker/people.html", page=found, chosen=chosen,
                           statuses=list(Status), sorts=people_list.SORTS,
                           roles=_roles(state), units=_units(state),
                           scope=_scope(chosen.role, chosen.unit)), 200


def current(state: TrackerState) -> date:
    """Today, with the standings brought up to it first (see :mod:`cpd_tracker.standings`)."""
    today = state.today()
    standings.refresh(state.session, state.settings, today=today)
    return today


def _scope(role: str | None, unit: str | None) -> dict[str, str]:
    """The role and unit chosen, as arguments for links to the other lists."""
    return {name: value for name, value in (("role", role), ("unit", unit)) if value}


def _roles(state: TrackerState) -> list[tuple[str, str]]:
    return [tuple(row) for row in state.session.execute(
        sa.select(Role.code, Role.name).order_by(Role.name))]


def _units(state: TrackerState) -> list[str]:
    return list(state.session.scalars(sa.select(Learner.org_unit).distinct()
                                      .where(Learner.org_unit.is_not(None))
                                      .order_by(Learner.org_unit)))

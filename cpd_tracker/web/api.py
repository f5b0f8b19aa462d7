"""The JSON API for the force's reporting tools: compliance for a person, for a scope (paged),
and the activity list, with the same permissions as the pages.

A caller is the signed-in user (a session, as for the pages) or a reporting tool with a bearer
token (:mod:`cpd_tracker.api_clients`). Every answer is JSON, errors included:
``{"error": {"status": 400, "field": "page", "message": "..."}}``, never an HTML page or a 500
for bad input. The OpenAPI document at ``/api/v1/openapi.json`` describes it all
(:mod:`cpd_tracker.web.openapi`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request, url_for

from cpd_tracker import api_clients, arguments, frameworks, permissions
from cpd_tracker.errors import Refused
from cpd_tracker.exports import reports
from cpd_tracker.judging import standings
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import Activity, Learner, Role, activity_role
from cpd_tracker.paging import MAX_PAGE, page_of
from cpd_tracker.permissions import VERIFY, VIEW_RECORD
from cpd_tracker.queries import outcomes, people
from cpd_tracker.state import TrackerState, get_state
from cpd_tracker.web import openapi

PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule(f"{PREFIX}/openapi.json", "api_openapi", openapi_document)
    blueprint.add_url_rule(f"{PREFIX}/compliance", "api_compliance", scope_compliance)
    blueprint.add_url_rule(f"{PREFIX}/people/<reference>/compliance", "api_person_compliance",
                           person_compliance)
    blueprint.add_url_rule(f"{PREFIX}/activities", "api_activities", activity_list)


class ApiError(Exception):
    """An API request that cannot be answered, as the JSON error it becomes."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def response(self) -> tuple[Response, int]:
        body: dict[str, Any] = {"status": self.status, "message": self.message}
        if self.field:
            body["field"] = self.field
        answer = jsonify({"error": body})
        if self.status == 401:
            answer.headers["WWW-Authenticate"] = 'Bearer realm="cpd-tracker"'
        return answer, self.status


@dataclass(frozen=True)
class Caller:
    """Who is asking: a signed-in user, or a reporting tool's token."""

    state: TrackerState
    access: permissions.Access
    user: Any = None

    def may(self, action: str, learner: Learner | None) -> bool:
        if self.user is not None:
            return self.state.can(self.user, action, learner)
        return permissions.allows(self.access, action, learner)


def _answer(view: Any) -> Any:
    """Run ``view``, turning :class:`ApiError`, and any :class:`~cpd_tracker.errors.Refused`
    (as a 400 naming its field), into the JSON error."""
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ApiError as error:
            return error.response()
        except Refused as refused:
            return ApiError(400, str(refused), refused.field).response()

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def caller() -> Caller:
    """The bearer token's client, else the signed-in user, else 401."""
    state = get_state()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authorization must be 'Bearer <token>'")
        client = api_clients.client_for(state.settings.api_clients, token.strip())
        if client is None:
            raise ApiError(401, "the token is not one of CPD_API_TOKENS")
        return Caller(state, client.access)
    user = state.user()
    if user is None:
        raise ApiError(401, "sign in, or send a bearer token (CPD_API_TOKENS)")
    return Caller(state, state.access(user), user)


@_answer
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of this API (no sign-in needed: it holds no records)."""
    base = url_for("cpd_tracker.api_openapi").rsplit("/", 1)[0]
    return jsonify(openapi.document(server=base))


@_answer
def scope_compliance() -> Response:
    """Every standing the caller may see, paged, with the people list's filters."""
    who = caller()
    if not who.may(VERIFY, None):
        raise ApiError(403, "only accreditation leads (or a token with scopes) see a scope")
    args = _arguments({"status", "role", "unit", "due_before", "search", "last_cycle", "sort",
                       "page", "per_page"})
    chosen = people.parse_filter(args)
    page, per_page = _page(args)
    today = who.state.today()
    standings.refresh(who.state.session, who.state.settings, today=today)
    found = people.people(who.state.session, who.access, chosen, page=page,
                               per_page=per_page)
    return jsonify(_paged(found.total, page, per_page, "cpd_tracker.api_compliance",
                          chosen.arguments(),
                          as_of=today.isoformat(),
                          items=[_standing_item(row) for row in found.items]))


@_answer
def person_compliance(reference: str) -> Response:
    """One person's standing in every role they hold, judged now, rule by rule."""
    who = caller()
    _arguments(set())
    learner = who.state.session.scalar(sa.select(Learner).where(Learner.reference == reference))
    if learner is None or not who.may(VIEW_RECORD, learner):
        raise ApiError(404, f"no person {reference!r} whose record you may see", "reference")
    today = who.state.today()
    judged = assess(who.state.session, who.state.settings, as_of=today,
                    scope=Scope(learner_id=learner.id))
    past = outcomes.past_cycles(who.state.session, learner_ids=[learner.id],
                                categories=dict(who.state.settings.categories))
    return jsonify({"reference": learner.reference, "name": learner.name,
                    "unit": learner.org_unit, "as_of": today.isoformat(),
                    "roles": [reports.standing_json(standing) for standing in judged],
                    "past_cycles": [_past_item(cycle) for cycle in past]})


def _past_item(cycle: outcomes.PastCycle) -> dict[str, Any]:
    return {"role": cycle.role_code, "role_name": cycle.role_name,
            "cycle_start": cycle.cycle.start.isoformat(),
            "cycle_end": cycle.cycle.end.isoformat(), "due": cycle.due.isoformat(),
            "outcome": cycle.outcome, "outcome_label": cycle.label, "not_met": list(cycle.unmet),
            "judged_by": cycle.judged_by, "reason": cycle.reason}


@_answer
def activity_list() -> Response:
    """Activities (newest first), of one person or everyone the caller may see, paged."""
    who = caller()
    args = _arguments({"person", "unit", "role", "since", "until", "page", "per_page"})
    session = who.state.session
    query = sa.select(Activity, Learner.reference).join(Learner,
                                                        Learner.id == Activity.learner_id)
    person = _text(args, "person", 255)
    if person is not None:
        learner = session.scalar(sa.select(Learner).where(Learner.reference == person))
        if learner is None or not who.may(VIEW_RECORD, learner):
            raise ApiError(404, f"no person {person!r} whose record you may see", "person")
        query = query.where(Activity.learner_id == learner.id)
    elif not who.may(VERIFY, None):
        raise ApiError(403, "name a person (yours, or someone you manage); only leads list "
                           "everyone in their scope", "person")
    else:
        query = query.where(permissions.visible(who.access, VIEW_RECORD))
    unit = _text(args, "unit", 255)
    if unit is not None:
        query = query.where(Learner.org_unit == unit)
    role = _text(args, "role", 64)
    if role is not None:
        query = query.where(sa.exists().where(activity_role.c.activity_id == Activity.id,
                                              activity_role.c.role_id == Role.id,
                                              Role.code == role))
    since, until = _day(args, "since"), _day(args, "until")
    if since is not None:
        query = query.where(Activity.activity_date >= since)
    if until is not None:
        query = query.where(Activity.activity_date <= until)
    page, per_page = _page(args)
    cut = page_of(session, query.order_by(Activity.activity_date.desc(), Activity.id.desc()),
                  page=page, per_page=per_page)
    total, rows = cut.total, cut.items
    roles = _roles_of(session, [activity.id for activity, _ in rows])
    filters = {name: args[name] for name in ("person", "unit", "role", "since", "until")
               if args.get(name)}
    names = _names(session, {code for codes in roles.values() for code in codes})
    return jsonify(_paged(total, page, per_page, "cpd_tracker.api_activities", filters,
                          items=[_activity_item(activity, reference, roles.get(activity.id, []),
                                                names)
                                 for activity, reference in rows]))


def _names(session: Any, role_codes: set[str]) -> dict[str, str]:
    """The names of the kinds and items these roles' frameworks speak of, by code."""
    kinds, items = frameworks.vocabulary_for(session, sorted(role_codes))
    return {**dict(kinds), **dict(items)}


def _arguments(known: set[str]) -> dict[str, Any]:
    """The query arguments, each once, or 400 naming one that is unknown or repeated."""
    args = request.args
    for name in args:
        if name not in known:
            raise ApiError(400, f"unknown argument {name[:40]!r}; this endpoint takes "
                          + (", ".join(sorted(known)) or "none"), name[:40])
    found: dict[str, Any] = {}
    for name in args:
        values = args.getlist(name)
        if any(value == "" for value in values):
            raise ApiError(400, f"{name} is empty; leave it out to mean any", name)
        if name == "status":
            found[name] = values
        elif len(values) > 1:
            raise ApiError(400, f"{name}: give it once", name)
        else:
            found[name] = values[0]
    return found


def _text(args: dict[str, Any], name: str, longest: int) -> str | None:
    return arguments.plain_text(name, args.get(name), longest)


def _day(args: dict[str, Any], name: str) -> date | None:
    return arguments.day(name, args.get(name))


def _whole(args: dict[str, Any], name: str, default: int, highest: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]{1,7}", value) or not 1 <= int(value) <= highest:
        raise ApiError(400, f"{name} must be a whole number from 1 to {highest:,}, got "
                      f"{value[:20]!r}", name)
    return int(value)


def _page(args: dict[str, Any]) -> tuple[int, int]:

    return (_whole(args, "page", 1, MAX_PAGE),
            _whole(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE))


def _paged(total: int, page: int, per_page: int, endpoint: str, filters: dict[str, Any],
           **body: Any) -> dict[str, Any]:
    pages = max(1, -(-total // per_page))
    links: dict[str, str | None] = {"next": None, "previous": None}
    if page < pages:
        links["next"] = url_for(endpoint, page=page + 1, per_page=per_page, **filters)
    if page > 1:
        links["previous"] = url_for(endpoint, page=min(page - 1, pages), per_page=per_page,
                                    **filters)
    return {**body, "total": total, "page": page, "per_page": per_page, "pages": pages,
            "links": links}


def _standing_item(row: people.PersonRow) -> dict[str, Any]:
    return {
        "reference": row.reference, "name": row.name, "unit": row.unit,
        "role": row.role_code, "role_name": row.role_name, "status": row.status.value,
        "done_minutes": row.done_minutes, "target_minutes": row.target_minutes,
        "percent": row.percent, "framework": row.framework, "version": row.version,
        "cycle_start": row.cycle_start.isoformat(), "cycle_end": row.cycle_end.isoformat(),
        "due": row.due_on.isoformat(),
        "next_due": row.next_due_on.isoformat() if row.next_due_on else None,
        "last_activity": row.last_activity_on.isoformat() if row.last_activity_on else None,
        "next_step": row.next_step,
        "last_cycle": ({"end": row.last_cycle_end.isoformat(), "outcome": row.last_outcome}
                       if row.last_outcome and row.last_cycle_end else None),
    }


def _roles_of(session: Any, activity_ids: list[int]) -> dict[int, list[str]]:
    if not activity_ids:
        return {}
    found: dict[int, list[str]] = {}
    for activity_id, code in session.execute(
            sa.select(activity_role.c.activity_id, Role.code)
            .join(Role, Role.id == activity_role.c.role_id)
            .where(activity_role.c.activity_id.in_(activity_ids)).order_by(Role.code)):
        found.setdefault(activity_id, []).append(code)
    return found


def _activity_item(activity: Activity, reference: str, roles: list[str],
                   names: dict[str, str]) -> dict[str, Any]:
    state = get_state()
    return {
        "id": activity.id, "statement_id": activity.statement_id, "reference": reference,
        "date": activity.activity_date.isoformat(), "title": activity.title,
        "minutes": activity.minutes, "category": activity.category,
        "category_name": state.category_label(activity.category), "kind": activity.kind,
        "kind_name": names.get(activity.kind, activity.kind) if activity.kind else None,
        "item": activity.item,
        "item_name": names.get(activity.item, activity.item) if activity.item else None,
        "participatory": activity.participatory,
        "verification": activity.verification, "roles": roles,
        "recorded_at": activity.recorded_at.isoformat(),
    }

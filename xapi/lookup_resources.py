"""The read-only resources: Agents, Activities and About (Communication 2.4, 2.5, 2.8).

They answer what the LRS knows: an activity's canonical definition (merged from the statements
that defined it), a Person object gathering the names an agent has been seen under, and which
xAPI versions this LRS speaks. About needs no credentials, so it is served without a
:class:`xapi.calls.Call`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.orm import Session

from xapi.agents import IFIS, actor_key
from xapi.calls import (
    SUPPORTED_VERSIONS,
    ApiError,
    Call,
    agent_param,
    error_response,
    iri_param,
    json_response,
)
from xapi.models import StatementRecord
from xapi.store import StatementStore

__all__ = ["about", "activities", "agents"]


def activities(call: Call, session: Session) -> Response:
    """The Activities resource: the Activity object with the LRS's canonical definition."""
    if call.method not in ("GET", "HEAD"):
        raise ApiError(405, f"{call.method} is not allowed on the activities resource")
    call.only("activityId")
    activity_id = iri_param(call, "activityId", required=True)
    assert activity_id is not None
    return json_response(StatementStore(session).activity(activity_id))


def agents(call: Call, session: Session) -> Response:
    """The Agents resource: the Person object for an agent."""
    if call.method not in ("GET", "HEAD"):
        raise ApiError(405, f"{call.method} is not allowed on the agents resource")
    call.only("agent")
    agent = agent_param(call)
    assert agent is not None
    return json_response(_person(session, agent))


def _person(session: Session, agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object: the agent's identifiers and the names it has been seen under."""
    person: dict[str, Any] = {"objectType": "Person"}
    names = [agent["name"]] if "name" in agent else []
    seen = session.scalars(sa.select(StatementRecord.document).where(
        StatementRecord.actor_key == actor_key(agent)).order_by(
        StatementRecord.sequence.desc()).limit(20))
    for document in seen:
        name = document["actor"].get("name")
        if name and name not in names:
            names.append(name)
    if names:
        person["name"] = names
    for key in IFIS:
        if key in agent:
            person[key] = [agent[key]]
    return person


def about() -> Response:
    """The About resource (the Flask view itself): open to anyone, GET and HEAD only."""
    if request.method == "OPTIONS":
        return Response(status=204)
    if request.method not in ("GET", "HEAD"):
        return error_response(405, f"{request.method} is not allowed on the about resource",
                              {"Allow": "GET, HEAD, OPTIONS"})
    return json_response({"version": SUPPORTED_VERSIONS, "extensions": {}})

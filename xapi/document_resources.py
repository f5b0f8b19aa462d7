"""The document resources over HTTP: State, Agent Profile, Activity Profile (Communication 2.2-2.7).

Each resource only works out its scope (which activity, agent and registration the document
belongs to) from the call's parameters; reading, writing, merging and deleting are the same for
all three and are done once, by :func:`_document`, over :class:`xapi.documents.DocumentStore`.
The profile resources insist on concurrency headers for PUT (``If-Match``/``If-None-Match``);
State does not, as the specification allows.
"""

from __future__ import annotations

from flask import Response
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from xapi.agents import actor_key
from xapi.calls import (
    ApiError,
    Call,
    agent_param,
    iri_param,
    json_response,
    require_scope,
    timestamp_param,
    uuid_param,
)
from xapi.documents import ACTIVITY_PROFILE, AGENT_PROFILE, STATE, DocumentStore, Scope

__all__ = ["activity_profile", "agent_profile", "state"]


def state(call: Call, session: Session) -> Response:
    """The State resource: documents per activity, agent and (optionally) registration."""
    require_scope(call, "state", *(("all/read",) if call.method in ("GET", "HEAD") else ()))
    call.only("activityId", "agent", "registration", "stateId", "since")
    activity_id = iri_param(call, "activityId", required=True)
    agent = agent_param(call)
    assert agent is not None
    scope = Scope(STATE, activity_id=activity_id, agent_key=actor_key(agent),
                  registration=uuid_param(call, "registration"))
    return _document(call, session, scope, "stateId", concurrency=False)


def activity_profile(call: Call, session: Session) -> Response:
    """The Activity Profile resource: documents per activity."""
    require_scope(call, "profile", *(("all/read",) if call.method in ("GET", "HEAD") else ()))
    call.only("activityId", "profileId", "since")
    scope = Scope(ACTIVITY_PROFILE, activity_id=iri_param(call, "activityId", required=True))
    return _document(call, session, scope, "profileId", concurrency=True)


def agent_profile(call: Call, session: Session) -> Response:
    """The Agent Profile resource: documents per agent."""
    require_scope(call, "profile", *(("all/read",) if call.method in ("GET", "HEAD") else ()))
    call.only("agent", "profileId", "since")
    agent = agent_param(call)
    assert agent is not None
    scope = Scope(AGENT_PROFILE, agent_key=actor_key(agent))
    return _document(call, session, scope, "profileId", concurrency=True)


def _document(call: Call, session: Session, scope: Scope, id_name: str, *,
              concurrency: bool) -> Response:
    documents = DocumentStore(session)
    document_id = call.param(id_name)
    if call.method in ("GET", "HEAD"):
        if document_id is None:
            since = timestamp_param(call, "since")
            return json_response(documents.ids(scope, since))
        if "since" in call.params:
            raise ApiError(400, f"since: only lists documents, so it cannot be used with "
                                f"{id_name}")
        record = documents.get(scope, document_id)
        if record is None:
            raise ApiError(404, f"No document {document_id!r} here")
        response = Response(record.content, content_type=record.content_type)
        response.headers["ETag"] = f'"{record.etag}"'
        response.headers["Last-Modified"] = http_date(record.updated)
        return response
    if "since" in call.params:
        raise ApiError(400, f"since: is only for GET, not {call.method}")
    if call.method == "DELETE":
        if document_id is None and scope.resource != STATE:
            raise ApiError(400, f"{id_name}: this parameter is required")
        if document_id is not None:
            current = documents.get(scope, document_id)
            documents.check_preconditions(current, if_match=call.headers.get("If-Match"),
                                          if_none_match=call.headers.get("If-None-Match"),
                                          required=False)
        documents.delete(scope, document_id)
        session.commit()
        return Response(status=204)
    if document_id is None:
        raise ApiError(400, f"{id_name}: this parameter is required")
    current = documents.get(scope, document_id)
    documents.check_preconditions(current, if_match=call.headers.get("If-Match"),
                                  if_none_match=call.headers.get("If-None-Match"),
                                  required=concurrency and call.method == "PUT")
    content_type = call.content_type or "application/octet-stream"
    if call.method == "PUT":
        record = documents.put(scope, document_id, call.body, content_type)
    elif call.method == "POST":
        record = documents.merge(scope, document_id, call.body, content_type)
    else:
        raise ApiError(405, f"{call.method} is not allowed on this resource")
    session.commit()
    response = Response(status=204)
    response.headers["ETag"] = f'"{record.etag}"'
    return response

"""The Statements resource (Communication 2.1): PUT, POST and GET of statements.

Writes go through :class:`xapi.store.StatementStore`, with the host's listeners, in one
transaction per request: a batch is stored all or nothing. Reads are either one statement (by
``statementId`` or ``voidedStatementId``) or a query (:mod:`xapi.query`), in the ``exact``,
``ids`` or ``canonical`` format, with attachment content as ``multipart/mixed`` if asked for.
A client without a read-all scope (``statements/read/mine``) sees only what it stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import aniso8601
import sqlalchemy as sa
from flask import Response, url_for
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from xapi import attachments as multipart
from xapi import query as statement_query
from xapi import signatures
from xapi.agents import actor_key
from xapi.calls import (
    ApiError,
    Call,
    agent_param,
    bool_param,
    iri_param,
    json_body,
    json_response,
    now_text,
    require_scope,
    timestamp_param,
    uuid_param,
)
from xapi.clients import Client
from xapi.models import StatementRecord
from xapi.store import StatementListener, StatementStore
from xapi.validation import VOIDED_VERB

__all__ = ["statements"]

Listeners = Callable[[], Iterable[StatementListener]]


def statements(call: Call, session: Session, *, listeners: Listeners) -> Response:
    """Handle one call of the Statements resource; ``listeners`` gives the store's listeners."""
    if call.method in ("GET", "HEAD"):
        require_scope(call, "all/read", "statements/read", "statements/read/mine")
        return _get_statements(call, session)
    if call.method == "PUT":
        require_scope(call, "statements/write")
        return _put_statement(call, session, listeners)
    if call.method == "POST":
        require_scope(call, "statements/write")
        return _post_statements(call, session, listeners)
    raise ApiError(405, f"{call.method} is not allowed on the statements resource")


# --- writing --------------------------------------------------------------------------------


def _body_statements(call: Call) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    mimetype = call.content_type.split(";")[0].strip().lower()
    if mimetype == "multipart/mixed":
        return multipart.statements_and_attachments(call.body, call.content_type)
    if mimetype != "application/json":
        raise ApiError(400, f"Content-Type: statements must be sent as application/json or "
                            f"multipart/mixed, not {call.content_type or 'nothing'}")
    return json_body(call), {}


def _store(statements: list[Any], call: Call, session: Session, listeners: Listeners,
           attachments: dict[str, tuple[str, bytes]], *, single: bool) -> list[dict[str, Any]]:
    assert call.client is not None
    multipart.check_declared(statements, attachments, single=single)
    signatures.check(statements, attachments, single=single)
    _check_voiding_rights(session, statements, call.client)
    for attempt in (1, 2):
        store = StatementStore(session, listeners=listeners())
        try:
            stored = store.add_many(statements, authority=call.client.authority,
                                    attachments=attachments)
            session.commit()
            return stored
        except sa.exc.IntegrityError:
            # Someone stored the same id between our check and our insert: look again.
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _check_voiding_rights(session: Session, statements: list[Any], client: Client) -> None:
    """A client may void only statements stored under its own authority.

    The spec leaves who may void what to the LRS. Records one system stored (an officer's
    own CPD, a lead's decision) must not be undone by another system's credentials.
    """
    targets = {}
    for i, statement in enumerate(statements):
        if (isinstance(statement, dict) and isinstance(statement.get("verb"), dict)
                and statement["verb"].get("id") == VOIDED_VERB
                and isinstance(statement.get("object"), dict)
                and isinstance(statement["object"].get("id"), str)):
            targets[statement["object"]["id"].lower()] = i
    if not targets:
        return
    rows = session.execute(sa.select(StatementRecord.id, StatementRecord.authority_key)
                           .where(StatementRecord.id.in_(list(targets))))
    own = actor_key(client.authority)
    for row in rows:
        if row.authority_key != own:
            raise ApiError(403, f"object.id: statement {row.id} was stored by another "
                                "client or by the library; only its author may void it")


def _put_statement(call: Call, session: Session, listeners: Listeners) -> Response:
    call.only("statementId")
    statement_id = uuid_param(call, "statementId", required=True)
    body, attachments = _body_statements(call)
    if not isinstance(body, dict):
        raise ApiError(400, "body: PUT takes one statement (a JSON object)")
    if "id" in body and str(body["id"]).lower() != statement_id:
        raise ApiError(400, f"id: {body['id']!r} differs from statementId {statement_id}")
    body = {**body, "id": statement_id}
    _store([body], call, session, listeners, attachments, single=True)
    return Response(status=204)


def _post_statements(call: Call, session: Session, listeners: Listeners) -> Response:
    call.only()
    body, attachments = _body_statements(call)
    single = isinstance(body, dict)
    statements = [body] if single else body
    if not isinstance(statements, list):
        raise ApiError(400, "body: must be a statement or an array of statements")
    if not statements:
        raise ApiError(400, "body: the array holds no statements")
    stored = _store(statements, call, session, listeners, attachments, single=single)
    return json_response([document["id"] for document in stored])


# --- reading --------------------------------------------------------------------------------


def _get_statements(call: Call, session: Session) -> Response:
    store = StatementStore(session)
    if "statementId" in call.params or "voidedStatementId" in call.params:
        return _get_one(call, store)
    if "more" in call.params:
        call.only("more")
        try:
            query = statement_query.StatementQuery.from_token(call.params["more"])
        except ValueError as error:
            raise ApiError(400, f"more: {error}") from None
    else:
        query = _parse_query(call)
    assert call.client is not None
    if not call.client.may("all/read", "statements/read"):
        query = replace(query, authority_key=actor_key(call.client.authority))
    consistent = now_text()
    documents, following = statement_query.run(session, query)
    documents = _formatted(documents, query.format, call, store)
    more = url_for(".statements", more=following.token()) if following else ""
    payload = {"statements": documents, "more": more}
    response = _with_attachments(payload, documents, query.attachments, store)
    response.headers["X-Experience-API-Consistent-Through"] = consistent
    return response


def _parse_query(call: Call) -> statement_query.StatementQuery:
    call.only("agent", "verb", "activity", "registration", "related_activities",
              "related_agents", "since", "until", "limit", "format", "attachments",
              "ascending")
    agent = agent_param(call, required=False)
    limit_text = call.param("limit") or "0"
    if not limit_text.isdigit():
        raise ApiError(400, f"limit: {limit_text!r} is not a whole number of 0 or more")
    return statement_query.StatementQuery(
        agent_key=actor_key(agent) if agent is not None else None,
        verb=iri_param(call, "verb"),
        activity=iri_param(call, "activity"),
        registration=uuid_param(call, "registration"),
        related_activities=bool_param(call, "related_activities"),
        related_agents=bool_param(call, "related_agents"),
        since=timestamp_param(call, "since"),
        until=timestamp_param(call, "until"),
        limit=int(limit_text),
        ascending=bool_param(call, "ascending"),
        format=_format_param(call),
        attachments=bool_param(call, "attachments"),
    )


def _format_param(call: Call) -> str:
    value = call.param("format") or "exact"
    if value not in statement_query.FORMATS:
        raise ApiError(400, f"format: {value!r} is not one of "
                            f"{', '.join(statement_query.FORMATS)}")
    return value


def _get_one(call: Call, store: StatementStore) -> Response:
    call.only("statementId", "voidedStatementId", "format", "attachments")
    if "statementId" in call.params and "voidedStatementId" in call.params:
        raise ApiError(400, "statementId and voidedStatementId cannot be used together")
    voided = "voidedStatementId" in call.params
    statement_id = uuid_param(call, "voidedStatementId" if voided else "statementId")
    assert statement_id is not None and call.client is not None
    document = store.get_voided(statement_id) if voided else store.get(statement_id)
    if (document is not None and not call.client.may("all/read", "statements/read")
            and actor_key(document["authority"]) != actor_key(call.client.authority)):
        document = None
    if document is None:
        raise ApiError(404, f"No {'voided ' if voided else ''}statement {statement_id}")
    formatted = _formatted([document], _format_param(call), call, store)[0]
    response = _with_attachments(formatted, [formatted], bool_param(call, "attachments"), store)
    response.headers["X-Experience-API-Consistent-Through"] = now_text()
    response.headers["Last-Modified"] = http_date(
        aniso8601.parse_datetime(document["stored"]))
    return response


def _formatted(documents: list[dict[str, Any]], format: str, call: Call,
               store: StatementStore) -> list[dict[str, Any]]:
    if format == "ids":
        return [statement_query.as_ids(document) for document in documents]
    if format == "canonical":
        definitions = store.definitions(statement_query.activity_ids(documents))
        languages = statement_query.accepted_languages(call.headers.get("Accept-Language"))
        return [statement_query.as_canonical(document, definitions, languages)
                for document in documents]
    return documents


def _with_attachments(payload: Any, documents: list[dict[str, Any]], wanted: bool,
                      store: StatementStore) -> Response:
    if not wanted:
        return json_response(payload)
    parts = []
    seen = set()
    for _, attachment in multipart.declared(documents):
        sha2 = str(attachment.get("sha2", "")).lower()
        if sha2 in seen:
            continue
        record = store.attachment(sha2)
        if record is not None:
            seen.add(sha2)
            parts.append((attachment["sha2"], record.content_type, record.content))
    body, content_type = multipart.multipart_body(payload, parts)
    return Response(body, content_type=content_type)

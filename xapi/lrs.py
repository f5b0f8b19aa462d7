"""The LRS HTTP API as a Flask blueprint (xAPI 1.0.3, Communication part).

``LRS(session=..., listeners=...).blueprint()`` serves Statements, State, Activity Profile,
Agent Profile, Activities, Agents and About under whatever prefix the host mounts it at. It
knows nothing of CPD: the host passes the listeners that keep its read models in step, and they
run inside the same transaction as the statements they derive from.

Every request is first turned into a :class:`Call` (method, parameters, headers, body), whether
it came normally or through the alternate request syntax (a POST with ``?method=``), so each
resource is written once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

import aniso8601
import sqlalchemy as sa
from flask import Blueprint, Response, request, url_for
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers
from werkzeug.http import http_date

from xapi import attachments as multipart
from xapi import query as statement_query
from xapi import signatures
from xapi.clients import Client, authenticate
from xapi.documents import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    DocumentError,
    DocumentStore,
    Scope,
)
from xapi.models import StatementRecord
from xapi.store import StatementConflict, StatementListener, StatementStore, actor_key
from xapi.validation import (
    VOIDED_VERB,
    StatementInvalid,
    validate_agent_parameter,
    validate_iri,
    validate_timestamp,
    validate_uuid,
)

VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
_VERSION_HEADER = re.compile(r"^1\.0(\.\d+)?$")
_ALTERNATE_HEADERS = ("Authorization", "X-Experience-API-Version", "Content-Type",
                      "Content-Length", "If-Match", "If-None-Match", "Accept-Language")
_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": ("Authorization, Content-Type, X-Experience-API-Version, "
                                     "If-Match, If-None-Match, Accept-Language"),
    "Access-Control-Expose-Headers": ("ETag, Last-Modified, X-Experience-API-Version, "
                                      "X-Experience-API-Consistent-Through"),
}


class ApiError(Exception):
    """An HTTP error with a message for the caller (plain text, naming what was wrong)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class Call:
    """One API call, however it was sent."""

    method: str
    params: dict[str, str]
    headers: Headers
    body: bytes
    content_type: str
    client: Client | None = None

    def param(self, name: str, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value is None and required:
            raise ApiError(400, f"{name}: this parameter is required")
        return value

    def only(self, *allowed: str) -> None:
        unknown = sorted(set(self.params) - set(allowed))
        if unknown:
            raise ApiError(400, f"{unknown[0]}: is not a parameter of this request (allowed: "
                                f"{', '.join(allowed) or 'none'})")


def _single(multi: Any) -> dict[str, str]:
    params: dict[str, str] = {}
    for key in multi:
        values = multi.getlist(key)
        if len(values) > 1:
            raise ApiError(400, f"{key}: is given {len(values)} times; give it once")
        params[key] = values[0]
    return params


def _incoming_call() -> Call:
    """The request as a :class:`Call`, unpacking the alternate request syntax if used."""
    if request.method == "POST" and "method" in request.args:
        if set(request.args) != {"method"}:
            extra = sorted(set(request.args) - {"method"})[0]
            raise ApiError(400, f"{extra}: with the alternate request syntax every parameter "
                                "but method goes in the form body")
        method = request.args["method"].upper()
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise ApiError(400, f"method: {request.args['method']!r} is not GET, HEAD, PUT, "
                                "POST or DELETE")
        if request.mimetype != "application/x-www-form-urlencoded":
            raise ApiError(400, "Content-Type: the alternate request syntax must be sent as "
                                "application/x-www-form-urlencoded")
        form = _single(request.form)
        # Headers sent as headers still count; form fields of the listed names override them.
        headers = Headers([(key, value) for key, value in request.headers.items()
                           if key.lower() not in ("content-type", "content-length")])
        for name in _ALTERNATE_HEADERS:
            for key in list(form):
                if key.lower() == name.lower():
                    headers[name] = form.pop(key)
        body = form.pop("content", "").encode("utf-8")
        return Call(method=method, params=form, headers=headers, body=body,
                    content_type=headers.get("Content-Type", "application/json"))
    return Call(method=request.method, params=_single(request.args), headers=request.headers,
                body=request.get_data(), content_type=request.headers.get("Content-Type", ""))


def _authenticate(session: Session, call: Call) -> Client:
    header = call.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Basic realm="xAPI"'}
    if scheme.lower() != "basic" or not credentials:
        raise ApiError(401, "This LRS needs HTTP Basic credentials of an LRS client.", challenge)
    try:
        name, _, secret = base64.b64decode(credentials.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, "The Authorization header is not valid HTTP Basic.",
                       challenge) from None
    client = authenticate(session, name, secret)
    if client is None:
        raise ApiError(401, "Unknown client or wrong secret.", challenge)
    return client


def _require_scope(call: Call, *scopes: str) -> None:
    assert call.client is not None
    if not call.client.may(*scopes):
        raise ApiError(403, f"The client {call.client.name!r} may not do this; it needs one of "
                            f"the scopes {', '.join(('all', *scopes))}.")


def _json_body(call: Call, what: str = "body") -> Any:
    try:
        return json.loads(call.body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, f"{what}: is not valid JSON ({error})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _timestamp_param(call: Call, name: str) -> datetime | None:
    value = call.param(name)
    if value is None:
        return None
    try:
        validate_timestamp(value, name)
        moment = aniso8601.parse_datetime(value)
    except StatementInvalid as error:
        raise ApiError(400, str(error)) from None
    except (ValueError, NotImplementedError):
        raise ApiError(400, f"{name}: {value!r} is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _agent_param(call: Call, name: str = "agent", required: bool = True) -> dict[str, Any] | None:
    raw = call.param(name, required=required)
    if raw is None:
        return None
    try:
        agent = json.loads(raw)
    except ValueError:
        raise ApiError(400, f"{name}: is not valid JSON") from None
    try:
        validate_agent_parameter(agent, name)
    except StatementInvalid as error:
        raise ApiError(400, str(error)) from None
    return agent


def _bool_param(call: Call, name: str) -> bool:
    value = call.param(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise ApiError(400, f"{name}: must be true or false, got {value!r}")
    return value.lower() == "true"


def _iri_param(call: Call, name: str, required: bool = False) -> str | None:
    value = call.param(name, required=required)
    if value is not None:
        validate_iri(value, name)  # StatementInvalid: a 400 naming the parameter
    return value


def _uuid_param(call: Call, name: str, required: bool = False) -> str | None:
    value = call.param(name, required=required)
    if value is None:
        return None
    validate_uuid(value, name)
    return value.lower()


def _now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LRS:
    """A learning record store API over the host's SQLAlchemy session.

    :param session: returns the session to use for the current request (the host's).
    :param listeners: returns the statement listeners for the current app (read models,
        forwarding), called per request so they can depend on the app's configuration.
    :param name: the blueprint's name.
    """

    def __init__(self, *, session: Callable[[], Session],
                 listeners: Callable[[], Iterable[StatementListener]] = tuple,
                 name: str = "xapi") -> None:
        self.session = session
        self.listeners = listeners
        self.name = name

    def blueprint(self) -> Blueprint:
        """The API as a blueprint; register it with ``url_prefix`` where it should live."""
        bp = Blueprint(self.name, __name__)
        routes: dict[str, Callable[[Call], Response]] = {
            "/statements": self._statements,
            "/activities/state": self._state,
            "/activities/profile": self._activity_profile,
            "/agents/profile": self._agent_profile,
            "/activities": self._activities,
            "/agents": self._agents,
        }
        for path, handler in routes.items():
            endpoint = path.strip("/").replace("/", "_")
            bp.add_url_rule(path, endpoint, self._dispatch(handler),
                            methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
                            provide_automatic_options=False)
        bp.add_url_rule("/about", "about", self._about,
                        methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
                        provide_automatic_options=False)

        @bp.after_request
        def _headers(response: Response) -> Response:
            response.headers["X-Experience-API-Version"] = VERSION
            if request.endpoint == f"{self.name}.statements":
                # On every statements response, errors included (XAPI-00153).
                response.headers.setdefault("X-Experience-API-Consistent-Through", _now_text())
            for key, value in _CORS_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return bp

    # --- plumbing ---------------------------------------------------------------------------

    def _dispatch(self, handler: Callable[[Call], Response]) -> Callable[[], Response]:
        def view() -> Response:
            if request.method == "OPTIONS":
                return Response(status=204)
            session = self.session()
            try:
                call = _incoming_call()
                client = _authenticate(session, call)
                version = call.headers.get("X-Experience-API-Version")
                if version is None:
                    raise ApiError(400, "X-Experience-API-Version: this header is required "
                                        f"(this LRS speaks {VERSION})")
                if not _VERSION_HEADER.match(version.strip()):
                    raise ApiError(400, f"X-Experience-API-Version: {version!r} is not supported "
                                        f"(this LRS speaks {', '.join(SUPPORTED_VERSIONS)})")
                response = handler(replace(call, client=client))
                if call.method == "HEAD" and request.method != "HEAD":
                    response.set_data(b"")  # HEAD through the alternate syntax
                return response
            except ApiError as error:
                session.rollback()
                return _error(error.status, error.message, error.headers)
            except StatementInvalid as error:
                session.rollback()
                return _error(400, str(error))
            except StatementConflict as error:
                session.rollback()
                return _error(409, str(error))
            except DocumentError as error:
                session.rollback()
                return _error(error.status, error.message)
            except Exception:
                session.rollback()
                raise

        view.__name__ = handler.__name__
        return view

    def _about(self) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.method not in ("GET", "HEAD"):
            return _error(405, f"{request.method} is not allowed on the about resource",
                          {"Allow": "GET, HEAD, OPTIONS"})
        return _json({"version": SUPPORTED_VERSIONS, "extensions": {}})

    # --- statements -------------------------------------------------------------------------

    def _statements(self, call: Call) -> Response:
        if call.method in ("GET", "HEAD"):
            _require_scope(call, "all/read", "statements/read", "statements/read/mine")
            return self._get_statements(call)
        if call.method == "PUT":
            _require_scope(call, "statements/write")
            return self._put_statement(call)
        if call.method == "POST":
            _require_scope(call, "statements/write")
            return self._post_statements(call)
        raise ApiError(405, f"{call.method} is not allowed on the statements resource")

    def _body_statements(self, call: Call) -> tuple[Any, dict[str, tuple[str, bytes]]]:
        mimetype = call.content_type.split(";")[0].strip().lower()
        if mimetype == "multipart/mixed":
            return multipart.statements_and_attachments(call.body, call.content_type)
        if mimetype != "application/json":
            raise ApiError(400, f"Content-Type: statements must be sent as application/json or "
                                f"multipart/mixed, not {call.content_type or 'nothing'}")
        return _json_body(call), {}

    def _store(self, statements: list[Any], call: Call,
               attachments: dict[str, tuple[str, bytes]], *, single: bool) -> list[dict[str, Any]]:
        assert call.client is not None
        multipart.check_declared(statements, attachments, single=single)
        signatures.check(statements, attachments, single=single)
        session = self.session()
        self._check_voiding_rights(session, statements, call.client)
        for attempt in (1, 2):
            store = StatementStore(session, listeners=self.listeners())
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

    @staticmethod
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

    def _put_statement(self, call: Call) -> Response:
        call.only("statementId")
        statement_id = _uuid_param(call, "statementId", required=True)
        body, attachments = self._body_statements(call)
        if not isinstance(body, dict):
            raise ApiError(400, "body: PUT takes one statement (a JSON object)")
        if "id" in body and str(body["id"]).lower() != statement_id:
            raise ApiError(400, f"id: {body['id']!r} differs from statementId {statement_id}")
        body = {**body, "id": statement_id}
        self._store([body], call, attachments, single=True)
        return Response(status=204)

    def _post_statements(self, call: Call) -> Response:
        call.only()
        body, attachments = self._body_statements(call)
        single = isinstance(body, dict)
        statements = [body] if single else body
        if not isinstance(statements, list):
            raise ApiError(400, "body: must be a statement or an array of statements")
        if not statements:
            raise ApiError(400, "body: the array holds no statements")
        stored = self._store(statements, call, attachments, single=single)
        return _json([document["id"] for document in stored])

    def _get_statements(self, call: Call) -> Response:
        session = self.session()
        store = StatementStore(session)
        if "statementId" in call.params or "voidedStatementId" in call.params:
            return self._get_one(call, store)
        if "more" in call.params:
            call.only("more")
            try:
                query = statement_query.StatementQuery.from_token(call.params["more"])
            except ValueError as error:
                raise ApiError(400, f"more: {error}") from None
        else:
            query = self._parse_query(call)
        assert call.client is not None
        if not call.client.may("all/read", "statements/read"):
            query = replace(query, authority_key=actor_key(call.client.authority))
        consistent = _now_text()
        documents, following = statement_query.run(session, query)
        documents = self._formatted(documents, query.format, call, store)
        more = url_for(f".{'statements'}", more=following.token()) if following else ""
        payload = {"statements": documents, "more": more}
        response = self._with_attachments(payload, documents, query.attachments, store)
        response.headers["X-Experience-API-Consistent-Through"] = consistent
        return response

    def _parse_query(self, call: Call) -> statement_query.StatementQuery:
        call.only("agent", "verb", "activity", "registration", "related_activities",
                  "related_agents", "since", "until", "limit", "format", "attachments",
                  "ascending")
        agent = _agent_param(call, required=False)
        limit_text = call.param("limit") or "0"
        if not limit_text.isdigit():
            raise ApiError(400, f"limit: {limit_text!r} is not a whole number of 0 or more")
        return statement_query.StatementQuery(
            agent_key=actor_key(agent) if agent is not None else None,
            verb=_iri_param(call, "verb"),
            activity=_iri_param(call, "activity"),
            registration=_uuid_param(call, "registration"),
            related_activities=_bool_param(call, "related_activities"),
            related_agents=_bool_param(call, "related_agents"),
            since=_timestamp_param(call, "since"),
            until=_timestamp_param(call, "until"),
            limit=int(limit_text),
            ascending=_bool_param(call, "ascending"),
            format=self._format_param(call),
            attachments=_bool_param(call, "attachments"),
        )

    @staticmethod
    def _format_param(call: Call) -> str:
        value = call.param("format") or "exact"
        if value not in statement_query.FORMATS:
            raise ApiError(400, f"format: {value!r} is not one of "
                                f"{', '.join(statement_query.FORMATS)}")
        return value

    def _get_one(self, call: Call, store: StatementStore) -> Response:
        call.only("statementId", "voidedStatementId", "format", "attachments")
        if "statementId" in call.params and "voidedStatementId" in call.params:
            raise ApiError(400, "statementId and voidedStatementId cannot be used together")
        voided = "voidedStatementId" in call.params
        statement_id = _uuid_param(call, "voidedStatementId" if voided else "statementId")
        assert statement_id is not None and call.client is not None
        document = store.get_voided(statement_id) if voided else store.get(statement_id)
        if (document is not None and not call.client.may("all/read", "statements/read")
                and actor_key(document["authority"]) != actor_key(call.client.authority)):
            document = None
        if document is None:
            raise ApiError(404, f"No {'voided ' if voided else ''}statement {statement_id}")
        formatted = self._formatted([document], self._format_param(call), call, store)[0]
        response = self._with_attachments(formatted, [formatted],
                                          _bool_param(call, "attachments"), store)
        response.headers["X-Experience-API-Consistent-Through"] = _now_text()
        response.headers["Last-Modified"] = http_date(
            aniso8601.parse_datetime(document["stored"]))
        return response

    @staticmethod
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

    @staticmethod
    def _with_attachments(payload: Any, documents: list[dict[str, Any]], wanted: bool,
                          store: StatementStore) -> Response:
        if not wanted:
            return _json(payload)
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

    # --- documents --------------------------------------------------------------------------

    def _state(self, call: Call) -> Response:
        _require_scope(call, "state", *(("all/read",) if call.method in ("GET", "HEAD") else ()))
        call.only("activityId", "agent", "registration", "stateId", "since")
        activity_id = _iri_param(call, "activityId", required=True)
        agent = _agent_param(call)
        assert agent is not None
        scope = Scope(STATE, activity_id=activity_id, agent_key=actor_key(agent),
                      registration=_uuid_param(call, "registration"))
        return self._document(call, scope, "stateId", concurrency=False)

    def _activity_profile(self, call: Call) -> Response:
        _require_scope(call, "profile", *(("all/read",) if call.method in ("GET", "HEAD")
                                          else ()))
        call.only("activityId", "profileId", "since")
        scope = Scope(ACTIVITY_PROFILE, activity_id=_iri_param(call, "activityId",
                                                               required=True))
        return self._document(call, scope, "profileId", concurrency=True)

    def _agent_profile(self, call: Call) -> Response:
        _require_scope(call, "profile", *(("all/read",) if call.method in ("GET", "HEAD")
                                          else ()))
        call.only("agent", "profileId", "since")
        agent = _agent_param(call)
        assert agent is not None
        scope = Scope(AGENT_PROFILE, agent_key=actor_key(agent))
        return self._document(call, scope, "profileId", concurrency=True)

    def _document(self, call: Call, scope: Scope, id_name: str, *, concurrency: bool) -> Response:
        session = self.session()
        documents = DocumentStore(session)
        document_id = call.param(id_name)
        if call.method in ("GET", "HEAD"):
            if document_id is None:
                since = _timestamp_param(call, "since")
                return _json(documents.ids(scope, since))
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

    # --- activities and agents --------------------------------------------------------------

    def _activities(self, call: Call) -> Response:
        if call.method not in ("GET", "HEAD"):
            raise ApiError(405, f"{call.method} is not allowed on the activities resource")
        call.only("activityId")
        activity_id = _iri_param(call, "activityId", required=True)
        assert activity_id is not None
        return _json(StatementStore(self.session()).activity(activity_id))

    def _agents(self, call: Call) -> Response:
        if call.method not in ("GET", "HEAD"):
            raise ApiError(405, f"{call.method} is not allowed on the agents resource")
        call.only("agent")
        agent = _agent_param(call)
        assert agent is not None
        return _json(self._person(agent))

    def _person(self, agent: dict[str, Any]) -> dict[str, Any]:
        """The Person object: the agent's identifiers and the names it has been seen under."""
        person: dict[str, Any] = {"objectType": "Person"}
        names = [agent["name"]] if "name" in agent else []
        session = self.session()
        seen = session.scalars(sa.select(StatementRecord.document).where(
            StatementRecord.actor_key == actor_key(agent)).order_by(
            StatementRecord.sequence.desc()).limit(20))
        for document in seen:
            name = document["actor"].get("name")
            if name and name not in names:
                names.append(name)
        if names:
            person["name"] = names
        for key in ("mbox", "mbox_sha1sum", "openid", "account"):
            if key in agent:
                person[key] = [agent[key]]
        return person


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response

"""The LRS HTTP API as a Flask blueprint (xAPI 1.0.3, Communication part).

``LRS(session=..., listeners=...).blueprint()`` serves Statements, State, Activity Profile,
Agent Profile, Activities, Agents and About under whatever prefix the host mounts it at. It
knows nothing of CPD: the host passes the listeners that keep its read models in step, and they
run inside the same transaction as the statements they derive from.

This module only assembles the API. Every route goes through one dispatcher, which turns the
request into a :class:`xapi.calls.Call`, authenticates it, checks the version header, hands it
to the resource's handler (:mod:`xapi.statement_resource`, :mod:`xapi.document_resources`,
:mod:`xapi.lookup_resources`) and turns the errors they raise into replies, rolling the
session back. The headers every reply carries (version, consistency, CORS) are added here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session

from xapi import document_resources, lookup_resources, statement_resource
from xapi.calls import (
    SUPPORTED_VERSIONS,
    VERSION,
    ApiError,
    Call,
    authenticate_call,
    check_version,
    error_response,
    incoming_call,
    now_text,
)
from xapi.documents import DocumentError
from xapi.grammar import StatementInvalid
from xapi.store import StatementConflict, StatementListener

__all__ = ["LRS", "SUPPORTED_VERSIONS", "VERSION", "Handler"]

#: A resource handler: the call (authenticated, version checked) and the request's session.
Handler = Callable[[Call, Session], Response]

_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]
_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": ("Authorization, Content-Type, X-Experience-API-Version, "
                                     "If-Match, If-None-Match, Accept-Language"),
    "Access-Control-Expose-Headers": ("ETag, Last-Modified, X-Experience-API-Version, "
                                      "X-Experience-API-Consistent-Through"),
}


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
        routes: dict[str, Handler] = {
            "/statements": partial(statement_resource.statements, listeners=self.listeners),
            "/activities/state": document_resources.state,
            "/activities/profile": document_resources.activity_profile,
            "/agents/profile": document_resources.agent_profile,
            "/activities": lookup_resources.activities,
            "/agents": lookup_resources.agents,
        }
        for path, handler in routes.items():
            endpoint = path.strip("/").replace("/", "_")
            bp.add_url_rule(path, endpoint, self._dispatch(handler, endpoint), methods=_METHODS,
                            provide_automatic_options=False)
        bp.add_url_rule("/about", "about", lookup_resources.about, methods=_METHODS,
                        provide_automatic_options=False)

        @bp.after_request
        def _headers(response: Response) -> Response:
            response.headers["X-Experience-API-Version"] = VERSION
            if request.endpoint == f"{self.name}.statements":
                # On every statements response, errors included (XAPI-00153).
                response.headers.setdefault("X-Experience-API-Consistent-Through", now_text())
            for key, value in _CORS_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return bp

    def _dispatch(self, handler: Handler, endpoint: str) -> Callable[[], Response]:
        """The Flask view of one resource: a Call in, a Response out, errors as replies."""

        def view() -> Response:
            if request.method == "OPTIONS":
                return Response(status=204)
            session = self.session()
            try:
                call = incoming_call()
                client = authenticate_call(session, call)
                check_version(call)
                response = handler(replace(call, client=client), session)
                if call.method == "HEAD" and request.method != "HEAD":
                    response.set_data(b"")  # HEAD through the alternate syntax
                return response
            except ApiError as error:
                session.rollback()
                return error_response(error.status, error.message, error.headers)
            except StatementInvalid as error:
                session.rollback()
                return error_response(400, str(error))
            except StatementConflict as error:
                session.rollback()
                return error_response(409, str(error))
            except DocumentError as error:
                session.rollback()
                return error_response(error.status, error.message)
            except Exception:
                session.rollback()
                raise

        view.__name__ = endpoint
        return view

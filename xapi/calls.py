"""One call of the LRS API, however it was sent: normalisation, credentials, parameters, replies.

Every request is first turned into a :class:`Call` (method, parameters, headers, body), whether
it came normally or through the alternate request syntax (a POST with ``?method=``), so each
resource handler is written once, against a :class:`Call`. This module also holds what every
handler shares: checking the HTTP Basic credentials, the version header and the client's scope,
reading the body and the typed parameters (an agent, an IRI, a UUID, a timestamp, a boolean),
and writing the JSON and plain-text replies. A problem with the call is an :class:`ApiError`,
carrying the HTTP status and a message that names the parameter or header at fault.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aniso8601
from flask import Response, request
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

from xapi.agents import validate_agent_parameter
from xapi.clients import Client, authenticate
from xapi.grammar import StatementInvalid, validate_iri, validate_timestamp, validate_uuid

__all__ = [
    "SUPPORTED_VERSIONS",
    "VERSION",
    "ApiError",
    "Call",
    "agent_param",
    "authenticate_call",
    "bool_param",
    "check_version",
    "error_response",
    "incoming_call",
    "iri_param",
    "json_body",
    "json_response",
    "now_text",
    "require_scope",
    "timestamp_param",
    "uuid_param",
]

VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
_VERSION_HEADER = re.compile(r"^1\.0(\.\d+)?$")
_ALTERNATE_HEADERS = ("Authorization", "X-Experience-API-Version", "Content-Type",
                      "Content-Length", "If-Match", "If-None-Match", "Accept-Language")


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
        """A parameter's value; a 400 naming it if it is ``required`` and missing."""
        value = self.params.get(name)
        if value is None and required:
            raise ApiError(400, f"{name}: this parameter is required")
        return value

    def only(self, *allowed: str) -> None:
        """Refuse (400) a parameter the resource does not take, rather than ignore it."""
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


def incoming_call() -> Call:
    """The current request as a :class:`Call`, unpacking the alternate request syntax if used."""
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


def authenticate_call(session: Session, call: Call) -> Client:
    """The LRS client whose HTTP Basic credentials the call carries; 401 otherwise."""
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


def check_version(call: Call) -> None:
    """Every call names the xAPI version it speaks, and it must be a 1.0.x (400 otherwise)."""
    version = call.headers.get("X-Experience-API-Version")
    if version is None:
        raise ApiError(400, "X-Experience-API-Version: this header is required "
                            f"(this LRS speaks {VERSION})")
    if not _VERSION_HEADER.match(version.strip()):
        raise ApiError(400, f"X-Experience-API-Version: {version!r} is not supported "
                            f"(this LRS speaks {', '.join(SUPPORTED_VERSIONS)})")


def require_scope(call: Call, *scopes: str) -> None:
    """403 unless the authenticated client holds ``all`` or one of ``scopes``."""
    assert call.client is not None
    if not call.client.may(*scopes):
        raise ApiError(403, f"The client {call.client.name!r} may not do this; it needs one of "
                            f"the scopes {', '.join(('all', *scopes))}.")


def json_body(call: Call, what: str = "body") -> Any:
    """The body as JSON (NaN and Infinity are not JSON); 400 naming ``what`` otherwise."""
    try:
        return json.loads(call.body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, f"{what}: is not valid JSON ({error})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def timestamp_param(call: Call, name: str) -> datetime | None:
    """An ISO 8601 timestamp parameter as an aware datetime (UTC if it has no offset)."""
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


def agent_param(call: Call, name: str = "agent", required: bool = True) -> dict[str, Any] | None:
    """An Agent (or identified Group) parameter, sent as JSON."""
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


def bool_param(call: Call, name: str) -> bool:
    """``true`` or ``false`` (any case); absent is false."""
    value = call.param(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise ApiError(400, f"{name}: must be true or false, got {value!r}")
    return value.lower() == "true"


def iri_param(call: Call, name: str, required: bool = False) -> str | None:
    """An absolute IRI parameter (an activity or verb id)."""
    value = call.param(name, required=required)
    if value is not None:
        validate_iri(value, name)  # StatementInvalid: a 400 naming the parameter
    return value


def uuid_param(call: Call, name: str, required: bool = False) -> str | None:
    """A UUID parameter, lower-cased as the store keeps ids."""
    value = call.param(name, required=required)
    if value is None:
        return None
    validate_uuid(value, name)
    return value.lower()


def now_text() -> str:
    """Now, as the LRS writes times (UTC, milliseconds, ``Z``)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON reply."""
    return Response(json.dumps(payload), status=status, content_type="application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error reply: the message as plain text, so any client can show it as it is."""
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response

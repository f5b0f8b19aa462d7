"""Sending statements to another LRS over HTTP, and reading its answer as an :class:`Outcome`.

:class:`ForwardTarget` says where the remote LRS is, how to log in, and how patiently to talk
to it. :func:`send` delivers statements to it and says, per statement, whether it arrived, was
there already, was rejected (the statement's problem: 400, 413, 422), or could not be delivered
because the remote is unavailable (anything else). It neither reads nor writes the outbox:
:mod:`xapi.outbox` records the outcomes and :func:`xapi.forwarding.deliver` runs the two.

Statements are sent exactly as stored, including ``stored``, ``authority`` and ``version``. The
receiving LRS must ignore a client's ``stored`` and decides whether to keep our ``authority``
(spec 1.0.3, Data 2.4.8-2.4.9): one that trusts us keeps the record of who vouched for the
statement originally, one that does not overwrites it with our credentials. Sending the same
bytes on every retry also keeps the remote's duplicate check (same id and content) consistent.
Attachment content we hold is sent along as ``multipart/mixed``, as the spec requires for
attachments without a ``fileUrl``.

``tincan``'s ``RemoteLRS`` has no timeouts, so requests go through ``urllib`` with one, and
redirects are refused rather than followed (urllib would turn a redirected POST into a GET and
report success).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from http.client import HTTPException
from typing import Any

__all__ = [
    "ALREADY_THERE",
    "DELIVERED",
    "XAPI_VERSION",
    "ForwardTarget",
    "Outcome",
    "Statement",
    "attachment_hashes",
    "send",
]

Statement = dict[str, Any]

XAPI_VERSION = "1.0.3"
#: Answers to a batch that say "something in this batch", not "the remote is unwell".
_SORT_OUT_ONE_BY_ONE = {400, 409, 413, 422}
#: Answers to one statement that say the remote refuses this statement.
_STATEMENT_REJECTED = {400, 413, 422}
_EXCERPT = 200
_READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ForwardTarget:
    """A remote LRS statements are forwarded to.

    ``name`` identifies the target's rows in the outbox, so renaming a target starts a new
    queue. ``endpoint`` is the remote's xAPI base URL (``https://lrs.example/xapi/``).
    Times are in seconds: ``timeout`` for connecting and for each read, ``backoff`` before the
    first retry, doubling per failed attempt up to ``max_backoff``.
    """

    name: str
    endpoint: str
    username: str
    password: str = field(repr=False)
    timeout: float = 10.0
    batch_size: int = 50
    backoff: float = 30.0
    max_backoff: float = 3600.0

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 255:
            raise ValueError(f"ForwardTarget name {self.name!r}: give 1 to 255 characters")
        url = urllib.parse.urlsplit(self.endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"ForwardTarget {self.name!r} endpoint {self.endpoint!r}: give the "
                             "remote LRS's http(s) base URL, such as https://lrs.example/xapi/")
        for name in ("timeout", "backoff", "max_backoff"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ForwardTarget {self.name!r} {name} {getattr(self, name)!r}: "
                                 "give a number of seconds above 0")
        if self.max_backoff < self.backoff:
            raise ValueError(f"ForwardTarget {self.name!r} max_backoff {self.max_backoff!r}: "
                             f"give at least backoff ({self.backoff!r})")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"ForwardTarget {self.name!r} batch_size {self.batch_size!r}: "
                             "give a whole number of statements, 1 or more")

    @property
    def statements_url(self) -> str:
        """The remote's Statements resource (with or without a slash after the endpoint)."""
        return self.endpoint.rstrip("/") + "/statements"

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait after ``attempts`` failed attempts: doubling, capped."""
        seconds = self.backoff * 2 ** min(max(attempts - 1, 0), 60)
        return timedelta(seconds=min(seconds, self.max_backoff))


@dataclass(frozen=True)
class Outcome:
    """What became of one statement sent: delivered (perhaps already there), or why not."""

    delivered: bool
    already_there: bool = False
    #: The remote refused the statement itself; not a sign that the remote is unwell.
    rejected: bool = False
    error: str | None = None


DELIVERED = Outcome(delivered=True)
ALREADY_THERE = Outcome(delivered=True, already_there=True)


def send(target: ForwardTarget, statements: Sequence[tuple[str, Statement]],
         attachments: dict[str, tuple[str, bytes]]) -> list[Outcome]:
    """Send ``(statement id, statement)`` pairs; one outcome per statement, in order.

    The whole batch goes in one POST. If the remote says something in it is already there
    (409) or unacceptable (400, 413, 422), each statement is sent alone with PUT to sort out
    which, since a batch is all or nothing. A lone statement goes straight to PUT.
    ``attachments`` is the content we hold, by SHA-2, for the statements' attachments.
    """
    if len(statements) > 1:
        answer = _request(target, "POST", target.statements_url,
                          [statement for _, statement in statements], attachments)
        if answer.ok:
            return [DELIVERED] * len(statements)
        if answer.status not in _SORT_OUT_ONE_BY_ONE:
            return [Outcome(delivered=False, error=answer.error)] * len(statements)
    return _send_one_by_one(target, statements, attachments)


def _send_one_by_one(target: ForwardTarget, statements: Sequence[tuple[str, Statement]],
                     attachments: dict[str, tuple[str, bytes]]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for position, (statement_id, statement) in enumerate(statements):
        query = urllib.parse.urlencode({"statementId": statement_id})
        url = f"{target.statements_url}?{query}"
        answer = _request(target, "PUT", url, statement, attachments)
        if answer.ok:
            outcomes.append(DELIVERED)
        elif answer.status == 409:
            outcomes.append(ALREADY_THERE)
        elif answer.status in _STATEMENT_REJECTED:
            outcomes.append(Outcome(delivered=False, rejected=True, error=answer.error))
        else:  # the remote is unwell: stop here, the rest wait with this one
            failed = Outcome(delivered=False, error=answer.error)
            outcomes.extend([failed] * (len(statements) - position))
            break
    return outcomes


def attachment_hashes(statement: Statement) -> list[str]:
    """The SHA-2 of every attachment a statement (or its sub-statement) declares."""
    declared = list(statement.get("attachments", []))
    if statement["object"].get("objectType") == "SubStatement":
        declared += statement["object"].get("attachments", [])
    return [attachment["sha2"] for attachment in declared]


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int | None  # None: no HTTP answer at all (network error, timeout)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error to fix in the endpoint, not something to follow with statements."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def _request(target: ForwardTarget, method: str, url: str, payload: Any,
             attachments: dict[str, tuple[str, bytes]]) -> _Answer:
    body, content_type = _body(payload, attachments)
    credentials = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Basic {credentials}",
        "Content-Type": content_type,
        "X-Experience-API-Version": XAPI_VERSION,
    })
    try:
        with _OPENER.open(request, timeout=target.timeout) as response:
            response.read(_READ_LIMIT)
            return _Answer(response.status)
    except urllib.error.HTTPError as error:
        try:
            excerpt = _excerpt(error.read(_READ_LIMIT))
        except (OSError, HTTPException):
            excerpt = ""
        return _Answer(error.code, _http_error(error.code, excerpt))
    except urllib.error.URLError as error:
        return _Answer(None, _network_error(error.reason, target.timeout))
    except (OSError, HTTPException) as error:
        return _Answer(None, _network_error(error, target.timeout))


def _body(payload: Any, attachments: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """JSON, or multipart/mixed when there is attachment content to send along."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    statements = payload if isinstance(payload, list) else [payload]
    hashes = dict.fromkeys(sha2 for statement in statements
                           for sha2 in attachment_hashes(statement) if sha2 in attachments)
    if not hashes:
        return data, "application/json"
    boundary = uuid.uuid4().hex
    parts = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), data, b"\r\n"]
    for sha2 in hashes:
        content_type, content = attachments[sha2]
        parts += [f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                  f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
                  .encode(), content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/mixed; boundary={boundary}"


def _http_error(status: int, excerpt: str) -> str:
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    return f"HTTP {status}{phrase}" + (f": {excerpt}" if excerpt else "")


def _network_error(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    return f"cannot reach the LRS: {reason}"


def _excerpt(body: bytes) -> str:
    text = " ".join(body.decode("utf-8", "replace").split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT - 1] + "…"

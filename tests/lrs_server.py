"""The LRS API served for real: the demo host app on a loopback HTTP server, and its clients.

The tincan and raw-HTTP tests talk to the library the way an LMS would, over a socket, so what
they check includes the WSGI layer (headers, chunking, HEAD, connection handling) and the
per-request sessions of a threaded server, not just the view functions.

Use it from a fixture::

    @pytest.fixture
    def server(app):
        with serving(app) as live:
            yield live
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlencode

from flask import Flask
from tincan import RemoteLRS
from werkzeug.security import generate_password_hash
from werkzeug.serving import BaseWSGIServer, make_server

from cpd_tracker.demo.models import db
from cpd_tracker.record.identities import client_authority
from cpd_tracker.state import get_state
from xapi.clients import create_client, set_active

VERSION = "1.0.3"


@dataclass(frozen=True)
class LrsClient:
    """An LRS client's credentials, and the authority the LRS writes into its statements."""

    name: str
    secret: str
    authority: dict[str, Any]

    @property
    def authorization(self) -> str:
        """The HTTP Basic ``Authorization`` header value for this client."""
        token = base64.b64encode(f"{self.name}:{self.secret}".encode()).decode()
        return f"Basic {token}"


def _quick_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def lrs_client(app: Flask, name: str, *, scopes: tuple[str, ...] = ("all",),
               secret: str | None = None) -> LrsClient:
    """Create an LRS client the way a host administrator would, and commit it.

    Its secret is hashed with a cheap PBKDF2 setting instead of the default scrypt (as
    Django's test settings do): scrypt takes a tenth of a second to hash and again to check
    the first request, which would double the run. Checking still goes through
    ``check_password_hash``, which reads the method from the stored hash.
    """
    with app.app_context(), mock.patch("xapi.clients.generate_password_hash", _quick_hash):
        authority = client_authority(get_state(app).settings, name)
        _, secret = create_client(db.session, name, authority=authority, scopes=scopes,
                                  secret=secret or f"{name}-secret-for-tests")
        db.session.commit()
        db.session.remove()
    return LrsClient(name=name, secret=secret, authority=authority)


def revoke(app: Flask, client: LrsClient) -> None:
    """Revoke a client's access (``xapi.clients.set_active``), as an administrator would."""
    with app.app_context():
        set_active(db.session, client.name, False)
        db.session.commit()
        db.session.remove()


@dataclass
class Reply:
    """One HTTP response, read in full."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class LiveServer:
    """The app on ``127.0.0.1`` at a free port, served by a thread per request."""

    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The LRS endpoint, as an LMS is configured with it."""
        return f"{self.url}/xapi/"

    def remote_lrs(self, client: LrsClient) -> RemoteLRS:
        """A tincan ``RemoteLRS`` signed in as ``client``."""
        return RemoteLRS(endpoint=self.endpoint, username=client.name, password=client.secret,
                         version=VERSION)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: bytes | str | None = None, headers: dict[str, str] | None = None,
                client: LrsClient | None = None, version: str | None = VERSION) -> Reply:
        """One raw HTTP request to ``/xapi/<path>``.

        ``client`` adds its Basic credentials and ``version`` the version header (pass
        ``None`` to leave either out); ``params`` values that are not strings are sent as JSON.
        """
        sent = dict(headers or {})
        if client is not None:
            sent.setdefault("Authorization", client.authorization)
        if version is not None:
            sent.setdefault("X-Experience-API-Version", version)
        target = f"/xapi/{path}"
        if params:
            target += "?" + urlencode({key: value if isinstance(value, str) else json.dumps(value)
                                       for key, value in params.items()})
        if isinstance(body, str):
            body = body.encode("utf-8")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(status=response.status, headers=response.headers, body=response.read())
        finally:
            connection.close()


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """Serve ``app`` for the duration of the block, then shut the server down."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval: shutting down waits for the serving loop's next poll.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              name="lrs-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(server=server, thread=thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

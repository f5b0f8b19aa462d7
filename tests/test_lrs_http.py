"""The LRS API at the HTTP level: headers, status codes and bodies as the spec defines them.

Requests are sent raw (``http.client``) to the library on a real HTTP server, so what is
checked is what crosses the wire: every header, HEAD without a body, multipart bodies byte for
byte, the alternate request syntax as a browser form would send it.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import aniso8601
import pytest
from flask import Flask

from tests.lrs_server import LiveServer, LrsClient, Reply, lrs_client, revoke, serving

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COURSE = "https://learning.demo-force.police.uk/courses/osint-refresher"
CERTIFICATE = "http://id.tincanapi.com/attachment/certificate"
PRIYA = {"objectType": "Agent", "name": "DC Priya Shah", "mbox": "mailto:pshah@force.example"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def lms(app: Flask) -> LrsClient:
    return lrs_client(app, "force-lms")


@pytest.fixture
def server(app: Flask) -> Iterator[LiveServer]:
    with serving(app) as live:
        yield live


def statement(statement_id: str | None = None, *, actor: dict[str, Any] = PRIYA,
              activity: str = COURSE, **extra: Any) -> dict[str, Any]:
    """A statement as an LMS would send it."""
    sent: dict[str, Any] = {
        "actor": actor,
        "verb": {"id": COMPLETED, "display": {"en-GB": "completed"}},
        "object": {"objectType": "Activity", "id": activity,
                   "definition": {"name": {"en-GB": "OSINT refresher"}}},
        **extra,
    }
    if statement_id is not None:
        sent["id"] = statement_id
    return sent


def post(server: LiveServer, client: LrsClient, payload: Any) -> Reply:
    return server.request("POST", "statements", client=client, body=json.dumps(payload),
                          headers=JSON)


def stored(server: LiveServer, client: LrsClient, payload: Any) -> list[str]:
    """POST statements that must be accepted; their ids."""
    reply = post(server, client, payload)
    assert reply.status == 200, reply.text
    return reply.json()


def statement_ids(server: LiveServer, client: LrsClient, **params: Any) -> list[str]:
    reply = server.request("GET", "statements", client=client, params=params)
    assert reply.status == 200, reply.text
    return [one["id"] for one in reply.json()["statements"]]


# --- headers and versions -------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "params", "signed_in", "status"), [
    ("GET", "about", {}, False, 200),
    ("GET", "statements", {}, True, 200),
    ("GET", "statements", {}, False, 401),
    ("GET", "statements", {"statementId": str(uuid.uuid4())}, True, 404),
    ("POST", "statements", {}, True, 400),
    ("PUT", "activities", {}, True, 405),
    ("OPTIONS", "statements", {}, False, 204),
    ("GET", "activities/state", {"activityId": COURSE, "agent": PRIYA, "stateId": "x"}, True,
     404),
], ids=["about", "statements", "unauthenticated", "not-found", "bad-request", "wrong-method",
        "preflight", "no-document"])
def test_every_response_carries_the_version_header(
        server: LiveServer, lms: LrsClient, method: str, path: str, params: dict[str, Any],
        signed_in: bool, status: int) -> None:
    reply = server.request(method, path, params=params, client=lms if signed_in else None,
                           body=b"{" if method == "POST" else None,
                           headers=JSON if method == "POST" else None)

    assert reply.status == status, reply.text
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


def test_a_method_the_about_resource_does_not_allow_still_carries_the_version_header(
        server: LiveServer) -> None:
    reply = server.request("PUT", "about", body=b"{}", headers=JSON)

    assert reply.status == 405
    assert reply.headers["X-Experience-API-Version"] == "1.0.3"


def test_a_request_without_the_version_header_is_refused(server: LiveServer,
                                                          lms: LrsClient) -> None:
    reply = server.request("GET", "statements", client=lms, version=None)

    assert reply.status == 400
    assert "X-Experience-API-Version" in reply.text


@pytest.mark.parametrize("version", ["0.95", "1.1.0", "2.0.0", "one"])
def test_an_unsupported_version_is_refused(server: LiveServer, lms: LrsClient,
                                           version: str) -> None:
    reply = server.request("GET", "statements", client=lms, version=version)

    assert reply.status == 400
    assert repr(version) in reply.text


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.3"])
def test_every_1_0_version_is_accepted(server: LiveServer, lms: LrsClient,
                                       version: str) -> None:
    assert server.request("GET", "statements", client=lms, version=version).status == 200


def test_about_needs_neither_version_nor_credentials(server: LiveServer) -> None:
    reply = server.request("GET", "about", version=None)

    assert reply.status == 200
    assert "1.0.3" in reply.json()["version"]


def test_a_cors_preflight_is_answered_without_credentials(server: LiveServer) -> None:
    reply = server.request("OPTIONS", "statements", version=None, headers={
        "Origin": "https://content.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, x-experience-api-version"})

    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in reply.headers["Access-Control-Allow-Methods"]
    allowed = reply.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "x-experience-api-version" in allowed


# --- authentication and scopes --------------------------------------------------------------


def test_no_credentials_is_a_401_with_a_basic_challenge(server: LiveServer) -> None:
    reply = server.request("GET", "statements")

    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic")


def test_a_wrong_secret_is_a_401(server: LiveServer, lms: LrsClient) -> None:
    impostor = LrsClient(name=lms.name, secret="not-the-secret", authority=lms.authority)

    reply = server.request("GET", "statements", client=impostor)

    assert reply.status == 401
    assert "WWW-Authenticate" in reply.headers


def test_a_revoked_client_is_refused_at_once(app: Flask, server: LiveServer,
                                             lms: LrsClient) -> None:
    assert server.request("GET", "statements", client=lms).status == 200
    revoke(app, lms)

    assert server.request("GET", "statements", client=lms).status == 401


def test_a_client_without_the_write_scope_cannot_post(app: Flask, server: LiveServer) -> None:
    reader = lrs_client(app, "dashboard", scopes=("statements/read",))

    reply = post(server, reader, statement())

    assert reply.status == 403
    assert "statements/write" in reply.text
    assert statement_ids(server, reader) == []


def test_read_mine_sees_only_the_clients_own_statements(app: Flask, server: LiveServer,
                                                        lms: LrsClient) -> None:
    content = lrs_client(app, "elearning-package",
                         scopes=("statements/write", "statements/read/mine"))
    [theirs] = stored(server, lms, statement())
    [mine] = stored(server, content, statement())

    assert statement_ids(server, content) == [mine]
    assert server.request("GET", "statements", client=content,
                          params={"statementId": theirs}).status == 404
    assert statement_ids(server, lms) == [mine, theirs]


def test_a_client_cannot_void_another_clients_statement(app: Flask, server: LiveServer,
                                                        lms: LrsClient) -> None:
    other = lrs_client(app, "other-lms")
    [target] = stored(server, lms, statement())

    reply = post(server, other, {"actor": PRIYA, "verb": {"id": VOIDED},
                                 "object": {"objectType": "StatementRef", "id": target}})

    assert reply.status == 403
    assert target in reply.text
    assert server.request("GET", "statements", client=lms,
                          params={"statementId": target}).status == 200


# --- storing statements ---------------------------------------------------------------------


def test_put_with_a_statement_id_stores_it_under_that_id(server: LiveServer,
                                                         lms: LrsClient) -> None:
    statement_id = str(uuid.uuid4())

    reply = server.request("PUT", "statements", client=lms, params={"statementId": statement_id},
                           body=json.dumps(statement()), headers=JSON)

    assert reply.status == 204
    assert reply.body == b""
    assert statement_ids(server, lms) == [statement_id]


def test_put_without_a_statement_id_is_refused(server: LiveServer, lms: LrsClient) -> None:
    reply = server.request("PUT", "statements", client=lms, body=json.dumps(statement()),
                           headers=JSON)

    assert reply.status == 400
    assert "statementId" in reply.text
    assert statement_ids(server, lms) == []


def test_put_whose_body_id_differs_from_the_statement_id_is_refused(
        server: LiveServer, lms: LrsClient) -> None:
    reply = server.request("PUT", "statements", client=lms,
                           params={"statementId": str(uuid.uuid4())},
                           body=json.dumps(statement(str(uuid.uuid4()))), headers=JSON)

    assert reply.status == 400
    assert "differs from statementId" in reply.text
    assert statement_ids(server, lms) == []


def test_post_of_an_array_returns_the_ids_in_order(server: LiveServer, lms: LrsClient) -> None:
    first, last = str(uuid.uuid4()), str(uuid.uuid4())

    reply = post(server, lms, [statement(first), statement(), statement(last)])

    assert reply.status == 200
    ids = reply.json()
    assert ids[0] == first and ids[2] == last
    assert str(uuid.UUID(ids[1])) == ids[1]
    assert statement_ids(server, lms, ascending="true") == ids


def test_a_batch_with_one_bad_statement_stores_nothing_and_names_the_path(
        server: LiveServer, lms: LrsClient) -> None:
    good = str(uuid.uuid4())
    not_an_iri = statement(verb={"id": "completed"})

    reply = post(server, lms, [statement(good), not_an_iri, statement()])

    assert reply.status == 400
    assert "[1].verb.id" in reply.text
    assert statement_ids(server, lms) == []
    assert server.request("GET", "statements", client=lms,
                          params={"statementId": good}).status == 404


def test_invalid_json_is_refused(server: LiveServer, lms: LrsClient) -> None:
    reply = server.request("POST", "statements", client=lms, body='{"actor": ', headers=JSON)

    assert reply.status == 400
    assert "not valid JSON" in reply.text


def test_statements_in_another_content_type_are_refused(server: LiveServer,
                                                        lms: LrsClient) -> None:
    reply = server.request("POST", "statements", client=lms, body=json.dumps(statement()),
                           headers={"Content-Type": "text/plain"})

    assert reply.status == 400
    assert "Content-Type" in reply.text
    assert statement_ids(server, lms) == []


# --- reading statements ---------------------------------------------------------------------


def test_statement_id_and_voided_statement_id_together_are_refused(
        server: LiveServer, lms: LrsClient) -> None:
    [statement_id] = stored(server, lms, statement())

    reply = server.request("GET", "statements", client=lms, params={
        "statementId": statement_id, "voidedStatementId": statement_id})

    assert reply.status == 400
    assert "cannot be used together" in reply.text


def test_an_unknown_query_parameter_is_refused(server: LiveServer, lms: LrsClient) -> None:
    reply = server.request("GET", "statements", client=lms, params={"verbs": COMPLETED})

    assert reply.status == 400
    assert "verbs" in reply.text


@pytest.mark.parametrize("single", [False, True], ids=["query", "single"])
def test_statement_reads_say_how_consistent_they_are(server: LiveServer, lms: LrsClient,
                                                     single: bool) -> None:
    [statement_id] = stored(server, lms, statement())

    reply = server.request("GET", "statements", client=lms,
                           params={"statementId": statement_id} if single else {})

    assert reply.status == 200
    through = aniso8601.parse_datetime(reply.headers["X-Experience-API-Consistent-Through"])
    assert through <= datetime.now(timezone.utc)


def test_head_returns_the_headers_without_a_body(server: LiveServer, lms: LrsClient) -> None:
    stored(server, lms, statement())

    reply = server.request("HEAD", "statements", client=lms)

    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["Content-Type"] == "application/json"
    assert "X-Experience-API-Consistent-Through" in reply.headers


def test_head_announces_the_length_a_get_would_send(server: LiveServer, lms: LrsClient) -> None:
    [statement_id] = stored(server, lms, statement())
    params = {"statementId": statement_id}
    got = server.request("GET", "statements", client=lms, params=params)

    head = server.request("HEAD", "statements", client=lms, params=params)

    assert head.body == b""
    assert head.headers.get("Content-Length", str(len(got.body))) == str(len(got.body))


def test_format_ids_keeps_only_identifiers(server: LiveServer, lms: LrsClient) -> None:
    [statement_id] = stored(server, lms, statement())

    reply = server.request("GET", "statements", client=lms,
                           params={"statementId": statement_id, "format": "ids"})

    got = reply.json()
    assert got["actor"] == {"objectType": "Agent", "mbox": PRIYA["mbox"]}
    assert got["verb"] == {"id": COMPLETED}
    assert got["object"] == {"id": COURSE}  # objectType is optional for an activity


@pytest.mark.parametrize(("language", "name"), [
    ("en-GB", {"en-GB": "OSINT refresher (2025 edition)"}),
    ("fr;q=0.9, en;q=0.5", {"fr": "Remise à niveau OSINT"}),
])
def test_format_canonical_gives_the_latest_definition_in_the_readers_language(
        server: LiveServer, lms: LrsClient, language: str, name: dict[str, str]) -> None:
    first = statement()
    first["object"]["definition"] = {"name": {"en-GB": "OSINT refresher",
                                              "fr": "Remise à niveau OSINT"}}
    later = statement()
    later["object"]["definition"] = {"name": {"en-GB": "OSINT refresher (2025 edition)"},
                                     "description": {"en-GB": "Open-source research"}}
    [old_id] = stored(server, lms, first)
    stored(server, lms, later)

    reply = server.request("GET", "statements", client=lms, headers={"Accept-Language": language},
                           params={"statementId": old_id, "format": "canonical"})

    definition = reply.json()["object"]["definition"]
    assert definition["name"] == name
    assert definition["description"] == {"en-GB": "Open-source research"}


# --- alternate request syntax ---------------------------------------------------------------


def alternate(server: LiveServer, client: LrsClient, method: str, form: dict[str, str],
              query: str = "") -> Reply:
    """A request in the alternate syntax: everything but the method in a form body."""
    fields = {"Authorization": client.authorization, "X-Experience-API-Version": "1.0.3",
              **form}
    return server.request("POST", f"statements?method={method}{query}", version=None,
                          body=urlencode(fields),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_the_alternate_syntax_can_put_a_statement(server: LiveServer, lms: LrsClient) -> None:
    statement_id = str(uuid.uuid4())

    reply = alternate(server, lms, "PUT", {"statementId": statement_id,
                                           "Content-Type": "application/json",
                                           "content": json.dumps(statement())})

    assert reply.status == 204, reply.text
    assert statement_ids(server, lms) == [statement_id]


def test_the_alternate_syntax_can_get_a_statement(server: LiveServer, lms: LrsClient) -> None:
    [statement_id] = stored(server, lms, statement())

    reply = alternate(server, lms, "GET", {"statementId": statement_id})

    assert reply.status == 200, reply.text
    assert reply.json()["id"] == statement_id


def test_the_alternate_syntax_refuses_parameters_in_the_query_string(
        server: LiveServer, lms: LrsClient) -> None:
    statement_id = str(uuid.uuid4())

    reply = alternate(server, lms, "PUT", {"Content-Type": "application/json",
                                           "content": json.dumps(statement())},
                      query=f"&statementId={statement_id}")

    assert reply.status == 400
    assert "statementId" in reply.text
    assert statement_ids(server, lms) == []


def test_the_alternate_syntax_takes_credentials_sent_as_real_headers(
        server: LiveServer, lms: LrsClient) -> None:
    [statement_id] = stored(server, lms, statement())

    reply = server.request("POST", "statements?method=GET", client=lms,
                           body=urlencode({"statementId": statement_id}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert reply.status == 200, reply.text
    assert reply.json()["id"] == statement_id


def test_a_single_context_activity_is_returned_in_an_array(
        server: LiveServer, lms: LrsClient) -> None:
    sent = statement()
    sent["context"] = {"contextActivities": {"parent": {"id": COURSE}}}
    [statement_id] = stored(server, lms, sent)

    again = server.request("POST", "statements", client=lms, body=json.dumps(sent),
                           headers={"Content-Type": "application/json"})
    got = server.request("GET", "statements", client=lms, params={"statementId": statement_id})

    assert got.json()["context"]["contextActivities"] == {"parent": [{"id": COURSE}]}
    assert again.status == 200, again.text  # the same statement re-sent is not a conflict


def test_statement_errors_carry_the_consistent_through_header(
        server: LiveServer, lms: LrsClient) -> None:
    reply = server.request("GET", "statements", client=lms,
                           params={"statementId": str(uuid.uuid4()), "verb": COMPLETED})

    assert reply.status == 400
    assert reply.headers["X-Experience-API-Consistent-Through"].endswith("Z")


# --- attachments ----------------------------------------------------------------------------

CERTIFICATE_PDF = b"%PDF-1.4 certificate of completion \x00\xff binary"


def with_attachment(content: bytes = CERTIFICATE_PDF, sha2: str | None = None,
                    **declared: Any) -> dict[str, Any]:
    return statement(attachments=[{
        "usageType": CERTIFICATE, "display": {"en-GB": "Certificate"},
        "contentType": "application/pdf", "length": len(content),
        "sha2": sha2 or hashlib.sha256(content).hexdigest(), **declared}])


def multipart(payload: Any, parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed request body: the statements, then each (hash, content) part."""
    boundary = "xapi-attachment-boundary"
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(payload).encode(), b"\r\n"]
    for sha2, content in parts:
        chunks += [f"--{boundary}\r\nContent-Type: application/pdf\r\n"
                   f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
                   .encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def post_multipart(server: LiveServer, client: LrsClient, payload: Any,
                   parts: list[tuple[str, bytes]]) -> Reply:
    body, content_type = multipart(payload, parts)
    return server.request("POST", "statements", client=client, body=body,
                          headers={"Content-Type": content_type})


def test_an_attachment_with_its_hash_is_stored_and_returned(server: LiveServer,
                                                            lms: LrsClient) -> None:
    sha2 = hashlib.sha256(CERTIFICATE_PDF).hexdigest()
    sent = post_multipart(server, lms, with_attachment(), [(sha2, CERTIFICATE_PDF)])
    assert sent.status == 200, sent.text
    [statement_id] = sent.json()

    reply = server.request("GET", "statements", client=lms,
                           params={"statementId": statement_id, "attachments": "true"})

    assert reply.status == 200
    assert reply.headers.get_content_type() == "multipart/mixed"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {reply.headers['Content-Type']}\r\n\r\n".encode() + reply.body)
    first, part = message.iter_parts()
    assert json.loads(first.get_content())["id"] == statement_id
    assert part["X-Experience-API-Hash"] == sha2
    assert part.get_payload(decode=True) == CERTIFICATE_PDF


def test_an_attachment_that_does_not_match_its_hash_is_refused(server: LiveServer,
                                                              lms: LrsClient) -> None:
    claimed = hashlib.sha256(b"another file").hexdigest()

    reply = post_multipart(server, lms, with_attachment(sha2=claimed),
                           [(claimed, CERTIFICATE_PDF)])

    assert reply.status == 400
    assert "does not match its hash" in reply.text
    assert statement_ids(server, lms) == []


def test_an_attachment_without_file_url_needs_its_part(server: LiveServer,
                                                       lms: LrsClient) -> None:
    reply = post(server, lms, with_attachment())

    assert reply.status == 400
    assert "attachments[0].sha2" in reply.text


def test_an_attachment_with_a_file_url_needs_no_part(server: LiveServer,
                                                     lms: LrsClient) -> None:
    reply = post(server, lms, with_attachment(fileUrl="https://files.example/cert.pdf"))

    assert reply.status == 200, reply.text


def test_a_part_no_statement_declares_is_refused(server: LiveServer, lms: LrsClient) -> None:
    sha2 = hashlib.sha256(CERTIFICATE_PDF).hexdigest()

    reply = post_multipart(server, lms, statement(), [(sha2, CERTIFICATE_PDF)])

    assert reply.status == 400
    assert "not declared" in reply.text
    assert statement_ids(server, lms) == []


# --- documents ------------------------------------------------------------------------------

STATE = {"activityId": COURSE, "agent": PRIYA, "stateId": "bookmark"}
PROFILE = {"activityId": COURSE, "profileId": "syllabus"}


def put_document(server: LiveServer, client: LrsClient, path: str, params: dict[str, Any],
                 content: bytes | str, content_type: str = "application/json",
                 **headers: str) -> Reply:
    return server.request("PUT", path, client=client, params=params, body=content,
                          headers={"Content-Type": content_type, **headers})


def test_a_document_has_an_etag_and_last_modified(server: LiveServer, lms: LrsClient) -> None:
    content = json.dumps({"page": 7})
    before = datetime.now(timezone.utc).replace(microsecond=0)
    put_document(server, lms, "activities/state", STATE, content)

    reply = server.request("GET", "activities/state", client=lms, params=STATE)

    assert reply.status == 200
    assert reply.json() == {"page": 7}
    assert reply.headers["ETag"] == f'"{hashlib.sha1(content.encode()).hexdigest()}"'
    assert parsedate_to_datetime(reply.headers["Last-Modified"]) >= before


def test_a_write_with_a_stale_if_match_is_refused(server: LiveServer, lms: LrsClient) -> None:
    put_document(server, lms, "activities/profile", PROFILE, json.dumps({"modules": 3}),
                 **{"If-None-Match": "*"})

    reply = put_document(server, lms, "activities/profile", PROFILE, json.dumps({"modules": 4}),
                         **{"If-Match": '"0000000000000000000000000000000000000000"'})

    assert reply.status == 412
    assert server.request("GET", "activities/profile", client=lms,
                          params=PROFILE).json() == {"modules": 3}


def test_a_profile_put_with_neither_concurrency_header_is_refused(
        server: LiveServer, lms: LrsClient) -> None:
    created = put_document(server, lms, "activities/profile", PROFILE, json.dumps({"modules": 3}))

    assert (created.status, "If-None-Match" in created.text) == (400, True)
    assert server.request("GET", "activities/profile", client=lms, params=PROFILE).status == 404


def test_if_none_match_star_creates_but_never_overwrites(server: LiveServer,
                                                         lms: LrsClient) -> None:
    created = put_document(server, lms, "activities/profile", PROFILE,
                           json.dumps({"modules": 3}), **{"If-None-Match": "*"})

    again = put_document(server, lms, "activities/profile", PROFILE,
                         json.dumps({"modules": 4}), **{"If-None-Match": "*"})

    assert created.status == 204
    assert again.status == 412
    assert server.request("GET", "activities/profile", client=lms,
                          params=PROFILE).json() == {"modules": 3}


def test_post_merges_json_objects(server: LiveServer, lms: LrsClient) -> None:
    for content in ({"page": 7, "score": 10}, {"score": 12, "finished": False}):
        reply = server.request("POST", "activities/state", client=lms, params=STATE,
                               body=json.dumps(content), headers=JSON)
        assert reply.status == 204, reply.text

    got = server.request("GET", "activities/state", client=lms, params=STATE)

    assert got.json() == {"page": 7, "score": 12, "finished": False}


def test_post_cannot_merge_onto_a_document_that_is_not_json(server: LiveServer,
                                                            lms: LrsClient) -> None:
    put_document(server, lms, "activities/state", STATE, "chapter 3", "text/plain")

    reply = server.request("POST", "activities/state", client=lms, params=STATE,
                           body=json.dumps({"page": 7}), headers=JSON)

    assert reply.status == 400
    assert "cannot be merged" in reply.text
    assert server.request("GET", "activities/state", client=lms, params=STATE).body == (
        b"chapter 3")


# --- activities and agents ------------------------------------------------------------------


def test_the_activities_resource_returns_the_canonical_definition(
        server: LiveServer, lms: LrsClient) -> None:
    first = statement()
    first["object"]["definition"] = {"name": {"en-GB": "OSINT refresher", "fr": "Remise OSINT"}}
    later = statement()
    later["object"]["definition"] = {"name": {"en-GB": "OSINT refresher (2025 edition)"},
                                     "type": "http://adlnet.gov/expapi/activities/course"}
    stored(server, lms, [first, later])

    reply = server.request("GET", "activities", client=lms, params={"activityId": COURSE})

    assert reply.status == 200
    assert reply.json() == {"objectType": "Activity", "id": COURSE, "definition": {
        "name": {"en-GB": "OSINT refresher (2025 edition)", "fr": "Remise OSINT"},
        "type": "http://adlnet.gov/expapi/activities/course"}}


def test_the_agents_resource_returns_a_person(server: LiveServer, lms: LrsClient) -> None:
    stored(server, lms, [statement(), statement(actor={**PRIYA, "name": "Priya Shah"})])

    reply = server.request("GET", "agents", client=lms,
                           params={"agent": {"mbox": PRIYA["mbox"]}})

    assert reply.status == 200
    person = reply.json()
    assert person["objectType"] == "Person"
    assert person["mbox"] == [PRIYA["mbox"]]
    assert sorted(person["name"]) == ["DC Priya Shah", "Priya Shah"]

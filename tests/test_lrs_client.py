"""The LRS as an LMS sees it: tincan's ``RemoteLRS`` against the library on a real HTTP server.

Each test is a round trip a real client makes (save, retrieve, query, void, state and
profiles). tincan 1.0.0 has quirks worked around here, each where it bites: document content
must be given as a str; it never reads the ETag of a response, so the tests fetch it with a
raw request; its ``save_state`` does not send a registration (and sends its PUT twice).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import chain
from typing import Any

import pytest
from flask import Flask
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityList,
    Agent,
    Context,
    ContextActivities,
    LanguageMap,
    RemoteLRS,
    Result,
    Statement,
    StatementRef,
    Verb,
)
from tincan.documents import ActivityProfileDocument, AgentProfileDocument, StateDocument

from tests.lrs_server import LiveServer, LrsClient, lrs_client, serving

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COURSE = "https://learning.demo-force.police.uk/courses/osint-refresher"
MODULE = "https://learning.demo-force.police.uk/courses/osint-refresher/module-1"
PRIYA = Agent(name="DC Priya Shah", mbox="mailto:pshah@force.example")
OWEN = Agent(name="DS Owen Evans", mbox="mailto:oevans@force.example")


@pytest.fixture
def lms(app: Flask) -> LrsClient:
    return lrs_client(app, "force-lms")


@pytest.fixture
def server(app: Flask) -> Iterator[LiveServer]:
    with serving(app) as live:
        yield live


@pytest.fixture
def lrs(server: LiveServer, lms: LrsClient) -> RemoteLRS:
    return server.remote_lrs(lms)


def statement(actor: Agent = PRIYA, verb: str = COMPLETED, activity: str = COURSE, *,
              statement_id: str | None = None, registration: str | None = None,
              parent: str | None = None, instructor: Agent | None = None) -> Statement:
    """A statement as an LMS would build it."""
    context = None
    if registration or parent or instructor:
        parents = ContextActivities(parent=ActivityList([Activity(id=parent)])) if parent else None
        context = Context(registration=registration, instructor=instructor,
                          context_activities=parents)
    return Statement(
        id=statement_id, actor=actor,
        verb=Verb(id=verb, display=LanguageMap({"en-GB": verb.rsplit("/", 1)[-1]})),
        object=Activity(id=activity, definition=ActivityDefinition(
            name=LanguageMap({"en-GB": "OSINT refresher"}))),
        context=context)


def saved(lrs: RemoteLRS, *statements: Statement) -> list[str]:
    """Save statements one request each, in order; their ids."""
    ids = []
    for one in statements:
        response = lrs.save_statement(one)
        assert response.success, response.data
        ids.append(str(response.content.id))
    return ids


def ids_of(response: Any) -> list[str]:
    assert response.success, response.data
    return [one["id"] for one in json.loads(response.data)["statements"]]


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def etag(server: LiveServer, client: LrsClient, path: str, **params: Any) -> str:
    """A document's current ETag, read raw (tincan 1.0.0 never picks it up from a response)."""
    reply = server.request("GET", path, params=params, client=client)
    assert reply.status == 200, reply.text
    return reply.headers["ETag"]


def create(server: LiveServer, client: LrsClient, path: str, content: Any,
           **params: Any) -> None:
    """Create a profile document with If-None-Match: * (tincan 1.0.0 cannot send it, and the
    profile resources refuse a PUT with neither concurrency header)."""
    reply = server.request("PUT", path, params=params, client=client, body=json.dumps(content),
                           headers={"If-None-Match": "*", "Content-Type": "application/json"})
    assert reply.status == 204, reply.text


# --- statements ---------------------------------------------------------------------------


def test_save_statement_returns_its_id_and_the_lrs_sets_stored_and_the_clients_authority(
        lrs: RemoteLRS, lms: LrsClient) -> None:
    sent = statement()
    sent.authority = Agent(name="Impostor", mbox="mailto:impostor@example.com")

    response = lrs.save_statement(sent)

    assert response.success, response.data
    statement_id = json.loads(response.data)[0]
    assert str(response.content.id) == statement_id
    stored = json.loads(lrs.retrieve_statement(statement_id).data)
    assert stored["id"] == statement_id
    assert stored["stored"].endswith("Z")
    assert stored["authority"] == lms.authority


def test_save_statements_returns_the_ids_in_the_order_sent(lrs: RemoteLRS) -> None:
    chosen = str(uuid.uuid4())
    batch = [statement(activity=COURSE), statement(activity=MODULE, statement_id=chosen),
             statement(verb=ATTEMPTED)]

    response = lrs.save_statements(batch)

    assert response.success, response.data
    ids = json.loads(response.data)
    assert len(ids) == 3 and ids[1] == chosen
    objects = [json.loads(lrs.retrieve_statement(one).data)["object"]["id"] for one in ids]
    verbs = [json.loads(lrs.retrieve_statement(one).data)["verb"]["id"] for one in ids]
    assert objects == [COURSE, MODULE, COURSE]
    assert verbs == [COMPLETED, COMPLETED, ATTEMPTED]


def test_retrieve_statement_returns_what_was_saved(lrs: RemoteLRS) -> None:
    registration = str(uuid.uuid4())
    sent = statement(registration=registration, parent=COURSE, activity=MODULE)
    sent.result = Result(completion=True, success=True, duration="PT1H30M")
    [statement_id] = saved(lrs, sent)

    response = lrs.retrieve_statement(statement_id)

    assert response.success, response.data
    got = json.loads(response.data)
    expected = json.loads(sent.to_json("1.0.3"))
    assert {key: got[key] for key in ("actor", "verb", "object", "result")} == {
        key: expected[key] for key in ("actor", "verb", "object", "result")}
    assert got["context"]["registration"] == registration
    assert got["context"]["contextActivities"]["parent"][0]["id"] == COURSE
    assert response.content.result.duration.total_seconds() == 5400


def test_resending_an_identical_statement_succeeds_and_changes_nothing(
        lrs: RemoteLRS) -> None:
    statement_id = str(uuid.uuid4())
    first = lrs.save_statement(statement(statement_id=statement_id))
    before = json.loads(lrs.retrieve_statement(statement_id).data)

    again = lrs.save_statement(statement(statement_id=statement_id))

    assert first.response.status == again.response.status == 204
    assert json.loads(lrs.retrieve_statement(statement_id).data) == before
    assert ids_of(lrs.query_statements({})) == [statement_id]


def test_same_id_with_different_content_is_a_conflict(lrs: RemoteLRS) -> None:
    statement_id = str(uuid.uuid4())
    saved(lrs, statement(statement_id=statement_id))

    response = lrs.save_statement(statement(statement_id=statement_id, verb=ATTEMPTED))

    assert not response.success
    assert response.response.status == 409
    assert json.loads(lrs.retrieve_statement(statement_id).data)["verb"]["id"] == COMPLETED


def voiding(target_id: str) -> Statement:
    return Statement(actor=PRIYA, verb=Verb(id=VOIDED, display=LanguageMap({"en-GB": "voided"})),
                     object=StatementRef(id=target_id))


def test_a_voided_statement_is_retrieved_only_as_voided(lrs: RemoteLRS) -> None:
    [target, kept] = saved(lrs, statement(), statement(activity=MODULE))
    saved(lrs, voiding(target))

    assert lrs.retrieve_statement(target).response.status == 404
    response = lrs.retrieve_voided_statement(target)
    assert response.success, response.data
    assert str(response.content.id) == target
    assert lrs.retrieve_voided_statement(kept).response.status == 404


def test_a_voided_statement_leaves_queries_and_its_voiding_statement_stays(
        lrs: RemoteLRS) -> None:
    [target, kept] = saved(lrs, statement(), statement(activity=MODULE))
    [voider] = saved(lrs, voiding(target))

    assert ids_of(lrs.query_statements({})) == [voider, kept]
    assert ids_of(lrs.query_statements({"activity": Activity(id=COURSE)})) == [voider]


# --- queries --------------------------------------------------------------------------------


@pytest.fixture
def three(lrs: RemoteLRS) -> dict[str, str]:
    """Priya completed the course (registration R), Owen attempted it, and Priya attempted a
    module of it with Owen as instructor; stored in that order."""
    registration = str(uuid.uuid4())
    ids = saved(lrs,
                statement(PRIYA, COMPLETED, COURSE, registration=registration),
                statement(OWEN, ATTEMPTED, COURSE),
                statement(PRIYA, ATTEMPTED, MODULE, parent=COURSE, instructor=OWEN))
    return {"priya-completed": ids[0], "owen-attempted": ids[1], "priya-module": ids[2],
            "registration": registration}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["priya-module", "owen-attempted", "priya-completed"]),
    ({"agent": PRIYA}, ["priya-module", "priya-completed"]),
    ({"agent": OWEN}, ["owen-attempted"]),
    ({"agent": OWEN, "related_agents": True}, ["priya-module", "owen-attempted"]),
    ({"verb": Verb(id=COMPLETED)}, ["priya-completed"]),
    ({"activity": Activity(id=COURSE)}, ["owen-attempted", "priya-completed"]),
    ({"activity": Activity(id=COURSE), "related_activities": True},
     ["priya-module", "owen-attempted", "priya-completed"]),
    ({"agent": PRIYA, "verb": Verb(id=ATTEMPTED)}, ["priya-module"]),
    ({"limit": 2}, ["priya-module", "owen-attempted"]),
    ({"ascending": True}, ["priya-completed", "owen-attempted", "priya-module"]),
    ({"ascending": True, "limit": 1}, ["priya-completed"]),
], ids=["all-newest-first", "agent", "agent-direct-only", "related-agents", "verb", "activity",
        "related-activities", "agent-and-verb", "limit", "ascending", "ascending-limit"])
def test_query_statements_filters(lrs: RemoteLRS, three: dict[str, str],
                                  query: dict[str, Any], expected: list[str]) -> None:
    assert ids_of(lrs.query_statements(query)) == [three[name] for name in expected]


def test_query_statements_by_registration(lrs: RemoteLRS, three: dict[str, str]) -> None:
    response = lrs.query_statements({"registration": three["registration"]})

    assert ids_of(response) == [three["priya-completed"]]


def test_query_statements_since_and_until_split_at_a_moment(lrs: RemoteLRS) -> None:
    [before] = saved(lrs, statement())
    time.sleep(0.01)
    moment = now_text()
    time.sleep(0.01)
    [after] = saved(lrs, statement(verb=ATTEMPTED))

    assert ids_of(lrs.query_statements({"since": moment})) == [after]
    assert ids_of(lrs.query_statements({"until": moment})) == [before]
    assert ids_of(lrs.query_statements({"since": moment, "until": now_text()})) == [after]


def test_a_statements_own_stored_time_bounds_since_and_until(lrs: RemoteLRS) -> None:
    ids = saved(lrs, statement(), statement(activity=MODULE), statement(verb=ATTEMPTED))
    stored = [json.loads(lrs.retrieve_statement(one).data)["stored"] for one in ids]

    for i, moment in enumerate(stored):
        assert ids_of(lrs.query_statements({"until": moment, "ascending": True})) == ids[:i + 1]
        assert ids_of(lrs.query_statements({"since": moment, "ascending": True})) == ids[i + 1:]


def pages(lrs: RemoteLRS, query: dict[str, Any]) -> list[list[str]]:
    """Every page of a query, following the more links to the end."""
    response = lrs.query_statements(query)
    found = [ids_of(response)]
    more = json.loads(response.data)["more"]
    while more:
        assert more.startswith("/xapi/statements?more=")
        response = lrs.more_statements(more)
        found.append(ids_of(response))
        more = json.loads(response.data)["more"]
    return found


def test_more_statements_pages_through_every_statement_once_in_order(lrs: RemoteLRS) -> None:
    response = lrs.save_statements([statement(activity=f"{COURSE}/part-{i}") for i in range(7)])
    ids = json.loads(response.data)

    newest_first = pages(lrs, {"limit": 3})
    oldest_first = pages(lrs, {"limit": 3, "ascending": True})

    assert [len(page) for page in newest_first] == [3, 3, 1]
    assert list(chain.from_iterable(newest_first)) == ids[::-1]
    assert list(chain.from_iterable(oldest_first)) == ids


def test_paging_ignores_statements_stored_after_the_first_page(lrs: RemoteLRS) -> None:
    ids = json.loads(lrs.save_statements([statement(), statement(), statement()]).data)
    first = lrs.query_statements({"limit": 2, "ascending": True})
    saved(lrs, statement(verb=ATTEMPTED))

    rest = lrs.more_statements(json.loads(first.data)["more"])

    assert ids_of(first) + ids_of(rest) == ids
    assert json.loads(rest.data)["more"] == ""


# --- state ----------------------------------------------------------------------------------


def state(state_id: str, content: Any, activity: str = COURSE) -> StateDocument:
    return StateDocument(id=state_id, activity=Activity(id=activity), agent=PRIYA,
                         content=json.dumps(content), content_type="application/json")


def test_state_saves_retrieves_and_deletes(lrs: RemoteLRS) -> None:
    saving = lrs.save_state(state("bookmark", {"page": 7}))
    assert saving.response.status == 204

    got = lrs.retrieve_state(Activity(id=COURSE), PRIYA, "bookmark")
    assert got.response.status == 200
    assert json.loads(bytes(got.content.content)) == {"page": 7}

    deleting = lrs.delete_state(state("bookmark", {}))
    assert deleting.response.status == 204
    assert lrs.retrieve_state(Activity(id=COURSE), PRIYA, "bookmark").response.status == 404


def test_state_ids_list_the_documents_of_an_activity_and_agent(lrs: RemoteLRS) -> None:
    for state_id in ("bookmark", "suspend-data"):
        lrs.save_state(state(state_id, {"id": state_id}))
    lrs.save_state(state("elsewhere", {}, activity=MODULE))

    response = lrs.retrieve_state_ids(Activity(id=COURSE), PRIYA)

    assert response.success, response.data
    assert response.content == ["bookmark", "suspend-data"]


def test_state_ids_since_lists_only_later_documents(lrs: RemoteLRS) -> None:
    lrs.save_state(state("early", {}))
    time.sleep(0.01)
    moment = now_text()
    time.sleep(0.01)
    lrs.save_state(state("late", {}))

    response = lrs.retrieve_state_ids(Activity(id=COURSE), PRIYA, since=moment)

    assert response.content == ["late"]


def test_state_is_kept_per_registration(lrs: RemoteLRS, server: LiveServer,
                                        lms: LrsClient) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for registration, page in ((first, 1), (second, 2)):
        # tincan 1.0.0's save_state does not send the registration, so this write is raw.
        reply = server.request("PUT", "activities/state", client=lms, params={
            "activityId": COURSE, "agent": PRIYA.as_version("1.0.3"), "stateId": "bookmark",
            "registration": registration}, body=json.dumps({"page": page}),
            headers={"Content-Type": "application/json"})
        assert reply.status == 204, reply.text
    course = Activity(id=COURSE)

    got = lrs.retrieve_state(course, PRIYA, "bookmark", registration=second)

    assert json.loads(bytes(got.content.content)) == {"page": 2}
    assert lrs.retrieve_state_ids(course, PRIYA, registration=first).content == ["bookmark"]
    assert lrs.clear_state(course, PRIYA, registration=first).response.status == 204
    assert lrs.retrieve_state(course, PRIYA, "bookmark", registration=first
                              ).response.status == 404
    assert lrs.retrieve_state(course, PRIYA, "bookmark", registration=second
                              ).response.status == 200


# --- activity and agent profiles ------------------------------------------------------------


def test_activity_profile_round_trip_with_concurrency_control(
        lrs: RemoteLRS, server: LiveServer, lms: LrsClient) -> None:
    profile = ActivityProfileDocument(id="syllabus", activity=Activity(id=COURSE),
                                      content=json.dumps({"modules": 3}),
                                      content_type="application/json")
    refused = lrs.save_activity_profile(profile)  # neither If-Match nor If-None-Match
    assert (refused.response.status, "If-None-Match" in refused.data) == (400, True)
    create(server, lms, "activities/profile", {"modules": 3}, activityId=COURSE,
           profileId="syllabus")

    profile.content = json.dumps({"modules": 4})
    blind = lrs.save_activity_profile(profile)
    assert blind.response.status == 409

    profile.etag = etag(server, lms, "activities/profile", activityId=COURSE,
                        profileId="syllabus")
    assert lrs.save_activity_profile(profile).response.status == 204
    got = lrs.retrieve_activity_profile(Activity(id=COURSE), "syllabus")
    assert json.loads(bytes(got.content.content)) == {"modules": 4}
    assert lrs.retrieve_activity_profile_ids(Activity(id=COURSE)).content == ["syllabus"]

    profile.etag = None
    assert lrs.delete_activity_profile(profile).response.status == 204
    assert lrs.retrieve_activity_profile(Activity(id=COURSE), "syllabus"
                                         ).response.status == 404
    assert lrs.retrieve_activity_profile_ids(Activity(id=COURSE)).content == []


def test_agent_profile_round_trip_with_concurrency_control(
        lrs: RemoteLRS, server: LiveServer, lms: LrsClient) -> None:
    profile = AgentProfileDocument(id="preferences", agent=PRIYA,
                                   content=json.dumps({"captions": True}),
                                   content_type="application/json")
    assert lrs.save_agent_profile(profile).response.status == 400
    create(server, lms, "agents/profile", {"captions": True},
           agent=PRIYA.as_version("1.0.3"), profileId="preferences")

    profile.content = json.dumps({"captions": False})
    assert lrs.save_agent_profile(profile).response.status == 409

    profile.etag = etag(server, lms, "agents/profile", agent=PRIYA.as_version("1.0.3"),
                        profileId="preferences")
    assert lrs.save_agent_profile(profile).response.status == 204
    got = lrs.retrieve_agent_profile(PRIYA, "preferences")
    assert json.loads(bytes(got.content.content)) == {"captions": False}
    assert lrs.retrieve_agent_profile_ids(PRIYA).content == ["preferences"]
    assert lrs.retrieve_agent_profile_ids(OWEN).content == []

    profile.etag = etag(server, lms, "agents/profile", agent=PRIYA.as_version("1.0.3"),
                        profileId="preferences")
    assert lrs.delete_agent_profile(profile).response.status == 204
    assert lrs.retrieve_agent_profile(PRIYA, "preferences").response.status == 404


def test_a_stale_etag_is_refused(lrs: RemoteLRS, server: LiveServer, lms: LrsClient) -> None:
    profile = AgentProfileDocument(id="preferences", agent=PRIYA, content=json.dumps({}),
                                   content_type="application/json")
    create(server, lms, "agents/profile", {}, agent=PRIYA.as_version("1.0.3"),
           profileId="preferences")
    profile.etag = etag(server, lms, "agents/profile", agent=PRIYA.as_version("1.0.3"),
                        profileId="preferences")
    profile.content = json.dumps({"captions": True})
    lrs.save_agent_profile(profile)

    profile.content = json.dumps({"captions": False})
    stale = lrs.save_agent_profile(profile)

    assert stale.response.status == 412
    got = lrs.retrieve_agent_profile(PRIYA, "preferences")
    assert json.loads(bytes(got.content.content)) == {"captions": True}


def test_about_lists_the_supported_versions(lrs: RemoteLRS) -> None:
    response = lrs.about()

    assert response.success, response.data
    assert "1.0.3" in response.content.version
    assert response.response.getheader("X-Experience-API-Version") == "1.0.3"

"""The xAPI statement store against the real test database (SQLite, or PostgreSQL when
CPD_TEST_DATABASE_URL says so): adding, reading, conflicts, voiding, listeners, streaming.

The store never commits; each test owns the transaction the way the store's callers do.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, scoped_session

from cpd_tracker.demo.models import db
from xapi import StatementConflict, StatementInvalid, StatementRecord, StatementStore
from xapi.agents import actor_key

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY_ID = "https://lms.force.example/activities/osint-refresher"
MBOX = "mailto:priya.shah@force.example"
AUTHORITY = {"objectType": "Agent",
             "account": {"homePage": "https://lms.force.example", "name": "cpd-tracker"}}
NOW = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
TIMESTAMP = "2024-02-28T14:00:00.000Z"


def statement(**overrides: Any) -> dict[str, Any]:
    """A valid statement with an id and a timestamp; ``overrides`` replace top-level properties."""
    built: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": MBOX},
        "verb": {"id": COMPLETED, "display": {"en-GB": "completed"}},
        "object": {"objectType": "Activity", "id": ACTIVITY_ID},
        "timestamp": TIMESTAMP,
    }
    built.update(copy.deepcopy(overrides))
    return {key: value for key, value in built.items() if value is not None}


def voiding(target_id: str, **overrides: Any) -> dict[str, Any]:
    """A statement voiding ``target_id``; ``overrides`` replace top-level properties."""
    target = {"objectType": "StatementRef", "id": target_id}
    return statement(**{"verb": {"id": VOIDED}, "object": target, **overrides})


class RecordingListener:
    """Remembers what the store told it, and whether the statement was already in the session."""

    def __init__(self) -> None:
        self.stored: list[dict[str, Any]] = []
        self.voided: list[dict[str, Any]] = []
        self.visible_when_stored: list[bool] = []

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        self.stored.append(statement)
        self.visible_when_stored.append(session.scalar(
            sa.select(sa.func.count()).select_from(StatementRecord)
            .where(StatementRecord.id == statement["id"])
        ) == 1)

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        self.voided.append(statement)


class FailingListener:
    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        raise RuntimeError("projection failed")

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        raise RuntimeError("projection failed")


@pytest.fixture
def session(app: Flask) -> Iterator[scoped_session[Session]]:
    with app.app_context():
        yield db.session


@pytest.fixture
def store(session: scoped_session[Session]) -> StatementStore:
    return StatementStore(session)


def record_count(session: scoped_session[Session]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(StatementRecord)) or 0


def record(session: scoped_session[Session], statement_id: str) -> StatementRecord:
    return session.scalars(
        sa.select(StatementRecord).where(StatementRecord.id == statement_id)
    ).one()


# --- adding -------------------------------------------------------------------------------------


def test_add_returns_the_statement_as_stored(store: StatementStore) -> None:
    sent = statement()
    stored = store.add(sent, authority=AUTHORITY, now=NOW)
    assert stored == {**sent, "stored": "2024-03-01T09:30:15.123Z", "authority": AUTHORITY,
                      "version": "1.0.3"}


def test_add_generates_a_uuid_when_the_statement_has_no_id(store: StatementStore) -> None:
    stored = store.add(statement(id=None), authority=AUTHORITY)
    assert stored["id"] == str(uuid.UUID(stored["id"]))


def test_generated_ids_are_unique(store: StatementStore) -> None:
    first = store.add(statement(id=None), authority=AUTHORITY)
    second = store.add(statement(id=None), authority=AUTHORITY)
    assert first["id"] != second["id"]


def test_add_normalises_the_id_to_lower_case(store: StatementStore) -> None:
    statement_id = "6F8E1C3A-2B4D-4E5F-9A0B-1C2D3E4F5A6B"
    stored = store.add(statement(id=statement_id), authority=AUTHORITY)
    assert stored["id"] == statement_id.lower()


def test_stored_time_is_converted_to_utc_with_milliseconds(store: StatementStore) -> None:
    in_london_summer = datetime(2024, 7, 1, 10, 0, 0, 987654,
                                tzinfo=timezone(timedelta(hours=1)))
    stored = store.add(statement(), authority=AUTHORITY, now=in_london_summer)
    assert stored["stored"] == "2024-07-01T09:00:00.987Z"


def test_timestamp_defaults_to_the_stored_time(store: StatementStore) -> None:
    stored = store.add(statement(timestamp=None), authority=AUTHORITY, now=NOW)
    assert stored["timestamp"] == stored["stored"] == "2024-03-01T09:30:15.123Z"


def test_the_senders_version_is_kept(store: StatementStore) -> None:
    stored = store.add(statement(version="1.0.0"), authority=AUTHORITY)
    assert stored["version"] == "1.0.0"


def test_the_stores_authority_replaces_the_senders(store: StatementStore) -> None:
    claimed = {"objectType": "Agent", "mbox": "mailto:someone-else@force.example"}
    stored = store.add(statement(authority=claimed), authority=AUTHORITY)
    assert stored["authority"] == AUTHORITY


def test_add_does_not_change_the_callers_statement(store: StatementStore) -> None:
    sent = statement(id=None, timestamp=None)
    before = copy.deepcopy(sent)
    store.add(sent, authority=AUTHORITY)
    assert sent == before


def test_add_fills_the_lookup_columns(session: scoped_session[Session],
                                      store: StatementStore) -> None:
    registration = str(uuid.uuid4())
    stored = store.add(statement(context={"registration": registration}), authority=AUTHORITY)
    session.commit()
    row = record(session, stored["id"])
    assert (row.actor_key, row.verb_id, row.object_type, row.object_key, row.registration,
            row.authority_key, row.voided) == (
        f"mbox:{MBOX}", COMPLETED, "Activity", ACTIVITY_ID, registration,
        "account:https://lms.force.example|cpd-tracker", False)


def test_record_times_come_back_as_aware_utc_datetimes(session: scoped_session[Session],
                                                       store: StatementStore) -> None:
    stored = store.add(statement(timestamp="2024-02-28T15:00:00+01:00"), authority=AUTHORITY,
                       now=NOW)
    session.commit()
    session.expire_all()
    row = record(session, stored["id"])
    # ``stored`` keeps the millisecond precision it is reported with.
    assert (row.stored, row.timestamp) == (NOW.replace(microsecond=123000),
                                           datetime(2024, 2, 28, 14, tzinfo=timezone.utc))
    assert (row.stored.utcoffset(), row.timestamp.utcoffset()) == (timedelta(0), timedelta(0))


def test_add_flushes_but_never_commits(session: scoped_session[Session],
                                       store: StatementStore) -> None:
    store.add(statement(), authority=AUTHORITY)
    assert record_count(session) == 1
    session.rollback()
    assert record_count(session) == 0


def test_timestamp_without_a_utc_offset_is_stored(session: scoped_session[Session],
                                                  store: StatementStore) -> None:
    stored = store.add(statement(timestamp="2024-02-28T14:00:00"), authority=AUTHORITY)
    session.commit()
    assert store.get(stored["id"]) == stored


# --- reading ------------------------------------------------------------------------------------


def test_get_returns_the_stored_statement_after_commit(session: scoped_session[Session],
                                                       store: StatementStore) -> None:
    stored = store.add(statement(), authority=AUTHORITY, now=NOW)
    session.commit()
    session.remove()
    assert StatementStore(db.session).get(stored["id"]) == stored


def test_get_finds_a_statement_by_its_id_in_upper_case(session: scoped_session[Session],
                                                       store: StatementStore) -> None:
    stored = store.add(statement(), authority=AUTHORITY)
    session.commit()
    assert store.get(stored["id"].upper()) == stored


def test_get_returns_none_for_an_unknown_id(store: StatementStore) -> None:
    assert store.get(str(uuid.uuid4())) is None


# --- re-sending and conflicts -------------------------------------------------------------------


def test_re_adding_an_identical_statement_returns_the_stored_copy(
        session: scoped_session[Session], store: StatementStore) -> None:
    sent = statement()
    first = store.add(sent, authority=AUTHORITY, now=NOW)
    session.commit()
    again = store.add(copy.deepcopy(sent), authority=AUTHORITY, now=NOW + timedelta(hours=1))
    assert again == first


def test_re_adding_an_identical_statement_leaves_one_row(session: scoped_session[Session],
                                                         store: StatementStore) -> None:
    sent = statement()
    store.add(sent, authority=AUTHORITY)
    session.commit()
    store.add(copy.deepcopy(sent), authority=AUTHORITY)
    session.commit()
    assert record_count(session) == 1


def test_re_adding_an_identical_statement_does_not_tell_listeners_again(
        session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    store = StatementStore(session, listeners=[listener])
    sent = statement()
    store.add(sent, authority=AUTHORITY)
    store.add(copy.deepcopy(sent), authority=AUTHORITY)
    assert len(listener.stored) == 1


def test_re_adding_with_the_id_in_upper_case_is_the_same_statement(
        session: scoped_session[Session], store: StatementStore) -> None:
    sent = statement()
    first = store.add(sent, authority=AUTHORITY)
    session.commit()
    again = store.add({**copy.deepcopy(sent), "id": sent["id"].upper()}, authority=AUTHORITY)
    assert again == first


def test_statements_differing_only_in_properties_the_lrs_sets_are_the_same(
        session: scoped_session[Session], store: StatementStore) -> None:
    sent = statement()
    first = store.add(sent, authority=AUTHORITY, now=NOW)
    session.commit()
    resent = {**copy.deepcopy(sent), "version": "1.0.0", "stored": "2030-01-01T00:00:00Z",
              "authority": {"mbox": "mailto:other@force.example"}}
    assert store.add(resent, authority=AUTHORITY) == first


def test_re_adding_an_identical_statement_without_timestamp_returns_the_stored_copy(
        session: scoped_session[Session], store: StatementStore) -> None:
    sent = statement(timestamp=None)
    first = store.add(sent, authority=AUTHORITY)
    session.commit()
    assert store.add(copy.deepcopy(sent), authority=AUTHORITY) == first


@pytest.mark.parametrize("change", [
    {"verb": {"id": ATTEMPTED}},
    {"object": {"objectType": "Activity", "id": ACTIVITY_ID + "-2"}},
    {"result": {"success": True}},
    {"timestamp": "2024-02-28T15:00:00.000Z"},
], ids=["verb", "object", "result", "timestamp"])
def test_same_id_with_different_content_raises_conflict(
        session: scoped_session[Session], store: StatementStore, change: dict[str, Any]) -> None:
    sent = statement()
    store.add(sent, authority=AUTHORITY)
    session.commit()
    with pytest.raises(StatementConflict) as caught:
        store.add({**copy.deepcopy(sent), **change}, authority=AUTHORITY)
    assert caught.value.statement_id == sent["id"]


def test_conflict_leaves_the_stored_statement_unchanged(session: scoped_session[Session],
                                                        store: StatementStore) -> None:
    sent = statement()
    first = store.add(sent, authority=AUTHORITY)
    session.commit()
    with pytest.raises(StatementConflict):
        store.add({**sent, "verb": {"id": ATTEMPTED}}, authority=AUTHORITY)
    session.rollback()
    assert (store.get(sent["id"]), record_count(session)) == (first, 1)


# --- invalid statements -------------------------------------------------------------------------


@pytest.mark.parametrize("invalid", [
    statement(actor={"mbox": "priya.shah@force.example"}),
    statement(verb={"id": "completed"}),
    statement(id="not-a-uuid"),
    statement(result={"score": {"scaled": 2}}),
    voiding(str(uuid.uuid4()), object={"id": ACTIVITY_ID}),
], ids=["mbox", "verb", "id", "scaled", "voiding-activity"])
def test_invalid_statement_raises_and_writes_nothing(
        session: scoped_session[Session], store: StatementStore, invalid: dict[str, Any]) -> None:
    with pytest.raises(StatementInvalid):
        store.add(invalid, authority=AUTHORITY)
    session.commit()
    assert record_count(session) == 0


def test_invalid_statement_is_not_passed_to_listeners(session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    store = StatementStore(session, listeners=[listener])
    with pytest.raises(StatementInvalid):
        store.add(statement(verb={"id": "completed"}), authority=AUTHORITY)
    assert listener.stored == []


# --- voiding ------------------------------------------------------------------------------------


def test_voided_statement_is_no_longer_returned_by_get(session: scoped_session[Session],
                                                       store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert store.get(target["id"]) is None


def test_voided_statement_is_returned_by_get_voided(session: scoped_session[Session],
                                                    store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert store.get_voided(target["id"]) == target


def test_get_voided_returns_none_for_a_statement_that_is_not_voided(
        session: scoped_session[Session], store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    session.commit()
    assert store.get_voided(target["id"]) is None


def test_voiding_marks_the_target_record_voided(session: scoped_session[Session],
                                                store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert (record(session, target["id"]).voided, record(session, voider["id"]).voided) == (
        True, False)


def test_voiding_statement_itself_is_stored_and_returned_by_get(
        session: scoped_session[Session], store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert store.get(voider["id"]) == voider


def test_voiding_finds_a_target_named_in_upper_case(session: scoped_session[Session],
                                                    store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    store.add(voiding(target["id"].upper()), authority=AUTHORITY)
    session.commit()
    assert store.get_voided(target["id"]) == target


def test_voiding_tells_listeners_with_the_target_statement(
        session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    store = StatementStore(session, listeners=[listener])
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    assert (listener.voided, listener.stored) == ([target], [target, voider])


def test_voiding_an_already_voided_statement_does_not_tell_listeners_again(
        session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    store = StatementStore(session, listeners=[listener])
    target = store.add(statement(), authority=AUTHORITY)
    store.add(voiding(target["id"]), authority=AUTHORITY)
    store.add(voiding(target["id"]), authority=AUTHORITY)
    assert listener.voided == [target]


def test_voiding_a_voiding_statement_is_rejected(session: scoped_session[Session],
                                                 store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    with pytest.raises(StatementInvalid) as caught:
        store.add(voiding(voider["id"]), authority=AUTHORITY)
    assert caught.value.path == "object.id"


def test_rejected_voiding_of_a_voiding_statement_writes_nothing(
        session: scoped_session[Session], store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    with pytest.raises(StatementInvalid):
        store.add(voiding(voider["id"]), authority=AUTHORITY)
    session.commit()
    assert (record_count(session), store.get(voider["id"])) == (2, voider)


def test_voiding_statement_whose_target_does_not_exist_is_accepted(
        session: scoped_session[Session], store: StatementStore) -> None:
    voider = store.add(voiding(str(uuid.uuid4())), authority=AUTHORITY)
    session.commit()
    assert store.get(voider["id"]) == voider


def test_statement_stored_after_its_voiding_statement_counts_as_voided(
        session: scoped_session[Session], store: StatementStore) -> None:
    late = statement()
    store.add(voiding(late["id"]), authority=AUTHORITY)
    store.add(late, authority=AUTHORITY)
    session.commit()
    assert store.get(late["id"]) is None


# --- listeners and the transaction --------------------------------------------------------------


def test_listener_is_told_of_the_statement_as_stored(session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    stored = StatementStore(session, listeners=[listener]).add(statement(), authority=AUTHORITY)
    assert listener.stored == [stored]


def test_listener_is_called_after_the_statement_is_flushed_into_the_transaction(
        session: scoped_session[Session]) -> None:
    listener = RecordingListener()
    StatementStore(session, listeners=[listener]).add(statement(), authority=AUTHORITY)
    assert listener.visible_when_stored == [True]


def test_every_listener_is_told_in_order(session: scoped_session[Session]) -> None:
    calls: list[str] = []

    class Named(RecordingListener):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
            calls.append(self.name)

    StatementStore(session, listeners=[Named("first"), Named("second")]).add(
        statement(), authority=AUTHORITY)
    assert calls == ["first", "second"]


def test_a_failing_listener_leaves_nothing_stored_after_rollback(
        session: scoped_session[Session]) -> None:
    store = StatementStore(session, listeners=[FailingListener()])
    with pytest.raises(RuntimeError, match="projection failed"):
        store.add(statement(), authority=AUTHORITY)
    session.rollback()
    assert record_count(session) == 0


def test_a_failing_voided_listener_leaves_the_target_unvoided_after_rollback(
        session: scoped_session[Session], store: StatementStore) -> None:
    target = store.add(statement(), authority=AUTHORITY)
    session.commit()
    with pytest.raises(RuntimeError, match="projection failed"):
        StatementStore(session, listeners=[FailingListener()]).add(
            voiding(target["id"]), authority=AUTHORITY)
    session.rollback()
    assert (store.get(target["id"]), record_count(session)) == (target, 1)


# --- streaming ----------------------------------------------------------------------------------


def test_statements_come_in_the_order_stored_even_within_one_clock_tick(
        session: scoped_session[Session], store: StatementStore) -> None:
    ids = [store.add(statement(), authority=AUTHORITY, now=NOW)["id"] for _ in range(5)]
    session.commit()
    assert [s["id"] for s in store.statements()] == ids


def test_statements_come_in_the_order_stored_not_the_order_of_timestamps(
        session: scoped_session[Session], store: StatementStore) -> None:
    later = store.add(statement(timestamp="2024-03-01T00:00:00Z"), authority=AUTHORITY)
    earlier = store.add(statement(timestamp="2023-03-01T00:00:00Z"), authority=AUTHORITY)
    session.commit()
    assert [s["id"] for s in store.statements()] == [later["id"], earlier["id"]]


def test_statements_streams_everything_across_batches(session: scoped_session[Session],
                                                      store: StatementStore) -> None:
    ids = [store.add(statement(), authority=AUTHORITY)["id"] for _ in range(7)]
    session.commit()
    assert [s["id"] for s in store.statements(batch_size=2)] == ids


def test_statements_exclude_voided_statements(session: scoped_session[Session],
                                              store: StatementStore) -> None:
    kept = store.add(statement(), authority=AUTHORITY)
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert [s["id"] for s in store.statements()] == [kept["id"], voider["id"]]


def test_statements_include_voided_statements_when_asked(session: scoped_session[Session],
                                                         store: StatementStore) -> None:
    kept = store.add(statement(), authority=AUTHORITY)
    target = store.add(statement(), authority=AUTHORITY)
    voider = store.add(voiding(target["id"]), authority=AUTHORITY)
    session.commit()
    assert [s["id"] for s in store.statements(include_voided=True)] == [
        kept["id"], target["id"], voider["id"]]


def test_statements_filter_by_verb(session: scoped_session[Session],
                                   store: StatementStore) -> None:
    completed = [store.add(statement(), authority=AUTHORITY)["id"] for _ in range(2)]
    store.add(statement(verb={"id": ATTEMPTED}), authority=AUTHORITY)
    session.commit()
    assert [s["id"] for s in store.statements(verb=COMPLETED)] == completed


def test_statements_of_an_empty_store_yield_nothing(store: StatementStore) -> None:
    assert list(store.statements()) == []


# --- actor keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("actor", "key"), [
    ({"objectType": "Agent", "name": "DC Priya Shah",
      "account": {"homePage": "https://lms.force.example", "name": "pshah"}},
     "account:https://lms.force.example|pshah"),
    ({"mbox": MBOX}, f"mbox:{MBOX}"),
    ({"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
     "mbox_sha1sum:ebd31e95054c018b10727ccffd2ef2ec3a016ee9"),
    ({"openid": "https://openid.force.example/pshah"},
     "openid:https://openid.force.example/pshah"),
], ids=["account", "mbox", "mbox_sha1sum", "openid"])
def test_actor_key_is_the_agents_identifier(actor: dict[str, Any], key: str) -> None:
    assert actor_key(actor) == key


def test_actor_key_ignores_the_agents_name() -> None:
    assert actor_key({"name": "Priya", "mbox": MBOX}) == actor_key({"mbox": MBOX})


def test_actor_key_of_an_anonymous_group_does_not_depend_on_member_order() -> None:
    first, second = {"mbox": "mailto:a@force.example"}, {"mbox": "mailto:b@force.example"}
    key = actor_key({"objectType": "Group", "member": [second, first]})
    assert key == "group:mbox:mailto:a@force.example,mbox:mailto:b@force.example"


def test_stored_record_is_keyed_by_the_actors_account(session: scoped_session[Session],
                                                      store: StatementStore) -> None:
    actor = {"account": {"homePage": "https://lms.force.example", "name": "pshah"}}
    stored = store.add(statement(actor=actor), authority=AUTHORITY)
    session.commit()
    assert record(session, stored["id"]).actor_key == "account:https://lms.force.example|pshah"


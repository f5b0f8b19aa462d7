"""``flask cpd lrs-client``: the LMS team creates, revokes and lists the systems that call the LRS
API, and the demo force comes with one such client. Secrets are hashed with the real scrypt
here, since storing them hashed is what is being checked."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from werkzeug.security import check_password_hash

from cpd_tracker import get_state, vocabulary
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.demo.seed import LMS_CLIENT, LMS_SECRET, prepare
from cpd_tracker.models import Activity
from cpd_tracker.record.identities import client_authority
from tests.conftest import empty_tables
from xapi.clients import SCOPES
from xapi.models import ClientRecord

SECRET_LINE = re.compile(r"^Secret \(shown once; keep it safe\): (\S+)$", re.MULTILINE)


def lrs_client(app: Flask, *args: str) -> Result:
    """Run ``flask cpd lrs-client ARGS``."""
    return app.test_cli_runner().invoke(args=["cpd", "lrs-client", *args])


def created_secret(result: Result) -> str:
    assert result.exit_code == 0, result.output
    found = SECRET_LINE.findall(result.output)
    assert len(found) == 1, result.output
    return found[0]


def statements_status(app: Flask, name: str, secret: str, query: str = "") -> int:
    """The status of a GET of the Statements resource with these Basic credentials."""
    token = base64.b64encode(f"{name}:{secret}".encode()).decode()
    return app.test_client().get(f"/xapi/statements{query}", headers={
        "Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}).status_code


def clients(app: Flask) -> list[tuple[str, str, list[str], bool]]:
    """(name, secret hash, scopes, active) of every stored client, by name."""
    with app.app_context():
        rows = [(row.name, row.secret_hash, row.scopes, row.active)
                for row in db.session.scalars(sa.select(ClientRecord)
                                              .order_by(ClientRecord.name))]
        db.session.remove()
    return rows


# --- create -------------------------------------------------------------------------------------


def test_created_client_can_call_the_lrs_with_the_secret_shown(app: Flask) -> None:
    result = lrs_client(app, "create", "force-lms")
    secret = created_secret(result)
    assert "Created LRS client force-lms with scopes all." in result.output
    assert statements_status(app, "force-lms", secret) == 200


def test_a_wrong_secret_is_refused(app: Flask) -> None:
    created_secret(lrs_client(app, "create", "force-lms"))
    assert statements_status(app, "force-lms", "not-the-secret") == 401


def test_a_given_secret_is_used(app: Flask) -> None:
    result = lrs_client(app, "create", "force-lms", "--secret", "chosen-secret-123")
    assert created_secret(result) == "chosen-secret-123"
    assert statements_status(app, "force-lms", "chosen-secret-123") == 200


def test_the_secret_is_stored_only_as_a_hash(app: Flask) -> None:
    secret = created_secret(lrs_client(app, "create", "force-lms"))
    [(_, secret_hash, _, _)] = clients(app)
    assert secret not in secret_hash
    assert secret_hash.startswith("scrypt:")
    assert check_password_hash(secret_hash, secret)


def test_each_client_gets_its_own_generated_secret(app: Flask) -> None:
    first = created_secret(lrs_client(app, "create", "force-lms"))
    second = created_secret(lrs_client(app, "create", "elearning"))
    assert first != second
    assert len(first) >= 24


def test_created_client_holds_the_scopes_asked_for(app: Flask) -> None:
    result = lrs_client(app, "create", "analytics", "--scope", "statements/read",
                        "--scope", "state")
    created_secret(result)
    assert "with scopes statements/read, state." in result.output
    assert [(name, scopes) for name, _, scopes, _ in clients(app)] == [
        ("analytics", ["statements/read", "state"])]


def test_created_client_stores_statements_under_its_own_authority(app: Flask) -> None:
    created_secret(lrs_client(app, "create", "force-lms"))
    with app.app_context():
        authority = db.session.scalar(sa.select(ClientRecord.authority))
        expected = client_authority(get_state(app).settings, "force-lms")
        db.session.remove()
    assert authority == expected


@pytest.mark.parametrize(("args", "message"), [
    (["bad name!"], "name: 'bad name!' must be 1 to 128 letters, digits"),
    ([".lms"], "name: '.lms' must be 1 to 128 letters, digits"),
    (["force-lms", "--scope", "everything"], "Invalid value for '--scope': 'everything' is not "
                                             "one of"),
    (["force-lms", "--secret", "short"], "secret: must be at least 8 characters"),
])
def test_a_client_that_cannot_be_created_is_refused_and_nothing_is_written(
        app: Flask, args: list[str], message: str) -> None:
    result = lrs_client(app, "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Secret" not in result.output
    assert clients(app) == []


def test_the_unknown_scope_message_lists_the_scopes(app: Flask) -> None:
    result = lrs_client(app, "create", "force-lms", "--scope", "everything")
    assert all(scope in result.output for scope in SCOPES)


def test_a_second_client_of_the_same_name_is_refused(app: Flask) -> None:
    secret = created_secret(lrs_client(app, "create", "force-lms"))
    before = clients(app)

    again = lrs_client(app, "create", "force-lms", "--secret", "another-secret")

    assert again.exit_code != 0
    assert "name: a client called 'force-lms' already exists" in again.output
    assert clients(app) == before
    assert statements_status(app, "force-lms", secret) == 200


# --- revoke -------------------------------------------------------------------------------------


def test_a_revoked_client_can_no_longer_call_the_lrs(app: Flask) -> None:
    secret = created_secret(lrs_client(app, "create", "force-lms"))
    assert statements_status(app, "force-lms", secret) == 200

    result = lrs_client(app, "revoke", "force-lms")

    assert result.exit_code == 0, result.output
    assert "Revoked LRS client force-lms." in result.output
    assert statements_status(app, "force-lms", secret) == 401
    assert [active for *_, active in clients(app)] == [False]


def test_revoking_an_unknown_client_is_refused(app: Flask) -> None:
    result = lrs_client(app, "revoke", "nobody")
    assert result.exit_code != 0
    assert "name: no client called 'nobody'" in result.output


# --- list ---------------------------------------------------------------------------------------


def test_list_with_no_clients_says_how_to_create_one(app: Flask) -> None:
    result = lrs_client(app, "list")
    assert result.exit_code == 0
    assert "No LRS clients. Create one with `flask cpd lrs-client create NAME`." in result.output


def test_list_shows_each_clients_name_status_and_scopes(app: Flask) -> None:
    created_secret(lrs_client(app, "create", "force-lms"))
    created_secret(lrs_client(app, "create", "analytics", "--scope", "statements/read",
                              "--scope", "state"))
    assert lrs_client(app, "revoke", "analytics").exit_code == 0

    result = lrs_client(app, "list")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["analytics\trevoked\tstatements/read state",
                                          "force-lms\tactive\tall"]


def test_every_lrs_and_forwarding_command_has_help(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in (["cpd", "lrs-client"], ["cpd", "lrs-client", "create"],
                    ["cpd", "lrs-client", "revoke"], ["cpd", "lrs-client", "list"],
                    ["cpd", "forward"], ["cpd", "scheduler"]):
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, command


# --- the demo's LMS client ----------------------------------------------------------------------


@pytest.fixture
def seeded(migrated_url: str) -> Iterator[Flask]:
    app = create_app(migrated_url, config={"TESTING": True})
    assert prepare(app) is True
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def test_the_demo_lms_can_read_the_seeded_cpd_statements(seeded: Flask) -> None:
    assert (LMS_CLIENT, LMS_SECRET) == ("demo-lms", "demo-secret")
    client = seeded.test_client()
    token = base64.b64encode(b"demo-lms:demo-secret").decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    first = client.get("/xapi/statements?limit=1", headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert len(first.get_json()["statements"]) == 1

    seen: list[str] = []
    page = client.get(f"/xapi/statements?verb={vocabulary.VERB_LOGGED}", headers=headers)
    while True:
        assert page.status_code == 200
        seen += [statement["id"] for statement in page.get_json()["statements"]]
        if not page.get_json()["more"]:
            break
        page = client.get(page.get_json()["more"], headers=headers)
    with seeded.app_context():
        logged = set(db.session.scalars(sa.select(Activity.statement_id)))
        db.session.remove()
    assert logged and set(seen) == logged


def test_the_demo_lms_client_is_active_with_every_scope(seeded: Flask) -> None:
    result = lrs_client(seeded, "list")
    assert "demo-lms\tactive\tall" in result.output.splitlines()

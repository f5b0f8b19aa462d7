"""An officer's journey: sign in, log CPD through the form, see it counted. And every refusal."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from cpd_tracker.demo.models import db
from tests.factories import counts, form_fields, logged, officer, sign_in, today


def post_activity(client: FlaskClient, **overrides: str):
    page = client.get("/cpd/activities/new")
    assert page.status_code == 200
    data = {
        **form_fields(page.get_data(as_text=True)),
        "title": "Open-source intelligence refresher",
        "activity_date": (today(client.application) - timedelta(days=2)).isoformat(),
        "hours": "1",
        "minutes": "30",
        "category": "formal",
        "reflection": "Recording search trails properly.",
        "link": "https://learn.college.police.uk/osint",
    }
    data.update(overrides)
    return client.post("/cpd/activities/new", data=data)


def test_my_cpd_sends_a_stranger_to_the_hosts_sign_in(client: FlaskClient) -> None:
    response = client.get("/cpd/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_officer_logs_an_activity_and_sees_it_counted(app: Flask, client: FlaskClient) -> None:
    officer(app)
    sign_in(client, "pshah")

    response = post_activity(client)

    assert response.status_code == 302
    # docs/embedding.md: the library flashes with categories starting "cpd-", so a host
    # layout can leave them to the library's own pages.
    with client.session_transaction() as session:
        assert [category for category, _ in session["_flashes"]] == ["cpd-success"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged “Open-source intelligence refresher” (1 h 30 m)." in page
    assert "Open-source intelligence refresher" in page
    assert "1 h 30 m of 20 h" in page
    assert 'aria-valuenow="90"' in page and 'aria-valuemax="1200"' in page
    assert "log 18 h 30 m more CPD" in page
    assert counts(app) == (1, 1)


def test_my_cpd_page_sits_inside_the_hosts_layout(app: Flask, client: FlaskClient) -> None:
    officer(app)
    sign_in(client, "pshah")
    page = client.get("/cpd/").get_data(as_text=True)
    assert "Demo Force Learning" in page  # the host's CPD_BASE_TEMPLATE
    assert "<title>My CPD · Demo Force Learning</title>" in page


def signed_in_with_a_filled_form(app: Flask, client: FlaskClient) -> dict[str, str]:
    """An officer signed in, and what their browser would send for one filled-in form."""
    officer(app)
    sign_in(client, "pshah")
    page = client.get("/cpd/activities/new").get_data(as_text=True)
    return {**form_fields(page), "title": "Debrief workshop", "hours": "2", "minutes": "0",
            "activity_date": today(app).isoformat(), "category": "formal"}


def test_sending_the_same_form_twice_logs_it_once(app: Flask, client: FlaskClient) -> None:
    data = signed_in_with_a_filled_form(app, client)
    assert client.post("/cpd/activities/new", data=data).status_code == 302
    assert client.post("/cpd/activities/new", data=data).status_code == 302
    assert counts(app) == (1, 1)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": "  "}, "title", "Give the activity a title."),
    ({"hours": "0", "minutes": "0"}, "duration", "The duration must be more than zero."),
    ({"hours": "-2"}, "hours", "Hours cannot be negative."),
    ({"minutes": "75"}, "minutes", "Minutes must be 0 to 59."),
    ({"hours": "25", "minutes": "0"}, "duration", "more than 24 h in one day"),
    ({"activity_date": "2999-01-01"}, "activity_date", "is in the future"),
    ({"activity_date": "2001-01-01"}, "activity_date", "is before you joined"),
    ({"activity_date": "31/02/2026"}, "activity_date", "Give the date as day, month and year."),
    ({"category": "karaoke"}, "category", "'karaoke' is not a CPD category; choose one of"),
    ({"link": "javascript:alert(1)"}, "link", "A link must start with https:// or http://."),
])
def test_bad_entry_is_refused_next_to_its_field_and_nothing_is_written(
        app: Flask, client: FlaskClient, overrides: dict[str, str], field: str,
        message: str) -> None:
    officer(app)
    sign_in(client, "pshah")

    response = post_activity(client, **overrides)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error">' in page
    error_line = html.unescape(page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0])
    assert message in error_line
    assert "Nothing has been saved yet" in page
    assert counts(app) == (0, 0)


def test_a_day_cannot_hold_more_than_24_hours_across_activities(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    logged(app, learner, minutes=20 * 60, days_ago=2)
    sign_in(client, "pshah")

    response = post_activity(client, hours="5", minutes="0")

    assert response.status_code == 422
    assert "20 h is already logged that day" in response.get_data(as_text=True)
    assert counts(app) == (1, 1)


def test_form_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    officer(app)
    sign_in(client, "pshah")
    response = client.post("/cpd/activities/new", data={
        "title": "x", "activity_date": today(app).isoformat(), "hours": "1", "minutes": "0",
        "category": "formal"})
    assert response.status_code == 400
    assert counts(app) == (0, 0)


def test_reflection_is_shown_as_text_not_html(app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    logged(app, learner, reflection="<script>alert('x')</script>")
    sign_in(client, "pshah")
    page = client.get("/cpd/").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_activities_before_this_cycle_are_not_counted(app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    logged(app, learner, title="Course from last cycle", minutes=600, days_ago=400)
    logged(app, learner, title="Course this cycle", minutes=60, days_ago=0)
    sign_in(client, "pshah")
    page = client.get("/cpd/").get_data(as_text=True)
    assert "Course this cycle" in page
    assert "Course from last cycle" not in page
    assert "1 h of 20 h" in page


def test_person_without_a_role_is_told_so(app: Flask, client: FlaskClient) -> None:
    officer(app, roles=())
    sign_in(client, "pshah")
    page = client.get("/cpd/").get_data(as_text=True)
    assert "You hold no role with a CPD requirement yet" in page



def count_queries(app: Flask, client: FlaskClient, url: str) -> int:
    """How many SQL statements one request runs."""
    seen: list[str] = []

    def record(connection: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_my_cpd_runs_the_same_queries_however_much_is_logged(
        app: Flask, client: FlaskClient) -> None:
    learner = officer(app)
    sign_in(client, "pshah")
    logged(app, learner, days_ago=1)
    few = count_queries(app, client, "/cpd/")
    for day in range(2, 22):
        logged(app, learner, days_ago=day, minutes=30)
    many = count_queries(app, client, "/cpd/")
    assert few == many


def test_sending_a_used_form_again_with_other_details_is_refused(
        app: Flask, client: FlaskClient) -> None:
    data = signed_in_with_a_filled_form(app, client)
    assert client.post("/cpd/activities/new", data=data).status_code == 302
    response = client.post("/cpd/activities/new", data={**data, "hours": "3"})
    assert response.status_code == 422
    assert "This form was already sent with different details" in response.get_data(as_text=True)
    assert counts(app) == (1, 1)

"""The leads' weekly digest: on the digest day (or a catch-up day after), one email to each
lead, read back from a real SMTP server, with the counts by status for their scope only, who
changed status since last week (from the nightly snapshots) and who is overdue; once a week.

Cycles of the IPP example are fixed (1 April to 31 March), so days are counted from the 31 March
that ends the current cycle, and weekdays are computed, not hard-coded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state, scheduler
from cpd_tracker.config import WEEKDAYS, ConfigError
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.words import format_date
from cpd_tracker.models import Activity, Learner
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.reminders import digest
from cpd_tracker.reminders.digest import digest_day
from cpd_tracker.reminders.stages import LeadRecipient
from cpd_tracker.services.activities import withdraw_activity
from tests.conftest import empty_tables
from tests.factories import framework
from tests.smtp_server import SMTPServer
from tests.test_reminders import (
    FIB,
    HOME,
    LONDON,
    OFFICER,
    SENDER,
    SOCU,
    cycle_end,
    log,
    meet_cycle,
    person,
    rows,
    subject,
    text_of,
)

ANALYST = "intelligence-analyst"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.fixture
def host(migrated_url: str, tmp_path: Path, smtp: SMTPServer) -> Iterator[Callable[..., Flask]]:
    """Make the demo host (IPP example loaded) sending mail to the test SMTP server, with the
    configuration given; the tables are emptied after the test."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app(migrated_url, config={
            "TESTING": True, "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence"),
            "MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "CPD_MAIL_SENDER": SENDER,
            "CPD_LMS_HOME_PAGE": f"{HOME}/", **config})
        with app.app_context():
            db.create_all()
        if not made:
            framework(app)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            if app is made[0]:
                empty_tables(db.engine)
            db.engine.dispose()


@pytest.fixture
def mail_app(host: Callable[..., Flask]) -> Flask:
    """Digests on Mondays (the default, spelt as a host might), three days' catch-up."""
    return host(CPD_DIGEST_DAY="Monday")


def the_cycle_end() -> date:
    """The 31 March ending the current cycle, before there is an app to ask (the force's
    time zone is the default, London)."""
    now = datetime.now(LONDON).date()
    return date(now.year + 1 if now >= date(now.year, 4, 1) else now.year, 3, 31)


def digest_monday(app: Flask) -> date:
    """A Monday 45 to 51 days before the cycle ends: clear of every shortfall stage (60 and 30
    days before) and its catch-up days, so only digests are sent that week."""
    day = cycle_end(app) - timedelta(days=45)
    return day - timedelta(days=day.weekday())


def leads(app: Flask, scopes: dict[str, tuple[LeadScope, ...]], *, admins: tuple[str, ...] = ()
          ) -> None:
    """The host's leads hook (``CPD_LEADS``) and access hook, as a host would set them."""
    state = get_state(app)
    state.access = lambda user: Access(user.get_id(), admin=user.get_id() in admins,
                                       lead_scopes=scopes.get(user.get_id(), ()))
    state.leads = lambda: list(db.session.scalars(
        sa.select(DemoUser).where(DemoUser.username.in_([*scopes, *admins]))
        .order_by(DemoUser.username)))


def lines_of(message: Message) -> list[str]:
    """The digest's lines, as the plain text part lists them (under its title, the message
    may hold other reminders too)."""
    text = text_of(message).splitlines()
    [title] = [n for n, line in enumerate(text) if line.startswith("Weekly CPD digest: ")]
    found = []
    for line in text[title + 1:]:
        if not line.startswith("- "):
            return found
        found.append(line[2:])
    raise AssertionError("the digest runs to the end of the message")


def digest_rows(app: Flask) -> list[tuple[str, str]]:
    return sorted((row.recipient_reference, row.key) for row in rows(app) if row.kind == "digest")


def snapshot(app: Flask, day: date) -> None:
    assert scheduler.snapshot(app, as_of=day).taken


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- which day ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "weekday", "catch_up", "expected"), [
    (date(2027, 2, 8), MON, 3, date(2027, 2, 8)),  # a Monday: its own digest day
    (date(2027, 2, 9), MON, 3, date(2027, 2, 8)),  # Tuesday: catching up Monday's
    (date(2027, 2, 11), MON, 3, date(2027, 2, 8)),  # Thursday: the last catch-up day
    (date(2027, 2, 12), MON, 3, None),  # Friday: too late
    (date(2027, 2, 14), MON, 3, None),  # Sunday: too late, and not yet the next
    (date(2027, 2, 9), MON, 0, None),  # no catch-up at all
    (date(2027, 2, 8), MON, 0, date(2027, 2, 8)),
    (date(2027, 2, 8), FRI, 3, date(2027, 2, 5)),  # Friday's, caught up over the weekend
    (date(2027, 2, 9), FRI, 3, None),
    (date(2027, 1, 3), WED, 6, date(2026, 12, 30)),  # across the turn of the year
    (date(2027, 2, 14), SUN, 3, date(2027, 2, 14)),
    (date(2027, 2, 13), SUN, 6, date(2027, 2, 7)),
])
def test_the_digest_day_is_the_latest_digest_weekday_within_the_catch_up_days(
        as_of: date, weekday: int, catch_up: int, expected: date | None) -> None:
    assert digest_day(as_of, weekday, catch_up) == expected
    if expected is not None:
        assert expected.weekday() == weekday


@pytest.mark.parametrize(("access", "role", "unit", "expected"), [
    (Access("a", admin=True), OFFICER, FIB, True),
    (Access("a", lead_scopes=(LeadScope("force"),)), ANALYST, None, True),
    (Access("a", lead_scopes=(LeadScope("unit", SOCU),)), OFFICER, SOCU, True),
    (Access("a", lead_scopes=(LeadScope("unit", SOCU),)), OFFICER, FIB, False),
    (Access("a", lead_scopes=(LeadScope("unit", SOCU),)), OFFICER, None, False),
    (Access("a", lead_scopes=(LeadScope("role", ANALYST),)), ANALYST, FIB, True),
    (Access("a", lead_scopes=(LeadScope("role", ANALYST),)), OFFICER, FIB, False),
    (Access("a", lead_scopes=(LeadScope("role", ANALYST), LeadScope("unit", FIB))),
     OFFICER, FIB, True),
    (Access("a"), OFFICER, FIB, False),
])
def test_a_standing_is_in_a_leads_scope_by_force_unit_or_role(
        access: Access, role: str, unit: str | None, expected: bool) -> None:
    assert access.leads(unit, (role,)) is expected


# --- one digest to each lead, of their scope ----------------------------------------------------


def test_a_force_unit_and_role_lead_each_get_one_digest_of_their_scope_only(
        mail_app: Flask, smtp: SMTPServer) -> None:
    end = cycle_end(mail_app)
    start = date(end.year - 1, 4, 1)
    monday = digest_monday(mail_app)
    meet_cycle(mail_app, person(mail_app, "pshah", "DC Priya Shah"), start)
    person(mail_app, "hmorris", "DS Helen Morris")  # FIB, non-compliant
    meet_cycle(mail_app, person(mail_app, "akhan", "DC Asha Khan", unit=SOCU), start)
    person(mail_app, "tbarker", "DC Tom Barker", unit=SOCU, roles=(ANALYST,))
    for username, name, unit in [("mevans", "DI Mark Evans", FIB),
                                 ("kocu", "DI Kate Okafor", SOCU),
                                 ("rlead", "DCI Rob Lead", FIB)]:
        person(mail_app, username, name, roles=(), unit=unit)
    leads(mail_app, {"mevans": (LeadScope("force"),), "kocu": (LeadScope("unit", SOCU),),
                     "rlead": (LeadScope("role", ANALYST),)})

    report = scheduler.remind(mail_app, as_of=monday)

    title = f"Weekly CPD digest: week of {format_date(monday)}"
    mailbox = smtp.mailbox
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "DCI Rob Lead <rlead@force.example>", "DI Kate Okafor <kocu@force.example>",
        "DI Mark Evans <mevans@force.example>"]
    assert {subject(m) for m in mailbox.messages} == {title}
    assert all(str(m["From"]) == SENDER for m in mailbox.messages)
    assert (report.sent, report.messages) == (3, 3)
    since = format_date(monday - timedelta(days=7))
    due = format_date(end)

    [force_wide] = mailbox.to("mevans@")
    assert lines_of(force_wide) == [
        "In the force: 4 people, 4 role requirements this cycle.",
        "Exempt: 0 (0%)", "Compliant: 2 (50%)", "On track: 0 (0%)", "At risk: 0 (0%)",
        "Non-compliant: 2 (50%)",
        f"Changed status since {since}: 0",
        "Overdue: 2",
        f"DC Tom Barker, Intelligence Analyst: non-compliant, due {due}",
        f"DS Helen Morris, Intelligence Officer: non-compliant, due {due}"]
    assert f"{HOME}/cpd/reminders" in text_of(force_wide)

    [unit] = mailbox.to("kocu@")
    assert lines_of(unit) == [
        f"In {SOCU}: 2 people, 2 role requirements this cycle.",
        "Exempt: 0 (0%)", "Compliant: 1 (50%)", "On track: 0 (0%)", "At risk: 0 (0%)",
        "Non-compliant: 1 (50%)",
        f"Changed status since {since}: 0",
        "Overdue: 1",
        f"DC Tom Barker, Intelligence Analyst: non-compliant, due {due}"]
    assert "Helen Morris" not in text_of(unit) and "Priya Shah" not in text_of(unit)

    [role] = mailbox.to("rlead@")
    assert lines_of(role) == [
        "In Intelligence Analyst: 1 people, 1 role requirements this cycle.",
        "Exempt: 0 (0%)", "Compliant: 0 (0%)", "On track: 0 (0%)", "At risk: 0 (0%)",
        "Non-compliant: 1 (100%)",
        f"Changed status since {since}: 0",
        "Overdue: 1",
        f"DC Tom Barker, Intelligence Analyst: non-compliant, due {due}"]
    assert "Helen Morris" not in text_of(role)

    week = week_key(monday)
    assert digest_rows(mail_app) == [("kocu", f"digest:kocu:{week}"),
                                     ("mevans", f"digest:mevans:{week}"),
                                     ("rlead", f"digest:rlead:{week}")]
    assert {(row.status, row.learner_id, row.stage_on) for row in rows(mail_app)} == {
        ("sent", None, monday)}


def test_an_admin_leads_the_force_and_several_scopes_add_up_without_counting_twice(
        mail_app: Flask, smtp: SMTPServer) -> None:
    monday = digest_monday(mail_app)
    person(mail_app, "hmorris", "DS Helen Morris", roles=(OFFICER, ANALYST))  # FIB
    person(mail_app, "tbarker", "DC Tom Barker", unit=SOCU, roles=(ANALYST,))
    person(mail_app, "akhan", "DC Asha Khan", unit=SOCU)
    for username, name in [("admin", "Ms Ada Admin"), ("multi", "DI Max Multi"),
                           ("empty", "DI Emma Empty")]:
        person(mail_app, username, name, roles=())
    leads(mail_app, {"multi": (LeadScope("unit", FIB), LeadScope("role", ANALYST)),
                     "empty": (LeadScope("unit", "Marine Unit"),)}, admins=("admin",))

    scheduler.remind(mail_app, as_of=monday)

    since = format_date(monday - timedelta(days=7))
    due = format_date(cycle_end(mail_app))
    [admin] = smtp.mailbox.to("admin@")
    assert lines_of(admin)[0] == "In the force: 3 people, 4 role requirements this cycle."
    assert "Non-compliant: 4 (100%)" in lines_of(admin) and "Overdue: 4" in lines_of(admin)
    # Helen is in both of the lead's scopes, and counted once in each role.
    [multi] = smtp.mailbox.to("multi@")
    assert lines_of(multi) == [
        f"In {FIB}, Intelligence Analyst: 2 people, 3 role requirements this cycle.",
        "Exempt: 0 (0%)", "Compliant: 0 (0%)", "On track: 0 (0%)", "At risk: 0 (0%)",
        "Non-compliant: 3 (100%)",
        f"Changed status since {since}: 0",
        "Overdue: 3",
        f"DC Tom Barker, Intelligence Analyst: non-compliant, due {due}",
        f"DS Helen Morris, Intelligence Analyst: non-compliant, due {due}",
        f"DS Helen Morris, Intelligence Officer: non-compliant, due {due}"]
    assert "Asha Khan" not in text_of(multi)
    # A lead whose scope holds nobody still hears that it holds nobody.
    [empty] = smtp.mailbox.to("empty@")
    assert lines_of(empty) == [
        "In Marine Unit: 0 people, 0 role requirements this cycle.",
        "Exempt: 0 (0%)", "Compliant: 0 (0%)", "On track: 0 (0%)", "At risk: 0 (0%)",
        "Non-compliant: 0 (0%)", f"Changed status since {since}: 0", "Overdue: 0"]


def test_someone_with_no_lead_scope_gets_no_digest(mail_app: Flask, smtp: SMTPServer) -> None:
    monday = digest_monday(mail_app)
    person(mail_app, "hmorris", "DS Helen Morris")
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    person(mail_app, "nobody", "PC Nora Body", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),), "nobody": ()})  # listed, but leads none

    scheduler.remind(mail_app, as_of=monday)

    assert [str(m["To"]) for m in smtp.mailbox.messages] == [
        "DI Mark Evans <mevans@force.example>"]
    assert smtp.mailbox.to("nobody@") == []
    assert [ref for ref, _ in digest_rows(mail_app)] == ["mevans"]


# --- what moved this week -----------------------------------------------------------------------


def test_who_changed_status_since_last_week_is_named_from_and_to(mail_app: Flask,
                                                                  smtp: SMTPServer) -> None:
    end = cycle_end(mail_app)
    start = date(end.year - 1, 4, 1)
    monday = digest_monday(mail_app)
    last_week = monday - timedelta(days=7)
    helen = person(mail_app, "hmorris", "DS Helen Morris")
    tom = person(mail_app, "tbarker", "DC Tom Barker", unit=SOCU)
    person(mail_app, "jstill", "DC Jo Still")  # non-compliant both weeks: not a change
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    person(mail_app, "kocu", "DI Kate Okafor", roles=(), unit=SOCU)
    leads(mail_app, {"mevans": (LeadScope("force"),), "kocu": (LeadScope("unit", SOCU),)})
    snapshot(mail_app, last_week)  # where everyone began: first records, not changes
    meet_cycle(mail_app, helen, start)
    meet_cycle(mail_app, tom, start)
    snapshot(mail_app, monday - timedelta(days=3))  # Friday night
    snapshot(mail_app, monday)  # the nightly job, before the reminder run

    scheduler.remind(mail_app, as_of=monday)

    since = format_date(last_week)
    [force_wide] = smtp.mailbox.to("mevans@")
    lines = lines_of(force_wide)
    assert lines[1:6] == ["Exempt: 0 (0%)", "Compliant: 2 (67%)", "On track: 0 (0%)",
                          "At risk: 0 (0%)", "Non-compliant: 1 (33%)"]
    changed = lines.index(f"Changed status since {since}: 2")
    assert lines[changed + 1:changed + 3] == [
        "DC Tom Barker, Intelligence Officer: Non-compliant → Compliant",
        "DS Helen Morris, Intelligence Officer: Non-compliant → Compliant"]
    assert lines[changed + 3] == "Overdue: 1"
    assert "DC Jo Still, Intelligence Officer: Non" not in lines[changed + 1:changed + 3]

    [unit] = smtp.mailbox.to("kocu@")
    lines = lines_of(unit)
    changed = lines.index(f"Changed status since {since}: 1")
    assert lines[changed + 1:] == [
        "DC Tom Barker, Intelligence Officer: Non-compliant → Compliant", "Overdue: 0"]
    assert "Helen Morris" not in text_of(unit)


def test_the_worst_changes_come_first(mail_app: Flask, smtp: SMTPServer) -> None:
    """A lead reads first who has slipped: ordered by the status moved to, worst first."""
    end = cycle_end(mail_app)
    start = date(end.year - 1, 4, 1)
    monday = digest_monday(mail_app)
    last_week = monday - timedelta(days=7)
    zoe = person(mail_app, "zadams", "DC Zoe Adams")
    amy = person(mail_app, "abrown", "DC Amy Brown")
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),)})
    log(mail_app, amy, start, 120, n=1, item="data-protection")  # at risk (behind on pace)
    snapshot(mail_app, last_week)
    meet_cycle(mail_app, zoe, start)  # non-compliant → compliant
    with mail_app.app_context():  # and Amy withdraws her refresher, logged by mistake
        learner = db.session.get(Learner, amy)
        [refresher] = db.session.scalars(sa.select(Activity).where(Activity.learner_id == amy))
        withdraw_activity(db.session, get_state(mail_app).settings, learner, refresher)
        db.session.remove()
    snapshot(mail_app, monday)

    scheduler.remind(mail_app, as_of=monday)

    [message] = smtp.mailbox.to("mevans@")
    lines = lines_of(message)
    changed = lines.index(f"Changed status since {format_date(last_week)}: 2")
    assert lines[changed + 1:changed + 3] == [
        "DC Amy Brown, Intelligence Officer: At risk → Non-compliant",
        "DC Zoe Adams, Intelligence Officer: Non-compliant → Compliant"]


# --- who is overdue -----------------------------------------------------------------------------


#: The day the overdue tests' force lives on (``CPD_CLOCK``): well into the 2026/27 cycle, so
#: a refresher done "today" is still current a week after the cycle ends, whatever the date.
OVERDUE_TODAY = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
OVERDUE_CYCLE_END = date(2027, 3, 31)


def overdue_officer_and_lead(app: Flask) -> None:
    """DC Priya Shah short of hours when the cycle ends, though her data protection refresher is
    current: overdue for the ended cycle, on track in the new one. DI Mark Evans leads the
    force, DI Kate Okafor the other unit."""
    today = get_state(app).today()
    assert today == OVERDUE_TODAY.date()  # the app's clock: the host set CPD_CLOCK
    person(app, "pshah", "DC Priya Shah")
    log(app, learner_id(app, "pshah"), today, 120, n=1, item="data-protection")
    person(app, "mevans", "DI Mark Evans", roles=())
    person(app, "kocu", "DI Kate Okafor", roles=(), unit=SOCU)
    leads(app, {"mevans": (LeadScope("force"),), "kocu": (LeadScope("unit", SOCU),)})


def learner_id(app: Flask, reference: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(Learner.id).where(Learner.reference == reference))
        db.session.remove()
    assert found is not None
    return found


def test_an_officer_sent_an_overdue_notice_in_the_same_run_is_named_under_overdue(
        host: Callable[..., Flask], smtp: SMTPServer) -> None:
    end = OVERDUE_CYCLE_END
    notice_day = end + timedelta(days=7)  # the overdue stage (-7)
    app = host(CPD_DIGEST_DAY=WEEKDAYS[notice_day.weekday()], CPD_CLOCK=lambda: OVERDUE_TODAY)
    assert cycle_end(app) == end
    overdue_officer_and_lead(app)

    scheduler.remind(app, as_of=notice_day)

    overdue = f"Intelligence Officer CPD: overdue since {format_date(end)}"
    [own] = smtp.mailbox.to("pshah@")
    assert subject(own) == overdue
    [lead] = smtp.mailbox.to("mevans@")  # the escalation and the digest, in one message
    assert subject(lead) == "Your CPD records: 2 reminders"
    text = text_of(lead)
    assert f"DC Priya Shah is overdue: {overdue}" in text
    assert f"Weekly CPD digest: week of {format_date(notice_day)}" in text
    lines = lines_of(lead)
    # Judged today she is on track in the new cycle; the notice is why she is named.
    assert "On track: 1 (100%)" in lines and "Non-compliant: 0 (0%)" in lines
    overdue_at = lines.index("Overdue: 1")
    assert lines[overdue_at + 1] == (
        f"DC Priya Shah, Intelligence Officer: overdue since {format_date(end)}")
    [unit] = smtp.mailbox.to("kocu@")
    assert "Overdue: 0" in lines_of(unit) and "Priya Shah" not in text_of(unit)
    assert sorted((row.kind, row.recipient_reference) for row in rows(app)) == [
        ("digest", "kocu"), ("digest", "mevans"), ("escalation", "mevans"),
        ("overdue", "pshah")]


def test_an_officer_sent_an_overdue_notice_earlier_in_the_week_is_named_under_overdue(
        host: Callable[..., Flask], smtp: SMTPServer) -> None:
    """The notice went on Monday's run (with no catch-up, it is not due again); Wednesday's
    digest finds it in the reminder log."""
    end = OVERDUE_CYCLE_END
    notice_day = end + timedelta(days=7)
    digest_on = notice_day + timedelta(days=2)
    app = host(CPD_DIGEST_DAY=WEEKDAYS[digest_on.weekday()], CPD_REMINDER_CATCH_UP_DAYS=0,
               CPD_CLOCK=lambda: OVERDUE_TODAY)
    overdue_officer_and_lead(app)
    scheduler.remind(app, as_of=notice_day)
    assert digest_rows(app) == []
    assert len(smtp.mailbox.to("mevans@")) == 1  # the escalation alone

    report = scheduler.remind(app, as_of=digest_on)

    assert report.due == 2  # the two digests: nothing else is due that day
    [_, lead] = smtp.mailbox.to("mevans@")
    assert subject(lead) == f"Weekly CPD digest: week of {format_date(digest_on)}"
    lines = lines_of(lead)
    overdue_at = lines.index("Overdue: 1")
    assert lines[overdue_at + 1:] == [
        f"DC Priya Shah, Intelligence Officer: overdue since {format_date(end)}"]
    # A week later the notice is last week's news.
    scheduler.remind(app, as_of=digest_on + timedelta(days=7))
    [*_, next_week] = smtp.mailbox.to("mevans@")
    assert lines_of(next_week)[-1] == "Overdue: 0"


def test_a_long_list_is_cut_short_with_how_many_more(mail_app: Flask, smtp: SMTPServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "NAMED_MOST", 2)
    end = cycle_end(mail_app)
    start = date(end.year - 1, 4, 1)
    monday = digest_monday(mail_app)
    last_week = monday - timedelta(days=7)
    officers = [person(mail_app, f"officer{n}", f"DC Officer {n}") for n in range(5)]
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),)})
    snapshot(mail_app, last_week)
    for learner in officers[:3]:
        meet_cycle(mail_app, learner, start)
    snapshot(mail_app, monday)
    person(mail_app, "officer5", "DC Officer 5")
    person(mail_app, "officer6", "DC Officer 6")

    scheduler.remind(mail_app, as_of=monday)

    [message] = smtp.mailbox.messages
    lines = lines_of(message)
    changed = lines.index(f"Changed status since {format_date(last_week)}: 3")
    assert lines[changed + 1:] == [
        "DC Officer 0, Intelligence Officer: Non-compliant → Compliant",
        "DC Officer 1, Intelligence Officer: Non-compliant → Compliant",
        "… and 1 more",
        "Overdue: 4",
        f"DC Officer 3, Intelligence Officer: non-compliant, due {format_date(end)}",
        f"DC Officer 4, Intelligence Officer: non-compliant, due {format_date(end)}",
        "… and 2 more"]


# --- once a week, on its day --------------------------------------------------------------------


def test_a_second_run_the_same_day_or_on_a_catch_up_day_sends_no_second_digest(
        mail_app: Flask, smtp: SMTPServer) -> None:
    monday = digest_monday(mail_app)
    person(mail_app, "hmorris", "DS Helen Morris")
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),)})

    first = scheduler.remind(mail_app, as_of=monday)
    assert (first.due, first.recorded, first.sent) == (1, 1, 1)
    for day in (monday, monday + timedelta(days=1), monday + timedelta(days=3)):
        again = scheduler.remind(mail_app, as_of=day)
        assert (again.due, again.recorded, again.sent) == (1, 0, 0), day  # the same digest

    assert len(smtp.mailbox.messages) == 1
    assert digest_rows(mail_app) == [("mevans", f"digest:mevans:{week_key(monday)}")]
    # Next Monday is next week's.
    assert scheduler.remind(mail_app, as_of=monday + timedelta(days=7)).sent == 1
    assert digest_rows(mail_app) == [
        ("mevans", f"digest:mevans:{week_key(monday)}"),
        ("mevans", f"digest:mevans:{week_key(monday + timedelta(days=7))}")]
    assert [subject(m) for m in smtp.mailbox.messages] == [
        f"Weekly CPD digest: week of {format_date(monday)}",
        f"Weekly CPD digest: week of {format_date(monday + timedelta(days=7))}"]


def test_a_missed_digest_day_is_caught_up_once_within_the_catch_up_days(
        mail_app: Flask, smtp: SMTPServer) -> None:
    monday = digest_monday(mail_app)
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),)})

    assert scheduler.remind(mail_app, as_of=monday + timedelta(days=2)).sent == 1
    assert scheduler.remind(mail_app, as_of=monday + timedelta(days=3)).sent == 0

    [message] = smtp.mailbox.messages
    assert subject(message) == f"Weekly CPD digest: week of {format_date(monday)}"
    [row] = rows(mail_app)
    assert (row.key, row.stage_on, row.due_on) == (
        f"digest:mevans:{week_key(monday)}", monday, monday)


def test_no_digest_on_a_day_beyond_the_catch_up_days(mail_app: Flask, smtp: SMTPServer) -> None:
    monday = digest_monday(mail_app)
    person(mail_app, "hmorris", "DS Helen Morris")
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    leads(mail_app, {"mevans": (LeadScope("force"),)})

    for day in (monday - timedelta(days=1), monday + timedelta(days=4),
                monday + timedelta(days=5)):
        assert scheduler.remind(mail_app, as_of=day).due == 0, day

    assert smtp.mailbox.messages == [] and rows(mail_app) == []


def test_no_digest_when_cpd_digest_day_is_none(host: Callable[..., Flask],
                                                smtp: SMTPServer) -> None:
    app = host(CPD_DIGEST_DAY=None)
    assert get_state(app).settings.digest_weekday is None
    monday = digest_monday(app)
    person(app, "hmorris", "DS Helen Morris")
    person(app, "mevans", "DI Mark Evans", roles=())
    leads(app, {"mevans": (LeadScope("force"),)})

    for day in (monday + timedelta(days=n) for n in range(7)):
        assert scheduler.remind(app, as_of=day).due == 0, day

    assert smtp.mailbox.messages == [] and rows(app) == []


def test_the_digest_day_is_monday_unless_configured(host: Callable[..., Flask]) -> None:
    assert get_state(host()).settings.digest_weekday == MON
    assert get_state(host(CPD_DIGEST_DAY=" friday ")).settings.digest_weekday == FRI
    assert get_state(host(CPD_DIGEST_DAY="SUNDAY")).settings.digest_weekday == SUN


@pytest.mark.parametrize("value", ["funday", "mon", "", 0, 1, ["monday"]])
def test_a_bad_digest_day_is_refused_at_start_up_naming_the_key(migrated_url: str,
                                                                tmp_path: Path,
                                                                value: Any) -> None:
    with pytest.raises(ConfigError, match="CPD_DIGEST_DAY") as error:
        create_app(migrated_url, config={
            "TESTING": True, "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence"),
            "CPD_DIGEST_DAY": value})
    assert repr(value) in str(error.value)


# --- the digest's own key -----------------------------------------------------------------------


def test_the_key_is_the_leads_iso_week_of_the_digest_day(mail_app: Flask) -> None:
    """1 January 2027 is a Friday in ISO week 53 of 2026; caught up on the Sunday after, the
    digest keeps that week."""
    lead = LeadRecipient("mevans", "DI Mark Evans", "mevans@force.example",
                         Access("mevans", lead_scopes=(LeadScope("force"),)))
    with mail_app.app_context():
        state = get_state(mail_app)
        fridays = replace(state.settings, digest_weekday=FRI)
        [due] = digest.digests(state.session, fridays, (), [lead], as_of=date(2027, 1, 3),
                               catch_up_days=3)
        assert (due.key, due.kind, due.learner_id, due.due_on) == (
            "digest:mevans:2026-W53", "digest", None, date(2027, 1, 1))
        assert digest.digests(state.session, fridays, (), [lead], as_of=date(2027, 1, 5),
                              catch_up_days=3) == []
        db.session.remove()



def officer_who_left_the_role_at_the_cycle_end(app: Flask) -> None:
    """DC Priya Shah of the Force Intelligence Bureau, short when the cycle ended, the day she
    left the role; DI Fiona Bureau leads her unit, DI Mark Evans the force."""
    person(app, "pshah", "DC Priya Shah", ended_on=the_cycle_end())
    person(app, "mevans", "DI Mark Evans", roles=())
    person(app, "fbureau", "DI Fiona Bureau", roles=())
    leads(app, {"mevans": (LeadScope("force"),), "fbureau": (LeadScope("unit", FIB),)})


def test_a_unit_lead_is_told_of_an_overdue_officer_who_has_since_left_the_role_later_in_the_week(
        host: Callable[..., Flask], smtp: SMTPServer) -> None:
    """Found in the reminder log, the officer's unit is their record's."""
    end = OVERDUE_CYCLE_END
    notice_day = end + timedelta(days=7)
    digest_on = notice_day + timedelta(days=2)
    app = host(CPD_DIGEST_DAY=WEEKDAYS[digest_on.weekday()], CPD_REMINDER_CATCH_UP_DAYS=0,
               CPD_CLOCK=lambda: OVERDUE_TODAY)
    officer_who_left_the_role_at_the_cycle_end(app)
    scheduler.remind(app, as_of=notice_day)
    [escalation] = smtp.mailbox.to("fbureau@")
    assert subject(escalation).startswith("DC Priya Shah is overdue: ")

    scheduler.remind(app, as_of=digest_on)

    [_, unit] = smtp.mailbox.to("fbureau@")
    assert lines_of(unit)[-2:] == [
        "Overdue: 1", f"DC Priya Shah, Intelligence Officer: overdue since {format_date(end)}"]


def test_a_unit_lead_is_told_of_an_overdue_officer_who_has_since_left_the_role_the_same_day(
        host: Callable[..., Flask], smtp: SMTPServer) -> None:
    end = the_cycle_end()
    notice_day = end + timedelta(days=7)
    app = host(CPD_DIGEST_DAY=WEEKDAYS[notice_day.weekday()])
    officer_who_left_the_role_at_the_cycle_end(app)

    scheduler.remind(app, as_of=notice_day)

    [force_wide] = smtp.mailbox.to("mevans@")
    named = f"DC Priya Shah, Intelligence Officer: overdue since {format_date(end)}"
    assert lines_of(force_wide)[-2:] == ["Overdue: 1", named]  # the force lead is told
    [unit] = smtp.mailbox.to("fbureau@")  # the escalation and the digest, in one message
    assert "DC Priya Shah is overdue: Intelligence Officer CPD: overdue since" in text_of(unit)
    assert lines_of(unit)[-2:] == ["Overdue: 1", named]

"""Reminders: which are due on a day (stages, catch-up, escalation), and the outbox that sends
each exactly once through a real SMTP server, whatever crashes, refuses or runs twice at once.

Cycles of the IPP example are fixed (1 April to 31 March), so passes are rehearsed with
``as_of`` days counted from the 31 March that ends the current cycle, not from today.
"""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from email.message import EmailMessage, Message
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from cpd_tracker import frameworks, get_state, scheduler
from cpd_tracker.demo.models import DemoUser, db
from cpd_tracker.engine.words import format_date
from cpd_tracker.models import Learner, Reminder
from cpd_tracker.permissions import Access, LeadScope
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import assign_role
from cpd_tracker.reminders import outbox as reminder_outbox
from cpd_tracker.reminders.due import due_reminders
from cpd_tracker.reminders.mail import SMTPTransport, reminder_message
from cpd_tracker.reminders.stages import stage_due
from cpd_tracker.services import accreditation
from cpd_tracker.services.activities import ActivityEntry, log_activity
from cpd_tracker.services.allowances import grant_exemption, grant_extension
from tests.conftest import HOME, SENDER
from tests.factories import framework, today
from tests.smtp_server import SMTPServer

OFFICER = "intelligence-officer"
FIB = "Force Intelligence Bureau"
SOCU = "Serious Organised Crime Unit"
LONDON = ZoneInfo("Europe/London")
LEAD = Lead("jlead", "Insp Jo Lead")
STAGES = (90, 60, 30, 7, 0, -7)
DUE = date(2027, 3, 31)



def cycle_end(app: Flask) -> date:
    """The 31 March that ends the current cycle."""
    now = today(app)
    return date(now.year + 1 if now >= date(now.year, 4, 1) else now.year, 3, 31)


def person(app: Flask, username: str, name: str, *, roles: tuple[str, ...] = (OFFICER,),
           unit: str = FIB, line_manager: str | None = None, ended_on: date | None = None,
           email: bool = True) -> int:
    """A host user and their learner record holding ``roles`` (ended on ``ended_on``)."""
    with app.app_context():
        joined = today(app) - timedelta(days=2000)
        user = DemoUser(username=username, name=name, email=f"{username}@force.example",
                        job_title="Police officer", org_unit=unit, fte=Decimal(1),
                        joined_on=joined, line_manager_reference=line_manager)
        db.session.add(user)
        db.session.commit()
        learner = get_state(app).learner_for(user)
        for code in roles:
            assign_role(db.session, learner, code, started_on=joined, ended_on=ended_on)
        if not email:
            learner.email = None
        db.session.commit()
        learner_id = learner.id
        db.session.remove()
        return learner_id


def log(app: Flask, learner_id: int, on: date, minutes: int, *, category: str = "formal",
        n: int = 0, **kwargs: object) -> None:
    with app.app_context():
        state = get_state(app)
        log_activity(db.session, state.settings, db.session.get(Learner, learner_id),
                     ActivityEntry(title=f"CPD {n} on {on}", activity_date=on, minutes=minutes,
                                   category=category, submission_id=f"t-{learner_id}-{on}-{n}",
                                   **kwargs), today=today(app))
        db.session.remove()


def meet_cycle(app: Flask, learner_id: int, start: date) -> None:
    """CPD meeting every Intelligence Officer rule in the cycle starting ``start``."""
    log(app, learner_id, start, 120, n=1, item="data-protection")
    log(app, learner_id, start, 600, n=2, reflection="Checked handling codes twice.",
        impact="Our reports now carry the right handling code.")
    log(app, learner_id, start, 600, n=3, category="work-based",
        reflection="Saw where our confidence language was vague.")


def accredited_until(app: Flask, learner_id: int, expires: date) -> None:
    """Accredited so that it expires on ``expires``, every finished cycle since met."""
    accredited_on = expires.replace(year=expires.year - 3) + timedelta(days=1)
    start = date(accredited_on.year - (accredited_on.month < 4), 4, 1)
    while start.replace(year=start.year + 1) <= today(app):
        meet_cycle(app, learner_id, start)
        start = start.replace(year=start.year + 1)
    with app.app_context():
        record = accreditation.record_accreditation(
            db.session, get_state(app).settings, db.session.get(Learner, learner_id),
            "ipp-example", status="accredited", accredited_on=accredited_on,
            submission_id="t-accredited")
        assert record.expires_on == expires
        db.session.remove()


def allow(app: Flask, learner_id: int, grant: Any, **kwargs: Any) -> None:
    """A lead's exemption or extension for the current cycle."""
    with app.app_context():
        learner = db.session.get(Learner, learner_id)
        grant(db.session, get_state(app).settings, LEAD, learner, OFFICER, on=today(app),
              **kwargs)
        db.session.remove()


def rows(app: Flask) -> list[Reminder]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Reminder).order_by(Reminder.id)))
        db.session.expunge_all()
        db.session.remove()
        return found


def run_at(app: Flask, now: datetime, day: date | None = None) -> reminder_outbox.RunReport:
    """A pass at the instant ``now``: records what is due on ``day`` (if given), sends."""
    with app.app_context():
        state = get_state(app)
        transport = SMTPTransport(state.mail)
        try:
            due = due_reminders(state.session, state.settings, as_of=day) if day else []
            return reminder_outbox.run(state.session, due, as_of=day or now.date(),
                                       mail=state.mail, transport=transport,
                                       lms_home_page=state.settings.lms_home_page, now=now)
        finally:
            transport.close()
            db.session.remove()


def read(message: Message) -> EmailMessage:
    """The message as a mail client reads it."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed  # type: ignore[return-value]


def text_of(message: Message, kind: str = "plain") -> str:
    return read(message).get_body((kind,)).get_content()  # type: ignore[union-attr]


def html_of(message: Message) -> str:
    return text_of(message, "html")


def subject(message: Message) -> str:
    """The subject as read (a long one may be folded right after ``Subject:``)."""
    return str(read(message)["Subject"]).strip()


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.mark.parametrize(("as_of", "stage"), [
    (DUE - timedelta(days=30), 30),  # on the stage's day
    (DUE - timedelta(days=28), 30),  # two days late: caught up
    (DUE - timedelta(days=27), 30),  # the last day of catch-up
    (DUE - timedelta(days=26), None),  # four days late: too late
    (DUE - timedelta(days=25), None),  # five days late
    (DUE - timedelta(days=91), None),  # before the first stage
    (DUE - timedelta(days=90), 90),
    (DUE, 0),  # every earlier stage has passed: only the latest
    (DUE + timedelta(days=7), -7),
    (DUE + timedelta(days=11), None),
])
def test_a_stage_is_due_on_its_day_and_for_the_catch_up_days_after(as_of: date,
                                                                   stage: int | None) -> None:
    assert stage_due(DUE, STAGES, as_of=as_of, catch_up_days=3) == stage
    assert stage_due(DUE, reversed(STAGES), as_of=as_of, catch_up_days=3) == stage


def test_the_latest_passed_stage_wins_so_a_first_deployment_sends_one_not_all() -> None:
    assert stage_due(DUE, [30, 7], as_of=DUE - timedelta(days=5), catch_up_days=30) == 7
    assert stage_due(DUE, [7, 30], as_of=DUE - timedelta(days=5), catch_up_days=30) == 7
    assert stage_due(DUE, STAGES, as_of=DUE, catch_up_days=365) == 0
    assert stage_due(DUE, STAGES, as_of=DUE - timedelta(days=1), catch_up_days=0) is None
    assert stage_due(DUE, (), as_of=DUE, catch_up_days=3) is None


def test_an_officer_short_of_cpd_gets_one_email_saying_what_is_missing_once(mail_app: Flask,
                                                                      smtp: SMTPServer) -> None:
    end = cycle_end(mail_app)
    day = end - timedelta(days=30)
    start = date(end.year - 1, 4, 1)
    priya = person(mail_app, "pshah", "DC Priya Shah")
    log(mail_app, priya, start, 120)
    meet_cycle(mail_app, person(mail_app, "hmorris", "DS Helen Morris"), start)
    allow(mail_app, person(mail_app, "tbarker", "DC Tom Barker"), grant_exemption,
          reason="Long-term sickness.")
    person(mail_app, "gformer", "DC Gareth Former", ended_on=day - timedelta(days=1))

    report = scheduler.remind(mail_app, as_of=day)

    [message] = smtp.mailbox.messages
    assert str(message["To"]) == "DC Priya Shah <pshah@force.example>"
    assert str(message["From"]) == SENDER
    assert subject(message) == (
        f"Intelligence Officer CPD: due on {format_date(end)} (30 days left)")
    text, html = text_of(message), html_of(message)
    for missing in ("CPD hours: 2 h of 20 h", "Formal learning hours: 2 h of 5 h",
                    "Reflections on learning: 0 of 2", "Impact on practice: 0 of 1"):
        assert f"- {missing}" in text
        assert f"<li>{missing}" in html
    assert "Dear DC Priya Shah," in text
    assert f"{HOME}/cpd/activities/new" in text
    assert f'<a href="{HOME}/cpd/activities/new">' in html
    assert (report.due, report.sent, report.messages) == (1, 1, 1)
    # Stages 90 and 60 passed before this first run: only today's stage is recorded.
    [row] = rows(mail_app)
    assert (row.kind, row.stage, row.stage_on, row.status, row.attempts) == (
        "shortfall", 30, day, "sent", 1)
    assert row.key == f"shortfall:pshah:{OFFICER}:{end.isoformat()}:30"
    # Again that day, or on a catch-up day: the same reminder is due, and is not sent again.
    for again in (scheduler.remind(mail_app, as_of=day + timedelta(days=n)) for n in (0, 2)):
        assert (again.due, again.recorded, again.sent) == (1, 0, 0)
    assert len(smtp.mailbox.messages) == 1 and len(rows(mail_app)) == 1


def test_a_missing_item_is_named_once(mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    scheduler.remind(mail_app, as_of=cycle_end(mail_app) - timedelta(days=30))
    [message] = smtp.mailbox.messages
    assert text_of(message).count("Data protection and MoPI refresher:") == 1


def test_a_missed_due_day_run_is_not_caught_up_once_the_cycle_has_turned(
        mail_app: Flask, smtp: SMTPServer) -> None:
    """The due day's stage is not sent the day after: by then the next cycle is the one
    judged, and the ended one's shortfall is the overdue notice's to tell (at +7)."""
    person(mail_app, "pshah", "DC Priya Shah")
    end = cycle_end(mail_app)
    scheduler.remind(mail_app, as_of=end + timedelta(days=1))
    assert rows(mail_app) == []
    assert smtp.mailbox.messages == []


def test_two_passes_at_once_send_each_reminder_exactly_once(mail_app: Flask,
                                                          smtp: SMTPServer) -> None:
    people = [f"officer{n:02d}" for n in range(20)]
    for username in people:
        person(mail_app, username, f"DC {username.title()}")
    day = cycle_end(mail_app) - timedelta(days=30)
    lock = threading.Lock()
    both_listed, first_sending = threading.Event(), threading.Event()
    arrived: list[int] = []  # the passes at their claim (first UPDATE of the outbox), in order
    waits: list[bool] = []

    def claim_in_turn(conn: object, cursor: object, statement: str, *args: object) -> None:
        """Both passes list the waiting reminders before either claims; the second claims only
        once the first is sending what it claimed, so its claim comes too late to win any."""
        if not statement.lstrip().upper().startswith("UPDATE CPD_REMINDER"):
            return
        with lock:
            if threading.get_ident() in arrived:
                return
            arrived.append(threading.get_ident())
            if len(arrived) == 2:
                both_listed.set()
        turn = both_listed if arrived[0] == threading.get_ident() else first_sending
        waits.append(turn.wait(timeout=30))

    class SignallingTransport(SMTPTransport):
        def send(self, message: Message) -> None:
            first_sending.set()
            super().send(message)

    get_state(mail_app).mail_transport = SignallingTransport
    reports: list[reminder_outbox.RunReport] = []
    with mail_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", claim_in_turn)
    try:
        threads = [threading.Thread(target=lambda: reports.append(
            scheduler.remind(mail_app, as_of=day))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa.event.remove(engine, "before_cursor_execute", claim_in_turn)
    assert len(reports) == 2 and waits == [True, True]  # both passes ran, in that order
    received = sorted(str(message["To"]) for message in smtp.mailbox.messages)
    assert received == sorted(f"DC {u.title()} <{u}@force.example>" for u in people)
    assert smtp.mailbox.attempts == sum(r.sent for r in reports) == len(people)
    found = rows(mail_app)
    assert len(found) == len(people)
    assert {(row.status, row.attempts) for row in found} == {("sent", 1)}


def test_a_shortfall_and_a_renewal_due_the_same_day_come_in_one_email(
        mail_app: Flask, smtp: SMTPServer) -> None:
    end = cycle_end(mail_app)
    priya = person(mail_app, "pshah", "DC Priya Shah")
    accredited_until(mail_app, priya, expires=end)

    report = scheduler.remind(mail_app, as_of=end - timedelta(days=30))

    [message] = smtp.mailbox.messages
    assert subject(message) == "Your CPD records: 2 reminders"
    text = text_of(message)
    assert f"Intelligence Officer CPD: due on {format_date(end)}" in text
    assert f"IPP accreditation: expires on {format_date(end)}" in text
    assert f"{HOME}/cpd/activities/new" in text and f"{HOME}/cpd/accreditation" in text
    assert 'Renew your accreditation</a>' in html_of(message)
    assert (report.sent, report.messages) == (2, 1)
    assert sorted((row.kind, row.stage, row.status) for row in rows(mail_app)) == [
        ("renewal", 30, "sent"), ("shortfall", 30, "sent")]


def test_renewal_reminders_follow_the_stages_in_the_framework_file(
        mail_app: Flask, smtp: SMTPServer, tmp_path: Path) -> None:
    """The accreditation block's ``reminders`` (here 45 days before expiry, and 3 after it,
    within 10 days of grace) replace the default stages."""
    text = frameworks.shipped("ipp-example").read_text(encoding="utf-8")
    text = text.replace("  grace_days: 0 ", "  grace_days: 10 ", 1).replace(
        "  reminders: [90, 60, 30, 7, 0]", "  reminders: [45, -3]", 1)
    (tmp_path / "force-ipp.yaml").write_text(text, encoding="utf-8")
    with mail_app.app_context():
        frameworks.load_file(db.session, tmp_path / "force-ipp.yaml",
                             categories=[c for c, _ in get_state(mail_app).settings.categories],
                             today=today(mail_app))
        db.session.commit()
        db.session.remove()
    end = cycle_end(mail_app)
    priya = person(mail_app, "pshah", "DC Priya Shah")
    accredited_until(mail_app, priya, expires=end)
    meet_cycle(mail_app, priya, date(end.year - 1, 4, 1))  # nothing short: only renewal is due

    def renewals(day: date) -> list[tuple[int, str]]:
        with mail_app.app_context():
            state = get_state(mail_app)
            found = [(due.stage, due.title) for due in due_reminders(
                state.session, state.settings, as_of=day, catch_up_days=0)]
            db.session.remove()
        return found

    assert renewals(end - timedelta(days=90)) == []
    assert renewals(end - timedelta(days=30)) == []
    assert renewals(end - timedelta(days=45)) == [
        (45, f"IPP accreditation: expires on {format_date(end)}")]
    assert renewals(end + timedelta(days=3)) == [
        (-3, f"IPP accreditation: expired on {format_date(end)}")]


def claimed_by_a_crashed_run(app: Flask, day: date, until: datetime) -> None:
    """Record what is due, then claim it as a run that died before sending would have."""
    with app.app_context():
        state = get_state(app)
        due = due_reminders(state.session, state.settings, as_of=day)
        reminder_outbox.record(state.session, due)
        claimed = state.session.execute(sa.update(Reminder).values(
            status="sending", claim_token="crashed-run", claimed_until=until)).rowcount
        assert claimed == 1
        state.session.commit()
        db.session.remove()


def test_a_claim_left_by_a_crashed_run_is_taken_over_once_expired_and_sent_once(
        mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    day = cycle_end(mail_app) - timedelta(days=30)
    until = now_utc() + timedelta(seconds=reminder_outbox.CLAIM_SECONDS)
    claimed_by_a_crashed_run(mail_app, day, until=until)

    assert scheduler.remind(mail_app, as_of=day).sent == 0
    assert run_at(mail_app, until - timedelta(seconds=1)).sent == 0  # the claim still holds
    assert smtp.mailbox.messages == []
    [row] = rows(mail_app)
    assert (row.status, row.claim_token) == ("sending", "crashed-run")

    assert run_at(mail_app, until + timedelta(seconds=1)).sent == 1
    assert run_at(mail_app, until + timedelta(hours=1)).sent == 0
    assert len(smtp.mailbox.messages) == 1
    [row] = rows(mail_app)
    assert (row.status, row.attempts) == ("sent", 1) and row.claim_token != "crashed-run"


def refuse(server: SMTPServer) -> None:
    server.mailbox.mode = "refuse"


def drop(server: SMTPServer) -> None:
    """Close the connection when the next message is sent. (The helper's own ``mode = "drop"``
    reaches for ``session.transport``, which aiosmtpd's session lacks: it answers 500.)"""
    async def handle_DATA(protocol: Any, session: Any, envelope: Any) -> str:
        server.mailbox.attempts += 1
        del server.mailbox.handle_DATA  # the next connection is served as usual
        protocol.transport.close()
        return "421 closing"

    server.mailbox.handle_DATA = handle_DATA  # type: ignore[method-assign]


@pytest.mark.parametrize(("fault", "error"), [(refuse, "554"), (drop, "SMTPServerDisconnected")])
def test_a_refused_or_dropped_message_stays_pending_and_is_sent_once_after_the_backoff(
        mail_app: Flask, smtp: SMTPServer, fault: Any, error: str) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    day = cycle_end(mail_app) - timedelta(days=30)
    first = now_utc()
    fault(smtp)

    report = run_at(mail_app, first, day)

    assert (report.due, report.sent, report.failed) == (1, 0, 1)
    assert report.errors and report.errors[0].startswith("pshah: ")
    [row] = rows(mail_app)
    assert (row.status, row.attempts, row.claim_token, row.claimed_until) == (
        "pending", 1, None, None)
    assert error in row.last_error, row.last_error
    assert row.next_attempt_at == first + reminder_outbox.RETRY_FIRST
    assert smtp.mailbox.messages == [] and smtp.mailbox.attempts == 1

    smtp.mailbox.mode = "accept"
    assert scheduler.remind(mail_app, as_of=day).sent == 0  # before the next attempt is due
    assert run_at(mail_app, row.next_attempt_at - timedelta(seconds=1)).sent == 0
    assert smtp.mailbox.attempts == 1

    assert run_at(mail_app, row.next_attempt_at).sent == 1
    assert run_at(mail_app, row.next_attempt_at + timedelta(hours=1)).sent == 0
    assert len(smtp.mailbox.messages) == 1
    [row] = rows(mail_app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_after_a_dropped_connection_the_pass_reconnects_for_the_next_person(
        mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    person(mail_app, "tbarker", "DC Tom Barker")
    drop(smtp)
    report = scheduler.remind(mail_app, as_of=cycle_end(mail_app) - timedelta(days=30))
    assert (report.sent, report.failed) == (1, 1)
    assert len(smtp.mailbox.messages) == len(smtp.mailbox.to("tbarker@")) == 1
    assert {row.recipient_reference: row.status for row in rows(mail_app)} == {
        "pshah": "pending", "tbarker": "sent"}


def test_the_backoff_doubles_after_each_failure_up_to_its_limit(mail_app: Flask,
                                                               smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    smtp.mailbox.mode = "refuse"
    at = now_utc()
    run_at(mail_app, at, cycle_end(mail_app) - timedelta(days=30))
    waits = []
    for attempt in (1, 2, 3):
        [row] = rows(mail_app)
        assert (row.status, row.attempts) == ("pending", attempt)
        waits.append(row.next_attempt_at - at)
        at = row.next_attempt_at
        assert run_at(mail_app, at).failed == 1
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    with mail_app.app_context():
        db.session.execute(sa.update(Reminder).values(attempts=20))
        db.session.commit()
        db.session.remove()
    at = rows(mail_app)[0].next_attempt_at
    run_at(mail_app, at)
    assert rows(mail_app)[0].next_attempt_at - at == reminder_outbox.RETRY_MOST
    assert smtp.mailbox.messages == []


def test_without_a_mail_server_reminders_are_held_in_the_log(app: Flask) -> None:
    assert get_state(app).mail is None
    framework(app)
    person(app, "pshah", "DC Priya Shah")
    day = cycle_end(app) - timedelta(days=30)
    report = scheduler.remind(app, as_of=day)
    assert (report.due, report.held, report.sent) == (1, 1, 0)
    assert [row.status for row in rows(app)] == ["held"]
    assert scheduler.remind(app, as_of=day).held == 0


def test_an_overdue_officer_is_escalated_to_their_line_manager_and_leads_in_scope(
        mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah", line_manager="smoore")
    person(mail_app, "smoore", "Sgt Sarah Moore", roles=())
    person(mail_app, "mevans", "DI Mark Evans", roles=())
    person(mail_app, "kocu", "DI Kate Okafor", roles=(), unit=SOCU)
    scopes = {"mevans": LeadScope("force"), "kocu": LeadScope("unit", SOCU),
              "pshah": LeadScope("force")}  # an officer who leads gets no escalation of self
    state = get_state(mail_app)
    state.access = lambda user: Access(user.get_id(), lead_scopes=(
        (scopes[user.get_id()],) if user.get_id() in scopes else ()))
    state.leads = lambda: list(db.session.scalars(
        sa.select(DemoUser).where(DemoUser.username.in_(list(scopes)))))
    end = cycle_end(mail_app)
    overdue = f"Intelligence Officer CPD: overdue since {format_date(end)}"

    assert scheduler.remind(mail_app, as_of=end + timedelta(days=6)).due == 0
    scheduler.remind(mail_app, as_of=end + timedelta(days=7))

    mailbox = smtp.mailbox
    assert sorted(str(m["To"]).split("<")[1] for m in mailbox.messages) == [
        "mevans@force.example>", "pshah@force.example>", "smoore@force.example>"]
    [own] = mailbox.to("pshah@")
    assert subject(own) == overdue
    assert "CPD hours: 0 h of 20 h" in text_of(own)
    for username in ("smoore", "mevans"):
        [escalation] = mailbox.to(f"{username}@")
        assert subject(escalation) == f"DC Priya Shah is overdue: {overdue}"
        text = text_of(escalation)
        assert "CPD hours: 0 h of 20 h" in text and f"{HOME}/cpd/people/pshah" in text
        assert "You are behind" not in text
    assert sorted((row.kind, row.recipient_reference, row.stage) for row in rows(mail_app)) == [
        ("escalation", "mevans", -7), ("escalation", "smoore", -7), ("overdue", "pshah", -7)]


def last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


@pytest.mark.parametrize(("month", "stage"), [(3, 7), (10, 0)])
def test_a_stage_on_a_clock_change_sunday_is_sent_that_day_once(
        mail_app: Flask, smtp: SMTPServer, month: int, stage: int) -> None:
    """A lead's extension puts the due day so that a stage falls on the Sunday the clocks go
    forward (March) or back (October)."""
    sunday = last_sunday(cycle_end(mail_app).year, month)
    assert sunday.weekday() == 6
    priya = person(mail_app, "pshah", "DC Priya Shah")
    allow(mail_app, priya, grant_extension, due=sunday + timedelta(days=stage),
          reason="Agreed catch-up plan.")

    sent = [scheduler.remind(mail_app, as_of=sunday + timedelta(days=shift)).sent
            for shift in (-1, 0, 1)]

    assert sent == [0, 1, 0]
    assert len(smtp.mailbox.messages) == 1
    [row] = rows(mail_app)
    assert (row.stage, row.stage_on, row.status) == (stage, sunday, "sent")


def test_the_reminder_job_runs_daily_at_seven_london_time_across_clock_changes(
        app: Flask) -> None:
    [job] = [job for job in scheduler.jobs(app) if job.id == "cpd-tracker.reminders"]
    assert job.daily_at == time(7, 0) and job.schedule == "daily at 07:00"
    runner = scheduler.create_scheduler(app, background=True)
    trigger = runner.get_job("cpd-tracker.reminders").trigger
    assert isinstance(trigger, CronTrigger)
    assert str(trigger.timezone) == "Europe/London"
    for before, fires, utc_hour in [
            (datetime(2027, 3, 27, 12, 0), datetime(2027, 3, 28, 7, 0), 6),  # BST begins
            (datetime(2027, 3, 28, 8, 0), datetime(2027, 3, 29, 7, 0), 6),
            (datetime(2027, 10, 30, 12, 0), datetime(2027, 10, 31, 7, 0), 7),  # GMT again
            (datetime(2027, 10, 31, 1, 30), datetime(2027, 10, 31, 7, 0), 7)]:
        found = trigger.get_next_fire_time(None, before.replace(tzinfo=LONDON))
        assert found.replace(tzinfo=None) == fires
        assert found.astimezone(timezone.utc).hour == utc_hour


def test_flask_cpd_remind_dry_run_lists_who_then_it_sends_and_names_who_has_no_email(
        mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    person(mail_app, "tbarker", "DC Tom Barker", email=False)
    day = (cycle_end(mail_app) - timedelta(days=30)).isoformat()
    runner = mail_app.test_cli_runner()

    dry = runner.invoke(args=["cpd", "remind", "--as-of", day, "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "shortfall\tDC Priya Shah <pshah@force.example>\tIntelligence Officer CPD" in dry.output
    assert "shortfall\tDC Tom Barker <NO EMAIL>" in dry.output
    assert "2 due, would record 2 new" in dry.output
    assert rows(mail_app) == [] and smtp.mailbox.messages == []

    wet = runner.invoke(args=["cpd", "remind", "--as-of", day])

    assert wet.exit_code == 0, wet.output
    assert f"reminders on {day}: 2 due," in wet.output
    assert "; sent 1 in 1 message(s), 0 failed (to retry), 0 held" in wet.output
    assert "no email for: tbarker" in wet.output
    assert len(smtp.mailbox.messages) == len(smtp.mailbox.to("pshah@")) == 1
    assert {row.recipient_reference: row.status for row in rows(mail_app)} == {
        "pshah": "sent", "tbarker": "no-email"}
    again = runner.invoke(args=["cpd", "remind", "--as-of", day])
    assert "recorded 0 new; sent 0 in 0 message(s)" in again.output
    assert len(smtp.mailbox.messages) == 1


def test_a_pass_says_how_many_reminders_it_recorded(mail_app: Flask, smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "DC Priya Shah")
    person(mail_app, "tbarker", "DC Tom Barker")
    day = cycle_end(mail_app) - timedelta(days=30)
    result = mail_app.test_cli_runner().invoke(args=["cpd", "remind", "--as-of", day.isoformat()])
    assert "2 due, recorded 2 new; sent 2 in 2 message(s)" in result.output
    person(mail_app, "hmorris", "DS Helen Morris")
    with mail_app.app_context():
        state = get_state(mail_app)
        due = due_reminders(state.session, state.settings, as_of=day)
        assert len(due) == 3
        assert reminder_outbox.record(state.session, due) == 1
        db.session.remove()


def test_a_name_with_markup_is_escaped_in_the_html_part(mail_app: Flask,
                                                       smtp: SMTPServer) -> None:
    person(mail_app, "pshah", "<script>alert(1)</script>", line_manager="smoore")
    person(mail_app, "smoore", "Sgt Sarah Moore", roles=())
    end = cycle_end(mail_app)
    scheduler.remind(mail_app, as_of=end - timedelta(days=30))
    scheduler.remind(mail_app, as_of=end + timedelta(days=7))

    assert len(smtp.mailbox.messages) == 3  # shortfall, overdue, escalation
    for message in smtp.mailbox.messages:
        assert "<script>" not in html_of(message)
    [escalation] = smtp.mailbox.to("smoore@")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is overdue" in html_of(escalation)
    assert "<script>alert(1)</script> is overdue" in text_of(escalation)
    assert "Dear &lt;script&gt;alert(1)&lt;/script&gt;," in html_of(smtp.mailbox.to("pshah@")[0])


def test_a_reminder_message_escapes_titles_lines_and_links(mail_app: Flask) -> None:
    item = SimpleNamespace(kind="shortfall", title="<b>Due</b>", lines=["<img src=x>"],
                           link='https://lms.force.example/x?a=1&b="2"')
    with mail_app.app_context():
        message = reminder_message(sender=SENDER, name="O'Brien & <Co>", email="o@force.example",
                                   items=[item], lms_home_page=f"{HOME}/")
    html = html_of(message)
    assert "<b>" not in html and "<img" not in html and "<Co>" not in html
    assert "&lt;b&gt;Due&lt;/b&gt;" in html and "&lt;img src=x&gt;" in html
    assert 'href="https://lms.force.example/x?a=1&amp;b=&#34;2&#34;"' in html
    assert subject(message) == "<b>Due</b>"
    assert str(message["Auto-Submitted"]) == "auto-generated"

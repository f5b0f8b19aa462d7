"""The nightly compliance snapshot: counts by role, unit and status as the force was judged on
the night, a row per person only when their status in a role changes, taken once a day however
often (or however many at once) it is asked for, and the changes a lead's digest reads back.

Cycles of the IPP example are fixed (1 April to 31 March), so days are counted from the 31 March
that ends the current cycle, not from today.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from cpd_tracker import get_state, scheduler
from cpd_tracker.demo import create_app
from cpd_tracker.demo.models import db
from cpd_tracker.judging import snapshots
from cpd_tracker.judging.assessment import assess
from cpd_tracker.judging.snapshots import Change, SnapshotReport
from cpd_tracker.models import Learner, Snapshot, SnapshotCount, StatusChange
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services.allowances import grant_exemption
from tests.conftest import empty_tables
from tests.factories import framework
from tests.test_reminders import FIB, LEAD, OFFICER, SOCU, cycle_end, log, meet_cycle, person

ANALYST = "intelligence-analyst"


@pytest.fixture
def force(migrated_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo host with the IPP example loaded; emptied after each test."""
    app = create_app(migrated_url, config={
        "TESTING": True, "CPD_EVIDENCE_FOLDER": str(tmp_path / "evidence")})
    with app.app_context():
        db.create_all()
    framework(app)
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def take(app: Flask, day: date) -> SnapshotReport:
    """The nightly job, as the scheduler runs it, for ``day``."""
    return scheduler.snapshot(app, as_of=day)


def table_rows(app: Flask) -> dict[str, int]:
    """How many rows each snapshot table holds."""
    with app.app_context():
        found = {model.__tablename__: db.session.scalar(
                     sa.select(sa.func.count()).select_from(model))
                 for model in (Snapshot, SnapshotCount, StatusChange)}
        db.session.remove()
        return found


def counts_of(app: Flask, day: date) -> dict[tuple[str, str | None, str], int]:
    """The snapshot of ``day``'s counts by (role, unit, status)."""
    with app.app_context():
        found = {(row.role_code, row.org_unit, row.status): row.count
                 for row in db.session.execute(
                     sa.select(SnapshotCount.role_code, SnapshotCount.org_unit,
                               SnapshotCount.status, SnapshotCount.count)
                     .join(Snapshot, Snapshot.id == SnapshotCount.snapshot_id)
                     .where(Snapshot.taken_on == day))}
        db.session.remove()
        return found


def judged(app: Flask, day: date) -> dict[tuple[str, str | None, str], int]:
    """The force's own judgement of ``day``, counted the same way."""
    with app.app_context():
        state = get_state(app)
        found = Counter((s.role_code, s.org_unit, s.judgement.status.value)
                        for s in assess(state.session, state.settings, as_of=day))
        db.session.remove()
        return dict(found)


def statuses(app: Flask, day: date) -> dict[tuple[str, str], str]:
    """(name, role) → status, as judged on ``day``."""
    with app.app_context():
        state = get_state(app)
        found = {(s.name, s.role_code): s.judgement.status.value
                 for s in assess(state.session, state.settings, as_of=day)}
        db.session.remove()
        return found


def changes(app: Flask) -> list[tuple[str, str, date, str | None, str]]:
    """Every recorded status change: (name, role, day, from, to), oldest first."""
    with app.app_context():
        found = [(row.name, row.role_code, row.changed_on, row.from_status, row.to_status)
                 for row in db.session.execute(
                     sa.select(Learner.name, StatusChange.role_code, StatusChange.changed_on,
                               StatusChange.from_status, StatusChange.to_status)
                     .join(Learner, Learner.id == StatusChange.learner_id)
                     .order_by(StatusChange.id))]
        db.session.remove()
        return found


def between(app: Flask, since: date, until: date) -> list[Change]:
    with app.app_context():
        found = snapshots.changes_between(get_state(app).session, since, until)
        db.session.remove()
        return found


def exempt(app: Flask, learner_id: int) -> None:
    with app.app_context():
        grant_exemption(db.session, get_state(app).settings, LEAD,
                        db.session.get(Learner, learner_id), OFFICER,
                        on=get_state(app).today(), reason="Long-term sickness.")
        db.session.remove()


def behind_on_reflections(app: Flask, learner_id: int, start: date) -> None:
    """The data protection refresher (2 h of formal learning) and nothing else: behind the
    pace late in the cycle (at risk), not yet overdue."""
    log(app, learner_id, start, 120, n=1, item="data-protection")


def catch_up_but_for_hours(app: Flask, learner_id: int, start: date) -> None:
    """Reflections and impact done, formal hours met, 13 h of 20 h in all: on pace, and at risk
    only once the due day is within the role's 90 days."""
    log(app, learner_id, start, 600, n=2, reflection="Checked handling codes twice.",
        impact="Our reports now carry the right handling code.")
    log(app, learner_id, start, 60, n=3, category="work-based",
        reflection="Saw where our confidence language was vague.")


# --- counts -------------------------------------------------------------------------------------


def test_the_counts_by_role_unit_and_status_are_the_forces_judgement_on_the_night(
        force: Flask) -> None:
    end = cycle_end(force)
    start = date(end.year - 1, 4, 1)
    day = end - timedelta(days=45)
    meet_cycle(force, person(force, "pshah", "DC Priya Shah"), start)
    person(force, "hmorris", "DS Helen Morris")
    person(force, "tbarker", "DC Tom Barker", unit=SOCU)
    person(force, "akhan", "DC Asha Khan", unit=SOCU, roles=(OFFICER, ANALYST))
    exempt(force, person(force, "jgreen", "DC Jo Green", unit=SOCU))
    person(force, "gformer", "DC Gareth Former", ended_on=day - timedelta(days=1))
    person(force, "mevans", "DI Mark Evans", roles=())

    report = take(force, day)

    expected = {
        (OFFICER, FIB, "compliant"): 1,
        (OFFICER, FIB, "non-compliant"): 1,
        (OFFICER, SOCU, "non-compliant"): 2,
        (OFFICER, SOCU, "exempt"): 1,
        (ANALYST, SOCU, "non-compliant"): 1,
    }
    assert judged(force, day) == expected  # what the force's own pages say of that day
    assert counts_of(force, day) == expected
    # Five people judged (not the former officer, nor the lead with no role); one in two roles.
    assert (report.taken_on, report.taken, report.people, report.standings) == (
        day, True, 5, 6)
    assert report.changes == 6  # everyone's first status, from nothing
    assert str(report) == (f"compliance snapshot of {day.isoformat()}: 5 people, 6 standings, "
                           "6 status change(s)")
    with force.app_context():
        [snapshot] = db.session.scalars(sa.select(Snapshot))
        assert (snapshot.taken_on, snapshot.people, snapshot.standings) == (day, 5, 6)
        db.session.remove()


def test_a_snapshot_keeps_the_night_as_it_was_when_cpd_is_logged_late(force: Flask) -> None:
    """CPD backdated after the night changes the judgement of that day, not its snapshot."""
    end = cycle_end(force)
    day = end - timedelta(days=45)
    priya = person(force, "pshah", "DC Priya Shah")
    take(force, day)
    meet_cycle(force, priya, date(end.year - 1, 4, 1))  # dated in April: before the night

    assert judged(force, day) == {(OFFICER, FIB, "compliant"): 1}
    assert counts_of(force, day) == {(OFFICER, FIB, "non-compliant"): 1}


def test_a_force_with_nobody_in_a_role_still_has_its_night_recorded_once(force: Flask) -> None:
    day = cycle_end(force) - timedelta(days=45)
    report = take(force, day)
    assert (report.taken, report.people, report.standings, report.changes) == (True, 0, 0, 0)
    assert table_rows(force) == {"cpd_snapshot": 1, "cpd_snapshot_count": 0,
                                 "cpd_status_change": 0}
    assert take(force, day).taken is False
    assert table_rows(force)["cpd_snapshot"] == 1


# --- once a day ---------------------------------------------------------------------------------


def test_a_second_snapshot_of_the_same_day_writes_nothing(force: Flask) -> None:
    end = cycle_end(force)
    day = end - timedelta(days=45)
    priya = person(force, "pshah", "DC Priya Shah")
    person(force, "hmorris", "DS Helen Morris", unit=SOCU)
    assert take(force, day).taken is True
    before = table_rows(force)
    assert before == {"cpd_snapshot": 1, "cpd_snapshot_count": 2, "cpd_status_change": 2}
    meet_cycle(force, priya, date(end.year - 1, 4, 1))  # the record moves; the day is taken

    again = take(force, day)

    assert again == SnapshotReport(day, taken=False)
    assert str(again) == f"compliance snapshot of {day.isoformat()}: already taken"
    assert table_rows(force) == before
    assert counts_of(force, day) == {(OFFICER, FIB, "non-compliant"): 1,
                                     (OFFICER, SOCU, "non-compliant"): 1}
    # The next night is a night of its own, and sees the change.
    assert take(force, day + timedelta(days=1)).changes == 1


# --- status changes -----------------------------------------------------------------------------


def test_a_change_is_recorded_only_when_a_persons_status_in_a_role_changes(force: Flask) -> None:
    end = cycle_end(force)
    start = date(end.year - 1, 4, 1)
    first, second, third = (end - timedelta(days=n) for n in (52, 45, 38))
    priya = person(force, "pshah", "DC Priya Shah")
    person(force, "hmorris", "DS Helen Morris")

    assert take(force, first).changes == 2
    assert changes(force) == [
        ("DC Priya Shah", OFFICER, first, None, "non-compliant"),
        ("DS Helen Morris", OFFICER, first, None, "non-compliant")]

    meet_cycle(force, priya, start)
    report = take(force, second)

    assert (report.people, report.standings, report.changes) == (2, 2, 1)
    assert changes(force)[2:] == [("DC Priya Shah", OFFICER, second, "non-compliant",
                                   "compliant")]

    # Nobody moved: a snapshot, its counts, and no change at all.
    assert take(force, third).changes == 0
    assert len(changes(force)) == 3
    assert counts_of(force, third) == {(OFFICER, FIB, "compliant"): 1,
                                       (OFFICER, FIB, "non-compliant"): 1}


def test_a_second_role_is_recorded_from_nothing_and_the_first_is_left_alone(
        force: Flask) -> None:
    end = cycle_end(force)
    first, second = end - timedelta(days=52), end - timedelta(days=45)
    priya = person(force, "pshah", "DC Priya Shah")
    take(force, first)
    with force.app_context():
        assign_role(db.session, db.session.get(Learner, priya), ANALYST,
                    started_on=first + timedelta(days=1))
        db.session.commit()
        db.session.remove()

    assert take(force, second).changes == 1
    assert changes(force)[1:] == [("DC Priya Shah", ANALYST, second, None, "at-risk")]


# --- changes_between ----------------------------------------------------------------------------


def test_changes_between_gives_each_persons_latest_move_without_first_records_or_round_trips(
        force: Flask) -> None:
    end = cycle_end(force)
    start = date(end.year - 1, 4, 1)
    d1, d2, d3 = end - timedelta(days=98), end - timedelta(days=91), end - timedelta(days=90)
    priya = person(force, "pshah", "DC Priya Shah")  # non-compliant, then compliant
    helen = person(force, "hmorris", "DS Helen Morris")  # at risk, on track, at risk again
    tom = person(force, "tbarker", "DC Tom Barker")  # at risk, on track, then compliant
    person(force, "jstill", "DC Jo Still")  # non-compliant throughout
    for learner in (helen, tom):
        behind_on_reflections(force, learner, start)
    take(force, d1)

    meet_cycle(force, priya, start)
    for learner in (helen, tom):
        catch_up_but_for_hours(force, learner, start)
    newcomer = person(force, "akhan", "DC Asha Khan")  # first judged on d2
    take(force, d2)
    assert statuses(force, d2) == {
        ("DC Asha Khan", OFFICER): "non-compliant", ("DC Jo Still", OFFICER): "non-compliant",
        ("DC Priya Shah", OFFICER): "compliant", ("DC Tom Barker", OFFICER): "on-track",
        ("DS Helen Morris", OFFICER): "on-track"}
    log(force, tom, start, 420, n=9)  # 20 hours at last
    take(force, d3)

    assert [row for row in changes(force) if row[0] == "DS Helen Morris"] == [
        ("DS Helen Morris", OFFICER, d1, None, "at-risk"),
        ("DS Helen Morris", OFFICER, d2, "at-risk", "on-track"),
        ("DS Helen Morris", OFFICER, d3, "on-track", "at-risk")]
    assert newcomer and ("DC Asha Khan", OFFICER, d2, None, "non-compliant") in changes(force)

    week = between(force, d1, d3)

    assert {(c.name, c.role_code, c.changed_on, c.from_status, c.to_status) for c in week} == {
        ("DC Priya Shah", OFFICER, d2, "non-compliant", "compliant"),
        ("DC Tom Barker", OFFICER, d3, "at-risk", "compliant")}  # one row: where it ended
    [tom_moved] = [c for c in week if c.name == "DC Tom Barker"]
    assert (tom_moved.learner_id, tom_moved.reference, tom_moved.org_unit) == (
        tom, "tbarker", FIB)

    # The bounds: after ``since``, up to and including ``until``.
    assert {(c.name, c.to_status) for c in between(force, d1, d2)} == {
        ("DC Priya Shah", "compliant"), ("DC Tom Barker", "on-track"),
        ("DS Helen Morris", "on-track")}
    assert {(c.name, c.from_status, c.to_status) for c in between(force, d2, d3)} == {
        ("DC Tom Barker", "on-track", "compliant"), ("DS Helen Morris", "on-track", "at-risk")}
    assert between(force, d3, d3 + timedelta(days=7)) == []
    assert between(force, d1 - timedelta(days=7), d1) == []  # first records only


# --- the command and the job --------------------------------------------------------------------


def test_flask_cpd_snapshot_prints_its_report_and_a_second_run_says_already_taken(
        force: Flask) -> None:
    person(force, "pshah", "DC Priya Shah")
    person(force, "hmorris", "DS Helen Morris", roles=(OFFICER, ANALYST))
    day = (cycle_end(force) - timedelta(days=45)).isoformat()
    runner = force.test_cli_runner()

    first = runner.invoke(args=["cpd", "snapshot", "--as-of", day])

    assert first.exit_code == 0, first.output
    assert first.output.strip() == (
        f"compliance snapshot of {day}: 2 people, 3 standings, 3 status change(s)")
    assert table_rows(force) == {"cpd_snapshot": 1, "cpd_snapshot_count": 2,
                                 "cpd_status_change": 3}

    again = runner.invoke(args=["cpd", "snapshot", "--as-of", day])

    assert again.exit_code == 0, again.output
    assert again.output.strip() == f"compliance snapshot of {day}: already taken"
    assert table_rows(force)["cpd_snapshot"] == 1


def test_flask_cpd_snapshot_takes_today_by_default(force: Flask) -> None:
    person(force, "pshah", "DC Priya Shah")
    today = get_state(force).today()
    result = force.test_cli_runner().invoke(args=["cpd", "snapshot"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"compliance snapshot of {today.isoformat()}: 1 people")
    with force.app_context():
        assert db.session.scalars(sa.select(Snapshot.taken_on)).all() == [today]
        db.session.remove()


def test_a_bad_as_of_date_is_refused(force: Flask) -> None:
    result = force.test_cli_runner().invoke(args=["cpd", "snapshot", "--as-of", "31/03/2027"])
    assert result.exit_code != 0
    assert "--as-of" in result.output
    assert table_rows(force)["cpd_snapshot"] == 0


# --- two at once --------------------------------------------------------------------------------


def test_two_snapshots_of_the_same_day_at_once_write_one(force: Flask) -> None:
    """Both runs find no snapshot of the day and judge the force; only then may either write.
    The database lets one insert of the day win: the other writes nothing and says so."""
    end = cycle_end(force)
    start = date(end.year - 1, 4, 1)
    day = end - timedelta(days=45)
    for n in range(6):
        learner = person(force, f"officer{n}", f"DC Officer {n}", unit=(FIB, SOCU)[n % 2])
        if n % 3 == 0:
            meet_cycle(force, learner, start)
    lock = threading.Lock()
    both_checked = threading.Event()
    arrived: list[int] = []
    waits: list[bool] = []

    def insert_together(conn: object, cursor: object, statement: str, *args: object) -> None:
        """Hold each run at its insert of the snapshot until both have got that far."""
        if not statement.lstrip().upper().startswith("INSERT INTO CPD_SNAPSHOT "):
            return
        with lock:
            arrived.append(threading.get_ident())
            if len(arrived) == 2:
                both_checked.set()
        waits.append(both_checked.wait(timeout=30))

    reports: list[SnapshotReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(take(force, day))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    with force.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", insert_together)
    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa.event.remove(engine, "before_cursor_execute", insert_together)

    assert errors == []
    # Both had judged the force and reached their insert before either wrote.
    assert len(arrived) == 2 and waits == [True, True]
    assert sorted(report.taken for report in reports) == [False, True]
    [lost] = [report for report in reports if not report.taken]
    assert lost == SnapshotReport(day, taken=False)
    [won] = [report for report in reports if report.taken]
    assert (won.people, won.standings, won.changes) == (6, 6, 6)
    assert table_rows(force) == {"cpd_snapshot": 1, "cpd_snapshot_count": 4,
                                 "cpd_status_change": 6}
    assert counts_of(force, day) == judged(force, day)


def test_a_missed_night_taken_late_does_not_make_the_next_night_record_a_false_change(
        force: Flask) -> None:
    end = cycle_end(force)
    start = date(end.year - 1, 4, 1)
    missed, taken, next_night = (end - timedelta(days=n) for n in (91, 90, 89))
    helen = person(force, "hmorris", "DS Helen Morris")
    behind_on_reflections(force, helen, start)
    catch_up_but_for_hours(force, helen, start)
    # On track until the due day is within the role's 90 days; at risk from then on.
    assert [statuses(force, day)[("DS Helen Morris", OFFICER)]
            for day in (missed, taken, next_night)] == ["on-track", "at-risk", "at-risk"]
    take(force, taken)
    assert take(force, missed).taken  # the night the scheduler missed, taken the day after

    report = take(force, next_night)

    assert report.changes == 0  # at risk on the night before, at risk tonight
    assert between(force, taken, next_night) == []

"""Benchmark: the force-wide compliance report against the bare SQL aggregate it is built on.

    python benchmarks/compliance.py --people 50000

Generates a synthetic force (N people in the four roles of the shipped IPP example framework,
~40 activities each per year over three years), then times, in the same run:

* the baseline: the report's one aggregate over ``cpd_activity`` (the exact SQL text and
  parameters ``cpd_tracker.judging.assessment`` sends, captured from a warm-up report),
  executed bare and fetched with ``fetchall()``;
* the report: ``assess(session, settings, as_of=...)`` for everyone, through the library.

It runs on SQLite and, when ``CPD_BENCH_DATABASE_URL`` names a PostgreSQL server, on
PostgreSQL as well, for example::

    CPD_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python benchmarks/compliance.py --people 10000

The URL's database is only used to create (and at the end drop) a scratch database,
``cpd_bench`` by default. The SQLite force is cached per N under ``benchmarks/.data/``, so a
second run skips generation. Rows are written with bulk SQL, not logged as xAPI statements: the
benchmark measures judging, not logging. After loading, statistics are gathered (``ANALYZE``
on SQLite, ``VACUUM ANALYZE`` on PostgreSQL), as a maintained database would have them; the
plan the aggregate gets is printed with the figures.

The last line is ``RESULT people=N seconds=S baseline_seconds=B ratio=R`` for SQLite (best of
``--repeat`` runs each); PostgreSQL's figures come on an earlier ``RESULT_POSTGRESQL`` line.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import config, frameworks, migration
from cpd_tracker.judging.assessment import assess
from cpd_tracker.models import Absence, Allowance, Learner, LearnerRole, Role

#: Bump when the generated data changes, so stale cached files are not reused.
DATA_VERSION = 3
DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_AS_OF = date(2026, 11, 21)
#: The generated record ends here (whatever ``--as-of`` is), and starts three years before.
DATA_END = date(2026, 11, 21)
DATA_START = DATA_END - timedelta(days=3 * 365 - 1)
#: Joiners "in the current cycle" joined on or after this day.
CYCLE_START = date(2026, 4, 1)
SCRATCH_DATABASE = "cpd_bench"
FRAMEWORK = "ipp-example"
ACTIVITIES_PER_YEAR = 40

SETTINGS_CONFIG = {"CPD_LMS_HOME_PAGE": "https://learning.bench-force.police.uk/"}

ROLES = [  # (code, share of the force)
    ("intelligence-officer", 40),
    ("intelligence-analyst", 25),
    ("intelligence-researcher", 20),
    ("intelligence-support-officer", 15),
]
UNITS = [
    ("Force Intelligence Bureau", 20),
    ("Serious and Organised Crime Unit", 15),
    ("Counter Terrorism Intelligence", 8),
    ("North Area Intelligence", 12),
    ("South Area Intelligence", 12),
    ("East Area Intelligence", 10),
    ("West Area Intelligence", 10),
    ("Economic Crime Unit", 6),
    ("Public Protection Intelligence", 5),
    ("Professional Standards", 2),
]
_FIRST_NAMES = (
    "Aisha Alex Amir Anna Ben Bethan Chloe Chris Dan David Eleanor Emma Fatima Gareth Grace "
    "Hannah Harry Helen Imran Jack James Jo Kate Laura Leah Liam Mark Megan Mohammed Nadia "
    "Olivia Owen Priya Rachel Rhys Sam Sarah Sophie Tom Zara")
_SURNAMES = (
    "Ahmed Allen Baker Barker Bell Brown Campbell Carter Clarke Cooper Davies Edwards Evans "
    "Fisher Green Griffiths Hall Harris Hill Hughes Hussain Jackson James Jones Khan King Lewis "
    "Martin Mitchell Moore Morgan Morris Murphy Okafor Owen Parker Patel Phillips Price Roberts "
    "Robinson Scott Shah Singh Smith Taylor Thomas Thompson Turner Walker Walsh Ward Watson "
    "White Williams Wilson Wood Wright Young")
FIRST_NAMES, SURNAMES = _FIRST_NAMES.split(), _SURNAMES.split()

CATEGORIES = ["formal", "work-based", "self-directed", "professional", "other"]
CATEGORY_SHARE = [30, 25, 25, 12, 8]
#: Typical minutes of one activity, before the person's own engagement scales them.
CATEGORY_MINUTES = [(30, 240), (30, 180), (15, 90), (30, 120), (15, 60)]
#: Chance an activity was done with others, by category.
CATEGORY_PARTICIPATORY = [0.4, 0.5, 0.05, 0.6, 0.2]
#: Chance an activity is verified (an LMS completion, an assessor's sign-off), by category.
CATEGORY_VERIFIED = [0.35, 0.05, 0.0, 0.05, 0.0]
TITLES = [
    ["College Learn e-learning module", "Intelligence analysis workshop",
     "RIPA and CHIS legislation briefing", "Open-source intelligence course",
     "Covert policing legislation update", "Statistics for analysts short course",
     "Debrief techniques workshop", "IPP CPD workshop"],
    ["Shadowed a tactical tasking and coordination group", "Case review debrief",
     "Secondment day with the Regional Organised Crime Unit", "Mentored a new researcher",
     "Operation debrief and lessons learned", "Problem profile peer review"],
    ["Read: Authorised Professional Practice, intelligence management",
     "Read: National Intelligence Model refresher", "Podcast: intelligence-led policing",
     "Research: county lines typologies", "Read: College of Policing briefing"],
    ["Presented a problem profile to the tactical meeting", "Regional analysts' network meeting",
     "National IPP leads' forum", "Taught an induction session"],
    ["Conference session", "Professional reading group", "Other learning"],
]
KINDS = [None, "peer-discussion", "reflective-account"]
ITEMS = [None, "data-protection", "intelligence-handling"]
ITEM_TITLES = ["", "Data protection and MoPI refresher (College Learn)",
               "Intelligence handling and sanitisation refresher"]
REFLECTIONS = [
    "Practised structured searches and recording the audit trail.",
    "Saw how our intelligence products shape tasking decisions.",
    "Changes to authorisation reviews; updated my checklist.",
    "Compared our network analysis methods with another unit's.",
    "Questions showed where my confidence language was vague.",
    "Learned how to grade and sanitise intelligence before dissemination.",
    "Calibrated how I grade evidence with colleagues from other teams.",
    "Re-read the handling guidance and noted what I had been doing differently.",
]
IMPACTS = [
    "My recommendations are now specific enough to task against.",
    "I now test every network chart against a second source first.",
    "My feedback now cites the standard it is judged against.",
    "I changed how I record the rationale for dissemination decisions.",
]
ABSENCE_REASONS = ["parental leave", "long-term sickness", "career break"]


def _table(pairs: list[tuple[Any, int]]) -> list[Any]:
    """A list to draw from uniformly that holds each value as often as its weight."""
    return [value for value, weight in pairs for _ in range(weight)]


# --- The synthetic force -------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    reference: str
    name: str
    unit: str
    manager: str | None
    fte: Decimal
    joined_on: date
    #: (role code, started on, ended on or None)
    holdings: list[tuple[str, date, date | None]] = field(default_factory=list)


@dataclass
class Force:
    """Everything but the activities, which are streamed (see :func:`activities`)."""

    people: list[Person]
    absences: list[dict[str, Any]]
    allowances: list[tuple[int, str, str, date | None, str]]  # learner, role, kind, to, reason
    seed: int


def make_force(people: int) -> Force:
    """Who is in the force, in which roles, since when; deterministic for a given N."""
    seed = 20_261_121 + people
    rng = random.Random(seed)
    roles, units = _table(ROLES), _table(UNITS)
    found: list[Person] = []
    absences: list[dict[str, Any]] = []
    allowances: list[tuple[int, str, str, date | None, str]] = []
    supervisors: list[str] = []
    for number in range(1, people + 1):
        reference = f"officer-{number:06d}"
        if number % 8 == 1:
            supervisors.append(reference)
        draw = rng.random()
        if draw < 0.07:  # joined in the current cycle
            joined = CYCLE_START + timedelta(days=rng.randrange((DATA_END - CYCLE_START).days - 13))
        elif draw < 0.20:  # joined during the three years of record
            joined = DATA_START + timedelta(days=rng.randrange((CYCLE_START - DATA_START).days))
        else:
            joined = date(2000, 1, 1) + timedelta(days=rng.randrange(
                (DATA_START - date(2000, 1, 1)).days))
        person = Person(
            id=number, reference=reference,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", unit=rng.choice(units),
            manager=rng.choice(supervisors) if supervisors[-1] != reference else None,
            fte=Decimal(rng.choice(["0.6", "0.7", "0.8"])) if rng.random() < 0.15
            else Decimal("1"),
            joined_on=joined)
        role = rng.choice(roles)
        draw = rng.random()
        late = max(joined, DATA_START) + timedelta(days=30)
        span = (DATA_END - late).days
        if draw < 0.02 and span > 60:  # left: their role ended before the day judged
            ended = late + timedelta(days=rng.randrange(span - 30))
            person.holdings.append((role, joined, ended))
        elif draw < 0.07 and span > 60:  # moved to another role
            moved = late + timedelta(days=rng.randrange(span - 30))
            other = rng.choice([code for code, _ in ROLES if code != role])
            person.holdings += [(role, joined, moved - timedelta(days=1)), (other, moved, None)]
        elif draw < 0.09 and span > 60 and role != "intelligence-researcher":  # two at once
            person.holdings += [(role, joined, None), (
                "intelligence-researcher", late + timedelta(days=rng.randrange(span - 30)), None)]
        else:
            person.holdings.append((role, joined, None))
        current = [code for code, _, ended in person.holdings if ended is None]
        draw = rng.random()
        if current and draw < 0.005:
            allowances.append((number, current[0], "exemption", None,
                               "Seconded to the National Crime Agency for this cycle."))
        elif current and draw < 0.01:
            allowances.append((number, current[0], "extension", date(2027, 6, 30),
                               "Returning from long-term sickness."))
        if current and rng.random() < 0.025:
            starts = date(2025, 12, 1) + timedelta(days=rng.randrange(300))
            absences.append({
                "learner_id": number, "starts_on": max(starts, joined),
                "ends_on": max(starts, joined) + timedelta(days=rng.randrange(60, 300)),
                "reason": rng.choice(ABSENCE_REASONS)})
        found.append(person)
    return Force(found, absences, allowances, seed)


def activities(force: Force) -> tuple[list[list[int]], int]:
    """Every activity, bucketed by day (so ids rise with the date, as when officers log them).

    Each activity is packed into one int (see :func:`_unpack`) to keep 6M of them small.
    Returns the buckets (index 0 is ``DATA_START``) and how many activities there are.
    """
    rng = random.Random(force.seed * 7)
    rand, randrange = rng.random, rng.randrange
    days = (DATA_END - DATA_START).days + 1
    buckets: list[list[int]] = [[] for _ in range(days)]
    categories = _table(list(enumerate(CATEGORY_SHARE)))
    total = 0
    for person in force.people:
        first = max(person.joined_on, DATA_START)
        ends = [ended for _, _, ended in person.holdings]
        last = DATA_END if None in ends else min(DATA_END, max(e for e in ends if e))
        if last < first:
            continue
        offset, span = (first - DATA_START).days, (last - first).days + 1
        level = 0.6 + 0.8 * rand()  # how many activities, around 40 a year
        engagement = min(2.5, rng.lognormvariate(-0.4, 0.55))  # how long they are
        reflects = rng.choice([0.0, 0.05, 0.1, 0.15, 0.25, 0.35, 0.5])
        impacts = rng.choice([0.0, 0.03, 0.06, 0.1, 0.15])
        analyst = any(code == "intelligence-analyst" for code, _, _ in person.holdings)
        peers = (0.02 if analyst else 0.01) * rng.choice([0, 1, 2, 4, 8])
        accounts = rng.choice([0.0, 0.02, 0.06, 0.1])
        packed_person = person.id << 34
        count = round(ACTIVITIES_PER_YEAR * level * span / 365.25)
        for _ in range(count):
            category = categories[randrange(100)]
            low, high = CATEGORY_MINUTES[category]
            minutes = max(1, round((low + (high - low) * rand()) * engagement / 5))
            draw = rand()
            kind = 1 if draw < peers else 2 if draw < peers + accounts else 0
            buckets[offset + int(rand() * span)].append(packed_person | _pack(
                minutes, category, kind, rand() < CATEGORY_PARTICIPATORY[category] or kind == 1,
                rand() < CATEGORY_VERIFIED[category], rand() < reflects, rand() < impacts, 0,
                randrange(len(TITLES[category]))))
        total += count
        # About one data-protection refresher a year, some late, some missed.
        misses = 0.3 if rand() < 0.1 else 0.04
        anchor = person.joined_on.toordinal() + randrange(365)
        for year in range(-4, 30):
            day = anchor + 365 * year + randrange(-20, 46) - DATA_START.toordinal()
            if offset <= day < offset + span and rand() >= misses:
                buckets[day].append(packed_person | _pack(
                    max(1, round(randrange(60, 181) * engagement / 5)), 0, 0, False,
                    rand() < 0.8, rand() < reflects, False, 1, 0))
                total += 1
        if any(code == "intelligence-researcher" for code, _, _ in person.holdings):
            for _ in range(span // 365 + 1):
                day = offset + randrange(span)
                if rand() < 0.8:
                    buckets[day].append(packed_person | _pack(
                        max(1, round(randrange(60, 121) * engagement / 5)), 0, 0, False,
                        rand() < 0.5, rand() < reflects, False, 2, 0))
                    total += 1
    return buckets, total


def _pack(fives: int, category: int, kind: int, participatory: bool, verified: bool,
          reflection: bool, impact: bool, item: int, title: int) -> int:
    return (min(fives, 1023) << 24 | category << 21 | kind << 19 | participatory << 18
            | verified << 17 | reflection << 16 | impact << 15 | item << 13 | title << 8)


def _unpack(packed: int) -> tuple[int, int, int, int, bool, bool, bool, bool, int, int]:
    """(learner id, minutes, category, kind, participatory, verified, reflection, impact,
    item, title) of a packed activity."""
    return (packed >> 34, (packed >> 24 & 1023) * 5, packed >> 21 & 7, packed >> 19 & 3,
            bool(packed >> 18 & 1), bool(packed >> 17 & 1), bool(packed >> 16 & 1),
            bool(packed >> 15 & 1), packed >> 13 & 3, packed >> 8 & 31)


def activity_rows(buckets: list[list[int]], day_value: Callable[[date], Any],
                  recorded_value: Callable[[date], Any]) -> Iterator[tuple[Any, ...]]:
    """``cpd_activity`` rows in id order, dates as the database driver wants them."""
    number = 0
    for offset, bucket in enumerate(buckets):
        day = DATA_START + timedelta(days=offset)
        on, recorded = day_value(day), recorded_value(day)
        for packed in bucket:
            number += 1
            (learner, minutes, category, kind, participatory, verified, reflection, impact,
             item, title) = _unpack(packed)
            yield (number, f"00000000-0000-4000-8000-{number:012x}", learner, on, minutes,
                   ITEM_TITLES[item] if item else TITLES[category][title],
                   CATEGORIES[category], KINDS[kind], participatory, ITEMS[item],
                   REFLECTIONS[(number + learner) % len(REFLECTIONS)] if reflection else None,
                   IMPACTS[(number + learner) % len(IMPACTS)] if impact else None,
                   "verified" if verified else "self-declared", recorded,
                   f"https://learning.bench-force.police.uk/cpd/activities/{number}")


ACTIVITY_COLUMNS = ("id", "statement_id", "learner_id", "activity_date", "minutes", "title",
                    "category", "kind", "participatory", "item", "reflection", "impact",
                    "verification", "recorded_at", "activity_iri")
LINK_SQL = """
INSERT INTO cpd_activity_role (activity_id, role_id)
SELECT a.id, lr.role_id FROM cpd_activity a
JOIN cpd_learner_role lr ON lr.learner_id = a.learner_id AND lr.started_on <= a.activity_date
 AND (lr.ended_on IS NULL OR lr.ended_on >= a.activity_date)
"""


def populate(engine: sa.Engine, force: Force,
             write_activities: Callable[[sa.Connection, list[list[int]]], None]) -> dict[str, Any]:
    """Create the tables, load the framework, and write the force; returns row counts."""
    migration.upgrade(engine)
    with Session(engine) as session:
        frameworks.load_file(session, frameworks.shipped(FRAMEWORK), categories=CATEGORIES,
                             today=DATA_END)
        session.commit()
        role_ids = dict(session.execute(sa.select(Role.code, Role.id)).all())
    stamp = datetime(2026, 11, 21, 9, tzinfo=timezone.utc)
    buckets, total = activities(force)
    with engine.begin() as connection:
        connection.execute(sa.insert(Learner), [{
            "id": p.id, "reference": p.reference, "name": p.name,
            "email": f"{p.reference}@bench-force.police.uk", "org_unit": p.unit,
            "line_manager_reference": p.manager, "fte": p.fte, "joined_on": p.joined_on,
            "created_at": stamp, "updated_at": stamp} for p in force.people])
        connection.execute(sa.insert(LearnerRole), [{
            "learner_id": p.id, "role_id": role_ids[code], "started_on": started,
            "ended_on": ended, "accredited_on": started}
            for p in force.people for code, started, ended in p.holdings])
        if force.absences:
            connection.execute(sa.insert(Absence), [{
                **absence, "statement_id": f"00000000-0000-4000-a000-{number:012x}",
                "approved_by": "officer-000001", "approved_at": stamp}
                for number, absence in enumerate(force.absences, 1)])
        if force.allowances:
            connection.execute(sa.insert(Allowance), [{
                "statement_id": f"00000000-0000-4000-b000-{number:012x}", "learner_id": learner,
                "role_id": role_ids[code], "kind": kind, "cycle_start": CYCLE_START,
                "extended_to": extended_to, "reason": reason, "granted_by": "officer-000001",
                "granted_at": stamp}
                for number, (learner, code, kind, extended_to, reason)
                in enumerate(force.allowances, 1)])
        write_activities(connection, buckets)
        del buckets
        links = connection.exec_driver_sql(LINK_SQL).rowcount
    return {"activities": total, "links": links}


def _sqlite_activities(connection: sa.Connection, buckets: list[list[int]]) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    rows = activity_rows(buckets, date.isoformat,
                         lambda day: f"{day.isoformat()} 18:00:00.000000")
    raw.executemany(f"INSERT INTO cpd_activity ({', '.join(ACTIVITY_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(ACTIVITY_COLUMNS))})", rows)


def _postgresql_activities(connection: sa.Connection, buckets: list[list[int]]) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    rows = activity_rows(buckets, lambda day: day, lambda day: datetime(
        day.year, day.month, day.day, 18, tzinfo=timezone.utc))
    with raw.cursor() as cursor, cursor.copy(
            f"COPY cpd_activity ({', '.join(ACTIVITY_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def sqlite_force(people: int, regenerate: bool) -> tuple[sa.Engine, dict[str, Any]]:
    """The cached SQLite file for N people (generated if missing) and its engine."""
    DATA_DIR.mkdir(exist_ok=True)
    ignore = DATA_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Generated benchmark databases.\n*\n!.gitignore\n", encoding="utf-8")
    path = DATA_DIR / f"force-{people}-v{DATA_VERSION}.sqlite"
    info: dict[str, Any] = {"generated": False, "path": path}
    if regenerate or not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        engine = sa.create_engine(f"sqlite:///{partial}")

        @sa.event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            # For generation only: the file is rebuilt from scratch if anything fails.
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                           "temp_store=MEMORY"):
                dbapi_connection.execute(f"PRAGMA {pragma}")

        started = time.perf_counter()
        info.update(populate(engine, make_force(people), _sqlite_activities))
        with engine.connect() as connection:
            # Statistics, as PRAGMA optimize would gather: without them SQLite reads the
            # aggregate through the role index (every link of all three years), not the date
            # index, and the baseline is several times slower than the same query planned well.
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        engine.dispose()
        os.replace(partial, path)
        info.update(generated=True, generation_seconds=time.perf_counter() - started)
    return sa.create_engine(f"sqlite:///{path}"), info


@contextmanager
def postgresql_force(url: str, people: int, database: str
                     ) -> Iterator[tuple[sa.Engine, dict[str, Any]]]:
    """A scratch PostgreSQL database holding the force, dropped afterwards."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(database)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    engine = sa.create_engine(sa.make_url(url).set(database=database))
    try:
        started = time.perf_counter()
        info: dict[str, Any] = populate(engine, make_force(people), _postgresql_activities)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("cpd_learner", "cpd_learner_role", "cpd_activity", "cpd_absence",
                          "cpd_allowance"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
            # What autovacuum would do after a bulk load, done now so plans are settled.
            connection.exec_driver_sql("VACUUM ANALYZE")
        info.update(generated=True, generation_seconds=time.perf_counter() - started)
        yield engine, info
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        admin.dispose()


# --- Measuring -----------------------------------------------------------------------------------


@dataclass
class Figures:
    database: str
    people: int
    activities: int
    links: int
    holdings: int
    aggregate_rows: int
    baseline_seconds: float
    report_seconds: float
    statuses: Counter[str]
    baseline_runs: list[float]
    report_runs: list[float]
    plan: list[str]

    @property
    def ratio(self) -> float:
        return self.report_seconds / self.baseline_seconds

    @property
    def people_per_second(self) -> float:
        return self.people / self.report_seconds


def settings() -> config.Settings:
    values: dict[str, Any] = dict(SETTINGS_CONFIG)
    config.apply_defaults(values)
    return config.load(values)


def capture_aggregate(engine: sa.Engine, run: Callable[[], Any]) -> tuple[str, Any]:
    """The SQL text and driver parameters of the report's activity aggregate, as sent."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               _many: bool) -> None:
        if "sum(cpd_activity.minutes)" in statement and "GROUP BY" in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if len(sent) != 1:
        raise RuntimeError(f"expected the report to send one aggregate, saw {len(sent)} (is "
                           f"--as-of on or after the framework's first version, 2024-04-01?)")
    return sent[0]


def measure(database: str, engine: sa.Engine, people: int, as_of: date, repeat: int,
            profile: bool) -> Figures:
    judged = settings()

    def report() -> list[Any]:
        with Session(engine) as session:
            return assess(session, judged, as_of=as_of)

    # Warm-up (page cache, statement caches, the framework parse) and capture the aggregate.
    sql, parameters = capture_aggregate(engine, report)
    with engine.connect() as connection:
        counts = connection.execute(sa.text(
            "SELECT (SELECT count(*) FROM cpd_activity), (SELECT count(*) FROM cpd_activity_role),"
            " (SELECT count(*) FROM cpd_learner_role WHERE started_on <= :day"
            "  AND (ended_on IS NULL OR ended_on >= :day))"), {"day": as_of}).one()
        aggregate_rows = len(connection.exec_driver_sql(sql, parameters).fetchall())
        plan = query_plan(connection, sql, parameters)
        baseline_runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            connection.exec_driver_sql(sql, parameters).fetchall()
            baseline_runs.append(time.perf_counter() - started)
    report_runs = []
    standings: list[Any] = []
    for _ in range(repeat):
        standings = []  # let the previous report go before timing the next
        started = time.perf_counter()
        standings = report()
        report_runs.append(time.perf_counter() - started)
    activities_count, links, holdings = counts
    if len(standings) != holdings:
        raise AssertionError(f"{database}: the report judged {len(standings)} person-roles, "
                             f"but {holdings} are held on {as_of}")
    statuses = Counter(standing.judgement.status.value for standing in standings)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        report()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(f"\nProfile of one report on {database} (cumulative time):")
        print(out.getvalue())
    return Figures(database, people, activities_count, links, holdings, aggregate_rows,
                   min(baseline_runs), min(report_runs), statuses, baseline_runs, report_runs,
                   plan)


def query_plan(connection: sa.Connection, sql: str, parameters: Any) -> list[str]:
    """How the database runs the aggregate, one step a line (costs left out)."""
    if connection.dialect.name == "sqlite":
        return [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                            parameters)]
    lines = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters)]
    return [line.split("  (cost=")[0].strip().removeprefix("->").strip() for line in lines
            if "(cost=" in line]


def show(figures: Figures) -> None:
    print(f"\n{figures.database}: {figures.holdings:,} person-roles judged, "
          f"{figures.aggregate_rows:,} aggregate rows")
    print("  baseline runs: " + ", ".join(f"{s:.3f}" for s in figures.baseline_runs)
          + " s;  report runs: " + ", ".join(f"{s:.3f}" for s in figures.report_runs) + " s")
    print("  aggregate plan: " + "; ".join(figures.plan))
    total = sum(figures.statuses.values())
    print("  statuses: " + ", ".join(
        f"{status} {figures.statuses[status]:,} ({figures.statuses[status] / total:.1%})"
        for status in ("compliant", "on-track", "at-risk", "non-compliant", "exempt")))


def table(rows: list[Figures]) -> None:
    head = (f"{'database':<11}{'people':>9}{'activities':>12}{'agg rows':>11}"
            f"{'baseline s':>12}{'report s':>10}{'ratio':>7}{'people/s':>10}")
    print("\n" + head)
    print("-" * len(head))
    for row in rows:
        print(f"{row.database:<11}{row.people:>9,}{row.activities:>12,}{row.aggregate_rows:>11,}"
              f"{row.baseline_seconds:>12.3f}{row.report_seconds:>10.3f}{row.ratio:>7.2f}"
              f"{row.people_per_second:>10,.0f}")


def result_line(prefix: str, figures: Figures) -> str:
    return (f"{prefix} people={figures.people} seconds={figures.report_seconds:.3f} "
            f"baseline_seconds={figures.baseline_seconds:.3f} ratio={figures.ratio:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000, help="size of the force (2000)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF,
                        help=f"the day judged (default {DEFAULT_AS_OF}; data ends {DATA_END})")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best is kept (3)")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached SQLite file")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of one report per database")
    parser.add_argument("--postgresql-database", default=SCRATCH_DATABASE,
                        help=f"scratch database to create and drop ({SCRATCH_DATABASE})")
    args = parser.parse_args(argv)
    if args.people < 1 or args.repeat < 1:
        parser.error("--people and --repeat must be at least 1")
    print(f"Compliance report benchmark: {args.people:,} people, as of {args.as_of}, "
          f"best of {args.repeat}.")
    print("Data is written with bulk SQL, not logged as xAPI statements: this measures judging, "
          "not logging.")
    rows: list[Figures] = []
    url = os.environ.get("CPD_BENCH_DATABASE_URL")
    if url and sa.make_url(url).get_backend_name() != "postgresql":
        parser.error(f"CPD_BENCH_DATABASE_URL must name a PostgreSQL server, got {url!r}")
    if url:
        with postgresql_force(url, args.people, args.postgresql_database) as (engine, info):
            print(f"\npostgresql: generated {info['activities']:,} activities "
                  f"({info['links']:,} role links) in {info['generation_seconds']:.1f} s "
                  f"(scratch database {args.postgresql_database}, dropped afterwards)")
            rows.append(measure("postgresql", engine, args.people, args.as_of, args.repeat,
                                args.profile))
            show(rows[-1])
    engine, info = sqlite_force(args.people, args.regenerate)
    if info["generated"]:
        print(f"\nsqlite: generated {info['activities']:,} activities ({info['links']:,} role "
              f"links) in {info['generation_seconds']:.1f} s into {info['path']}")
    else:
        print(f"\nsqlite: using the cached force in {info['path']} (--regenerate to rebuild)")
    rows.append(measure("sqlite", engine, args.people, args.as_of, args.repeat, args.profile))
    engine.dispose()
    show(rows[-1])
    if len(rows) == 2 and rows[0].statuses != rows[1].statuses:
        print("WARNING: PostgreSQL and SQLite judged the same force differently")
    table(rows)
    for row in rows[:-1]:
        print(result_line("RESULT_POSTGRESQL", row))
    print(result_line("RESULT", rows[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

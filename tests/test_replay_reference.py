"""One person's history replayed day by day against a reference that shares no code with the
engine.

The reference below is plain Python written from docs/frameworks.md (statuses, pro rata,
extensions, "judged as of a day"): it imports nothing from ``cpd_tracker``. The library is only
used to arrange the history (a framework file, a person, their CPD, a lead's absence and
extension, all through the services a host would use) and to judge it, with
:func:`cpd_tracker.judging.assessment.assess`. Every day from 1 Apr 2024 to 31 Jul 2025 the
two must agree on the cycle judged, its due date, what each rule has done, each target after
pro rata and the status, and, while the extension runs, on the cycle under way beside it.

The role: a fixed yearly cycle from 1 April; 20 hours in all, 5 of them formal, 2 records with a
written reflection; targets pro rata to days in the role less approved absence; at risk with 90
days or fewer left or, after the first quarter, under half of an even pace; CPD dated in a
lead's extension counts towards the extended cycle only (``extension_counts: owed``).

The history (worked through by hand in :func:`test_the_reference_gives_the_hand_worked_figures`):
Priya takes the role on 17 Jun 2024 (288 of the 2024-25 cycle's 365 days); she is away on
approved leave from 3 Mar to 27 Apr 2025 (29 days of the 2024-25 cycle, 27 of 2025-26); a lead
extends the 2024-25 cycle to 20 May 2025, and she meets it on 12 May with CPD logged late.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from cpd_tracker import get_state
from cpd_tracker.demo.models import db
from cpd_tracker.judging.assessment import Scope, assess
from cpd_tracker.models import Learner
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import assign_role
from cpd_tracker.services import allowances
from tests.factories import framework_text, logged, officer, today

ROLE = "replay-officer"
FRAMEWORK_TEMPLATE = """\
framework: replay-reference
title: Replay reference
versions:
  - version: "2024"
    effective_from: 2024-04-01
    roles:
      - code: {role}
        name: Replay Officer
        cycle: {{type: fixed, start: "04-01"}}
        pro_rata: [days-in-role, absence]
        at_risk_days: 90
        extension_counts: {counts}
        rules:
          - {{type: hours, hours: 20}}
          - {{type: hours, hours: 5, category: formal}}
          - {{type: count, count: 2, output: reflection, label: Reflections}}
"""
LEAD = Lead("jlead", "Insp Jo Lead")

# --- The history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """One activity as the officer logs it."""

    day: date
    minutes: int
    category: str
    reflection: bool = False


JOINED_FORCE = date(2020, 1, 1)
ROLE_FROM = date(2024, 6, 17)
ABSENCE = (date(2025, 3, 3), date(2025, 4, 27))
EXTENSION = (date(2024, 4, 1), date(2025, 5, 20))  # (cycle start, extended to)
EXTENSION_GRANTED_FOR = date(2025, 3, 10)  # the day the lead names: in the 2024-25 cycle

#: In the order it is logged: some of it late, after CPD dated later.
HISTORY = (
    Done(date(2024, 5, 20), 180, "formal", reflection=True),  # before the role: never counts
    Done(date(2024, 6, 17), 60, "work-based"),  # the first day in the role
    Done(date(2024, 9, 12), 90, "self-directed", reflection=True),
    Done(date(2024, 7, 30), 120, "formal"),  # logged late
    Done(date(2025, 2, 3), 120, "formal", reflection=True),
    Done(date(2024, 11, 20), 60, "work-based"),  # logged late
    Done(date(2025, 3, 15), 30, "self-directed"),  # during the absence: still counts
    Done(date(2025, 5, 20), 60, "work-based", reflection=True),  # the extension's last day
    Done(date(2025, 4, 28), 180, "work-based"),  # in the extension, logged late
    Done(date(2025, 5, 12), 240, "formal"),  # in the extension, logged late: meets 2024-25
    Done(date(2025, 5, 21), 120, "formal"),  # the first day counting towards 2025-26
    Done(date(2025, 6, 25), 90, "self-directed"),
    Done(date(2025, 7, 15), 45, "professional", reflection=True),
    Done(date(2025, 6, 10), 60, "work-based"),  # logged late
)

FIRST_DAY, LAST_DAY = date(2024, 4, 1), date(2025, 7, 31)


@dataclass(frozen=True)
class Scenario:
    """The history above, with or without the lead's extension, and how CPD dated in an
    extension counts (``extension_counts``)."""

    name: str
    extended: bool
    counts: str = "owed"
    #: The statuses the history reaches (so the replay is not vacuous).
    statuses: frozenset[str] = frozenset({"on-track", "at-risk"})

    @property
    def extensions(self) -> dict[date, date]:
        return dict([EXTENSION]) if self.extended else {}


EXTENDED = Scenario("extended, counts owed", extended=True,
                    statuses=frozenset({"on-track", "at-risk", "compliant"}))
SCENARIOS = (
    EXTENDED,
    Scenario("extended, counts both", extended=True, counts="both",
             statuses=frozenset({"on-track", "at-risk", "compliant"})),
    Scenario("not extended", extended=False),
)

# --- The reference: plain Python, from docs/frameworks.md ----------------------------------------

CYCLE_STARTS_ON = (4, 1)  # month, day
EFFECTIVE_FROM = date(2024, 4, 1)
AT_RISK_DAYS = 90
#: (code, what it measures, full target, category counted or None, pro rata)
RULES = (
    ("hours", "minutes", 20 * 60, None, True),
    ("hours-formal", "minutes", 5 * 60, "formal", True),
    ("count-reflection", "records", 2, None, False),  # counts: not pro rata by default
)


@dataclass(frozen=True)
class View:
    """How one cycle stands on a day: what both sides are compared on."""

    cycle_start: date
    cycle_end: date
    due: date
    #: code -> (done, target after pro rata)
    rules: tuple[tuple[str, int, int], ...]
    status: str

    def __str__(self) -> str:
        figures = ", ".join(f"{code} {done}/{target}" for code, done, target in self.rules)
        return (f"cycle {self.cycle_start}..{self.cycle_end} due {self.due} [{figures}] "
                f"{self.status}")


@dataclass(frozen=True)
class Answer:
    """The cycle judged on a day and, while an extension runs, the cycle under way beside it."""

    judged: View
    following: View | None = None

    def __str__(self) -> str:
        return str(self.judged) + (f"; under way: {self.following}" if self.following else "")


def year_cycle(day: date) -> tuple[date, date]:
    """The yearly cycle from 1 April holding ``day``."""
    month, first = CYCLE_STARTS_ON
    year = day.year if (day.month, day.day) >= (month, first) else day.year - 1
    return date(year, month, first), date(year + 1, month, first) - timedelta(days=1)


def days_between(first: date, last: date) -> int:
    """Days in first..last, both counted (0 if empty)."""
    return max((last - first).days + 1, 0)


def owed_share(start: date, end: date, role_from: date,
               absences: tuple[tuple[date, date], ...]) -> Fraction:
    """The share of the full targets owed: days in the role less days of approved absence
    (in the role, counted once), over the cycle's days; never above 1."""
    in_role_from = max(start, role_from)
    absent: set[date] = set()
    for begins, ends in absences:
        day = max(begins, in_role_from)
        while day <= min(ends, end):
            absent.add(day)
            day += timedelta(days=1)
    available = days_between(in_role_from, end) - len(absent)
    return min(Fraction(max(available, 0), days_between(start, end)), Fraction(1))


def judge_cycle(day: date, start: date, end: date, due: date, counts_from: date,
                counts_until: date, history: tuple[Done, ...], role_from: date,
                absences: tuple[tuple[date, date], ...]) -> View:
    """One cycle as things stood on ``day``: CPD dated in the counting window, up to ``day``,
    while the role was held (whenever it was logged)."""
    counted = [done for done in history
               if max(counts_from, role_from) <= done.day <= min(counts_until, day)]
    share = owed_share(start, end, role_from, absences)
    figures = []
    for code, measure, full, category, pro_rata in RULES:
        matching = [done for done in counted if category is None or done.category == category]
        if measure == "minutes":
            done_value = sum(done.minutes for done in matching)
        else:
            done_value = sum(1 for done in matching if done.reflection)
        target = math.ceil(full * share) if pro_rata else full  # rounded up to the minute
        figures.append((code, done_value, target))
    unmet = [(done_value, target) for _, done_value, target in figures if done_value < target]
    if not unmet:
        status = "compliant"
    elif due < day:
        status = "non-compliant"
    elif (due - day).days <= AT_RISK_DAYS:
        status = "at-risk"
    else:
        # Pace: over the time the person could do CPD for the cycle (from the latest of its
        # start, their start in the role and the first day counting towards it, which is after
        # an extension of the cycle before with ``owed``, to its last day); after the first
        # quarter, under half of what an even pace would have done by now is at risk.
        began = max(start, role_from, counts_from)
        span = max(days_between(began, end), 1)
        elapsed = Fraction(min(days_between(began, day), span), span)
        behind = elapsed > Fraction(1, 4) and any(
            Fraction(done_value) < Fraction(1, 2) * target * elapsed
            for done_value, target in unmet)
        status = "at-risk" if behind else "on-track"
    return View(start, end, due, tuple(figures), status)


def reference(day: date, scenario: Scenario = EXTENDED, history: tuple[Done, ...] = HISTORY,
              role_from: date = ROLE_FROM,
              absences: tuple[tuple[date, date], ...] = (ABSENCE,)) -> Answer | None:
    """How the person stood on ``day``, or ``None`` when they were not judged (no role yet, or
    no requirements in force)."""
    extended = scenario.extensions
    if day < role_from or day < EFFECTIVE_FROM:
        return None
    start, end = year_cycle(day)
    counts_from = start
    owed: tuple[date, date, date] | None = None
    before_start, before_end = year_cycle(start - timedelta(days=1))
    if before_start >= EFFECTIVE_FROM and before_end >= role_from:
        extended_to = extended.get(before_start)
        if extended_to is not None and extended_to >= start:
            if scenario.counts == "owed":
                # CPD dated in the extension counts towards the owed cycle only; the cycle
                # under way counts from the day after it. (With "both": towards both.)
                counts_from = extended_to + timedelta(days=1)
            if extended_to >= day:
                owed = (before_start, before_end, extended_to)

    def judged(first: date, last: date, window_from: date) -> View:
        due = extended.get(first, last)
        return judge_cycle(day, first, last, due, window_from, max(last, due), history,
                           role_from, absences)

    under_way = judged(start, end, counts_from)
    if owed is None:
        return Answer(under_way)
    return Answer(judged(owed[0], owed[1], owed[0]), under_way)


# --- The engine's answers ------------------------------------------------------------------------


def view_of(judgement: Any) -> View:
    return View(judgement.cycle.start, judgement.cycle.end, judgement.due,
                tuple((result.rule.code, result.done, result.target)
                      for result in judgement.rules),
                judgement.status.value)


def engine_answers(app: Flask, learner_id: int, days: list[date]) -> dict[date, Answer | None]:
    answers: dict[date, Answer | None] = {}
    with app.app_context():
        settings = get_state(app).settings
        for day in days:
            found = assess(db.session, settings, as_of=day, scope=Scope(learner_id=learner_id))
            assert len(found) <= 1, (day, found)
            if not found:
                answers[day] = None
                continue
            [standing] = found
            assert standing.role_code == ROLE
            answers[day] = Answer(view_of(standing.judgement),
                                  view_of(standing.following) if standing.following else None)
        db.session.remove()
    return answers


# --- Arranging -----------------------------------------------------------------------------------


def arrange(app: Flask, folder: Path, scenario: Scenario) -> int:
    """Load the role's framework, and give Priya her role, her CPD, an absence and an
    extension, as a host and a lead would. Returns her learner id."""
    framework_text(app, folder, FRAMEWORK_TEMPLATE.format(role=ROLE, counts=scenario.counts),
                   "replay-reference.yaml")
    priya = officer(app, "pshah", name="DC Priya Shah", roles=(),
                    joined_days_ago=(today(app) - JOINED_FORCE).days)
    with app.app_context():
        assign_role(db.session, db.session.get(Learner, priya.id), ROLE, started_on=ROLE_FROM)
        db.session.commit()
        db.session.remove()
    for number, done in enumerate(HISTORY):
        logged(app, priya, title=f"CPD {number}", days_ago=(today(app) - done.day).days,
               minutes=done.minutes, category=done.category,
               reflection="What I learned and what I will change." if done.reflection else None)
    with app.app_context():
        settings = get_state(app).settings
        allowances.approve_absence(db.session, settings, LEAD, db.session.get(Learner, priya.id),
                                   starts_on=ABSENCE[0], ends_on=ABSENCE[1],
                                   reason="Parental leave")
        if scenario.extended:
            allowances.grant_extension(
                db.session, settings, LEAD, db.session.get(Learner, priya.id), role_code=ROLE,
                on=EXTENSION_GRANTED_FOR, due=EXTENSION[1],
                reason="Long-term sickness in the spring.")
        db.session.remove()
    return priya.id


#: (scenario name, day) the library is known to judge differently from the reference, with why
#: (none so far): such days are still compared and reported, as an expected failure.
KNOWN_DISCREPANCIES: dict[tuple[str, date], str] = {}


# --- Tests ---------------------------------------------------------------------------------------


def test_the_history_is_logged_out_of_order() -> None:
    """Some CPD is logged after CPD dated later: the replay must not depend on logging order."""
    days = [done.day for done in HISTORY]
    assert days != sorted(days)
    assert max(days) <= LAST_DAY


def test_the_reference_gives_the_hand_worked_figures() -> None:
    """The reference itself, on days worked out by hand.

    2024-25 (365 days): in the role 288 days (from 17 Jun), 29 of them absent: 259/365 of
    20 h = 851.5 -> 852 minutes, of 5 h = 212.9 -> 213; 2 reflections (counts: not pro rata).
    2025-26 (365 days): 27 days absent: 338/365 of 20 h = 1111.2 -> 1112, of 5 h = 277.8 -> 278.
    Pace in 2024-25 runs over 288 days from 17 Jun: the first quarter is 72 days.
    """
    assert reference(date(2024, 6, 16)) is None  # not in the role yet
    first = reference(date(2024, 6, 17))
    assert first is not None and first.following is None
    assert first.judged == View(date(2024, 4, 1), date(2025, 3, 31), date(2025, 5, 20), (
        ("hours", 60, 852), ("hours-formal", 0, 213), ("count-reflection", 0, 2)), "on-track")
    # Day 72 of 288 is the first quarter exactly: not yet behind; day 73 no reflection: behind.
    assert reference(date(2024, 8, 27)).judged.status == "on-track"
    assert reference(date(2024, 8, 28)).judged.status == "at-risk"
    assert reference(date(2024, 9, 12)).judged.status == "on-track"
    # 330 minutes by day 224 (26 Jan): 660 < 852 x 224/288 = 662.7.
    assert reference(date(2025, 1, 25)).judged.status == "on-track"
    assert reference(date(2025, 1, 26)).judged.status == "at-risk"
    assert reference(date(2025, 2, 3)).judged.status == "on-track"
    # 90 days before the extended due date of 20 May.
    assert reference(date(2025, 2, 18)).judged.status == "on-track"
    assert reference(date(2025, 2, 19)).judged.status == "at-risk"
    in_extension = reference(date(2025, 5, 12))
    assert in_extension.judged == View(date(2024, 4, 1), date(2025, 3, 31), date(2025, 5, 20), (
        ("hours", 900, 852), ("hours-formal", 480, 213), ("count-reflection", 2, 2)),
        "compliant")
    assert in_extension.following == View(
        date(2025, 4, 1), date(2026, 3, 31), date(2026, 3, 31),
        (("hours", 0, 1112), ("hours-formal", 0, 278), ("count-reflection", 0, 2)), "on-track")
    assert reference(date(2025, 5, 20)).judged.rules[0] == ("hours", 960, 852)
    after = reference(date(2025, 5, 21))
    assert after.following is None
    assert after.judged.cycle_start == date(2025, 4, 1)
    assert after.judged.rules[0] == ("hours", 120, 1112)
    # 2025-26 pace runs from 21 May, the first day counting towards it after the extension:
    # 315 days, its first quarter ending on day 79 (7 Aug). On 1 Jul (day 42) the person is not
    # behind though no reflection is logged yet; by 7 Aug the reflection of 15 Jul is in.
    assert reference(date(2025, 6, 30)).judged.status == "on-track"
    assert reference(date(2025, 7, 1)).judged.status == "on-track"
    assert reference(date(2025, 8, 7)).judged.status == "on-track"


def test_the_reference_without_the_extension_and_counting_both() -> None:
    """Without the extension the cycle is due on 31 Mar (at risk from 31 Dec, 90 days before)
    and the next one counts from 1 Apr; counting ``both``, CPD in the extension also counts
    towards the cycle under way."""
    plain, both = SCENARIOS[2], SCENARIOS[1]
    assert reference(date(2024, 12, 30), plain).judged.status == "on-track"
    assert reference(date(2024, 12, 31), plain).judged.status == "at-risk"
    assert reference(date(2025, 3, 31), plain).judged.due == date(2025, 3, 31)
    next_cycle = reference(date(2025, 5, 12), plain)
    assert next_cycle.following is None
    assert next_cycle.judged.cycle_start == date(2025, 4, 1)
    assert next_cycle.judged.rules == (
        ("hours", 420, 1112), ("hours-formal", 240, 278), ("count-reflection", 0, 2))
    counted_twice = reference(date(2025, 5, 20), both)
    assert counted_twice.judged.rules[0] == ("hours", 960, 852)
    assert counted_twice.following.rules[0] == ("hours", 480, 1112)
    assert reference(date(2025, 5, 21), both).judged.rules[0] == ("hours", 600, 1112)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_a_persons_history_replayed_day_by_day_matches_the_reference(
        app: Flask, tmp_path: Path, scenario: Scenario) -> None:
    assert today(app) > LAST_DAY  # the whole history is in the past
    learner_id = arrange(app, tmp_path, scenario)
    days = [FIRST_DAY + timedelta(days=n) for n in range(days_between(FIRST_DAY, LAST_DAY))]

    began = time.perf_counter()
    engine = engine_answers(app, learner_id, days)
    elapsed = time.perf_counter() - began

    mismatches, known = [], []
    for day in days:
        expected = reference(day, scenario)
        if engine[day] == expected:
            continue
        line = f"{day}:\n  engine:    {engine[day]}\n  reference: {expected}"
        (known if (scenario.name, day) in KNOWN_DISCREPANCIES else mismatches).append(line)
    print(f"{scenario.name}: {len(days)} days compared in {elapsed:.1f} s")
    assert not mismatches, (f"{len(mismatches)} of {len(days)} days differ:\n"
                            + "\n".join(mismatches[:25]))
    # Every status the history is built to reach is reached (the replay is not vacuous).
    statuses = {engine[day].judged.status for day in days if engine[day] is not None}
    assert statuses == scenario.statuses
    if known:
        pytest.xfail(f"{len(known)} known discrepancies:\n" + "\n".join(known[:25]))

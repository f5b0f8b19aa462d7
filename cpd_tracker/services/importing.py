"""Bulk import of CPD from a CSV file: historic records, or a training system's completions.

An accreditation lead uploads a file; :func:`check` lists every problem of every row without
writing anything, and :func:`run` stores the whole file as logged-CPD statements in one
transaction, or nothing. Rows meet the same rules as the officer's form
(:func:`~cpd_tracker.services.activities.check_entry`), plus what only a file can get wrong:
encoding, columns, repeated rows, spreadsheet formulas, and several rows filling one person's day.

A row's statement id comes from its content (or the training system's ``source_id``), never
from its position, so importing the same file twice adds nothing the second time. The
statements' actor is the officer; their authority is the lead who imported them, which is how
an imported record is told apart from one the officer logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker import permissions
from cpd_tracker.config import Settings
from cpd_tracker.engine.words import format_date, format_minutes
from cpd_tracker.models import Learner, LearnerRole
from cpd_tracker.record.identities import deterministic_id, learner_agent
from cpd_tracker.record.learners import identity, roles_held
from cpd_tracker.record.statements import ActivityLoggedBuilder, LoggedActivity
from cpd_tracker.services import recording
from cpd_tracker.services.activities import ActivityEntry, check_entry
from cpd_tracker.services.import_file import (
    NAMES,
    NO_TIME,
    Problem,
    Row,
    parse_row,
    plural,
    read_rows,
    shown,
)
from xapi import StatementRecord

#: The most data rows one file may have (``max_rows=`` changes it for a call).
MAX_ROWS = 50_000
#: Names the identity of an imported row in its statement id; never change it, or every file
#: already imported would import again.
_ROW_KEY = "cpd.import.row"
#: Rows per ``IN (...)`` list: below SQLite's and PostgreSQL's limits on bound parameters.
_CHUNK = 10_000


#: ``check_entry``'s field names, as the file's columns.
_FIELD_COLUMNS = {"duration": "hours", "activity_date": "activity_date", "title": "title",
                  "category": "category", "kind": "kind", "item": "item", "link": "link",
                  "reflection": "reflection", "impact": "impact"}


@dataclass(frozen=True)
class ImportReport:
    """What a check or an import found: the lead needs the counts to trust that a re-run added
    nothing, and every problem at once so one round of corrections is enough."""

    #: Data rows read (blank lines are not rows).
    rows: int
    #: New rows with no problems of their own: what an import stores once the file has none.
    ready: int
    #: Rows stored by this call; always 0 for :func:`check`, or when there are problems.
    imported: int
    #: Rows whose record was stored by an earlier import: skipped, not problems.
    already_imported: int
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the file can be (or was) imported as it is."""
        return not self.problems

    def summary(self) -> str:
        """One sentence for a page or the CLI."""
        already = (f"{self.already_imported} {plural(self.already_imported, 'was', 'were')} "
                   "already imported" if self.already_imported else "")
        if self.problems:
            rows = {problem.row for problem in self.problems if problem.row is not None}
            where = f" in {len(rows)} {plural(len(rows), 'row')}" if rows else ""
            return (f"{len(self.problems)} {plural(len(self.problems), 'problem')}{where}: "
                    "nothing was imported. Correct the file and upload it again.")
        if self.imported:
            return (f"Imported {self.imported} {plural(self.imported, 'row')}"
                    + (f"; {already}." if already else "."))
        if self.ready:
            return (f"{self.ready} {plural(self.ready, 'row')} ready to import, no problems"
                    + (f"; {already}." if already else "."))
        return f"Nothing new to import: {already or 'the file has no rows'}."


def check(session: Session, settings: Settings, access: permissions.Access, data: bytes, *,
          today: date, max_rows: int = MAX_ROWS) -> ImportReport:
    """The dry run: every problem of every row, and what an import would do. Writes nothing."""
    return _examine(session, settings, access, data, today=today, max_rows=max_rows).report()


def run(session: Session, settings: Settings, access: permissions.Access, importer: Learner,
        data: bytes, *, today: date, max_rows: int = MAX_ROWS) -> ImportReport:
    """Import the file, all of it in one transaction, and commit; or, if :func:`check` finds
    any problem, write nothing and return the report.

    ``importer`` is the lead ``access`` describes: they become the authority of every
    statement. Rows already imported are skipped, so running the same file again is safe.
    """
    if importer.reference != access.reference:
        raise ValueError(f"the importer {importer.reference!r} is not the user access "
                         f"describes ({access.reference!r})")
    examined = _examine(session, settings, access, data, today=today, max_rows=max_rows)
    if examined.problems or not examined.ready:
        return examined.report()
    builder = ActivityLoggedBuilder(settings)
    statements = [builder.build(identity(row.learner), _logged(row)) for row in examined.ready]
    try:
        recording.record(session, settings, statements,
                         authority=learner_agent(settings, identity(importer)),
                         on_conflict=_StoredMeanwhile())
    except _StoredMeanwhile:
        examined.problems.append(Problem(None, None, (
            "Some of these rows were stored with other details while this import ran, so "
            "nothing was imported. Check the file again.")))
        return examined.report()
    return examined.report(imported=len(statements))


class _StoredMeanwhile(RuntimeError):
    """A row's statement id was used for other content between the check and the store."""


@dataclass
class _Ready:
    """A new row that passed every check: what an import stores."""

    learner: Learner
    entry: ActivityEntry


@dataclass
class _Examined:
    rows: int = 0
    ready: list[_Ready] = field(default_factory=list)
    already: int = 0
    problems: list[Problem] = field(default_factory=list)

    def report(self, *, imported: int = 0) -> ImportReport:
        order = {name: position for position, name in enumerate(NAMES)}
        problems = sorted(self.problems, key=lambda problem: (
            problem.row or 0, -1 if problem.column is None else order.get(problem.column, 99)))
        return ImportReport(rows=self.rows, ready=len(self.ready),
                            imported=imported, already_imported=self.already,
                            problems=tuple(problems))


def _examine(session: Session, settings: Settings, access: permissions.Access, data: bytes, *,
             today: date, max_rows: int) -> _Examined:
    examined = _Examined()
    rows = read_rows(data, max_rows, examined.problems)
    if rows is None:
        return examined
    examined.rows = len(rows)
    for row in rows:
        parse_row(settings, row)
    learners = _learners(session, {row.cell("reference") for row in rows
                                   if row.cell("reference") and not row.has_problem("reference")})
    builder = ActivityLoggedBuilder(settings)
    keys = {row.number: key for row in rows if (key := row.identity()) is not None}
    submissions = {number: str(deterministic_id(settings, _ROW_KEY, *key))
                   for number, key in keys.items()}
    statement_ids = {number: str(builder.statement_id(keys[number][0], submission))
                     for number, submission in submissions.items()}
    stored = _stored(session, statement_ids.values())
    first_seen: dict[tuple[str, ...], int] = {}
    same_day: dict[tuple[int, date], list[tuple[int, int]]] = {}
    for row in rows:
        found = learners.get(row.cell("reference"))
        person = found if _check_person(access, row, found) else None
        key = keys.get(row.number)
        repeated = key is not None and key in first_seen
        if key is not None and repeated:
            row.add("source_id" if key[1] == "source" else None, _repeats(row, first_seen[key]))
        elif key is not None:
            first_seen[key] = row.number
        if person is not None and statement_ids.get(row.number) in stored:
            examined.already += 1  # nothing is written for it, so its cells do not matter
            continue
        # Someone unknown, or not the importer's to act for, is checked as a stand-in with no
        # roles and no joining date, so the rules that do not depend on the person still run.
        checked_as = person or Learner(reference=row.cell("reference"),
                                       name=row.cell("reference"))
        day = (checked_as.id, row.activity_date) if person and row.activity_date else None
        earlier = same_day.get(day, []) if day else []
        _check_rules(session, settings, row, checked_as, real=person is not None,
                     earlier=earlier, today=today)
        if day and row.minutes and not repeated:  # a repeat is removed, so it adds no time
            same_day.setdefault(day, []).append((row.number, row.minutes))
        examined.problems.extend(row.problems)
        if person is not None and not row.problems:
            examined.ready.append(_Ready(person, _entry(row, submissions[row.number])))
    return examined


def _learners(session: Session, references: set[str]) -> dict[str, Learner]:
    """Everyone the file names, with their roles, in one query (per ``_CHUNK`` people)."""
    found: dict[str, Learner] = {}
    ordered = sorted(references)
    for start in range(0, len(ordered), _CHUNK):
        found.update((learner.reference, learner) for learner in session.scalars(
            sa.select(Learner).where(Learner.reference.in_(ordered[start:start + _CHUNK]))
            .options(selectinload(Learner.roles).selectinload(LearnerRole.role))))
    return found


def _stored(session: Session, statement_ids: Iterable[str]) -> set[str]:
    """Which of these statement ids are already in the store (voided ones too: a record an
    officer withdrew must not come back with the next import)."""
    wanted = sorted(set(statement_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        found.update(session.scalars(sa.select(StatementRecord.id).where(
            StatementRecord.id.in_(wanted[start:start + _CHUNK]))))
    return found


def _check_person(access: permissions.Access, row: Row, learner: Learner | None) -> bool:
    """Whether the importer may act for the row's person; adds the problem when not."""
    reference = row.cell("reference")
    if not reference or row.has_problem("reference"):
        return False
    if learner is None:
        row.add("reference", (f"No one has the user reference {reference!r}; check it against "
                              "the force's systems (a person is known here once they have "
                              "signed in to CPD)."))
        return False
    if permissions.allows(access, permissions.VERIFY, learner):
        return True
    if learner.reference == access.reference:
        row.add("reference", (f"{reference!r} is your own record, and nobody imports CPD onto "
                              "their own record; log it under My CPD, or ask another lead."))
    else:
        row.add("reference", (f"{reference!r} ({learner.name}) is not someone you lead, so "
                              "you cannot import CPD for them; ask a lead whose scope includes "
                              "them."))
    return False


def _check_rules(session: Session, settings: Settings, row: Row, learner: Learner, *,
                 real: bool, earlier: list[tuple[int, int]], today: date) -> None:
    """The rules a web entry must pass, with the file's earlier rows of the same person and
    day counted towards the daily maximum (``check_entry`` sees only what is stored)."""
    before = sum(minutes for _, minutes in earlier)
    entry = ActivityEntry(
        title=row.cell("title"),
        activity_date=row.activity_date or today,
        minutes=before + row.minutes if row.minutes else 0,
        category=row.category, reflection=row.cell("reflection") or None,
        link=row.cell("link") or None, kind=row.cell("kind") or None,
        participatory=row.participatory, item=row.cell("item") or None,
        impact=row.cell("impact") or None)
    skipped: set[str] = set()
    if not real:
        skipped |= {"kind", "item"}  # they depend on the roles of a person we do not have
    if row.activity_date is None:
        skipped |= {"activity_date", "hours", "kind", "item"}  # checked on a stand-in date
    for name, message in check_entry(session, settings, learner, entry, today=today).items():
        column = _FIELD_COLUMNS.get(name)
        if name == "duration" and row.minutes == 0:
            message = message.replace("The duration must be more than zero.",
                                      NO_TIME.format(value=shown(row.cell("hours"))))
        if column in skipped or (column is not None and row.has_problem(column)):
            continue  # the cell's own problem is already reported, in the file's words
        if column is not None and row.cell(column) and shown(row.cell(column)) not in message:
            message = f"{shown(row.cell(column))}: {message}"
        if column == "hours" and earlier:
            numbers = [str(number) for number, _ in earlier]
            message += (f" {plural(len(numbers), 'Row')} {', '.join(numbers)} of this file "
                        f"{plural(len(numbers), 'adds', 'add')} {format_minutes(before)} "
                        f"on {format_date(entry.activity_date)}.")
        row.add(column, message)


def _entry(row: Row, submission_id: str) -> ActivityEntry:
    assert row.activity_date is not None and row.minutes is not None
    return ActivityEntry(
        title=row.cell("title"), activity_date=row.activity_date, minutes=row.minutes,
        category=row.category, reflection=row.cell("reflection") or None,
        link=row.cell("link") or None, submission_id=submission_id,
        kind=row.cell("kind") or None, participatory=row.participatory,
        item=row.cell("item") or None, impact=row.cell("impact") or None)


def _logged(ready: _Ready) -> LoggedActivity:
    """The statement's facts, as :func:`~cpd_tracker.services.activities.log_activity`
    records them."""
    entry = ready.entry
    return LoggedActivity(
        submission_id=entry.submission_id, title=entry.title.strip(),
        activity_date=entry.activity_date, minutes=entry.minutes, category=entry.category,
        role_codes=tuple(role.code for role in roles_held(ready.learner, entry.activity_date)),
        reflection=entry.reflection, link=entry.link, kind=entry.kind,
        participatory=entry.participatory, item=entry.item, impact=entry.impact)


def _repeats(row: Row, first: int) -> str:
    if row.cell("source_id"):
        return (f"Repeats row {first}: source_id {row.cell('source_id')!r} is there too. Remove "
                "one of the two rows, or give each completion its own source_id.")
    return (f"Repeats row {first}: same person, date, title, hours and category. Remove one "
            "of the two rows, or give each a source_id if both really happened.")



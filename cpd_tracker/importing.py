"""Bulk import of CPD from a CSV file: historic records, or a training system's completions.

An accreditation lead uploads a file; :func:`check` lists every problem of every row without
writing anything, and :func:`run` stores the whole file as logged-CPD statements in one
transaction, or nothing. Rows meet the same rules as the officer's form
(:func:`~cpd_tracker.activities.check_entry`), plus what only a file can get wrong: encoding,
columns, repeated rows, spreadsheet formulas, and several rows filling one person's day.

A row's statement id comes from its content (or the training system's ``source_id``), never
from its position, so importing the same file twice adds nothing the second time. The
statements' actor is the officer; their authority is the lead who imported them, which is how
an imported record is told apart from one the officer logged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from cpd_tracker import permissions, recording
from cpd_tracker.activities import ActivityEntry, check_entry
from cpd_tracker.compliance import format_date, format_minutes
from cpd_tracker.config import Settings
from cpd_tracker.learners import identity, roles_held
from cpd_tracker.models import Learner, LearnerRole
from cpd_tracker.statements import (
    ActivityLoggedBuilder,
    LoggedActivity,
    deterministic_id,
    learner_agent,
)
from xapi import StatementRecord

#: The most data rows one file may have (``max_rows=`` changes it for a call).
MAX_ROWS = 50_000
#: Names the identity of an imported row in its statement id; never change it, or every file
#: already imported would import again.
_ROW_KEY = "cpd.import.row"
#: What makes a spreadsheet run a cell instead of showing it (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@")
#: Rows per ``IN (...)`` list: below SQLite's and PostgreSQL's limits on bound parameters.
_CHUNK = 10_000


@dataclass(frozen=True)
class Column:
    """One column of the import file, as the README and the upload page document it."""

    name: str
    required: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("reference", True, "The officer's user reference in the force's systems (pshah)."),
    Column("title", True, "What the activity was, up to 255 characters."),
    Column("activity_date", True,
           "The day it took place: YYYY-MM-DD (2025-03-14) or DD/MM/YYYY (14/03/2025)."),
    Column("hours", True, "How long it took: decimal hours (1.5) or hours and minutes (1:30)."),
    Column("category", True, "One of the force's CPD category codes (CPD_CATEGORIES), such as "
                             "formal."),
    Column("kind", False, "The kind of record, as the officer's framework names it "
                          "(reflective-account); empty for a plain activity."),
    Column("item", False, "The code of the required item (mandatory course) it completes."),
    Column("participatory", False, "Done with other people: yes, no, true, false, 1 or 0; "
                                   "empty means no."),
    Column("reflection", False, "What the officer learned."),
    Column("impact", False, "How it changed their practice."),
    Column("link", False, "A web address about it, starting with https:// or http://."),
    Column("source_id", False, "The training system's own id for the completion: a completion "
                               "imported again with the same id is recognised and skipped."),
)
_NAMES = tuple(column.name for column in COLUMNS)
_REQUIRED = tuple(column.name for column in COLUMNS if column.required)
#: Free text a spreadsheet could take for a formula.
_TEXT = frozenset({"reference", "title", "kind", "item", "reflection", "impact", "link",
                   "source_id"})
#: Columns whose text may run over several lines.
_MULTILINE = frozenset({"reflection", "impact"})
#: ``check_entry``'s field names, as the file's columns.
_FIELD_COLUMNS = {"duration": "hours", "activity_date": "activity_date", "title": "title",
                  "category": "category", "kind": "kind", "item": "item", "link": "link",
                  "reflection": "reflection", "impact": "impact"}
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})


@dataclass(frozen=True)
class Problem:
    """One thing to fix before the file can be imported, placed where a spreadsheet shows it.

    ``row`` counts as the spreadsheet does (the header is row 1, the first data row is row 2),
    so the lead can go straight to the cell; it is ``None`` for the file as a whole.
    ``column`` is the column's name in the file, or ``None`` for the whole row or file.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return f"Row {self.row}{f', {self.column}' if self.column else ''}: {self.message}"


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
        already = (f"{self.already_imported} {_plural(self.already_imported, 'was', 'were')} "
                   "already imported" if self.already_imported else "")
        if self.problems:
            rows = {problem.row for problem in self.problems if problem.row is not None}
            where = f" in {len(rows)} {_plural(len(rows), 'row')}" if rows else ""
            return (f"{len(self.problems)} {_plural(len(self.problems), 'problem')}{where}: "
                    "nothing was imported. Correct the file and upload it again.")
        if self.imported:
            return (f"Imported {self.imported} {_plural(self.imported, 'row')}"
                    + (f"; {already}." if already else "."))
        if self.ready:
            return (f"{self.ready} {_plural(self.ready, 'row')} ready to import, no problems"
                    + (f"; {already}." if already else "."))
        return f"Nothing new to import: {already or 'the file has no rows'}."


def template_csv(settings: Settings | None = None) -> str:
    """A file to start from: the header row and one example row (the demo's officer ``pshah``).

    With ``settings``, the example uses one of that force's categories.
    """
    codes = [code for code, _ in settings.categories] if settings else ["formal"]
    example = {
        "reference": "pshah", "title": "Open-source intelligence workshop",
        "activity_date": "2025-03-14", "hours": "3.5",
        "category": "formal" if "formal" in codes else codes[0], "kind": "", "item": "",
        "participatory": "yes",
        "reflection": "Practised attributing accounts across platforms, which I had not done.",
        "impact": "I now record the search trail in every open-source research log.",
        "link": "https://learning.example.org/courses/osint", "source_id": "LMS-104233",
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_NAMES)
    writer.writerow([example[name] for name in _NAMES])
    return out.getvalue()


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
class _Row:
    """One data row as read: its cells, the values parsed from them, and its problems."""

    number: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    activity_date: date | None = None
    minutes: int | None = None
    category: str = ""
    participatory: bool = False

    def cell(self, name: str) -> str:
        return self.cells.get(name, "")

    def add(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def has_problem(self, column: str) -> bool:
        return any(problem.column == column for problem in self.problems)

    def identity(self) -> tuple[str, ...] | None:
        """What makes this row the same completion as another: the officer and the training
        system's id, or the officer and the activity's facts; ``None`` until they parse."""
        reference = self.cell("reference")
        if not reference or self.has_problem("reference"):
            return None
        if self.cell("source_id") and not self.has_problem("source_id"):
            return (reference, "source", self.cell("source_id"))
        title = self.cell("title")
        if (not title or self.activity_date is None or self.minutes is None
                or not self.category or any(self.has_problem(name)
                                            for name in ("title", "category"))):
            return None
        return (reference, "entry", self.activity_date.isoformat(), title, str(self.minutes),
                self.category)


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
        order = {name: position for position, name in enumerate(_NAMES)}
        problems = sorted(self.problems, key=lambda problem: (
            problem.row or 0, -1 if problem.column is None else order.get(problem.column, 99)))
        return ImportReport(rows=self.rows, ready=len(self.ready),
                            imported=imported, already_imported=self.already,
                            problems=tuple(problems))


def _examine(session: Session, settings: Settings, access: permissions.Access, data: bytes, *,
             today: date, max_rows: int) -> _Examined:
    examined = _Examined()
    rows = _read(data, max_rows, examined.problems)
    if rows is None:
        return examined
    examined.rows = len(rows)
    for row in rows:
        _parse(settings, row)
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


def _read(data: bytes, max_rows: int, problems: list[Problem]) -> list[_Row] | None:
    """The file's data rows as cells by column name, or ``None`` when the file itself is wrong
    (its problems are added to ``problems``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(None, None, (
            f"The file is not UTF-8 text: byte 0x{data[error.start]:02x} on line {line} is not "
            "UTF-8. In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)' (other "
            "spreadsheets call it 'CSV' with character set 'UTF-8') and upload that file.")))
        return None
    if not text.strip():
        problems.append(Problem(None, None, (
            "The file is empty. It needs a header row naming the columns ("
            + ", ".join(_REQUIRED) + " at least) and a row per activity.")))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        problems.append(Problem(None, None, (
            f"Line {reader.line_num} is not valid CSV ({error}); a cell with a comma, a quote "
            "or a line break must be in double quotes, and a quote inside it doubled (\"\").")))
        return None
    columns = _columns(records[0], problems)
    if columns is None:
        return None
    rows: list[_Row] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line, as spreadsheets leave at the end
        row = _Row(number, {name: record[index].strip() for index, name in columns.items()
                            if index < len(record) and name in _NAMES})
        extra = [index for index, cell in enumerate(record)
                 if cell.strip() and not columns.get(index)]
        if extra:
            row.add(None, (f"Column {_letter(extra[0])} has a value ({_shown(record[extra[0]])})"
                           " but no name in the header row; remove it, or name its column."))
        rows.append(row)
    if len(rows) > max_rows:
        problems.append(Problem(None, None, (
            f"The file has {len(rows):,} rows; import at most {max_rows:,} at a time. Split "
            "it into several files (each with the header row).")))
        return None
    if not rows:
        problems.append(Problem(None, None, "The file has a header row but no activities "
                                            "under it."))
        return None
    return rows


def _columns(header: Sequence[str], problems: list[Problem]) -> dict[int, str] | None:
    """Each header cell's position and its column name, lower case (``""`` for a cell with no
    name), or ``None`` when the header is too wrong to read the rows by."""
    names = [cell.strip().lower() for cell in header]
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        problems.append(Problem(1, None, (
            f"The header row {_shown(header[0])} is one cell: the file separates its cells "
            "with semicolons or tabs, not commas. Save it as 'CSV UTF-8 (Comma delimited)'.")))
        return None
    unknown = [name for name in names if name and name not in _NAMES]
    if unknown:
        problems.append(Problem(1, None, (
            f"Unknown {_plural(len(unknown), 'column')} "
            + ", ".join(_shown(name) for name in unknown)
            + "; the columns are: " + ", ".join(_NAMES) + ".")))
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    for name in repeated:
        letters = [_letter(index) for index, other in enumerate(names) if other == name]
        problems.append(Problem(1, name, (f"The column {name!r} appears more than once "
                                          f"(columns {', '.join(letters)}); keep one.")))
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        problems.append(Problem(1, None, (
            f"The header row has no {', '.join(missing)} "
            f"{_plural(len(missing), 'column')}; every file needs "
            + ", ".join(_REQUIRED) + ".")))
    if missing or repeated:
        return None
    return dict(enumerate(names))


def _parse(settings: Settings, row: _Row) -> None:
    """Read the row's values, adding a problem for each cell that cannot be read."""
    for name in _NAMES:
        value = row.cell(name)
        if not value:
            if name in _REQUIRED:
                row.add(name, f"The {name} cell is empty; every row needs one.")
            continue
        if name in _TEXT and value.startswith(_FORMULA_STARTS):
            row.add(name, (f"{_shown(value)} starts with {value[0]!r}, which makes a "
                           "spreadsheet run it as a formula, so it is refused. Remove the "
                           f"{value[0]!r} or start with a word."))
            continue
        allowed = "\n\r\t" if name in _MULTILINE else ""
        control = next((c for c in value if ord(c) < 32 and c not in allowed), None)
        if control is not None:
            row.add(name, (f"{_shown(value)} contains the control character {control!r}, which "
                           "cannot be stored; remove it."))
    if row.cell("activity_date") and not row.has_problem("activity_date"):
        row.activity_date = _date(row)
    if row.cell("hours"):
        row.minutes = _minutes(row)
    codes = {code.lower(): code for code, _ in settings.categories}
    # Category codes match whatever their case; check_entry names the codes for any other value.
    row.category = codes.get(row.cell("category").lower(), row.cell("category"))
    participatory = row.cell("participatory").lower()
    if participatory in _YES or participatory in _NO:
        row.participatory = participatory in _YES
    else:
        row.add("participatory", (f"{_shown(row.cell('participatory'))} is not yes or no; "
                                  "write yes, no, true, false, 1 or 0 (empty means no)."))


def _date(row: _Row) -> date | None:
    value = row.cell("activity_date")
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        row.add("activity_date", (f"{_shown(value)} is not a date that exists; write a real "
                                  "day as YYYY-MM-DD or DD/MM/YYYY (day first)."))
        return None
    row.add("activity_date", (f"{_shown(value)} is not a date; write it as YYYY-MM-DD "
                              "(2025-03-14) or DD/MM/YYYY (14/03/2025)."))
    return None


def _minutes(row: _Row) -> int | None:
    value = row.cell("hours")
    sign, number = ("-", value[1:].strip()) if value.startswith("-") else ("", value)
    clock = re.fullmatch(r"(\d+):(\d{2})", number)
    minutes: int | None = None
    if clock and int(clock[2]) >= 60:
        row.add("hours", (f"{_shown(value)} has {clock[2]} minutes; write minutes from 00 to "
                          "59 (1:30 is an hour and a half)."))
        return None
    if clock:
        minutes = int(clock[1]) * 60 + int(clock[2])
    elif re.fullmatch(r"\d+(\.\d*)?|\.\d+", number):
        minutes = int((Decimal(number) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes is None:
        row.add("hours", (f"{_shown(value)} is not a number of hours; write decimal hours "
                          "(1.5) or hours and minutes (1:30)."))
        return None
    if sign:
        row.add("hours", (f"{_shown(value)} is negative; give the time the activity took, "
                          "such as 1.5 or 1:30."))
        return None
    if minutes == 0:
        row.add("hours", (f"{_shown(value)} is no time at all; give the time the activity "
                          "took, at least a minute (0.02 or 0:01)."))
        return None
    return minutes


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


def _check_person(access: permissions.Access, row: _Row, learner: Learner | None) -> bool:
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


def _check_rules(session: Session, settings: Settings, row: _Row, learner: Learner, *,
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
        if column in skipped or (column is not None and row.has_problem(column)):
            continue  # the cell's own problem is already reported, in the file's words
        if column is not None and row.cell(column) and _shown(row.cell(column)) not in message:
            message = f"{_shown(row.cell(column))}: {message}"
        if column == "hours" and earlier:
            numbers = [str(number) for number, _ in earlier]
            message += (f" {_plural(len(numbers), 'Row')} {', '.join(numbers)} of this file "
                        f"{_plural(len(numbers), 'adds', 'add')} {format_minutes(before)} "
                        f"on {format_date(entry.activity_date)}.")
        row.add(column, message)


def _entry(row: _Row, submission_id: str) -> ActivityEntry:
    assert row.activity_date is not None and row.minutes is not None
    return ActivityEntry(
        title=row.cell("title"), activity_date=row.activity_date, minutes=row.minutes,
        category=row.category, reflection=row.cell("reflection") or None,
        link=row.cell("link") or None, submission_id=submission_id,
        kind=row.cell("kind") or None, participatory=row.participatory,
        item=row.cell("item") or None, impact=row.cell("impact") or None)


def _logged(ready: _Ready) -> LoggedActivity:
    """The statement's facts, as :func:`~cpd_tracker.activities.log_activity` records them."""
    entry = ready.entry
    return LoggedActivity(
        submission_id=entry.submission_id, title=entry.title.strip(),
        activity_date=entry.activity_date, minutes=entry.minutes, category=entry.category,
        role_codes=tuple(role.code for role in roles_held(ready.learner, entry.activity_date)),
        reflection=entry.reflection, link=entry.link, kind=entry.kind,
        participatory=entry.participatory, item=entry.item, impact=entry.impact)


def _repeats(row: _Row, first: int) -> str:
    if row.cell("source_id"):
        return (f"Repeats row {first}: source_id {row.cell('source_id')!r} is there too. Remove "
                "one of the two rows, or give each completion its own source_id.")
    return (f"Repeats row {first}: same person, date, title, hours and category. Remove one "
            "of the two rows, or give each a source_id if both really happened.")


def _shown(value: str) -> str:
    """A cell's value quoted for a message, cut short if long."""
    return repr(value if len(value) <= 40 else value[:39] + "…")


def _letter(index: int) -> str:
    """The spreadsheet's letter for a column position (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else many or one + "s"

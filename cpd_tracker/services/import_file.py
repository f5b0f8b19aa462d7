"""The bulk-import file: its columns, reading a CSV into rows, and each cell into a value.

Everything a file alone can get wrong is found here (encoding, separators, the header, cells
that do not parse, spreadsheet formulas), each as a :class:`Problem` placed where a spreadsheet
shows it. What the rows mean for the record (who, which rules) is
:mod:`cpd_tracker.services.importing`'s.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cpd_tracker.config import Settings

#: What makes a spreadsheet run a cell instead of showing it (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@")


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
    Column("hours", True, "How long it took: decimal hours (1.5) or hours and minutes (1:30); "
                          "0 for a record that is not a length of time (a reflective account, "
                          "where the framework says so)."),
    Column("category", True, "One of the force's CPD category codes (CPD_CATEGORIES), such as "
                             "formal, or one the person's framework declares."),
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


NAMES = tuple(column.name for column in COLUMNS)


_REQUIRED = tuple(column.name for column in COLUMNS if column.required)


#: Free text a spreadsheet could take for a formula.
_TEXT = frozenset({"reference", "title", "kind", "item", "reflection", "impact", "link",
                   "source_id"})


#: Columns whose text may run over several lines.
_MULTILINE = frozenset({"reflection", "impact"})


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
    writer.writerow(NAMES)
    writer.writerow([example[name] for name in NAMES])
    return out.getvalue()


@dataclass
class Row:
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


def read_rows(data: bytes, max_rows: int, problems: list[Problem]) -> list[Row] | None:
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
    rows: list[Row] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line, as spreadsheets leave at the end
        row = Row(number, {name: record[index].strip() for index, name in columns.items()
                            if index < len(record) and name in NAMES})
        extra = [index for index, cell in enumerate(record)
                 if cell.strip() and not columns.get(index)]
        if extra:
            row.add(None, (f"Column {letter(extra[0])} has a value ({shown(record[extra[0]])})"
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
            f"The header row {shown(header[0])} is one cell: the file separates its cells "
            "with semicolons or tabs, not commas. Save it as 'CSV UTF-8 (Comma delimited)'.")))
        return None
    unknown = [name for name in names if name and name not in NAMES]
    if unknown:
        problems.append(Problem(1, None, (
            f"Unknown {plural(len(unknown), 'column')} "
            + ", ".join(shown(name) for name in unknown)
            + "; the columns are: " + ", ".join(NAMES) + ".")))
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    for name in repeated:
        letters = [letter(index) for index, other in enumerate(names) if other == name]
        problems.append(Problem(1, name, (f"The column {name!r} appears more than once "
                                          f"(columns {', '.join(letters)}); keep one.")))
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        problems.append(Problem(1, None, (
            f"The header row has no {', '.join(missing)} "
            f"{plural(len(missing), 'column')}; every file needs "
            + ", ".join(_REQUIRED) + ".")))
    if missing or repeated:
        return None
    return dict(enumerate(names))


def parse_row(settings: Settings, row: Row) -> None:
    """Read the row's values, adding a problem for each cell that cannot be read."""
    for name in NAMES:
        value = row.cell(name)
        if not value:
            if name in _REQUIRED:
                row.add(name, f"The {name} cell is empty; every row needs one.")
            continue
        if name in _TEXT and value.startswith(_FORMULA_STARTS):
            row.add(name, (f"{shown(value)} starts with {value[0]!r}, which makes a "
                           "spreadsheet run it as a formula, so it is refused. Remove the "
                           f"{value[0]!r} or start with a word."))
            continue
        allowed = "\n\r\t" if name in _MULTILINE else ""
        control = next((c for c in value if ord(c) < 32 and c not in allowed), None)
        if control is not None:
            row.add(name, (f"{shown(value)} contains the control character {control!r}, which "
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
        row.add("participatory", (f"{shown(row.cell('participatory'))} is not yes or no; "
                                  "write yes, no, true, false, 1 or 0 (empty means no)."))


def _date(row: Row) -> date | None:
    value = row.cell("activity_date")
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        row.add("activity_date", (f"{shown(value)} is not a date that exists; write a real "
                                  "day as YYYY-MM-DD or DD/MM/YYYY (day first)."))
        return None
    row.add("activity_date", (f"{shown(value)} is not a date; write it as YYYY-MM-DD "
                              "(2025-03-14) or DD/MM/YYYY (14/03/2025)."))
    return None


def _minutes(row: Row) -> int | None:
    value = row.cell("hours")
    sign, number = ("-", value[1:].strip()) if value.startswith("-") else ("", value)
    clock = re.fullmatch(r"(\d+):(\d{2})", number)
    minutes: int | None = None
    if clock and int(clock[2]) >= 60:
        row.add("hours", (f"{shown(value)} has {clock[2]} minutes; write minutes from 00 to "
                          "59 (1:30 is an hour and a half)."))
        return None
    if clock:
        minutes = int(clock[1]) * 60 + int(clock[2])
    elif re.fullmatch(r"\d+(\.\d*)?|\.\d+", number):
        minutes = int((Decimal(number) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minutes is None:
        row.add("hours", (f"{shown(value)} is not a number of hours; write decimal hours "
                          "(1.5) or hours and minutes (1:30)."))
        return None
    if sign:
        row.add("hours", (f"{shown(value)} is negative; give the time the activity took, "
                          "such as 1.5 or 1:30."))
        return None
    # No time at all is for a kind of record that is not a length of time (``duration:
    # false``): the rules, which know the person's kinds, decide (see ``NO_TIME``).
    return minutes


#: What a row of no time at all is told when its kind must take time.
NO_TIME = ("{value} is no time at all; give the time the activity took, at least a minute "
           "(0.02 or 0:01).")


def shown(value: str) -> str:
    """A cell's value quoted for a message, cut short if long."""
    return repr(value if len(value) <= 40 else value[:39] + "…")


def letter(index: int) -> str:
    """The spreadsheet's letter for a column position (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else many or one + "s"

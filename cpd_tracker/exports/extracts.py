"""Force-wide extracts for accreditation leads: every activity of everyone in scope, as CSV or
XLSX, streamed so memory stays flat however large the force.

Two layers. The writers, :func:`csv_chunks` and :func:`xlsx_chunks`, turn any columns and any
iterable of rows into chunks for a streamed download and know nothing of CPD. The audit extract,
:data:`AUDIT_COLUMNS` and :func:`audit_rows`, reads one row per activity in a fixed number of
queries (two scalar subqueries per row count the evidence and name the roles, so nothing is
asked per person or per activity) through a server-side cursor, a batch at a time.

The rows are read while the chunks are consumed, so the session must stay open until the last
chunk: in a Flask view, wrap the chunks in :func:`flask.stream_with_context`.

Names and titles are typed by people, so both writers keep them from being run: the CSV
defuses cells a spreadsheet would read as a formula (:func:`cpd_tracker.exports.reports.safe_cell`),
the XLSX writes every text as text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session
from xlsxwriter.worksheet import Worksheet

from cpd_tracker import frameworks
from cpd_tracker.exports.reports import safe_cell
from cpd_tracker.models import Activity, Evidence, Learner, Role, activity_role

#: The audit extract's columns, one row per activity: the person (``reference``, ``name``,
#: ``unit``), ``roles`` (codes of the roles the activity counts for, "; "), the activity
#: (``statement_id``, ``date``, ``title``, ``minutes``, ``hours``, and the codes of its
#: ``category``, ``kind`` and ``item``, ``participatory`` yes/no), its ``verification`` as the
#: record stands (self-declared, awaiting, verified, rejected) with ``verified_on`` and
#: ``verified_by`` (the lead who approved the first evidence), ``evidence_files`` (how many
#: files are attached, whatever their outcome) and ``recorded_at_utc``; then, for people to read,
#: the names of its roles, category, kind and item (``role_names``, ``category_name``...).
AUDIT_COLUMNS = ("reference", "name", "unit", "roles", "statement_id", "date", "title",
                 "minutes", "hours", "category", "kind", "item", "participatory",
                 "verification", "verified_on", "verified_by", "evidence_files",
                 "recorded_at_utc", "role_names", "category_name", "kind_name", "item_name")

#: Rows the audit query fetches from the database at a time.
AUDIT_BATCH = 1000
#: About how many characters a CSV chunk holds (a chunk ends at the row that passes it).
CSV_CHUNK_CHARS = 64 * 1024
#: How many bytes an XLSX chunk holds.
XLSX_CHUNK_BYTES = 64 * 1024
#: Rows in an Excel sheet, the header's included.
EXCEL_MAX_ROWS = 1_048_576

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# Writers ------------------------------------------------------------------------------------

def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True,
               chunk_chars: int = CSV_CHUNK_CHARS) -> Iterator[str]:
    """The header, then the rows, as CSV text in chunks of about ``chunk_chars`` characters.

    The header comes at once, so a download starts before the first row is read; rows are read
    only as chunks are asked for. With ``bom`` (the default) the text starts with a byte-order
    mark, without which Excel reads UTF-8 as the local code page and mangles names; tools that
    do not want one pass ``bom=False``. Cells: ``None`` is empty, dates are ISO 8601 (a time
    with an offset in UTC), numbers stay numbers (``-5`` is a number, not a formula), booleans
    are ``TRUE``/``FALSE``, and text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading quote so a spreadsheet shows it rather than runs it.
    """
    width = len(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow([_csv_cell(name) for name in columns])
    yield _drain(buffer)
    for number, row in enumerate(rows, start=1):
        _check_width(number, row, width)
        writer.writerow([_csv_cell(value) for value in row])
        if buffer.tell() >= chunk_chars:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def xlsx_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str,
                directory: str | os.PathLike[str] | None = None,
                chunk_bytes: int = XLSX_CHUNK_BYTES) -> Iterator[bytes]:
    """The header, then the rows, as an XLSX workbook of one sheet, in chunks of bytes.

    An XLSX file is a zip whose index comes last, so the workbook is written whole before the
    first chunk: row by row (xlsxwriter's ``constant_memory`` mode) to a temporary folder in
    ``directory`` (the system's temporary folder by default; a host with a small ``/tmp``
    names a larger disk), then read back in chunks. The folder is removed when the chunks run
    out, when the consumer stops early (the iterator is closed or collected) and when reading
    the rows fails. The sheet name is checked now, before anything is read or written.

    Cells: dates and times are Excel dates with a date format (times with an offset in UTC,
    since Excel has no time zones), numbers are numbers, booleans booleans, ``None`` empty, and
    any text is written as text, never as a formula, so ``=1+1`` shows as typed. The header is
    bold, frozen and filters the sheet. More rows than a sheet holds is a ``ValueError``, not a
    silently shortened file; Excel cuts text longer than 32,767 characters.
    """
    problem = _sheet_name_problem(sheet)
    if problem:
        raise ValueError(f"sheet {sheet!r} {problem}; Excel accepts 1 to 31 characters, none "
                         "of [ ] : * ? / \\, not starting or ending with an apostrophe")
    return _xlsx_stream(tuple(columns), rows, sheet, directory, chunk_bytes)


def _xlsx_stream(columns: tuple[str, ...], rows: Iterable[Sequence[Any]], sheet: str,
                 directory: str | os.PathLike[str] | None, chunk_bytes: int) -> Iterator[bytes]:
    with tempfile.TemporaryDirectory(prefix="cpd-extract-", dir=directory) as folder:
        path = os.path.join(folder, "extract.xlsx")
        _write_workbook(path, folder, columns, rows, sheet)
        with open(path, "rb") as file:
            while chunk := file.read(chunk_bytes):
                yield chunk


def _write_workbook(path: str, folder: str, columns: tuple[str, ...],
                    rows: Iterable[Sequence[Any]], sheet: str) -> None:
    workbook = xlsxwriter.Workbook(path, {
        "constant_memory": True, "tmpdir": folder, "strings_to_formulas": False,
        "strings_to_numbers": False, "strings_to_urls": False})
    try:
        worksheet = workbook.add_worksheet(sheet)
        formats = {"header": workbook.add_format({"bold": True}),
                   "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
                   "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}
        worksheet.freeze_panes(1, 0)
        for column, name in enumerate(columns):
            worksheet.set_column(column, column, max(12, len(name) + 2))
            worksheet.write_string(0, column, name, formats["header"])
        number = 0  # the header's row, and the last row written once the loop is done
        for number, row in enumerate(rows, start=1):
            if number >= EXCEL_MAX_ROWS:
                raise ValueError(f"an Excel sheet holds {EXCEL_MAX_ROWS - 1:,} rows under its "
                                 "header and there are more: narrow the extract or take CSV")
            _check_width(number, row, len(columns))
            for column, value in enumerate(row):
                _write_cell(worksheet, number, column, value, formats)
        worksheet.autofilter(0, 0, number, len(columns) - 1)
    except BaseException:
        # Closing releases xlsxwriter's own temporary files; the half-written workbook goes
        # with the folder.
        with contextlib.suppress(Exception):
            workbook.close()
        raise
    workbook.close()


def _write_cell(worksheet: Worksheet, row: int, column: int, value: Any,
                formats: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        worksheet.write_datetime(row, column, value, formats["datetime"])
    elif isinstance(value, date):
        worksheet.write_datetime(row, column, value, formats["date"])
    elif isinstance(value, (int, float, Decimal)):
        worksheet.write_number(row, column, float(value) if isinstance(value, Decimal) else value)
    else:
        worksheet.write_string(row, column, str(value))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return value
    return safe_cell(str(value))


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _check_width(number: int, row: Sequence[Any], width: int) -> None:
    if len(row) != width:
        raise ValueError(f"row {number} has {len(row)} cells but there are {width} columns")


def _sheet_name_problem(sheet: str) -> str | None:
    if not sheet or len(sheet.encode("utf-16-le")) // 2 > 31:
        return "is not 1 to 31 characters long"
    if _SHEET_NAME_FORBIDDEN.search(sheet):
        return "holds a character Excel forbids in a sheet name"
    if sheet.startswith("'") or sheet.endswith("'"):
        return "starts or ends with an apostrophe"
    return None


# The audit extract --------------------------------------------------------------------------

def audit_rows(session: Session, condition: sa.ColumnElement[bool], *,
               since: date | None = None, until: date | None = None,
               categories: Mapping[str, str] | None = None) -> Iterator[tuple[Any, ...]]:
    """One tuple per activity (in :data:`AUDIT_COLUMNS` order) of the people ``condition``
    picks out (a condition on ``cpd_learner``, such as
    ``permissions.visible(access, permissions.VERIFY)``), dated from ``since`` to ``until``
    (both included, either open), by unit, name, reference and date.

    One query however large the force, read a batch at a time through a server-side cursor
    (where the database has them), so rows are never all in memory. Values are as stored:
    dates as dates, ``recorded_at_utc`` an aware UTC datetime, ``None`` where there is nothing;
    the writers format and defuse them. ``categories`` are the force's category names by code
    (a framework's own are read here, as are the names of roles, kinds and items).
    """
    roles_named = {code: name for code, name in session.execute(sa.select(Role.code, Role.name))}
    categories_named = {**frameworks.category_names(session), **(categories or {})}
    words = frameworks.word_names(session)
    query = (sa.select(Learner.reference, Learner.name, Learner.org_unit, _roles(),
                       Activity.statement_id, Activity.activity_date, Activity.title,
                       Activity.minutes, Activity.category, Activity.kind, Activity.item,
                       Activity.participatory, Activity.verification, Activity.verified_on,
                       _first_approver(), _evidence_files(), Activity.recorded_at)
             .select_from(Activity).join(Learner, Learner.id == Activity.learner_id)
             .where(condition)
             .order_by(Learner.org_unit.asc().nulls_last(), Learner.name, Learner.reference,
                       Activity.activity_date, Activity.id))
    if since is not None:
        query = query.where(Activity.activity_date >= since)
    if until is not None:
        query = query.where(Activity.activity_date <= until)
    result = session.execute(query, execution_options={"yield_per": AUDIT_BATCH})
    try:
        for (reference, name, unit, roles, statement_id, day, title, minutes, category, kind,
             item, participatory, verification, verified_on, verified_by, files,
             recorded_at) in result:
            codes = _sorted_codes(roles)
            yield (reference, name, unit, codes, statement_id, day, title,
                   minutes, round(minutes / 60, 2), category, kind, item,
                   "yes" if participatory else "no", verification, verified_on, verified_by,
                   files, recorded_at,
                   "; ".join(roles_named.get(code, code) for code in codes.split("; ") if code),
                   categories_named.get(category, category), words.get(kind, kind),
                   words.get(item, item))
    finally:
        result.close()


def extract_filename(kind: str, as_of: date, extension: str) -> str:
    """``cpd-audit-2026-11-21.csv``: safe in a download header and on any file system."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", kind):
        raise ValueError(f"kind must be lower-case letters, digits and hyphens, such as "
                         f"'audit'; got {kind!r}")
    suffix = extension.removeprefix(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", suffix):
        raise ValueError(f"extension must be letters or digits, such as 'csv' or 'xlsx'; got "
                         f"{extension!r}")
    return f"cpd-{kind}-{as_of.isoformat()}.{suffix}"


def _roles() -> sa.ScalarSelect[str | None]:
    """The codes of the roles an activity counts for, in the database's own order:
    ``aggregate_strings`` is ``group_concat`` on SQLite and ``string_agg`` on PostgreSQL, and
    SQLite before 3.44 cannot order inside it, so :func:`_sorted_codes` orders them."""
    return (sa.select(sa.func.aggregate_strings(Role.code, "; "))
            .select_from(activity_role).join(Role, Role.id == activity_role.c.role_id)
            .where(activity_role.c.activity_id == Activity.id)
            .scalar_subquery())


def _evidence_files() -> sa.ScalarSelect[int]:
    return (sa.select(sa.func.count()).select_from(Evidence)
            .where(Evidence.learner_id == Activity.learner_id,
                   Evidence.activity_iri == Activity.activity_iri)
            .scalar_subquery())


def _first_approver() -> sa.ScalarSelect[str | None]:
    """Who approved the activity's first approved evidence: the approval it counts from."""
    return (sa.select(Evidence.decided_by)
            .where(Evidence.learner_id == Activity.learner_id,
                   Evidence.activity_iri == Activity.activity_iri,
                   Evidence.status == "approved")
            .order_by(Evidence.decided_at, Evidence.id).limit(1)
            .scalar_subquery())


def _sorted_codes(joined: str | None) -> str:
    # Role codes are lower-case letters, digits and hyphens, so "; " never occurs inside one.
    return "; ".join(sorted(joined.split("; "))) if joined else ""

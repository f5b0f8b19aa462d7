"""An officer's CPD record to take away: a PDF for their PDR meeting, a CSV for a spreadsheet.

The record is gathered once (:func:`record_for_export`) into plain values, then written by
:func:`cpd_tracker.exports.pdr_pdf.pdf` or :func:`write_csv`, so both say the same thing and
neither touches the database.
It covers what My CPD covers: every role's standing and the activities since the earliest
current cycle began. Everything in it was typed by someone, so the PDF escapes it before
reportlab's mark-up sees it and the CSV defuses cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.config import Settings
from cpd_tracker.engine.compliance import Judgement
from cpd_tracker.engine.words import format_date
from cpd_tracker.exports.reports import safe_cell
from cpd_tracker.models import Learner
from cpd_tracker.queries.activities import evidence_for, officer_record
from cpd_tracker.queries.outcomes import PastCycle

#: The CSV's columns, one row per activity: ``date`` (ISO), ``title``, ``category`` (its label),
#: ``minutes``, ``hours`` (decimal, for sums), ``kind`` and ``item`` (labels, or empty),
#: ``participatory`` (yes/no), ``verification`` (self-declared, awaiting, verified, rejected),
#: ``verified_on`` (ISO, or empty), ``evidence`` (each file with its outcome and the lead's
#: comment, separated by "; "), ``what_happened``, ``reflection`` (what I learned), ``impact``,
#: ``accountabilities`` (codes, "; ") and ``roles`` (names of the roles it counts towards, "; ").
COLUMNS = ("date", "title", "category", "minutes", "hours", "kind", "item", "participatory",
           "verification", "verified_on", "evidence", "what_happened", "reflection", "impact",
           "accountabilities", "roles")

#: Each verification state in words: short for the overview table, in full for the details.
_VERIFICATION = {"self-declared": ("Self-declared", "Self-declared (no evidence)"),
                 "awaiting": ("Awaiting a lead", "Evidence waiting for a lead's check"),
                 "verified": ("Verified", "Verified by a lead"),
                 "rejected": ("Rejected", "Evidence rejected by a lead")}
_OUTCOME = {"pending": "waiting for a decision", "approved": "approved", "rejected": "rejected"}


@dataclass(frozen=True)
class EvidenceFile:
    """A file attached to an activity and what a lead decided about it."""

    filename: str
    status: str
    decided_by: str | None = None
    comment: str | None = None

    @property
    def outcome(self) -> str:
        """``"approved by Insp Jones"``, ``"waiting for a decision"``."""
        words = _OUTCOME.get(self.status, self.status)
        return f"{words} by {self.decided_by}" if self.decided_by else words

    @property
    def summary(self) -> str:
        """``"dp.pdf (rejected by Insp Jones: not legible)"``: the file in one line of text."""
        return f"{self.filename} ({self.outcome}" + (f": {self.comment})" if self.comment else ")")


@dataclass(frozen=True)
class ExportActivity:
    """One activity with everything a reader of the record needs, labels already looked up."""

    activity_date: date
    title: str
    category: str
    minutes: int
    kind: str | None
    item: str | None
    participatory: bool
    what_happened: str | None
    reflection: str | None
    impact: str | None
    accountabilities: tuple[str, ...]
    link: str | None
    verification: str
    verified_on: date | None
    evidence: tuple[EvidenceFile, ...]
    roles: tuple[str, ...]

    @property
    def verification_label(self) -> str:
        """The verification state in a word or two, for a table cell."""
        return _VERIFICATION.get(self.verification, (self.verification,))[0]

    @property
    def verification_text(self) -> str:
        """The verification state as a sentence fragment a manager understands."""
        words = _VERIFICATION.get(self.verification, ("", self.verification))[1]
        return f"{words} on {format_date(self.verified_on)}" if self.verified_on else words


@dataclass(frozen=True)
class ExportRecord:
    """Everything an export shows, gathered once: no database access after this."""

    name: str
    reference: str
    unit: str | None
    since: date
    until: date
    #: When the record was gathered, in the force's time zone.
    generated_at: datetime
    #: The engine's judgement of each role held (status, cycle, rules, adjustments).
    roles: tuple[Judgement, ...]
    #: Oldest first: a record is read as a history.
    activities: tuple[ExportActivity, ...]
    #: The last ended cycles and how each ended, newest first.
    past: tuple[PastCycle, ...] = ()


def record_for_export(session: Session, settings: Settings, learner: Learner, *, today: date,
                      now: datetime | None = None) -> ExportRecord:
    """The officer's record as My CPD shows it on ``today``, ready to write out.

    A fixed number of queries however many activities there are: the judgement and the
    activities as :func:`~cpd_tracker.queries.activities.officer_record` reads them, then one
    query for all the evidence and one for the labels of kinds and items.
    """
    found = officer_record(session, settings, learner, today=today)
    rows = [activity for activity in reversed(found.activities) if activity.activity_date <= today]
    files = {iri: [EvidenceFile(item.filename, item.status, item.decided_by, item.comment)
                   for item in items]
             for iri, items in evidence_for(session, learner.id,
                                            [activity.activity_iri for activity in rows]).items()}
    codes = {s.role_code for s in found.standings} | {r.code for a in rows for r in a.roles}
    kinds, items = frameworks.vocabulary_for(session, sorted(codes)) if codes else ([], [])
    kind_names, item_names = dict(kinds), dict(items)
    declared = frameworks.category_names(session)
    activities = tuple(ExportActivity(
        activity_date=a.activity_date, title=a.title,
        category=dict(settings.categories).get(a.category) or declared.get(a.category, a.category),
        minutes=a.minutes, kind=kind_names.get(a.kind, a.kind) if a.kind else None,
        item=item_names.get(a.item, a.item) if a.item else None, participatory=a.participatory,
        what_happened=a.what_happened, reflection=a.reflection, impact=a.impact,
        accountabilities=tuple(a.accountabilities or ()), link=a.link,
        verification=a.verification, verified_on=a.verified_on,
        evidence=tuple(files.get(a.activity_iri, ())), roles=tuple(r.name for r in a.roles),
    ) for a in rows)
    return ExportRecord(
        name=learner.name, reference=learner.reference, unit=learner.org_unit,
        since=found.since, until=today,
        generated_at=(now or settings.now()).astimezone(settings.timezone),
        roles=tuple(judgement for standing in found.standings
                    for judgement in (standing.judgement, standing.following) if judgement),
        activities=activities, past=tuple(found.past),
    )


def filename(record: ExportRecord, extension: str) -> str:
    """``cpd-record-pshah-2026-03-14.pdf``: safe in a download header and on any file system."""
    suffix = extension.removeprefix(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,8}", suffix):
        raise ValueError(f"extension must be letters or digits, such as 'pdf' or 'csv'; got "
                         f"{extension!r}")
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", record.reference).strip("-_")[:64] or "officer"
    return f"cpd-record-{reference}-{record.until.isoformat()}.{suffix}"


# CSV ----------------------------------------------------------------------------------------

def csv_rows(record: ExportRecord) -> Iterator[dict[str, Any]]:
    """One dict per activity, keyed by :data:`COLUMNS`; values as typed (not yet defused)."""
    for a in record.activities:
        yield {
            "date": a.activity_date.isoformat(), "title": a.title, "category": a.category,
            "minutes": a.minutes, "hours": round(a.minutes / 60, 2), "kind": a.kind or "",
            "item": a.item or "", "participatory": "yes" if a.participatory else "no",
            "verification": a.verification,
            "verified_on": a.verified_on.isoformat() if a.verified_on else "",
            "evidence": "; ".join(file.summary for file in a.evidence),
            "what_happened": a.what_happened or "", "reflection": a.reflection or "",
            "impact": a.impact or "", "accountabilities": "; ".join(a.accountabilities),
            "roles": "; ".join(a.roles),
        }


def write_csv(record: ExportRecord, stream: TextIO) -> None:
    """Write the CSV to a text stream (open it with ``encoding="utf-8", newline=""``).

    It starts with a byte-order mark, without which Excel reads UTF-8 as the local code page
    and mangles names and curly quotes. Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or
    a carriage return get a leading quote, so a spreadsheet shows them rather than running them.
    """
    stream.write("\ufeff")
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    for row in csv_rows(record):
        writer.writerow({key: safe_cell(value) for key, value in row.items()})

"""An officer's CPD record to take away: a PDF for their PDR meeting, a CSV for a spreadsheet.

The record is gathered once (:func:`record_for_export`) into plain values, then written by
:func:`pdf` or :func:`write_csv`, so both say the same thing and neither touches the database.
It covers what My CPD covers: every role's standing and the activities since the earliest
current cycle began. Everything in it was typed by someone, so the PDF escapes it before
reportlab's mark-up sees it and the CSV defuses cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, TextIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import Session

from cpd_tracker import frameworks
from cpd_tracker.activities import officer_record
from cpd_tracker.compliance import Judgement, format_date, format_minutes
from cpd_tracker.config import Settings
from cpd_tracker.evidence import evidence_for
from cpd_tracker.models import Learner
from cpd_tracker.reports import safe_cell

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


def record_for_export(session: Session, settings: Settings, learner: Learner, *, today: date,
                      now: datetime | None = None) -> ExportRecord:
    """The officer's record as My CPD shows it on ``today``, ready to write out.

    A fixed number of queries however many activities there are: the judgement and the
    activities as :func:`~cpd_tracker.activities.officer_record` reads them, then one query for
    all the evidence and one for the labels of kinds and items.
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
    activities = tuple(ExportActivity(
        activity_date=a.activity_date, title=a.title, category=settings.category_label(a.category),
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
        generated_at=(now or datetime.now(timezone.utc)).astimezone(settings.timezone),
        roles=tuple(standing.judgement for standing in found.standings),
        activities=activities,
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


# PDF ----------------------------------------------------------------------------------------

_INK, _MUTED, _RULE, _SHADE = (colors.HexColor(c) for c in
                               ("#1b2a41", "#4a5563", "#c5ced9", "#eef2f6"))
#: Status badges: dark text on a pale tint (contrast above 7:1), and always the word as well.
_BADGE = {"exempt": ("#ececec", "#333333"), "compliant": ("#dcefe1", "#14532d"),
          "on-track": ("#dfeafa", "#1e3a8a"), "at-risk": ("#fbedcf", "#6b4100"),
          "non-compliant": ("#f9dede", "#8a1c1c")}
_FACES = (("DejaVuSans", ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
                          "DejaVuSans-BoldOblique.ttf")),
          ("Vera", ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf")))


@functools.cache
def _font() -> str:
    """DejaVu Sans where installed (it has Welsh and most accented letters), else Bitstream
    Vera, which ships with reportlab. Embedded TrueType, unlike Helvetica, shows any Latin
    letter an officer types and extracts as the same text."""
    for family, files in _FACES:
        try:
            faces = [TTFont(family + style, file) for style, file
                     in zip(("", "-Bold", "-Italic", "-BoldItalic"), files, strict=True)]
        except TTFError:
            continue
        for face in faces:
            pdfmetrics.registerFont(face)
        pdfmetrics.registerFontFamily(family, normal=family, bold=f"{family}-Bold",
                                      italic=f"{family}-Italic",
                                      boldItalic=f"{family}-BoldItalic")
        return family
    return "Helvetica"  # pragma: no cover - reportlab always ships Vera


def _styles() -> dict[str, ParagraphStyle]:
    font, bold = _font(), f"{_font()}-Bold"
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13.5, textColor=_INK,
                          spaceAfter=3)
    small = {"fontSize": 9, "leading": 12, "spaceAfter": 0}
    styles = {"title": {"fontName": bold, "fontSize": 19, "leading": 24, "spaceAfter": 4},
              "h2": {"fontName": bold, "fontSize": 13.5, "leading": 18, "spaceBefore": 12,
                     "spaceAfter": 6},
              "h3": {"fontName": bold, "fontSize": 11, "leading": 15, "spaceBefore": 4,
                     "spaceAfter": 4},
              "label": {"fontName": bold, "spaceBefore": 4, "spaceAfter": 1, "keepWithNext": 1},
              "muted": {"textColor": _MUTED}, "block": {"spaceBefore": 4},
              "next": {"spaceBefore": 6}, "cell": small, "head": {**small, "fontName": bold},
              "number": {**small, "alignment": TA_RIGHT},
              "bullet": {"leftIndent": 10, "bulletIndent": 0}}
    return {"body": body, **{name: ParagraphStyle(name, body, **values)
                             for name, values in styles.items()}}


def _text(value: object) -> str:
    """User text made safe for reportlab's mark-up: shown literally, line breaks kept."""
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", str(value))
    return escape(cleaned.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br/>")


def _table(rows: list[list[Any]], widths: list[float], *, header: bool = True,
           extra: tuple[Any, ...] = ()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        *([("BACKGROUND", (0, 0), (-1, 0), _SHADE)] if header else []), *extra]))
    return table


def _role_section(judgement: Judgement, s: dict[str, ParagraphStyle]) -> list[Any]:
    requirements, cycle = judgement.requirements, judgement.cycle
    fill, ink = _BADGE.get(judgement.status.value, _BADGE["exempt"])
    due = f", due {format_date(judgement.due)}" if judgement.due != cycle.end else ""
    facts = [[Paragraph(f"<b>Status:</b> <font color='{ink}'><b>{judgement.status.label}"
                        "</b></font>", s["cell"]),
              Paragraph(f"<b>Cycle:</b> {format_date(cycle.start)} to {format_date(cycle.end)}"
                        f"{due}", s["cell"]),
              Paragraph(f"<b>Framework:</b> {_text(requirements.framework)} "
                        f"{_text(requirements.version)}", s["cell"])]]
    badge = _table(facts, [50 * mm, 64 * mm, 56 * mm], header=False, extra=(
        ("BACKGROUND", (0, 0), (0, 0), colors.HexColor(fill)),
        ("LEFTPADDING", (0, 0), (-1, -1), 5)))
    rows = [[Paragraph(head, s["head"]) for head in ("Requirement", "Progress", "Met")]]
    for result in judgement.rules:
        rule, progress = result.rule, _text(result.summary.removeprefix(f"{result.rule.label}: "))
        if result.target != result.full_target:  # pro-rated: say what the full figure was
            full = (format_minutes(result.full_target) if rule.measure == "minutes"
                    else str(result.full_target))
            progress += f" <font color='#4a5563'>(full target {full})</font>"
        rows.append([Paragraph(_text(rule.label), s["cell"]), Paragraph(progress, s["cell"]),
                     Paragraph("Met" if result.met else "Not yet", s["cell"])])
    parts: list[Any] = [Paragraph(_text(requirements.role_name), s["h3"]), badge, Spacer(1, 5),
                        _table(rows, [62 * mm, 86 * mm, 22 * mm])]
    parts.append(Paragraph(f"<b>Next step:</b> {_text(judgement.next_step)}", s["next"]))
    parts += [Paragraph(_text(line), s["muted"]) for line in judgement.adjustments]
    return [KeepTogether(parts[:4]), *parts[4:], Spacer(1, 6)]


def _overview(record: ExportRecord, s: dict[str, ParagraphStyle]) -> list[Any]:
    rows = [[Paragraph(head, s["head"]) for head in ("Date", "Activity", "Category")]
            + [Paragraph("<b>Duration</b>", s["number"]), Paragraph("Verification", s["head"])]]
    for a in record.activities:
        rows.append([Paragraph(format_date(a.activity_date), s["cell"]),
                     Paragraph(_text(a.title), s["cell"]), Paragraph(_text(a.category), s["cell"]),
                     Paragraph(format_minutes(a.minutes), s["number"]),
                     Paragraph(_text(_VERIFICATION.get(a.verification, (a.verification,))[0]),
                               s["cell"])])
    total = sum(a.minutes for a in record.activities)
    rows.append([Paragraph("<b>Total</b>", s["cell"]),
                 Paragraph(f"<b>{len(record.activities)} "
                           f"{'activity' if len(record.activities) == 1 else 'activities'}</b>",
                           s["cell"]), "", Paragraph(f"<b>{format_minutes(total)}</b>",
                                                     s["number"]), ""])
    return [_table(rows, [26 * mm, 60 * mm, 30 * mm, 22 * mm, 32 * mm],
                   extra=(("LINEABOVE", (0, -1), (-1, -1), 1, _INK),))]


def _activity_section(a: ExportActivity, s: dict[str, ParagraphStyle]) -> list[Any]:
    facts = [("Date", format_date(a.activity_date)), ("Category", _text(a.category)),
             ("Duration", format_minutes(a.minutes))]
    facts += [("Kind of record", _text(a.kind))] if a.kind else []
    facts += [("Completes", _text(a.item))] if a.item else []
    facts += [("Participatory", "Yes, done with other people")] if a.participatory else []
    facts += [("Counts towards", _text(", ".join(a.roles)) if a.roles else "No role")]
    facts += [("Verification", _text(a.verification_text))]
    if a.link:
        href = escape(a.link, {'"': "&quot;"})
        facts += [("Link", f'<a href="{href}" color="#1d4f91">{_text(a.link)}</a>')]
    table = _table([[Paragraph(label, s["head"]), Paragraph(value, s["cell"])]
                    for label, value in facts], [34 * mm, 136 * mm], header=False)
    parts: list[Any] = [Paragraph(_text(a.title), s["h3"]), table]
    for label, value in (("What happened", a.what_happened), ("What I learned", a.reflection),
                         ("Impact on my practice", a.impact)):
        if value:  # one paragraph, label first: a page break never strands the label
            parts.append(Paragraph(f"<b>{label}</b><br/>{_text(value)}", s["block"]))
    if a.accountabilities:
        parts.append(Paragraph(f"<b>Key accountabilities</b><br/>"
                               f"{_text(', '.join(a.accountabilities))}", s["block"]))
    if a.evidence:
        parts.append(Paragraph("Evidence", s["label"]))
        parts += [Paragraph(f"{_text(f.filename)}: {_text(f.outcome)}"
                            + (f". Comment: {_text(f.comment)}" if f.comment else ""),
                            s["bullet"], bulletText="•") for f in a.evidence]
    return [KeepTogether(parts[:2]), *parts[2:], Spacer(1, 10)]


def _story(record: ExportRecord) -> list[Any]:
    s = _styles()
    who = " · ".join(_text(part) for part in (f"Reference {record.reference}", record.unit)
                     if part)
    story: list[Any] = [
        Paragraph(f"CPD record: {_text(record.name)}", s["title"]),
        Paragraph(who, s["muted"]),
        Paragraph(f"Continuing professional development from {format_date(record.since)} to "
                  f"{format_date(record.until)}.", s["muted"]),
        Paragraph("Compliance summary", s["h2"]),
    ]
    for role in record.roles:
        story += _role_section(role, s)
    if not record.roles:
        story.append(Paragraph("No role with a CPD requirement is held yet; the activities "
                               "below are still recorded.", s["body"]))
    story += [CondPageBreak(50 * mm), Paragraph("Activities at a glance", s["h2"])]
    if not record.activities:
        story.append(Paragraph("No CPD logged in this period.", s["body"]))
        return story
    story += _overview(record, s)
    story += [CondPageBreak(60 * mm), Paragraph("Activities in full", s["h2"])]
    for activity in record.activities:
        story += _activity_section(activity, s)
    return story


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say "Page 2 of 5"."""

    def __init__(self, *args: Any, footer: str, header: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.footer, self.header = footer, header
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            left, right = 20 * mm + 6, self._pagesize[0] - 20 * mm - 6  # the frame's padding
            self.setFont(_font(), 8)
            self.setFillColor(_MUTED)
            self.setStrokeColor(_RULE)
            self.line(left, 15 * mm, right, 15 * mm)
            self.drawString(left, 10.5 * mm, self.footer)
            self.drawRightString(right, 10.5 * mm, f"Page {number} of {len(self._pages)}")
            if number > 1:
                self.drawString(left, self._pagesize[1] - 12 * mm, self.header)
            super().showPage()
        super().save()


def pdf(record: ExportRecord) -> bytes:
    """The record as an A4 PDF of real, searchable text, to print or attach to a PDR."""
    buffer = io.BytesIO()
    period = f"{format_date(record.since)} to {format_date(record.until)}"
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=22 * mm, title=f"CPD record: {record.name}", author=record.name,
        subject=f"Continuing professional development, {period}", creator="cpd-tracker",
        lang="en-GB", displayDocTitle=True)
    canvas = functools.partial(
        _NumberedCanvas,
        footer=f"Generated {record.generated_at:%-d %b %Y at %H:%M %Z} from cpd-tracker",
        header=f"CPD record: {record.name} ({record.reference})")
    document.build(_story(record), canvasmaker=canvas)
    return buffer.getvalue()

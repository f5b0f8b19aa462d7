"""The officer's record for their PDR as a PDF (reportlab): an overview, each role's standing,
and every activity with its evidence, page-numbered.

Everything in it was typed by someone, so every value is escaped before reportlab's mark-up
sees it; the fonts are DejaVu where the system has them, so names with accents print.
"""

from __future__ import annotations

import functools
import io
import re
from typing import Any
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

from cpd_tracker.engine.compliance import Judgement
from cpd_tracker.engine.words import format_date, format_minutes
from cpd_tracker.exports.pdr import ExportActivity, ExportRecord

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
              Paragraph(f"<b>Framework:</b> {_text(requirements.framework_name)}",
                        s["cell"])]]
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
    heading = requirements.role_name
    if cycle.end < judgement.as_of:  # an ended cycle still owed, beside the one under way
        heading += f": the cycle owed until {format_date(judgement.due)}"
    parts: list[Any] = [Paragraph(_text(heading), s["h3"]), badge, Spacer(1, 5),
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
                     Paragraph(_text(a.verification_label),
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


def _past_cycles(record: ExportRecord, s: dict[str, ParagraphStyle]) -> list[Any]:
    """The ended cycles and how each ended, as recorded."""
    rows = [[Paragraph(head, s["head"]) for head in ("Role", "Cycle", "Outcome", "Not met")]]
    for past in record.past:
        extended = (f", extended to {format_date(past.due)}"
                    if past.due != past.cycle.end else "")
        rows.append([Paragraph(_text(past.role_name), s["cell"]),
                     Paragraph(f"{format_date(past.cycle.start)} to "
                               f"{format_date(past.cycle.end)}{extended}", s["cell"]),
                     Paragraph(_text(past.label), s["cell"]),
                     Paragraph(_text("; ".join(past.unmet) or "-"), s["cell"])])
    return [_table(rows, [40 * mm, 52 * mm, 34 * mm, 44 * mm])]


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
    if record.past:
        story += [Paragraph("Past cycles", s["h2"]), *_past_cycles(record, s), Spacer(1, 6)]
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
        footer=(f"Generated {format_date(record.generated_at)} at "
                f"{record.generated_at:%H:%M %Z} from cpd-tracker"),
        header=f"CPD record: {record.name} ({record.reference})")
    document.build(_story(record), canvasmaker=canvas)
    return buffer.getvalue()

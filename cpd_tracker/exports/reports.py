"""Compliance reports as text: a table for a terminal, JSON for tools, CSV for spreadsheets.

CSV cells that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``) are
prefixed with a quote, because names and titles come from users.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import rule_text
from cpd_tracker.judging.assessment import Standing
from cpd_tracker.queries.outcomes import PastCycle

COLUMNS = ("reference", "name", "unit", "role", "framework", "version", "cycle_start",
           "cycle_end", "due", "status", "rules", "next_step", "last_cycle_start",
           "last_cycle_end", "last_cycle_due", "last_cycle_outcome", "last_cycle_not_met")


def standing_row(standing: Standing, last: PastCycle | None = None) -> dict[str, Any]:
    """One person in one role, flat: what a report line or a CSV row holds; with ``last``,
    the outcome of their last cycle that was due before the day judged."""
    judgement = standing.judgement
    return {
        "reference": standing.reference,
        "name": standing.name,
        "unit": standing.org_unit or "",
        "role": standing.role_code,
        "framework": judgement.requirements.framework,
        "version": judgement.requirements.version,
        "cycle_start": judgement.cycle.start.isoformat(),
        "cycle_end": judgement.cycle.end.isoformat(),
        "due": judgement.due.isoformat(),
        "status": judgement.status.value,
        "rules": "; ".join(rule_text(result) for result in judgement.rules),
        "next_step": judgement.next_step,
        "last_cycle_start": last.cycle.start.isoformat() if last else "",
        "last_cycle_end": last.cycle.end.isoformat() if last else "",
        "last_cycle_due": last.due.isoformat() if last else "",
        "last_cycle_outcome": last.outcome if last else "",
        "last_cycle_not_met": "; ".join(last.unmet) if last else "",
    }


def standing_json(standing: Standing, last: PastCycle | None = None) -> dict[str, Any]:
    """One person in one role with every rule's figures, for tools."""
    row = standing_row(standing, last)
    judgement = standing.judgement
    row["rules"] = [{
        "code": result.rule.code, "label": result.rule.label, "measure": result.rule.measure,
        "done": result.done, "target": result.target, "full_target": result.full_target,
        "met": result.met, "summary": result.summary, "due": result.due.isoformat(),
    } for result in judgement.rules]
    row["adjustments"] = list(judgement.adjustments)
    row["framework_title"] = judgement.requirements.framework_title
    return row


def compliance_text(standings: Sequence[Standing], output: str, *, as_of: date,
                    last: Mapping[tuple[int, str], PastCycle] | None = None) -> str:
    """The report in ``table``, ``json`` or ``csv``; ``last`` holds each person's last cycle
    due before ``as_of`` with its outcome, by (learner id, role code)."""
    ended = last or {}

    def last_of(standing: Standing) -> PastCycle | None:
        return ended.get((standing.learner_id, standing.role_code))

    if output == "json":
        return json.dumps({"as_of": as_of.isoformat(),
                           "people": [standing_json(s, last_of(s)) for s in standings]},
                          indent=2) + "\n"
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for standing in standings:
            writer.writerow({key: safe_cell(value)
                             for key, value in standing_row(standing, last_of(standing)).items()})
        return buffer.getvalue()
    return _table(standings, as_of, last_of)


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will show, not run (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _table(standings: Sequence[Standing], as_of: date,
           last_of: Callable[[Standing], PastCycle | None]) -> str:
    if not standings:
        return f"No one in scope holds a role with requirements in force on {as_of}.\n"
    headers = ("Reference", "Name", "Unit", "Role", "Status", "Due", "Progress", "Last cycle")
    rows = [(s.reference, s.name, s.org_unit or "", s.role_code, s.judgement.status.label,
             s.judgement.due.isoformat(), "; ".join(rule_text(r) for r in s.judgement.rules),
             _last_text(last_of(s))) for s in standings]
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in (headers, *rows)]
    counts = Counter(s.judgement.status for s in standings)
    summary = ", ".join(f"{counts[status]} {status.label.lower()}" for status in Status
                        if counts[status])
    return "\n".join([*lines, "", f"As of {as_of}: {len(standings)} people-roles: {summary}."]
                     ) + "\n"




def _last_text(last: PastCycle | None) -> str:
    """``"to 2026-03-31: Not met (CPD hours)"``, or ``-`` without an ended cycle."""
    if last is None:
        return "-"
    unmet = f" ({', '.join(last.unmet)})" if last.unmet else ""
    return f"to {last.cycle.end.isoformat()}: {last.label}{unmet}"

"""The leads' people list: everyone in scope with their standing in each role, sorted,
filtered, searched and paged in SQL over ``cpd_standing`` (kept current by
:mod:`cpd_tracker.judging.standings`), so a page costs the same few queries in a force of fifty
thousand as in a unit of ten. The export streams the same query without the page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cpd_tracker import permissions
from cpd_tracker.arguments import day
from cpd_tracker.engine.compliance import Status
from cpd_tracker.errors import Refused
from cpd_tracker.models import CurrentStanding, Learner, Role
from cpd_tracker.paging import Page, page_of
from cpd_tracker.record.cycle_statements import OUTCOMES

#: What the list can be sorted by (``-`` before a key sorts the other way).
SORTS = {
    "name": "Name",
    "status": "Status (worst first)",
    "progress": "Progress (least first)",
    "due": "Next due (soonest first)",
    "activity": "Last activity (longest ago first)",
    "unit": "Unit",
    "role": "Role",
}
PER_PAGE = 50
#: The "last cycle" filter's choices: each outcome, and no ended cycle yet.
LAST_CYCLES = {**OUTCOMES, "none": "No cycle ended yet"}
SEARCH_LONGEST = 100



@dataclass(frozen=True)
class PeopleFilter:
    """Which standings to list, and in what order. Empty means everyone in scope."""

    statuses: tuple[Status, ...] = ()
    role: str | None = None
    unit: str | None = None
    #: Only standings with something owed by this date (inclusive).
    due_before: date | None = None
    #: Part of a name or a reference, any case.
    search: str | None = None
    #: How the last ended cycle ended (``met``, ``met-late``, ``not-met``, ``exempt``), or
    #: ``none`` for people with no ended cycle yet.
    last_cycle: str | None = None
    sort: str = "name"
    descending: bool = False

    def arguments(self) -> dict[str, Any]:
        """The query arguments that give this filter back (for links and exports)."""
        found: dict[str, Any] = {}
        if self.statuses:
            found["status"] = [status.value for status in self.statuses]
        for name in ("role", "unit", "search", "last_cycle"):
            if getattr(self, name):
                found[name] = getattr(self, name)
        if self.due_before:
            found["due_before"] = self.due_before.isoformat()
        if self.sort != "name" or self.descending:
            found["sort"] = ("-" if self.descending else "") + self.sort
        return found

    def sorted_by(self, key: str) -> PeopleFilter:
        """This filter sorted by ``key``; the same key again turns the order round."""
        return replace(self, sort=key, descending=self.sort == key and not self.descending)


def parse_filter(args: Mapping[str, Any]) -> PeopleFilter:
    """A :class:`PeopleFilter` from query arguments (a werkzeug ``MultiDict`` or a dict of
    lists), or :class:`Refused` naming the argument and what it accepts."""
    def values(name: str) -> list[str]:
        raw = args.getlist(name) if hasattr(args, "getlist") else args.get(name) or []
        found = [raw] if isinstance(raw, str) else list(raw)
        for value in found:
            if any(ord(character) < 32 for character in value):
                raise Refused("must not contain control characters", field=name)
        return [value.strip() for value in found if value and value.strip()]

    def one(name: str, longest: int) -> str | None:
        found = values(name)
        if len(found) > 1:
            raise Refused("give it once", field=name)
        if found and len(found[0]) > longest:
            raise Refused(f"must be at most {longest} characters", field=name)
        return found[0] if found else None

    statuses = []
    known = {status.value: status for status in Status}
    for value in values("status"):
        for part in value.split(","):
            if part.strip() not in known:
                raise Refused(f"{part.strip()[:30]!r} is not a status; use one of "
                                + ", ".join(known), field="status")
            statuses.append(known[part.strip()])
    due_before = day("due_before", one("due_before", 10))
    sort = one("sort", 20) or "name"
    descending = sort.startswith("-")
    if sort.removeprefix("-") not in SORTS:
        raise Refused(f"{sort!r} is not a sort; use one of {', '.join(SORTS)} "
                        "(with - before it for the other way)", field="sort")
    last_cycle = one("last_cycle", 16)
    if last_cycle is not None and last_cycle not in LAST_CYCLES:
        raise Refused(f"{last_cycle!r} is not how a cycle ends; use one of "
                      + ", ".join(LAST_CYCLES), field="last_cycle")
    return PeopleFilter(statuses=tuple(dict.fromkeys(statuses)), role=one("role", 64),
                        unit=one("unit", 255), due_before=due_before,
                        search=one("search", SEARCH_LONGEST), last_cycle=last_cycle,
                        sort=sort.removeprefix("-"), descending=descending)


def choices(session: Session) -> tuple[list[tuple[str, str]], list[str]]:
    """The roles (code, name) and units a lead's lists can be filtered by."""
    roles = [(code, name) for code, name in session.execute(
        sa.select(Role.code, Role.name).order_by(Role.name))]
    units = list(session.scalars(sa.select(Learner.org_unit).distinct()
                                 .where(Learner.org_unit.is_not(None))
                                 .order_by(Learner.org_unit)))
    return roles, units


@dataclass(frozen=True)
class PersonRow:
    """One person in one role, as the list shows them."""

    reference: str
    name: str
    unit: str | None
    role_code: str
    role_name: str
    status: Status
    done_minutes: int | None
    target_minutes: int | None
    percent: int
    last_activity_on: date | None
    next_due_on: date | None
    due_on: date
    cycle_start: date
    cycle_end: date
    framework: str = ""
    version: str = ""
    rules_text: str = ""
    next_step: str = ""
    #: The recorded outcome of the last ended cycle, and its last day.
    last_outcome: str | None = None
    last_cycle_end: date | None = None

    @property
    def last_outcome_label(self) -> str:
        """``"Not met"``, or ``"—"`` before any cycle has ended."""
        return OUTCOMES.get(self.last_outcome or "", "—")


_COLUMNS = (CurrentStanding.reference, CurrentStanding.name, CurrentStanding.org_unit,
            CurrentStanding.role_code, CurrentStanding.role_name, CurrentStanding.status,
            CurrentStanding.done_minutes, CurrentStanding.target_minutes,
            CurrentStanding.percent, CurrentStanding.last_activity_on,
            CurrentStanding.next_due_on, CurrentStanding.due_on, CurrentStanding.cycle_start,
            CurrentStanding.cycle_end, CurrentStanding.framework, CurrentStanding.version,
            CurrentStanding.rules_text, CurrentStanding.next_step,
            CurrentStanding.last_outcome, CurrentStanding.last_cycle_end)


def people(session: Session, access: permissions.Access, chosen: PeopleFilter, *,
           page: int = 1, per_page: int = PER_PAGE) -> Page[PersonRow]:
    """One page of the standings ``access`` may see that match ``chosen``: two queries."""
    return page_of(session, _ordered(_filtered(sa.select(*_COLUMNS), access, chosen), chosen),
                   page=page, per_page=per_page, item=_row)


def all_people(session: Session, access: permissions.Access, chosen: PeopleFilter
               ) -> Iterator[PersonRow]:
    """Every matching standing, in order, read in batches (for exports)."""
    query = _ordered(_filtered(sa.select(*_COLUMNS), access, chosen), chosen)
    for found in session.execute(query.execution_options(yield_per=1000)):
        yield _row(found)


#: The people list's export: one row a standing, what the page shows and what it summarises.
EXPORT_COLUMNS = ("reference", "name", "unit", "role", "role_name", "status", "hours_done",
                  "hours_target", "percent", "last_activity", "next_due", "due",
                  "cycle_start", "cycle_end", "framework", "version", "rules", "next_step",
                  "last_cycle_end", "last_cycle_outcome")


def export_rows(rows: Iterator[PersonRow]) -> Iterator[tuple[Any, ...]]:
    """:data:`EXPORT_COLUMNS` for each row, hours as decimals (a spreadsheet sums them)."""
    for row in rows:
        yield (row.reference, row.name, row.unit, row.role_code, row.role_name,
               row.status.value, _hours(row.done_minutes), _hours(row.target_minutes),
               row.percent, row.last_activity_on, row.next_due_on, row.due_on,
               row.cycle_start, row.cycle_end, row.framework, row.version, row.rules_text,
               row.next_step, row.last_cycle_end, row.last_outcome)


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def _row(found: Any) -> PersonRow:
    values = list(found)
    values[5] = Status(values[5])
    return PersonRow(*values)


def _filtered(query: sa.Select[Any], access: permissions.Access,
              chosen: PeopleFilter) -> sa.Select[Any]:
    """The chosen standings: every condition is on ``cpd_standing`` alone, so its indexes
    answer them without joining fifty thousand people."""
    standing = CurrentStanding
    query = query.where(permissions.visible_standings(access))
    if chosen.statuses:
        query = query.where(standing.status.in_([s.value for s in chosen.statuses]))
    if chosen.role:
        query = query.where(standing.role_code == chosen.role)
    if chosen.unit:
        query = query.where(standing.org_unit == chosen.unit)
    if chosen.due_before:
        query = query.where(standing.next_due_on <= chosen.due_before)
    if chosen.last_cycle == "none":
        query = query.where(standing.last_outcome.is_(None))
    elif chosen.last_cycle:
        query = query.where(standing.last_outcome == chosen.last_cycle)
    if chosen.search:
        pattern = "%" + _escaped(chosen.search.casefold()) + "%"
        query = query.where(standing.search_text.like(pattern, escape="\\"))
    return query


#: Each sort's column, in the order :data:`SORTS` names (status: worst first). Nothing owed
#: sorts last by due date: a date beyond any cycle stands in for it; no unit sorts first on
#: every database.
_SORT_KEYS: dict[str, Any] = {
    "status": CurrentStanding.urgency,
    "progress": CurrentStanding.percent,
    "due": sa.func.coalesce(CurrentStanding.next_due_on, date(9999, 12, 31)),
    "activity": sa.func.coalesce(CurrentStanding.last_activity_on, date(1, 1, 1)),
    "unit": sa.func.coalesce(CurrentStanding.org_unit, ""),
    "role": CurrentStanding.role_name,
}


def _ordered(query: sa.Select[Any], chosen: PeopleFilter) -> sa.Select[Any]:
    """Sorted by the chosen key, then name, reference and role: a stable order for paging.
    The other way round reverses every key, so an index serves both directions."""
    names: list[Any] = [CurrentStanding.name, CurrentStanding.reference,
                        CurrentStanding.role_code]
    keys = names if chosen.sort == "name" else [_SORT_KEYS[chosen.sort], *names]
    return query.order_by(*(key.desc() if chosen.descending else key for key in keys))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

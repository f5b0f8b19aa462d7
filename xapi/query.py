"""Statement queries (GET /statements without an id): filters, order, paging and formats.

Paging is by the store's insertion sequence, not by ``stored`` (which ties within a clock
tick). The first page fixes a ceiling, the highest sequence that existed, and every ``more``
link carries it with the query and the last sequence returned, so following the links later
gives exactly the rest of the original result, whatever was stored meanwhile. The link is a
self-contained token, so paging needs no server-side state and survives restarts.

A filter on agent, verb, activity or registration also returns the statements that refer to a
matching statement through a StatementRef (voiding statements above all), as the spec asks,
even when the statement they refer to is voided and so not itself returned.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from xapi.agents import IFIS
from xapi.mentions import activities_in
from xapi.models import StatementActivity, StatementAgent, StatementRecord

__all__ = [
    "FORMATS",
    "MAX_LIMIT",
    "StatementQuery",
    "accepted_languages",
    "activity_ids",
    "as_canonical",
    "as_ids",
    "pick_language",
    "run",
]

MAX_LIMIT = 500
FORMATS = ("exact", "ids", "canonical")


@dataclass(frozen=True)
class StatementQuery:
    """A parsed statement query. Times are aware datetimes; keys are the store's."""

    agent_key: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False
    authority_key: str | None = None
    #: Paging state: the last sequence returned and the ceiling fixed by the first page.
    after: int | None = None
    ceiling: int | None = None

    @property
    def page_size(self) -> int:
        """Statements per page: the ``limit`` asked for, 0 meaning the server's maximum."""
        return MAX_LIMIT if self.limit <= 0 else min(self.limit, MAX_LIMIT)

    @property
    def filters_content(self) -> bool:
        """Whether the query filters on what statements say (not only on when or by whom)."""
        return any(value is not None for value in (self.agent_key, self.verb, self.activity,
                                                   self.registration))

    def token(self) -> str:
        """This query as an opaque ``more`` token."""
        data = asdict(self)
        for key in ("since", "until"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        raw = json.dumps({k: v for k, v in data.items() if v not in (None, False)},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> StatementQuery:
        """The query a ``more`` token stands for; ``ValueError`` if it is not one of ours."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            for key in ("since", "until"):
                if key in data:
                    data[key] = datetime.fromisoformat(data[key])
            return cls(**data)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{token!r} is not a more link this LRS issued") from error


def _agent_match(key: str, related: bool) -> sa.ColumnElement[bool]:
    condition = [StatementAgent.statement_sequence == StatementRecord.sequence,
                 StatementAgent.agent_key == key]
    if not related:
        condition.append(StatementAgent.direct.is_(True))
    return sa.exists().where(*condition)


def _activity_match(activity_id: str, related: bool) -> sa.ColumnElement[bool]:
    condition = [StatementActivity.statement_sequence == StatementRecord.sequence,
                 StatementActivity.activity_id == activity_id]
    if not related:
        condition.append(StatementActivity.direct.is_(True))
    return sa.exists().where(*condition)


def run(session: Session, query: StatementQuery
        ) -> tuple[list[dict[str, Any]], StatementQuery | None]:
    """One page of results, and the query for the next page (``None`` when this is the last)."""
    if query.ceiling is None:
        ceiling = session.scalar(sa.select(sa.func.max(StatementRecord.sequence))) or 0
        query = replace(query, ceiling=ceiling)
    conditions: list[sa.ColumnElement[bool]] = [StatementRecord.voided.is_(False),
                                                StatementRecord.sequence <= query.ceiling]
    content: list[sa.ColumnElement[bool]] = []
    if query.agent_key is not None:
        content.append(_agent_match(query.agent_key, query.related_agents))
    if query.verb is not None:
        content.append(StatementRecord.verb_id == query.verb)
    if query.activity is not None:
        content.append(_activity_match(query.activity, query.related_activities))
    if query.registration is not None:
        content.append(StatementRecord.registration == query.registration)
    if content:
        matched = sa.select(StatementRecord.id.label("id")).where(*content).cte(
            "matched", recursive=True)
        referring = aliased(StatementRecord)
        matched = matched.union(sa.select(referring.id).where(
            referring.object_type == "StatementRef", referring.object_key == matched.c.id))
        conditions.append(StatementRecord.id.in_(sa.select(matched.c.id)))
    if query.since is not None:
        conditions.append(StatementRecord.stored > query.since)
    if query.until is not None:
        conditions.append(StatementRecord.stored <= query.until)
    if query.authority_key is not None:
        conditions.append(StatementRecord.authority_key == query.authority_key)
    if query.after is not None:
        conditions.append(StatementRecord.sequence > query.after if query.ascending
                          else StatementRecord.sequence < query.after)
    order = (StatementRecord.sequence.asc() if query.ascending
             else StatementRecord.sequence.desc())
    size = query.page_size
    rows = session.execute(sa.select(StatementRecord.sequence, StatementRecord.document)
                           .where(*conditions).order_by(order).limit(size + 1)).all()
    following = None
    if len(rows) > size:
        rows = rows[:size]
        following = replace(query, after=rows[-1].sequence)
    return [row.document for row in rows], following


# --- formats -------------------------------------------------------------------------------


def _agent_ids(actor: dict[str, Any]) -> dict[str, Any]:
    kind = actor.get("objectType", "Agent")
    slim: dict[str, Any] = {"objectType": kind}
    for key in IFIS:
        if key in actor:
            slim[key] = actor[key]
            return slim
    if "member" in actor:
        slim["member"] = [_agent_ids(member) for member in actor["member"]]
    return slim


def _object_ids(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "Activity":
        return {"id": obj["id"]}  # the id alone identifies it (objectType is optional)
    if kind == "SubStatement":
        return _statement_ids(obj)
    return obj


def _context_ids(context: dict[str, Any]) -> dict[str, Any]:
    context = dict(context)
    for key in ("instructor", "team"):
        if key in context:
            context[key] = _agent_ids(context[key])
    if "contextActivities" in context:
        context["contextActivities"] = {
            key: [{"id": entry["id"]}
                  for entry in (entries if isinstance(entries, list) else [entries])]
            for key, entries in context["contextActivities"].items()}
    return context


def _statement_ids(statement: dict[str, Any]) -> dict[str, Any]:
    slim = dict(statement)
    slim["actor"] = _agent_ids(statement["actor"])
    slim["verb"] = {"id": statement["verb"]["id"]}
    slim["object"] = _object_ids(statement["object"])
    if "authority" in slim:
        slim["authority"] = _agent_ids(slim["authority"])
    if "context" in slim:
        slim["context"] = _context_ids(slim["context"])
    return slim


def as_ids(statement: dict[str, Any]) -> dict[str, Any]:
    """The ``ids`` format: agents, groups, activities and verbs reduced to what identifies them."""
    return _statement_ids(statement)


def pick_language(language_map: dict[str, str], accepted: list[str]) -> dict[str, str]:
    """The one entry of a language map the reader prefers (Accept-Language), or all if none."""
    if not accepted or not language_map:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in accepted:
        wanted = wanted.lower()
        if wanted == "*":
            break
        if wanted in lowered:
            return {lowered[wanted]: language_map[lowered[wanted]]}
        for tag_lower, tag in lowered.items():
            if tag_lower.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def as_canonical(statement: dict[str, Any], definitions: dict[str, dict[str, Any]],
                 accepted: list[str]) -> dict[str, Any]:
    """The ``canonical`` format: the LRS's definitions of activities, one language each."""
    statement = copy.deepcopy(statement)
    parts = [statement]
    if statement["object"].get("objectType") == "SubStatement":
        parts.append(statement["object"])
    for part in parts:
        display = part["verb"].get("display")
        if isinstance(display, dict):
            part["verb"]["display"] = pick_language(display, accepted)
    for obj in activities_in(statement):
        definition = definitions.get(obj["id"], obj.get("definition"))
        if not definition:
            continue
        definition = dict(definition)
        for key in ("name", "description"):
            if isinstance(definition.get(key), dict):
                definition[key] = pick_language(definition[key], accepted)
        obj["definition"] = definition
    return statement


def activity_ids(statements: list[dict[str, Any]]) -> set[str]:
    """Every activity id in the statements (to fetch their canonical definitions at once)."""
    return {obj["id"] for statement in statements for obj in activities_in(statement)}


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language as a list of tags, most wanted first."""
    if not header:
        return []
    weighted = []
    for i, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            weighted.append((-weight, i, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]

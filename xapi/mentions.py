"""What a statement mentions: the agents and activities it refers to, and where.

The store indexes these (``xapi_statement_agent``, ``xapi_statement_activity``) so that the
``agent`` and ``activity`` filters of a statement query, and their ``related_`` forms, are
lookups rather than scans of JSON; it also keeps the canonical definition of every activity a
statement carries, which the ``canonical`` format reads back. Both need the same walk over a
statement's parts, which lives here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xapi.agents import IFIS, actor_key

__all__ = ["activities_in", "mentions"]


def mentions(statement: dict[str, Any]) -> tuple[set[tuple[str, bool]], set[tuple[str, bool]]]:
    """Which agents and activities a statement mentions, each marked direct or related.

    Direct: the actor and the object (with a group's members). Related: the authority, the
    context's instructor and team, context activities, and all of these in a sub-statement.
    These rows are what the ``agent``/``activity`` filters (and their ``related_`` forms) use.
    """
    agents: set[tuple[str, bool]] = set()
    activities: set[tuple[str, bool]] = set()
    agents.update((key, True) for key in _agent_keys(statement["actor"]))
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        agents.update((key, True) for key in _agent_keys(obj))
    elif kind == "Activity":
        activities.add((obj["id"], True))
    related_agents = _agent_keys(statement.get("authority"))
    context = statement.get("context") or {}
    related_agents += _agent_keys(context.get("instructor")) + _agent_keys(context.get("team"))
    related_activities = _context_activity_ids(context)
    if kind == "SubStatement":
        related_agents += _agent_keys(obj["actor"])
        inner = obj["object"]
        inner_kind = inner.get("objectType", "Activity")
        if inner_kind in ("Agent", "Group"):
            related_agents += _agent_keys(inner)
        elif inner_kind == "Activity":
            related_activities.append(inner["id"])
        inner_context = obj.get("context") or {}
        related_agents += (_agent_keys(inner_context.get("instructor"))
                           + _agent_keys(inner_context.get("team")))
        related_activities += _context_activity_ids(inner_context)
    agents.update((key, False) for key in related_agents)
    activities.update((key, False) for key in related_activities)
    return agents, activities


def activities_in(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every activity object in a statement (object, context activities, sub-statement's)."""
    parts = [statement]
    if statement["object"].get("objectType") == "SubStatement":
        parts.append(statement["object"])
    for part in parts:
        if part["object"].get("objectType", "Activity") == "Activity":
            yield part["object"]
        for entries in ((part.get("context") or {}).get("contextActivities") or {}).values():
            yield from entries if isinstance(entries, list) else [entries]


def _agent_keys(actor: dict[str, Any] | None) -> list[str]:
    """An agent or group's key, and its members' keys (a member's statements are its own)."""
    if not isinstance(actor, dict):
        return []
    keys = [actor_key(actor)] if actor.get("objectType") != "Group" or any(
        key in actor for key in IFIS) else []
    keys.extend(actor_key(member) for member in actor.get("member", []))
    return keys


def _context_activity_ids(context: dict[str, Any] | None) -> list[str]:
    ids: list[str] = []
    for entries in ((context or {}).get("contextActivities") or {}).values():
        for entry in entries if isinstance(entries, list) else [entries]:
            ids.append(entry["id"])
    return ids

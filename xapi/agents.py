"""Agents and Groups (Data 2.4.2): what a valid one is, and the key that identifies it.

An Agent, or a Group, appears in many places (a statement's actor, object, authority, a
context's instructor and team, the ``agent`` parameter of the API, an LRS client's authority),
and the same rules hold in each: an Agent has exactly one inverse functional identifier (IFI);
a Group has one or is anonymous and lists its members. :func:`actor_key` turns the IFI into the
canonical string the store indexes and queries by, so that every part of the package compares
agents the same way.
"""

from __future__ import annotations

from typing import Any

from xapi.grammar import (
    StatementInvalid,
    expect_array,
    expect_object,
    expect_string,
    only_properties,
    require_properties,
    show,
    validate_iri,
    validate_mailto,
    validate_sha1sum,
)

__all__ = [
    "IFIS",
    "actor_key",
    "validate_actor",
    "validate_agent_parameter",
    "validate_authority",
    "validate_team",
]

#: The inverse functional identifiers, one of which identifies an Agent or an identified Group.
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset({"objectType", "name", *IFIS})
_GROUP_KEYS = frozenset({"objectType", "name", "member", *IFIS})
_ACCOUNT_KEYS = frozenset({"homePage", "name"})


def actor_key(actor: dict[str, Any]) -> str:
    """A canonical string for an agent's inverse functional identifier, used for lookups."""
    if "account" in actor:
        account = actor["account"]
        return f"account:{account['homePage']}|{account['name']}"
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if key in actor:
            return f"{key}:{actor[key]}"
    members = sorted(actor_key(member) for member in actor.get("member", []))
    return "group:" + ",".join(members)


def validate_actor(value: Any, path: str = "actor") -> None:
    """Raise :class:`StatementInvalid` unless ``value`` is a valid Agent or Group."""
    actor = expect_object(value, path)
    kind = actor.get("objectType", "Agent")
    if kind == "Agent":
        _agent(actor, path)
    elif kind == "Group":
        _group(actor, path)
    else:
        raise StatementInvalid(f"{path}.objectType", f"{show(kind)} is not \"Agent\" or "
                                                     "\"Group\" (case-sensitive)")


def validate_authority(authority: Any, path: str = "authority") -> None:
    """An Agent, or an anonymous Group of exactly two Agents (OAuth consumer and user)."""
    validate_actor(authority, path)
    if authority.get("objectType") == "Group":
        if any(key in authority for key in IFIS):
            raise StatementInvalid(path, "an authority Group must be anonymous (no mbox, "
                                         "mbox_sha1sum, openid or account): it stands for an "
                                         "OAuth consumer and a user")
        if len(authority["member"]) != 2:
            raise StatementInvalid(f"{path}.member", f"an authority Group has exactly two "
                                                     f"members, not {len(authority['member'])}")


def validate_agent_parameter(agent: Any, path: str = "agent") -> None:
    """The ``agent`` query parameter: an Agent, or a Group identified by an IFI."""
    validate_actor(agent, path)
    if agent.get("objectType") == "Group" and not any(key in agent for key in IFIS):
        raise StatementInvalid(path, "an anonymous Group cannot be used here; give an Agent or a "
                                     "Group with one of mbox, mbox_sha1sum, openid, account")


def validate_team(value: Any, path: str) -> None:
    """A context's ``team``: a Group, saying so with ``"objectType": "Group"``."""
    team = expect_object(value, path)
    if team.get("objectType") != "Group":
        raise StatementInvalid(path, "must be a Group (with \"objectType\": "
                                     "\"Group\")")
    _group(team, path)


def _agent(agent: dict[str, Any], path: str) -> None:
    only_properties(agent, _AGENT_KEYS, f"{path}.")
    if "name" in agent:
        expect_string(agent["name"], f"{path}.name")
    if not _ifi(agent, path):
        raise StatementInvalid(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, "
                                     "account")


def _group(group: dict[str, Any], path: str) -> None:
    only_properties(group, _GROUP_KEYS, f"{path}.")
    if "name" in group:
        expect_string(group["name"], f"{path}.name")
    identified = _ifi(group, path)
    if "member" not in group:
        if not identified:
            raise StatementInvalid(f"{path}.member", "is required for an anonymous Group (one "
                                                     "without mbox, mbox_sha1sum, openid, account)")
        return
    members = expect_array(group["member"], f"{path}.member")
    if not members and not identified:
        raise StatementInvalid(f"{path}.member", "an anonymous Group needs at least one member")
    for i, member in enumerate(members):
        member_path = f"{path}.member[{i}]"
        kind = expect_object(member, member_path).get("objectType", "Agent")
        if kind != "Agent":
            raise StatementInvalid(f"{member_path}.objectType", f"a Group's members are Agents, "
                                                                f"not {show(kind)}")
        _agent(member, member_path)


def _ifi(actor: dict[str, Any], path: str) -> bool:
    """Check the one inverse functional identifier, if any; say whether there is one."""
    present = [key for key in IFIS if key in actor]
    if not present:
        return False
    if len(present) > 1:
        raise StatementInvalid(path, f"has {len(present)} identifiers ({', '.join(present)}); "
                                     "exactly one is allowed")
    key = present[0]
    value = actor[key]
    if key == "mbox":
        validate_mailto(value, f"{path}.mbox")
    elif key == "mbox_sha1sum":
        validate_sha1sum(value, f"{path}.mbox_sha1sum")
    elif key == "openid":
        validate_iri(value, f"{path}.openid")
    else:
        account_path = f"{path}.account"
        account = expect_object(value, account_path)
        only_properties(account, _ACCOUNT_KEYS, f"{account_path}.")
        require_properties(account, ("homePage", "name"), f"{account_path}.")
        validate_iri(account["homePage"], f"{account_path}.homePage")
        expect_string(account["name"], f"{account_path}.name")
    return True

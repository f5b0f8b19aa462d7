"""Who a statement names: officers and leads as xAPI agents, LRS clients as authorities, the
library itself, and the namespace of the statement ids the library makes.

Police staff records name people by the LMS account (the host's user reference), not an email
address, unless the force sets ``CPD_ACTOR_IDENTITY = "mbox"``. Every account the library issues
lives under the LMS's home page, and each kind (people, LRS clients, the library) under its own
address, so a statement's actor or authority says at once who made it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import tincan

from cpd_tracker.config import Settings


@dataclass(frozen=True)
class LearnerIdentity:
    """Who a statement is about, as the host knows them."""

    reference: str
    name: str
    email: str | None = None


def learner_agent(settings: Settings, learner: LearnerIdentity) -> dict[str, Any]:
    """The learner as an xAPI agent: an LMS ``account`` by default, not an email address."""
    return json.loads(tincan_agent(settings, learner).to_json())


def tincan_agent(settings: Settings, learner: LearnerIdentity) -> tincan.Agent:
    if settings.actor_identity == "mbox":
        if not learner.email:
            raise ValueError(f"learner {learner.reference} has no email address, which "
                             "CPD_ACTOR_IDENTITY='mbox' needs")
        return tincan.Agent(name=learner.name, mbox=f"mailto:{learner.email}")
    return tincan.Agent(
        name=learner.name,
        account=tincan.AgentAccount(home_page=settings.lms_home_page, name=learner.reference),
    )


def account_reference(settings: Settings, agent: dict[str, Any]) -> str | None:
    """The host's user reference in an agent we issued, or ``None`` if it is someone else's."""
    account = agent.get("account")
    if account and account.get("homePage") == settings.lms_home_page:
        return account.get("name")
    return None


def client_authority(settings: Settings, name: str) -> dict[str, Any]:
    """The authority written into statements an LRS client (an LMS, content) sends.

    Its account lives under the LMS's address at ``/xapi/clients``, apart from officers' accounts,
    so a statement's authority tells at once whether the library itself stored it or a client did:
    the LRS overwrites whatever authority a client claims.
    """
    return {"objectType": "Agent", "name": name,
            "account": {"homePage": _client_home_page(settings), "name": name}}


def client_name(settings: Settings, authority: dict[str, Any] | None) -> str | None:
    """The LRS client that stored a statement, or ``None`` if the library stored it itself."""
    account = (authority or {}).get("account") or {}
    if account.get("homePage") == _client_home_page(settings):
        return account.get("name")
    return None


def _client_home_page(settings: Settings) -> str:
    return settings.lms_home_page.rstrip("/") + "/xapi/clients"


def deterministic_id(settings: Settings, *parts: str) -> uuid.UUID:
    """A UUID5 of an event's identity within this force's namespace."""
    return uuid.uuid5(settings.statement_namespace, "\x1f".join(parts))


def library_agent(settings: Settings) -> dict[str, Any]:
    """The library itself as an actor (and authority), for what a scheduled job records, such
    as a lapse. Its account is apart from people's, so it can never be mistaken for one."""
    return {"name": "cpd-tracker",
            "account": {"homePage": settings.lms_home_page.rstrip("/") + "/cpd/system",
                        "name": "cpd-tracker"}}


@dataclass(frozen=True)
class Lead:
    """Who grants an allowance: the host's user reference and name."""

    reference: str
    name: str

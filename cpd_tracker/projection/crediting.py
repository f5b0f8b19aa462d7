"""From LRS to CPD: which statements an LMS sends count as CPD, and the activities they credit.

The LRS stores whatever valid statements its clients send ("completed", "passed",
"experienced"...). A force says which of them are CPD with ``CPD_XAPI_CREDIT_RULES``, a list of
rules; :class:`CreditingProjection` listens to the statement store and, inside the transaction
that stores a statement, adds a ``cpd_activity`` row for each statement a rule credits, and
removes it when the statement is voided. :func:`rebuild` credits every stored statement again.

A rule (``None`` or absent means "not used")::

    {
        "clients": ["force-lms"],                 # required: the LRS clients trusted to credit
        "verbs": ["http://adlnet.gov/expapi/verbs/completed",      # required: any of these
                  "http://adlnet.gov/expapi/verbs/passed"],
        "activity_types": ["http://adlnet.gov/expapi/activities/course",   # object.definition
                           "http://adlnet.gov/expapi/activities/module"],  # .type is one of
        "activities": None,                       # or: object.id is one of these activity ids
        "category": "formal",                     # required: a code of CPD_CATEGORIES
        "duration_extension": "https://force.example/xapi/extensions/duration",
        "default_minutes": None,                  # minutes when no duration is given
        "kind": None,                             # kind of record, in the frameworks' words
        "item": None,                             # named item it completes (use with activities)
        "participatory": False,                   # done with other people
        "verified": True,                         # "verified" (else "self-declared")
    }

A statement is credited by the first rule it matches, when all of these hold:

- **A trusted client sent it.** The LRS writes the client's own authority into every statement
  (whatever a client claims), and the rule names the client. Statements the library stored
  itself (officers' own CPD, leads' decisions) and the library's own verbs never count here:
  they have projections of their own.
- **It is about CPD.** The verb is one of ``verbs``; the object is an Activity whose own
  definition (in the statement, not the LRS's canonical copy, so a rebuild credits what the
  statement said) has one of ``activity_types`` and whose id is one of ``activities``, for
  whichever of the two are given; its result does not say ``success`` or ``completion`` false.
- **It has a duration**: ``result.duration``, else the ISO 8601 duration in the activity
  definition's ``duration_extension`` (a course's nominal length), else ``default_minutes``.
  Rounded to the minute and never more than ``CPD_MAX_HOURS_PER_DAY``.
- **It is about someone the library knows**: an ``account`` with the LMS's home page and a
  learner's reference, or (with ``CPD_ACTOR_IDENTITY = "mbox"``) the ``mailto:`` of exactly one
  learner. Statements about anyone else are stored by the LRS and not credited.
- **The attempt has not been credited already.** One credit per person, activity and attempt:
  the attempt is the statement's ``context.registration``, or, without one, the day. An LMS
  that sends "passed" and "completed" for one attempt gets one activity, from the statement
  stored first; a re-take (a new registration, or another day) counts again. Voiding the
  credited statement hands the credit to the next statement of the attempt, at once and on
  rebuild alike. A unique key on ``cpd_activity`` holds this even for concurrent requests.

The activity: its date is the statement's ``timestamp`` in ``CPD_TIMEZONE``; its title the
definition's name (en-GB, en, en-US, else any language) or else the activity id; its link the
definition's ``moreInfo``; the category, kind, item, participatory and verification come from
the rule; it counts for the roles the person holds that day. Why a statement that matched a rule
was not credited is logged (logger ``cpd_tracker.projection.crediting``, level INFO).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import aniso8601
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cpd_tracker import vocabulary
from cpd_tracker.config import CreditRule, Settings
from cpd_tracker.models import Activity, Framework, Role, activity_role
from cpd_tracker.record.identities import client_authority, client_name
from cpd_tracker.record.learners import held_role_ids, learner_for_agent
from xapi import VOIDED_VERB, ClientRecord, StatementRecord, actor_key

__all__ = ["Credit", "CreditRule", "CreditingProjection", "check_rules", "credit_for",
           "matching_rule", "rebuild"]

log = logging.getLogger(__name__)

_TITLE_LANGUAGES = ("en-GB", "en", "en-US")
_TITLE_MAX = 255
_LINK_MAX = 2048


@dataclass(frozen=True)
class Credit:
    """What one statement earns: the facts of its ``cpd_activity`` row."""

    rule: CreditRule
    learner_id: int
    activity_date: date
    minutes: int
    title: str
    link: str | None
    #: One credit per person, activity and attempt (see the module's docstring).
    key: str


def matching_rule(settings: Settings, statement: dict[str, Any]) -> CreditRule | None:
    """The first rule that credits this statement's kind of event from its client, if any."""
    verb = statement["verb"]["id"]
    if verb == VOIDED_VERB or verb.startswith(vocabulary.BASE + "/"):
        return None  # the library's own records have projections of their own
    client = client_name(settings, statement.get("authority"))
    obj = statement["object"]
    if client is None or obj.get("objectType", "Activity") != "Activity":
        return None
    activity_type = (obj.get("definition") or {}).get("type")
    for rule in settings.credit_rules:
        if (client in rule.clients and verb in rule.verbs
                and (not rule.activity_types or activity_type in rule.activity_types)
                and (not rule.activities or obj["id"] in rule.activities)):
            return rule
    return None


def credit_for(session: Session, settings: Settings, statement: dict[str, Any], *,
               explain: bool = True) -> Credit | None:
    """What the statement earns, or ``None`` (logging why when a rule matched it, if
    ``explain``). Whether the attempt is credited already is not its question."""
    rule = matching_rule(settings, statement)
    if rule is None:
        return None
    result = statement.get("result") or {}
    if result.get("success") is False or result.get("completion") is False:
        return _not_credited(statement, rule, explain,
                             "its result says it was not passed or not completed")
    minutes = _minutes(settings, rule, statement)
    if minutes is None:
        return _not_credited(statement, rule, explain,
                             "it gives no duration (result.duration, "
                             f"{rule.duration_extension or 'no duration_extension'}) and the "
                             "rule has no default_minutes")
    learner_id = learner_for_agent(session, settings, statement["actor"])
    if learner_id is None:
        return _not_credited(statement, rule, explain, "its actor is nobody cpd-tracker knows")
    day = activity_date(settings, statement)
    registration = (statement.get("context") or {}).get("registration")
    attempt = f"registration:{registration.lower()}" if registration else f"day:{day}"
    key = hashlib.sha256("\x1f".join((str(learner_id), statement["object"]["id"], attempt))
                         .encode()).hexdigest()
    definition = statement["object"].get("definition") or {}
    link = definition.get("moreInfo")
    return Credit(rule=rule, learner_id=learner_id, activity_date=day, minutes=minutes,
                  title=activity_title(statement),
                  link=link if link and len(link) <= _LINK_MAX else None, key=key)


def activity_date(settings: Settings, statement: dict[str, Any]) -> date:
    """The day it happened: the statement's timestamp in the force's time zone."""
    moment = aniso8601.parse_datetime(statement["timestamp"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # as the store reads it
    return moment.astimezone(settings.timezone).date()


def activity_title(statement: dict[str, Any]) -> str:
    """The activity's name in British English if given, else English, else any; else its id."""
    names = (statement["object"].get("definition") or {}).get("name") or {}
    title = next((names[language] for language in _TITLE_LANGUAGES if names.get(language)),
                 next((name for name in names.values() if name), statement["object"]["id"]))
    return title.strip()[:_TITLE_MAX] or statement["object"]["id"][:_TITLE_MAX]


def _minutes(settings: Settings, rule: CreditRule, statement: dict[str, Any]) -> int | None:
    extensions = (statement["object"].get("definition") or {}).get("extensions") or {}
    for duration in ((statement.get("result") or {}).get("duration"),
                     extensions.get(rule.duration_extension) if rule.duration_extension else None):
        minutes = _duration_minutes(duration)
        if minutes:
            return min(minutes, settings.max_minutes_per_day)
    return rule.default_minutes and min(rule.default_minutes, settings.max_minutes_per_day)


def _duration_minutes(value: Any) -> int | None:
    """Whole minutes of an ISO 8601 duration; ``None`` if absent, unreadable or under 30 s."""
    if not isinstance(value, str):
        return None
    try:
        duration = aniso8601.parse_duration(value)
    except ValueError:  # aniso8601's ISOFormatError is one
        return None
    if not isinstance(duration, timedelta):
        return None
    return round(duration.total_seconds() / 60) or None


def _not_credited(statement: dict[str, Any], rule: CreditRule, explain: bool, why: str) -> None:
    if explain:
        log.info("statement %s (%s %s) matches %s but is not credited: %s", statement["id"],
                 statement["verb"]["id"], statement["object"]["id"], rule.name, why)


class CreditingProjection:
    """Keeps credited ``cpd_activity`` rows in step with the statement store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def statement_stored(self, session: Session, statement: dict[str, Any]) -> None:
        self.credit(session, statement)

    def statement_voided(self, session: Session, statement: dict[str, Any]) -> None:
        credited = sa.select(Activity.id).where(Activity.statement_id == statement["id"],
                                                Activity.credit_key.is_not(None))
        session.execute(sa.delete(activity_role).where(activity_role.c.activity_id.in_(credited)))
        session.execute(sa.delete(Activity).where(Activity.statement_id == statement["id"],
                                                  Activity.credit_key.is_not(None)))
        freed = credit_for(session, self.settings, statement, explain=False)
        if freed is None or session.scalar(
                sa.select(Activity.id).where(Activity.credit_key == freed.key)) is not None:
            return
        # The next statement of the same attempt, in the order stored, takes the credit, as a
        # rebuild would give it.
        for other in _same_attempt(session, self.settings, statement, freed):
            if self.credit(session, other):
                return

    def credit(self, session: Session, statement: dict[str, Any]) -> bool:
        """Add the activity the statement earns, if it earns one; return whether it did."""
        credit = credit_for(session, self.settings, statement)
        if credit is None or session.scalar(sa.select(Activity.id).where(
                Activity.statement_id == statement["id"])) is not None:
            return False
        if session.scalar(sa.select(Activity.id).where(Activity.credit_key == credit.key)):
            _not_credited(statement, credit.rule, True, "this attempt is credited already")
            return False
        activity = Activity(
            statement_id=statement["id"], learner_id=credit.learner_id,
            activity_date=credit.activity_date, minutes=credit.minutes, title=credit.title,
            category=credit.rule.category, kind=credit.rule.kind, item=credit.rule.item,
            participatory=credit.rule.participatory, link=credit.link,
            activity_iri=statement["object"]["id"],
            verification="verified" if credit.rule.verified else "self-declared",
            verified_on=credit.activity_date if credit.rule.verified else None,
            recorded_at=aniso8601.parse_datetime(statement["stored"]), credit_key=credit.key,
            roles=_roles_held(session, credit.learner_id, credit.activity_date))
        try:
            # A concurrent request may credit the same attempt first: then the unique key says
            # no, and the statement is still stored (the LRS must accept it), just not credited.
            with session.begin_nested():
                session.add(activity)
        except IntegrityError:
            _not_credited(statement, credit.rule, True, "this attempt was credited meanwhile")
            return False
        return True


def _roles_held(session: Session, learner_id: int, day: date) -> list[Role]:
    return list(session.scalars(sa.select(Role).where(
        Role.id.in_(held_role_ids(learner_id, day))).order_by(Role.code)))


def _same_attempt(session: Session, settings: Settings, statement: dict[str, Any],
                  credit: Credit) -> list[dict[str, Any]]:
    """The other non-voided statements of a credit's attempt, in the order stored."""
    query = sa.select(StatementRecord.document).where(
        StatementRecord.object_key == statement["object"]["id"],
        StatementRecord.voided.is_(False), StatementRecord.id != statement["id"],
    ).order_by(StatementRecord.sequence)
    registration = (statement.get("context") or {}).get("registration")
    if registration:
        query = query.where(sa.func.lower(StatementRecord.registration) == registration.lower())
    else:
        start = datetime.combine(credit.activity_date, time(), tzinfo=settings.timezone)
        end = datetime.combine(credit.activity_date + timedelta(days=1), time(),
                               tzinfo=settings.timezone)
        query = query.where(StatementRecord.registration.is_(None),
                            StatementRecord.timestamp >= start, StatementRecord.timestamp < end)
    return [other for other in session.scalars(query)
            if (found := credit_for(session, settings, other, explain=False))
            and found.key == credit.key]


def rebuild(session: Session, settings: Settings) -> int:
    """Throw away the credited activities and credit every non-voided statement again, in the
    order stored. Runs in the caller's transaction; returns the number of activities credited.

    Officer-logged activities are left alone (their projection rebuilds them).
    """
    credited = sa.select(Activity.id).where(Activity.credit_key.is_not(None))
    session.execute(sa.delete(activity_role).where(activity_role.c.activity_id.in_(credited)))
    session.execute(sa.delete(Activity).where(Activity.credit_key.is_not(None)))
    if not settings.credit_rules:
        return 0
    verbs = sorted({verb for rule in settings.credit_rules for verb in rule.verbs})
    authorities = sorted({actor_key(client_authority(settings, client))
                          for rule in settings.credit_rules for client in rule.clients})
    query = (sa.select(StatementRecord.document)
             .where(StatementRecord.verb_id.in_(verbs),
                    StatementRecord.authority_key.in_(authorities),
                    StatementRecord.voided.is_(False))
             .order_by(StatementRecord.sequence).execution_options(yield_per=1000))
    projection = CreditingProjection(settings)
    return sum(projection.credit(session, statement) for statement in session.scalars(query))


def check_rules(session: Session, settings: Settings) -> list[str]:
    """What in the credit rules the database cannot honour: clients not registered with the LRS,
    kinds and items no loaded framework speaks of. Empty when all is well.

    Start-up cannot check these (they live in the database); run it after loading frameworks
    or registering clients.
    """
    clients = set(session.scalars(sa.select(ClientRecord.name)))
    kinds: set[str] = set()
    items: set[str] = set()
    for words in session.scalars(sa.select(Framework.vocabulary)):
        kinds.update(kind["code"] for kind in words.get("kinds", []))
        items.update(item["code"] for item in words.get("items", []))
    problems = []
    for rule in settings.credit_rules:
        problems.extend(
            f"{rule.name}.clients: no LRS client is called {client!r} "
            "(flask cpd lrs-client create)" for client in sorted(rule.clients - clients))
        for field, code, known in (("kind", rule.kind, kinds), ("item", rule.item, items)):
            if code is not None and code not in known:
                problems.append(f"{rule.name}.{field}: no loaded framework has the {field} "
                                f"{code!r}; known: {', '.join(sorted(known)) or 'none'}")
    return problems

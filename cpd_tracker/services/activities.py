"""Logging CPD and reading it back: the service behind the officer's pages.

A logged activity is an xAPI statement first; the ``cpd_activity`` row is its projection and is
written in the same transaction. The rules an entry must meet live here, not in the form, so the
web form, an import or the CLI all refuse the same things with the same messages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from cpd_tracker import frameworks, signals
from cpd_tracker.config import Settings
from cpd_tracker.engine.words import format_date, format_minutes
from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Learner
from cpd_tracker.record.identities import learner_agent
from cpd_tracker.record.learners import identity, roles_held
from cpd_tracker.record.statements import ActivityLoggedBuilder, LoggedActivity, VoidedBuilder
from cpd_tracker.services import recording

TITLE_MAX = 255
_ALREADY_SENT = ("This form was already sent with different details, and that activity is "
                 "logged. Open the form again to log another activity.")
REFLECTION_MAX = 10_000


@dataclass(frozen=True)
class ActivityEntry:
    """What an officer enters to log a piece of CPD."""

    title: str
    activity_date: date
    minutes: int
    category: str
    reflection: str | None = None
    link: str | None = None
    #: Identity of this submission: sending it twice logs the activity once.
    submission_id: str = ""
    #: The kind of record, in the words of the officer's frameworks (``reflective-account``).
    kind: str | None = None
    participatory: bool = False
    #: The named item (mandatory course) this completes, if any.
    item: str | None = None
    impact: str | None = None
    #: What happened (the first question of a structured reflective account).
    what_happened: str | None = None
    #: Codes of the role profile's key accountabilities the reflection links to.
    accountabilities: tuple[str, ...] = ()



def check_entry(session: Session, settings: Settings, learner: Learner, entry: ActivityEntry,
                *, today: date, replacing: Activity | None = None) -> dict[str, str]:
    """Every rule the entry breaks, as ``{field: message}``; empty when it may be logged.

    ``replacing`` is the version a correction replaces: its time does not count twice.
    """
    errors: dict[str, str] = {}
    if not entry.title.strip():
        errors["title"] = "Give the activity a title."
    elif len(entry.title) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters (it has {len(entry.title)})."
    if entry.activity_date > today:
        errors["activity_date"] = (f"{format_date(entry.activity_date)} is in the future; log CPD "
                                   "once you have done it.")
    elif learner.joined_on and entry.activity_date < learner.joined_on:
        errors["activity_date"] = (f"{format_date(entry.activity_date)} is before you joined "
                                   f"({format_date(learner.joined_on)}).")
    timeless = (frameworks.kinds_without_duration(
        session, [role.code for role in roles_held(learner, entry.activity_date)])
        if entry.minutes == 0 else set())
    if entry.minutes < 0 or (entry.minutes == 0 and entry.kind not in timeless):
        errors["duration"] = "The duration must be more than zero."
        if timeless:
            names = dict(frameworks.vocabulary_for(
                session, [role.code for role in roles_held(learner, entry.activity_date)])[0])
            errors["duration"] += (" Only a record that is not a length of time ("
                                   + ", ".join(sorted(names.get(code, code).lower()
                                                      for code in timeless))
                                   + ") may have none.")
    elif "activity_date" not in errors:
        already = _minutes_on(session, learner, entry.activity_date)
        if replacing is not None and replacing.activity_date == entry.activity_date:
            already -= replacing.minutes
        limit = settings.max_minutes_per_day
        if already + entry.minutes > limit:
            errors["duration"] = (
                f"That makes {format_minutes(already + entry.minutes)} on "
                f"{format_date(entry.activity_date)}, more than {format_minutes(limit)} in one day"
                + (f" ({format_minutes(already)} is already logged that day)." if already else ".")
            )
    codes = [code for code, _ in settings.categories]
    if entry.category not in codes:  # a framework's own category? (read only then: imports)
        codes += [code for code, _ in frameworks.categories_for(
            session, [role.code for role in roles_held(learner, entry.activity_date)])
            if code not in codes]
    if entry.category not in codes:
        errors["category"] = (f"{entry.category!r} is not a CPD category; choose one of: "
                              + ", ".join(codes) + ".")
    if entry.reflection and len(entry.reflection) > REFLECTION_MAX:
        errors["reflection"] = f"Keep the reflection to {REFLECTION_MAX:,} characters."
    if entry.impact and len(entry.impact) > REFLECTION_MAX:
        errors["impact"] = f"Keep the impact statement to {REFLECTION_MAX:,} characters."
    if entry.what_happened and len(entry.what_happened) > REFLECTION_MAX:
        errors["what_happened"] = (f"Keep what happened to {REFLECTION_MAX:,} characters.")
    if entry.accountabilities:
        known = [code for code, _ in frameworks.accountabilities_for(
            session, [role.code for role in roles_held(learner, entry.activity_date)])]
        unknown = [code for code in entry.accountabilities if code not in known]
        if unknown:
            errors["accountabilities"] = (
                f"{unknown[0]!r} is not a key accountability of your roles"
                + (f"; choose from: {', '.join(known)}." if known else " (they list none)."))
    if entry.kind or entry.item:
        kinds, items = frameworks.vocabulary_for(
            session, [role.code for role in roles_held(learner, entry.activity_date)])
        for field, value, known, what in (("kind", entry.kind, kinds, "kinds of record"),
                                          ("item", entry.item, items, "required items")):
            codes = [code for code, _ in known]
            if value and value not in codes:
                errors[field] = (f"{value!r} is not one of the {what} your roles count"
                                 + (f"; choose one of: {', '.join(codes)}." if codes
                                    else " (they count none)."))
    if entry.link and not entry.link.startswith(("https://", "http://")):
        errors["link"] = "A link must start with https:// or http://."
    return errors


def log_activity(session: Session, settings: Settings, learner: Learner, entry: ActivityEntry,
                 *, today: date) -> Activity:
    """Check, store as a statement, project, commit; or raise :class:`Refused`.

    The statement and its ``cpd_activity`` row commit together or not at all. The same
    ``submission_id`` sent again returns the activity already logged.
    """
    builder = ActivityLoggedBuilder(settings)
    submission_id = entry.submission_id or str(uuid.uuid4())
    already = session.scalar(sa.select(Activity).where(
        Activity.statement_id == str(builder.statement_id(learner.reference, submission_id))
    ))
    if already is not None:
        if _same_entry(already, entry):
            return already
        raise Refused({"form": _ALREADY_SENT})
    errors = check_entry(session, settings, learner, entry, today=today)
    if errors:
        raise Refused(errors)
    statement = builder.build(identity(learner), _logged(learner, entry, submission_id))
    [stored] = _store_together(session, settings, learner, [statement])
    activity = session.scalars(
        sa.select(Activity).where(Activity.statement_id == stored["id"])
    ).one()
    signals.activity_logged.send(current_app._get_current_object(), learner=learner,
                                 activity=activity, statement=stored)
    return activity


def correct_activity(session: Session, settings: Settings, learner: Learner, activity: Activity,
                     entry: ActivityEntry, *, today: date) -> Activity:
    """Replace an activity with a corrected version, and commit; or raise
    :class:`Refused`.

    Nothing is overwritten: the new version is a new statement that refers to the old one, and
    the old statement is voided in the same transaction, so the history shows both. The
    activity keeps its IRI, and with it its evidence. Once a lead has verified the evidence,
    what it proves (date, duration, category, kind, item) can no longer change here.
    """
    _check_editable(learner, activity)
    builder = ActivityLoggedBuilder(settings)
    submission_id = entry.submission_id or str(uuid.uuid4())
    new_id = str(builder.statement_id(learner.reference, submission_id))
    already = session.scalar(sa.select(Activity).where(Activity.statement_id == new_id))
    if already is not None:
        return already  # the same correction sent twice
    errors = check_entry(session, settings, learner, entry, today=today, replacing=activity)
    if activity.verification == "verified" and (
            activity.activity_date, activity.minutes, activity.category, activity.kind,
            activity.item) != (entry.activity_date, entry.minutes, entry.category,
                               entry.kind or None, entry.item or None):
        errors.setdefault("form", (
            f"A lead verified this activity's evidence on {format_date(activity.verified_on)}, so "
            "its date, duration, category, kind and item are fixed. You can still correct the "
            "title, reflection and link; for anything else, ask your accreditation lead."))
    if errors:
        raise Refused(errors)
    logged = _logged(learner, entry, submission_id,
                     corrects=(activity.statement_id, activity.activity_iri))
    statement = builder.build(identity(learner), logged)
    void = VoidedBuilder(settings).build(identity(learner), activity.statement_id,
                                         at=settings.now())
    replaced = activity.statement_id
    _store_together(session, settings, learner, [statement, void])
    corrected = session.scalars(sa.select(Activity).where(Activity.statement_id == new_id)).one()
    signals.activity_corrected.send(current_app._get_current_object(), learner=learner,
                                    activity=corrected, replaced=replaced)
    return corrected


def withdraw_activity(session: Session, settings: Settings, learner: Learner,
                      activity: Activity) -> None:
    """Withdraw an activity logged by mistake: its statement is voided (kept for history), it
    stops counting, and its evidence goes with it. Commits."""
    _check_editable(learner, activity)
    replaced = activity.statement_id
    void = VoidedBuilder(settings).build(identity(learner), activity.statement_id,
                                         at=settings.now())
    _store_together(session, settings, learner, [void])
    signals.activity_corrected.send(current_app._get_current_object(), learner=learner,
                                    activity=None, replaced=replaced)


def _check_editable(learner: Learner, activity: Activity) -> None:
    if activity.learner_id != learner.id:
        raise Refused({"form": "You can only change your own activities."})
    if activity.credit_key is not None:
        raise Refused({"form": (
            "This activity was recorded by your learning system when you completed it, so it "
            "cannot be changed here; ask your LMS team if it is wrong.")})


def _store_together(session: Session, settings: Settings, learner: Learner,
                    statements: list[dict[str, Any]]) -> list[dict[str, Any]]:

    return recording.record(session, settings, statements,
                            authority=learner_agent(settings, identity(learner)),
                            on_conflict=Refused({"form": _ALREADY_SENT}))


def _logged(learner: Learner, entry: ActivityEntry, submission_id: str, *,
            corrects: tuple[str, str] | None = None) -> LoggedActivity:
    return LoggedActivity(
        submission_id=submission_id,
        title=entry.title.strip(),
        activity_date=entry.activity_date,
        minutes=entry.minutes,
        category=entry.category,
        role_codes=tuple(role.code for role in roles_held(learner, entry.activity_date)),
        reflection=(entry.reflection or "").strip() or None,
        link=entry.link or None,
        kind=entry.kind or None,
        participatory=entry.participatory,
        item=entry.item or None,
        impact=(entry.impact or "").strip() or None,
        what_happened=(entry.what_happened or "").strip() or None,
        accountabilities=tuple(entry.accountabilities),
        corrects=corrects,
    )


def _minutes_on(session: Session, learner: Learner, day: date) -> int:
    total: Any = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Activity.minutes), 0))
        .where(Activity.learner_id == learner.id, Activity.activity_date == day)
    )
    return int(total)


def _same_entry(activity: Activity, entry: ActivityEntry) -> bool:
    return (activity.title, activity.activity_date, activity.minutes, activity.category,
            activity.kind, activity.item) == (
        entry.title.strip(), entry.activity_date, entry.minutes, entry.category,
        entry.kind or None, entry.item or None)

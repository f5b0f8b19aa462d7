"""Who is asking: the signed-in host user, their learner record, and whether they may."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, request

from cpd_tracker.arguments import plain_text
from cpd_tracker.errors import Refused
from cpd_tracker.models import Learner
from cpd_tracker.paging import MAX_PAGE
from cpd_tracker.state import TrackerState, get_state


def signed_in_learner(action: str) -> tuple[TrackerState, Any, Learner]:
    """The tracker, user and learner for a request on one's own records, or stop it.

    Not signed in: the host's sign-in flow (Flask-Login's ``unauthorized``) or 401.
    Signed in but not allowed: 403.
    """
    state, user = signed_in()
    learner = state.learner_for(user)
    if not state.can(user, action, learner):
        abort(403)
    return state, user, learner


def signed_in() -> tuple[TrackerState, Any]:
    """The tracker and the signed-in user, or the host's sign-in flow (or 401)."""
    state = get_state()
    user = state.user()
    if user is None:
        login_manager = getattr(current_app, "login_manager", None)
        if login_manager is not None:
            abort(login_manager.unauthorized())
        abort(401)
    return state, user


def may(action: str, learner: Learner | None, *, hide: bool = False) -> tuple[TrackerState, Any]:
    """Stop the request unless the signed-in user may do ``action`` to ``learner``'s records.

    ``hide`` answers 404 instead of 403, for things whose existence is itself not to be told
    (another person's evidence file).
    """
    state, user = signed_in()
    if not state.can(user, action, learner):
        abort(404 if hide else 403)
    return state, user


def learner_by_reference(reference: str) -> Learner:
    """The learner with this host reference, or 404."""
    state = get_state()
    learner = state.session.scalar(sa.select(Learner).where(Learner.reference == reference))
    if learner is None:
        abort(404)
    return learner


def text_argument(name: str, *, longest: int = 100) -> str | None:
    """A free-text query argument, stripped and cut to ``longest``, or ``None`` if empty; a
    control character (NUL, which PostgreSQL refuses in text) is a 400 naming the argument."""

    try:
        return plain_text(name, request.args.get(name), longest, cut=True)
    except Refused as refused:
        abort(400, f"{name} {refused.message}")


def page_argument() -> int:
    """The request's ``page`` argument (:func:`page_number`); given twice is a 400 too."""

    values = request.args.getlist("page")
    if len(values) > 1:
        abort(400, "page must be given once")
    return page_number(values[0] if values else None)


def page_number(raw: str | None) -> int:
    """A ``page`` query argument as a number, or 400 naming the problem (never a 500)."""
    raw = "1" if raw is None else raw
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"page must be a whole number from 1 to {MAX_PAGE:,}, got {raw[:20]!r}")
    return int(raw)

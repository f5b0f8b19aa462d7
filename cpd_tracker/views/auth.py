"""Who is asking: the signed-in host user, their learner record, and whether they may."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app

from cpd_tracker.extension import TrackerState, get_state
from cpd_tracker.models import Learner


def signed_in_learner(action: str) -> tuple[TrackerState, Any, Learner]:
    """The tracker, user and learner for a request on one's own records, or stop it.

    Not signed in: the host's sign-in flow (Flask-Login's ``unauthorized``) or 401.
    Signed in but not allowed: 403.
    """
    state = get_state()
    user = state.user()
    if user is None:
        login_manager = getattr(current_app, "login_manager", None)
        if login_manager is not None:
            abort(login_manager.unauthorized())
        abort(401)
    learner = state.learner_for(user)
    if not state.can(user, action, learner):
        abort(403)
    return state, user, learner

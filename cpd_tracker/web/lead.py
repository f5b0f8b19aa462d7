"""An accreditation lead's pages: the verification queue and the review of one piece of
evidence. Thin: parse, authorise, call, render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug import Response

from cpd_tracker.errors import Refused
from cpd_tracker.models import Activity, Evidence
from cpd_tracker.permissions import VERIFY
from cpd_tracker.queries import reminder_log
from cpd_tracker.queries.people import choices
from cpd_tracker.queries.verification import verification_queue
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import evidence
from cpd_tracker.web.auth import may, page_argument, text_argument
from cpd_tracker.web.forms import DecisionForm


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/verification", "verification_queue", queue)
    blueprint.add_url_rule("/verification/evidence/<int:evidence_id>", "review_evidence",
                           review_evidence, methods=["GET", "POST"])
    blueprint.add_url_rule("/reminders", "reminder_log", reminders)


def queue() -> tuple[str, int]:
    """Evidence and renewals waiting for a decision, oldest first, in the lead's scope."""
    state, user = may(VERIFY, None)
    role = text_argument("role")
    unit = text_argument("unit", longest=255)
    page = verification_queue(state.session, state.access(user), role=role, unit=unit,
                                       page=page_argument())
    roles, units = choices(state.session)
    return render_template("cpd_tracker/verification_queue.html", page=page, roles=roles,
                           units=units, role=role, unit=unit), 200


def reminders() -> tuple[str, int]:
    """The reminder log: who was sent what, when, and whether it was delivered, newest first,
    for the people in the lead's scope (and the lead's own digests)."""
    state, user = may(VERIFY, None)
    state_filter = text_argument("state")
    kind = text_argument("kind")
    person = text_argument("person")
    try:
        page = reminder_log.reminder_log(state.session, state.access(user), state=state_filter,
                                         kind=kind, person=person,
                                         page=page_argument())
    except Refused as bad:
        abort(400, str(bad))
    return render_template("cpd_tracker/reminder_log.html", page=page, states=reminder_log.STATES,
                           kinds=reminder_log.KINDS, state=state_filter, kind=kind,
                           person=person), 200


def review_evidence(evidence_id: int) -> Response | tuple[str, int]:
    """One piece of evidence beside the activity it proves; approve, or reject with a comment."""
    item = may(VERIFY, None)[0].session.get(Evidence, evidence_id)
    if item is None or item.activity_iri is None:
        abort(404)
    state, user = may(VERIFY, item.learner, hide=True)
    activity = state.session.scalar(sa.select(Activity).where(
        Activity.learner_id == item.learner_id, Activity.activity_iri == item.activity_iri))
    form = DecisionForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400, "decision must be 'approve' or 'reject'")
        access = state.access(user)
        lead = Lead(reference=access.reference, name=state.learner_for(user).name)
        try:
            evidence.decide_evidence(state.session, state.settings, lead, item,
                                     approve=decision == "approve", comment=form.comment.data)
        except Refused as refused:
            form.show_errors(refused.errors)
        else:
            outcome = "Verified" if decision == "approve" else "Rejected"
            flash(f"{outcome} “{item.filename}” for {item.learner.name}.", "cpd-success")
            return redirect(url_for(".verification_queue"))
    status = 422 if form.is_submitted() else 200
    return render_template("cpd_tracker/review_evidence.html", item=item, activity=activity,
                           form=form, category_label=state.category_label), status

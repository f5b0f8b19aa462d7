"""A person's records: an activity with its evidence and history, corrections, evidence files,
and a person's record as their line manager or lead sees it. Thin: parse, authorise, call,
render. Who may see what is asked of :mod:`cpd_tracker.permissions`, never decided here."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug import Response

from cpd_tracker import arguments, frameworks
from cpd_tracker.engine.words import format_date, format_minutes
from cpd_tracker.errors import Refused
from cpd_tracker.exports import pdr
from cpd_tracker.exports.pdr_pdf import pdf
from cpd_tracker.models import Activity, Evidence, Learner
from cpd_tracker.permissions import LOG_OWN_CPD, VERIFY, VIEW_RECORD
from cpd_tracker.queries import history, reminder_log
from cpd_tracker.queries.activities import activity_of, evidence_for, officer_record
from cpd_tracker.record.cycle_statements import OUTCOMES
from cpd_tracker.record.identities import Lead
from cpd_tracker.record.learners import roles_held
from cpd_tracker.services import activities, evidence, outcomes
from cpd_tracker.state import TrackerState, get_state
from cpd_tracker.storage import EvidenceMissing, verified_chunks
from cpd_tracker.web.auth import (
    learner_by_reference,
    may,
    page_argument,
    signed_in,
    signed_in_learner,
    text_argument,
)
from cpd_tracker.web.forms import ActivityForm, EvidenceForm, JudgeAgainForm


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/activities/<int:activity_id>", "activity", activity_page,
                           methods=["GET"])
    blueprint.add_url_rule("/activities/<int:activity_id>/evidence", "attach_evidence",
                           attach_evidence, methods=["POST"])
    blueprint.add_url_rule("/activities/<int:activity_id>/edit", "edit_activity",
                           edit_activity, methods=["GET", "POST"])
    blueprint.add_url_rule("/activities/<int:activity_id>/withdraw", "withdraw_activity",
                           withdraw_activity, methods=["POST"])
    blueprint.add_url_rule("/history", "activity_history", activity_history)
    blueprint.add_url_rule("/evidence/<int:evidence_id>/file", "evidence_file", evidence_file)
    blueprint.add_url_rule("/evidence/files/<sha256>", "evidence_by_hash", evidence_by_hash)
    blueprint.add_url_rule("/people/<reference>", "person", person_page)
    blueprint.add_url_rule("/people/<reference>/history", "person_history", person_history)
    blueprint.add_url_rule("/people/<reference>/cycles/<role>/<cycle_start>/judge-again",
                           "judge_cycle_again", judge_cycle_again, methods=["POST"])
    blueprint.add_url_rule("/people/<reference>/export.<any(pdf, csv):extension>",
                           "export_record", export_record)


def _activity_or_404(activity_id: int) -> Activity:

    activity = get_state().session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    return activity


def activity_page(activity_id: int, form: EvidenceForm | None = None, status: int = 200
                  ) -> tuple[str, int]:
    """One activity: what was logged, the reflection, its evidence and what leads decided."""
    activity = _activity_or_404(activity_id)
    state, user = may(VIEW_RECORD, activity.learner, hide=True)
    own = activity.learner.reference == state.access(user).reference
    files = evidence_for(state.session, activity.learner_id, [activity.activity_iri])
    accountabilities = dict(frameworks.accountabilities_for(
        state.session, [role.code for role in activity.roles]))
    kinds, items = frameworks.vocabulary_for(state.session,
                                             [role.code for role in activity.roles])
    names = {**dict(kinds), **dict(items)}
    return render_template(
        "cpd_tracker/activity.html", activity=activity, own=own,
        name_of=lambda code: names.get(code, code) if code else None,
        evidence=files.get(activity.activity_iri, []), form=form or EvidenceForm(),
        category_label=state.category_label, accountabilities=accountabilities,
        max_mb=state.settings.evidence_max_bytes / (1024 * 1024),
        editable=own and activity.credit_key is None), status


def attach_evidence(activity_id: int) -> Response | tuple[str, int]:
    """Upload a file as evidence of one's own activity."""

    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    activity = activity_of(state.session, learner, activity_id)
    if activity is None:
        abort(404)
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise Refused({"file": "Choose a file to upload."})
            item = evidence.attach_evidence(
                state.session, state.settings, state.storage, learner, activity, upload.stream,
                upload.filename, description=form.description.data,
                submission_id=form.submission_id.data or "")
        except Refused as rejected:
            form.show_errors(rejected.errors)
        else:
            flash(f"Attached “{item.filename}”. It is waiting for an accreditation lead to "
                  "verify it.", "cpd-success")
            return redirect(url_for(".activity", activity_id=activity.id))
    return activity_page(activity_id, form=form, status=422)


def edit_activity(activity_id: int) -> Response | tuple[str, int]:
    """Correct an activity: a new version is recorded and the old one kept, voided."""
    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    activity = activity_of(state.session, learner, activity_id)
    if activity is None or activity.credit_key is not None:
        abort(404)
    codes = [role.code for role in roles_held(learner, activity.activity_date)]
    kinds, items = frameworks.vocabulary_for(state.session, codes)
    form = ActivityForm(categories=state.categories_for(codes), today=state.today(), kinds=kinds,
                        items=items,
                        accountabilities=frameworks.accountabilities_for(state.session, codes),
                        obj=None if request.method == "POST" else _form_values(activity))
    if form.validate_on_submit():
        try:
            corrected = activities.correct_activity(state.session, state.settings, learner,
                                                    activity, form.entry(), today=state.today())
        except Refused as rejected:
            form.show_errors(rejected.errors)
        else:
            flash(f"Saved your correction to “{corrected.title}” "
                  f"({format_minutes(corrected.minutes)}). The earlier version is kept in its "
                  "history.", "cpd-success")
            return redirect(url_for(".activity", activity_id=corrected.id))
    status = 422 if form.is_submitted() else 200
    return render_template("cpd_tracker/log_activity.html", form=form, learner=learner,
                           editing=activity), status


def withdraw_activity(activity_id: int) -> Response:
    """Withdraw an activity logged by mistake (voided, kept in its history)."""

    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    activity = activity_of(state.session, learner, activity_id)
    if activity is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        activities.withdraw_activity(state.session, state.settings, learner, activity)
    except Refused as rejected:
        flash(" ".join(rejected.errors.values()), "cpd-success")
        return redirect(url_for(".activity", activity_id=activity_id))
    flash(f"Withdrew “{activity.title}”. It no longer counts; its history is kept.",
          "cpd-success")
    return redirect(url_for(".my_cpd"))


def activity_history(activity_iri: str | None = None) -> tuple[str, int]:
    """Every version of one activity, who changed it and when; voided ones struck through."""
    state, _user = signed_in()
    # Read as every other argument is: a NUL in it was a 500 on PostgreSQL, which refuses it.
    activity_iri = activity_iri or text_argument("activity", longest=2048) or ""
    owner, entries = history.activity_history(state.session, state.settings, activity_iri)
    learner = state.session.scalar(sa.select(Learner).where(Learner.reference == owner)
                                   ) if owner else None
    if learner is None:
        abort(404)
    may(VIEW_RECORD, learner, hide=True)
    current = state.session.scalar(sa.select(Activity).where(
        Activity.learner_id == learner.id, Activity.activity_iri == activity_iri))
    return render_template("cpd_tracker/history.html", learner=learner, entries=entries,
                           current=current, category_label=state.category_label,
                           person_history=False), 200


def person_history(reference: str) -> tuple[str, int]:
    """Everything recorded by or about a person, newest first."""
    learner = learner_by_reference(reference)
    state, _user = may(VIEW_RECORD, learner)
    page = page_argument()
    found = history.record_history(state.session, state.settings, learner, page=page)
    return render_template("cpd_tracker/history.html", learner=learner, entries=found.items,
                           current=None, category_label=state.category_label,
                           person_history=True, page=found), 200


def evidence_file(evidence_id: int) -> Response:
    """The evidence file, to whoever may see the person's record (404 to anyone else)."""

    item = get_state().session.get(Evidence, evidence_id)
    if item is None:
        abort(404)
    state, _user = may(VIEW_RECORD, item.learner, hide=True)
    return _send(state, item)


def evidence_by_hash(sha256: str) -> Response:
    """A file by the hash a statement records (its ``fileUrl``), if the user may see a record
    that refers to it."""
    state, user = signed_in()
    for item in state.session.scalars(sa.select(Evidence).where(Evidence.sha256 == sha256)):
        if state.can(user, VIEW_RECORD, item.learner):
            return _send(state, item)
    abort(404)


def _send(state: TrackerState, item: Evidence) -> Response:
    try:
        chunks = verified_chunks(state.storage, item.sha256, length=item.length)
    except EvidenceMissing:
        abort(410, "This evidence file is missing or was altered in storage; it is not served. "
                   "Tell your LMS team.")
    response = Response(chunks, mimetype=item.content_type)
    response.headers["Content-Length"] = str(item.length)
    response.headers.set("Content-Disposition", "attachment", filename=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def person_page(reference: str) -> tuple[str, int]:
    """A person's record as their line manager or lead sees it (read only)."""
    learner = learner_by_reference(reference)
    state, user = may(VIEW_RECORD, learner)
    record = officer_record(state.session, state.settings, learner,
                                       today=state.today())
    files = evidence_for(state.session, learner.id,
                         [activity.activity_iri for activity in record.activities])
    # Leads see the reminders sent about the person (a line manager has no reminder log).
    sent = (reminder_log.reminder_log(state.session, state.access(user), learner_id=learner.id,
                                      per_page=5) if state.can(user, VERIFY, None) else None)
    return render_template("cpd_tracker/person.html", learner=learner, record=record,
                           evidence=files, category_label=state.category_label,
                           may_verify=state.can(user, VERIFY, learner), reminders=sent,
                           reminder_kinds=reminder_log.KINDS,
                           reminder_states=reminder_log.STATES), 200


def judge_cycle_again(reference: str, role: str, cycle_start: str) -> Response:
    """A lead judges one of the person's closed cycles again (after CPD logged or verified
    late), with the reason; the new judgement is a statement of its own."""
    learner = learner_by_reference(reference)
    state, user = may(VERIFY, learner)
    try:
        start = arguments.day("cycle_start", cycle_start)
    except Refused:
        abort(404)
    form = JudgeAgainForm()
    if not form.validate_on_submit():
        abort(400, "The form expired or its token is missing: open the page and try again.")
    lead = Lead(reference=state.access(user).reference, name=state.learner_for(user).name)
    try:
        judged = outcomes.judge_again(state.session, state.settings, lead, learner, role,
                                      start or date.min, reason=form.reason.data or "")
    except Refused as refused:
        flash(f"Not judged again: {refused.message}", "cpd-error")
    else:
        flash(f"Judged again: the cycle from {format_date(judged.cycle_start)} is now "
              f"{OUTCOMES[judged.outcome].lower()}.", "cpd-success")
    return redirect(url_for(".person", reference=reference) + "#cpd-person-past")


def _form_values(activity: Activity) -> SimpleNamespace:
    """The activity as the correction form's starting values."""
    hours, minutes = divmod(activity.minutes, 60)
    return SimpleNamespace(
        title=activity.title, activity_date=activity.activity_date, hours=hours, minutes=minutes,
        category=activity.category, kind=activity.kind or "",
        participatory=activity.participatory, item=activity.item or "",
        what_happened=activity.what_happened, reflection=activity.reflection,
        impact=activity.impact, accountabilities=list(activity.accountabilities or []),
        link=activity.link)




def export_record(reference: str, extension: str) -> Response:
    """A person's CPD record for their PDR: PDF to read, CSV to work with."""


    learner = learner_by_reference(reference)
    state, _user = may(VIEW_RECORD, learner)
    record = pdr.record_for_export(state.session, state.settings, learner,
                                      today=state.today())
    if extension == "pdf":
        body, mimetype = pdf(record), "application/pdf"
    else:
        text = io.StringIO()
        pdr.write_csv(record, text)
        body, mimetype = text.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment",
                         filename=pdr.filename(record, extension))
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Accreditation pages: an officer's own (record it, see what renewal needs, submit a renewal),
a person's as a lead sees it (with status decisions), and the lead's review of a renewal.
Thin: parse, authorise, call, render; the rules are :mod:`cpd_tracker.services.accreditation`'s."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug import Response

from cpd_tracker.errors import Refused
from cpd_tracker.judging.accreditation import renewal_needs, rules_for
from cpd_tracker.models import Learner, Renewal
from cpd_tracker.permissions import DECIDE_ACCREDITATION, LOG_OWN_CPD, VERIFY, VIEW_RECORD
from cpd_tracker.queries.accreditation import person_accreditations, renewal_files
from cpd_tracker.record.identities import Lead
from cpd_tracker.services import accreditation
from cpd_tracker.state import TrackerState
from cpd_tracker.web.auth import learner_by_reference, may, signed_in_learner
from cpd_tracker.web.forms import AccreditationForm, DecisionForm, RenewalForm, StatusForm


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/accreditation", "my_accreditation", my_accreditation)
    blueprint.add_url_rule("/accreditation/<scheme>", "record_accreditation",
                           record_accreditation, methods=["POST"])
    blueprint.add_url_rule("/accreditation/<scheme>/renewal", "submit_renewal", submit_renewal,
                           methods=["POST"])
    blueprint.add_url_rule("/people/<reference>/accreditation", "person_accreditation",
                           person_accreditation)
    blueprint.add_url_rule("/people/<reference>/accreditation/<scheme>/status",
                           "change_accreditation_status", change_status, methods=["POST"])
    blueprint.add_url_rule("/verification/renewals/<int:renewal_id>", "review_renewal",
                           review_renewal, methods=["GET", "POST"])


def my_accreditation(forms: dict[str, Any] | None = None, status: int = 200
                     ) -> tuple[str, int]:
    """The officer's accreditations: status, expiry, endorsements, what renewal needs, and the
    forms to record it and to renew."""
    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    return _page(state, learner, own=True, forms=forms or {}), status


def record_accreditation(scheme: str) -> Response | tuple[str, int]:
    """Record one's accreditation: working towards it, or accredited on a day."""
    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    rules = _rules_or_404(state, scheme)
    form = AccreditationForm(prefix=scheme, today=state.today(),
                             endorsements=[(e.code, e.name) for e in rules.endorsements])
    if form.validate_on_submit():
        try:
            accreditation.record_accreditation(
                state.session, state.settings, learner, scheme, status=form.status.data or "",
                accredited_on=form.accredited_on.data,
                endorsements=list(form.endorsements.data or ()),
                submission_id=form.submission_id.data or "")
        except Refused as refused:
            form.show_errors(refused.errors)
        else:
            flash(f"Saved your {rules.name} record.", "cpd-success")
            return redirect(url_for(".my_accreditation"))
    return my_accreditation(forms={f"record-{scheme}": form}, status=422)


def submit_renewal(scheme: str) -> Response | tuple[str, int]:
    """Submit a renewal with a statement of continued competence and evidence files."""
    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    rules = _rules_or_404(state, scheme)
    form = RenewalForm(prefix=f"renew-{scheme}")
    if form.validate_on_submit():
        uploads = [(upload.stream, upload.filename)
                   for upload in request.files.getlist(form.files.name) if upload.filename]
        try:
            accreditation.submit_renewal_with_files(
                state.session, state.settings, state.storage, learner, scheme,
                competence=form.competence.data or "", uploads=uploads,
                submission_id=form.submission_id.data or "")
        except Refused as refused:
            form.show_errors(refused.errors)
        else:
            flash(f"Sent your {rules.name} renewal. An accreditation lead will review it; you "
                  "will see the outcome here.", "cpd-success")
            return redirect(url_for(".my_accreditation"))
    return my_accreditation(forms={f"renew-{scheme}": form}, status=422)


def person_accreditation(reference: str, forms: dict[str, Any] | None = None,
                         status: int = 200) -> tuple[str, int]:
    """A person's accreditations as their line manager or lead sees them; a lead who may
    decide also gets the status form."""
    learner = learner_by_reference(reference)
    state, _user = may(VIEW_RECORD, learner)
    return _page(state, learner, own=False, forms=forms or {}), status


def change_status(reference: str, scheme: str) -> Response | tuple[str, int]:
    """Suspend, withdraw, lapse or reinstate a person's accreditation, with the reason."""
    learner = learner_by_reference(reference)
    state, user = may(DECIDE_ACCREDITATION, learner)
    rules = _rules_or_404(state, scheme)
    form = StatusForm(prefix=f"status-{scheme}")
    if form.validate_on_submit():
        try:
            accreditation.change_status(state.session, state.settings, _lead(state, user),
                                        learner, scheme, status=form.status.data or "",
                                        reason=form.reason.data or "")
        except Refused as refused:
            form.show_errors(refused.errors)
        else:
            flash(f"{learner.name}'s {rules.name} is now {form.status.data}.", "cpd-success")
            return redirect(url_for(".person_accreditation", reference=reference))
    return person_accreditation(reference, forms={f"status-{scheme}": form}, status=422)


def review_renewal(renewal_id: int) -> Response | tuple[str, int]:
    """One renewal: the competence statement, its files and each CPD cycle since the
    accreditation; approve, or reject with a comment."""
    renewal = may(VERIFY, None)[0].session.get(Renewal, renewal_id)
    if renewal is None:
        abort(404)
    state, user = may(VERIFY, renewal.learner, hide=True)
    form = DecisionForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400, "decision must be 'approve' or 'reject'")
        try:
            accreditation.decide_renewal(state.session, state.settings, _lead(state, user),
                                         renewal.id, approve=decision == "approve",
                                         comment=form.comment.data)
        except Refused as refused:
            form.show_errors(refused.errors)
        else:
            outcome = "Approved" if decision == "approve" else "Rejected"
            flash(f"{outcome} the renewal from {renewal.learner.name}.", "cpd-success")
            return redirect(url_for(".verification_queue"))
    needs = renewal_needs(state.session, state.settings, renewal.learner,
                                        renewal.scheme, today=state.today())
    return render_template(
        "cpd_tracker/review_renewal.html", renewal=renewal, needs=needs, form=form,
        files=renewal_files(state.session, renewal)
    ), 422 if form.is_submitted() else 200


def _page(state: TrackerState, learner: Learner, *, own: bool, forms: dict[str, Any]) -> str:
    """The accreditation page, with a fresh form for each scheme unless one was just sent."""
    user = state.user()
    sent = next(iter(forms.values()), None)  # the form just sent and refused, if any
    schemes = person_accreditations(state.session, state.settings, learner,
                                                  today=state.today())
    for item in schemes:
        code = item.rules.scheme
        if own:
            record = item.record
            forms.setdefault(f"record-{code}", AccreditationForm(
                prefix=code, today=state.today(), formdata=None,
                endorsements=[(e.code, e.name) for e in item.rules.endorsements],
                data={"status": "accredited" if record and record.accredited_on
                      else "working-towards",
                      "accredited_on": record.accredited_on if record else None,
                      "endorsements": list(record.endorsements or ()) if record else []}))
            forms.setdefault(f"renew-{code}", RenewalForm(prefix=f"renew-{code}", formdata=None))
        elif state.can(user, DECIDE_ACCREDITATION, learner):
            forms.setdefault(f"status-{code}", StatusForm(prefix=f"status-{code}",
                                                          formdata=None))
    return render_template("cpd_tracker/accreditation.html", learner=learner, own=own,
                           schemes=schemes, forms=forms, sent=sent,
                           max_mb=state.settings.evidence_max_bytes / (1024 * 1024))


def _rules_or_404(state: TrackerState, scheme: str) -> accreditation.AccreditationRules:
    try:
        return rules_for(state.session, scheme)
    except LookupError:
        abort(404)


def _lead(state: TrackerState, user: Any) -> Lead:
    return Lead(reference=state.access(user).reference, name=state.learner_for(user).name)

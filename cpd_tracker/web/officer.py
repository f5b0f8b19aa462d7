"""An officer's own pages: My CPD and logging an activity. Thin: parse, authorise, call, render."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug import Response

from cpd_tracker import frameworks
from cpd_tracker.engine.compliance import Status
from cpd_tracker.engine.words import format_minutes
from cpd_tracker.errors import Refused
from cpd_tracker.permissions import LOG_OWN_CPD, VIEW_OWN_CPD
from cpd_tracker.queries import reminder_log
from cpd_tracker.queries.activities import officer_record
from cpd_tracker.record.learners import roles_held
from cpd_tracker.services import activities
from cpd_tracker.web.auth import signed_in_learner
from cpd_tracker.web.forms import ActivityForm


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/", "my_cpd", my_cpd)
    blueprint.add_url_rule("/activities/new", "log_activity", log_activity,
                           methods=["GET", "POST"])


def my_cpd() -> str:
    """This cycle at a glance: progress for each role held, and the activities logged."""
    state, _user, learner = signed_in_learner(VIEW_OWN_CPD)
    record = officer_record(state.session, state.settings, learner,
                                       today=state.today())
    met = [standing.role_code for standing in record.standings
           if standing.judgement.status in (Status.COMPLIANT, Status.EXEMPT)]
    notices = reminder_log.notices(state.session, learner, today=state.today(), met=met)
    return render_template("cpd_tracker/my_cpd.html", learner=learner, record=record,
                           notices=notices, category_label=state.category_label)


def log_activity() -> Response | tuple[str, int]:
    """The form to log a piece of CPD; nothing is written unless every rule is met."""
    state, _user, learner = signed_in_learner(LOG_OWN_CPD)
    held = [role.code for role in roles_held(learner, state.today())]
    kinds, items = frameworks.vocabulary_for(state.session, held)
    timeless = frameworks.kinds_without_duration(state.session, held)
    form = ActivityForm(categories=state.categories_for(held), today=state.today(),
                        kinds=kinds, items=items)
    if form.validate_on_submit():
        try:
            activity = activities.log_activity(state.session, state.settings, learner,
                                               form.entry(), today=state.today())
        except Refused as rejected:
            form.show_errors(rejected.errors)
        else:
            length = f" ({format_minutes(activity.minutes)})" if activity.minutes else ""
            flash(f"Logged “{activity.title}”{length}.", "cpd-success")
            return redirect(url_for(".my_cpd"))
    status = 422 if form.is_submitted() else 200
    return render_template("cpd_tracker/log_activity.html", form=form, learner=learner,
                           timeless=[name for code, name in kinds if code in timeless]), status

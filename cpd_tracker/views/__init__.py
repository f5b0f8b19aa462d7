"""The blueprint: pages and the JSON API, mounted at ``CPD_URL_PREFIX``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint

from cpd_tracker.compliance import format_minutes
from cpd_tracker.resources import resource_dir


def create_blueprint() -> Blueprint:
    """A fresh blueprint per app, so two apps in one process never share state."""
    from cpd_tracker.views import accreditation, api, force, imports, lead, officer, records

    blueprint = Blueprint(
        "cpd_tracker",
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
        static_url_path="/cpd-static",  # never the host's /static, even at "/"
    )
    blueprint.add_app_template_filter(format_minutes, "cpd_duration")
    officer.register(blueprint)
    records.register(blueprint)
    lead.register(blueprint)
    accreditation.register(blueprint)
    force.register(blueprint)
    api.register(blueprint)
    imports.register(blueprint)
    blueprint.add_app_template_global(_verification_label, "cpd_verification_label")
    blueprint.add_app_template_filter(_local, "cpd_local")
    blueprint.add_app_template_global(_can, "cpd_can")
    return blueprint


def _can(action: str) -> bool:
    """Whether the signed-in user may do ``action`` at all (for a host's navigation links:
    ``{% if cpd_can('cpd.verify') %}``)."""
    from cpd_tracker.extension import get_state

    state = get_state()
    user = state.user()
    return user is not None and state.can(user, action, None)


def _local(moment: datetime) -> datetime:
    """A stored (UTC) moment in the force's time zone, as people there read the clock."""
    from cpd_tracker.extension import get_state

    return moment.astimezone(get_state().settings.timezone)


_VERIFICATION = {
    "self-declared": "Self-declared",
    "awaiting": "Evidence awaiting verification",
    "verified": "Verified",
    "rejected": "Evidence rejected",
}


def _verification_label(state: str) -> str:
    """How an activity's verification state reads on a page."""
    return _VERIFICATION.get(state, state)

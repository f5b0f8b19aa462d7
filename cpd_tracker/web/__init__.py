"""The pages and the JSON API: one blueprint, mounted at ``CPD_URL_PREFIX``.

Views are thin: parse and authorise (:mod:`cpd_tracker.web.auth`), call a service or a query,
render. Every page extends the template named by ``CPD_BASE_TEMPLATE`` (the template global
``cpd_base_template``), so it sits inside the host's layout.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, abort
from flask_wtf.csrf import generate_csrf

from cpd_tracker.arguments import plain_text
from cpd_tracker.engine.words import format_date, format_minutes, format_moment
from cpd_tracker.errors import Refused
from cpd_tracker.resources import resource_dir
from cpd_tracker.state import get_state
from cpd_tracker.web import accreditation, api, force, imports, lead, officer, records


def create_blueprint() -> Blueprint:
    """A fresh blueprint per app, so two apps in one process never share state."""
    blueprint = Blueprint(
        "cpd_tracker",
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
        static_url_path="/cpd-static",  # never the host's /static, even at "/"
    )
    for pages in (officer, records, lead, accreditation, force, api, imports):
        pages.register(blueprint)
    blueprint.add_app_template_filter(format_minutes, "cpd_duration")
    blueprint.add_app_template_filter(format_date, "cpd_date")
    blueprint.add_app_template_filter(_local, "cpd_local")
    blueprint.add_app_template_filter(_moment, "cpd_moment")
    blueprint.add_app_template_global(_verification_label, "cpd_verification_label")
    blueprint.add_app_template_global(_can, "cpd_can")
    # The library's forms carry a token whether or not the host uses Flask-WTF's CSRFProtect
    # (which is what defines ``csrf_token()``); the views check it themselves.
    blueprint.add_app_template_global(generate_csrf, "cpd_csrf_token")
    blueprint.app_context_processor(_base_template)
    blueprint.url_value_preprocessor(_plain_path_values)
    return blueprint


def _plain_path_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A control character in a part of the path (``/people/<reference>``) is a 400 naming
    it, as in a query argument: PostgreSQL refuses NUL in text, so it was a 500 there."""
    for name, value in (values or {}).items():
        if not isinstance(value, str):
            continue
        try:
            plain_text(name, value, len(value))
        except Refused as refused:
            if endpoint is not None and endpoint.startswith("cpd_tracker.api_"):
                answer, status = api.ApiError(400, str(refused), name).response()
                answer.status_code = status
                abort(answer)
            abort(400, f"{name} {refused.message}")


def _base_template() -> dict[str, str]:
    """``cpd_base_template``: the host's layout the library's pages extend."""
    return {"cpd_base_template": get_state().settings.base_template}


def _can(action: str) -> bool:
    """Whether the signed-in user may do ``action`` at all (for a host's navigation links:
    ``{% if cpd_can('cpd.verify') %}``)."""
    state = get_state()
    user = state.user()
    return user is not None and state.can(user, action, None)


def _local(moment: datetime) -> datetime:
    """A stored (UTC) moment in the force's time zone, as people there read the clock."""
    return moment.astimezone(get_state().settings.timezone)


def _moment(moment: datetime) -> str:
    """A stored (UTC) moment as people in the force read the clock: ``31 Mar 2027, 14:05``."""
    return format_moment(_local(moment))


_VERIFICATION = {
    "self-declared": "Self-declared",
    "awaiting": "Evidence awaiting verification",
    "verified": "Verified",
    "rejected": "Evidence rejected",
}


def _verification_label(state: str) -> str:
    """How an activity's verification state reads on a page."""
    return _VERIFICATION.get(state, state)

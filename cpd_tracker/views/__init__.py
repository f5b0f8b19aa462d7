"""The blueprint: pages and (later) the JSON API, mounted at ``CPD_URL_PREFIX``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from cpd_tracker.compliance import format_minutes
from cpd_tracker.resources import resource_dir


def create_blueprint() -> Blueprint:
    """A fresh blueprint per app, so two apps in one process never share state."""
    from cpd_tracker.views import officer

    blueprint = Blueprint(
        "cpd_tracker",
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
        static_url_path="/cpd-static",  # never the host's /static, even at "/"
    )
    blueprint.add_app_template_filter(format_minutes, "cpd_duration")
    officer.register(blueprint)
    return blueprint

"""The Flask extension: ``CPDTracker(app, db=db)`` or ``CPDTracker(db=db).init_app(app)``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import partial
from typing import Any

from flask import Flask, current_app
from flask_login import current_user as flask_login_current_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from cpd_tracker import cli, config, recording, signals
from cpd_tracker.learners import LearnerProfile, profile_from_user, sync_learner
from cpd_tracker.mail import MailSettings, SMTPTransport, Transport
from cpd_tracker.models import Learner
from cpd_tracker.permissions import Access, PermissionCheck, access_from_user, default_permissions
from cpd_tracker.storage import EvidenceStorage, LocalStorage
from cpd_tracker.views import create_blueprint
from xapi.lrs import LRS

EXTENSION_KEY = "cpd_tracker"


@dataclass
class TrackerState:
    """Everything one app's tracker needs, kept in ``app.extensions["cpd_tracker"]``."""

    db: SQLAlchemy
    settings: config.Settings
    current_user: Callable[[], Any]
    learner_profile: Callable[[Any], LearnerProfile]
    permissions: PermissionCheck
    access: Callable[[Any], Access]
    storage: EvidenceStorage
    #: The host's accreditation leads (users), for escalations: ``CPD_LEADS`` / ``leads=``.
    leads: Callable[[], Iterable[Any]]
    #: SMTP settings from Flask-Mail's ``MAIL_*`` keys, or ``None`` (reminders held, not sent).
    mail: MailSettings | None
    #: Makes the transport a reminder run sends through (default: SMTP).
    mail_transport: Callable[[MailSettings], Transport]

    @property
    def session(self) -> Session:
        return self.db.session

    def today(self) -> date:
        """Today's date in the force's time zone (not the server's)."""
        return datetime.now(timezone.utc).astimezone(self.settings.timezone).date()

    def user(self) -> Any | None:
        """The signed-in host user, or ``None``."""
        user = self.current_user()
        if user is None or not getattr(user, "is_authenticated", True):
            return None
        return user

    def learner_for(self, user: Any) -> Learner:
        """The learner row for a host user, created or refreshed from the host's profile."""
        learner, outcome = sync_learner(self.session, self.learner_profile(user))
        if outcome != "unchanged":
            self.session.commit()
        if outcome == "created":
            signals.learner_created.send(current_app._get_current_object(), learner=learner)
        return learner

    def can(self, user: Any, action: str, learner: Learner | None = None) -> bool:
        return bool(self.permissions(user, action, learner))


def _flask_login_user() -> Any:
    if not hasattr(current_app, "login_manager"):
        raise RuntimeError(
            "cpd-tracker needs to know who is signed in: set up Flask-Login's LoginManager "
            "on the app, or pass current_user=callable to CPDTracker (or set CPD_CURRENT_USER)."
        )
    return flask_login_current_user._get_current_object()


def get_state(app: Flask | None = None) -> TrackerState:
    """The tracker state of ``app`` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("cpd-tracker is not set up on this app: call CPDTracker(app, db=db) "
                           "or tracker.init_app(app)") from None


class CPDTracker:
    """Continuing professional development tracking for a Flask LMS.

    :param app: the Flask app, or ``None`` to call :meth:`init_app` later.
    :param db: the host's Flask-SQLAlchemy extension; the library uses its session.
    :param current_user: callable returning the signed-in user (default: Flask-Login's).
    :param learner_profile: callable turning a host user into a
        :class:`~cpd_tracker.learners.LearnerProfile` (default:
        :func:`~cpd_tracker.learners.profile_from_user`).
    :param permissions: callable ``(user, action, learner) -> bool`` (default:
        :func:`~cpd_tracker.permissions.default_permissions`, the matrix of
        :func:`~cpd_tracker.permissions.allows`).
    :param access: callable turning a host user into a :class:`~cpd_tracker.permissions.Access`
        (admin? which scopes do they lead?); default
        :func:`~cpd_tracker.permissions.access_from_user`.
    :param storage: where evidence files are kept (an
        :class:`~cpd_tracker.storage.EvidenceStorage`); default a local folder,
        ``CPD_EVIDENCE_FOLDER``.
    :param leads: callable returning the host's accreditation leads (users whose ``access``
        has lead scopes), who get escalations for the people in their scope; default none.
    :param mail_transport: callable ``(MailSettings) -> Transport`` for hosts that send mail
        another way; default SMTP with Flask-Mail's ``MAIL_*`` keys.

    Constructor arguments win over the matching ``CPD_*`` config keys.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: SQLAlchemy | None = None,
        current_user: Callable[[], Any] | None = None,
        learner_profile: Callable[[Any], LearnerProfile] | None = None,
        permissions: PermissionCheck | None = None,
        access: Callable[[Any], Access] | None = None,
        storage: EvidenceStorage | None = None,
        leads: Callable[[], Iterable[Any]] | None = None,
        mail_transport: Callable[[MailSettings], Transport] | None = None,
    ) -> None:
        self.db = db
        self.current_user = current_user
        self.learner_profile = learner_profile
        self.permissions = permissions
        self.access = access
        self.storage = storage
        self.leads = leads
        self.mail_transport = mail_transport
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, *, db: SQLAlchemy | None = None) -> None:
        """Set config defaults, check the host's setup, register state, blueprint and CLI."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "cpd-tracker is already registered on this app; create one CPDTracker per app "
                "and call init_app once."
            )
        db = db or self.db
        if db is None:
            raise RuntimeError("CPDTracker needs the host's Flask-SQLAlchemy extension: "
                               "CPDTracker(app, db=db) or CPDTracker(db=db).init_app(app).")
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("cpd-tracker's forms are CSRF-protected and need the app's "
                               "SECRET_KEY to be set.")
        config.apply_defaults(app.config)
        settings = config.load(app.config)
        hook = partial(config.callable_setting, app.config)
        app.extensions[EXTENSION_KEY] = TrackerState(
            db=db,
            settings=settings,
            current_user=self.current_user or hook("CPD_CURRENT_USER") or _flask_login_user,
            learner_profile=(self.learner_profile or hook("CPD_LEARNER_PROFILE")
                             or profile_from_user),
            permissions=self.permissions or hook("CPD_PERMISSIONS") or default_permissions,
            access=self.access or hook("CPD_ACCESS") or access_from_user,
            storage=self.storage or app.config["CPD_EVIDENCE_STORAGE"] or LocalStorage(
                app.config["CPD_EVIDENCE_FOLDER"]
                or os.path.join(app.instance_path, "cpd-evidence")),
            leads=self.leads or hook("CPD_LEADS") or (lambda: ()),
            mail=MailSettings.from_config(app.config),
            mail_transport=self.mail_transport or SMTPTransport,
        )
        if not isinstance(app.extensions[EXTENSION_KEY].storage, EvidenceStorage):
            raise config.ConfigError("CPD_EVIDENCE_STORAGE must be an EvidenceStorage (see "
                                     "cpd_tracker.storage), or None for a local folder")
        app.register_blueprint(create_blueprint(), url_prefix=settings.url_prefix)
        if settings.xapi_url_prefix is not None:
            state = app.extensions[EXTENSION_KEY]
            lrs = LRS(session=lambda: state.session,
                      listeners=lambda: recording.listeners(state.settings))
            blueprint = lrs.blueprint()
            # Clients authenticate with HTTP Basic, not a session cookie, so the host's CSRF
            # protection (Flask-WTF) must not demand a form token of them.
            csrf = app.extensions.get("csrf")
            if csrf is not None:
                csrf.exempt(blueprint)
            app.register_blueprint(blueprint, url_prefix=settings.xapi_url_prefix)
        app.cli.add_command(cli.cpd)

"""The Flask extension: ``CPDTracker(app, db=db)`` or ``CPDTracker(db=db).init_app(app)``.

``init_app`` reads like a checklist: fill in the ``CPD_*`` defaults, check everything the host
set (configuration, hooks, storage, the base template), and only then register the state, the
blueprints and the ``flask cpd`` commands, so a host whose setup cannot work gets one error
that says what to change and an app with nothing of the library half-registered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import jinja2
from flask import Blueprint, Flask, current_app
from flask_login import current_user as flask_login_current_user
from flask_sqlalchemy import SQLAlchemy

from cpd_tracker import _compat, cli, config, projection
from cpd_tracker.permissions import Access, PermissionCheck, access_from_user, default_permissions
from cpd_tracker.problems import Problem
from cpd_tracker.record.learners import LearnerProfile, profile_from_user
from cpd_tracker.reminders.mail import MailSettings, SMTPTransport, Transport
from cpd_tracker.state import EXTENSION_KEY, TrackerState
from cpd_tracker.storage import EvidenceStorage, LocalStorage
from cpd_tracker.web import create_blueprint
from xapi import LRS

#: The blocks every page of the library fills; a host's ``CPD_BASE_TEMPLATE`` must define them.
BASE_TEMPLATE_BLOCKS = ("title", "content")
DEFAULT_BASE_TEMPLATE = "cpd_tracker/base.html"


def _flask_login_user() -> Any:
    if not hasattr(current_app, "login_manager"):
        raise RuntimeError(
            "cpd-tracker needs to know who is signed in: set up Flask-Login's LoginManager "
            "on the app, or pass current_user=callable to CPDTracker (or set CPD_CURRENT_USER)."
        )
    return flask_login_current_user._get_current_object()


class CPDTracker:
    """Continuing professional development tracking for a Flask LMS.

    :param app: the Flask app, or ``None`` to call :meth:`init_app` later.
    :param db: the host's Flask-SQLAlchemy extension; the library uses its session.
    :param current_user: callable returning the signed-in user (default: Flask-Login's).
    :param learner_profile: callable turning a host user into a
        :class:`~cpd_tracker.record.learners.LearnerProfile` (default:
        :func:`~cpd_tracker.record.learners.profile_from_user`).
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
        """Set config defaults, check the host's setup, then register state, blueprints and CLI.

        Raises :class:`RuntimeError` (:class:`~cpd_tracker.config.ConfigError` for a setting)
        saying what to change; when it does, nothing of the library is left on ``app``.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "cpd-tracker is already registered on this app; create one CPDTracker per app "
                "and call init_app once."
            )
        unset = [key for key in config.DEFAULTS if key not in app.config]
        try:
            state = self._state(app, db or self.db)
            check_base_template(app, state.settings.base_template)
        except BaseException:
            for key in unset:  # a failed set-up leaves nothing of the library, defaults included
                app.config.pop(key, None)
            raise
        # Everything is checked: from here on, only registration.
        app.extensions[EXTENSION_KEY] = state
        app.register_blueprint(create_blueprint(), url_prefix=state.settings.url_prefix)
        if state.settings.xapi_url_prefix is not None:
            lrs = LRS(session=lambda: state.session,
                      listeners=lambda: projection.listeners(state.settings))
            blueprint = lrs.blueprint()
            exempt_from_csrf(app, blueprint)
            app.register_blueprint(blueprint, url_prefix=state.settings.xapi_url_prefix)
        app.cli.add_command(cli.cpd)

    def _state(self, app: Flask, db: SQLAlchemy | None) -> TrackerState:
        """The app's tracker state, every setting and hook checked; registers nothing."""
        if db is None:
            raise RuntimeError("CPDTracker needs the host's Flask-SQLAlchemy extension: "
                               "CPDTracker(app, db=db) or CPDTracker(db=db).init_app(app).")
        if not app.config.get("SECRET_KEY"):
            raise RuntimeError("cpd-tracker's forms are CSRF-protected and need the app's "
                               "SECRET_KEY to be set.")
        config.apply_defaults(app.config)
        settings = config.load(app.config)
        hook = partial(config.callable_setting, app.config)
        storage = self.storage or app.config["CPD_EVIDENCE_STORAGE"] or LocalStorage(
            app.config["CPD_EVIDENCE_FOLDER"] or os.path.join(app.instance_path, "cpd-evidence"))
        if not isinstance(storage, EvidenceStorage):
            raise config.ConfigError([Problem(("CPD_EVIDENCE_STORAGE",), (
                f"{storage!r} is not an EvidenceStorage (see cpd_tracker.storage); give one, or "
                "None for a local folder (CPD_EVIDENCE_FOLDER)"))])
        return TrackerState(
            db=db,
            settings=settings,
            current_user=self.current_user or hook("CPD_CURRENT_USER") or _flask_login_user,
            learner_profile=(self.learner_profile or hook("CPD_LEARNER_PROFILE")
                             or profile_from_user),
            permissions=self.permissions or hook("CPD_PERMISSIONS") or default_permissions,
            access=self.access or hook("CPD_ACCESS") or access_from_user,
            storage=storage,
            leads=self.leads or hook("CPD_LEADS") or (lambda: ()),
            mail=MailSettings.from_config(app.config),
            mail_transport=self.mail_transport or SMTPTransport,
        )


def check_base_template(app: Flask, name: str) -> None:
    """Check that ``CPD_BASE_TEMPLATE`` is a template the app can find and that it defines the
    blocks the library's pages fill (itself or through the templates it extends).

    Looked up as the app will look it up (its own template folder and the blueprints registered
    so far), without creating the app's Jinja environment. The library's own default is not
    looked up: it ships with the blueprint registered next.
    """
    if name == DEFAULT_BASE_TEMPLATE:
        return
    environment = jinja2.Environment(loader=app.create_global_jinja_loader())
    blocks: set[str] = set()
    seen: list[str] = []
    current: str | None = name
    while current is not None and current not in seen:
        seen.append(current)
        try:
            source, _, _ = environment.loader.get_source(environment, current)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            where = "" if current == name else f" (which {seen[-2]!r} extends)"
            raise _base_template_error(name, (
                f"the app has no template {current!r}{where}; put it in the app's templates "
                "folder or a blueprint registered before CPDTracker, or leave "
                "CPD_BASE_TEMPLATE unset for the library's plain page")) from None
        try:
            tree = environment.parse(source)
        except jinja2.TemplateSyntaxError as broken:
            raise _base_template_error(name, f"{current!r} line {broken.lineno}: "
                                             f"{broken.message}") from None
        blocks.update(block.name for block in tree.find_all(jinja2.nodes.Block))
        parent = next(tree.find_all(jinja2.nodes.Extends), None)
        current = (parent.template.value if parent is not None
                   and isinstance(parent.template, jinja2.nodes.Const) else None)
    missing = [block for block in BASE_TEMPLATE_BLOCKS if block not in blocks]
    if missing:
        raise _base_template_error(name, (
            "it does not define the block(s) "
            + ", ".join(f"{{% block {block} %}}" for block in missing)
            + "; the library's pages put their title and content there"))


def _base_template_error(name: str, problem: str) -> config.ConfigError:
    return config.ConfigError([Problem(("CPD_BASE_TEMPLATE",), f"{name!r}: {problem}")])


def exempt_from_csrf(app: Flask, blueprint: Blueprint) -> None:
    """Keep the host's CSRF protection (Flask-WTF's ``CSRFProtect``) off ``blueprint``,
    whichever of the two the host sets up first.

    LRS clients authenticate with HTTP Basic, not a session cookie, so there is no form token
    to demand of them. A ``CSRFProtect`` set up before the tracker is told now; one set up
    after it is told by a request hook registered now, which runs before ``CSRFProtect``'s own
    (Flask runs an app's request hooks in the order they were registered).
    """
    def exempt() -> None:
        csrf = current_app.extensions.get("csrf")
        if csrf is not None:
            csrf.exempt(blueprint)

    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)
    else:
        app.before_request(exempt)

#: The names this module had in 0.1 and that live elsewhere now (for one more release).
__getattr__ = _compat.module_getattr("cpd_tracker.extension")

"""One app's tracker: everything views, commands and jobs ask for, in ``app.extensions``.

:class:`~cpd_tracker.extension.CPDTracker` builds a :class:`TrackerState` once per app in
``init_app``; everything below the extension reaches it through :func:`get_state`, so nothing
holds on to an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app, g
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cpd_tracker import config, frameworks, signals
from cpd_tracker.models import Learner
from cpd_tracker.permissions import Access, PermissionCheck
from cpd_tracker.record.learners import LearnerProfile, differences, learner_of, sync_learner
from cpd_tracker.reminders.mail import MailSettings, Transport
from cpd_tracker.storage import EvidenceStorage
from cpd_tracker.transactions import own_writes

#: The key of the state in ``app.extensions``.
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
        """Today's date in the force's time zone (not the server's), from ``CPD_CLOCK``."""
        return self.settings.today()

    def categories_for(self, role_codes: Iterable[str]) -> list[tuple[str, str]]:
        """The categories people holding these roles log CPD in: the force's
        (``CPD_CATEGORIES``), then those their frameworks declare."""
        known = dict(self.settings.categories)
        return [*self.settings.categories,
                *((code, name) for code, name in frameworks.categories_for(
                    self.session, role_codes) if code not in known)]

    def category_label(self, code: str) -> str:
        """A category's name: the force's, else a framework's, else the code (read once a
        request)."""
        known = dict(self.settings.categories)
        if code in known:
            return known[code]
        names = g.get("_cpd_category_names")
        if names is None:
            names = g._cpd_category_names = frameworks.category_names(self.session)
        return names.get(code, code)

    def user(self) -> Any | None:
        """The signed-in host user, or ``None``."""
        user = self.current_user()
        if user is None or not getattr(user, "is_authenticated", True):
            return None
        return user

    def learner_for(self, user: Any) -> Learner:
        """The learner row for a host user, created or refreshed from the host's profile.

        The row is committed on its own, unless work of the host's is pending in the session
        (then it lands with the host's commit: :mod:`cpd_tracker.transactions`)."""
        profile = self.learner_profile(user)
        for attempt in (1, 2):
            known = learner_of(self.session, profile.reference)
            if known is not None and not differences(known, profile):
                return known  # the common case: nothing to write, nothing to commit
            try:
                with own_writes(self.session):
                    learner, outcome = sync_learner(self.session, profile)
                break
            except IntegrityError:
                # Their first visit, in another tab at the same moment, created the row first
                # (its reference is unique): read that one, and bring it up to date if need be.
                if known is not None or attempt == 2:
                    raise
        if outcome == "created":
            signals.learner_created.send(current_app._get_current_object(), learner=learner)
        return learner

    def can(self, user: Any, action: str, learner: Learner | None = None) -> bool:
        return bool(self.permissions(user, action, learner))


def get_state(app: Flask | None = None) -> TrackerState:
    """The tracker state of ``app`` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("cpd-tracker is not set up on this app: call CPDTracker(app, db=db) "
                           "or tracker.init_app(app)") from None

"""What a user may do: the one place every view and list asks.

Who someone is to cpd-tracker is an :class:`Access`: their user reference, whether they
administer the service, and the scopes they lead (the whole force, a unit, or a role). The host
says so through ``access=callable(user) -> Access`` (``CPD_ACCESS``); by default
:func:`access_from_user` reads ``cpd_admin`` and ``cpd_lead_scopes`` attributes off the user.
Line management needs no setting: a learner's ``line_manager_reference`` names their manager.

The matrix, for a record of ``learner``:

=====================  =======  =============  ===============  =====
action                 officer  line manager   lead (in scope)  admin
=====================  =======  =============  ===============  =====
view / log own CPD     own      own            own              own
view a record          own      their reports  yes              yes
verify, decide         no       no             yes, not own     yes, not own
=====================  =======  =============  ===============  =====

:func:`allows` answers for one record; :func:`visible` gives the same answer as a SQL
condition on ``cpd_learner``, so lists (the verification queue) show exactly the people whose
records the user may open, without a query per person. A host that passes its own
``permissions=callable(user, action, learner) -> bool`` has the last word for single records;
it can call :func:`allows` for the default and narrow or widen it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from cpd_tracker.models import CurrentStanding, Learner, LearnerRole, Role

#: See one's own CPD record and progress.
VIEW_OWN_CPD = "cpd.view-own"
#: Log CPD for oneself: activities, corrections, evidence, reflections, accreditation, renewals.
LOG_OWN_CPD = "cpd.log-own"
#: See someone's record: activities, evidence files, history, export.
VIEW_RECORD = "cpd.view-record"
#: Verify or reject someone's evidence and renewals; the verification queue.
VERIFY = "cpd.verify"
#: Change someone's accreditation status (suspend, withdraw, reinstate).
DECIDE_ACCREDITATION = "cpd.decide-accreditation"

ACTIONS = frozenset({VIEW_OWN_CPD, LOG_OWN_CPD, VIEW_RECORD, VERIFY, DECIDE_ACCREDITATION})
_OWN = frozenset({VIEW_OWN_CPD, LOG_OWN_CPD})
_LEADS = frozenset({VERIFY, DECIDE_ACCREDITATION})

PermissionCheck = Callable[[Any, str, "Learner | None"], bool]


@dataclass(frozen=True)
class LeadScope:
    """Whom a lead leads: ``force`` (everyone), ``unit`` (an org unit) or ``role`` (holders of
    a role, by code)."""

    kind: str
    value: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("force", "unit", "role"):
            raise ValueError(f"LeadScope.kind must be 'force', 'unit' or 'role', got "
                             f"{self.kind!r}")
        if (self.kind == "force") != (self.value is None):
            raise ValueError("LeadScope: 'force' takes no value; 'unit' and 'role' need one")

    @classmethod
    def parse(cls, text: str) -> LeadScope:
        """``"force"``, ``"unit:Force Intelligence Bureau"`` or ``"role:intelligence-officer"``."""
        kind, _, value = text.partition(":")
        try:
            return cls(kind.strip(), value.strip() or None)
        except ValueError:
            raise ValueError(f"{text!r} is not a lead scope; write 'force', 'unit:NAME' or "
                             "'role:CODE'") from None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    def covers(self, unit: str | None, roles: Collection[str]) -> bool:
        """The one scope rule, for someone in ``unit`` holding ``roles`` (codes): ``force``
        covers everyone, ``unit`` the people of that unit, ``role`` the holders of that role.
        (A standing is one role: pass just that role, so a role's lead sees the standings in
        their role and not the holders' other roles.)"""
        if self.kind == "force":
            return True
        if self.kind == "unit":
            return unit == self.value
        return self.value in roles

    def condition(self, unit: sa.ColumnElement[Any],
                  holds_role: Callable[[str], sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
        """:meth:`covers` as a SQL condition over a ``unit`` column and ``holds_role(code)``."""
        if self.kind == "force":
            return sa.true()
        if self.kind == "unit":
            return unit == self.value
        return holds_role(str(self.value))


@dataclass(frozen=True)
class Access:
    """Who a signed-in user is to cpd-tracker."""

    reference: str
    admin: bool = False
    lead_scopes: tuple[LeadScope, ...] = ()

    @property
    def is_lead(self) -> bool:
        return self.admin or bool(self.lead_scopes)

    def leads(self, unit: str | None, roles: Collection[str]) -> bool:
        """Whether this user leads someone in ``unit`` holding ``roles`` (an admin leads all)."""
        return self.admin or any(scope.covers(unit, roles) for scope in self.lead_scopes)

    def leads_condition(self, unit: sa.ColumnElement[Any],
                        holds_role: Callable[[str], sa.ColumnElement[bool]]
                        ) -> sa.ColumnElement[bool]:
        """:meth:`leads` as a SQL condition (see :meth:`LeadScope.condition`)."""
        if self.admin:
            return sa.true()
        return sa.or_(sa.false(), *(scope.condition(unit, holds_role)
                                    for scope in self.lead_scopes))


def access_from_user(user: Any) -> Access:
    """The default reading: ``get_id()``, and ``cpd_admin`` / ``cpd_lead_scopes`` if present."""
    scopes: Iterable[Any] = getattr(user, "cpd_lead_scopes", None) or ()
    if isinstance(scopes, str):
        scopes = [part for part in scopes.split(";") if part.strip()]
    return Access(
        reference=str(user.get_id()),
        admin=bool(getattr(user, "cpd_admin", False)),
        lead_scopes=tuple(scope if isinstance(scope, LeadScope) else LeadScope.parse(str(scope))
                          for scope in scopes),
    )


def allows(access: Access, action: str, learner: Learner | None) -> bool:
    """Whether ``access`` may do ``action`` to ``learner``'s records (the matrix above)."""
    if action not in ACTIONS:
        return False
    own = learner is None or learner.reference == access.reference
    if action in _OWN:
        return own
    if learner is None:
        # "May they open the verification queue at all": a lead of anything, or an admin.
        return action in _LEADS and access.is_lead
    if action == VIEW_RECORD and (own or learner.line_manager_reference == access.reference):
        return True
    if own:
        return False  # nobody verifies their own evidence or decides their own accreditation
    return access.leads(learner.org_unit, {held.role.code for held in learner.roles})


def visible(access: Access, action: str) -> sa.ColumnElement[bool]:
    """``allows`` for every learner at once: a condition on ``cpd_learner`` for lists."""
    if action in _OWN:
        return Learner.reference == access.reference
    if action not in ACTIONS:
        return sa.false()
    conditions: list[sa.ColumnElement[bool]] = []
    if action == VIEW_RECORD:
        conditions += [Learner.reference == access.reference,
                       Learner.line_manager_reference == access.reference]
    led = access.leads_condition(Learner.org_unit, _holds_role)
    if action == VIEW_RECORD:
        conditions.append(led)
    else:
        conditions.append(sa.and_(led, Learner.reference != access.reference))
    return sa.or_(*conditions)


def visible_standings(access: Access) -> sa.ColumnElement[bool]:
    """Which ``cpd_standing`` rows (a person in a role) ``access`` sees in the leads' lists:
    their own and their reports' (as :func:`visible` for ``VIEW_RECORD``), everyone's in the
    units they lead, and, for a role they lead, the standings in that role (not the holders'
    other roles: those are another lead's to chase)."""
    if access.admin or any(scope.kind == "force" for scope in access.lead_scopes):
        return sa.true()  # everyone: no condition for the planner to weigh
    return sa.or_(CurrentStanding.reference == access.reference,
                  CurrentStanding.line_manager_reference == access.reference,
                  access.leads_condition(CurrentStanding.org_unit,
                                         lambda code: CurrentStanding.role_code == code))


def _holds_role(code: str) -> sa.ColumnElement[bool]:
    """The learner has held the role ``code`` (any period): as :func:`allows` reads roles."""
    return sa.exists().where(LearnerRole.learner_id == Learner.id,
                             LearnerRole.role_id == Role.id, Role.code == code)


def default_permissions(user: Any, action: str, learner: Learner | None) -> bool:
    """The matrix for the current app's reading of ``user`` (see :func:`allows`)."""
    # The state is read from the app directly: this module sits below the one that defines it.
    return allows(current_app.extensions["cpd_tracker"].access(user), action, learner)

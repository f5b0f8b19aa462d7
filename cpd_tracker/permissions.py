"""What a user may do: one place where every view asks.

The host decides. It passes ``permissions=callable(user, action, learner) -> bool`` to
:class:`~cpd_tracker.CPDTracker` (or sets ``CPD_PERMISSIONS``); ``learner`` is the person whose
records are concerned. Without one, :func:`default_permissions` lets every signed-in user keep
their own CPD and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cpd_tracker.models import Learner

#: See one's own CPD record and progress.
VIEW_OWN_CPD = "cpd.view-own"
#: Log CPD for oneself.
LOG_OWN_CPD = "cpd.log-own"

ACTIONS = frozenset({VIEW_OWN_CPD, LOG_OWN_CPD})

PermissionCheck = Callable[[Any, str, "Learner | None"], bool]


def default_permissions(user: Any, action: str, learner: Learner | None) -> bool:
    """Every signed-in user may view and log their own CPD."""
    return action in (VIEW_OWN_CPD, LOG_OWN_CPD)

"""What every stored statement passes through: the read models and the forwarding outbox.

The library stores statements in several places (an officer logging CPD, a lead's decision,
the LRS API); each must keep the same read models in step inside the same transaction, so the
list lives here once.
"""

from __future__ import annotations

from cpd_tracker.allowances import AllowanceProjection
from cpd_tracker.config import Settings
from cpd_tracker.projection import ActivityProjection
from xapi import StatementListener


def listeners(settings: Settings) -> list[StatementListener]:
    """The listeners for a statement store working for this app."""
    return [ActivityProjection(settings), AllowanceProjection(settings)]

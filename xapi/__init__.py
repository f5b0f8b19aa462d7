"""A small xAPI (Experience API) layer: statement validation, a statement store on SQLAlchemy.

This package knows xAPI only. It has no idea what CPD, a role or an officer is, so that it can
grow into a full learning record store (and be reused) without dragging the CPD domain along.
"""

from xapi.models import NAMING_CONVENTION, StatementRecord, metadata
from xapi.store import StatementConflict, StatementListener, StatementStore
from xapi.validation import StatementInvalid, validate_statement

__all__ = [
    "NAMING_CONVENTION",
    "StatementConflict",
    "StatementInvalid",
    "StatementListener",
    "StatementRecord",
    "StatementStore",
    "metadata",
    "validate_statement",
]

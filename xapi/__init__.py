"""An xAPI 1.0.3 learning record store: validation, a statement store on SQLAlchemy, the LRS
HTTP API as a Flask blueprint, document resources, LRS clients and forwarding to another LRS.

This package knows xAPI only. It has no idea what CPD, a role or an officer is, so that it can
be reused (and tested against ADL's conformance suite) without dragging the CPD domain along.
"""

from xapi.clients import Client, ClientInvalid, create_client
from xapi.lrs import LRS
from xapi.models import NAMING_CONVENTION, StatementRecord, metadata
from xapi.store import StatementConflict, StatementListener, StatementStore
from xapi.validation import StatementInvalid, validate_statement

__all__ = [
    "LRS",
    "NAMING_CONVENTION",
    "Client",
    "ClientInvalid",
    "StatementConflict",
    "StatementInvalid",
    "StatementListener",
    "StatementRecord",
    "StatementStore",
    "create_client",
    "metadata",
    "validate_statement",
]

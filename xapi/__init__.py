"""An xAPI 1.0.3 learning record store: validation, a statement store on SQLAlchemy, the LRS
HTTP API as a Flask blueprint, document resources, LRS clients and forwarding to another LRS.

This package knows xAPI only. It has no idea what CPD, a role or an officer is, so that it can
be reused (and tested against ADL's conformance suite) without dragging the CPD domain along.

Public API: a host imports from these three modules only; everything else is the package's
own business and may be reorganised.

``xapi`` (this module)
    Storing and reading statements, and serving them: :class:`LRS` (the blueprint),
    :class:`StatementStore` with :class:`StatementListener` (the host's read models) and its
    errors :class:`StatementConflict` and :class:`StatementInvalid`, :func:`validate_statement`,
    :data:`VOIDED_VERB`, :func:`actor_key` (the key agents are indexed and compared by), the
    tables a host queries or migrates (:class:`StatementRecord`, :class:`StatementAgent`,
    :class:`ClientRecord`, :data:`metadata`, :data:`NAMING_CONVENTION`, :class:`UTCDateTime`)
    and the client essentials (:class:`Client`, :class:`ClientInvalid`, :func:`create_client`).
``xapi.forwarding``
    Forwarding stored statements to another LRS through an outbox: :class:`ForwardTarget`,
    :class:`OutboxListener` with its ``Select``, :func:`deliver`, :func:`enqueue_existing`,
    :func:`pending` and what they report (:class:`DeliveryReport`, :class:`Backlog`).
``xapi.clients``
    Administering the LRS's clients (the systems allowed to call it): :data:`SCOPES`,
    :func:`create_client`, :func:`set_active` (revoke or restore), :func:`authenticate`.

Inside, each module is one concept: ``grammar`` (value formats), ``agents`` (Agents and Groups),
``validation`` (statement structure), ``models`` (tables), ``mentions`` (what a statement refers
to), ``store``, ``query`` (statement queries), ``documents`` (the document store),
``attachments`` and ``signatures``, ``calls`` (an API call: parsing, credentials, replies),
``statement_resource``, ``document_resources``, ``lookup_resources``, ``lrs`` (the blueprint),
``outbox``, ``remote_lrs`` (the HTTP client for another LRS) and ``forwarding``.
"""

from xapi.agents import actor_key
from xapi.clients import Client, ClientInvalid, create_client
from xapi.lrs import LRS
from xapi.models import (
    NAMING_CONVENTION,
    ClientRecord,
    StatementAgent,
    StatementRecord,
    UTCDateTime,
    metadata,
)
from xapi.store import StatementConflict, StatementListener, StatementStore
from xapi.validation import VOIDED_VERB, StatementInvalid, validate_statement

__all__ = [
    "LRS",
    "NAMING_CONVENTION",
    "VOIDED_VERB",
    "Client",
    "ClientInvalid",
    "ClientRecord",
    "StatementAgent",
    "StatementConflict",
    "StatementInvalid",
    "StatementListener",
    "StatementRecord",
    "StatementStore",
    "UTCDateTime",
    "actor_key",
    "create_client",
    "metadata",
    "validate_statement",
]

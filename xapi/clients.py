"""LRS clients: the systems allowed to call the LRS API, their credentials and scopes.

A client authenticates with HTTP Basic (its name and secret). The secret is kept only as a
salted hash (werkzeug's scrypt). Checking scrypt on every request would cap ingest at a few dozen
requests a second, so a successful check is remembered in memory by a SHA-256 of the secret; the
memory is keyed by the stored hash as well, so a changed or revoked secret is never honoured.

This module is part of the package's public API: a host creates clients and revokes (or
restores) them with it (:func:`create_client`, :func:`set_active`, :data:`SCOPES`; the rows are
:class:`ClientRecord`); the LRS API authenticates callers with :func:`authenticate`, which gives
a :class:`Client`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from xapi.agents import validate_actor
from xapi.grammar import StatementInvalid
from xapi.models import ClientRecord

__all__ = [
    "SCOPES",
    "Client",
    "ClientInvalid",
    "ClientRecord",
    "authenticate",
    "create_client",
    "set_active",
]

#: xAPI's OAuth scopes (Communication 4.2), used here for Basic clients too.
SCOPES = ("all", "all/read", "statements/write", "statements/read", "statements/read/mine",
          "state", "define", "profile")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ClientInvalid(ValueError):
    """A client cannot be created as asked; the message says which field and why."""


@dataclass(frozen=True)
class Client:
    """An authenticated caller of the LRS."""

    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]

    def may(self, *scopes: str) -> bool:
        """Whether the client holds ``all`` or any of ``scopes``."""
        return "all" in self.scopes or bool(self.scopes.intersection(scopes))


def create_client(session: Session, name: str, *, authority: dict[str, Any],
                  scopes: tuple[str, ...] = ("all",), secret: str | None = None,
                  now: datetime | None = None) -> tuple[ClientRecord, str]:
    """Create a client and return it with its secret (generated unless given).

    The secret is shown once: only its hash is stored. The caller commits.
    """
    if not _NAME.match(name):
        raise ClientInvalid(f"name: {name!r} must be 1 to 128 letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ClientInvalid(f"scopes: {', '.join(unknown) or 'none given'} "
                            f"(the scopes are {', '.join(SCOPES)})")
    if secret is not None and len(secret) < 8:
        raise ClientInvalid("secret: must be at least 8 characters")
    try:
        validate_actor(authority, "authority")
    except StatementInvalid as error:
        raise ClientInvalid(str(error)) from None
    if session.scalar(sa.select(ClientRecord.id).where(ClientRecord.name == name)) is not None:
        raise ClientInvalid(f"name: a client called {name!r} already exists")
    secret = secret or secrets.token_urlsafe(24)
    record = ClientRecord(name=name, secret_hash=generate_password_hash(secret),
                          scopes=list(dict.fromkeys(scopes)), authority=authority, active=True,
                          created=now or datetime.now(timezone.utc))
    session.add(record)
    session.flush()
    return record, secret


def set_active(session: Session, name: str, active: bool) -> ClientRecord:
    """Revoke (or restore) a client's access; its statements stay."""
    record = session.scalar(sa.select(ClientRecord).where(ClientRecord.name == name))
    if record is None:
        raise ClientInvalid(f"name: no client called {name!r}")
    record.active = active
    return record


_verified: dict[tuple[str, str], str] = {}


def authenticate(session: Session, name: str, secret: str) -> Client | None:
    """The active client with this name and secret, or ``None``."""
    record = session.scalar(sa.select(ClientRecord).where(ClientRecord.name == name))
    if record is None or not record.active:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    remembered = _verified.get((name, record.secret_hash))
    if remembered is None or not hmac.compare_digest(remembered, digest):
        if not check_password_hash(record.secret_hash, secret):
            return None
        if len(_verified) > 10_000:
            _verified.clear()
        _verified[(name, record.secret_hash)] = digest
    return Client(name=record.name, scopes=frozenset(record.scopes),
                  authority=dict(record.authority))

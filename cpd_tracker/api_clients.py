"""The force's reporting tools (Power BI and the like) as clients of the JSON API.

A tool has no user account in the LMS, so it signs in with a bearer token. The configuration
(``CPD_API_TOKENS``) holds each token's SHA-256, never the token, and the scopes the tool may
read, as a lead's are written::

    CPD_API_TOKENS = {
        "power-bi": {"sha256": "<hex>", "scopes": ["force"]},
        "fib-dashboard": {"sha256": "<hex>", "scopes": ["unit:Force Intelligence Bureau"]},
    }

``flask cpd api-token NAME --scope force`` makes a token and prints the entry. A tool then
reads what a lead of those scopes may read, through the same permission checks as the pages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cpd_tracker.permissions import Access, LeadScope

TOKEN_PREFIX = "cpd_"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
_HEX = re.compile(r"[0-9a-f]{64}")


class ApiClientError(ValueError):
    """``CPD_API_TOKENS`` is not usable; the message names the entry and what to change."""


@dataclass(frozen=True)
class ApiClient:
    """One reporting tool: its name, its token's hash, and what it may read."""

    name: str
    sha256: str
    scopes: tuple[LeadScope, ...]

    @property
    def access(self) -> Access:
        """Who the tool is to the permission checks: a lead of its scopes, reference
        ``api:<name>`` (so it is never anyone's own record)."""
        return Access(reference=f"api:{self.name}", lead_scopes=self.scopes)


def parse(value: Any) -> tuple[ApiClient, ...]:
    """``CPD_API_TOKENS`` checked, or :class:`ApiClientError` naming the entry at fault."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ApiClientError("CPD_API_TOKENS must be a dict of client name to "
                             f"{{'sha256': ..., 'scopes': [...]}}, got {type(value).__name__}")
    clients = []
    seen: dict[str, str] = {}
    for name, entry in value.items():
        where = f"CPD_API_TOKENS[{name!r}]"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ApiClientError(f"{where}: a client name is lower-case letters, digits, '.', "
                                 "'_' and '-' (at most 63)")
        if not isinstance(entry, dict) or set(entry) - {"sha256", "scopes"}:
            raise ApiClientError(f"{where} must be {{'sha256': HEX, 'scopes': [...]}}")
        digest = entry.get("sha256")
        if not isinstance(digest, str) or not _HEX.fullmatch(digest):
            raise ApiClientError(f"{where}['sha256'] must be the token's SHA-256 as 64 "
                                 "lower-case hex digits (flask cpd api-token prints it)")
        if digest in seen:
            raise ApiClientError(f"{where} has the same token as {seen[digest]!r}")
        seen[digest] = name
        scopes = entry.get("scopes")
        if not isinstance(scopes, (list, tuple)) or not scopes:
            raise ApiClientError(f"{where}['scopes'] must list what the tool may read, such "
                                 "as ['force'] or ['unit:NAME', 'role:CODE']")
        try:
            parsed = tuple(LeadScope.parse(str(scope)) for scope in scopes)
        except ValueError as error:
            raise ApiClientError(f"{where}['scopes']: {error}") from None
        clients.append(ApiClient(name, digest, parsed))
    return tuple(clients)


def new_token() -> tuple[str, str]:
    """A fresh token and its SHA-256 (to put in ``CPD_API_TOKENS``)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, digest_of(token)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_for(clients: tuple[ApiClient, ...], token: str) -> ApiClient | None:
    """The client whose token this is, or ``None``; compared in constant time."""
    digest = digest_of(token)
    found = None
    for client in clients:
        if hmac.compare_digest(client.sha256, digest):
            found = client
    return found

"""Statements with attachments: ``multipart/mixed`` requests and responses (Data 2.4.11).

The first part holds the statement(s) as JSON; each further part is one attachment's raw
content, named by its SHA-2 hash in ``X-Experience-API-Hash``. An attachment declared without a
``fileUrl`` must arrive as a part, every part must be declared, and each part's content must
hash to what it claims. Werkzeug parses ``multipart/form-data`` only, and the ``email`` package
rewrites line endings in binary parts, so the parts are split here on the boundary bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from xapi.grammar import StatementInvalid

__all__ = [
    "SIGNATURE_USAGE",
    "Part",
    "boundary_of",
    "check_declared",
    "declared",
    "multipart_body",
    "parse_multipart",
    "statements_and_attachments",
]

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]
    content: bytes


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type, quoted or not."""
    found = _BOUNDARY.search(content_type)
    if not found:
        raise StatementInvalid("Content-Type", "multipart/mixed needs a boundary parameter")
    return found.group(1) or found.group(2)


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart body into parts (headers lower-cased), or raise for a malformed one."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    pieces = body.split(delimiter)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        raise StatementInvalid("body", "is not a complete multipart/mixed body (the closing "
                                       "boundary is missing)")
    parts: list[Part] = []
    for piece in pieces[1:-1]:
        if piece.startswith(b"\r\n"):
            piece = piece[2:]
        elif piece.startswith(b"\n"):
            piece = piece[1:]
        head, separator, content = piece.partition(b"\r\n\r\n")
        if not separator:
            head, separator, content = piece.partition(b"\n\n")
        if not separator:
            raise StatementInvalid("body", "a multipart part has no blank line after its headers")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers=headers, content=content))
    return parts


def statements_and_attachments(body: bytes, content_type: str
                               ) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The JSON of the first part and the attachments of the rest, checked against each other."""
    parts = parse_multipart(body, content_type)
    first = parts[0]
    if first.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise StatementInvalid("body", "the first part of a multipart/mixed request must be "
                                       "the statements, as application/json")
    try:
        statements = json.loads(first.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise StatementInvalid("body", f"the first part is not valid JSON ({error})") from None
    attachments: dict[str, tuple[str, bytes]] = {}
    for i, part in enumerate(parts[1:], start=1):
        sha2 = part.headers.get("x-experience-api-hash")
        if not sha2:
            raise StatementInvalid(f"part {i}", "has no X-Experience-API-Hash header")
        if part.headers.get("content-transfer-encoding", "").lower() != "binary":
            raise StatementInvalid(f"part {i}", "must have Content-Transfer-Encoding: binary")
        hasher = _HASHES.get(len(sha2))
        if hasher is None or hasher(part.content).hexdigest() != sha2.lower():
            raise StatementInvalid(f"part {i}", f"content does not match its hash {sha2}")
        attachments[sha2.lower()] = (part.headers.get("content-type",
                                                      "application/octet-stream"), part.content)
    return statements, attachments


def declared(statements: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every attachment the statements declare, with its path (sub-statements included)."""
    found = []
    for i, statement in enumerate(statements):
        if not isinstance(statement, dict):
            continue  # validation names the problem
        holders = [(f"[{i}]", statement)]
        obj = statement.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            holders.append((f"[{i}].object", obj))
        for prefix, holder in holders:
            listed = holder.get("attachments")
            for j, attachment in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(attachment, dict):
                    found.append((f"{prefix}.attachments[{j}]", attachment))
    return found


def check_declared(statements: list[dict[str, Any]],
                   attachments: dict[str, tuple[str, bytes]], *, single: bool) -> None:
    """Every declared attachment without a fileUrl has its part, and every part is declared."""
    wanted = set()
    for path, attachment in declared(statements):
        if single:
            path = path.split(".", 1)[1]
        sha2 = str(attachment.get("sha2", "")).lower()
        wanted.add(sha2)
        if "fileUrl" not in attachment and sha2 not in attachments:
            raise StatementInvalid(f"{path}.sha2", "has no fileUrl and no multipart part with "
                                                   "this hash")
    extra = sorted(set(attachments) - wanted)
    if extra:
        raise StatementInvalid("body", f"a part with hash {extra[0]} is not declared by any "
                                       "statement's attachments")


def multipart_body(payload: Any, attachments: list[tuple[str, str, bytes]]
                   ) -> tuple[bytes, str]:
    """A ``multipart/mixed`` response: the JSON first, then each (sha2, content type, bytes)."""
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(payload).encode(), b"\r\n"]
    for sha2, content_type, content in attachments:
        chunks.append((f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                       "Content-Transfer-Encoding: binary\r\n"
                       f"X-Experience-API-Hash: {sha2}\r\n\r\n").encode())
        chunks.extend([content, b"\r\n"])
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"

"""Signed statements (Data 2.6): a JWS attachment whose payload is the statement itself.

The LRS must refuse a malformed signature: the signature attachment must be
``application/octet-stream`` content sent as a part, a JWS in compact serialisation with an
``RS256``, ``RS384`` or ``RS512`` header, whose payload is a JSON serialisation of the statement
as it was before the signature was attached. When the header carries an X.509 certificate
chain (``x5c``), the signature is verified against the first certificate's key. Without one
there is no key to verify against, and the spec asks no more than the checks above.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from xapi.attachments import SIGNATURE_USAGE
from xapi.grammar import StatementInvalid

__all__ = ["ALGORITHMS", "check"]

ALGORITHMS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}
#: What the LRS itself sets, and the attachments (the signature cannot sign itself).
_NOT_SIGNED = ("attachments", "stored", "authority", "version")


def check(statements: list[Any], attachments: dict[str, tuple[str, bytes]], *,
          single: bool) -> None:
    """Raise :class:`StatementInvalid` for any statement whose signature is malformed."""
    for i, statement in enumerate(statements):
        if not isinstance(statement, dict) or not isinstance(statement.get("attachments"), list):
            continue
        prefix = "" if single else f"[{i}]."
        for j, attachment in enumerate(statement["attachments"]):
            if isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE:
                _check_one(statement, attachment, attachments,
                           f"{prefix}attachments[{j}]")


def _check_one(statement: dict[str, Any], attachment: dict[str, Any],
               attachments: dict[str, tuple[str, bytes]], path: str) -> None:
    if attachment.get("contentType") != "application/octet-stream":
        raise StatementInvalid(f"{path}.contentType", "a signature must be "
                                                      "application/octet-stream")
    part = attachments.get(str(attachment.get("sha2", "")).lower())
    if part is None:
        raise StatementInvalid(f"{path}.sha2", "a signature must be sent as a multipart part")
    pieces = part[1].split(b".")
    if len(pieces) != 3:
        raise StatementInvalid(path, "the signature is not a JWS in compact serialisation")
    header = _decoded_json(pieces[0], f"{path} (JWS header)")
    payload = _decoded_json(pieces[1], f"{path} (JWS payload)")
    algorithm = header.get("alg") if isinstance(header, dict) else None
    if algorithm not in ALGORITHMS:
        raise StatementInvalid(path, f"the JWS algorithm {algorithm!r} is not RS256, RS384 or "
                                     "RS512")
    if not isinstance(payload, dict) or not _equivalent(payload, statement):
        raise StatementInvalid(path, "the JWS payload is not the statement that was signed")
    if "x5c" in header:
        _verify(header, algorithm, pieces, path)


def _decoded_json(piece: bytes, what: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(piece + b"=" * (-len(piece) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise StatementInvalid(what, "is not base64url-encoded JSON") from None


def _equivalent(payload: dict[str, Any], statement: dict[str, Any]) -> bool:
    ignored = set(_NOT_SIGNED)
    if "id" not in payload:
        ignored.add("id")
    left = {key: value for key, value in payload.items() if key not in ignored}
    right = {key: value for key, value in statement.items() if key not in ignored}
    if "id" in left and "id" in right:
        left["id"], right["id"] = str(left["id"]).lower(), str(right["id"]).lower()
    return left == right


def _verify(header: dict[str, Any], algorithm: str, pieces: list[bytes], path: str) -> None:
    try:
        der = base64.b64decode(header["x5c"][0])
        key = x509.load_der_x509_certificate(der).public_key()
    except (KeyError, IndexError, TypeError, ValueError, binascii.Error):
        raise StatementInvalid(f"{path} (JWS header x5c)", "is not an X.509 certificate "
                                                           "chain") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise StatementInvalid(f"{path} (JWS header x5c)", "the certificate's key is not RSA")
    signature = base64.urlsafe_b64decode(pieces[2] + b"=" * (-len(pieces[2]) % 4))
    try:
        key.verify(signature, pieces[0] + b"." + pieces[1], padding.PKCS1v15(),
                   getattr(hashes, ALGORITHMS[algorithm])())
    except InvalidSignature:
        raise StatementInvalid(path, "the signature does not verify against the certificate "
                                     "in its header") from None

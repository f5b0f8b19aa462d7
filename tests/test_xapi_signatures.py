"""Signed statements (Data 2.6): JWS signatures are checked before anything is stored."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from xapi import signatures
from xapi.attachments import SIGNATURE_USAGE
from xapi.grammar import StatementInvalid

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def certificate(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Force LMS signing")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def statement() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:priya.shah@force.example"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "https://lms.force.example/modules/osint"}}


def signed(payload: Any, *, alg: str = "RS256", key: rsa.RSAPrivateKey = KEY,
           x5c: bool = False, content_type: str = "application/octet-stream",
           raw_payload: bytes | None = None) -> tuple[dict[str, Any],
                                                     dict[str, tuple[str, bytes]]]:
    """The statement with its signature attachment, and the multipart parts by hash."""
    header: dict[str, Any] = {"alg": alg}
    if x5c:
        header["x5c"] = [certificate(KEY)]
    signing_input = _b64(json.dumps(header).encode()) + b"." + _b64(
        raw_payload if raw_payload is not None else json.dumps(payload).encode())
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(),
              "RS512": hashes.SHA512()}.get(alg, hashes.SHA256())
    jws = signing_input + b"." + _b64(key.sign(signing_input, padding.PKCS1v15(), digest))
    sha2 = hashlib.sha256(jws).hexdigest()
    document = copy.deepcopy(payload)
    document["attachments"] = [{"usageType": SIGNATURE_USAGE, "display": {"en-GB": "Signature"},
                                "contentType": content_type, "length": len(jws), "sha2": sha2}]
    return document, {sha2: ("application/octet-stream", jws)}


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signature_with_an_rs_algorithm_is_accepted(alg: str) -> None:
    document, parts = signed(statement(), alg=alg)
    signatures.check([document], parts, single=True)


def test_signature_verified_against_its_certificate() -> None:
    document, parts = signed(statement(), x5c=True)
    signatures.check([document], parts, single=True)


def test_signature_that_does_not_verify_against_its_certificate_is_refused() -> None:
    document, parts = signed(statement(), x5c=True, key=OTHER_KEY)
    with pytest.raises(StatementInvalid, match="does not verify"):
        signatures.check([document], parts, single=True)


def test_other_algorithm_is_refused_naming_it() -> None:
    document, parts = signed(statement(), alg="HS256")
    with pytest.raises(StatementInvalid) as refused:
        signatures.check([document], parts, single=True)
    assert (refused.value.path, "'HS256'" in refused.value.problem) == ("attachments[0]", True)


def test_signature_that_is_not_octet_stream_is_refused() -> None:
    document, parts = signed(statement(), content_type="text/plain; charset=ascii")
    with pytest.raises(StatementInvalid) as refused:
        signatures.check([document], parts, single=True)
    assert refused.value.path == "attachments[0].contentType"


def test_payload_that_is_not_json_is_refused() -> None:
    original = statement()
    broken = json.dumps(original).replace('"', "'", 1).encode()
    document, parts = signed(original, raw_payload=broken)
    with pytest.raises(StatementInvalid, match="JWS payload"):
        signatures.check([document], parts, single=True)


def test_payload_of_another_statement_is_refused() -> None:
    document, parts = signed(statement())
    document["verb"] = {"id": "http://adlnet.gov/expapi/verbs/failed"}
    with pytest.raises(StatementInvalid, match="not the statement that was signed"):
        signatures.check([document], parts, single=True)


def test_signature_declared_but_not_sent_is_refused_in_a_batch() -> None:
    document, _ = signed(statement())
    with pytest.raises(StatementInvalid) as refused:
        signatures.check([statement(), document], {}, single=False)
    assert refused.value.path == "[1].attachments[0].sha2"

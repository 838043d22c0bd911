# COSE_Sign1 (RFC 9052) with EdDSA / Ed25519, as the host's micromarket.protocol makes it:
#
#     18([ h'a10127', {4: kid}, payload, signature ])
#
# The protected header is always {1: -8} (alg EdDSA); the kid (who signed) sits in the
# unprotected header. The signature covers ["Signature1", protected, h'', payload], built in
# one place (_sig_structure) from the protected bytes exactly as received.
#
# sign1(signing_key, payload, kid) -> bytes   signing_key: an ed25519.SigningKey
# verify1(public_key, data) -> payload bytes  raises COSEError on any fault
# open1(data) -> (protected, kid, payload, signature), not verified (to look up the key by kid)
# message_hash(data) -> SHA-256 of the whole message; party_id(public_key) -> "p" + 16 hex

import hashlib
from binascii import hexlify

from micropython import const

import cbor

_PROTECTED_EDDSA = b"\xa1\x01\x27"
_ALG = const(1)
_ALG_EDDSA = const(-8)
_KID = const(4)
_MAX_KID = const(32)


class COSEError(ValueError):
    pass


def _sig_structure(protected, payload):
    return cbor.dumps(["Signature1", protected, b"", payload])


def sign1(signing_key, payload, kid):
    """Sign payload (CBOR bytes, or an object to encode) with signing_key; kid str or bytes."""
    if not isinstance(payload, (bytes, bytearray)):
        payload = cbor.dumps(payload)
    if isinstance(kid, str):
        kid = kid.encode()
    if not 1 <= len(kid) <= _MAX_KID:
        raise COSEError("cose: kid must be 1..%d bytes" % _MAX_KID)
    sig = signing_key.sign(_sig_structure(_PROTECTED_EDDSA, payload))
    return cbor.dumps(cbor.Tag(18, [_PROTECTED_EDDSA, {_KID: bytes(kid)}, bytes(payload), sig]))


def open1(data):
    """Parse a COSE_Sign1 strictly without verifying it; return (protected, kid, payload, sig)."""
    try:
        item = cbor.loads(data)
    except cbor.CBORError as exc:
        raise COSEError("cose: malformed: %s" % exc)
    if not isinstance(item, cbor.Tag) or item.tag != 18:
        raise COSEError("cose: not a tagged COSE_Sign1")
    parts = item.value
    if not isinstance(parts, list) or len(parts) != 4:
        raise COSEError("cose: COSE_Sign1 must be an array of 4 items")
    protected, unprotected, payload, sig = parts
    if not isinstance(protected, bytes):
        raise COSEError("cose: protected header must be a byte string")
    try:
        header = cbor.loads(protected)
    except cbor.CBORError as exc:
        raise COSEError("cose: protected header malformed: %s" % exc)
    if not isinstance(header, dict) or len(header) != 1 or header.get(_ALG) != _ALG_EDDSA:
        raise COSEError("cose: protected header must be exactly {1: -8} (EdDSA)")
    if not isinstance(unprotected, dict):
        raise COSEError("cose: unprotected header must be a map")
    kid = unprotected.get(_KID)
    if not isinstance(kid, bytes) or not 1 <= len(kid) <= _MAX_KID:
        raise COSEError("cose: unprotected header needs a kid of 1..%d bytes" % _MAX_KID)
    if not isinstance(payload, bytes):
        raise COSEError("cose: payload must be a byte string")
    if not isinstance(sig, bytes) or len(sig) != 64:
        raise COSEError("cose: signature must be 64 bytes")
    return protected, kid, payload, sig


def verify1(public_key, data):
    """Verify data with the 32-byte public_key; return the payload bytes or raise COSEError."""
    import ed25519  # imported on first use: signing-only callers never load the verifier

    protected, kid, payload, sig = open1(data)
    if not ed25519.verify(public_key, _sig_structure(protected, payload), sig):
        raise COSEError("cose: signature of %r does not verify" % kid)
    return payload


def kid(data):
    """The kid of a COSE_Sign1, as text, without verifying it."""
    try:
        return str(open1(data)[1], "utf-8")
    except UnicodeError:
        raise COSEError("cose: kid is not utf-8 text")


def message_hash(data):
    return hashlib.sha256(data).digest()


def party_id(public_key):
    return "p" + hexlify(hashlib.sha256(public_key).digest()[:8]).decode()

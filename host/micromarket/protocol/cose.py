"""COSE_Sign1 (RFC 9052) with EdDSA / Ed25519, byte for byte as the device makes it.

    18([ h'a10127', {4: kid}, payload, signature ])

The protected header is always ``{1: -8}`` (alg EdDSA), encoded ``a1 01 27``; the kid sits in
the unprotected header, alone: any other unprotected label is refused (it is not signed, but it
is hashed, so it would give a genuine message another hash). The signature covers ``["Signature1", protected, h'', payload]``,
built in one place (``sig_structure``) from the protected bytes exactly as received.
"""

import hashlib
from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from . import codec
from .errors import DecodeError, SignatureError

PROTECTED_EDDSA = b"\xa1\x01\x27"  # {1: -8}
ALG_EDDSA = -8
HEADER_ALG = 1
HEADER_KID = 4
MAX_KID = 32


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes Ed25519 signs: the Signature1 context, the protected bytes verbatim, no aad."""
    return codec.dumps(["Signature1", bytes(protected), b"", bytes(payload)])


def _kid_bytes(kid) -> bytes:
    kid = kid.encode() if isinstance(kid, str) else bytes(kid)
    if not 1 <= len(kid) <= MAX_KID:
        raise ValueError(f"kid must be 1..{MAX_KID} bytes, got {len(kid)}")
    return kid


def sign1(private_key: Ed25519PrivateKey, payload: bytes, kid) -> bytes:
    """Sign ``payload`` (already-encoded CBOR bytes) and return the tagged COSE_Sign1 bytes."""
    signature = private_key.sign(sig_structure(PROTECTED_EDDSA, payload))
    return codec.dumps(cbor2.CBORTag(codec.COSE_SIGN1_TAG,
                                     [PROTECTED_EDDSA, {HEADER_KID: _kid_bytes(kid)},
                                      bytes(payload), signature]))


@dataclass(frozen=True)
class Envelope:
    """A parsed, not yet verified COSE_Sign1: its parts and the raw bytes they came from."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes
    raw: bytes

    @property
    def signer(self) -> str:
        """The kid as text: a party id, a market id, "registrar" or "release"."""
        return self.kid.decode("utf-8", "replace")

    @property
    def hash(self) -> bytes:
        return message_hash(self.raw)

    def verify(self, public_key) -> bytes:
        """Check the signature with ``public_key``; return the payload bytes or raise."""
        key = _public_key(public_key)
        try:
            key.verify(self.signature, sig_structure(self.protected, self.payload))
        except InvalidSignature:
            raise SignatureError(f"signature of {self.signer!r} does not verify",
                                 "the message was altered or signed with another key") from None
        return self.payload


def open1(data) -> Envelope:
    """Parse COSE_Sign1 bytes strictly, without verifying; raise DecodeError/SignatureError."""
    item = codec.loads(data)
    if not isinstance(item, cbor2.CBORTag) or item.tag != codec.COSE_SIGN1_TAG:
        raise DecodeError("not a tagged COSE_Sign1 (tag 18)")
    parts = item.value
    if not isinstance(parts, list) or len(parts) != 4:
        raise DecodeError("COSE_Sign1 must be an array of 4 items")
    protected, unprotected, payload, signature = parts
    if not isinstance(protected, bytes):
        raise DecodeError("protected header must be a byte string")
    header = codec.loads(protected) if protected else {}
    if not isinstance(header, dict) or header.get(HEADER_ALG) != ALG_EDDSA:
        raise SignatureError("protected header must name alg EdDSA (-8)",
                             "sign with Ed25519 and put {1: -8} in the protected header")
    if len(header) != 1:
        raise SignatureError("protected header carries more than the algorithm")
    if not isinstance(unprotected, dict):
        raise DecodeError("unprotected header must be a map")
    kid = unprotected.get(HEADER_KID)
    if not isinstance(kid, bytes) or not 1 <= len(kid) <= MAX_KID:
        raise DecodeError(f"unprotected header needs a kid (label 4) of 1..{MAX_KID} bytes")
    if len(unprotected) != 1:
        # the signature does not cover it, the message hash does: anyone could make another hash
        # of a genuine message with an extra label
        raise SignatureError("unprotected header carries more than the kid (label 4)",
                             "put nothing but the kid in the unprotected header")
    if not isinstance(payload, bytes):
        raise DecodeError("payload must be a byte string (detached payloads are not used)")
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise SignatureError("signature must be 64 bytes")
    return Envelope(protected, kid, payload, signature, bytes(data))


def verify1(public_key, data) -> bytes:
    """Verify COSE_Sign1 bytes with ``public_key`` (32 bytes or Ed25519PublicKey); return payload."""
    return open1(data).verify(public_key)


def message_hash(data) -> bytes:
    """SHA-256 of the whole COSE_Sign1 bytes: how messages refer to each other."""
    return hashlib.sha256(bytes(data)).digest()


def _public_key(key) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(key))
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"not an Ed25519 public key: {exc}") from None


def public_key_bytes(key) -> bytes:
    """Raw 32-byte public key of an Ed25519 private or public key (or 32 bytes as they are)."""
    if isinstance(key, (bytes, bytearray)):
        if len(key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return bytes(key)
    return _public_key(key).public_bytes(Encoding.Raw, PublicFormat.Raw)


def party_id(public_key) -> str:
    """A device's party id: "p" + hex of the first 8 bytes of SHA-256(public key)."""
    return "p" + hashlib.sha256(public_key_bytes(public_key)).digest()[:8].hex()

"""The micromarket wire protocol on the host: typed messages, deterministic CBOR, COSE_Sign1.

The schema is protocol/micromarket.cddl; field meanings, topics and error codes are in
protocol/README.md. Everything the market, the tools, the bridge and the tests exchange goes
through this package, so device and host read the same bytes the same way. It imports only the
foundation (errors, paths), never another layer.

Messages (frozen dataclasses, validated when built; fields named as on the wire)::

    Context Tender Position Award Delivery Receipt Clearing TreeHead Error
    Challenge Response Enrollment Bundle Offer Status     KINDS = {"tender": Tender, ...}

    t = Tender(market="m1", party=pid, seq=7, interval=1700000100, side="buy",
               curve=((300_000, 500), (200_000, 1000)), expiry=1700000040)
    t.to_payload() -> dict            Tender.from_payload(dict) -> Tender  (or from_payload(dict))

Bytes::

    encode(msg) -> payload bytes      decode(payload bytes) -> Message   (strict, deterministic)
    sign(msg, private_key, kid) -> COSE_Sign1 bytes   (private_key: cryptography Ed25519PrivateKey)
    verify(data, public_key, kind=None) -> Message     (public_key: 32 bytes or Ed25519PublicKey)
    read(data) -> Signed   (parsed, NOT verified: .kid / .signer / .message / .hash / .envelope;
                            then signed.verify(public_key) -> Message once you know the key)
    message_hash(cose bytes) -> 32-byte SHA-256 (how messages refer to each other)
    party_id(public key) -> "p" + 16 hex digits     public_key_bytes(key) -> 32 bytes
    topic(market, kind, party=None) -> "mm/<market>/<kind>[/<party>]"; subscription(); parse_topic()
    codec.dumps / codec.loads: deterministic CBOR (RFC 8949 order) and its strict decoder
    cose.sign1 / cose.verify1 / cose.open1: the COSE_Sign1 layer on raw payload bytes

Errors: every refusal raises ProtocolError (a MicromarketError and a ValueError) with ``.code``,
the wire error code of ERROR_CODES (``.code_name``), and ``.reason``: DecodeError (malformed,
OversizeError), SignatureError, ValidationError (VersionError; unknown type has code 11).
"""

from dataclasses import dataclass

from . import codec, cose
from .codec import MAX_MESSAGE
from .cose import message_hash, party_id, public_key_bytes
from .errors import (ERROR_CODES, ERROR_NAMES, DecodeError, OversizeError, ProtocolError,
                     SignatureError, ValidationError, VersionError)
from .messages import (KINDS, VERSION, Award, Bundle, Challenge, Clearing, Context, Delivery,
                       Enrollment, Error, Message, Offer, Position, Receipt, Response, Status,
                       Tender, TreeHead, from_payload)
from .topics import chunk_topic, parse_topic, subscription, topic

__all__ = [
    "MAX_MESSAGE", "VERSION", "KINDS", "ERROR_CODES", "ERROR_NAMES",
    "ProtocolError", "DecodeError", "OversizeError", "SignatureError", "ValidationError",
    "VersionError",
    "Message", "Context", "Tender", "Position", "Award", "Delivery", "Receipt", "Clearing",
    "TreeHead", "Error", "Challenge", "Response", "Enrollment", "Bundle", "Offer", "Status",
    "encode", "decode", "sign", "verify", "read", "Signed", "from_payload",
    "message_hash", "party_id", "public_key_bytes", "topic", "subscription", "parse_topic",
    "chunk_topic",
    "codec", "cose",
]


def encode(message: Message) -> bytes:
    """The deterministic CBOR payload of ``message``."""
    return codec.dumps(message.to_payload())


def decode(payload: bytes) -> Message:
    """Strictly decode and validate payload bytes into their message class."""
    return from_payload(codec.loads(payload))


def sign(message: Message, private_key, kid) -> bytes:
    """COSE_Sign1 bytes of ``message`` signed by ``private_key`` with ``kid`` (str or bytes)."""
    return cose.sign1(private_key, encode(message), kid)


def _expect(message: Message, kind) -> Message:
    if kind is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        names = tuple(k if isinstance(k, str) else k.KIND for k in kinds)
        if message.KIND not in names:
            raise ValidationError(f"expected a {' or '.join(names)} message, got {message.KIND}",
                                  code=ERROR_CODES["wrong-type"])
    return message


@dataclass(frozen=True)
class Signed:
    """A parsed COSE_Sign1 with its decoded message; ``verify`` before trusting it."""

    envelope: cose.Envelope
    message: Message

    @property
    def kid(self) -> bytes:
        return self.envelope.kid

    @property
    def signer(self) -> str:
        return self.envelope.signer

    @property
    def hash(self) -> bytes:
        return self.envelope.hash

    @property
    def raw(self) -> bytes:
        return self.envelope.raw

    def verify(self, public_key, kind=None) -> Message:
        """Check the signature with ``public_key`` (and the kind); return the message."""
        self.envelope.verify(public_key)
        return _expect(self.message, kind)


def read(data) -> Signed:
    """Parse and validate COSE_Sign1 bytes WITHOUT checking the signature (to find the key)."""
    envelope = cose.open1(data)
    return Signed(envelope, decode(envelope.payload))


def verify(data, public_key, kind=None) -> Message:
    """Parse, verify with ``public_key`` and validate; ``kind`` (class, name or tuple) if given."""
    envelope = cose.open1(data)
    envelope.verify(public_key)
    return _expect(decode(envelope.payload), kind)

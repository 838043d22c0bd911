"""Errors of the protocol layer, each carrying the wire error code the market answers with."""

from ..errors import MicromarketError

# Wire error codes (protocol/README.md, "Error codes"). The market puts them in signed Error
# messages; ProtocolError subclasses carry the one that fits, so a refusal maps to its code.
ERROR_CODES = {
    "malformed": 1,        # not CBOR / not a COSE_Sign1 / not deterministic
    "signature": 2,        # bad signature, wrong algorithm, wrong or unknown kid
    "unknown-party": 3,    # not enrolled, or enrollment expired
    "replay": 4,           # sequence number not above the last accepted one
    "interval-closed": 5,  # the interval has started or passed
    "interval-future": 6,  # the interval is too far ahead
    "gate-closed": 7,      # received after gate closure
    "out-of-bounds": 8,    # price or quantity outside the context's bounds
    "oversized": 9,        # message larger than MAX_MESSAGE
    "wrong-market": 10,    # market id is not this market's
    "wrong-type": 11,      # a kind this topic or receiver does not take
    "expired": 12,         # tender or credential past its expiry
    "version": 13,         # unsupported protocol version
    "invalid": 14,         # a field is missing, unknown or of the wrong type or range
    "busy": 15,            # the receiver is overloaded; retry later
    "internal": 16,        # the receiver failed; not the sender's fault
}
ERROR_NAMES = {code: name for name, code in ERROR_CODES.items()}


class ProtocolError(MicromarketError, ValueError):
    """A message could not be accepted. ``code`` is its wire error code, ``reason`` the text."""

    code = ERROR_CODES["invalid"]

    def __init__(self, reason: str, hint: str = "", *, code: int | None = None) -> None:
        super().__init__(reason, hint or "check the sender against protocol/README.md")
        self.reason = reason
        if code is not None:
            self.code = code

    @property
    def code_name(self) -> str:
        return ERROR_NAMES.get(self.code, "invalid")


class DecodeError(ProtocolError):
    """The bytes are not a well-formed, deterministic CBOR / COSE_Sign1 message."""

    code = ERROR_CODES["malformed"]


class SignatureError(ProtocolError):
    """The signature does not verify, or the envelope names an algorithm other than EdDSA."""

    code = ERROR_CODES["signature"]


class ValidationError(ProtocolError):
    """A payload field is missing, unknown, or of the wrong type or range."""

    code = ERROR_CODES["invalid"]


class VersionError(ValidationError):
    """The payload's version is not one this code speaks."""

    code = ERROR_CODES["version"]


class OversizeError(DecodeError):
    """The message is larger than MAX_MESSAGE bytes."""

    code = ERROR_CODES["oversized"]

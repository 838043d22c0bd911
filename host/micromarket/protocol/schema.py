"""Validate bytes against protocol/micromarket.cddl with a real CDDL validator (pycddl).

pycddl takes the first rule as the root and mishandles ``.cbor`` inside arrays, so the envelope,
its protected header and its payload are each checked against their own root rule. pycddl is a
test dependency; importing this module without it raises a clear error.
"""

from functools import lru_cache

import cbor2

from ..errors import MicromarketError
from ..paths import PROTOCOL_DIR
from .errors import ValidationError

CDDL_PATH = PROTOCOL_DIR / "micromarket.cddl"


@lru_cache(maxsize=None)
def _schema(root: str):
    try:
        import pycddl
    except ImportError as exc:
        raise MicromarketError("pycddl is not installed", "run `make setup`") from exc
    return pycddl.Schema(f"micromarket-root = {root}\n" + CDDL_PATH.read_text())


def validate(root: str, data: bytes) -> None:
    """Check CBOR ``data`` against CDDL rule ``root``; raise ValidationError with the validator's words."""
    try:
        _schema(root).validate_cbor(bytes(data))
    except Exception as exc:  # pycddl.ValidationError, or a panic surfacing from the Rust side
        raise ValidationError(f"does not match CDDL rule {root}: {exc}") from None


def validate_payload(payload: bytes) -> None:
    validate("payload", payload)


def validate_message(data: bytes) -> None:
    """Check a whole COSE_Sign1 message: envelope, protected header and payload."""
    validate("micromarket-message", data)
    parts = cbor2.loads(data).value
    validate("protected-header", parts[0])
    validate("unprotected-header", cbor2.dumps(dict(parts[1])))
    validate("payload", parts[2])

"""CBOR diagnostic notation (RFC 8949 section 8) of protocol items, for vectors and the monitor.

With ``embedded=True`` the byte strings of a COSE_Sign1 that hold CBOR (protected header and
payload) are shown decoded between ``<<`` and ``>>`` (RFC 8610 appendix G.3).
"""

import json

import cbor2

from . import codec


def diag(obj, embedded: bool = False) -> str:
    if isinstance(obj, cbor2.CBORTag):
        value = obj.value
        if embedded and obj.tag == codec.COSE_SIGN1_TAG and isinstance(value, list) \
                and len(value) == 4:
            parts = [_embedded(value[0]), diag(value[1]), _embedded(value[2]), diag(value[3])]
            return f"{obj.tag}([{', '.join(parts)}])"
        return f"{obj.tag}({diag(value, embedded)})"
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, (bytes, bytearray)):
        return f"h'{bytes(obj).hex()}'"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(diag(v, embedded) for v in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{diag(k)}: {diag(v, embedded)}" for k, v in obj.items()) + "}"
    raise TypeError(f"no diagnostic notation for {type(obj).__name__}")


def _embedded(raw: bytes) -> str:
    try:
        return f"<<{diag(codec.loads(raw))}>>"
    except ValueError:
        return diag(raw)


def diag_bytes(data: bytes, embedded: bool = True) -> str:
    """Diagnostic notation of encoded CBOR bytes (strictly decoded)."""
    return diag(codec.loads(data), embedded)

"""Deterministic CBOR for the wire (RFC 8949 section 4.2.1) on top of cbor2, and a strict decoder.

``dumps`` sorts map keys by their encoded bytes (the RFC 8949 order; cbor2's ``canonical=True``
sorts shorter keys first, the older RFC 7049 order) and refuses floats and other types the
protocol does not carry. ``loads`` refuses anything that ``dumps`` would not have produced
byte for byte: non-shortest heads, indefinite lengths, duplicate or unsorted keys, trailing
bytes, foreign tags, deep nesting, more than MAX_ITEMS items, map keys other than integers of a
CBOR head or text, invalid UTF-8, oversized input. It accepts exactly the bytes the device's
decoder (firmware/lib/wire.py) accepts; tests/firmware/test_codec_differential.py holds them
against each other.
"""

from collections.abc import Mapping

import cbor2

from .errors import DecodeError, OversizeError

MAX_MESSAGE = 8192   # bytes; the largest message (a bundle manifest of 64 files) fits well
MAX_DEPTH = 16       # nesting of arrays and maps (and the COSE tag)
MAX_ITEMS = 1024     # array items plus map pairs, summed over the whole message
COSE_SIGN1_TAG = 18

_INT_MIN = -(1 << 64)
_INT_MAX = (1 << 64) - 1


def dumps(obj) -> bytes:
    """Encode ``obj`` (int, str, bytes, bool, None, list/tuple, dict, CBORTag) deterministically."""
    try:
        return cbor2.dumps(_ordered(obj, 0))
    except cbor2.CBORError as exc:
        raise DecodeError(f"cannot encode: {exc}") from exc


def _ordered(obj, depth: int, count=None):
    """A copy of ``obj`` whose maps iterate in RFC 8949 key order; refuses foreign types.
    ``count`` ([items left]) counts array items and map pairs against MAX_ITEMS."""
    if depth > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH}")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        if not _INT_MIN <= obj <= _INT_MAX:
            raise DecodeError(f"integer {obj} does not fit a CBOR head")
        return obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, (list, tuple, Mapping)) and count is not None:
        count[0] -= len(obj)
        if count[0] < 0:
            raise DecodeError(f"more than {MAX_ITEMS} items")
    if isinstance(obj, (list, tuple)):
        return [_ordered(item, depth + 1, count) for item in obj]
    if isinstance(obj, Mapping):  # cbor2 decodes maps inside tags as frozendict
        items = []
        for key, value in obj.items():
            # an integer key must fit a CBOR head: a bignum (tag 2 or 3) is not an integer here
            if isinstance(key, bool) or not isinstance(key, (int, str)) or \
                    isinstance(key, int) and not _INT_MIN <= key <= _INT_MAX:
                raise DecodeError(f"map key {key!r}: only integer and text keys are allowed")
            items.append((cbor2.dumps(key), key, _ordered(value, depth + 1, count)))
        items.sort(key=lambda item: item[0])
        return {key: value for _, key, value in items}
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise DecodeError(f"tag {obj.tag} is not used on the wire (only 18, COSE_Sign1)")
        return cbor2.CBORTag(obj.tag, _ordered(obj.value, depth + 1, count))
    raise DecodeError(f"{type(obj).__name__} is not carried on the wire (integers only, no floats)")


def loads(data, *, limit: int = MAX_MESSAGE):
    """Decode one deterministic CBOR item, refusing anything ``dumps`` would not produce.

    Raises DecodeError (OversizeError past ``limit`` bytes) naming the fault.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > limit:
        raise OversizeError(f"message of {len(data)} bytes exceeds the limit of {limit}")
    if not data:
        raise DecodeError("empty input")
    try:
        obj = cbor2.loads(data, max_depth=MAX_DEPTH, allow_indefinite=False,
                          allow_duplicate_keys=False)
    except Exception as exc:  # cbor2 and its semantic decoders raise many types on hostile input
        raise DecodeError(f"not well-formed CBOR: {exc}") from None
    try:
        plain = _ordered(obj, 0, [MAX_ITEMS])
        again = cbor2.dumps(plain)
    except DecodeError as exc:
        raise DecodeError(f"not protocol CBOR: {exc.reason}") from None
    except Exception as exc:  # e.g. a cyclic structure built from shared-value tags
        raise DecodeError(f"not protocol CBOR: {type(exc).__name__}") from None
    if again != data:
        raise DecodeError("not deterministic CBOR (RFC 8949 4.2.1): non-shortest head, "
                          "unsorted keys, foreign tag or trailing bytes")
    return plain

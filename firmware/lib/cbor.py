# Deterministic CBOR (RFC 8949 section 4.2.1) for the micromarket wire protocol.
#
# dumps(obj) -> bytes: shortest heads, definite lengths, map keys sorted by their encoded bytes.
# loads(data) -> obj: a strict decoder of the subset the protocol uses (integers, byte and text
# strings, arrays, maps with integer or text keys, false/true/null, tag 18). It refuses what
# dumps would not have produced (trailing bytes, indefinite lengths, non-shortest heads,
# duplicate or unsorted keys, floats), nesting deeper than _MAX_DEPTH, more than _MAX_ITEMS
# items and lengths beyond the input, raising CBORError that names the fault and its offset.
# Memory stays bounded by the input size (at most `limit` bytes) and the item cap.

from micropython import const

_MAX_DEPTH = const(16)
_MAX_ITEMS = const(1024)
MAX_INPUT = const(8192)
_TAG_COSE_SIGN1 = const(18)


class CBORError(ValueError):
    pass


class Tag:
    """A tagged item; the protocol uses only tag 18 (COSE_Sign1)."""

    def __init__(self, tag, value):
        self.tag = tag
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Tag) and self.tag == other.tag and self.value == other.value

    def __repr__(self):
        return "Tag(%d, %r)" % (self.tag, self.value)


# ---------------------------------------------------------------------------- encoder

def _head(out, major, n):
    mt = major << 5
    if n < 24:
        out.append(mt | n)
    elif n < 0x100:
        out.append(mt | 24)
        out.append(n)
    elif n < 0x10000:
        out.append(mt | 25)
        out.extend(n.to_bytes(2, "big"))
    elif n >> 32 == 0:
        out.append(mt | 26)
        out.extend(n.to_bytes(4, "big"))
    elif n >> 64 == 0:
        out.append(mt | 27)
        out.extend(n.to_bytes(8, "big"))
    else:
        raise CBORError("cbor: integer does not fit in 64 bits")


def _enc(out, obj, depth):
    if depth > _MAX_DEPTH:
        raise CBORError("cbor: nesting deeper than %d" % _MAX_DEPTH)
    if obj is None:
        out.append(0xF6)
    elif obj is True:
        out.append(0xF5)
    elif obj is False:
        out.append(0xF4)
    elif isinstance(obj, int):
        if obj >= 0:
            _head(out, 0, obj)
        else:
            _head(out, 1, -1 - obj)
    elif isinstance(obj, str):
        raw = obj.encode()
        _head(out, 3, len(raw))
        out.extend(raw)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        _head(out, 2, len(obj))
        out.extend(obj)
    elif isinstance(obj, (list, tuple)):
        _head(out, 4, len(obj))
        for item in obj:
            _enc(out, item, depth + 1)
    elif isinstance(obj, dict):
        pairs = []
        for key, value in obj.items():
            if key is True or key is False or not isinstance(key, (int, str)):
                raise CBORError("cbor: map keys must be integers or text")
            kb = bytearray()
            _enc(kb, key, depth + 1)
            pairs.append((bytes(kb), value))
        pairs.sort(key=_first)
        _head(out, 5, len(pairs))
        for kb, value in pairs:
            out.extend(kb)
            _enc(out, value, depth + 1)
    elif isinstance(obj, Tag):
        _head(out, 6, obj.tag)
        _enc(out, obj.value, depth + 1)
    else:
        raise CBORError("cbor: cannot encode %s (integers only, no floats)" % type(obj).__name__)


def _first(pair):
    return pair[0]


def dumps(obj):
    out = bytearray()
    _enc(out, obj, 0)
    return bytes(out)


# ---------------------------------------------------------------------------- decoder

class _Decoder:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.items = 0

    def fail(self, what, at=None):
        raise CBORError("cbor: %s at byte %d" % (what, self.pos if at is None else at))

    def take(self, n):
        # n bytes from the input, refusing lengths that run past its end before allocating
        start = self.pos
        if n > len(self.data) - start:
            self.fail("length %d beyond the input" % n, start)
        self.pos = start + n
        return self.data[start:start + n]

    def head(self):
        # (major, argument, additional info) with the shortest-form rule enforced
        start = self.pos
        if start >= len(self.data):
            self.fail("unexpected end of input")
        ib = self.data[start]
        self.pos = start + 1
        major = ib >> 5
        ai = ib & 0x1F
        if ai < 24:
            return major, ai, ai
        if ai == 31:
            self.fail("indefinite length", start)
        if ai > 27:
            self.fail("reserved additional information %d" % ai, start)
        if major == 7:
            return major, 0, ai  # simple values and floats: refused by the caller
        size = 1 << (ai - 24)
        n = int.from_bytes(self.take(size), "big")
        if n < (24 if size == 1 else 1 << (4 * size)):
            self.fail("non-shortest head", start)
        return major, n, ai

    def count(self, n, per_item):
        # every item takes at least one byte: refuse counts the rest of the input cannot hold
        if n * per_item > len(self.data) - self.pos:
            self.fail("length %d beyond the input" % n)
        self.items += n
        if self.items > _MAX_ITEMS:
            self.fail("more than %d items" % _MAX_ITEMS)

    def item(self, depth):
        if depth > _MAX_DEPTH:
            self.fail("nesting deeper than %d" % _MAX_DEPTH)
        start = self.pos
        major, n, ai = self.head()
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major == 2:
            return bytes(self.take(n))
        if major == 3:
            raw = self.take(n)
            try:
                return str(raw, "utf-8")
            except UnicodeError:
                self.fail("invalid utf-8 in text", start)
        if major == 4:
            self.count(n, 1)
            return [self.item(depth + 1) for _ in range(n)]
        if major == 5:
            return self.map(n, depth)
        if major == 6:
            if n != _TAG_COSE_SIGN1:
                self.fail("unsupported tag %d" % n, start)
            return Tag(n, self.item(depth + 1))
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai == 22:
            return None
        if ai >= 25:
            self.fail("floating-point number (not allowed on the wire)", start)
        self.fail("unsupported simple value", start)

    def map(self, n, depth):
        self.count(n, 2)
        out = {}
        data = self.data
        prev_start = prev_end = 0
        for i in range(n):
            kstart = self.pos
            key = self.item(depth + 1)
            kend = self.pos
            if not isinstance(key, (int, str)) or key is True or key is False:
                self.fail("map key must be an integer or text", kstart)
            if i:
                order = _compare(data, prev_start, prev_end, kstart, kend)
                if order == 0:
                    self.fail("duplicate map key", kstart)
                if order > 0:
                    self.fail("map keys out of order", kstart)
            prev_start, prev_end = kstart, kend
            out[key] = self.item(depth + 1)
        return out


def _compare(data, a, a_end, b, b_end):
    # bytewise comparison of two encoded keys in place (RFC 8949 4.2.1 order)
    while a < a_end and b < b_end:
        d = data[a] - data[b]
        if d:
            return d
        a += 1
        b += 1
    return (a_end - a) - (b_end - b)


def loads(data, limit=MAX_INPUT):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CBORError("cbor: expected bytes")
    if len(data) > limit:
        raise CBORError("cbor: input of %d bytes exceeds the limit of %d" % (len(data), limit))
    dec = _Decoder(memoryview(data))
    obj = dec.item(0)
    if dec.pos != len(data):
        dec.fail("trailing bytes")
    return obj

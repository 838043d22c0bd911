# The wire protocol of the device in one module: deterministic CBOR, COSE_Sign1 with Ed25519 and
# the agent's messages. One module and one error class because every module, class, function and
# message string costs heap on the device; cbor.py and cose.py re-export the codec and the COSE
# parts under their own names (for identity, update, seriallink and the tests).
#
# CBOR (RFC 8949 section 4.2.1): dumps(obj) -> bytes with shortest heads, definite lengths, map
# keys sorted by their encoded bytes. loads(data) -> obj: a strict decoder of the subset the
# protocol uses (integers, byte and text strings, arrays, maps with integer or text keys,
# false/true/null, tag 18). It refuses what dumps would not have produced (trailing bytes,
# indefinite lengths, non-shortest heads, duplicate or unsorted keys, floats), nesting deeper
# than _MAX_DEPTH, more than `items` items (array items plus map pairs; 1024 by default), text
# that is not strict UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
# U+10FFFF), map keys other than integers and text, and lengths beyond the input, naming the
# fault and its offset. Memory stays bounded by the input size (at most `limit` bytes) and the
# item cap: counts are checked before anything is allocated for them. The host's decoder
# (micromarket.protocol.codec) accepts exactly the same bytes.
#
# COSE_Sign1 (RFC 9052), as the host's micromarket.protocol makes it:
#     18([ h'a10127', {4: kid}, payload, signature ])
# The protected header is always {1: -8} (alg EdDSA); the kid (who signed) sits in the
# unprotected header, alone (any other label would give a genuine message another hash). The signature covers ["Signature1", protected, h'', payload], built in one
# place (_sig_structure) from the protected bytes exactly as received.
#
# Messages (protocol/micromarket.cddl, protocol/README.md): check_*(market_key, market_id, data)
# verify the COSE_Sign1 with the market key pinned at enrollment and return the payload dict, or
# raise WireError naming the fault: the agent never acts on a message that fails here. They
# decode with limits sized for what the market sends (_MAX_IN bytes, _ITEMS_IN items: all small
# maps), so junk on the broker is refused before it can take the heap.
# tender() and delivery() build the signed messages the agent sends.
import hashlib
from binascii import hexlify

from micropython import const

_MAX_DEPTH = const(16)
_MAX_ITEMS = const(1024)
MAX_INPUT = const(8192)
_V = const(1)
_MAX_IN = const(2048)  # nothing the market sends a device is larger
_ITEMS_IN = const(256)  # ... or holds more items (a context at most ~230: 5 in its envelope,
# 13 pairs, 24 tariff steps of 3, 96 forecast prices, 8 products)
_MAX_KID = const(32)
_PROTECTED_EDDSA = b"\xa1\x01\x27"
_BYTES = (bytes, memoryview)


class WireError(ValueError):
    pass


CBORError = COSEError = WireError  # the names the codec's and COSE's callers catch


class Tag:
    """A tagged item; the protocol uses only tag 18 (COSE_Sign1)."""

    def __init__(self, tag, value):
        self.tag = tag
        self.value = value


# ---------------------------------------------------------------------------- CBOR encoder

def _head(out, major, n):
    if n < 24:
        out.append(major << 5 | n)
        return
    ai = 24  # 1, 2, 4 or 8 bytes of argument
    while n >> (8 << (ai - 24)):
        ai += 1
        if ai > 27:
            raise WireError("cbor: integer does not fit in 64 bits")
    out.append(major << 5 | ai)
    out.extend(n.to_bytes(1 << (ai - 24), "big"))


def _enc(out, obj, depth):
    if depth > _MAX_DEPTH:
        raise WireError("cbor: nesting deeper than %d" % _MAX_DEPTH)
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
                raise WireError("cbor: cannot encode a map key %s" % type(key).__name__)
            kb = bytearray()
            _enc(kb, key, depth + 1)
            pairs.append((bytes(kb), value))
        pairs.sort(key=lambda pair: pair[0])  # distinct keys: their encodings differ
        _head(out, 5, len(pairs))
        for kb, value in pairs:
            out.extend(kb)
            _enc(out, value, depth + 1)
    elif isinstance(obj, Tag):
        _head(out, 6, obj.tag)
        _enc(out, obj.value, depth + 1)
    else:
        raise WireError("cbor: cannot encode %s (integers only, no floats)" % type(obj).__name__)


def dumps(obj):
    out = bytearray()
    _enc(out, obj, 0)
    return bytes(out)


# ---------------------------------------------------------------------------- CBOR decoder
# The decoder's state is a list d = [input memoryview, position, items so far].

def _fail(what, at):
    raise WireError("cbor: %s at byte %d" % (what, at))


def _take(d, n):
    """n bytes from the input, refusing lengths that run past its end before allocating."""
    start = d[1]
    if n > len(d[0]) - start:
        _fail("length %d beyond the input" % n, start)
    d[1] = start + n
    return d[0][start:start + n]


def _count(d, n, per_item):
    # every item takes at least one byte: refuse counts the rest of the input cannot hold
    if n * per_item > len(d[0]) - d[1]:
        _fail("length %d beyond the input" % n, d[1])
    d[2] += n
    if d[2] > d[3]:
        _fail("more than %d items" % d[3], d[1])


def _utf8(raw):
    """Whether ``raw`` is UTF-8 in the forms RFC 3629 allows: shortest, no surrogates
    (U+D800..DFFF), nothing above U+10FFFF."""
    k = 0  # continuation bytes still due
    for i, c in enumerate(raw):
        if k:
            if c & 0xC0 != 0x80:
                return False
            k -= 1
        elif c > 0x7F:
            k = (c > 0xC1) + (c > 0xDF) + (c > 0xEF) if c < 0xF5 else 0
            # the second byte's range rules out overlong forms, surrogates and > U+10FFFF
            if not k or i + 1 < len(raw) and not \
                    (0xA0 if c == 0xE0 else 0x90 if c == 0xF0 else 0x80) <= raw[i + 1] <= \
                    (0x9F if c == 0xED else 0x8F if c == 0xF4 else 0xBF):
                return False
    return not k


def _item(d, depth):
    data, start = d[0], d[1]
    if depth > _MAX_DEPTH:
        _fail("nesting deeper than %d" % _MAX_DEPTH, start)
    if start >= len(data):
        _fail("unexpected end of input", start)
    ib = data[start]
    d[1] = start + 1
    major = ib >> 5
    n = ai = ib & 0x1F
    if ai == 31:
        _fail("indefinite length", start)
    if ai > 27:
        _fail("reserved additional information %d" % ai, start)
    if ai > 23 and major != 7:  # the argument follows, in its shortest form
        size = 1 << (ai - 24)
        n = int.from_bytes(_take(d, size), "big")
        if n < (24 if size == 1 else 1 << (4 * size)):
            _fail("non-shortest head", start)
    if major == 0:
        return n
    if major == 1:
        return -1 - n
    if major == 2:
        return _take(d, n) if d[4] else bytes(_take(d, n))
    if major == 3:
        raw = _take(d, n)
        try:
            text = str(raw, "utf-8")
        except UnicodeError:
            text = None
        if text is None or len(text) != n and not _utf8(raw):
            _fail("invalid utf-8 in text", start)
        return text
    if major == 4:
        _count(d, n, 1)
        out = [None] * n  # one block of its final size: a list grown item by item leaves the
        for i in range(n):  # smaller ones it outgrew behind, and ends larger (a 96-price
            out[i] = _item(d, depth + 1)  # forecast: 1 KB, where 0.8 KB do)
        return out
    if major == 5:
        _count(d, n, 2)
        out = {}
        prev = prev_end = 0
        for i in range(n):
            k = d[1]
            key = _item(d, depth + 1)
            k_end = d[1]
            if not isinstance(key, (int, str)) or key is True or key is False:
                _fail("map key must be an integer or text", k)
            if i:  # bytewise order of the encoded keys (RFC 8949 4.2.1), compared in place
                a, b = prev, k
                while a < prev_end and b < k_end and data[a] == data[b]:
                    a += 1
                    b += 1
                if a < prev_end and b < k_end:
                    order = data[a] - data[b]
                else:
                    order = (prev_end - a) - (k_end - b)
                if order == 0:
                    _fail("duplicate map key", k)
                if order > 0:
                    _fail("map keys out of order", k)
            prev, prev_end = k, k_end
            out[key] = _item(d, depth + 1)
        return out
    if major == 6:
        if n != 18:
            _fail("unsupported tag %d" % n, start)
        return Tag(n, _item(d, depth + 1))
    if 20 <= ai <= 22:
        return (False, True, None)[ai - 20]
    if ai >= 25:
        _fail("floating-point number (not allowed on the wire)", start)
    _fail("unsupported simple value", start)


def loads(data, limit=MAX_INPUT, items=_MAX_ITEMS, views=False):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise WireError("cbor: expected bytes")
    if len(data) > limit:
        raise WireError("cbor: input of %d bytes exceeds the limit of %d" % (len(data), limit))
    d = [memoryview(data), 0, 0, items, views]  # views: byte strings as views into data
    obj = _item(d, 0)
    if d[1] != len(data):
        _fail("trailing bytes", d[1])
    return obj


# ---------------------------------------------------------------------------- COSE_Sign1

def _sig_structure(protected, payload):
    """The Sig_structure as (head, payload): ed25519 hashes the parts in turn, so the payload
    is never copied into one message."""
    head = bytearray(b"\x84\x6aSignature1")
    _head(head, 2, len(protected))
    head.extend(protected)
    head.append(0x40)
    _head(head, 2, len(payload))
    return head, payload


def sign1(signing_key, payload, kid):
    """Sign payload (CBOR bytes, or an object to encode) with an ed25519.SigningKey; kid str or
    bytes."""
    if not isinstance(payload, (bytes, bytearray)):
        payload = dumps(payload)
    if isinstance(kid, str):
        kid = kid.encode()
    if not 1 <= len(kid) <= _MAX_KID:
        raise WireError("cose: kid must be 1..%d bytes" % _MAX_KID)
    sig = signing_key.sign(_sig_structure(_PROTECTED_EDDSA, payload))
    return dumps(Tag(18, [_PROTECTED_EDDSA, {4: bytes(kid)}, payload, sig]))  # no copy of it


def open1(data, items=_MAX_ITEMS, views=False):
    """Parse a COSE_Sign1 strictly without verifying it; (protected, kid, payload, signature).
    ``items``: the most items the envelope may hold (it has 5); ``views``: the parts as views
    into ``data``, valid as long as it is (no copy of the payload: a context is 0.7 KB)."""
    try:
        item = loads(data, MAX_INPUT, items, views)
    except WireError as exc:
        raise WireError("cose: malformed: %s" % exc)
    parts = item.value if isinstance(item, Tag) else None
    if not isinstance(parts, list) or len(parts) != 4:
        raise WireError("cose: not a tagged COSE_Sign1 of 4 items")
    protected, unprotected, payload, sig = parts
    try:
        header = loads(protected)
    except WireError as exc:
        raise WireError("cose: protected header malformed: %s" % exc)
    if not isinstance(header, dict) or len(header) != 1 or header.get(1) != -8:
        raise WireError("cose: protected header must be exactly {1: -8} (EdDSA)")
    kid = unprotected.get(4) if isinstance(unprotected, dict) else None
    if not isinstance(kid, _BYTES) or not 1 <= len(kid) <= _MAX_KID:
        raise WireError("cose: unprotected header needs a kid of 1..%d bytes" % _MAX_KID)
    if len(unprotected) != 1:  # not signed but hashed: another label, another hash
        raise WireError("cose: unprotected header carries more than the kid")
    if not isinstance(payload, _BYTES) or not isinstance(sig, _BYTES) or len(sig) != 64:
        raise WireError("cose: payload must be bytes, the signature 64 bytes")
    return protected, kid, payload, sig


def verify1(public_key, data, parts=None):
    """Verify data with the 32-byte public_key; the payload bytes, or WireError. ``parts`` is
    open1(data) when the caller has it already."""
    import ed25519  # imported on first use: signing-only callers never load the verifier

    protected, kid, payload, sig = parts or open1(data)
    if not ed25519.verify(public_key, _sig_structure(protected, payload), sig):
        raise WireError("cose: signature of %r does not verify" % kid)
    return payload


def kid(data):
    """The kid of a COSE_Sign1, as text, without verifying it."""
    try:
        return str(open1(data)[1], "utf-8")
    except UnicodeError:
        raise WireError("cose: kid is not utf-8 text")


def message_hash(data):
    return hashlib.sha256(data).digest()


def party_id(public_key):
    """"p" + 16 hex digits of the SHA-256 of the public key."""
    return "p" + hexlify(hashlib.sha256(public_key).digest()[:8]).decode()


# ---------------------------------------------------------------------------- messages

def topic(market, kind, party=None):
    return "mm/%s/%s/%s" % (market, kind, party) if party else "mm/%s/%s" % (market, kind)


def check(market_key, market_id, data, kind, ints=()):
    """The payload of a market-signed message of ``kind`` whose fields ``ints`` are unsigned
    integers; WireError naming the fault otherwise."""
    try:
        if len(data) > _MAX_IN:
            raise WireError("%d bytes is too large" % len(data))
        parts = open1(data, _ITEMS_IN, True)
        if bytes(parts[1]) != market_id.encode():
            raise WireError("not signed by market " + market_id)
        msg = loads(verify1(market_key, data, parts), _MAX_IN, _ITEMS_IN)
        parts = None
        if not isinstance(msg, dict) or msg.get("type") != kind:
            raise WireError("not a %s message" % kind)
        if msg.get("v") != _V:
            raise WireError("version %r not spoken" % msg.get("v"))
        if msg.get("market") != market_id:
            raise WireError("for market %r" % msg.get("market"))
        for name in ints:
            v = msg.get(name)
            if not isinstance(v, int) or v < 0:
                raise WireError(name + " must be an unsigned integer")
    except ValueError as exc:
        raise WireError("%s: %s" % (kind, exc))
    return msg


def check_context(market_key, market_id, data):
    msg = check(market_key, market_id, data, "context",
                ("interval", "start", "gate", "floor", "cap", "qmax", "issued"))
    if msg.get("key") != market_key or not msg["interval"] or msg["floor"] > msg["cap"] or \
            msg["gate"] >= msg["interval"]:
        raise WireError("context: another market key, or inconsistent interval, gate or prices")
    # the shapes the personalities read (personalities.tariff_at, expected): [[at, feed-in,
    # retail], ...] from 0 s, and [from, slot, [price, ...]]; the ledger's head [size, root]
    t, f, h = msg.get("tariff"), msg.get("forecast"), msg["head"]
    try:  # anything not an integer where one belongs fails a comparison (TypeError)
        ok = t[0][0] == 0 and all(len(x) == 3 and x[0] >= 0 and 0 <= x[1] <= x[2] for x in t) \
            and len(f) == 3 and f[0] >= 0 and f[1] > 0 and all(p >= 0 for p in f[2]) \
            and (h is None or len(h) == 2 and h[0] >= 0 and len(h[1]) == 32 and type(h[1]) is bytes)
    except (TypeError, IndexError, KeyError):
        ok = False
    if not ok:
        raise WireError("context: malformed tariff, forecast or head")
    return msg


def check_award(market_key, market_id, data, party):
    msg = check(market_key, market_id, data, "award", ("interval", "price", "wh"))
    t = msg.get("tender")
    if msg.get("party") != party or msg.get("side") not in ("buy", "sell") or \
            not isinstance(t, bytes) or len(t) != 32:
        raise WireError("award: not for us, or bad side or tender hash")
    return msg


def tender(key, market, party, seq, interval, side, curve, expiry):
    """Signed tender bytes."""
    return sign1(key, {"type": "tender", "v": _V, "market": market, "party": party, "seq": seq,
                       "interval": interval, "side": side, "curve": curve, "expiry": expiry},
                 party)


def delivery(key, market, party, seq, interval, side, wh, counter, award_hash, head):
    """Signed delivery bytes (``award_hash`` None in island mode; ``head`` the [size, root] of
    the newest ledger tree head the device verified, or None)."""
    return sign1(key, {"type": "delivery", "v": _V, "market": market, "party": party, "seq": seq,
                       "interval": interval, "side": side, "wh": wh,
                       "counter": counter & 0xFFFFFFFF, "award": award_hash, "head": head},
                 party)


def status(key, market, party, board, version, update):
    """Signed status bytes: the app's ``version``, ``update`` [version, outcome, reason] or None."""
    return sign1(key, {"type": "status", "v": _V, "market": market, "party": party,
                       "board": board, "version": version, "update": update}, party)

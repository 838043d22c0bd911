"""Mutated protocol messages for the differential test of the host's and the device's decoders.

``mutations(seeds, count, seed)`` starts from valid messages and changes them the ways a decoder
can disagree on: a head's major type (types), a head's argument one up or down or in a longer
form (lengths), text made of UTF-8 at and beyond its limits, map keys that are bignums, floats,
booleans or byte strings, integers as bignums, counts at the item limit, nesting at the depth
limit, extra tags, then at times a stray byte on top (bytes). Deterministic for a given seed.
``edges()`` are the hand-made cases at each limit, the issue's among them.
"""

import random

# text contents: valid at the edges of each length class, and every kind of invalid form
_TEXT = [bytes.fromhex(h) for h in (
    "", "41", "7f", "c280", "dfbf", "e0a080", "e282ac", "ed9fbf", "ee8080", "efbfbf", "f0908080",
    "f48fbfbf",                                                           # valid, at the edges
    "c080", "c1bf", "e08080", "e09fbf", "f0808080", "f08fbfbf",           # overlong
    "eda080", "edbfbf", "eda0bdedb2a9",                                   # surrogates
    "f4908080", "f5808080", "f7bfbfbf", "f8888080", "fc84808080", "fe", "ff",  # above U+10FFFF
    "80", "bf", "c2", "e282", "f09f98", "c241", "e2ac82", "41c3",         # cut or misplaced
)]

# items that may not be map keys on the wire, and integers dressed as bignums (tags 2 and 3)
_BAD_KEYS = [bytes.fromhex(h) for h in (
    "c24901000000000000000000", "c34901000000000000000000", "c24101", "c240", "f4", "f5", "f6",
    "4100", "fa00000000", "f90000", "8100", "a0", "d2a0",
)]


def _head(major: int, n: int, size: int = 0) -> bytes:
    """A head; ``size`` forces 1, 2, 4 or 8 argument bytes (0: the shortest form)."""
    if not size:
        if n < 24:
            return bytes([major << 5 | n])
        size = 1 if n < 0x100 else 2 if n < 0x10000 else 4 if n < 1 << 32 else 8
    ai = {1: 24, 2: 25, 4: 26, 8: 27}[size]
    return bytes([major << 5 | ai]) + n.to_bytes(size, "big")


def walk(data: bytes) -> list[tuple]:
    """The heads of a valid, definite-length CBOR item: (offset, head length, major, argument,
    end of the item's own bytes, is a map key), in order."""
    out = []

    def item(pos: int, key: bool) -> int:
        ib = data[pos]
        major, ai = ib >> 5, ib & 31
        size = 1 << (ai - 24) if 24 <= ai <= 27 else 0
        n = int.from_bytes(data[pos + 1:pos + 1 + size], "big") if size else ai
        hl = 1 + size
        entry = [pos, hl, major, n, None, key]
        out.append(entry)
        p = pos + hl
        if major in (2, 3):
            p += n
        elif major == 4:
            for _ in range(n):
                p = item(p, False)
        elif major == 5:
            for _ in range(n):
                p = item(p, True)
                p = item(p, False)
        elif major == 6:
            p = item(p, False)
        entry[4] = p
        return p

    item(0, False)
    return [tuple(e) for e in out]


def _structural(rng: random.Random, data: bytes) -> bytes:
    heads = walk(data)
    pos, hl, major, n, end, key = rng.choice(heads)
    before, after = data[:pos], data[pos + hl:]
    op = rng.randrange(10)
    if op == 0:                                   # another major type, the same argument
        other = rng.choice([m for m in range(8) if m != major])
        return before + bytes([other << 5 | data[pos] & 31]) + data[pos + 1:]
    if op == 1 and major != 7:                    # the argument one up or one down
        return before + _head(major, max(0, n + rng.choice((-1, 1)))) + after
    if op == 2 and major != 7:                    # the same argument in a longer form
        sizes = [s for s in (1, 2, 4, 8) if s > hl - 1]
        return before + _head(major, n, rng.choice(sizes)) + after
    if op == 3:                                   # text of any UTF-8, valid or not
        texts = [h for h in heads if h[2] == 3] or [heads[0]]
        pos, hl, major, n, end, key = rng.choice(texts)
        body = b"".join(rng.choice(_TEXT) for _ in range(rng.randint(1, 3)))
        if rng.randrange(2):
            body = data[pos + hl:end][:rng.randint(0, 8)] + body
        return data[:pos] + _head(3, len(body)) + body + data[end:]
    if op == 4:                                   # a map key that is not an integer or text
        keys = [h for h in heads if h[5]] or [heads[0]]
        pos, hl, major, n, end, key = rng.choice(keys)
        return data[:pos] + rng.choice(_BAD_KEYS) + data[end:]
    if op == 5:                                   # an integer (or any item) as a bignum
        ints = [h for h in heads if h[2] in (0, 1)] or [heads[0]]
        pos, hl, major, n, end, key = rng.choice(ints)
        value = n + rng.choice((0, 0, 1 << 64))
        raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
        tag = 0xC3 if heads and data[pos] >> 5 == 1 else 0xC2
        return data[:pos] + bytes([tag]) + _head(2, len(raw)) + raw + data[end:]
    if op == 6:                                   # a count at the item limit, anywhere
        total = rng.choice((1023, 1024, 1025, 1026)) - sum(h[3] for h in heads if h[2] in (4, 5))
        total = max(total, 0)
        filler = _head(4, total) + bytes(total)
        return data[:pos] + filler + data[end:] if rng.randrange(2) else \
            _head(4, 2) + data + filler
    if op == 7:                                   # nesting at the depth limit, anywhere
        depth = rng.choice((14, 15, 16, 17))
        wrap = rng.choice((b"\x81", b"\xd2", b"\xa1\x00"))
        return data[:pos] + wrap * depth + data[pos:end] + data[end:]
    if op == 8:                                   # a tag in front of an item
        tag = rng.choice((b"\xd2", b"\xc0", b"\xc1", b"\xd8\x18", b"\xd9\xd9\xf7", b"\xd8\x1c",
                          b"\xd8\x1d\x00", b"\xc4", b"\xd8\x12"))
        return data[:pos] + tag + data[pos:]
    # items swapped with their neighbour: key order, duplicates, types in the wrong place
    later = [h for h in heads if h[0] >= end]
    if not later:
        return data[:pos] + data[pos:end] * 2 + data[end:]
    p2, _, _, _, e2, _ = rng.choice(later)
    return data[:pos] + data[p2:e2] + data[end:p2] + data[pos:end] + data[e2:]


def _bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    op = rng.randrange(4)
    if op == 0 and buf:
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    elif op == 1 and buf:
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif op == 2:
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = bytes([rng.randrange(256)])
    elif buf:
        del buf[rng.randrange(len(buf))]
    return bytes(buf)


def mutations(seeds: list[bytes], count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        data = rng.choice(seeds)
        for _ in range(rng.choice((1, 1, 1, 2))):
            try:
                data = _structural(rng, data)
            except (IndexError, ValueError):  # no longer walkable after a first change
                data = _bytes(rng, data)
        if i % 4 == 0:
            data = _bytes(rng, data)
        out.append(data)
    return out


def edges() -> list[bytes]:
    """The cases at each limit by hand, the issue's first."""
    hexes = [
        "62c080", "63eda080", "64f4908080",                    # overlong, surrogate, > U+10FFFF
        "990401" + "00" * 1025, "a1c24901000000000000000000",  # items, bignum key
        "990400" + "00" * 1024, "9903ff" + "00" * 1023,
        "82" + "9901ff" + "00" * 511 + "9901ff" + "00" * 511,  # 1024 in all
        "82" + "9901ff" + "00" * 511 + "990200" + "00" * 512,  # 1025 in all
        "b90400" + "".join(_head(0, i).hex() + "00" for i in range(1024)),  # 1024 pairs
        "b90401" + "".join(_head(0, i).hex() + "00" for i in range(1025)),  # 1025 pairs
        "81" * 16 + "00", "81" * 17 + "00", "d2" * 16 + "00", "d2" * 17 + "00",
        "a100" * 16 + "00", "a100" * 17 + "00",
        "a1c34901000000000000000000", "a1c24101", "c24901000000000000000000",
        "1bffffffffffffffff", "3bffffffffffffffff", "c249010000000000000000",
        "a13bffffffffffffffff00", "a11bffffffffffffffff00",
        "64f48fbfbf", "63efbfbf", "62c280", "63e0a080", "64f0908080", "62c1bf", "63e09fbf",
        "63edbfbf", "64f5808080", "61ff", "6180",
        "d28443a10127a104416140" + "5840" + "00" * 64,
        "d28443a10127a2044161182a0040" + "5840" + "00" * 64,  # an extra unprotected label
    ]
    return [bytes.fromhex(h) for h in hexes]


def envelopes(messages: list[bytes], count: int, seed: int) -> list[bytes]:
    """COSE_Sign1 envelopes rebuilt with one part changed: the unprotected header (extra labels,
    kids of every length and type), the protected header, the payload's type, the signature's
    length. Well-formed CBOR all, so they reach the COSE checks."""
    import cbor2

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        prot, unprot, payload, sig = cbor2.loads(rng.choice(messages)).value
        unprot = dict(unprot)
        part = rng.randrange(4)
        if part == 0:
            extra = rng.choice((1, 2, 3, 5, 6, 33, -1, 42, "x", 4))
            value = rng.choice((0, b"", "", b"\x00" * 8, None, [1]))
            if extra == 4:
                unprot = {4: rng.choice((b"", b"k" * 32, b"k" * 33, "kid", 7, b"a"))}
            elif rng.randrange(4):
                unprot[extra] = value
            else:
                unprot = {extra: value}
        elif part == 1:
            prot = rng.choice((b"", b"\xa1\x01\x27", b"\xa1\x01\x26", b"\xa2\x01\x27\x04\x41a",
                               b"\xa0", b"\x27", b"\xa1\x01\x38\x07"))
        elif part == 2:
            payload = rng.choice((payload, b"", None, payload.hex(), [payload]))
        else:
            sig = rng.choice((sig[:63], sig + b"\x00", sig, b"", sig.hex()))
        try:
            out.append(cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, payload, sig]),
                                   canonical=True))
        except (TypeError, ValueError):
            continue
    return out

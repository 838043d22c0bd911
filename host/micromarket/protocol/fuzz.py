"""Hostile inputs for decoders: random bytes and mutations of valid messages (deterministic).

Used by the codec robustness tests on both sides and by anyone testing a receiver's bad-input
path: ``inputs(seeds, count, seed=0)`` yields ``count`` byte strings.
"""

import random
from collections.abc import Iterator

# heads that claim huge or odd lengths, indefinite items, floats, tags and simple values
_NASTY_HEADS = [bytes.fromhex(h) for h in (
    "5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
    "5a7fffffff", "9a7fffffff", "ba7fffffff", "5f", "7f", "9f", "bf", "ff", "1c", "fb", "f97e00",
    "f7", "f8ff", "c1", "c2", "d818", "d9d9f7", "1800", "190001", "1a00000001", "6180", "62c328",
    "8181818181818181818181818181818181818181", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
)]


def _mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1) if buf else 0
        if op == 0 and buf:                       # flip a bit
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:                     # replace a byte
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif op == 2:                             # insert random bytes
            buf[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif op == 3 and buf:                     # delete a run
            del buf[pos:pos + rng.randint(1, 8)]
        elif op == 4:                             # truncate
            del buf[pos:]
        elif op == 5:                             # insert a nasty head
            buf[pos:pos] = rng.choice(_NASTY_HEADS)
        elif op == 6:                             # splice in part of another seed
            other = rng.choice(seeds)
            a = rng.randrange(len(other) + 1)
            buf[pos:pos] = other[a:a + rng.randint(1, 32)]
        else:                                     # duplicate a run (repeated keys, items)
            run = bytes(buf[pos:pos + rng.randint(1, 16)])
            buf[pos:pos] = run
    return bytes(buf)


def inputs(seeds: list[bytes], count: int, seed: int = 0) -> Iterator[bytes]:
    """``count`` inputs: a tenth pure random, the rest mutations of ``seeds`` (valid messages)."""
    rng = random.Random(seed)
    for i in range(count):
        if i % 10 == 0:
            yield rng.randbytes(rng.randint(0, 64))
        else:
            yield _mutate(rng, rng.choice(seeds), seeds)

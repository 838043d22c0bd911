"""10,000 random and mutated inputs to the host decoder: only ProtocolError, bounded memory."""

import tracemalloc

from micromarket import protocol as P
from micromarket.protocol import codec, fuzz, vectors

EXAMPLES = vectors.build()
SEEDS = [v.message for v in EXAMPLES] + [v.payload for v in EXAMPLES]
KEYS = {v.kid: v.public_key for v in EXAMPLES}
COUNT = 10_000


def test_hostile_inputs_raise_only_protocol_errors():
    outcomes = {"refused": 0, "accepted": 0}
    codes = set()
    tracemalloc.start()
    try:
        for data in fuzz.inputs(SEEDS, COUNT, seed=1):
            try:
                codec.loads(data)
                signed = P.read(data)
                signed.verify(KEYS.get(signed.signer, EXAMPLES[0].public_key))
                outcomes["accepted"] += 1
            except P.ProtocolError as exc:   # anything else fails the test with its traceback
                outcomes["refused"] += 1
                codes.add(exc.code)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(outcomes.values()) == COUNT
    assert outcomes["refused"] > COUNT * 0.9          # mutations almost never stay valid
    assert {1, 2, 14} <= codes                        # malformed, signature, invalid all seen
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes while decoding"


def test_mutations_that_still_decode_reencode_identically():
    for data in fuzz.inputs(SEEDS, 3000, seed=2):
        try:
            obj = codec.loads(data)
        except P.DecodeError:
            continue
        assert codec.dumps(obj) == data

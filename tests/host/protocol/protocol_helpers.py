"""Shared bits of the protocol tests: test keys, pycose bridging, one example of every kind."""

import cbor2
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from micromarket.protocol import vectors


def pycose_decode(data: bytes) -> Sign1Message:
    """pycose's Sign1Message from bytes.

    pycose 1.1 cannot unwrap the tag with cbor2 >= 6 (which decodes tagged arrays as tuples and
    maps as frozendicts), so the outer item is decoded here and the rest is pycose's own.
    """
    item = cbor2.loads(data)
    assert item.tag == 18
    prot, unprot, payload, sig = item.value
    return Sign1Message.from_cose_obj([prot, dict(unprot), payload, sig], True)


def pycose_key(seed: bytes | None = None, public: bytes | None = None) -> OKPKey:
    return OKPKey(crv=Ed25519, d=seed) if seed is not None else OKPKey(crv=Ed25519, x=public)


def seed_of(role: str) -> bytes:
    return bytes.fromhex(vectors.TEST_SEEDS[role])

"""firmware/lib/cose.py on the unix port against pycose and the host protocol layer."""

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from micromarket import protocol as P
from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR
from micromarket.protocol import vectors

BATCH = __file__.replace("test_cose.py", "upy_cose_batch.py")
EXAMPLES = vectors.build()
SEEDS = {role: bytes.fromhex(seed) for role, seed in vectors.TEST_SEEDS.items()}

pytestmark = pytest.mark.skipif(not (FIRMWARE_DIR / "lib" / "ed25519.py").exists(),
                                reason="firmware/lib/ed25519.py (crypto core) not in the tree yet")


def run_ops(tmp_path, ops: list[tuple]) -> list[str]:
    src = tmp_path / "ops.txt"
    src.write_text("".join(" ".join([op, *(a.hex() for a in args)]) + "\n" for op, *args in ops))
    # compiling the viper Ed25519 from source needs more than the board's 110K (a board
    # loads it precompiled); the COSE layer itself is what these tests are about
    out = upy.run_file(BATCH, str(src), heap="256K", timeout=300).splitlines()
    assert len(out) == len(ops)
    return out


def pycose_sign(payload: bytes, seed: bytes, kid: bytes) -> bytes:
    msg = Sign1Message(phdr={Algorithm: EdDSA}, uhdr={KID: kid}, payload=payload)
    msg.key = OKPKey(crv=Ed25519, d=seed)
    return msg.encode()


def pycose_verify(data: bytes, public: bytes) -> bool:
    item = cbor2.loads(data)  # pycose 1.1 cannot unwrap cbor2 6's immutable tag contents itself
    prot, unprot, payload, sig = item.value
    msg = Sign1Message.from_cose_obj([prot, dict(unprot), payload, sig], True)
    msg.key = OKPKey(crv=Ed25519, x=public)
    return msg.verify_signature()


def test_device_signs_every_vector_exactly_as_pycose_does(tmp_path):
    ops = [("sign", SEEDS[v.signer], v.kid.encode(), v.payload) for v in EXAMPLES]
    for vec, line in zip(EXAMPLES, run_ops(tmp_path, ops)):
        made = bytes.fromhex(line)
        assert made == vec.message == pycose_sign(vec.payload, SEEDS[vec.signer], vec.kid.encode())
        assert pycose_verify(made, vec.public_key)
        assert P.verify(made, vec.public_key).KIND == vec.kind


def test_rfc8032_test1_tender_signed_on_the_device_equals_pycose(tmp_path):
    vec = next(v for v in EXAMPLES if v.kind == "tender")
    assert vec.signer == "device" and vec.kid == "p21fe31dfa154a261"
    (line,) = run_ops(tmp_path, [("sign", SEEDS["device"], vec.kid.encode(), vec.payload)])
    assert bytes.fromhex(line) == pycose_sign(vec.payload, SEEDS["device"], vec.kid.encode())


def _tamper(data: bytes, index: int, value) -> bytes:
    parts = list(cbor2.loads(data).value)
    parts[1] = dict(parts[1])
    parts[index] = value
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def test_device_verifies_pycose_messages_and_refuses_faults(tmp_path):
    award = next(v for v in EXAMPLES if v.kind == "award")
    good = [(pycose_sign(v.payload, SEEDS[v.signer], b"pycose-" + v.signer.encode()), v)
            for v in EXAMPLES]
    bad = [
        (award.message[:-1], "malformed"),
        (award.message + b"\x00", "trailing bytes"),
        (cbor2.dumps([1, 2, 3, 4]), "not a tagged COSE_Sign1"),
        (_tamper(award.message, 0, cbor2.dumps({1: -7})), "EdDSA"),
        (_tamper(award.message, 0, cbor2.dumps({1: -8, 3: 0})), "EdDSA"),
        (_tamper(award.message, 0, b"\xa1\x01\x38\x07"), "non-shortest"),
        (_tamper(award.message, 1, {}), "kid"),
        (_tamper(award.message, 2, None), "payload"),
        (_tamper(award.message, 3, bytes(63)), "64 bytes"),
        (_tamper(award.message, 3, bytes(64)), "does not verify"),
        (_tamper(award.message, 2, award.payload[:-1] + bytes([award.payload[-1] ^ 1])),
         "does not verify"),
    ]
    ops = [("verify", v.public_key, data) for data, v in good]
    ops += [("verify", award.public_key, data) for data, _ in bad]
    ops += [("verify", SEEDS["market"], award.message)]           # wrong key (a seed, not pk)
    results = run_ops(tmp_path, ops)
    for (data, vec), line in zip(good, results):
        assert line == "ok " + vec.payload.hex()
    for (data, words), line in zip(bad, results[len(good):]):
        assert line.startswith("err cose: ") and words in line, (words, line)
    assert results[-1].startswith("err cose: signature")


def test_hash_kid_and_party_id_agree_with_the_host(tmp_path):
    ops = [("hash", v.message) for v in EXAMPLES] + [("kid", v.message) for v in EXAMPLES]
    ops += [("pid", v.public_key) for v in EXAMPLES]
    out = run_ops(tmp_path, ops)
    n = len(EXAMPLES)
    assert out[:n] == [P.message_hash(v.message).hex() for v in EXAMPLES]
    assert out[n:2 * n] == [v.kid for v in EXAMPLES]
    assert out[2 * n:] == [P.party_id(v.public_key) for v in EXAMPLES]


def test_a_genuine_award_with_an_extra_unprotected_label_is_refused_by_host_and_device(tmp_path):
    """The label is outside the signature but inside the message hash: accepted, it would make
    the device name a hash the market never issued in its delivery."""
    award = next(v for v in EXAMPLES if v.kind == "award")
    parts = list(cbor2.loads(award.message).value)
    altered = [cbor2.dumps(cbor2.CBORTag(18, [parts[0], {**parts[1], label: value}, *parts[2:]]),
                           canonical=True)
               for label, value in ((42, 0), (5, b"\x00" * 12), (-1, "x"), (1, -8))]
    assert all(P.message_hash(a) != P.message_hash(award.message) for a in altered)
    # the signature still holds over the altered messages (it covers neither header's map)
    Ed25519PublicKey.from_public_bytes(award.public_key).verify(
        parts[3], P.cose.sig_structure(parts[0], parts[2]))
    for data in altered:
        with pytest.raises(P.SignatureError, match="more than the kid"):
            P.verify(data, award.public_key, "award")
    msg = P.verify(award.message, award.public_key, "award")
    ops = [("award", award.public_key, msg.market.encode(), msg.party.encode(), data)
           for data in [award.message, *altered]]
    out = run_ops(tmp_path, ops)
    assert out[0] == f"ok {msg.price}"
    assert all(line == "err award: cose: unprotected header carries more than the kid"
               for line in out[1:]), out

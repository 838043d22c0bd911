"""COSE_Sign1 on the host against pycose: same bytes, mutual verification, clear refusals."""

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.messages import Sign1Message

from micromarket import protocol as P
from micromarket.protocol import cose, vectors

from protocol_helpers import pycose_decode, pycose_key, seed_of

EXAMPLES = vectors.build()


@pytest.mark.parametrize("vec", EXAMPLES, ids=lambda v: v.kind)
def test_our_bytes_equal_pycose_bytes(vec):
    made = Sign1Message(phdr={Algorithm: EdDSA}, uhdr={KID: vec.kid.encode()},
                        payload=vec.payload)
    made.key = pycose_key(seed=seed_of(vec.signer))
    assert made.encode() == vec.message


@pytest.mark.parametrize("vec", EXAMPLES, ids=lambda v: v.kind)
def test_pycose_verifies_ours_and_we_verify_pycose(vec):
    theirs = pycose_decode(vec.message)
    theirs.key = pycose_key(public=vec.public_key)
    assert theirs.verify_signature()
    assert theirs.payload == vec.payload

    made = Sign1Message(phdr={Algorithm: EdDSA}, uhdr={KID: b"someone"}, payload=vec.payload)
    made.key = pycose_key(seed=seed_of(vec.signer))
    assert P.verify(made.encode(), vec.public_key).KIND == vec.kind


def test_read_then_verify_and_kind_check():
    vec = next(v for v in EXAMPLES if v.kind == "tender")
    signed = P.read(vec.message)
    assert signed.signer == vec.kid and signed.hash == P.message_hash(vec.message)
    assert signed.verify(vec.public_key, kind=P.Tender).seq == 41
    with pytest.raises(P.ValidationError) as err:
        signed.verify(vec.public_key, kind=(P.Award, "delivery"))
    assert err.value.code == P.ERROR_CODES["wrong-type"]


def _tamper(data: bytes, index: int, value) -> bytes:
    item = cbor2.loads(data)
    parts = list(item.value)
    parts[1] = dict(parts[1])
    parts[index] = value
    return cbor2.dumps(cbor2.CBORTag(18, parts))


VEC = next(v for v in EXAMPLES if v.kind == "award")


@pytest.mark.parametrize("data, error, words", [
    (VEC.message[:-1], P.DecodeError, "CBOR"),
    (VEC.message + b"\x00", P.DecodeError, "deterministic"),
    (cbor2.dumps([1, 2, 3, 4]), P.DecodeError, "tag 18"),
    (cbor2.dumps(cbor2.CBORTag(18, [1, 2, 3])), P.DecodeError, "4 items"),
    (_tamper(VEC.message, 0, cbor2.dumps({1: -7})), P.SignatureError, "EdDSA"),
    (_tamper(VEC.message, 0, cbor2.dumps({1: -8, 3: 0})), P.SignatureError, "more than"),
    (_tamper(VEC.message, 0, b""), P.SignatureError, "EdDSA"),
    (_tamper(VEC.message, 1, {}), P.DecodeError, "kid"),
    (_tamper(VEC.message, 1, {4: b""}), P.DecodeError, "kid"),
    (_tamper(VEC.message, 2, None), P.DecodeError, "detached"),
    (_tamper(VEC.message, 3, bytes(63)), P.SignatureError, "64 bytes"),
    (_tamper(VEC.message, 3, bytes(64)), P.SignatureError, "does not verify"),
    (_tamper(VEC.message, 2, VEC.payload.replace(b"\x19\x02X", b"\x19\x02Y")),
     P.SignatureError, "does not verify"),
    (_tamper(VEC.message, 1, {4: b"someone else"}), None, ""),  # kid is not signed: still verifies
    (bytes(P.MAX_MESSAGE + 1), P.OversizeError, "limit"),
])
def test_faults_raise_the_codec_error_naming_them(data, error, words):
    if error is None:
        assert P.verify(data, VEC.public_key) == P.decode(VEC.payload)
        return
    with pytest.raises(error) as err:
        P.verify(data, VEC.public_key)
    assert words in err.value.reason
    assert isinstance(err.value, ValueError)


def test_wrong_key_is_refused():
    with pytest.raises(P.SignatureError, match="does not verify"):
        P.verify(VEC.message, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(P.SignatureError, match="not an Ed25519 public key"):
        P.verify(VEC.message, b"short")


def test_sig_structure_is_the_rfc9052_one():
    assert cose.sig_structure(b"\xa1\x01\x27", b"\x01") == cbor2.dumps(
        ["Signature1", b"\xa1\x01\x27", b"", b"\x01"])

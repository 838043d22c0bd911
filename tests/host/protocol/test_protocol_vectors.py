"""The committed vectors are what the generator makes, verify, re-encode, and match the CDDL."""

import json

import pytest

from micromarket import protocol as P
from micromarket.protocol import codec, schema, vectors
from micromarket.protocol.diag import diag_bytes

FILES = sorted(vectors.VECTORS_DIR.glob("*.json"))
KINDS = [f for f in FILES if f.name != "keys.json"]


def test_vectors_are_up_to_date():
    made = vectors.render(vectors.build())
    on_disk = {f.name: f.read_text() for f in vectors.VECTORS_DIR.iterdir()}
    assert made == on_disk, "run: python -m micromarket.protocol.vectors"


def test_one_vector_per_kind():
    assert {json.loads(f.read_text())["kind"] for f in KINDS} == set(P.KINDS)


@pytest.mark.parametrize("path", KINDS, ids=lambda p: p.stem)
def test_vector_decodes_verifies_and_reencodes(path):
    vec = json.loads(path.read_text())
    data = bytes.fromhex(vec["message_hex"])
    msg = P.verify(data, bytes.fromhex(vec["public_key"]), kind=vec["kind"])
    assert P.encode(msg) == bytes.fromhex(vec["payload_hex"])
    assert codec.dumps(codec.loads(data)) == data
    assert P.read(data).signer == vec["kid"]
    assert P.message_hash(data).hex() == vec["hash"]
    assert diag_bytes(data) == vec["message_diag"]
    schema.validate_message(data)


def test_the_cddl_refuses_wrong_payloads():
    vec = json.loads((vectors.VECTORS_DIR / "tender.json").read_text())
    payload = codec.loads(bytes.fromhex(vec["payload_hex"]))
    for key, value in [("side", "both"), ("seq", -1), ("curve", []), ("party", 5),
                       ("market", ""), ("v", 2), ("type", "bid"), ("expiry", 1 << 32)]:
        bad = dict(payload, **{key: value})
        with pytest.raises(P.ValidationError):
            schema.validate_payload(codec.dumps(bad))
    for missing in payload:
        bad = {k: v for k, v in payload.items() if k != missing}
        with pytest.raises(P.ValidationError):
            schema.validate_payload(codec.dumps(bad))


def test_keys_file_names_the_test_keys():
    keys = json.loads((vectors.VECTORS_DIR / "keys.json").read_text())
    assert keys["device"]["kid"] == "p21fe31dfa154a261"
    assert keys["device"]["public_key"] == \
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

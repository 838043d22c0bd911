"""firmware/lib/cbor.py on the unix port, held against cbor2 and the host codec."""

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micromarket import protocol as P
from micromarket.device import upy
from micromarket.protocol import codec, cose, fuzz, vectors

BATCH = __file__.replace("test_cbor.py", "upy_codec_batch.py")


def run_batch(tmp_path, mode: str, lines: list[str]) -> list[str]:
    src = tmp_path / f"{mode}.txt"
    src.write_text("".join(line + "\n" for line in lines))
    out = upy.run_file(BATCH, mode, str(src), timeout=300).splitlines()
    assert out[-1].startswith("mem_free_min")
    assert len(out) == len(lines) + 1
    return out[:-1]


INTS = st.integers(-(1 << 64), (1 << 64) - 1)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
KEYS = st.one_of(INTS, TEXT)
LEAVES = st.one_of(INTS, TEXT, st.binary(max_size=40), st.booleans(), st.none(),
                   st.sampled_from([0, 23, 24, 255, 256, 65535, 65536, (1 << 32) - 1, 1 << 32,
                                    -24, -25, -256, -257, -(1 << 32), -(1 << 32) - 1]))
STRUCTURES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(KEYS, inner, max_size=6)), max_leaves=20)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(STRUCTURES, min_size=30, max_size=60))
def test_device_encoding_is_rfc8949_deterministic_and_agrees_with_cbor2(tmp_path, batch):
    results = run_batch(tmp_path, "dumps", [repr(obj) for obj in batch])
    for obj, line in zip(batch, results):
        hexed, round_trip = line.split()
        ours = bytes.fromhex(hexed)
        assert round_trip == "1", f"device loads(dumps(x)) != x for {obj!r}"
        assert ours == codec.dumps(obj)                 # RFC 8949 order, everywhere
        theirs = cbor2.dumps(obj, canonical=True)       # RFC 7049 (length-first) key order
        if ours != theirs:                              # then only the map order may differ
            assert cbor2.loads(ours) == cbor2.loads(theirs) == obj


def test_orders_differ_only_where_rfc7049_and_rfc8949_differ(tmp_path):
    obj = {"aaa": 1, 100: 2, -1: 3, "b": 4}
    (line,) = run_batch(tmp_path, "dumps", [repr(obj)])
    ours = bytes.fromhex(line.split()[0])
    assert ours.hex() == "a418640220036162046361616101"          # 0x18.. < 0x20 < 0x61.. < 0x63..
    assert cbor2.dumps(obj, canonical=True).hex() == "a420031864026162046361616101"


STRICT = [
    ("1817", "non-shortest head"), ("1900ff", "non-shortest head"),
    ("1a0000ffff", "non-shortest head"), ("1b00000000ffffffff", "non-shortest head"),
    ("5800", "non-shortest head"), ("9f01ff", "indefinite length"), ("5f4101ff", "indefinite"),
    ("a2616101616102", "duplicate map key"), ("a2616201616101", "map keys out of order"),
    ("a22001186400", "map keys out of order"), ("a1f401", "map key must be"),
    ("a14100f6", "map key must be"), ("f93c00", "floating-point"), ("fb3ff0000000000000",
                                                                    "floating-point"),
    ("f7", "unsupported simple value"), ("f820", "unsupported simple value"),
    ("c074323031332d30332d32315432303a30343a30305a", "unsupported tag 0"),
    ("0101", "trailing bytes"), ("", "unexpected end"), ("82", "beyond the input"),
    ("5a00010000", "beyond the input"), ("9bffffffffffffffff", "beyond the input"),
    ("bb7fffffffffffffff", "beyond the input"), ("62c328", "invalid utf-8"),
    ("1c", "reserved additional information"), ("81" * 17 + "01", "nesting deeper than 16"),
    ("d2" * 17 + "01", "nesting deeper than 16"),
    ("990401" + "01" * 0x401, "more than 1024 items"),
    ("8a" + "82" * 10 + "9903f9" + "00" * 0x3f9, "more than 1024 items"),
    ("5a00002001" + "00" * 0x2001, "exceeds the limit"),
]


def test_decoder_refuses_what_dumps_would_not_make_naming_the_fault(tmp_path):
    cases = STRICT
    results = run_batch(tmp_path, "loads", [h for h, _ in cases])
    for (hexed, words), line in zip(cases, results):
        assert line.startswith("err cbor: "), f"{hexed[:40]}: {line}"
        assert words in line, f"{hexed[:40]}: {line}"


def test_decoder_accepts_the_limits(tmp_path):
    cases = ["990400" + "01" * 0x400, "1bffffffffffffffff", "3bffffffffffffffff",
             "81" * 16 + "01", "d28443a10127a0404100", "80", "a0", "f4", "f5", "f6"]
    for hexed, line in zip(cases, run_batch(tmp_path, "loads", cases)):
        assert line == "ok " + hexed


def test_vectors_decode_and_reencode_byte_for_byte_on_the_device(tmp_path):
    seeds = [v.message for v in vectors.build()] + [v.payload for v in vectors.build()]
    for data, line in zip(seeds, run_batch(tmp_path, "loads", [s.hex() for s in seeds])):
        assert line == "ok " + data.hex()


def test_10000_hostile_inputs_give_only_codec_errors(tmp_path):
    seeds = [v.message for v in vectors.build()] + [v.payload for v in vectors.build()]
    inputs = list(fuzz.inputs(seeds, 10_000, seed=3))
    results = run_batch(tmp_path, "loads", [d.hex() for d in inputs])
    crashes = [(d.hex()[:80], r) for d, r in zip(inputs, results) if not r.startswith(("ok", "err"))]
    assert not crashes, crashes[:5]
    refused = sum(r.startswith("err") for r in results)
    assert refused > 9_000
    for data, line in zip(inputs, results):               # whatever the device accepts,
        if line.startswith("ok"):                          # the host accepts identically
            assert line == "ok " + data.hex()
            assert codec.dumps(codec.loads(data)) == data
        else:
            with pytest.raises(codec.DecodeError):
                codec.loads(data)


def test_10000_hostile_inputs_to_the_cose_parser_give_only_cose_errors(tmp_path):
    examples = vectors.build()
    seeds = [v.message for v in examples]
    inputs = list(fuzz.inputs(seeds, 10_000, seed=4))
    results = run_batch(tmp_path, "open", [d.hex() for d in inputs])
    crashes = [(d.hex()[:80], r) for d, r in zip(inputs, results) if not r.startswith(("ok", "err"))]
    assert not crashes, crashes[:5]
    for data, line in zip(inputs, results):               # the device and the host agree on
        try:                                               # which envelopes are well formed
            envelope = cose.open1(data)
        except P.ProtocolError:
            assert line.startswith("err cose: ")
        else:
            assert line == "ok " + envelope.kid.hex()

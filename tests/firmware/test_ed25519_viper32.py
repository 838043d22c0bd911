"""The firmware's crypto core run with 32-bit viper semantics (tests/tools/viper32.py).

The unix port has 64-bit viper ints; the ESP32 has 32-bit ones. These tests execute the same
source with every int operation checked against the 32-bit range, uint operations wrapped,
ptr32 loads sign-extended as on the device, and pass the RFC 8032 vectors, every Wycheproof
vector and a slice of the differential cases through it.
"""

import random
import struct
import sys

import pytest

from micromarket.paths import FIRMWARE_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import crypto_support  # noqa: E402
import ed25519_bigint as ref  # noqa: E402
import ed25519_cases  # noqa: E402
import viper32  # noqa: E402

LIB = FIRMWARE_DIR / "lib"


@pytest.fixture(scope="module")
def core():
    return viper32.load(LIB, ["ed25519", "_ed25519_fe", "_ed25519_ge", "_ed25519_sc"])


# --- the harness itself must catch what a 32-bit port would do differently -----------------------

def _load_source(tmp_path, src):
    (tmp_path / "probe.py").write_text("import micropython\n" + src)
    return viper32.load(tmp_path, ["probe"])["probe"]


def test_harness_traps_signed_overflow(tmp_path):
    m = _load_source(tmp_path, (
        "@micropython.viper\ndef f(a: int) -> int:\n    x: int = a * a\n    return x >> 8\n"))
    assert m.f(46340) == 46340 * 46340 >> 8
    with pytest.raises(viper32.Overflow32):
        m.f(46341)


def test_harness_wraps_uint_and_sign_extends_ptr32_loads(tmp_path):
    m = _load_source(tmp_path, (
        "@micropython.viper\ndef f(b) -> int:\n    p = ptr32(b)\n"
        "    x: uint = uint(p[0])\n    p[1] = x + x\n    return p[0] >> 4\n"))
    buf = bytearray(struct.pack("<iI", -32, 0))
    assert m.f(buf) == -2  # on the unix port the load would be 0xFFFFFFE0 and give 268435454
    assert struct.unpack("<I", buf[4:])[0] == 0xFFFFFFC0


def test_harness_rejects_wide_literals_shifts_and_boxing(tmp_path):
    with pytest.raises(viper32.Viper32Error):
        _load_source(tmp_path, "@micropython.viper\ndef f() -> int:\n    return 0x40000000\n")
    m = _load_source(tmp_path, (
        "@micropython.viper\ndef f(n: int) -> int:\n    return 1 << n\n"
        "@micropython.viper\ndef g(n: int) -> int:\n    return n << 20\n"))
    with pytest.raises(viper32.Viper32Error):
        m.f(32)
    with pytest.raises(viper32.Viper32Error):  # returned as a big int: allocates on the device
        m.g(1024)


def test_field_worst_case_limbs_stay_in_int32(core):
    fe = core["_ed25519_fe"]
    worst = bytearray(struct.pack("<20i", *([9216] * 19 + [255])))
    out = bytearray(80)
    for f in (fe.fmul, fe.fadd, fe.fsub):
        f(worst, worst, out)
    fe.fsq(out, worst)
    too_big = bytearray(struct.pack("<20i", *([10400] * 20)))
    with pytest.raises(viper32.Overflow32):
        fe.fmul(too_big, too_big, out)


def test_field_and_scalar_arithmetic_against_big_ints(core):
    fe, fx, sc = core["_ed25519_fe"], core["_ed25519_ge"], core["_ed25519_sc"]
    rng = random.Random(7)
    p, l = ref.P, ref.L

    def elem(v):
        e = fx.fe()
        fx.funpack(e, v.to_bytes(32, "little"), 0)
        return e

    def val(e):
        b = bytearray(32)
        fx.fpack(b, e)
        return int.from_bytes(b, "little")

    specials = [0, 1, p - 1, p, p + 1, p + 18, 2**255 - 1, 19]
    for i in range(60):
        x = specials[i] if i < len(specials) else rng.getrandbits(255)
        y = rng.getrandbits(255)
        out = fx.fe()
        fe.fmul(elem(x), elem(y), out)
        assert val(out) == x * y % p
        fe.fsub(elem(x), elem(y), out)
        assert val(out) == (x - y) % p
        if x % p:
            fx.finv(out, elem(x))
            assert val(out) * x % p == 1
        h = rng.randbytes(64) if i else b"\xff" * 64
        r = bytearray(32)
        sc.reduce64(r, h)
        assert int.from_bytes(r, "little") == int.from_bytes(h, "little") % l
        k, a, c = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
        sc.muladd(r, k, a, c)
        assert int.from_bytes(r, "little") == (int.from_bytes(k, "little") * int.from_bytes(
            a, "little") + int.from_bytes(c, "little")) % l


def test_pick_reads_every_digit_of_every_row(core):
    """The constant-time table read gives e * 16^(8 row) * B for each e in -8..8 (0: the
    identity), negatives by its masked swap and negation, with 32-bit words."""
    fe, fx = core["_ed25519_fe"], core["_ed25519_ge"]
    p = ref.P
    pre, scratch = bytearray(240), bytearray(160)

    def val(off):
        b = bytearray(32)
        fx.fpack(b, memoryview(pre)[off:off + 80])
        return int.from_bytes(b, "little")

    for row in range(8):
        base = ref.scalar_mult(16 ** (8 * row), ref.BASE)
        for e in range(-8, 9):
            fe.pick(fe.TABLE, scratch, pre, 192 * row, e)
            x, y, z, _ = ref.scalar_mult(e % ref.L, base)
            zi = pow(z, p - 2, p)
            x, y = x * zi % p, y * zi % p
            assert (val(0), val(80), val(160)) == ((y + x) % p, (y - x) % p,
                                                   2 * ref.D * x * y % p), (row, e)


# --- the vectors ---------------------------------------------------------------------------------

def test_rfc8032_with_32_bit_words(core):
    batch = ed25519_cases.rfc8032_cases()
    bad = ed25519_cases.check(batch, crypto_support.run_on_viper32(batch, core["ed25519"]))
    assert not bad, bad


def test_every_wycheproof_vector_with_32_bit_words(core, wycheproof):
    batch = ed25519_cases.wycheproof_cases(wycheproof)
    bad = ed25519_cases.check(batch, crypto_support.run_on_viper32(batch, core["ed25519"]))
    assert not bad, bad


def test_differential_slice_with_32_bit_words(core):
    batch = ed25519_cases.cases(36, random.Random(99))  # every mutation kind, 4 rounds
    bad = ed25519_cases.check(batch, crypto_support.run_on_viper32(batch, core["ed25519"]))
    assert not bad, bad

"""Ed25519 of the firmware on the MicroPython unix port, held against OpenSSL (`cryptography`)."""

import random
import subprocess
import sys

import pytest

from micromarket.paths import FIRMWARE_DIR, ROOT, tool

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import crypto_support  # noqa: E402
import ed25519_cases  # noqa: E402
import gen_ed25519  # noqa: E402

LIB = FIRMWARE_DIR / "lib"


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    return crypto_support.compile_crypto(tmp_path_factory.mktemp("crypto_mpy"))


def _agree(batch, answers):
    bad = ed25519_cases.check(batch, answers)
    assert not bad, f"{len(bad)} disagreements, first: " + "; ".join(bad[:5])


def test_rfc8032_vectors(mpy_dir):
    batch = ed25519_cases.rfc8032_cases()
    _agree(batch, crypto_support.run_on_unix_port(batch, mpy_dir))


def test_every_wycheproof_vector(mpy_dir, wycheproof):
    batch = ed25519_cases.wycheproof_cases(wycheproof)
    assert len(batch) == wycheproof["numberOfTests"]
    _agree(batch, crypto_support.run_on_unix_port(batch, mpy_dir))


def test_differential_against_openssl(mpy_dir):
    batch = ed25519_cases.cases(700, random.Random(20260521))
    assert len(batch) >= 2000
    assert {c["ok"] for c in batch if c["kind"] == "verify"} == {True, False}
    _agree(batch, crypto_support.run_on_unix_port(batch, mpy_dir))


def test_runs_from_source_too(mp):
    out = mp("import ed25519\n"
             "k = ed25519.SigningKey(bytes(range(32)))\n"
             "print(ed25519.verify(k.public, b'm', k.sign(b'm')))", heap="400K")
    assert out.strip() == "True"


def test_malformed_input_is_false_not_an_exception(mpy_dir):
    from micromarket.device import upy
    code = """
import ed25519
k = ed25519.SigningKey(bytes(32))
s = k.sign(b"msg")
bad = [(None, b"msg", s), (k.public, b"msg", None), ("x" * 32, b"msg", s),
       (k.public, b"msg", "y" * 64), (k.public[:31], b"msg", s), (k.public, b"msg", s[:63]),
       (k.public, b"msg", s + b"\\0"), (12, b"msg", s), (k.public, None, s),
       (b"\\xff" * 32, b"msg", s), (k.public, b"msg", b"\\xff" * 64)]
print([ed25519.verify(*a) for a in bad], ed25519.verify(k.public, b"msg", s))
print(ed25519.verify(memoryview(k.public), bytearray(b"msg"), bytearray(s)))
"""
    out = upy.run_code(code, lib_dirs=[mpy_dir, LIB]).split("\n")
    assert out[0] == "[" + ", ".join(["False"] * 11) + "] True"
    assert out[1] == "True"


def test_wnaf_digits_are_sparse_odd_and_sum_to_the_scalar(mpy_dir):
    """verify's recoding, on scalars from 0 to just below 2^255 (both of its inputs are < L)."""
    from micromarket.device import upy
    rng = random.Random(7)
    scalars = [0, 1, 7, 8, 15, 16, 2**252, 2**255 - 1, gen_ed25519.ref.L - 1]
    scalars += [rng.getrandbits(rng.choice([8, 64, 253, 255])) for _ in range(300)]
    code = f"""
import _ed25519_sc as sc
e = bytearray(256)
for n in {scalars!r}:
    sc.wnaf(e, n.to_bytes(32, "little"), 0)
    print(list(e))
"""
    out = upy.run_code(code, lib_dirs=[mpy_dir, LIB]).strip().split("\n")
    for n, line in zip(scalars, out, strict=True):
        digits = [d - 256 if d > 127 else d for d in eval(line)]
        assert sum(d << i for i, d in enumerate(digits)) == n
        nonzero = [i for i, d in enumerate(digits) if d]
        assert all(digits[i] % 2 and -7 <= digits[i] <= 7 for i in nonzero)
        assert all(b - a >= 4 for a, b in zip(nonzero, nonzero[1:]))
        if n.bit_length() > 250:
            assert len(nonzero) < 80, n       # about 253 / 5 on average


def test_sign_allocates_at_most_256_bytes_after_warm_up(mpy_dir):
    """Both forms: a held key's sign, and one-shot sign(seed, msg), which expands the seed too."""
    from micromarket.device import upy
    code = """
import gc, ed25519
seed = bytes(range(32))
k = ed25519.SigningKey(seed)
msg = b"tender" * 30
for fn in (lambda: k.sign(msg), lambda: ed25519.sign(seed, msg)):
    for _ in range(3):
        fn()
    worst = 0
    for _ in range(20):
        gc.collect()
        a = gc.mem_alloc()
        fn()
        worst = max(worst, gc.mem_alloc() - a)
    print(worst)
print(ed25519.sign(seed, msg) == k.sign(msg), ed25519.public_key(seed) == k.public)
"""
    held, oneshot, same = upy.run_code(code, lib_dirs=[mpy_dir, LIB]).split("\n")[:3]
    assert 0 < int(held) <= 256
    assert 0 < int(oneshot) <= 256
    assert same == "True True"


def test_import_heap_within_the_24_kb_budget(mpy_dir):
    """Measured on the 64-bit unix port, where objects are bigger than on the ESP32."""
    from micromarket.bench import crypto as crypto_bench
    from micromarket.device import upy
    out = upy.run_code(crypto_bench.IMPORT_HEAP, lib_dirs=[mpy_dir, LIB])
    used = crypto_bench._import_figures(out)["import_heap"]
    assert 6144 < used <= 24 * 1024  # the base table alone is 6 KB


@pytest.mark.parametrize("arch", ["xtensawin", "rv32imc"])
def test_compiles_for_esp32_architectures(arch, tmp_path):
    for name in crypto_support.CRYPTO_MODULES:
        proc = subprocess.run([tool("mpy-cross"), f"-march={arch}", "-o",
                               str(tmp_path / f"{name}.mpy"), str(LIB / f"{name}.py")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{name} for {arch}: {proc.stderr}"


def test_generated_modules_are_current():
    assert (LIB / "_ed25519_fe.py").read_text() == gen_ed25519.field_module()

"""The crypto core where its native code does not fit: ed25519 falls back to the big-int core.

On an ESP32 the viper core's native code is copied into executable RAM at import, and a failed
allocation raises MemoryError there. The unix port has no such limit, so these tests simulate
it: a module placed in front of the compiled core, under the name of a viper module, raises the
MemoryError the port raises (its message says it is simulated). Everything after the raise is
the real firmware: the loader, the fallback core, the boot log, the device status.
"""

import random
import signal
import sys
import time

import pytest

from micromarket.device import upy
from micromarket.paths import FIRMWARE_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import crypto_support  # noqa: E402
import ed25519_cases  # noqa: E402
# helpers beside this file (tests/conftest.py puts tests/firmware on sys.path)
from agent_device import make_device  # noqa: E402
from devproc import DeviceProcess  # noqa: E402
from scripted_market import ScriptedMarket  # noqa: E402

LIB = FIRMWARE_DIR / "lib"
no_room_for = crypto_support.no_room_for


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    return crypto_support.compile_crypto(tmp_path_factory.mktemp("crypto_mpy"))


def _run(code, dirs):
    return upy.run_code(code, lib_dirs=[*dirs, LIB]).strip().splitlines()


PROBE = ("import ed25519, _ed25519_bigint, sys\n"
         "print(ed25519.VARIANT)\nprint(ed25519.NATIVE_ERROR)\n"
         "print(_ed25519_bigint._sha.__name__ if ed25519.VARIANT == 'bigint' else '-')\n"
         "print(sorted(m for m in ('_ed25519_sc', '_ed25519_fe', '_ed25519_ge') "
         "if m in sys.modules))\n")


def test_the_viper_core_loads_where_it_fits(mpy_dir):
    out = _run("import ed25519\nprint(ed25519.VARIANT, ed25519.NATIVE_ERROR)", [mpy_dir])
    assert out == ["viper None"]


def test_a_failed_native_load_falls_back_and_says_why(mpy_dir, tmp_path):
    # the likely case: SHA-512 (7 KB of native code, imported first) fits, the field does not
    shim = no_room_for(tmp_path, {"_ed25519_fe": 38912})
    out = _run(PROBE, [shim, mpy_dir])
    assert out[0] == "bigint"
    assert out[1].startswith("native code did not fit: memory allocation failed, allocating "
                             "38912 bytes (simulated")
    assert out[2] == "sha512"  # the viper SHA-512 that loaded is reused
    assert out[3] == "[]"  # the half-loaded viper core is dropped


def _fallback_dirs(tmp_path, mpy_dir):
    """Not even SHA-512's native code fits: the big-int core hashes on its own."""
    return [no_room_for(tmp_path, {"sha512": 7168, "_ed25519_fe": 38912}), mpy_dir]


def test_without_any_native_code_it_hashes_on_its_own(mpy_dir, tmp_path):
    out = _run(PROBE, _fallback_dirs(tmp_path, mpy_dir))
    assert out[0] == "bigint" and "7168 bytes" in out[1] and out[2] == "_Sha512"


def _agree(batch, answers):
    bad = ed25519_cases.check(batch, answers)
    assert not bad, f"{len(bad)} disagreements, first: " + "; ".join(bad[:5])


def _answers(batch, dirs):
    return crypto_support.run_on_unix_port(batch, dirs[-1], before=dirs[:-1])


def test_fallback_signs_rfc8032_exactly(mpy_dir, tmp_path):
    batch = ed25519_cases.rfc8032_cases()
    _agree(batch, _answers(batch, _fallback_dirs(tmp_path, mpy_dir)))


def test_fallback_agrees_with_every_wycheproof_vector(mpy_dir, tmp_path, wycheproof):
    batch = ed25519_cases.wycheproof_cases(wycheproof)
    _agree(batch, _answers(batch, _fallback_dirs(tmp_path, mpy_dir)))


def test_fallback_differential_against_openssl(mpy_dir, tmp_path):
    batch = ed25519_cases.cases(40, random.Random(20261206))
    assert {c["ok"] for c in batch if c["kind"] == "verify"} == {True, False}
    shim = no_room_for(tmp_path, {"_ed25519_ge": 11264})  # with the viper SHA-512
    _agree(batch, _answers(batch, [shim, mpy_dir]))


def test_fallback_takes_what_the_viper_core_takes(mpy_dir, tmp_path):
    code = """
import ed25519
k = ed25519.SigningKey(bytes(32))
s = k.sign((b"ms", b"g"))
bad = [(None, b"msg", s), (k.public, b"msg", None), ("x" * 32, b"msg", s),
       (k.public, b"msg", "y" * 64), (k.public[:31], b"msg", s), (k.public, b"msg", s[:63]),
       (12, b"msg", s), (k.public, None, s), (b"\\xff" * 32, b"msg", s),
       (k.public, b"msg", b"\\xff" * 64)]
print(ed25519.VARIANT, [ed25519.verify(*a) for a in bad], ed25519.verify(k.public, b"msg", s))
print(ed25519.verify(memoryview(k.public), bytearray(b"msg"), bytearray(s)),
      ed25519.sign(bytes(32), b"msg") == s, ed25519.public_key(bytes(32)) == k.public)
"""
    out = _run(code, _fallback_dirs(tmp_path, mpy_dir))
    assert out[0] == "bigint [" + ", ".join(["False"] * 10) + "] True"
    assert out[1] == "True True True"


def test_a_board_without_room_boots_says_so_and_trades(tmp_path, mosquitto, mpy_lib):
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=1440, anchor=anchor)
    party, public = make_device(tmp_path, board="virtual-plug", market_key=market.public,
                                port=mosquitto.port, speed=1440, anchor=anchor)
    market.parties[party] = public
    shim = no_room_for(tmp_path / "fw", {"sha512": 7168, "_ed25519_fe": 38912})
    market.start()
    try:
        with DeviceProcess(FIRMWARE_DIR / "main.py", heap="256K", cwd=tmp_path,
                           lib_dirs=[shim, mpy_lib]) as dev:
            line = dev.expect("crypto core: ")
            assert line.startswith("crypto core: bigint (slow: native code did not fit: memory "
                                   "allocation failed, allocating 7168 bytes (simulated")
            dev.expect("agent starting")
            deadline = time.monotonic() + 90  # a wait, not a timing check
            while time.monotonic() < deadline and not market.deliveries[party]:
                time.sleep(0.1)
            # the market verified the big-int core's signatures on its tenders and deliveries
            assert market.seqs[party] and market.deliveries[party], dev.seen[-15:]
            dev.proc.send_signal(signal.SIGINT)
            dev.expect("agent stopped")
            assert dev.wait(10) == 0
    finally:
        market.stop()
    st = upy.run_code("import identity\nprint(identity.status())", cwd=tmp_path,
                      lib_dirs=[shim, mpy_lib])
    assert "'crypto': 'bigint'" in st and "'provisioned': True" in st, st

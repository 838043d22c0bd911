"""The firmware on a real 32-bit MicroPython: the unix port built for i386 (shared/tools).

There viper ints are 32 bits and objects have the sizes they have on the ESP32, so what the
64-bit port and the viper32 harness can only approximate runs for real: the crypto core
(compiled with mpy-cross -march=x86) on RFC 8032, every Wycheproof vector and a differential
slice against OpenSSL, its big-int fallback, and a virtual board trading a few intervals.
Every test here skips, saying why, where that binary is absent or cannot run.
"""

import random
import signal
import sys
import time

import pytest

from micromarket.device import upy
from micromarket.paths import ROOT

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import crypto_support  # noqa: E402
import ed25519_cases  # noqa: E402
from agent_device import make_device  # noqa: E402
from devproc import DeviceProcess  # noqa: E402
from scripted_market import ScriptedMarket  # noqa: E402


@pytest.fixture(scope="module")
def x86_core(tmp_path_factory, micropython_i386):
    return crypto_support.compile_crypto(tmp_path_factory.mktemp("crypto_x86"), arch="x86")


def _agree(batch, answers):
    bad = ed25519_cases.check(batch, answers)
    assert not bad, f"{len(bad)} disagreements, first: " + "; ".join(bad[:5])


def test_the_runtime_is_32_bit(micropython_i386, x86_core):
    assert upy.native_arch(micropython_i386) == "x86"
    out = upy.run_code("import sys, ed25519\nprint(sys.maxsize, ed25519.VARIANT)",
                       lib_dirs=[x86_core], micropython=micropython_i386)
    assert out.split() == [str(2**31 - 1), "viper"]


def test_crypto_core_signs_rfc8032_exactly(micropython_i386, x86_core):
    batch = ed25519_cases.rfc8032_cases()
    _agree(batch, crypto_support.run_on_unix_port(batch, x86_core, micropython_i386))


def test_crypto_core_agrees_with_every_wycheproof_vector(micropython_i386, x86_core, wycheproof):
    batch = ed25519_cases.wycheproof_cases(wycheproof)
    assert len(batch) == wycheproof["numberOfTests"]
    _agree(batch, crypto_support.run_on_unix_port(batch, x86_core, micropython_i386))


def test_crypto_core_differential_against_openssl(micropython_i386, x86_core):
    batch = ed25519_cases.cases(150, random.Random(20261207))
    assert {c["ok"] for c in batch if c["kind"] == "verify"} == {True, False}
    _agree(batch, crypto_support.run_on_unix_port(batch, x86_core, micropython_i386))


def test_big_int_fallback_on_32_bits(micropython_i386, x86_core, tmp_path, wycheproof):
    shim = crypto_support.no_room_for(tmp_path, {"sha512": 7168, "_ed25519_fe": 38912})
    batch = ed25519_cases.rfc8032_cases() + ed25519_cases.wycheproof_cases(wycheproof)
    _agree(batch, crypto_support.run_on_unix_port(batch, x86_core, micropython_i386, (shim,)))


def test_the_firmware_boots_and_trades_on_32_bits(micropython_i386, tmp_path, mosquitto):
    """main.py, compiled for x86, at the classic ESP32's heap (110 KB) on the i386 port: it
    boots on the viper core and trades intervals with a market that checks its signatures.
    (Not through `micromarket vboard`: this build has no raw REPL to drive one; see
    tests/host/test_vboard.py for a board on another runtime.)"""
    from micromarket.device.deploy import compile_module
    from micromarket.paths import FIRMWARE_DIR

    lib = tmp_path / "lib"
    lib.mkdir()
    for src in (FIRMWARE_DIR / "lib").glob("*.py"):
        (lib / (src.stem + ".mpy")).write_bytes(compile_module(src, "x86"))
    anchor = int(time.time())
    market = ScriptedMarket(mosquitto.port, {}, speed=1440, anchor=anchor)
    dev_dir = tmp_path / "dev"
    party, public = make_device(dev_dir, board="virtual-battery", market_key=market.public,
                                port=mosquitto.port, speed=1440, anchor=anchor)
    market.parties[party] = public
    market.start()
    try:
        with DeviceProcess(FIRMWARE_DIR / "main.py", heap="110K", cwd=dev_dir, lib_dirs=[lib],
                           micropython=micropython_i386) as dev:
            assert dev.expect("crypto core: ") == "crypto core: viper"
            dev.expect("agent starting")

            def awards():
                return sum(1 for p, _ in list(market.awards) if p == party)

            deadline = time.monotonic() + 90  # a wait, not a timing check
            while time.monotonic() < deadline and (len(market.deliveries[party]) < 3
                                                   or awards() < 2):
                time.sleep(0.1)
            assert len(market.deliveries[party]) >= 3 and awards() >= 2, dev.seen[-15:]
            dev.proc.send_signal(signal.SIGINT)
            dev.expect("agent stopped")
            assert dev.wait(10) == 0
    finally:
        market.stop()

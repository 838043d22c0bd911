"""`micromarket doctor --port` on a virtual board: every check runs on the board; what a virtual
board cannot report (flash chip, IRAM, CPU clock, RTC) is written as unavailable with the
reason. Also `bench crypto --port`, which names the crypto core the board runs."""

import json
import os
import time

import pytest

from micromarket.device import vboard
from micromarket.errors import DeviceError



@pytest.fixture
def board():
    name = f"doc{os.getpid()}-{time.monotonic_ns() % 100000}"
    vb = vboard.start(name, board="virtual-plug")
    yield vb
    try:
        vboard.stop(name)
    except DeviceError:
        pass
    vboard.remove(name)


def _doctor(cli, port, out, *extra):
    r = cli("doctor", "--port", port, "--out", out, "--json", *extra, timeout=180)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    written = sorted(out.glob("doctor-virtual-plug-*"))
    assert [p.suffix for p in written[-2:]] == [".json", ".txt"], written
    assert json.loads(written[-2].read_text()) == report
    return report, written[-1].read_text()


def test_doctor_reports_a_virtual_board(cli, board, tmp_path):
    report, text = _doctor(cli, board.port, tmp_path, "--load-w", "1800")
    chip = report["chip"]
    assert chip["platform"] == "linux"
    for missing in (chip["flash_bytes"], chip["cpu_hz"], report["exec_ram_before_crypto"],
                    report["exec_ram_after_crypto"], report["clock"]["rtc"]):
        assert "linux port" in missing["unavailable"]  # said, not faked
    assert report["firmware"]["board"] == "virtual-plug"
    c = report["crypto"]
    assert c["variant"] == "viper" and c["native_error"] is None
    assert c["verify_ok"] and c["rejects_forgery"] and c["sign_ms"] > 0 and c["verify_ms"] > 0
    # the soft reset left the agent stopped and the heap fresh: the core costs what it costs
    heap = report["heap_at_start"]["free"] - report["heap_after_crypto"]["free"]
    assert 6144 < heap < 40 * 1024
    m = report["meter"]
    assert m["driver"] == "VirtualMeter"
    assert m["no_load"]["power_w"] == 0 and m["load"]["power_w"] == 1800  # the plug's profile
    assert m["load"]["max_w"] == m["load"]["min_w"] and m["load"]["samples"] >= 5
    assert m["load_error_pct"] == 0 and m["load_ok"]
    assert m["relay"] == {"switches": 2, "pin_on": 1, "pin_off": 0, "inverted": False}
    k = report["clock"]
    assert k["known"] and abs(k["offset_s"]) <= k["offset_bound_s"]
    assert "unavailable (the linux port has no flash chip to ask)" in text
    assert "1800 W expected, +0.0% measured — ok" in text


def test_doctor_flags_a_known_load_the_meter_does_not_see(cli, board, tmp_path):
    report, text = _doctor(cli, board.port, tmp_path, "--load-w", "1500")
    assert report["meter"]["load_error_pct"] == 20 and not report["meter"]["load_ok"]
    assert "OUTSIDE ±10%" in text


def test_doctor_and_bench_name_the_fallback_core(cli, board, tmp_path):
    import crypto_support  # tests/tools, on the path through tests/conftest.py

    r = cli("bench", "crypto", "--port", board.port, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{board.port}: crypto core viper\n" in r.stdout  # what the running firmware loaded
    # the board's field module cannot get executable RAM (simulated: it raises as the port does)
    shim = crypto_support.no_room_for(tmp_path, {"_ed25519_fe": 38912})
    (board.fs / "lib" / "_ed25519_fe.py").write_bytes((shim / "_ed25519_fe.py").read_bytes())
    report, text = _doctor(cli, board.port, tmp_path)  # soft-resets: the core loads afresh
    c = report["crypto"]
    assert c["variant"] == "bigint" and "38912 bytes (simulated" in c["native_error"]
    assert c["verify_ok"] and c["rejects_forgery"]
    assert "crypto      bigint — native code did not fit" in text
    r = cli("bench", "crypto", "--port", board.port, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{board.port}: crypto core bigint (native code did not fit" in r.stdout


def test_doctor_names_a_port_where_no_board_answers(cli, tmp_path):
    r = cli("doctor", "--port", str(tmp_path / "nothing"), "--out", tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("micromarket: ") and "Traceback" not in r.stderr

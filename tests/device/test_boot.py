"""The firmware boots, prints its banner and leaves a usable REPL — on a virtual or a real board."""

import re


def test_soft_reset_boots_firmware_with_banner(dut):
    dut.write("\x03\x03")  # stop whatever runs, back to the REPL
    dut.expect(">>> ", timeout=5)
    dut.write("\x04")  # Ctrl-D: soft reset
    dut.expect("soft reboot", timeout=10)
    m = dut.expect(re.compile(rb"micromarket (\d+\.\d+\.\d+) on (\S+) \((\w+)\), free heap (\d+)"), timeout=15)
    version, board, platform, free = m.group(1), m.group(2), m.group(3), int(m.group(4))
    assert version.count(b".") == 2
    assert board != b"unconfigured", "the board config was not deployed"
    assert platform in (b"linux", b"esp32")
    assert 20_000 < free < 200_000, f"free heap {free} is not that of an ESP32-class board"


def test_repl_usable_after_boot(dut):
    dut.write("\x03\x03")
    dut.expect(">>> ", timeout=5)
    dut.write("print('answer', 6 * 7)\r")
    dut.expect("answer 42", timeout=5)


def test_keyboard_interrupt_stops_running_code(dut):
    dut.write("\x03\x03")
    dut.expect(">>> ", timeout=5)
    # the marker is printed once the line runs, i.e. once Ctrl-C means "interrupt" again
    dut.write("import time; print('run' + 'ning'); [time.sleep_ms(10) for _ in range(100000)]\r")
    dut.expect("running", timeout=5)
    dut.write("\x03")
    dut.expect("KeyboardInterrupt", timeout=5)
    dut.expect(">>> ", timeout=5)

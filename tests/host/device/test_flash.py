"""`micromarket flash`: factory images for real boards' chips, and every refusal before a byte is written."""

import json
import os
import subprocess
import sys

import pytest
from ptys import answering_pty
import serial
from esptool.bin_image import LoadFirmwareImage
from espfw import merged_firmware
from fakerom import FakeRom

from micromarket.device import fwimage
from micromarket.boards.board import get_board
from micromarket.device.deploy import build_app


def mm(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "micromarket.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def last_line(r):
    assert "Traceback" not in r.stderr, r.stderr
    return r.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def fw(tmp_path_factory):
    d = tmp_path_factory.mktemp("fw")
    (d / "c3.bin").write_bytes(merged_firmware("esp32c3"))
    (d / "esp32.bin").write_bytes(merged_firmware("esp32"))
    return d


def test_factory_image_for_a_fleet(fw, tmp_path):
    out = tmp_path / "athom.bin"
    r = mm("flash", "--board", "athom-plug-v3", "--firmware", fw / "c3.bin", "--factory-image", out, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)["factory_image"]
    assert info["flash_offset"] == 0 and info["fs_offset"] == 0x200000
    assert info["command"] == f"esptool --chip esp32c3 --port PORT write-flash 0x0 {out}"
    data = out.read_bytes()
    assert LoadFirmwareImage("esp32c3", data).chip_id == 5
    files = fwimage.read_filesystem(data[info["fs_offset"]:])
    expected = build_app(get_board("athom-plug-v3"))
    assert files == expected  # every file: the rv32imc-compiled app and the board config
    assert any(p.endswith(".mpy") for p in files) and "main.py" in files


@pytest.mark.parametrize("args, message", [
    (["--board", "shelly-plus-plug-s", "--firmware", "{fw}/c3.bin", "--factory-image", "{tmp}/x.bin"],
     "micromarket: the firmware is for esp32c3, the board is esp32 — download the MicroPython build for esp32"),
    (["--board", "shelly-plus-plug-s", "--firmware", "{tmp}/corrupt.bin", "--port", "/dev/null"],
     "micromarket: the firmware's application fails its SHA-256 (the file is corrupt) — download it again"),
    (["--board", "shelly-plus-plug-s", "--firmware", "{tmp}/missing.bin", "--port", "/dev/null"],
     "micromarket: cannot read firmware file {tmp}/missing.bin: No such file or directory — give the path of a .bin"),
    (["--board", "shelly-plus-plug-s", "--firmware", "{fw}/esp32.bin"],
     "micromarket: no board found — plug one in and pass --port (see `micromarket devices`), or build an image with --factory-image OUT.bin"),
    (["--board", "shelly-plus-plug-s", "--firmware", "{fw}/esp32.bin", "--port", "/dev/ttyNOPE"],
     "micromarket: port /dev/ttyNOPE does not exist — plug the board in and list ports with `micromarket devices`"),
    (["--board", "virtual-plug", "--firmware", "{fw}/esp32.bin", "--port", "/dev/null"],
     "micromarket: board 'virtual-plug' is a virtual board; it has no flash to write — start it with "
     "`micromarket vboard start NAME --board virtual-plug`"),
])
def test_refusals(fw, tmp_path, args, message):
    data = bytearray(merged_firmware("esp32"))
    data[-40] ^= 0xFF
    (tmp_path / "corrupt.bin").write_bytes(bytes(data))
    args = [a.format(fw=fw, tmp=tmp_path) for a in args]
    r = mm("flash", *args)
    assert r.returncode == 1
    assert last_line(r) == message.format(tmp=tmp_path)
    assert not (tmp_path / "x.bin").exists()


def test_wrong_chip_on_the_port(fw):
    rom = FakeRom("esp32")  # an ESP32 in its ROM bootloader, while the board file says ESP32-C3
    try:
        r = mm("flash", "--board", "athom-plug-v3", "--port", rom.port, "--firmware", fw / "c3.bin")
    finally:
        rom.close()
    assert r.returncode == 1
    assert last_line(r) == (f"micromarket: the chip on {rom.port} is an ESP32, the board needs an ESP32C3 — "
                            "pick the --board that matches the hardware")


def test_not_a_bootloader_on_the_port(fw):
    with answering_pty(b"MicroPython v1.29 garbage\r\n>>> ") as port:
        r = mm("flash", "--board", "shelly-plus-plug-s", "--port", port, "--firmware", fw / "esp32.bin")
    assert r.returncode == 1
    line = last_line(r)
    assert line.startswith(f"micromarket: no ESP chip answered on {port}")
    assert line.endswith("hold BOOT while pressing RESET to enter the bootloader, then retry")


def test_busy_port(fw):
    rom = FakeRom("esp32")
    holder = serial.Serial(rom.port, exclusive=True)
    try:
        r = mm("flash", "--board", "shelly-plus-plug-s", "--port", rom.port, "--firmware", fw / "esp32.bin")
    finally:
        holder.close()
        rom.close()
    assert r.returncode == 1
    assert last_line(r) == (f"micromarket: port {rom.port} is busy: another program has it open — close mpremote, "
                            "a serial monitor or `micromarket monitor` on it")


def test_permission_denied(fw):
    """The port's mode forbids us: as root, drop the capabilities that override file modes (setpriv)."""
    import shutil

    rom = FakeRom("esp32")
    os.chmod(rom.port, 0o000)
    cmd = [sys.executable, "-m", "micromarket.cli", "flash", "--board", "shelly-plus-plug-s", "--port", rom.port,
           "--firmware", str(fw / "esp32.bin")]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot be denied a file")
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        rom.close()
    assert r.returncode == 1
    assert last_line(r) == (f"micromarket: permission denied opening {rom.port} — add your user to the "
                            "'dialout' group (then log in again)")

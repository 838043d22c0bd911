"""Choosing a port as esptool and mpremote do: given, from the environment, or the one board found;
a virtual board's name is a port; what is not a serial port is refused before it is opened."""

import json

import pytest

from micromarket.cli import main
from micromarket.device import ports, vboard
from micromarket.device.selftest import DEFAULT_VECTORS, load_vectors
from micromarket.errors import DeviceError


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.fixture
def board_pair():
    a = vboard.start("ports-a", board="virtual-plug")
    b = vboard.start("ports-b", board="virtual-plug")
    yield a, b
    for name in ("ports-a", "ports-b"):
        vboard.stop(name)
        vboard.remove(name)


def test_a_plain_file_or_a_missing_path_is_no_port(tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("hello")
    with pytest.raises(DeviceError, match="is a plain file, not a serial port"):
        ports.check_port(str(plain))
    with pytest.raises(DeviceError, match="does not exist"):
        ports.check_port(str(tmp_path / "ttyUSB9"))
    with pytest.raises(DeviceError, match="no port or virtual board named 'nosuchboard'"):
        ports.check_port("nosuchboard")
    assert main(["monitor", "--port", str(plain), "--duration", "1"]) == 1
    assert one_line_error(capsys) == (f"micromarket: {plain} is a plain file, not a serial port — "
                                      "give a port from `micromarket devices`")


def test_virtual_board_names_the_environment_and_autodetection(board_pair, monkeypatch, capsys):
    a, b = board_pair
    assert ports.check_port("ports-a") == a.port
    # two boards and no terminal: an error that lists them, no guess
    with pytest.raises(DeviceError, match=r"2 boards found \(.*\) — choose one with --port"):
        ports.resolve(None, ask=False)
    monkeypatch.setenv(ports.PORT_ENV, "ports-b")
    assert ports.resolve(None) == b.port
    monkeypatch.delenv(ports.PORT_ENV)
    vboard.stop("ports-b")
    assert ports.resolve(None) == a.port  # the only board left
    assert f"using {a.port}" in capsys.readouterr().err
    with pytest.raises(DeviceError, match="virtual board 'ports-b' is not running"):
        ports.resolve("ports-b")
    vboard.start("ports-b", board="virtual-plug")


def test_espport_is_the_flash_ports_variable(monkeypatch, tmp_path, capsys, firmware_esp32):
    fw = tmp_path / "esp32.bin"
    fw.write_bytes(firmware_esp32)
    monkeypatch.setenv(ports.PORT_ENV, str(tmp_path / "ttyUSB6"))
    monkeypatch.setenv(ports.FLASH_PORT_ENV, str(tmp_path / "ttyUSB7"))
    assert main(["flash", "--board", "shelly-plus-plug-s", "--firmware", str(fw)]) == 1
    assert one_line_error(capsys) == (f"micromarket: port {tmp_path}/ttyUSB7 does not exist — plug the "
                                      "board in and list ports with `micromarket devices`")
    assert main(["flash", "--board", "shelly-plus-plug-s", "--firmware", str(fw), "--baud", "12"]) == 2
    assert "--baud" in one_line_error(capsys)


def test_selftest_vectors_ship_inside_the_package():
    assert DEFAULT_VECTORS.is_file() and (DEFAULT_VECTORS.parent / "NOTICE").is_file()
    assert "micromarket" in DEFAULT_VECTORS.parts and "shared" not in DEFAULT_VECTORS.parts
    vectors = load_vectors()
    data = json.loads(DEFAULT_VECTORS.read_text())
    assert data["numberOfTests"] == 151 and len(vectors) == 151
    assert sum(v.valid for v in vectors) == 88

"""`micromarket deploy`: compile for the board, copy only what changed, reset; clear errors on bad ports."""

import os
import time

import pytest
import serial
from ptys import answering_pty

from micromarket.device import vboard
from micromarket.boards.board import get_board
from micromarket.device.deploy import build_app, deploy
from micromarket.device.target import connect

BOARD = get_board("virtual-plug")


@pytest.fixture
def blank_board():
    name = f"deploy-{os.getpid()}-{time.monotonic_ns() % 100000}"
    vb = vboard.start(name, board="virtual-plug", app=False)
    yield vb
    vboard.stop(name)
    vboard.remove(name)


def test_deploy_copies_only_changed_files(blank_board):
    files = build_app(BOARD)
    assert "main.py" in files and any(p.endswith(".mpy") for p in files)
    with connect(blank_board.port) as t:
        first = deploy(t, BOARD, files, reset=False)
        assert sorted(first.changed) == sorted(files) and not first.unchanged
        second = deploy(t, BOARD, files, reset=False)
        assert second.changed == [] and sorted(second.unchanged) == sorted(files)
        changed = dict(files)
        changed["main.py"] = files["main.py"] + b"\n# edited\n"
        third = deploy(t, BOARD, changed, reset=False)
        assert third.changed == ["main.py"]
        assert t.fs_get("main.py") == changed["main.py"]
        # a stale source twin would shadow the compiled module: deploy removes it
        mpy = next(p for p in files if p.endswith(".mpy"))
        t.write_file(mpy[:-4] + ".py", b"raise ImportError('stale')\n")
        fourth = deploy(t, BOARD, changed, reset=False)
        assert fourth.removed == [mpy[:-4] + ".py"] and fourth.changed == []
    for rel, data in changed.items():
        assert (blank_board.fs / rel).read_bytes() == data


def test_deploy_cli_resets_into_the_new_app(cli, blank_board):
    r = cli("deploy", "--port", blank_board.port, "--board", "virtual-plug", "--json")
    assert r.returncode == 0, r.stderr
    import json

    assert len(json.loads(r.stdout)["changed"]) == len(build_app(BOARD))
    # the reset ran main.py: its banner names the board
    with serial.Serial(blank_board.port, 115200, timeout=0.2) as port:
        port.write(b"\x03\x04")
        buf, deadline = b"", time.monotonic() + 10
        while b"free heap" not in buf and time.monotonic() < deadline:
            buf += port.read(256)
    assert b"micromarket" in buf and b"virtual-plug" in buf, buf[-300:]
    again = cli("deploy", "--port", blank_board.port, "--board", "virtual-plug", "--json")
    assert json.loads(again.stdout)["changed"] == []


def test_missing_port(cli):
    r = cli("deploy", "--port", "/dev/ttyNOPE9", "--board", "virtual-plug")
    assert r.returncode == 1
    assert "port /dev/ttyNOPE9 does not exist" in r.stderr and "Traceback" not in r.stderr


def test_busy_port(cli, blank_board):
    with serial.Serial(blank_board.port, 115200, exclusive=True):
        r = cli("deploy", "--port", blank_board.port, "--board", "virtual-plug")
    assert r.returncode == 1 and "is busy" in r.stderr, r.stderr


def test_port_without_micropython(cli):
    with answering_pty(None) as port:  # a serial line where nothing answers the REPL
        r = cli("deploy", "--port", port, "--board", "virtual-plug", timeout=60)
    assert r.returncode == 1 and "no MicroPython REPL answered" in r.stderr, r.stderr


def test_unknown_board(cli, blank_board):
    r = cli("deploy", "--port", blank_board.port, "--board", "esp8266-toaster")
    assert r.returncode == 1 and "esp8266-toaster" in r.stderr and "Traceback" not in r.stderr


def test_deploy_without_board_uses_the_config_on_the_device(cli, blank_board):
    r = cli("deploy", "--port", blank_board.port)
    assert r.returncode == 1 and "carries no board config" in r.stderr
    assert cli("deploy", "--port", blank_board.port, "--board", "virtual-plug").returncode == 0
    import json

    again = cli("deploy", "--port", blank_board.port, "--json")
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert out["board"] == "virtual-plug" and out["changed"] == []

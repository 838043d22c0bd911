"""Virtual boards: started, driven by pyserial and mpremote like a real board, reset, stopped."""

import os
import signal
import stat
import subprocess
import time

import pytest
import serial

from micromarket.device import vboard
from micromarket.errors import DeviceError
from micromarket.paths import tool


def read_until(port: serial.Serial, token: bytes, timeout: float = 10) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while token not in buf and time.monotonic() < deadline:
        buf += port.read(port.in_waiting or 1)
    assert token in buf, f"{token!r} not seen in {buf[-300:]!r}"
    return buf


def mpremote(port, *args):
    return subprocess.run([tool("mpremote"), "connect", port, *args], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def board():
    name = f"t{os.getpid()}-{time.monotonic_ns() % 100000}"
    vb = vboard.start(name, board="virtual-plug")
    yield vb
    try:
        vboard.stop(name)
    except DeviceError:
        pass
    vboard.remove(name)


def test_cli_start_prints_port_then_list_and_stop(cli):
    r = cli("vboard", "start", "clitest", "--board", "virtual-plug")
    assert r.returncode == 0, r.stderr
    port = r.stdout.strip()
    assert stat.S_ISCHR(os.stat(port).st_mode)
    listed = cli("vboard", "list", "--json")
    import json

    entry = next(b for b in json.loads(listed.stdout) if b["name"] == "clitest")
    assert entry["status"] == "running" and entry["port"] == port
    assert cli("vboard", "stop", "clitest").returncode == 0
    assert not any(b.name == "clitest" and b.status == "running" for b in vboard.list_boards())
    assert cli("vboard", "rm", "clitest").returncode == 0


def test_heap_is_the_boards_figure(board):
    out = mpremote(board.port, "resume", "exec", "import gc; gc.collect(); print(gc.mem_free() + gc.mem_alloc())")
    assert out.returncode == 0, out.stderr
    total = int(out.stdout.split()[-1])
    assert abs(total - board.heap) < 4096, (total, board.heap)


def test_pyserial_friendly_repl(board):
    with serial.Serial(board.port, 115200, timeout=0.2) as port:
        port.write(b"\x03")
        read_until(port, b">>> ")
        port.write(b"print(6 * 7)\r")
        read_until(port, b"42\r\n")


def test_soft_reset_keeps_filesystem_and_reruns_main(board):
    assert mpremote(board.port, "resume", "exec", "open('keep.txt','w').write('kept')").returncode == 0
    with serial.Serial(board.port, 115200, timeout=0.2) as port:
        port.write(b"\x03")
        read_until(port, b">>> ")
        port.write(b"\x04")  # Ctrl-D, as on an ESP32
        out = read_until(port, b">>> ")
        assert b"soft reboot" in out and b"micromarket" in out
        port.write(b"import machine\rmachine.soft_reset()\r")
        read_until(port, b"soft reboot")
        read_until(port, b"free heap")
    assert vboard.get(board.name).boots == 3
    r = mpremote(board.port, "resume", "exec", "print(open('keep.txt').read())")
    assert r.stdout.strip() == "kept"


def test_mpremote_with_and_without_resume(board):
    r = mpremote(board.port, "resume", "exec", "print('resumed')")
    assert r.returncode == 0 and r.stdout.strip() == "resumed", r.stderr
    r = mpremote(board.port, "exec", "print('after soft reset')")  # mpremote's soft-reset path
    assert r.returncode == 0 and r.stdout.strip() == "after soft reset", r.stderr
    r = mpremote(board.port, "resume", "fs", "cp", __file__, ":copied.py")
    assert r.returncode == 0, r.stderr
    assert (board.fs / "copied.py").read_bytes() == open(__file__, "rb").read()


def test_power_cycle_kills_and_reboots(board):
    before = vboard.get(board.name)
    after = vboard.power_cycle(board.name)
    assert after.boots == before.boots + 1 and after.child_pid != before.child_pid
    assert mpremote(board.port, "resume", "eval", "1+1").stdout.strip() == "2"


def test_stale_board_is_detected_and_restartable(board):
    os.kill(board.pid, signal.SIGKILL)
    os.kill(board.child_pid, signal.SIGKILL)
    time.sleep(0.1)
    assert vboard.get(board.name).status == "stale"
    again = vboard.start(board.name, board="virtual-plug")
    assert again.status == "running"
    assert mpremote(again.port, "resume", "eval", "2+3").stdout.strip() == "5"


@pytest.mark.parametrize("args, words", [
    (("vboard", "start", "x1", "--board", "no-such-board"), "no-such-board"),
    (("vboard", "start", "bad name!"), "invalid virtual board name"),
    (("vboard", "stop", "never-started"), "no virtual board named"),
    (("vboard", "start", "x2", "--board", "shelly-plus-plug-s"), "not a virtual one"),
])
def test_bad_input_one_clear_line(cli, args, words):
    r = cli(*args)
    assert r.returncode != 0
    assert words in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_start_twice_is_refused(cli, board):
    r = cli("vboard", "start", board.name)
    assert r.returncode == 1 and "already running" in r.stderr


def test_a_board_runs_on_the_runtime_it_is_given(tmp_path, monkeypatch):
    """vboard.start(runtime=PATH) and $MICROMARKET_MICROPYTHON: the board's interpreter is that
    binary, its app compiled for that binary's architecture, read from the binary itself."""
    import json

    from micromarket.errors import UsageError
    from micromarket.device.target import connect

    other = tmp_path / "bin" / "micropython-other"
    other.parent.mkdir()
    other.symlink_to(tool("micropython"))
    name = f"rt{os.getpid()}"
    monkeypatch.setenv(vboard.RUNTIME_ENV, str(other))
    vb = vboard.start(name, board="virtual-plug")
    try:
        cfg = json.loads((vboard.boards_home() / name / "config.json").read_text())
        assert cfg["micropython"] == str(other) and cfg["arch"] == "x64"
        with open(f"/proc/{vb.child_pid}/cmdline", "rb") as f:
            assert str(other).encode() in f.read().split(b"\0")
        with connect(vb.port) as t:
            assert "viper" in t.exec("import ed25519; print(ed25519.VARIANT)")
        vboard.stop(name)
        # a binary that is no MicroPython is refused, naming it, before the board is touched
        with pytest.raises(UsageError, match="/bin/true is not a MicroPython unix port"):
            vboard.start(name, board="virtual-plug", runtime="/bin/true")
    finally:
        try:
            vboard.stop(name)
        except DeviceError:
            pass
        vboard.remove(name)


def test_a_runtime_without_raw_repl_is_refused(micropython_i386):
    from micromarket.errors import UsageError

    with pytest.raises(UsageError, match="has no raw REPL"):
        vboard.start(f"nr{os.getpid()}", board="virtual-plug", runtime=micropython_i386)
    assert not (vboard.boards_home() / f"nr{os.getpid()}" / "config.json").exists()

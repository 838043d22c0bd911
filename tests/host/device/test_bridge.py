"""The serial bridge: frames, resync on garbage, and the device's link relayed to a real Mosquitto."""

import os
import pty
import queue
import subprocess
import threading
import time
import tty
import zlib

import paho.mqtt.client as mqtt
import pytest

from micromarket.device import serialframe as SF
from micromarket.device import upy
from micromarket.device.bridge import Bridge
from micromarket.paths import FIRMWARE_DIR, tool


def test_frames_round_trip_between_text():
    r = SF.Reader()
    data = b"boot ok\n" + SF.publish("mm/m/tender/p1", b"\x00\xfe\x4d\xff", True) + b"log\n" + SF.subscribe("mm/#")
    items = []
    for i in range(len(data)):  # byte by byte: frames split anywhere
        items += r.feed(data[i:i + 1])
    frames = [i for i in items if i[0] == "frame"]
    text = b"".join(i[1] for i in items if i[0] == "text")
    assert text == b"boot ok\nlog\n"
    assert [f[1] for f in frames] == [b"P", b"S"]


@pytest.mark.parametrize("garbage", [b"\xfe", b"\xfe\x4d", b"\xfe\x4dP\xff\xff", b"\xfe\x4dP\x00\x02ab\x00\x00\x00\x00",
                                     bytes(range(256))])
def test_reader_resyncs_after_garbage(garbage):
    r = SF.Reader()
    good = SF.publish("t", b"payload")
    items = r.feed(garbage + good + good)
    assert [i[2] for i in items if i[0] == "frame"] == [good[5:-4]] * 2


def test_bad_crc_is_dropped():
    frame = bytearray(SF.publish("t", b"x"))
    frame[-1] ^= 1
    r = SF.Reader()
    assert [i for i in r.feed(bytes(frame) + SF.subscribe("a")) if i[0] == "frame"] == [("frame", b"S", SF.cbor2.dumps("a"))]
    assert r.dropped >= 1


def test_device_parser_agrees_with_host(tmp_path):
    frames = SF.publish("mm/m/award/p1", bytes(range(256)), False) + SF.connack(True) + SF.subscribe("x/#")
    noisy = b"\xfe\x4dZ" + frames[:7] + b"garbage" + frames
    (tmp_path / "in.bin").write_bytes(noisy)
    out = upy.run_code(
        "import seriallink, binascii\n"
        f"buf = bytearray(open({str(tmp_path / 'in.bin')!r}, 'rb').read())\n"
        "for k, b in seriallink.parse(buf):\n print(chr(k), binascii.hexlify(b).decode())\n"
        "print(binascii.hexlify(seriallink.frame(ord('P'), b'abc')).decode())")
    lines = out.split()
    assert lines[-1] == SF.encode(b"P", b"abc").hex()
    assert lines[:-1] == ["P", SF.publish("mm/m/award/p1", bytes(range(256)))[5:-4].hex(),
                          "A", SF.connack(True)[5:-4].hex(), "S", SF.subscribe("x/#")[5:-4].hex()]
    assert zlib.crc32(b"123456789") == 0xCBF43926


DEVICE = """
import asyncio, seriallink
async def main():
    link = seriallink.SerialLink(%(id)r)
    await link.subscribe('mm/t/award/%(id)s')  # remembered, sent once the bridge answers
    while not await link.connect(wait_ms=2000):
        pass
    print('device %(id)s connected')
    await link.publish('mm/t/tender/%(id)s', b'\\xfe\\x4d\\x03 tender')
    topic, payload = await link.recv()
    await link.publish('mm/t/echo/%(id)s', payload)
    print('device %(id)s done')
    await asyncio.sleep(30)
asyncio.run(main())
"""


class Device:
    """The firmware's seriallink on the unix port, its stdio on a pty; the port path is a symlink (like by-id)."""

    def __init__(self, link_path, name):
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        tmp = str(link_path) + ".new"
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, link_path)
        self.slave = slave
        env = upy.micropython_env()
        self.proc = subprocess.Popen([tool("micropython"), "-X", "heapsize=110K", "-c", DEVICE % {"id": name}],
                                     stdin=self.master, stdout=self.master, stderr=subprocess.PIPE, env=env,
                                     cwd=FIRMWARE_DIR)

    def unplug(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def watcher(mosquitto):
    got = queue.Queue()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    c.on_message = lambda cl, u, m: got.put((m.topic, bytes(m.payload)))
    c.connect("127.0.0.1", mosquitto.port)
    c.subscribe("mm/t/#", qos=1)
    c.loop_start()
    yield c, got
    c.loop_stop()
    c.disconnect()


def _expect(got, topic, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            t, p = got.get(timeout=0.5)
        except queue.Empty:
            continue
        if t == topic:
            return p
    raise AssertionError(f"nothing on {topic}")


def _wait_log(logs, line, timeout=10):
    """The device prints after its publish, so its line may reach the bridge after the echo."""
    deadline = time.monotonic() + timeout
    while line not in logs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert line in logs, logs


def test_bridge_relays_and_survives_replug(tmp_path, mosquitto, watcher):
    client, got = watcher
    port = tmp_path / "ttyUSB-by-id"
    dev = Device(port, "d1")
    logs = []
    bridge = Bridge(str(port), mosquitto.url, on_log=logs.append, backoff=(0.05, 0.5))
    runner = threading.Thread(target=bridge.run, daemon=True)
    runner.start()
    try:
        assert _expect(got, "mm/t/tender/d1") == b"\xfe\x4d\x03 tender"
        time.sleep(0.3)  # the subscription frame follows the connect
        client.publish("mm/t/award/d1", b"award \x00\xfe bytes", qos=1)
        assert _expect(got, "mm/t/echo/d1") == b"award \x00\xfe bytes"
        dev.unplug()
        dev2 = Device(port, "d2")  # replugged: a new tty behind the same by-id path
        try:
            assert _expect(got, "mm/t/tender/d2") == b"\xfe\x4d\x03 tender"
            time.sleep(0.3)
            client.publish("mm/t/award/d2", b"second", qos=1)
            assert _expect(got, "mm/t/echo/d2") == b"second"
            _wait_log(logs, "device d2 done")
        finally:
            dev2.unplug()
    finally:
        bridge.stop_event.set()
        runner.join(10)
    assert bridge.stats.opens >= 2
    assert "device d1 connected" in logs and "device d2 done" in logs
    assert bridge.stats.subscriptions == {"mm/t/award/d1", "mm/t/award/d2"}


def test_bridge_over_tls_logs_in_as_its_device_or_says_why_not(secure_street, tmp_path):
    """`micromarket bridge --broker mqtts://... --ca-file --username PARTY --password-file`: with the
    device's credential it connects; a wrong CA or password ends it with one line saying which."""
    from micromarket.errors import DeviceError
    from micromarket.fleet import ca
    from micromarket.protocol.broker import parse

    st = secure_street
    a = st["parties"][0]
    good, wrong = tmp_path / "pw", tmp_path / "wrong"
    good.write_text(st["pw"](a) + "\n")
    wrong.write_text("guess\n")
    ca.init(tmp_path / "other")
    url = f"mqtts://localhost:{st['port']}"
    client = Bridge("/dev/null", parse(url, st["ca"], a, good))._mqtt()
    try:
        assert client.is_connected()
    finally:
        client.disconnect()
        client.loop_stop()
    assert a in st["broker"].clients()
    for access, words in ((parse(url, tmp_path / "other" / ca.CA_CERT, a, good), "certificate does not verify"),
                          (parse(url, st["ca"], a, wrong), "refused the bridge")):
        with pytest.raises(DeviceError, match=words):
            Bridge("/dev/null", access)._mqtt()

# The device's link to MQTT over its USB serial line, through `micromarket bridge` on the host.
# Same methods as the MQTT link (lib/mqtt.py), so the agent takes either.
#
# Frame (host half and full description: host/micromarket/serialframe.py):
#   0xFE 0x4D | kind (1) | length (2, big-endian) | CBOR body | CRC-32 (4, big-endian, over kind..body)
# kinds: C connect {"id": client id}, A ack {"ok": bool}, P publish [topic, payload, retain],
#        S subscribe topic filter.
# Log lines printed by the firmware share the line; 0xFE never occurs in UTF-8 text.
# While the link is open, Ctrl-C on the line is disabled (frames may carry 0x03).

import struct
import sys

import asyncio
import cbor
from micropython import const

_M0 = const(0xFE)
_M1 = const(0x4D)
_HEAD = const(5)
_MAX_BODY = const(9216)
_KINDS = b"CAPS"

try:
    from binascii import crc32 as _crc32
except ImportError:
    def _crc32(data, crc=0):
        crc ^= 0xFFFFFFFF
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
        return crc ^ 0xFFFFFFFF


class LinkDown(OSError):
    pass



def frame(kind, body):
    head = bytes((kind,)) + struct.pack(">H", len(body))
    return bytes((_M0, _M1)) + head + body + struct.pack(">I", _crc32(head + body) & 0xFFFFFFFF)


def parse(buf):
    """Take complete frames off the front of bytearray ``buf``; return [(kind, body)]; drop garbage."""
    out = []
    while buf:
        at = buf.find(b"\xfe")
        if at < 0:
            buf[:] = b""
            break
        if at:
            buf[:] = buf[at:]
        if len(buf) < _HEAD:
            break
        if buf[1] != _M1 or buf[2] not in _KINDS:
            buf[:] = buf[1:]
            continue
        n = (buf[3] << 8) | buf[4]
        if n > _MAX_BODY:
            buf[:] = buf[1:]
            continue
        end = _HEAD + n + 4
        if len(buf) < end:
            break
        crc = struct.unpack(">I", buf[end - 4:end])[0]
        if _crc32(buf[2:end - 4]) & 0xFFFFFFFF != crc:
            buf[:] = buf[1:]
            continue
        out.append((buf[2], bytes(buf[_HEAD:end - 4])))
        buf[:] = buf[end:]
    return out


class SerialLink:
    """The link interface of lib/mqtt.py (connect, publish, subscribe, recv, close)."""

    def __init__(self, client_id, stream_in=None, stream_out=None):
        self.client_id = client_id
        self._in = stream_in or sys.stdin.buffer
        self._out = stream_out or sys.stdout.buffer
        self._reader = None
        self._buf = bytearray()
        self._queue = []      # received (topic, payload)
        self._subs = []
        self.connected = False
        self.connects = 0

    def _send(self, kind, obj):
        self._out.write(frame(kind, cbor.dumps(obj)))
        try:
            self._out.flush()
        except AttributeError:
            pass

    def _on_frame(self, kind, body):
        if kind == 0x41:  # A: the bridge acknowledges us, or has (re)opened the port
            if cbor.loads(body).get("ok"):
                self.connected = True
                self.connects += 1
                for topic_filter in self._subs:
                    self._send(0x53, topic_filter)
        elif kind == 0x50:  # P: a message from a subscription
            topic, payload, _retain = cbor.loads(body)
            self._queue.append((topic, payload))

    async def _pump(self):
        """Read what the line has and handle the frames in it.

        A blocking stream's read(n) waits for all n bytes (the ESP32's stdin, a tty), so bytes are
        taken one at a time: the first when the stream is readable, the rest while poll says so.
        """
        if self._reader is None:
            import select

            self._reader = asyncio.StreamReader(self._in)
            self._poll = select.poll()
            self._poll.register(self._in, select.POLLIN)
        data = await self._reader.read(1)
        if not data:
            self.connected = False
            raise LinkDown("serial line closed")
        self._buf.extend(data)
        n = 0
        while n < 512 and self._poll.poll(0):
            data = self._in.read(1)
            if not data:
                break
            self._buf.extend(data)
            n += 1
        for kind, body in parse(self._buf):
            self._on_frame(kind, body)

    async def connect(self, wait_ms=0):
        """Ask the bridge for the link; wait up to wait_ms for its answer. Never raises."""
        try:
            import micropython

            micropython.kbd_intr(-1)  # frames may carry 0x03
        except (ImportError, AttributeError):
            pass
        self._send(0x43, {"id": self.client_id})
        if wait_ms:
            try:
                await asyncio.wait_for_ms(self._until_connected(), wait_ms)
            except (asyncio.TimeoutError, OSError):
                pass
        return self.connected

    async def _until_connected(self):
        while not self.connected:
            await self._pump()

    async def publish(self, topic, payload, retain=False, qos=0):
        if not self.connected:
            raise LinkDown("no bridge")
        self._send(0x50, [topic, bytes(payload), bool(retain)])

    async def subscribe(self, topic_filter):
        if topic_filter not in self._subs:
            self._subs.append(topic_filter)
        if self.connected:
            self._send(0x53, topic_filter)

    async def recv(self):
        """The next (topic, payload) from a subscription; waits."""
        while not self._queue:
            await self._pump()
        return self._queue.pop(0)

    async def close(self):
        self.connected = False
        try:
            import micropython

            micropython.kbd_intr(3)
        except (ImportError, AttributeError):
            pass

"""MQTT 3.1.1 client for the device, on asyncio streams (unix port and ESP32 alike).

The link interface
------------------
The agent talks to the market through a *link*; this module is the MQTT one and
``seriallink.py`` (framed CBOR over USB to ``micromarket bridge``) is the other. Both offer:

- ``await link.connect(wait_ms=0)``: start the link's background task, which connects and keeps
  reconnecting (exponential back-off with jitter) for as long as the link is open; returns
  ``link.connected`` after waiting up to ``wait_ms`` for the first connection. Never raises for
  an unreachable broker: the device keeps working offline (island mode).
- ``await link.publish(topic, payload, retain=False, qos=0)``: send ``payload`` (bytes). With
  ``qos=1`` it returns once the broker has acknowledged it. Raises ``LinkDown`` when the link is
  down or drops before the acknowledgement, so the caller keeps the message to send again.
- ``await link.subscribe(topic_filter)``: remembered and renewed after every reconnect; may be
  called before the first connection.
- ``await link.recv()`` -> ``(topic str, payload bytes)``: the next received message; waits.
  ``link.pending()`` says how many are queued.
- ``link.connected`` (bool), ``link.connects`` (count of successful connections, so a caller
  sees a reconnect), ``await link.close()``.

MQTT details: clean session, keep-alive with PINGREQ when nothing else was sent for half the
keep-alive (and the connection is dropped when the broker is silent for 1.5 keep-alives), a last
will, QoS 0 and 1 both ways (incoming QoS 1 is acknowledged), incoming packets above
``max_packet`` bytes are skipped in small chunks without allocating them, and at most
``max_queue`` received messages are kept (the oldest is dropped first; ``dropped`` counts them).
"""

import asyncio
import time

from micropython import const

try:
    import random
    _rand = random.getrandbits
except (ImportError, AttributeError):  # pragma: no cover - every MicroPython port has one
    import os

    def _rand(bits):
        return int.from_bytes(os.urandom(4), "big") & ((1 << bits) - 1)

_CONNECT = const(0x10)
_CONNACK = const(0x20)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
_DISCONNECT = const(0xE0)

_REFUSED = ("", "bad protocol version", "client id rejected", "server unavailable",
            "bad user name or password", "not authorised")


class LinkDown(OSError):
    """The link is not connected, or dropped before the message was acknowledged."""


class MQTTError(ValueError):
    """The broker answered with something this client cannot accept."""


def backoff_ms(attempt, base_ms, max_ms, jitter_bits=8):
    """Delay before reconnect attempt ``attempt`` (0-based): base * 2**attempt capped at max,
    then a random fraction (up to half) taken off so a fleet does not reconnect in step."""
    d = base_ms << attempt if attempt < 20 else max_ms
    if d > max_ms:
        d = max_ms
    return d - (d >> 1) * _rand(jitter_bits) // (1 << jitter_bits)


def _str(b, s):
    """Append an MQTT string (2-byte length + bytes) to bytearray ``b``."""
    if isinstance(s, str):
        s = s.encode()
    b.append(len(s) >> 8)
    b.append(len(s) & 0xFF)
    b.extend(s)


def _packet(kind, body):
    """Fixed header (type, remaining length varint) followed by ``body``."""
    n = len(body)
    out = bytearray((kind,))
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            break
    out.extend(body)
    return out


def connect_packet(client_id, keepalive, will=None, user=None, password=None):
    """CONNECT with a clean session; ``will`` = (topic, payload, retain, qos) or None."""
    b = bytearray(b"\x00\x04MQTT\x04")
    flags = 0x02
    if will:
        flags |= 0x04 | (will[3] << 3) | (0x20 if will[2] else 0)
    if user is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    b.append(flags)
    b.append(keepalive >> 8)
    b.append(keepalive & 0xFF)
    _str(b, client_id)
    if will:
        _str(b, will[0])
        _str(b, will[1])
    if user is not None:
        _str(b, user)
    if password is not None:
        _str(b, password)
    return _packet(_CONNECT, b)


def publish_packet(topic, payload, retain, qos, pid, dup=False):
    b = bytearray()
    _str(b, topic)
    if qos:
        b.append(pid >> 8)
        b.append(pid & 0xFF)
    b.extend(payload)
    return _packet(_PUBLISH | (8 if dup else 0) | (qos << 1) | (1 if retain else 0), b)


def parse_url(url):
    """``mqtt://host:port`` -> (host, port)."""
    if url.startswith("mqtt://"):
        url = url[7:]
    host, _, port = url.partition(":")
    return host, int(port.rstrip("/")) if port else 1883


class MQTTLink:
    def __init__(self, host, port=1883, client_id="mm", keepalive=30, will=None, user=None,
                 password=None, backoff_base_ms=250, backoff_max_ms=30000, max_packet=4096,
                 max_queue=8, ack_timeout_ms=5000):
        self.host, self.port = host, port
        self.client_id, self.keepalive, self.will = client_id, keepalive, will
        self.user, self.password = user, password
        self.backoff_base_ms, self.backoff_max_ms = backoff_base_ms, backoff_max_ms
        self.max_packet, self.max_queue, self.ack_timeout_ms = max_packet, max_queue, ack_timeout_ms
        self.connected = False
        self.connects = 0
        self.pings = 0
        self.dropped = 0
        self.last_error = None
        self._subs = []
        self._queue = []
        self._rx = asyncio.Event()
        self._up = asyncio.Event()
        self._dead = asyncio.Event()
        self._acks = {}  # packet id -> Event (PUBACK / SUBACK)
        self._pid = 0
        self._task = None
        self._closing = False
        self._r = self._w = None
        self._sent = self._heard = 0
        self._pinger = None
        self._scratch = bytearray(64)

    # --- the link interface ---------------------------------------------------------------

    async def connect(self, wait_ms=0):
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._supervise())
        if wait_ms and not self.connected:
            try:
                await asyncio.wait_for_ms(self._up.wait(), wait_ms)
            except asyncio.TimeoutError:
                pass
        return self.connected

    async def publish(self, topic, payload, retain=False, qos=0):
        if not self.connected:
            raise LinkDown("not connected")
        if not qos:
            await self._send(publish_packet(topic, payload, retain, 0, 0))
            return
        pid = self._next_pid()
        await self._send_and_wait(pid, publish_packet(topic, payload, retain, 1, pid))

    async def subscribe(self, topic_filter):
        if topic_filter not in self._subs:
            self._subs.append(topic_filter)
        if self.connected:
            await self._subscribe_now(topic_filter)

    async def recv(self):
        while not self._queue:
            self._rx.clear()
            await self._rx.wait()
        return self._queue.pop(0)

    def pending(self):
        return len(self._queue)

    async def close(self):
        self._closing = True
        if self.connected:
            try:
                await self._send(b"\xe0\x00")
            except OSError:
                pass
        self._drop()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # --- sending --------------------------------------------------------------------------

    def _next_pid(self):
        self._pid = self._pid % 0xFFFF + 1
        return self._pid

    async def _send(self, pkt):
        w = self._w
        if w is None:
            raise LinkDown("not connected")
        try:
            w.write(pkt)
            await w.drain()
        except OSError as exc:
            self._drop()
            raise LinkDown("send failed: %s" % exc)
        self._sent = time.ticks_ms()

    async def _send_and_wait(self, pid, pkt):
        ev = asyncio.Event()
        self._acks[pid] = ev
        try:
            await self._send(pkt)
            try:
                await asyncio.wait_for_ms(ev.wait(), self.ack_timeout_ms)
            except asyncio.TimeoutError:
                self._drop()
                raise LinkDown("no acknowledgement")
            if self._acks.get(pid) is not True:
                raise LinkDown("link dropped before the acknowledgement")
        finally:
            self._acks.pop(pid, None)

    async def _subscribe_now(self, topic_filter):
        pid = self._next_pid()
        b = bytearray((pid >> 8, pid & 0xFF))
        _str(b, topic_filter)
        b.append(1)  # maximum QoS 1
        await self._send_and_wait(pid, _packet(_SUBSCRIBE, b))

    # --- the connection's life ------------------------------------------------------------

    def _drop(self):
        self.connected = False
        self._up.clear()
        self._dead.set()
        w, self._w, self._r = self._w, None, None
        if w is not None:
            try:
                w.close()
            except OSError:
                pass
        for ev in self._acks.values():  # wake the waiters: they find no acknowledgement
            if ev is not True:
                ev.set()

    async def _supervise(self):
        attempt = 0
        while not self._closing:
            reader = None
            try:
                await self._open()
                attempt = 0
                reader = asyncio.create_task(self._serve())
                for topic_filter in self._subs:
                    await self._subscribe_now(topic_filter)
                self.connected = True
                self._up.set()
                await self._dead.wait()  # the reader ended, or someone dropped the link
            except Exception as exc:  # noqa: BLE001 - any fault of one connection: reconnect
                self.last_error = repr(exc)
            self._drop()
            if reader is not None:
                reader.cancel()  # it may sit on a socket that was closed under it
            if self._closing:
                break
            await asyncio.sleep_ms(backoff_ms(attempt, self.backoff_base_ms, self.backoff_max_ms))
            if attempt < 16:
                attempt += 1

    async def _open(self):
        self._r, self._w = await asyncio.open_connection(self.host, self.port)
        self._w.write(connect_packet(self.client_id, self.keepalive, self.will, self.user,
                                     self.password))
        await self._w.drain()
        ack = await asyncio.wait_for_ms(self._r.readexactly(4), self.ack_timeout_ms)
        if ack[0] != _CONNACK or ack[1] != 2:
            raise MQTTError("expected CONNACK")
        if ack[3]:
            code = ack[3]
            raise MQTTError("connection refused: %s" % (_REFUSED[code] if code < 6 else code))
        self._sent = self._heard = time.ticks_ms()
        self._dead.clear()
        self.connects += 1

    async def _serve(self):
        self._pinger = asyncio.create_task(self._keepalive()) if self.keepalive else None
        try:
            while True:
                await self._read_packet()
        except Exception as exc:  # noqa: BLE001 - ends this connection; the supervisor retries
            self.last_error = repr(exc)
            self._dead.set()
        finally:
            if self._pinger:
                self._pinger.cancel()
                self._pinger = None

    async def _keepalive(self):
        ka = self.keepalive * 1000
        while self._w is not None:
            await asyncio.sleep_ms(ka // 4)
            now = time.ticks_ms()
            if time.ticks_diff(now, self._heard) > ka + ka // 2:
                self.last_error = "broker silent"
                self._drop()  # the reader's stream is closed under it and it ends
                return
            if time.ticks_diff(now, self._sent) >= ka // 2:
                try:
                    await self._send(b"\xc0\x00")
                    self.pings += 1
                except OSError:
                    return

    async def _read_packet(self):
        r = self._r
        if r is None:
            raise LinkDown("closed")
        kind = (await r.readexactly(1))[0]
        n = shift = 0
        while True:
            byte = (await r.readexactly(1))[0]
            n |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 21:
                raise MQTTError("bad remaining length")
        self._heard = time.ticks_ms()
        head = kind & 0xF0
        if head == _PUBLISH:
            await self._on_publish(r, kind, n)
        elif head in (_PUBACK, _SUBACK):
            body = await r.readexactly(n) if n else b""
            if n < 2:
                raise MQTTError("short acknowledgement")
            pid = body[0] << 8 | body[1]
            ev = self._acks.get(pid)
            if ev is not None and ev is not True:
                if head == _SUBACK and n > 2 and body[2] == 0x80:
                    self.last_error = "subscription refused"
                else:
                    self._acks[pid] = True
                ev.set()
        elif n:
            await self._skip(r, n)  # PINGRESP has none; anything else is not ours

    async def _skip(self, r, n):
        mv = memoryview(self._scratch)
        while n:
            k = n if n < 64 else 64
            got = await r.readinto(mv[:k])
            if not got:
                raise EOFError
            n -= got

    async def _on_publish(self, r, kind, n):
        if n > self.max_packet:
            self.dropped += 1
            await self._skip(r, n)
            return
        body = await r.readexactly(n)
        tlen = body[0] << 8 | body[1]
        topic = str(body[2:2 + tlen], "utf-8")
        at = 2 + tlen
        if kind & 0x06:
            pid = body[at] << 8 | body[at + 1]
            at += 2
            await self._send(bytes((_PUBACK, 2, pid >> 8, pid & 0xFF)))
        if len(self._queue) >= self.max_queue:
            self._queue.pop(0)
            self.dropped += 1
        self._queue.append((topic, body[at:]))
        self._rx.set()

# MQTT 3.1.1 client for the device: a non-blocking socket driven from the asyncio loop (unix port
# and ESP32 alike; no asyncio.stream, whose module and objects cost heap).
#
# The link interface (seriallink.py, framed CBOR over USB to `micromarket bridge`, is the other):
# - await link.connect(wait_ms=0): start the background task that connects and keeps
#   reconnecting (exponential back-off with jitter) while the link is open; returns
#   link.connected after waiting up to wait_ms for the first connection. Never raises for an
#   unreachable broker: the device keeps working offline (island mode).
# - await link.publish(topic, payload, retain=False, qos=0): with qos=1 it returns once the
#   broker acknowledged. Raises LinkDown when the link is down or drops before the
#   acknowledgement, so the caller keeps the message to send again.
# - await link.subscribe(topic_filter): remembered and renewed after every reconnect; may be
#   called before the first connection. await link.unsubscribe(topic_filter): forgotten, and
#   the broker told so when connected (an update's chunks are fetched one subscription at a time).
# - await link.recv() -> (topic str, payload bytes): the next received message; waits.
#   A caller that sets link.on_message(topic, payload) instead gets every message at once, its payload a memoryview into the link's
#   receive buffer, valid only during the call: nothing is copied or queued.
# - link.connected, link.connects (successful connections, so a caller sees a reconnect),
#   link.pings, link.dropped, link.last_error; await link.close().
#
# Where provisioning wrote them, the link logs in (username: the party id; config/broker.json's
# password) and speaks TLS with a context app.py made from the pinned CA (config/ca.der): a
# broker certificate from any other CA, or a refused password, fails the connection, which is
# logged ("link: ...") and tried again with back-off like any other.
#
# MQTT details: clean session, PINGREQ when nothing was sent for half the keep-alive, the
# connection dropped when the broker is silent for 1.5 keep-alives, a last will, QoS 0 and 1 both
# ways (incoming QoS 1 acknowledged), incoming packets larger than the receive buffer skipped
# in small chunks without allocating them and acknowledged all the same (unacknowledged, 20 of
# them would fill the broker's in-flight window and nothing more would reach the device; one
# whose topic does not fit the buffer ends the connection), at most max_queue received messages
# kept (the oldest dropped first; `dropped` counts both).
#
# Heap: one class; the supervisor task also keeps the connection alive (no pinger task), waits
# are polled every _POLL_MS (no asyncio Event or wait_for, whose modules and objects cost heap),
# packets are built by one function, and every packet is read into one receive buffer of
# 4 KB made with the link, or the one its caller hands in as rx (the reader sleeps on the socket
# in asyncio's poller).
import asyncio
import socket
from errno import EAGAIN, EINPROGRESS, ENOTCONN
from time import ticks_diff, ticks_ms

from micropython import const

try:
    from random import getrandbits as _rand
except ImportError:  # pragma: no cover - every MicroPython port has one
    from os import urandom

    def _rand(bits):
        return int.from_bytes(urandom(4), "big") & ((1 << bits) - 1)

_CONNECT = const(0x10)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_UNSUBSCRIBE = const(0xA2)
_UNSUBACK = const(0xB0)
_POLL_MS = const(20)  # how often waiting coroutines look again (messages, acknowledgements)


class LinkDown(OSError):
    pass  # the link is not connected, or dropped before the message was acknowledged


class MQTTError(ValueError):
    pass  # the broker answered with something this client cannot accept


def backoff_ms(attempt, base_ms, max_ms, jitter_bits=8):
    """Delay before reconnect attempt ``attempt`` (0-based): base * 2**attempt capped at max,
    then a random fraction (up to half) taken off so a fleet does not reconnect in step."""
    d = base_ms << attempt if attempt < 20 else max_ms
    if d > max_ms:
        d = max_ms
    return d - (d >> 1) * _rand(jitter_bits) // (1 << jitter_bits)


def _packet(kind, head, *strings):
    """Fixed header (kind, remaining length), the bytes ``head``, then each item of
    ``strings``: str -> an MQTT string (2-byte length, UTF-8), bytes -> raw."""
    body = bytearray(head)
    for s in strings:
        if isinstance(s, str):
            s = s.encode()
            body.extend(len(s).to_bytes(2, "big"))
        body.extend(s)
    n = len(body)
    out = bytearray((kind,))
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            break
    out.extend(body)
    return out


def connect_packet(client_id, keepalive, will=None, user=None, password=None):
    """CONNECT with a clean session; ``will`` = (topic, payload, retain, qos) or None; ``user``
    and ``password`` (str, the password only with a user) log in where the broker asks for it."""
    flags = 0x82 if user else 0x02
    items = [client_id]
    if will:
        flags |= 0x04 | (will[3] << 3) | (0x20 if will[2] else 0)
        items += (will[0], len(will[1]).to_bytes(2, "big"), will[1])
    if user:
        items.append(user)
        if password:
            flags |= 0x40
            items.append(password)
    return _packet(_CONNECT, b"\x00\x04MQTT\x04" + bytes((flags, keepalive >> 8, keepalive & 0xFF)), *items)


def publish_packet(topic, payload, retain, qos, pid):
    return _packet(_PUBLISH | (qos << 1) | (1 if retain else 0), b"", topic,
                   pid.to_bytes(2, "big") if qos else b"", payload)


def parse_url(url):
    """``mqtt://host[:1883]`` or ``mqtts://host[:8883]`` -> (host, port, tls)."""
    tls = url.startswith("mqtts://")
    host, _, port = url.split("://")[-1].rstrip("/").partition(":")
    return host, int(port) if port else 8883 if tls else 1883, tls


class MQTTLink:
    def __init__(self, host, port=1883, client_id="mm", keepalive=30, will=None,
                 backoff_base_ms=250, backoff_max_ms=30000, max_queue=8, ack_timeout_ms=5000,
                 rx=None, user=None, password=None, tls=None):
        self.host, self.port, self.client_id, self.keepalive, self.will = (
            host, port, client_id, keepalive, will)
        # tls: a tls.SSLContext that verifies the broker against the pinned CA (app.py makes it
        # from config/ca.der at boot); with it the link speaks TLS
        self._login, self._ctx = (user, password), tls
        self.backoff_base_ms, self.backoff_max_ms = backoff_base_ms, backoff_max_ms
        self.max_queue, self.ack_timeout_ms = max_queue, ack_timeout_ms
        self.connected = self._closing = False
        self.connects = self.pings = self.dropped = self._pid = self._sent = self._heard = 0
        self.last_error = self._task = self._w = self._connack = self.on_message = None
        self._subs = []
        self._queue = []
        self._acks = {}  # packet id -> False while waiting, True once acknowledged
        # every packet is read here (a caller may hand in one made early, while the heap is whole)
        self._rx = bytearray(4096) if rx is None else rx

    # --- the link interface ---------------------------------------------------------------

    async def connect(self, wait_ms=0):
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._supervise())
        return await self._until(lambda: self.connected, wait_ms)

    async def publish(self, topic, payload, retain=False, qos=0):
        if not self.connected:
            raise LinkDown("not connected")
        pid = self._next_pid() if qos else 0
        await self._send(publish_packet(topic, payload, retain, qos, pid), pid)

    async def subscribe(self, topic_filter):
        if topic_filter not in self._subs:
            self._subs.append(topic_filter)
        if self.connected:
            await self._subscribe(topic_filter)

    async def unsubscribe(self, topic_filter):
        if topic_filter in self._subs:
            self._subs.remove(topic_filter)
        if self.connected:
            pid = self._next_pid()
            await self._send(_packet(_UNSUBSCRIBE, pid.to_bytes(2, "big"), topic_filter), pid)

    async def recv(self):
        while not self._queue:
            await asyncio.sleep_ms(_POLL_MS)
        return self._queue.pop(0)

    async def close(self):
        self._closing = True
        if self.connected:
            try:
                await self._send(b"\xe0\x00")  # DISCONNECT
            except OSError:
                pass
        self._drop()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # --- sending --------------------------------------------------------------------------

    async def _until(self, ready, ms):
        """Wait up to ``ms`` for ready(), polled: no Event objects, no wait_for tasks."""
        while ms > 0 and not ready():
            await asyncio.sleep_ms(_POLL_MS)
            ms -= _POLL_MS
        return ready()

    def _next_pid(self):
        self._pid = self._pid % 0xFFFF + 1
        return self._pid

    async def _write(self, s, pkt):
        """All of ``pkt`` to the non-blocking socket ``s``; a socket still connecting, or one
        whose buffer is full, is tried again every _POLL_MS up to ack_timeout_ms."""
        mv = memoryview(pkt)
        off = 0
        waited = 0
        while off < len(mv):
            try:
                n = s.write(mv[off:])
            except OSError as exc:
                if exc.errno not in (EAGAIN, EINPROGRESS, ENOTCONN):
                    raise
                n = None
            if n:
                off += n
                continue
            if waited >= self.ack_timeout_ms or self._w is not s:
                raise OSError(EAGAIN)
            await asyncio.sleep_ms(_POLL_MS)
            waited += _POLL_MS

    async def _send(self, pkt, pid=0):
        """Write ``pkt``; for a ``pid``, wait for the PUBACK/SUBACK that names it."""
        w = self._w
        if w is None:
            raise LinkDown("not connected")
        acks = self._acks
        if pid:
            acks[pid] = False
        try:
            try:
                await self._write(w, pkt)
            except OSError as exc:
                if self._w is w:
                    self._drop()
                raise LinkDown("send failed: %s" % exc)
            self._sent = ticks_ms()
            if pid:
                await self._until(lambda: acks[pid] is not False or self._w is not w,
                                  self.ack_timeout_ms)
                if acks[pid] is not True:
                    if self._w is w:
                        self._drop()
                        raise LinkDown("no acknowledgement")
                    raise LinkDown("link dropped before the acknowledgement")
        finally:
            if pid:
                acks.pop(pid, None)

    async def _subscribe(self, topic_filter):
        pid = self._next_pid()
        await self._send(_packet(_SUBSCRIBE, pid.to_bytes(2, "big"), topic_filter, b"\x01"), pid)

    # --- the connection's life ------------------------------------------------------------

    def _drop(self):
        self.connected = False
        w, self._w = self._w, None
        if w is not None:
            try:
                w.close()
            except OSError:
                pass

    async def _supervise(self):
        """Connect, subscribe, keep the connection alive while it lasts; reconnect with back-off."""
        attempt = 0
        while not self._closing:
            reader = None
            try:
                addr = socket.getaddrinfo(self.host, self.port)[0][-1]
                w = socket.socket()
                w.setblocking(False)
                self._w, self._connack = w, None
                try:
                    w.connect(addr)
                except OSError as exc:
                    if exc.errno not in (EINPROGRESS, EAGAIN):
                        raise
                addr = None
                if self._ctx is not None:  # TLS pinned to our CA; the handshake runs in the
                    # first writes and reads (a certificate that does not verify fails them)
                    yield asyncio.core._io_queue.queue_write(w)  # once TCP is up
                    w = self._w = self._ctx.wrap_socket(w, server_hostname=self.host,
                                                        do_handshake_on_connect=False)
                await self._write(w, connect_packet(self.client_id, self.keepalive, self.will,
                                                    *self._login))
                self._sent = self._heard = ticks_ms()
                reader = asyncio.create_task(self._serve(w))
                await self._until(lambda: self._connack is not None or self._w is not w,
                                  self.ack_timeout_ms)
                if self._connack is None:
                    raise MQTTError("no CONNACK")
                if self._connack:  # 4: bad user name or password, 5: not authorised
                    raise MQTTError("connection refused: %d" % self._connack)
                self.connects += 1
                attempt = 0
                for topic_filter in self._subs:
                    await self._subscribe(topic_filter)
                self.connected = True
                ka = self.keepalive * 1000
                while self._w is w:  # until the reader ends or someone drops the link
                    await asyncio.sleep_ms(_POLL_MS * 5)
                    now = ticks_ms()
                    if not ka or self._w is not w:
                        continue
                    if ticks_diff(now, self._heard) > ka + ka // 2:
                        self.last_error = "broker silent"
                        break
                    if ticks_diff(now, self._sent) >= ka // 2:
                        await self._send(b"\xc0\x00")  # PINGREQ
                        self.pings += 1
            except Exception as exc:  # noqa: BLE001 - any fault of one connection: reconnect
                self.last_error = repr(exc)
                print("link:", self.last_error)  # refused, TLS, unreachable: the board's log
            self._drop()
            if reader is not None:
                reader.cancel()  # it may sit on a socket that was closed under it
            if self._closing:
                break
            await asyncio.sleep_ms(backoff_ms(attempt, self.backoff_base_ms, self.backoff_max_ms))
            if attempt < 16:
                attempt += 1

    async def _fill(self, s, mv):
        """Fill ``mv`` from socket ``s``, sleeping in asyncio's poller while nothing comes."""
        got = 0
        while got < len(mv):
            n = s.readinto(mv[got:])
            if n is None:
                yield asyncio.core._io_queue.queue_read(s)
            elif n:
                got += n
            else:
                raise EOFError

    async def _serve(self, s):
        """Read packets until the connection fails; the supervisor then reconnects."""
        rx = self._rx
        mv = memoryview(rx)
        one = mv[:1]
        size = len(rx)
        try:
            while True:
                await self._fill(s, one)
                kind = rx[0]
                n = shift = 0
                while True:
                    await self._fill(s, one)
                    n |= (rx[0] & 0x7F) << shift
                    if not rx[0] & 0x80:
                        break
                    shift += 7
                    if shift > 21:
                        raise MQTTError("bad remaining length")
                self._heard = ticks_ms()
                head = kind & 0xF0
                if (head == _PUBLISH and n <= size) or head in (0x20, _PUBACK, _SUBACK, _UNSUBACK):
                    if n > size:
                        raise MQTTError("oversized acknowledgement")
                    await self._fill(s, mv[:n])
                else:  # too large, or nothing of ours (PINGRESP has no body): skip it
                    pid = 0
                    if head == _PUBLISH:
                        self.dropped += 1
                        pid = -1 if kind & 0x06 else 0
                    while n:
                        k = n if n < size else size
                        await self._fill(s, mv[:k])
                        n -= k
                        if pid < 0:  # its packet id follows the topic, in the first chunk
                            at = 2 + (rx[0] << 8 | rx[1])
                            if at + 2 > k:
                                raise MQTTError("oversized publish: topic beyond the buffer")
                            pid = rx[at] << 8 | rx[at + 1]
                    if pid:  # acknowledged, or the broker's in-flight window fills with them
                        await self._send(bytes((_PUBACK, 2, pid >> 8, pid & 0xFF)))
                    continue
                if head == 0x20:  # CONNACK: flags, return code
                    if n != 2:
                        raise MQTTError("expected CONNACK")
                    self._connack = rx[1]
                    continue
                if head != _PUBLISH:
                    if n < 2:
                        raise MQTTError("short acknowledgement")
                    pid = rx[0] << 8 | rx[1]
                    if self._acks.get(pid) is False:
                        if head == _SUBACK and n > 2 and rx[2] == 0x80:
                            self.last_error = "subscription refused"
                            self._acks[pid] = None
                        else:
                            self._acks[pid] = True
                    continue
                at = 2 + (rx[0] << 8 | rx[1])
                topic = str(mv[2:at], "utf-8")
                if kind & 0x06:
                    await self._send(bytes((_PUBACK, 2, rx[at], rx[at + 1])))
                    at += 2
                if self.on_message is not None:
                    self.on_message(topic, mv[at:n])
                else:
                    if len(self._queue) >= self.max_queue:
                        self._queue.pop(0)
                        self.dropped += 1
                    self._queue.append((topic, bytes(mv[at:n])))
                topic = None  # not kept alive while the next packet is awaited
        except Exception as exc:  # noqa: BLE001 - ends this connection; the supervisor retries
            if self._w is s:
                self.last_error = repr(exc)
                self._drop()

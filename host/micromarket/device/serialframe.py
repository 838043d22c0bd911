"""Frames on a device's serial line, shared by the bridge and the monitor (device half: firmware/lib/seriallink.py).

The USB serial line carries the device's log text and the REPL as well, so a frame starts with a
byte that never occurs in UTF-8 text::

    0xFE 0x4D        magic ("\\xfe" + "M")
    kind             1 byte: b"C" connect, b"A" connect ack, b"P" publish, b"S" subscribe
    length           2 bytes, big-endian, at most MAX_BODY
    body             CBOR: P [topic, payload, retain]; S topic filter; C {"id": client id}; A {"ok": bool}
    CRC-32           4 bytes, big-endian, over kind + length + body (zlib's CRC-32)

The reader hands out text between frames as log bytes, and resynchronises after garbage: a bad
length or CRC drops the first magic byte and searches on from the next byte.
"""

import struct
import zlib

import cbor2

MAGIC = b"\xfe\x4d"
MAX_BODY = 9216
KINDS = {b"C": "connect", b"A": "connack", b"P": "publish", b"S": "subscribe"}
_HEAD = 5  # magic + kind + length


def encode(kind: bytes, body: bytes) -> bytes:
    if kind not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}")
    if len(body) > MAX_BODY:
        raise ValueError(f"frame body of {len(body)} bytes exceeds {MAX_BODY}")
    head = kind + struct.pack(">H", len(body))
    return MAGIC + head + body + struct.pack(">I", zlib.crc32(head + body))


def publish(topic: str, payload: bytes, retain: bool = False) -> bytes:
    return encode(b"P", cbor2.dumps([topic, payload, retain]))


def subscribe(topic_filter: str) -> bytes:
    return encode(b"S", cbor2.dumps(topic_filter))


def connack(ok: bool) -> bytes:
    return encode(b"A", cbor2.dumps({"ok": ok}))


class Reader:
    """Feed bytes in; get ("frame", kind, body) and ("text", bytes) items out, in order."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.dropped = 0  # frames refused (bad length or CRC)

    def feed(self, data: bytes) -> list[tuple]:
        self.buf += data
        out: list[tuple] = []
        while self.buf:
            at = self.buf.find(MAGIC[:1])
            if at < 0:
                out.append(("text", bytes(self.buf)))
                self.buf.clear()
                break
            if at > 0:
                out.append(("text", bytes(self.buf[:at])))
                del self.buf[:at]
            if len(self.buf) < 2:
                break  # a lone 0xFE: wait for the next byte
            if self.buf[1:2] != MAGIC[1:]:
                del self.buf[:1]
                self.dropped += 1
                continue
            if len(self.buf) < _HEAD:
                break
            kind = bytes(self.buf[2:3])
            (length,) = struct.unpack_from(">H", self.buf, 3)
            if kind not in KINDS or length > MAX_BODY:
                del self.buf[:1]
                self.dropped += 1
                continue
            end = _HEAD + length + 4
            if len(self.buf) < end:
                break
            (crc,) = struct.unpack_from(">I", self.buf, end - 4)
            if zlib.crc32(bytes(self.buf[2:end - 4])) != crc:
                del self.buf[:1]
                self.dropped += 1
                continue
            out.append(("frame", kind, bytes(self.buf[_HEAD:end - 4])))
            del self.buf[:end]
        return _merge_text(out)


def _merge_text(items: list[tuple]) -> list[tuple]:
    merged: list[tuple] = []
    for item in items:
        if item[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + item[1])
        else:
            merged.append(item)
    return merged

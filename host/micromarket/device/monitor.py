"""``micromarket monitor``: a device's serial log with timestamps, and its framed messages decoded.

Text lines are shown as they come; frames (micromarket.device.serialframe) are shown as their kind and
topic, with a protocol message's payload decoded to JSON (bytes as hex) and its signer. Nothing is
verified here: the monitor shows what the device says, the market decides what to believe.
"""

import json
import re
import time

import cbor2

from . import serialframe as SF


def _plain(obj):
    if isinstance(obj, (bytes, bytearray)):
        return obj.hex()
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, cbor2.CBORTag):
        return {"tag": obj.tag, "value": _plain(obj.value)}
    return obj


def decode_message(data: bytes) -> dict:
    """A COSE_Sign1 protocol message as {"signer", "message"}; anything else as CBOR or hex."""
    from .. import protocol as P

    try:
        signed = P.read(data)
        return {"signer": signed.signer, "message": _plain(signed.message.to_payload())}
    except P.ProtocolError as exc:
        try:
            return {"cbor": _plain(cbor2.loads(data)), "note": exc.reason}
        except Exception:  # noqa: BLE001 — not CBOR at all: show the bytes
            return {"hex": data.hex(), "note": exc.reason}


def describe_frame(kind: bytes, body: bytes) -> dict:
    name = SF.KINDS.get(kind, kind.decode(errors="replace"))
    try:
        obj = cbor2.loads(body)
    except Exception:  # noqa: BLE001
        return {"frame": name, "error": "body is not CBOR", "hex": body.hex()}
    if kind == b"P" and isinstance(obj, list) and len(obj) == 3:
        topic, payload, retain = obj
        return {"frame": name, "topic": topic, "retain": bool(retain), **decode_message(bytes(payload))}
    return {"frame": name, "body": _plain(obj)}


class Monitor:
    """Turns serial bytes into events: {"t", "log": line} or {"t", "frame": ...}."""

    def __init__(self, clock=time.time):
        self.reader = SF.Reader()
        self.line = bytearray()
        self.clock = clock

    def feed(self, data: bytes) -> list[dict]:
        out = []
        for item in self.reader.feed(data):
            if item[0] == "frame":
                out.append({"t": self.clock(), **describe_frame(item[1], item[2])})
                continue
            self.line += item[1]
            while b"\n" in self.line:
                raw, _, rest = bytes(self.line).partition(b"\n")
                self.line = bytearray(rest)
                out.append({"t": self.clock(), "log": raw.rstrip(b"\r").decode(errors="replace")})
        return out


# The agent's line after each interval (firmware/lib/agent.py, _finish), e.g.
# "interval 1767225600: buy 41 Wh, awarded 41 Wh at 240000 ucr/kWh; balance -9840 ucr; ..."
_INTERVAL_LINE = re.compile(r"interval (\d+): (buy|sell) (\d+) Wh, (awarded|no award)")


def traded(event: dict) -> bool:
    """True for the agent's line of an interval in which the device had an award."""
    m = _INTERVAL_LINE.match(event.get("log", ""))
    return bool(m) and m.group(4) == "awarded"


def watch(port: str, on_event, duration: float | None = None, baud: int = 115200,
          until=None) -> None:
    """Read ``port`` and call ``on_event`` per event, until ``duration`` seconds pass (or forever),
    or until ``until(event)`` is true."""
    from .bridge import open_port

    ser = open_port(port, baud)
    mon = Monitor()
    end = None if duration is None else time.monotonic() + duration
    try:
        while end is None or time.monotonic() < end:
            data = ser.read(4096)
            for event in mon.feed(data):
                on_event(event)
                if until is not None and until(event):
                    return
    finally:
        ser.close()


def format_event(event: dict) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(event["t"])) + f".{int(event['t'] * 1000) % 1000:03d}"
    if "log" in event:
        return f"{stamp}  {event['log']}"
    rest = {k: v for k, v in event.items() if k not in ("t", "frame")}
    return f"{stamp}  [{event['frame']}] {json.dumps(rest, sort_keys=True)}"

"""``micromarket bridge``: relay framed CBOR between a USB-attached device and an MQTT broker.

The device speaks lib/seriallink.py on its USB serial line (frames: micromarket.device.serialframe); the
bridge publishes what the device publishes, subscribes to what it subscribes to, and writes the
messages it receives back as frames. Text between frames is the device's log, passed to ``on_log``.
When the port goes away (unplugged, reset), the bridge reopens it with back-off and keeps its MQTT
subscriptions, so a replugged device carries on.
"""

import threading
from dataclasses import dataclass, field
import cbor2
import serial

from ..errors import DeviceError
from ..protocol.broker import BrokerAccess, diagnose, parse, refusal_hint
from . import serialframe as SF


@dataclass
class BridgeStats:
    up: int = 0           # device -> broker publishes
    down: int = 0         # broker -> device messages
    opens: int = 0        # times the port was (re)opened
    dropped: int = 0      # frames refused on the serial line
    subscriptions: set = field(default_factory=set)


def open_port(port: str, baud: int = 115200) -> serial.Serial:
    try:
        return serial.Serial(port, baud, timeout=0.1, exclusive=True)
    except (serial.SerialException, OSError) as exc:
        from .target import port_error

        raise port_error(port, exc) from exc


class Bridge:
    def __init__(self, port: str, broker: "str | BrokerAccess", on_log=None, baud: int = 115200,
                 backoff: tuple[float, float] = (0.1, 5.0)):
        self.port, self.baud, self.backoff = port, baud, backoff
        self.access = broker if isinstance(broker, BrokerAccess) else parse(broker)
        self.host, self.mqtt_port = self.access.host, self.access.port
        self.on_log = on_log or (lambda line: None)
        self.stats = BridgeStats()
        self.stop_event = threading.Event()
        self.connected = threading.Event()   # the device's link is up
        self._ser: serial.Serial | None = None
        self._wlock = threading.Lock()
        self._client = None
        self._line = bytearray()

    # ---- MQTT side
    def _mqtt(self):
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"mm-bridge-{id(self):x}")
        client.reconnect_delay_set(0.2, 5)
        self.access.apply(client)
        answered = threading.Event()
        refused = []

        def on_connect(c, userdata, flags, reason, props):
            if reason.is_failure:
                refused.append(str(reason))
                self.on_log(f"the broker refused the bridge: {reason}")
                answered.set()
                return
            answered.set()
            for topic_filter in sorted(self.stats.subscriptions):
                c.subscribe(topic_filter, qos=1)

        def on_message(c, userdata, msg):
            self.stats.down += 1
            self._write(SF.publish(msg.topic, bytes(msg.payload), bool(msg.retain)))

        client.on_connect, client.on_message = on_connect, on_message
        try:
            client.connect(self.host, self.mqtt_port, keepalive=30)
        except OSError as exc:
            raise DeviceError(f"cannot connect to the broker at {self.access.url}: {diagnose(self.access)[1]}",
                              "start the broker (or `micromarket market serve`); check --broker and "
                              "--ca-file") from exc
        client.loop_start()
        answered.wait(10)
        if refused:
            client.loop_stop()
            raise DeviceError(f"the broker at {self.access.url} refused the bridge ({refused[0]})",
                              refusal_hint(refused[0]))
        return client

    # ---- serial side
    def _write(self, data: bytes) -> None:
        with self._wlock:
            ser = self._ser
            if ser is None:
                return  # the device is away; MQTT keeps what is retained
            try:
                ser.write(data)
            except (serial.SerialException, OSError):
                pass  # the reader notices and reopens

    def _handle(self, kind: bytes, body: bytes) -> None:
        try:
            obj = cbor2.loads(body)
        except Exception:  # noqa: BLE001 — a bad body from the line is dropped, not fatal
            self.stats.dropped += 1
            return
        if kind == b"C":
            self.connected.set()
            self._write(SF.connack(True))
        elif kind == b"P" and isinstance(obj, list) and len(obj) == 3:
            topic, payload, retain = obj
            self._client.publish(str(topic), bytes(payload), qos=1, retain=bool(retain))
            self.stats.up += 1
        elif kind == b"S" and isinstance(obj, str):
            self.stats.subscriptions.add(obj)
            self._client.subscribe(obj, qos=1)

    def _text(self, data: bytes) -> None:
        self._line += data
        while b"\n" in self._line:
            line, _, rest = bytes(self._line).partition(b"\n")
            self._line = bytearray(rest)
            self.on_log(line.rstrip(b"\r").decode(errors="replace"))

    def _open(self, first: bool) -> bool:
        delay = self.backoff[0]
        while not self.stop_event.is_set():
            try:
                ser = open_port(self.port, self.baud)
            except DeviceError:
                if first:
                    raise
                self.stop_event.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            with self._wlock:
                self._ser = ser
            self.stats.opens += 1
            self._write(SF.connack(True))  # a device already running learns that the bridge is (back) up
            return True
        return False

    def _close(self) -> None:
        with self._wlock:
            ser, self._ser = self._ser, None
        self.connected.clear()
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError):
                pass

    def run(self) -> BridgeStats:
        """Relay until ``stop_event`` is set; survives the port going away and coming back."""
        self._client = self._mqtt()
        reader = SF.Reader()
        first = True
        try:
            while self._open(first):
                first = False
                try:
                    while not self.stop_event.is_set():
                        data = self._ser.read(4096)
                        if not data:
                            # a pty whose other end has gone reads empty forever: check it still exists
                            if not _still_there(self._ser):
                                break
                            continue
                        for item in reader.feed(data):
                            if item[0] == "frame":
                                self._handle(item[1], item[2])
                            else:
                                self._text(item[1])
                        self.stats.dropped = reader.dropped
                except (serial.SerialException, OSError):
                    pass
                self._close()
                reader = SF.Reader()
        finally:
            self._close()
            self._client.loop_stop()
            self._client.disconnect()
        return self.stats


def _still_there(ser: serial.Serial) -> bool:
    import os

    try:
        return os.path.exists(ser.port) and os.path.samefile(ser.port, f"/proc/self/fd/{ser.fileno()}")
    except OSError:
        return False

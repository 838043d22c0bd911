"""MQTT for asyncio code: paho-mqtt's network thread feeding an asyncio queue, and the broker.

``MqttLink`` reconnects by itself (paho's loop thread), subscribes again on every connect and
calls ``on_connect`` (in the event loop) so the caller can republish retained state. With a fixed
client id and ``clean_session=False`` the broker keeps the subscriptions and queues QoS 1
messages while the market is down, so a restart picks up what arrived meanwhile.

With ``manual_ack`` the link does not acknowledge a QoS 1 message when it arrives: its queue
items are ``(topic, payload, token)`` and the caller calls ``ack(token)`` once the message is
safely stored. A market killed before its commit never acknowledged the message, so the broker
sends it again to the restarted market (the same session).
"""

import asyncio
import logging

import paho.mqtt.client as mqtt

from ..protocol.broker import BrokerAccess, BrokerAccessError, diagnose, parse, refusal_hint
from . import MarketError

log = logging.getLogger(__name__)


def parse_url(url: str) -> tuple[str, int, str]:
    """``mqtt[s]://host:port[/path]`` -> (host, port, path without the slash)."""
    try:
        a = parse(url)
    except BrokerAccessError as exc:
        raise MarketError(str(exc.args[0]), exc.hint) from exc
    return a.host, a.port, a.path


class MqttLink:
    """``broker``: a URL or a BrokerAccess (TLS, CA, credentials)."""

    def __init__(self, broker: "str | BrokerAccess", client_id: str, subscriptions=(), on_connect=None,
                 persistent: bool = True, manual_ack: bool = False):
        self.access = broker if isinstance(broker, BrokerAccess) else parse(broker)
        self.host, self.port = self.access.host, self.access.port
        self.refused: str | None = None
        self._failed = False             # a connection attempt failed below MQTT (TCP, TLS)
        self.subscriptions = list(subscriptions)
        self.on_connect = on_connect
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.connected = asyncio.Event()
        self.connects = 0
        self._loop = asyncio.get_running_loop()
        self.manual_ack = manual_ack
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                        clean_session=not persistent, protocol=mqtt.MQTTv311,
                        manual_ack=manual_ack)
        c.reconnect_delay_set(0.1, 2)
        c.max_inflight_messages_set(1000)
        c.on_connect = self._connected
        c.on_disconnect = self._disconnected
        c.on_connect_fail = self._connect_failed
        c.on_message = self._message
        self.access.apply(c)
        self.client = c

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=10)
        self.client.loop_start()

    async def wait_connected(self, timeout: float = 10) -> None:
        """Wait for the first connection; raise MarketError saying why there is none."""
        deadline = self._loop.time() + timeout
        while not self.connected.is_set():
            if self.refused is not None:
                self.stop()
                raise MarketError(f"the broker at {self.access.url} refused the connection ({self.refused})",
                                  refusal_hint(self.refused))
            late = self._loop.time() >= deadline
            if self._failed or late:
                self._failed = False
                fatal, why = await asyncio.to_thread(diagnose, self.access)
                if fatal or late:
                    self.stop()
                    raise MarketError(f"cannot connect to the MQTT broker at {self.access.url}: {why}",
                                      "start the broker, or check --broker, --ca-file and the credentials")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic: str, payload: bytes, retain: bool = False, qos: int = 1) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def ack(self, token: tuple[int, int]) -> None:
        """Acknowledge a message of a ``manual_ack`` link (its queue item's token)."""
        mid, qos = token
        self.client.ack(mid, qos)

    def subscribe(self, topic: str) -> None:
        self.subscriptions.append(topic)
        if self.connected.is_set():
            self.client.subscribe(topic, qos=1)

    # paho's thread -------------------------------------------------------------
    def _connected(self, client, _userdata, _flags, reason_code, _props) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            self.refused = str(reason_code)
            return
        self.refused = None
        for topic in self.subscriptions:
            client.subscribe(topic, qos=1)
        self._loop.call_soon_threadsafe(self._set_connected)

    def _set_connected(self) -> None:
        self.connects += 1
        self.connected.set()
        if self.on_connect:
            self.on_connect()

    def _connect_failed(self, _client, _userdata) -> None:
        self._failed = True

    def _disconnected(self, _client, _userdata, _flags, reason_code, _props) -> None:
        self._loop.call_soon_threadsafe(self.connected.clear)
        log.info("broker connection lost (%s); reconnecting", reason_code)

    def _message(self, _client, _userdata, msg) -> None:
        item = (msg.topic, bytes(msg.payload))
        if self.manual_ack:
            item += ((msg.mid, msg.qos),)
        self._loop.call_soon_threadsafe(self.incoming.put_nowait, item)

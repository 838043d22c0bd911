"""MQTT for asyncio code: paho-mqtt's network thread feeding an asyncio queue, and the broker.

``MqttLink`` reconnects by itself (paho's loop thread), subscribes again on every connect and
calls ``on_connect`` (in the event loop) so the caller can republish retained state. With a fixed
client id and ``clean_session=False`` the broker keeps the subscriptions and queues QoS 1
messages while the market is down, so a restart picks up what arrived meanwhile.
"""

import asyncio
import logging
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

from . import MarketError

log = logging.getLogger(__name__)


def parse_url(url: str) -> tuple[str, int, str]:
    """``mqtt://host:port[/path]`` -> (host, port, path without the slash)."""
    u = urlparse(url if "://" in url else f"mqtt://{url}")
    if u.scheme not in ("mqtt", "tcp") or not u.hostname:
        raise MarketError(f"broker URL {url!r} is not mqtt://HOST[:PORT]",
                          "give e.g. mqtt://127.0.0.1:1883")
    return u.hostname, u.port or 1883, u.path.strip("/")


class MqttLink:
    def __init__(self, url: str, client_id: str, subscriptions=(), on_connect=None,
                 persistent: bool = True):
        self.host, self.port, _ = parse_url(url)
        self.subscriptions = list(subscriptions)
        self.on_connect = on_connect
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.connected = asyncio.Event()
        self.connects = 0
        self._loop = asyncio.get_running_loop()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                        clean_session=not persistent, protocol=mqtt.MQTTv311)
        c.reconnect_delay_set(0.1, 2)
        c.max_inflight_messages_set(1000)
        c.on_connect = self._connected
        c.on_disconnect = self._disconnected
        c.on_message = self._message
        self.client = c

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=10)
        self.client.loop_start()

    async def wait_connected(self, timeout: float = 10) -> None:
        try:
            await asyncio.wait_for(self.connected.wait(), timeout)
        except asyncio.TimeoutError:
            raise MarketError(f"cannot reach the MQTT broker at {self.host}:{self.port}",
                              "start the broker or check --broker") from None

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic: str, payload: bytes, retain: bool = False, qos: int = 1) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def subscribe(self, topic: str) -> None:
        self.subscriptions.append(topic)
        if self.connected.is_set():
            self.client.subscribe(topic, qos=1)

    # paho's thread -------------------------------------------------------------
    def _connected(self, client, _userdata, _flags, reason_code, _props) -> None:
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            return
        for topic in self.subscriptions:
            client.subscribe(topic, qos=1)
        self._loop.call_soon_threadsafe(self._set_connected)

    def _set_connected(self) -> None:
        self.connects += 1
        self.connected.set()
        if self.on_connect:
            self.on_connect()

    def _disconnected(self, _client, _userdata, _flags, reason_code, _props) -> None:
        self._loop.call_soon_threadsafe(self.connected.clear)
        log.info("broker connection lost (%s); reconnecting", reason_code)

    def _message(self, _client, _userdata, msg) -> None:
        self._loop.call_soon_threadsafe(self.incoming.put_nowait, (msg.topic, bytes(msg.payload)))


async def start_embedded_broker(port: int, host: str = "127.0.0.1"):
    """An amqtt broker inside this process; returns it (``await broker.shutdown()`` to stop)."""
    from amqtt.broker import Broker
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    broker = Broker({"listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}}})
    try:
        await broker.start()
    except Exception as exc:  # noqa: BLE001 - amqtt raises its own and OSError alike
        raise MarketError(f"cannot start the embedded broker on {host}:{port}: {exc}",
                          "pick another --port, or pass --broker URL") from exc
    return broker

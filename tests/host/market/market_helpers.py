"""Helpers shared by the market tests (importable: the test directory is on sys.path)."""

from micromarket import protocol as P


def public(key) -> bytes:
    return P.public_key_bytes(key)


def enrollment(registrar, device, market="m1", exp=0xFFFFFFF0) -> bytes:
    pub = public(device)
    msg = P.Enrollment(market=market, party=P.party_id(pub), key=pub, role="plug",
                       board="virtual-plug", site="lab", nbf=0, exp=exp)
    return P.sign(msg, registrar, "registrar")


# ---------------------------------------------------------------- services and MQTT clients
import asyncio  # noqa: E402
import queue  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import paho.mqtt.client as mqtt  # noqa: E402

from micromarket.market.core import Market  # noqa: E402
from micromarket.market.service import MarketService  # noqa: E402
from micromarket.market.store import open_db  # noqa: E402


class ServiceThread:
    """A MarketService on its own event loop in a thread (its database opened in that thread)."""

    def __init__(self, db_path, config, key, clock, url, parent=None, setup=None):
        self.args = (db_path, config, key, clock, url, parent, setup)
        self.service = None
        self.error = None
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self):
        asyncio.run(self._run())

    async def _run(self):
        db_path, config, key, clock, url, parent, setup = self.args
        conn = open_db(db_path)
        if setup:
            setup(conn)
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        self.service = MarketService(Market(conn, config, key, clock), url, parent)
        task = asyncio.create_task(self.service.run(self.stop_event))
        await self.service.ready.wait()
        self._ready.set()
        try:
            await task
        except Exception as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
            self._ready.set()
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        assert self._ready.wait(30), "market service did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(15)

    @property
    def market(self):
        return self.service.market


class Client:
    """A plain MQTT client that records everything it receives on its subscriptions."""

    def __init__(self, url, subscriptions=("mm/#",)):
        host, port = url.split("//")[1].split(":")
        self.got: "queue.Queue[tuple[str, bytes]]" = queue.Queue()
        self.seen: list[tuple[str, bytes]] = []
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.subs = subscriptions
        self.c.on_connect = lambda cl, *a: [cl.subscribe(s, 1) for s in self.subs]
        self.c.on_message = lambda _c, _u, m: self.got.put((m.topic, bytes(m.payload)))
        self.c.connect(host, int(port))
        self.c.loop_start()

    def publish(self, topic, payload):
        self.c.publish(topic, payload, qos=1).wait_for_publish(5)

    def wait(self, pred, n=1, timeout=20.0):
        """Wait until ``n`` received messages satisfy ``pred(topic, payload)``; return them."""
        deadline = time.monotonic() + timeout
        while True:
            hits = [m for m in self.seen if pred(*m)]
            if len(hits) >= n:
                return hits
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"only {len(hits)} of {n} expected messages arrived")
            try:
                self.seen.append(self.got.get(timeout=min(left, 0.2)))
            except queue.Empty:
                pass

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def wait_for(pred, timeout=15.0, what="condition"):
    """Poll ``pred()`` until true (the market works in its own thread)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)

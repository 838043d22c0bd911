"""The market as an asyncio MQTT service: context, ingest, clearing at gate closure, parent link.

    service = MarketService(market, "mqtt://127.0.0.1:1883", parent=ParentLink(url, "city", key))
    await service.run(stop_event)

Ingest takes whatever has arrived (up to ``BATCH`` messages), runs it through ``Market.ingest``
in one transaction, acknowledges the messages to the broker only then (a market killed before its
commit gets them again from the broker), and publishes the errors and receipts. The clock task clears every
interval whose gate has closed (also those missed while the market was down), publishes awards
and the Clearing, settles the awards whose delivery window closed without a delivery, and
republishes the retained MarketContext for the next interval. An interval whose clearing,
signing or publishing fails is recorded as failed with its reason (``Market.fail``;
`micromarket market stats` lists it) and the market goes on with the next.

Under a parent market the service follows the parent's context: its gate closes early enough for
the parent's (``parent.gate_for``; it waits up to ``PARENT_WAIT`` s for that context at start),
and after each interval it delivers the street's net exchange to the parent and books the
parent's receipt (market/parent.py).
"""

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from .. import protocol as P
from . import parent as parent_mod
from .core import Market, Outbound
from ..protocol.broker import BrokerAccess
from .link import MqttLink, parse_url

log = logging.getLogger(__name__)
BATCH = 1000
PARENT_WAIT = 10.0      # seconds to wait for the parent's context before the first clearing


@dataclass
class ParentLink:
    """Where the parent market is: its broker, its market id and (pinned) public key."""

    url: str
    market: str
    key: bytes | None = None       # None: trust the key in the parent's first signed context
    access: BrokerAccess | None = None  # TLS and the child's credential at the parent's broker

    @classmethod
    def from_url(cls, url: str, key: bytes | None = None) -> "ParentLink":
        _host, _port, path = parse_url(url)
        if not path:
            raise ValueError("the parent URL names the parent market as its path: "
                             "mqtt://HOST:PORT/MARKET")
        return cls(url, path, key)


def cleared_summary(market: Market, s: int, seen: dict) -> dict:
    """One cleared interval for the operator: price, volume, local share, parties awarded, and
    the messages refused since the last summary (``seen`` keeps the refusal counts between
    calls)."""
    row = market.conn.execute("SELECT price, local, grid_buy, grid_sell, tenders, state FROM "
                              "intervals WHERE interval = ?", (s,)).fetchone()
    parties = market.conn.execute("SELECT COUNT(DISTINCT party) FROM awards WHERE interval = ?",
                                  (s,)).fetchone()[0]
    refused = {code: n for code, n in market.counters.items() if code in P.ERROR_CODES}
    new = {code: n - seen.get(code, 0) for code, n in refused.items() if n > seen.get(code, 0)}
    seen.clear()
    seen.update(refused)
    price, local, grid_buy, grid_sell, tenders, state = row if row else (None, 0, 0, 0, 0, "none")
    local, grid_buy, grid_sell = local or 0, grid_buy or 0, grid_sell or 0
    volume = local + grid_buy + grid_sell
    return {"interval": s, "state": state, "price": price, "volume_wh": volume, "local_wh": local,
            "grid_buy_wh": grid_buy, "grid_sell_wh": grid_sell, "tenders": tenders or 0,
            "parties": parties, "refused": new}


class MarketService:
    def __init__(self, market: Market, broker_url: str, parent: ParentLink | None = None,
                 on_cleared=None):
        self.on_cleared = on_cleared  # called with cleared_summary() after each interval
        self._refused: dict = {}
        self.market = market
        self.url = broker_url
        self.parent = parent
        self.link: MqttLink | None = None
        self.plink: MqttLink | None = None
        self.parent_context: P.Context | None = None
        self._context: Outbound | None = None
        self._own_gate = market.cfg.gate
        self._head: Outbound | None = None      # the tree head published last
        self.ready = asyncio.Event()
        self._wake = asyncio.Event()             # the gate moved: the clock looks again
        self._parent_known = asyncio.Event()

    # ------------------------------------------------------------------ plumbing
    def publish(self, items) -> None:
        """Publish ``items``, then the market's newest tree head if it signed one since."""
        for ob in items:
            self.link.publish(ob.topic, ob.payload, retain=ob.retain)
        head = self.market.treehead
        if head is not None and head is not self._head:
            self._head = head
            self.link.publish(head.topic, head.payload, retain=True)

    def _on_connect(self) -> None:
        for ob in (self._context, self.market.treehead):   # a restarted broker may have lost
            if ob is not None:                               # the retained ones
                self.link.publish(ob.topic, ob.payload, retain=True)

    def _publish_context(self) -> None:
        ob = self.market.context()
        self._context = ob
        self.market.log_context(ob)
        self.publish([ob])

    async def run(self, stop: asyncio.Event | None = None) -> None:
        m = self.market.cfg.market
        self.link = MqttLink(self.url, f"mm-market-{m}",
                             [P.subscription(m, "tender"), P.subscription(m, "delivery")],
                             on_connect=self._on_connect, manual_ack=True)
        self.link.start()
        tasks = []
        try:
            await self.link.wait_connected(30)
            if self.parent is not None:
                await self._start_parent()
                tasks.append(asyncio.create_task(self._parent_loop()))
                try:
                    await asyncio.wait_for(self._parent_known.wait(), PARENT_WAIT)
                except asyncio.TimeoutError:
                    log.warning("no context from the parent market %s yet: clearing with our own "
                                "gate until it comes", self.parent.market)
            last = self.market.last_cleared()
            if last is not None:            # a crash may have come between commit and publish
                self.publish(self.market.republish(last))
            tasks += [asyncio.create_task(self._ingest_loop()),
                      asyncio.create_task(self._clock_loop())]
            self.ready.set()
            waiter = asyncio.create_task((stop or asyncio.Event()).wait())
            done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if t is not waiter and t.exception():
                    raise t.exception()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.link.stop()
            if self.plink is not None:
                self.plink.stop()

    # ------------------------------------------------------------------ tasks
    async def _ingest_loop(self) -> None:
        q = self.link.incoming
        while True:
            batch = [await q.get()]
            while len(batch) < BATCH and not q.empty():
                batch.append(q.get_nowait())
            out = self.market.ingest([(topic, data) for topic, data, _token in batch])
            for _topic, _data, token in batch:      # committed: the broker may forget them
                self.link.ack(token)
            self.publish(out)
            if self.plink is not None:
                self._deliver_to_parent(parent_mod.deliveries_due(self.market, self.parent.market))
            await asyncio.sleep(0)

    async def _clock_loop(self) -> None:
        clock, market = self.market.clock, self.market
        while True:
            for s in market.due():
                try:
                    if self.plink is not None:
                        await self._clear_with_parent(s)
                    else:
                        self.publish(market.clear(s))
                    if self.on_cleared is not None:
                        self.on_cleared(cleared_summary(market, s, self._refused))
                except Exception as exc:  # noqa: BLE001 - one interval must not stop the market
                    try:
                        market.fail(s, exc)
                    except Exception:  # noqa: BLE001 - the database itself: try again next gate
                        log.exception("could not record interval %d as failed", s)
            try:
                self.publish(market.close())
                if self.plink is not None:
                    pm = self.parent.market
                    self._deliver_to_parent(parent_mod.deliveries_due(market, pm) or
                                            parent_mod.unsettled_deliveries(market))
            except Exception:  # noqa: BLE001 - nor may settling what is missing: next gate again
                log.exception("settling missed deliveries failed")
            self._publish_context()
            sleep = asyncio.create_task(clock.sleep(market.next_gate() - clock.now() + 0.01))
            wake = asyncio.create_task(self._wake.wait())
            await asyncio.wait([sleep, wake], return_when=asyncio.FIRST_COMPLETED)
            sleep.cancel()
            wake.cancel()
            self._wake.clear()

    # ------------------------------------------------------------------ parent market
    async def _start_parent(self) -> None:
        me, pm = self.market.cfg.market, self.parent.market
        self.plink = MqttLink(self.parent.access or self.parent.url, f"mm-child-{me}-of-{pm}",
                              [P.topic(pm, "context"), P.topic(pm, "treehead"),
                               P.topic(pm, "award", me), P.topic(pm, "receipt", me),
                               P.topic(pm, "error", me)])
        self.plink.start()
        await self.plink.wait_connected(30)

    async def _parent_loop(self) -> None:
        pm = self.parent.market
        while True:
            topic, data = await self.plink.incoming.get()
            try:
                _m, kind, _party = P.parse_topic(topic)
                if kind == "context":
                    key = self.parent.key or P.read(data).message.key
                    self.parent_context = P.verify(data, key, kind="context")
                    self.parent.key = key
                    self._follow_parent(self.parent_context)
                elif kind == "treehead" and self.parent.key is not None:
                    head = P.verify(data, self.parent.key, kind="treehead")
                    if head.market == pm:    # we witness the parent's ledger, as devices ours
                        parent_mod.witness_parent_head(self.market, head)
                elif kind == "award" and self.parent.key is not None:
                    award = P.verify(data, self.parent.key, kind="award")
                    if award.market == pm:
                        parent_mod.store_parent_award(self.market, award, data)
                elif kind == "receipt" and self.parent.key is not None:
                    receipt = P.verify(data, self.parent.key, kind="receipt")
                    if receipt.market == pm and not parent_mod.store_parent_receipt(
                            self.market, pm, receipt, data):
                        log.warning("a receipt of the parent %s names no delivery of ours", pm)
                elif kind == "error" and self.parent.key is not None:
                    err = P.verify(data, self.parent.key, kind="error")
                    log.warning("parent market %s refused a message of ours: %s", pm, err.reason)
            except P.ProtocolError as exc:
                log.warning("ignoring a message from the parent on %s: %s", topic, exc)

    def _follow_parent(self, ctx: P.Context) -> None:
        """Close our gate early enough for the parent's, as its context says."""
        self._parent_known.set()
        cfg = self.market.cfg
        gate = parent_mod.gate_for(self._own_gate, cfg.interval, ctx)
        if gate is None:
            log.error("the parent market %s (interval %d s, gate %d s) cannot take positions of "
                      "this market (interval %d s): its awards will not come in time",
                      ctx.market, ctx.interval, ctx.gate, cfg.interval)
            return
        if gate != cfg.gate:
            log.info("gate closure %d s before each interval, for the parent's %d s", gate,
                     ctx.gate)
            self.market.cfg = dataclasses.replace(cfg, gate=gate)
            self._wake.set()

    def _deliver_to_parent(self, bodies: list[bytes]) -> None:
        topic = P.topic(self.parent.market, "delivery", self.market.cfg.market)
        for body in bodies:
            self.plink.publish(topic, body)

    async def _clear_with_parent(self, s: int) -> None:
        market = self.market
        self.publish(market.expire(s))
        position = parent_mod.clear_local(market, s, self.parent.market)
        if position is not None:
            self.plink.publish(P.topic(self.parent.market, "tender", market.cfg.market), position)
            wanted = parent_mod.sides_wanted(market, s)
            # wait for the parent's awards until the interval starts, then fall back to the grid
            while wanted - parent_mod.sides_awarded(market, s) and market.clock.now() < s:
                await asyncio.sleep(0.02)
        self.publish(parent_mod.finish(market, s))

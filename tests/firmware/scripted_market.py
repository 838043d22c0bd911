"""A small scripted market for the agent tests: real MQTT (paho), real signatures (the host's
micromarket.protocol), the market's own ScaledClock; no auction, just a price per interval.

It publishes a retained, signed context each interval; at each gate closure it awards every
tender the steps that clear at that interval's price (buy steps priced at or above it, sell steps
at or below it), publishes the clearing, and records and receipts every delivery after checking
its signature; a delivery it has already recorded gets its receipt again, as the real market
does. ``forge_award`` sends awards signed with the wrong key, for the refusal tests; ``lose``
swallows the first copy of the deliveries for the intervals named, with no receipt, as a market
that dies after its broker acknowledged them would; ``refuse`` answers the deliveries for the
intervals named with a signed error of the code given (``busy`` only the first copy);
``swallow`` swallows the first copies of every tender, as a market killed before its commit (or
a broker that died) would. A copy of a tender it holds already is counted, as the real market
takes it: not recorded again, no answer.
"""

import hashlib
import threading
import time
from collections import defaultdict

import paho.mqtt.client as paho
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from micromarket import protocol as P
from micromarket.market.clock import ScaledClock

MARKET = "m1"


def day_price(interval_start, floor, cap):
    """A price that is low at night, high in the evening: a day's shape, integers only."""
    hour = interval_start % 86400 // 3600
    weight = {0: 1, 1: 1, 2: 0, 3: 0, 4: 1, 5: 2, 6: 4, 7: 6, 8: 5, 9: 4, 10: 3, 11: 3, 12: 2,
              13: 2, 14: 3, 15: 4, 16: 5, 17: 7, 18: 9, 19: 9, 20: 7, 21: 5, 22: 3, 23: 2}[hour]
    return floor + (cap - floor) * weight // 10


class ScriptedMarket:
    def __init__(self, port, parties, *, speed, anchor, interval=900, gate=150,
                 floor=80_000, cap=300_000, qmax=100_000, key=None, lose=(), refuse=None,
                 swallow=0, shrink=()):
        self.port, self.parties = port, dict(parties)  # party id -> 32-byte public key
        self.clock = ScaledClock(speed, anchor)
        self.interval, self.gate, self.floor, self.cap, self.qmax = interval, gate, floor, cap, qmax
        self.key = key or Ed25519PrivateKey.generate()
        self.public = P.public_key_bytes(self.key)
        self.tenders = {}  # (party, interval) -> (hash, Tender)
        self.awards = {}  # (party, interval) -> (hash, Award)
        self.deliveries = defaultdict(list)  # party -> [(hash, Delivery)]
        self.seqs = defaultdict(list)  # party -> every seq seen, in arrival order (no copies)
        self.receipts = {}  # (party, interval) -> (delivery hash, signed receipt)
        self.copies = defaultdict(int)  # party -> deliveries received again, answered again
        self.lose = set(lose)  # intervals whose first delivery is swallowed
        self.lost = []  # (party, interval) swallowed
        self.refuse = dict(refuse or {})  # interval -> error code name
        self.errors = defaultdict(int)  # (party, interval) -> errors sent for its deliveries
        self.refused = []
        self.swallow = swallow  # copies of each tender swallowed
        self.swallowed = defaultdict(int)  # tender hash -> copies swallowed
        self.tender_copies = defaultdict(int)  # party -> copies of tenders held already
        self.tender_log = []  # (market time, party, interval, hash) of every copy that came
        self.balances = defaultdict(int)
        self.heads = []  # the tree heads of the clearings (and contexts after), in order
        self.shrink = set(shrink)  # clearings (by number) naming a head smaller than the last
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="scripted-market")
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *a: c.subscribe([(f"mm/{MARKET}/tender/+", 1),
                                                             (f"mm/{MARKET}/delivery/+", 1)])

    # --- life -----------------------------------------------------------------------------
    def start(self):
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        self._publish_context()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        self.client.publish(P.topic(MARKET, "context"), b"", retain=True).wait_for_publish(5)
        self.client.loop_stop()
        self.client.disconnect()

    def now(self):
        return self.clock.now()

    def open_interval(self, now=None):
        now = self.now() if now is None else now
        n = self.interval
        return (int(now + self.gate) // n + 1) * n

    def tender_intervals(self, party):
        """The intervals ``party`` has tendered for so far, sorted: a snapshot taken under the
        lock (paho's thread adds tenders as they arrive)."""
        with self._lock:
            return sorted(b for (p, b) in self.tenders if p == party)

    # --- outbound -------------------------------------------------------------------------
    def sign(self, msg, key=None):
        return P.sign(msg, key or self.key, MARKET)

    def context_bytes(self):
        # the forecast is the day's own prices (hour by hour): this market knows them
        b, n = self.open_interval(), self.interval
        slot = -(-3600 // n) * n
        prices = tuple(self.clearing_price(b + k * slot) for k in range(86400 // slot))
        return self.sign(P.Context(market=MARKET, key=self.public, interval=n,
                                   start=b, gate=self.gate, floor=self.floor,
                                   cap=self.cap, tariff=((0, self.floor, self.cap),),
                                   forecast=(b, slot, prices),
                                   qmax=self.qmax, parent=None,
                                   products=("energy",), issued=int(self.now()),
                                   head=self.heads[-1] if self.heads else None))

    def _publish_context(self):
        self.client.publish(P.topic(MARKET, "context"), self.context_bytes(), qos=1, retain=True)

    def _run(self):
        cleared = self.open_interval() - self.interval  # intervals up to this one are done
        while not self._stop.is_set():
            b = cleared + self.interval
            if self.now() >= b - self.gate:
                self._clear(b)
                self._publish_context()
                cleared = b
            time.sleep(0.003)

    def clearing_price(self, b):
        return day_price(b, self.floor, self.cap)

    def _clear(self, b):
        price = self.clearing_price(b)
        with self._lock:
            mine = [(p, h, t) for (p, s), (h, t) in self.tenders.items() if s == b]
        for party, thash, t in mine:
            if t.side == "buy":
                wh = sum(q for p, q in t.curve if p >= price)
            else:
                wh = sum(q for p, q in t.curve if p <= price)
            award = P.Award(market=MARKET, party=party, interval=b, side=t.side, price=price,
                            wh=wh, tender=thash)
            data = self.sign(award)
            with self._lock:
                self.awards[(party, b)] = (P.message_hash(data), award)
            self.client.publish(P.topic(MARKET, "award", party), data, qos=1)
        size = 8 * (len(self.heads) + 1)  # a ledger that grows with every clearing...
        if len(self.heads) in self.shrink:
            size = 8 * len(self.heads) - 3  # ...or one cut behind the last head
        head = (size, hashlib.sha256(b"root-%d" % size).digest())
        self.heads.append(head)
        clearing = P.Clearing(market=MARKET, interval=b, price=price, volume=0, grid_buy=0,
                              grid_sell=0, tenders=len(mine), head=head)
        self.client.publish(P.topic(MARKET, "clearing"), self.sign(clearing), qos=0)

    def forge_award(self, party, b, wh):
        """An award for ``party``'s tender for ``b``, signed by a key that is not the market's."""
        with self._lock:
            thash, t = self.tenders[(party, b)]
        award = P.Award(market=MARKET, party=party, interval=b, side=t.side, price=1, wh=wh,
                        tender=thash)
        self.client.publish(P.topic(MARKET, "award", party),
                            self.sign(award, Ed25519PrivateKey.generate()), qos=1)

    # --- inbound --------------------------------------------------------------------------
    def _on_message(self, client, userdata, m):
        kind, party = m.topic.split("/")[2], m.topic.split("/")[3]
        try:
            msg = P.verify(m.payload, self.parties[party], kind)
        except (KeyError, P.ProtocolError) as exc:
            self.refused.append((m.topic, repr(exc)))
            return
        h = P.message_hash(m.payload)
        with self._lock:
            if kind == "tender":
                self.tender_log.append((self.now(), party, msg.interval, h))
                if self.swallowed[h] < self.swallow:
                    self.swallowed[h] += 1
                    return
                held = self.tenders.get((party, msg.interval))
                if held is not None and held[0] == h:
                    self.tender_copies[party] += 1
                    return
                self.seqs[party].append(msg.seq)
                self.tenders[(party, msg.interval)] = (h, msg)
                return
            if msg.interval in self.lose:
                self.lose.discard(msg.interval)
                self.lost.append((party, msg.interval))
                return
            code = self.refuse.get(msg.interval)
            if code is not None:
                if code == "busy":
                    del self.refuse[msg.interval]
                self.errors[(party, msg.interval)] += 1
                err = P.Error(market=MARKET, code=P.ERROR_CODES[code], reason="scripted",
                              party=party, ref=h)
                client.publish(P.topic(MARKET, "error", party), self.sign(err), qos=1)
                return
            done = self.receipts.get((party, msg.interval))
            if done is not None:
                if done[0] != h:
                    self.refused.append((m.topic, "another delivery for a settled interval"))
                    return
                self.copies[party] += 1
                client.publish(P.topic(MARKET, "receipt", party), done[1], qos=1)
                return
            self.seqs[party].append(msg.seq)
            self.deliveries[party].append((h, msg))
            got = self.awards.get((party, msg.interval))
            price = got[1].price if got else (self.cap if msg.side == "buy" else self.floor)
            amount = msg.wh * price // 1000 * (-1 if msg.side == "buy" else 1)
            self.balances[party] += amount
            receipt = self.sign(P.Receipt(market=MARKET, party=party, interval=msg.interval,
                                          delivery=h, amount=amount, balance=self.balances[party]))
            self.receipts[(party, msg.interval)] = (h, receipt)
        client.publish(P.topic(MARKET, "receipt", party), receipt, qos=1)

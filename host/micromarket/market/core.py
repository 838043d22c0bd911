"""The market without its transport: ingest signed messages, clear intervals, settle deliveries.

``Market`` works on one SQLite connection and a clock; every method returns the messages to
publish as ``Outbound`` items, so the MQTT service, the benchmark and the tests drive the same
code. Everything accepted is persisted, with its ledger entry, in the same transaction before
anything is published about it.
"""

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .. import protocol as P
from ..protocol import codec, cose
from . import auction
from . import ledger as L
from . import limits
from . import registry as R
from . import settlement as S
from .store import get_meta, set_meta, transaction

log = logging.getLogger(__name__)
ACCEPTS = {"tender": ("tender", "position"), "delivery": ("delivery",)}
DELIVERY_WINDOW = 7 * 86400      # deliveries for a cleared interval older than this are closed
DAY = 86400
FORECAST_SLOT = 3600             # forecast prices cover slots of at least this many seconds
FORECAST_DAYS = (4, 2, 1)        # weights of the clearings 1, 2, 3 days back in the forecast


@dataclass(frozen=True)
class Config:
    market: str
    interval: int = 300            # seconds
    gate: int = 60                 # gate closure, seconds before an interval starts
    floor: int = 80_000            # ucr/kWh, grid feed-in
    cap: int = 400_000             # ucr/kWh, grid retail
    qmax: int = 100_000            # Wh per tender
    horizon: int = 96              # intervals ahead a tender may bid for
    window: int = 12               # intervals after its end an awarded delivery is awaited
    parent: str | None = None
    tariff: tuple | None = None    # ((at s after 00:00 UTC, feed-in, retail), ...); None: flat

    def __post_init__(self) -> None:
        P.fields.check_tariff("tariff", self.schedule())

    def schedule(self) -> tuple:
        """The time-of-use tariff, as the context carries it."""
        return self.tariff or ((0, self.floor, self.cap),)

    def prices(self, t: int) -> tuple[int, int]:
        """(feed-in, retail) of the grid for the interval starting at ``t``."""
        return P.fields.tariff_at(self.schedule(), t)


def parse_tariff(text: str) -> tuple:
    """``HH:MM=FEEDIN/RETAIL,...`` (UTC, ucr/kWh) as Config.tariff; ValueError naming the fault."""
    steps = []
    for part in text.split(","):
        at, eq, prices = part.strip().partition("=")
        feed_in, slash, retail = prices.partition("/")
        hh, colon, mm = at.partition(":")
        try:
            if not (eq and slash and colon):
                raise ValueError
            h, m, f, r = int(hh), int(mm), int(feed_in), int(retail)
        except ValueError:
            raise ValueError(f"tariff step {part.strip()!r} is not HH:MM=FEEDIN/RETAIL") from None
        if not (0 <= h < 24 and 0 <= m < 60 and f >= 0 and r >= 0):
            raise ValueError(f"tariff step {part.strip()!r}: time or price out of range")
        steps.append((h * 3600 + m * 60, f, r))
    steps = tuple(steps)
    try:
        P.fields.check_tariff("tariff", steps)
    except P.ValidationError as exc:
        raise ValueError(exc.reason) from None
    return steps


@dataclass(frozen=True)
class Outbound:
    topic: str
    payload: bytes
    retain: bool = False


class Refused(Exception):
    """One message refused: the wire error code name, the reason, and what is known about it."""

    def __init__(self, code: str, reason: str, ref: bytes | None = None):
        super().__init__(reason)
        self.code, self.reason, self.ref = code, reason, ref


class Market:
    def __init__(self, conn, config: Config, key, clock):
        self.conn, self.cfg, self.key, self.clock = conn, config, key, clock
        self.public = P.public_key_bytes(key)
        # counted since the database was made: a restart carries on from the stored counters
        self.counters: Counter = Counter(json.loads(get_meta(conn, "counters", "{}")))
        self._parties: dict[str, list] = {}
        set_meta(conn, "market", config.market)
        set_meta(conn, "key", self.public)
        latest = L.latest_head(conn)
        self.treehead: Outbound | None = (   # the newest signed tree head (retained)
            None if latest is None else Outbound(self.topic("treehead"), latest[1], retain=True))
        self.reload_parties()

    # ------------------------------------------------------------------ time
    def now(self) -> int:
        return int(self.clock.now())

    def open_interval(self, now: float | None = None) -> int:
        """Start of the first interval whose gate is still open."""
        now = self.clock.now() if now is None else now
        n = self.cfg.interval
        return (math.floor((now + self.cfg.gate) / n) + 1) * n

    def next_gate(self) -> float:
        return self.open_interval() - self.cfg.gate

    # ------------------------------------------------------------------ registry cache
    def reload_parties(self) -> None:
        self._parties = {}
        for p in R.parties(self.conn, self.cfg.market):
            self._parties[p.party] = [Ed25519PublicKey.from_public_bytes(p.key), p.last_seq,
                                      p.nbf, p.exp, p.role,
                                      limits.interval_wh(limits.power_w(p.role, p.board),
                                                         self.cfg.interval)]
        self._data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]

    def _party(self, party: str) -> list | None:
        entry = self._parties.get(party)
        if entry is None:
            # enrolled by another process while we run (micromarket provision)?
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._data_version:
                self.reload_parties()
                entry = self._parties.get(party)
        return entry

    # ------------------------------------------------------------------ outbound helpers
    def sign(self, msg: P.Message) -> bytes:
        return P.sign(msg, self.key, self.cfg.market)

    def _sign_head(self, ledger: L.Appender, now: int) -> P.TreeHead:
        """End a write with a signed tree head over the whole ledger: ``self.treehead``, which
        the service publishes retained after each write."""
        head = ledger.sign_head(self.key, self.cfg.market, now)
        self.treehead = Outbound(self.topic("treehead"), ledger.treehead, retain=True)
        return head

    def record(self, kind: str, body: bytes) -> None:
        """Append one entry and a tree head over it (inside the caller's transaction)."""
        now = self.now()
        ledger = L.Appender(self.conn)
        ledger.append(kind, body, now)
        self._sign_head(ledger, now)
        ledger.flush()

    def topic(self, kind: str, party: str | None = None) -> str:
        return P.topic(self.cfg.market, kind, party)

    def context(self) -> Outbound:
        c = self.cfg
        start = self.open_interval()
        floor, cap = c.prices(start)
        msg = P.Context(market=c.market, key=self.public, interval=c.interval, start=start,
                        gate=c.gate, floor=floor, cap=cap, tariff=c.schedule(),
                        forecast=self.forecast(start), qmax=c.qmax, parent=c.parent,
                        products=("energy",), issued=self.now(), head=self.head())
        return Outbound(self.topic("context"), self.sign(msg), retain=True)

    def head(self) -> tuple[int, bytes] | None:
        """``(size, root)`` of the newest tree head signed (devices name it in deliveries)."""
        if self.treehead is None:
            return None
        th = P.read(self.treehead.payload).message
        return th.size, th.root

    def forecast(self, start: int) -> tuple:
        """``(from, slot, prices)`` for the next 24 h: at each time of day, the clearing prices of
        the last days there (weighted, newest most), kept inside the tariff; retail where
        nothing has cleared yet (protocol/README.md)."""
        c = self.cfg
        slot = -(-FORECAST_SLOT // c.interval) * c.interval
        n = min(P.fields.MAX_FORECAST, DAY // slot) or 1
        back = len(FORECAST_DAYS) * DAY
        sums: dict[tuple[int, int], list[int]] = {}
        for interval, price in self.conn.execute(
                "SELECT interval, price FROM intervals WHERE interval >= ? AND interval < ? "
                "AND price IS NOT NULL",
                (start - back, start + n * slot - DAY)):
            ago = (start - interval + DAY - 1) // DAY      # days back: 1 .. FORECAST_DAYS
            k = (interval + ago * DAY - start) // slot
            if k >= n:
                continue
            acc = sums.setdefault((k, ago), [0, 0])
            acc[0] += price
            acc[1] += 1
        prices = []
        for k in range(n):
            lo, hi = c.prices(start + k * slot)
            num = den = 0
            for ago, weight in enumerate(FORECAST_DAYS, 1):
                acc = sums.get((k, ago))
                if acc:
                    num += weight * (acc[0] // acc[1])
                    den += weight
            prices.append(min(hi, max(lo, num // den)) if den else hi)
        return (start, slot, tuple(prices))

    def error(self, refused: Refused, party: str | None) -> Outbound | None:
        self.counters[refused.code] += 1
        if party is None or not P.fields.MARKET_RE.fullmatch(party):
            return None
        msg = P.Error(market=self.cfg.market, code=P.ERROR_CODES[refused.code],
                      reason=refused.reason[:200], party=party, ref=refused.ref)
        return Outbound(self.topic("error", party), self.sign(msg))

    # ------------------------------------------------------------------ ingest
    def ingest(self, batch: list[tuple[str, bytes]]) -> list[Outbound]:
        """Check and persist a batch of (topic, bytes); return errors and receipts to publish."""
        out: list[Outbound] = []
        now = self.now()
        with transaction(self.conn):
            ledger = L.Appender(self.conn)
            for topic, data in batch:
                party = None
                try:
                    _m, kind, party = P.parse_topic(topic)
                    accepted = self._accept(kind, party, data, now, ledger, out)
                    if accepted != "resent":  # answered again, nothing new taken
                        self.counters["accepted"] += 1
                    self.counters[accepted] += 1
                except Refused as exc:
                    err = self.error(exc, party)
                    if err:
                        out.append(err)
                except P.ProtocolError as exc:
                    err = self.error(Refused(exc.code_name, exc.reason, _hash(data)), party)
                    if err:
                        out.append(err)
                except Exception as exc:  # noqa: BLE001 - a bug must not sink the batch, nor be
                    # redelivered into the same failure after a restart (it is acknowledged)
                    log.exception("message on %s failed", topic)
                    err = self.error(Refused("internal", f"internal error: {type(exc).__name__}"),
                                     party)
                    if err:
                        out.append(err)
            if ledger.dirty:
                self._sign_head(ledger, now)
            ledger.flush()
            set_meta(self.conn, "counters", json.dumps(self.counters))
        return out

    def _accept(self, kind: str, party: str | None, data: bytes, now: int,
                ledger: L.Appender, out: list[Outbound]) -> str:
        if len(data) > P.MAX_MESSAGE:
            raise Refused("oversized", f"message of {len(data)} bytes is over {P.MAX_MESSAGE}",
                          _hash(data))
        signed = P.read(data)
        msg = signed.message
        if msg.KIND not in ACCEPTS.get(kind, ()):
            raise Refused("wrong-type", f"a {msg.KIND} message does not belong on the {kind} topic",
                          signed.hash)
        if msg.market != self.cfg.market:
            raise Refused("wrong-market", f"message is for market {msg.market!r}, "
                                          f"this is {self.cfg.market!r}", signed.hash)
        if msg.party != party or signed.signer != party:
            raise Refused("signature", f"signer {signed.signer!r} and party {msg.party!r} "
                                       f"must both be the topic's {party!r}", signed.hash)
        entry = self._party(party)
        if entry is None:
            raise Refused("unknown-party", f"{party} is not enrolled in {self.cfg.market}",
                          signed.hash)
        pub, last_seq, nbf, exp, role, most_wh = entry
        if not nbf <= now <= exp:
            raise Refused("expired", f"the enrollment of {party} is not valid now", signed.hash)
        signed.envelope.verify(pub)
        if msg.KIND == "position" and role != limits.CHILD_MARKET:
            raise Refused("wrong-type", f"a position comes only from a child market; {party} is "
                                        f"enrolled as {role!r}", signed.hash)
        if msg.KIND == "delivery":
            # A device keeps a delivery until its receipt comes, and sends it again when none
            # does (the first copy, or the receipt, may have died with a broker or a market).
            # Settlement, one per party and interval, is what guards deliveries against replay,
            # not seq: the same bytes again get the receipt already given, and a delivery
            # overtaken by a later tender is still taken.
            prior = self.conn.execute("SELECT hash, receipt FROM deliveries WHERE interval = ? "
                                      "AND party = ?", (msg.interval, party)).fetchone()
            if prior is not None and bytes(prior[0]) == signed.hash:
                out.append(Outbound(self.topic("receipt", msg.party), bytes(prior[1])))
                return "resent"
            receipt = self._delivery(msg, signed, now, most_wh)
            ledger.append(msg.KIND, data, now)
            ledger.append("receipt", receipt, now)
            out.append(Outbound(self.topic("receipt", msg.party), receipt))
        else:
            # A device sends a tender again until the market answers it (the first copy may have
            # died with a broker): the same bytes the book holds are a copy, not a replay,
            # answered with the tender's award once there is one, and taken no further.
            prior = self.conn.execute("SELECT hash FROM tenders WHERE interval = ? AND party = ?",
                                      (msg.interval, party)).fetchone()
            if prior is not None and bytes(prior[0]) == signed.hash:
                out.extend(Outbound(self.topic("award", party), bytes(body)) for (body,) in
                           self.conn.execute("SELECT body FROM awards WHERE interval = ? AND "
                                             "party = ? AND tender = ?",
                                             (msg.interval, party, signed.hash)))
                return "resent"
            if msg.seq <= last_seq:
                raise Refused("replay", f"sequence {msg.seq} is not above {last_seq}",
                              signed.hash)
            self._tender(msg, signed, now, most_wh)
            ledger.append(msg.KIND, data, now)
        if msg.seq > last_seq:
            entry[1] = msg.seq
            R.set_seq(self.conn, party, msg.seq)
        return msg.KIND

    def _tender(self, msg, signed, now: int, most_wh: int) -> None:
        c = self.cfg
        s = msg.interval
        if s % c.interval:
            raise Refused("invalid", f"interval {s} is not a multiple of {c.interval} s", signed.hash)
        if s <= now:
            raise Refused("interval-closed", f"interval {s} has started", signed.hash)
        if now >= s - c.gate:
            raise Refused("gate-closed", f"the gate of interval {s} closed at {s - c.gate}",
                          signed.hash)
        if s > self.open_interval(now) + c.horizon * c.interval:
            raise Refused("interval-future", f"interval {s} is more than {c.horizon} intervals "
                                             "ahead", signed.hash)
        if msg.expiry < now:
            raise Refused("expired", f"tender expired at {msg.expiry}", signed.hash)
        if msg.KIND == "position":
            curves = [msg.buy, msg.sell]
            steps = [*msg.buy, *msg.sell]
            side = "both"
            sides = (("buy", msg.buy), ("sell", msg.sell))
        else:
            curves = msg.curve
            steps = msg.curve
            side = msg.side
            sides = ((side, msg.curve),)
        reputation = self.conn.execute("SELECT reputation FROM parties WHERE party = ?",
                                       (msg.party,)).fetchone()[0]
        most = S.tender_limit(c.qmax, reputation)
        for name, curve in sides:
            total = sum(q for _p, q in curve)
            if total > most:
                why = "" if most == c.qmax else f" at {msg.party}'s reputation {reputation}"
                raise Refused("out-of-bounds", f"{msg.KIND} offers more than {most} Wh{why}",
                              signed.hash)
            if total > most_wh:
                raise Refused("out-of-bounds", f"{msg.KIND} would {name} {total} Wh; {msg.party}'s"
                                               f" power allows {most_wh} Wh in an interval",
                              signed.hash)
        floor, cap = c.prices(s)
        for price, _q in steps:
            if not floor <= price <= cap:
                raise Refused("out-of-bounds", f"price {price} is outside the tariff's "
                                               f"{floor}..{cap} of interval {s}", signed.hash)
        self.conn.execute("INSERT OR REPLACE INTO tenders (interval, party, seq, hash, side, curve,"
                          " kind, expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (s, msg.party, msg.seq, signed.hash, side, cbor2.dumps(curves), msg.KIND,
                           msg.expiry))

    def _delivery(self, msg, signed, now: int, most_wh: int) -> bytes:
        c = self.cfg
        s = msg.interval
        if msg.wh > most_wh:
            raise Refused("out-of-bounds", f"delivery of {msg.wh} Wh; {msg.party}'s power allows "
                                           f"{most_wh} Wh in an interval", signed.hash)
        if s % c.interval:
            raise Refused("invalid", f"interval {s} is not a multiple of {c.interval} s", signed.hash)
        if s + c.interval > now:
            raise Refused("invalid", f"interval {s} has not ended", signed.hash)
        state = self.conn.execute("SELECT state FROM intervals WHERE interval = ?",
                                  (s,)).fetchone()
        row = self.conn.execute("SELECT hash FROM awards WHERE interval = ? AND party = ? AND "
                                "side = ?", (s, msg.party, msg.side)).fetchone()
        if msg.award is not None and (row is None or row[0] != msg.award):
            raise Refused("invalid", "the delivery names an award this market did not make",
                          signed.hash)
        if state is not None:               # cleared (or failed: traded nothing)
            if s + DELIVERY_WINDOW < now:
                raise Refused("interval-closed", f"interval {s} is too old to settle", signed.hash)
        elif self.conn.execute("SELECT 1 FROM tenders WHERE interval = ? LIMIT 1",
                               (s,)).fetchone():
            # its tenders wait to be cleared (the market is catching up after a restart)
            raise Refused("busy", f"interval {s} is not cleared yet; send the delivery again",
                          signed.hash)
        elif s + c.interval + limits.ISLAND_WINDOW < now:
            raise Refused("interval-closed", f"interval {s} was never cleared and ended more than "
                                             f"{limits.ISLAND_WINDOW} s ago", signed.hash)

        def receipt(amount: int, balance: int) -> bytes:
            return self.sign(P.Receipt(market=c.market, party=msg.party, interval=s,
                                       delivery=signed.hash, amount=amount, balance=balance))
        floor, cap = c.prices(s)
        try:
            _settled, body = S.settle_delivery(self.conn, msg.party, s, msg.side, msg.wh,
                                               signed.hash, floor, cap, receipt)
        except S.SettlementError as exc:
            raise Refused(exc.code, str(exc), signed.hash) from None
        return body

    # ------------------------------------------------------------------ closing
    def close(self) -> list[Outbound]:
        """Settle, as 0 Wh, every award of energy whose delivery window closed with no delivery:
        a market-signed ``missed`` record and a receipt go into the ledger, the receipt to the
        party, exactly as for a party that reported 0 Wh."""
        c = self.cfg
        now = self.now()
        out: list[Outbound] = []
        upto = int(get_meta(self.conn, "closed_upto", 0))   # all settled up to here
        rows = S.missing(self.conn, now, c.interval, c.window, upto)
        with transaction(self.conn):
            ledger = L.Appender(self.conn)
            settled = set()
            for s, party, side, award in rows:
                if (s, party) in settled:       # one settlement per party and interval
                    continue
                settled.add((s, party))
                record = cose.sign1(self.key, codec.dumps(
                    {"type": S.MISSED, "v": 1, "market": c.market, "party": party, "interval": s,
                     "side": side, "award": bytes(award), "wh": 0, "time": now}), c.market)
                h = P.message_hash(record)

                def receipt(amount: int, balance: int, party=party, s=s, h=h) -> bytes:
                    return self.sign(P.Receipt(market=c.market, party=party, interval=s,
                                               delivery=h, amount=amount, balance=balance))
                _settled, body = S.settle_delivery(self.conn, party, s, side, 0, h,
                                                   *c.prices(s), receipt, kind=S.MISSED)
                ledger.append(S.MISSED, record, now)
                ledger.append("receipt", body, now)
                out.append(Outbound(self.topic("receipt", party), body))
                self.counters["missed"] += 1
            if ledger.dirty:
                self._sign_head(ledger, now)
                ledger.flush()
                set_meta(self.conn, "counters", json.dumps(self.counters))
            # every award up to here is past even a child market's window, and settled
            set_meta(self.conn, "closed_upto",
                     max(upto, now - c.interval * (1 + 2 * c.window)))
        return out

    # ------------------------------------------------------------------ clearing
    def due(self, now: float | None = None) -> list[int]:
        """Intervals whose gate has closed and that are not cleared yet (oldest first)."""
        now = self.clock.now() if now is None else now
        last = self.open_interval(now) - self.cfg.interval      # newest interval past its gate
        done = {r[0] for r in self.conn.execute(
            "SELECT interval FROM intervals WHERE interval <= ?", (last,))}
        stored = {r[0] for r in self.conn.execute(
            "SELECT DISTINCT interval FROM tenders WHERE interval <= ?", (last,))}
        return sorted((stored | {last}) - done)

    def orders(self, interval: int) -> tuple[list[auction.Order], list[tuple[str, str]]]:
        """The interval's orders, and (party, side) for each, in a deterministic order."""
        orders: list[auction.Order] = []
        who: list[tuple[str, str]] = []
        for party, h, side, blob in self.conn.execute(
                "SELECT party, hash, side, curve FROM tenders WHERE interval = ? ORDER BY party",
                (interval,)):
            curve = cbor2.loads(blob)
            if side == "both":
                for s, steps in (("buy", curve[0]), ("sell", curve[1])):
                    if steps:
                        orders.append((h, auction.SIDES[s], [tuple(x) for x in steps]))
                        who.append((party, s))
            else:
                orders.append((h, auction.SIDES[side], [tuple(x) for x in curve]))
                who.append((party, side))
        return orders, who

    def expire(self, interval: int) -> list[Outbound]:
        """Take the tenders of ``interval`` that expired before it is cleared out of the book
        (they are never awarded); each party gets an ``expired`` error naming its tender."""
        now = self.now()
        rows = self.conn.execute("SELECT party, hash, expiry FROM tenders WHERE interval = ? AND "
                                 "expiry < ?", (interval, now)).fetchall()
        if not rows:
            return []
        out = []
        for party, h, expiry in rows:
            err = self.error(Refused("expired", f"the tender for {interval} expired at {expiry}, "
                                                "before the interval was cleared", bytes(h)), party)
            if err:
                out.append(err)
        with transaction(self.conn):
            self.conn.execute("DELETE FROM tenders WHERE interval = ? AND expiry < ?",
                              (interval, now))
            set_meta(self.conn, "counters", json.dumps(self.counters))
        return out

    def fail(self, interval: int, exc: BaseException) -> None:
        """Record that clearing, signing or publishing ``interval`` failed: it is not due again
        (a restart does not run into the same failure) and the operator sees why."""
        reason = f"{type(exc).__name__}: {exc}"[:300]
        log.error("interval %d failed, the market goes on without it: %s", interval, reason,
                  exc_info=exc)
        self.counters["failed"] += 1
        with transaction(self.conn):
            self.conn.execute("INSERT OR IGNORE INTO intervals (interval, state) "
                              "VALUES (?, 'failed')", (interval,))
            self.conn.execute("INSERT OR REPLACE INTO failures (interval, time, reason) "
                              "VALUES (?, ?, ?)", (interval, self.now(), reason))
            set_meta(self.conn, "counters", json.dumps(self.counters))

    def clear(self, interval: int) -> list[Outbound]:
        """Clear ``interval`` against the grid; persist and return awards and the Clearing."""
        expired = self.expire(interval)
        orders, who = self.orders(interval)
        result = auction.clear(orders, *self.cfg.prices(interval))
        awards = [(party, side, o[0], result.price, wh, wh, 0)
                  for (party, side), o, wh in zip(who, orders, result.awarded)]
        return expired + self._publish_clearing(interval, result.price, result.local,
                                                result.exported, result.imported, len(orders),
                                                awards)

    def _publish_clearing(self, interval, price, local, grid_buy, grid_sell, count,
                          awards) -> list[Outbound]:
        c = self.cfg
        now = self.now()
        out: list[Outbound] = []
        credit = S.community_credit(local, *c.prices(interval))
        with transaction(self.conn):
            ledger = L.Appender(self.conn)
            rows = []
            for party, side, tender_hash, p, wh, local_wh, parent_wh in awards:
                body = self.sign(P.Award(market=c.market, party=party, interval=interval,
                                         side=side, price=p, wh=wh, tender=tender_hash))
                h = P.message_hash(body)
                rows.append((interval, party, side, p, wh, tender_hash, h, body, local_wh,
                             parent_wh))
                ledger.append("award", body, now)
                out.append(Outbound(self.topic("award", party), body))
            head = self._sign_head(ledger, now)     # the clearing names the head over its awards
            self.conn.executemany("INSERT OR REPLACE INTO awards (interval, party, side, price, wh,"
                                  " tender, hash, body, local_wh, parent_wh) VALUES "
                                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            clearing = self.sign(P.Clearing(market=c.market, interval=interval, price=price,
                                            volume=local, grid_buy=grid_buy, grid_sell=grid_sell,
                                            tenders=count, head=(head.size, head.root)))
            ledger.append("clearing", clearing, now)
            self.conn.execute("INSERT OR REPLACE INTO intervals (interval, price, local, grid_buy,"
                              " grid_sell, tenders, community, state) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, 'cleared')",
                              (interval, price, local, grid_buy, grid_sell, count, credit))
            S.add_community_credit(self.conn, credit)
            self._sign_head(ledger, now)
            ledger.flush()
            self.counters["cleared"] += 1
            set_meta(self.conn, "counters", json.dumps(self.counters))
        out.append(Outbound(self.topic("clearing"), clearing))
        return out

    def republish(self, interval: int) -> list[Outbound]:
        """The awards and Clearing of an interval already cleared (after a restart)."""
        out = [Outbound(self.topic("award", party), body) for party, body in self.conn.execute(
            "SELECT party, body FROM awards WHERE interval = ? ORDER BY party", (interval,))]
        return out

    def last_cleared(self) -> int | None:
        row = self.conn.execute("SELECT max(interval) FROM intervals WHERE state = 'cleared'"
                                ).fetchone()
        return row[0]

    def log_context(self, ob: Outbound) -> None:
        with transaction(self.conn):
            self.record("context", ob.payload)

    def stats(self) -> dict:
        return {"market": self.cfg.market, "counters": dict(self.counters),
                "parties": len(self._parties),
                "community_credit": int(get_meta(self.conn, "community_credit", 0))}


def _hash(data) -> bytes | None:
    try:
        return P.message_hash(bytes(data))
    except Exception:  # noqa: BLE001 - a hash is a courtesy in an error message
        return None

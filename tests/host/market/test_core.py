"""The market core on a manual clock: ingest, refusals, clearing, awards, deliveries, ledger."""

import cbor2
import pytest

from micromarket import protocol as P
from micromarket.market import ledger as L
from micromarket.market import limits, loadgen
from micromarket.market import registry as R
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config, Market

T0 = 1_700_000_000 - 1_700_000_000 % 300   # an interval boundary


@pytest.fixture
def market(db, market_key):
    clock = ManualClock(T0 + 10)
    return Market(db, Config(market="m1"), market_key, clock)


@pytest.fixture
def parties(market):
    ps = loadgen.make_parties(20)
    loadgen.register(market.conn, ps, "m1")
    market.reload_parties()
    return ps


def test_context_names_the_open_interval(market, market_key):
    ob = market.context()
    ctx = P.verify(ob.payload, P.public_key_bytes(market_key), kind="context")
    assert ob.retain and ctx.start == T0 + 300 and ctx.floor == 80_000


def test_ingest_clear_deliver(market, parties, market_key):
    s = market.open_interval()
    batch = loadgen.tenders(parties, "m1", s, 80_000, 400_000)
    assert market.ingest(batch) == []
    assert market.counters["tender"] == 20
    market.clock.advance(300 - 60)                   # the gate of s closes
    assert market.due() == [s]
    out = market.clear(s)
    awards = [P.verify(o.payload, market.public, kind="award") for o in out
              if "/award/" in o.topic]
    assert len(awards) == 20 and {a.interval for a in awards} == {s}
    assert market.due() == []
    market.clock.advance(60 + 300)                   # the interval is over
    p = parties[0]
    a = next(a for a in awards if a.party == p.party)
    body = next(o.payload for o in out if o.topic.endswith(p.party))
    out = market.ingest([loadgen.delivery(p, "m1", s, a.side, a.wh, P.message_hash(body))])
    receipt = P.verify(out[0].payload, market.public, kind="receipt")
    assert receipt.party == p.party and receipt.balance == receipt.amount
    r = L.verify(market.conn, market.public, "m1")
    assert r.ok and r.tree_size == r.entries - 1 and r.treeheads == 4
    kinds = [row[1] for row in L.rows(market.conn)]
    assert kinds.count("tender") == 20 and kinds.count("award") == 20 and "receipt" in kinds


def test_a_delivery_sent_again_is_answered_again_and_settled_once(market, parties):
    """A device sends a delivery again until a receipt comes: the same bytes get the same
    receipt and settle nothing more; a delivery overtaken by a later tender (lower seq) is still
    taken; another delivery for a settled interval is a replay."""
    s = market.open_interval()
    p, q = parties[0], parties[1]
    market.ingest([loadgen.tender(p, "m1", s, 80_000, 400_000)])
    market.clock.advance(300 - 60)
    market.clear(s)
    market.clock.advance(60 + 300)  # s is over; s + 300 is running
    first = loadgen.delivery(p, "m1", s, "buy", 40)
    receipt = market.ingest([first])[0]
    rows = sum(1 for _ in L.rows(market.conn))
    again = market.ingest([first, first])
    assert [o.payload for o in again] == [receipt.payload] * 2
    assert all(o.topic == receipt.topic for o in again)
    assert sum(1 for _ in L.rows(market.conn)) == rows  # nothing appended, nothing settled twice
    assert market.counters["resent"] == 2 and market.counters["delivery"] == 1
    assert market.counters["accepted"] == 2  # the tender and the first copy
    # q's delivery for s was lost on the way; q has since tendered with a higher seq
    late = loadgen.delivery(q, "m1", s, "buy", 30)
    market.ingest([loadgen.tender(q, "m1", market.open_interval(), 80_000, 400_000)])
    r = P.verify(market.ingest([late])[0].payload, market.public, kind="receipt")
    assert r.party == q.party and r.interval == s and r.delivery == P.message_hash(late[1])
    # a second, different delivery for an interval already settled
    other = loadgen.delivery(p, "m1", s, "buy", 41)
    assert _codes(market, market.ingest([other])) == ["replay"]
    assert L.verify(market.conn, market.public, "m1").ok


def test_a_tender_sent_again_is_a_copy_not_a_replay(market, parties):
    """A device sends its tender again until it is answered: a copy of a tender held already,
    even after a later message of the party, is taken as such (counted resent, nothing recorded,
    no error); a tender the market never had, overtaken by a later message, is a replay."""
    s = market.open_interval()
    p = parties[0]
    first = loadgen.tender(p, "m1", s, 80_000, 400_000)
    market.ingest([first])
    lost = loadgen.tender(p, "m1", s + 300, 80_000, 400_000)  # never reached the market
    market.ingest([loadgen.tender(p, "m1", s + 600, 80_000, 400_000)])
    rows = sum(1 for _ in L.rows(market.conn))
    assert market.ingest([first, first]) == []
    assert market.counters["resent"] == 2 and market.counters["tender"] == 2
    assert sum(1 for _ in L.rows(market.conn)) == rows  # nothing recorded again
    assert _codes(market, market.ingest([lost])) == ["replay"]


def test_a_later_tender_replaces_the_earlier_one(market, parties):
    s = market.open_interval()
    p = parties[0]
    market.ingest([loadgen.tender(p, "m1", s, 80_000, 400_000, side="buy")])
    market.ingest([loadgen.tender(p, "m1", s, 80_000, 400_000, side="sell")])
    rows = market.conn.execute("SELECT side, seq FROM tenders WHERE party = ?", (p.party,)).fetchall()
    assert rows == [("sell", 2)]


def _codes(market, out):
    return [P.ERROR_NAMES[P.verify(o.payload, market.public, kind="error").code] for o in out]


def test_refusals_are_signed_and_counted(market, parties):
    s = market.open_interval()
    p, q = parties[0], parties[1]
    topic, good = loadgen.tender(p, "m1", s, 80_000, 400_000)
    bad_sig = bytearray(good)
    bad_sig[-1] ^= 1
    stale = P.sign(P.Tender(market="m1", party=p.party, seq=1, interval=s, side="buy",
                            curve=((100_000, 5),), expiry=s), p.key, p.party)
    out = market.ingest([(topic, good), (topic, b"\xa1\x00"), (topic, bytes(bad_sig)),
                         (topic, stale),
                         loadgen.tender(q, "m1", s + 300 * 200, 80_000, 400_000),
                         loadgen.tender(q, "m1", s - 300, 80_000, 400_000)])
    assert _codes(market, out) == ["malformed", "signature", "replay", "interval-future",
                                   "interval-closed"]
    assert market.counters["accepted"] == 1 and market.counters["malformed"] == 1
    assert all(o.topic == f"mm/m1/error/{p.party}" for o in out[:3])


def test_time_of_use_tariff_bounds_clears_and_forecasts(db, market_key):
    """Each interval trades inside its own tariff, and the context's forecast is yesterday's
    (and the day before's) mean clearing price in the same hour of the day, weighted 4:2,
    inside the tariff; retail where nothing cleared."""
    day0 = 1_767_225_600                                    # 2026-01-01 00:00 UTC
    tariff = ((0, 50_000, 200_000), (12 * 3600, 80_000, 400_000))
    clock = ManualClock(day0 - 900 + 10)
    m = Market(db, Config(market="m1", interval=900, gate=60, tariff=tariff), market_key, clock)
    seller, buyer = loadgen.make_parties(2)
    loadgen.register(db, [seller, buyer], "m1", "meter")     # 2875 Wh in 900 s
    m.reload_parties()
    ctx = P.verify(m.context().payload, m.public, kind="context")
    assert ctx.tariff == tariff and (ctx.floor, ctx.cap) == (50_000, 200_000)
    assert ctx.forecast[:2] == (day0, 3600) and len(ctx.forecast[2]) == 24   # hour by hour
    assert ctx.forecast[2] == (200_000,) * 12 + (400_000,) * 12     # no history: retail

    def ask(day, k):                                        # the seller's price: sets the clearing
        lo, hi = tariff[0][1:] if k < 48 else tariff[1][1:]
        return lo + (hi - lo) * ((k * 7 + day * 13) % 97) // 97

    def tender(p, s, side, price, wh):
        msg = P.Tender(market="m1", party=p.party, seq=p.next_seq(), interval=s, side=side,
                       curve=((price, wh),), expiry=s)
        return P.topic("m1", "tender", p.party), P.sign(msg, p.key, p.party)

    for day in range(2):
        for k in range(96):
            s = day0 + day * 86400 + k * 900
            clock.set(s - 900 + 10)
            assert m.ingest([tender(seller, s, "sell", ask(day, k), 1000),
                             tender(buyer, s, "buy", m.cfg.prices(s)[1], 100)]) == []
            clock.set(s - 60)
            m.clear(s)
    row = db.execute("SELECT price FROM intervals WHERE interval = ?",
                     (day0 + 86400 + 60 * 900,)).fetchone()
    assert row[0] == ask(1, 60)
    # a price inside the night tariff is out of bounds at noon
    s = day0 + 2 * 86400 + 48 * 900
    clock.set(s - 900 + 10)
    out = m.ingest([tender(buyer, s, "buy", 60_000, 100)])
    err = P.verify(out[0].payload, m.public, kind="error")
    assert err.code == P.ERROR_CODES["out-of-bounds"] and "80000..400000" in err.reason
    clock.set(day0 + 2 * 86400 - 900 + 10)
    ctx = P.verify(m.context().payload, m.public, kind="context")
    assert ctx.start == day0 + 2 * 86400

    def hour(day, h):                                       # the mean of its 4 clearings
        return sum(ask(day, 4 * h + i) for i in range(4)) // 4
    assert list(ctx.forecast[2]) == [(4 * hour(1, h) + 2 * hour(0, h)) // 6 for h in range(24)]


# ---------------------------------------------------------------- bounds from the enrollment
def _enrolled(market, role, board, seed):
    p = loadgen.make_parties(1, seed=seed)[0]
    R.add_party(market.conn, P.public_key_bytes(p.key), "m1", role=role, board=board)
    market.reload_parties()
    return p


def _signed(p, msg_class, **fields):
    msg = msg_class(market="m1", party=p.party, seq=p.next_seq(), **fields)
    kind = "delivery" if msg_class is P.Delivery else "tender"
    return P.topic("m1", kind, p.party), P.sign(msg, p.key, p.party)


def test_a_tender_above_the_partys_power_is_refused(market):
    s = market.open_interval()
    plug = _enrolled(market, "load", "virtual-plug", 31)      # the board's 2500 W: 209 Wh
    meter = _enrolled(market, "meter", "virtual-meter", 32)   # no max_power: the role's 11.5 kW
    ok = _signed(plug, P.Tender, interval=s, side="buy", curve=((300_000, 209),), expiry=s)
    over = _signed(plug, P.Tender, interval=s, side="buy",
                   curve=((300_000, 200), (200_000, 10)), expiry=s)
    big = _signed(meter, P.Tender, interval=s, side="sell", curve=((100_000, 959),), expiry=s)
    bigger = _signed(meter, P.Tender, interval=s, side="sell", curve=((100_000, 960),), expiry=s)
    out = market.ingest([over, ok, bigger, big])
    assert _codes(market, out) == ["out-of-bounds", "out-of-bounds"]
    err = P.verify(out[0].payload, market.public, kind="error")
    assert "210 Wh" in err.reason and "209 Wh" in err.reason and err.ref == P.message_hash(over[1])
    assert market.counters["tender"] == 2


def test_a_position_comes_only_from_a_child_market_and_within_its_power(market):
    s = market.open_interval()
    device = _enrolled(market, "meter", "virtual-meter", 33)
    child = loadgen.make_parties(1, seed=34)[0]
    R.add_party(market.conn, P.public_key_bytes(child.key), "m1", role="market", party="n1")
    market.reload_parties()

    def position(p, party, buy):
        msg = P.Position(market="m1", party=party, seq=p.next_seq(), interval=s, buy=buy,
                         sell=(), expiry=s)
        return P.topic("m1", "tender", party), P.sign(msg, p.key, party)

    # the case: steps that add up past 2**32 - 1 Wh made an award that could not be signed
    absurd = ((300_000, 2**32 - 1), (200_000, 2**32 - 1))
    out = market.ingest([position(device, device.party, ((300_000, 10),)),
                         position(child, "n1", absurd),
                         position(child, "n1", ((300_000, 83_335),)),
                         position(child, "n1", ((400_000, 83_334),))])
    assert _codes(market, out) == ["wrong-type", "out-of-bounds", "out-of-bounds"]
    assert "child market" in P.verify(out[0].payload, market.public, kind="error").reason
    assert market.counters["position"] == 1
    market.clock.advance(300 - 60)
    awards = [P.verify(o.payload, market.public, kind="award") for o in market.clear(s)
              if "/award/" in o.topic]
    assert [(a.party, a.wh) for a in awards] == [("n1", 83_334)]


def test_deliveries_are_bounded_by_power_clearing_and_the_island_window(market, parties):
    s = market.open_interval()
    p, q = parties[0], parties[1]
    market.ingest([loadgen.tender(p, "m1", s, 80_000, 400_000)])
    market.clock.advance(300 - 60)
    market.clear(s)
    market.clock.advance(60 + 300)                        # s is over
    out = market.ingest([loadgen.delivery(p, "m1", s, "buy", 2**32 - 1),    # the case
                         loadgen.delivery(p, "m1", s, "buy", 307 + 1),
                         loadgen.delivery(q, "m1", s, "sell", 10, award=bytes(32)),
                         loadgen.delivery(q, "m1", s + 300, "sell", 10)])   # still running
    assert _codes(market, out) == ["out-of-bounds", "out-of-bounds", "invalid", "invalid"]
    # q never tendered: a delivery without an award for the cleared interval is settled
    r = P.verify(market.ingest([loadgen.delivery(q, "m1", s, "sell", 307)])[0].payload,
                 market.public, kind="receipt")
    assert r.amount == 307 * 80_000 // 1000
    # an interval never cleared (the market was down): an island delivery inside the window ...
    market.clock.advance(10 * 300)
    island = s + 5 * 300
    r = P.verify(market.ingest([loadgen.delivery(q, "m1", island, "buy", 100)])[0].payload,
                 market.public, kind="receipt")
    assert r.interval == island and r.amount == -100 * 400_000 // 1000
    # ... but not one whose tenders wait to be cleared (the market is catching up), nor one
    # older than the window
    waiting = market.open_interval() - 300 * 4
    market.conn.execute("INSERT INTO tenders (interval, party, seq, hash, side, curve) VALUES "
                        "(?, 'x', 1, x'00', 'buy', x'80')", (waiting,))
    market.clock.advance(limits.ISLAND_WINDOW)
    late = market.open_interval() - 300 * 4 - limits.ISLAND_WINDOW - 300
    out = market.ingest([loadgen.delivery(p, "m1", waiting, "buy", 5),
                         loadgen.delivery(p, "m1", late, "buy", 5)])
    assert _codes(market, out) == ["busy", "interval-closed"]
    assert L.verify(market.conn, market.public, "m1").ok


def test_an_expired_tender_is_never_awarded(market, parties):
    s = market.open_interval()
    p, q = parties[0], parties[1]
    early = _signed(p, P.Tender, interval=s, side="buy", curve=((300_000, 100),),
                    expiry=s - 100)                       # before the gate closes (s - 60)
    market.ingest([early, loadgen.tender(q, "m1", s, 80_000, 400_000)])
    assert market.counters["tender"] == 2
    market.clock.advance(300 - 60)
    out = market.clear(s)
    assert _codes(market, [o for o in out if "/error/" in o.topic]) == ["expired"]
    err = next(P.verify(o.payload, market.public, kind="error") for o in out if "/error/" in o.topic)
    assert err.party == p.party and err.ref == P.message_hash(early[1])
    awarded = {P.verify(o.payload, market.public, kind="award").party for o in out
               if "/award/" in o.topic}
    assert awarded == {q.party}


def test_a_tender_sent_again_is_answered_with_its_award(market, parties):
    s = market.open_interval()
    p = parties[0]
    t = loadgen.tender(p, "m1", s, 80_000, 400_000)
    market.ingest([t])
    assert market.ingest([t]) == [] and market.counters["resent"] == 1   # nothing to say yet
    market.clock.advance(300 - 60)
    award = next(o for o in market.clear(s) if "/award/" in o.topic)
    assert [(o.topic, o.payload) for o in market.ingest([t])] == [(award.topic, award.payload)]
    assert market.counters["tender"] == 1 and "replay" not in market.counters


def test_an_interval_that_fails_is_recorded_and_not_due_again(market, parties):
    s = market.open_interval()
    market.ingest([loadgen.tender(parties[0], "m1", s, 80_000, 400_000)])
    # a book an earlier market version could store: a step past what an award can carry
    market.conn.execute("UPDATE tenders SET side = 'buy', curve = ? WHERE interval = ?",
                        (cbor2.dumps([[400_000, 2**32]]), s))
    market.clock.advance(300 - 60)
    assert market.due() == [s]
    with pytest.raises(P.ProtocolError) as exc:
        market.clear(s)
    market.fail(s, exc.value)
    assert market.due() == [] and market.last_cleared() != s
    reason = market.conn.execute("SELECT reason FROM failures WHERE interval = ?",
                                 (s,)).fetchone()[0]
    assert reason.startswith("ValidationError") and market.counters["failed"] == 1
    market.clock.advance(300)
    assert market.due() == [s + 300]
    assert any("/award/" not in o.topic for o in market.clear(s + 300))
    assert market.last_cleared() == s + 300

"""The books close: the grid account, missed deliveries settled as 0 Wh, reputation's consequence."""

import json
import random

from micromarket import protocol as P
from micromarket.cli import main
from micromarket.market import audit
from micromarket.market import ledger as L
from micromarket.market import loadgen
from micromarket.market import settlement as S
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config, Market
from micromarket.protocol import codec, cose

T0 = 1_700_000_000 - 1_700_000_000 % 300
CAP, FLOOR = 400_000, 80_000


def _market(db, key, **cfg):
    m = Market(db, Config(market="m1", **cfg), key, ManualClock(T0 + 10))
    return m


def _tender(p, s, side, curve):
    msg = P.Tender(market="m1", party=p.party, seq=p.next_seq(), interval=s, side=side,
                   curve=curve, expiry=s)
    return P.topic("m1", "tender", p.party), P.sign(msg, p.key, p.party)


def _awards(market, out):
    return {a.party: (a, o.payload) for o in out if "/award/" in o.topic
            for a in [P.verify(o.payload, market.public, kind="award")]}


def _codes(market, out):
    return [P.ERROR_NAMES[P.verify(o.payload, market.public, kind="error").code] for o in out
            if "/error/" in o.topic]


def test_silence_is_settled_like_an_honest_zero(db, market_key):
    """Three sellers awarded 300 Wh each produce nothing: one reports 0 Wh, two stay silent (one
    of them sends its 0 Wh after the window closed). All three pay the same, fall to the same
    reputation, and the silent ones get a market-signed missed record and a receipt."""
    market = _market(db, market_key)
    sellers = loadgen.make_parties(3, seed=5)
    buyer = loadgen.make_parties(1, seed=6)[0]
    loadgen.register(db, sellers + [buyer], "m1", "meter")   # 959 Wh each
    market.reload_parties()
    s = market.open_interval()
    market.ingest([_tender(p, s, "sell", ((100_000, 300),)) for p in sellers]
                  + [_tender(buyer, s, "buy", ((300_000, 900),))])
    market.clock.set(s - 60)
    awards = _awards(market, market.clear(s))
    assert {awards[p.party][0].wh for p in sellers} == {300}
    price = awards[buyer.party][0].price
    assert price == 200_000                     # the curves meet between 100k and 300k
    market.clock.set(s + 300 + 5)
    honest, silent, late = sellers
    out = market.ingest([loadgen.delivery(honest, "m1", s, "sell", 0,
                                          P.message_hash(awards[honest.party][1])),
                         loadgen.delivery(buyer, "m1", s, "buy", 900,
                                          P.message_hash(awards[buyer.party][1]))])
    assert len(out) == 2 and all("/receipt/" in o.topic for o in out)
    market.clock.set(s + 300 + 12 * 300 - 1)    # one second before the window closes
    assert market.close() == []
    market.clock.set(s + 300 + 12 * 300)
    receipts = {r.party: r for o in market.close()
                for r in [P.verify(o.payload, market.public, kind="receipt")]}
    assert set(receipts) == {silent.party, late.party}
    assert market.counters["missed"] == 2
    assert market.close() == []                 # settled once
    # the late one's delivery now comes too late to change anything
    out = market.ingest([loadgen.delivery(late, "m1", s, "sell", 0,
                                          P.message_hash(awards[late.party][1]))])
    assert _codes(market, out) == ["interval-closed"]
    b = S.balances(db)["parties"]
    expected = S.value(300, price) - S.value(300, CAP)   # the award, the shortfall at retail
    assert expected == -60_000
    assert [b[p.party]["balance"] for p in sellers] == [expected] * 3
    assert [b[p.party]["reputation"] for p in sellers] == [875] * 3
    assert receipts[silent.party].amount == expected == receipts[silent.party].balance
    # each missed record is signed by the market, names the award, and its receipt names it
    records = {P.message_hash(bytes(body)): codec.loads(cose.open1(bytes(body)).verify(
        market.public)) for _i, kind, _t, body, *_ in L.rows(db) if kind == S.MISSED}
    assert len(records) == 2
    for party in (silent, late):
        rec = records[receipts[party.party].delivery]
        assert (rec["party"], rec["interval"], rec["wh"]) == (party.party, s, 0)
        assert rec["award"] == P.message_hash(awards[party.party][1])
    report = L.verify(db, market.public, "m1")
    assert report.ok and report.tree_size == report.entries - 1
    # the street bought 900 Wh and produced nothing: the grid supplied all of it at retail
    books = S.books(db)
    assert books["intervals"] == [{"interval": s, "parties": -360_000, "grid": 360_000,
                                   "parent": 0, "missed": 2, "sum": 0}]
    assert books["grid"]["balance"] == S.value(900, CAP)
    assert books["grid"]["imported_wh"] == {"cleared": 0, "deviation": 900}


def test_a_poor_deliverer_may_offer_less(db, market_key):
    """Reputation's consequence: a tender may hold at most qmax * reputation / 1000 Wh."""
    market = _market(db, market_key, qmax=1000)
    poor, good, buyer = loadgen.make_parties(3, seed=7)
    loadgen.register(db, [poor, good, buyer], "m1", "meter")
    market.reload_parties()
    s = market.open_interval()
    market.ingest([_tender(poor, s, "sell", ((100_000, 800),)),
                   _tender(buyer, s, "buy", ((300_000, 800),))])
    market.clock.set(s - 60)
    market.clear(s)
    market.clock.set(s + 300 + 12 * 300)
    market.close()                              # poor never delivered its 800 Wh
    assert S.balances(db)["parties"][poor.party]["reputation"] == 875
    nxt = market.open_interval()
    out = market.ingest([_tender(poor, nxt, "sell", ((100_000, 900),)),
                         _tender(good, nxt, "sell", ((100_000, 900),))])
    assert _codes(market, out) == ["out-of-bounds"]
    err = P.verify(out[0].payload, market.public, kind="error")
    assert err.party == poor.party and "875" in err.reason and "875 Wh" in err.reason
    assert market.ingest([_tender(poor, nxt, "sell", ((100_000, 875),))]) == []
    assert S.tender_limit(1000, 0) == 100       # never below a tenth: it can earn it back


def test_books_close_in_every_interval_and_match_the_meters(db, market_key, tmp_path, capsys):
    """Random tenders and deliveries that miss their awards both ways, some awards never
    delivered: in every interval the parties and the grid sum to 0, and the grid's Wh are the
    street's net exchange measured by the meters."""
    key = market_key
    market = Market(db, Config(market="m1", window=2), key, ManualClock(T0 + 10))
    market.log_context(market.context())         # its terms in the ledger, as the service does
    ps = loadgen.make_parties(24, seed=9)
    loadgen.register(db, ps, "m1")
    market.reload_parties()
    rnd = random.Random(4)
    measured = {}                                # interval -> net Wh drawn from outside
    intervals = []
    for _k in range(4):
        s = market.open_interval()
        intervals.append(s)
        market.ingest(loadgen.tenders(ps, "m1", s, FLOOR, CAP))
        market.clock.set(s - 60)
        awards = _awards(market, market.clear(s))
        market.clock.set(s + 300 + 1)
        batch, net = [], 0
        for p in ps:
            a, body = awards[p.party]
            if rnd.random() < 0.15 and a.wh:     # silent: settled as 0 Wh at the close
                continue
            wh = max(0, a.wh + rnd.randint(-a.wh // 2 - 5, a.wh // 2 + 5))
            net += wh if a.side == "buy" else -wh
            batch.append(loadgen.delivery(p, "m1", s, a.side, wh, P.message_hash(body)))
        assert _codes(market, market.ingest(batch)) == []
        measured[s] = net
        market.clock.set(s + 300 + 10)
    market.clock.set(intervals[-1] + 300 * 4)
    assert market.close()                        # some were silent
    books = S.books(db)
    assert [r["interval"] for r in books["intervals"]] == intervals
    assert all(r["sum"] == 0 for r in books["intervals"]) and books["closing_error"] == 0
    rows = db.execute("SELECT interval, grid_sell, grid_buy FROM intervals").fetchall()
    for s, cleared_in, cleared_out in rows:
        dev_in, dev_out = db.execute("SELECT sum(imported), sum(exported) FROM grid WHERE "
                                     "interval = ?", (s,)).fetchone()
        assert cleared_in - cleared_out + dev_in - dev_out == measured[s]
        # the grid's side of the cleared energy is its tariff value, up to rounding per award
        g_amount, g_dev = db.execute("SELECT sum(amount), sum(deviation) FROM grid WHERE "
                                     "interval = ?", (s,)).fetchone()
        tariff = S.value(cleared_in, CAP) - S.value(cleared_out, FLOOR)
        assert abs(g_amount - g_dev - tariff) <= len(ps)
    db.commit()
    assert main(["market", "stats", "--db", str(db.execute("PRAGMA database_list").fetchone()[2]),
                 "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["closing_error"] == 0 and [r["sum"] for r in stats["books"]] == [0] * 4
    assert stats["grid"] == books["grid"]
    # replaying the signed messages (deliveries, missed records, receipts) gives the same books;
    # loadgen's parties are registered without credentials, which the audit says
    differences = audit.audit(db).differences
    assert len(differences) == len(ps) and all("no enrollment" in d for d in differences)


def test_a_delivery_on_the_other_side_does_not_escape_the_award(db, market_key):
    """A seller awarded 300 Wh that reports 0 Wh consumed instead is settled as producing 0."""
    market = _market(db, market_key)
    seller, dodger, buyer = loadgen.make_parties(3, seed=8)
    loadgen.register(db, [seller, dodger, buyer], "m1", "meter")
    market.reload_parties()
    s = market.open_interval()
    market.ingest([_tender(seller, s, "sell", ((100_000, 300),)),
                   _tender(dodger, s, "sell", ((100_000, 300),)),
                   _tender(buyer, s, "buy", ((300_000, 600),))])
    market.clock.set(s - 60)
    awards = _awards(market, market.clear(s))
    market.clock.set(s + 305)
    out = market.ingest([loadgen.delivery(seller, "m1", s, "sell", 0,
                                          P.message_hash(awards[seller.party][1])),
                         loadgen.delivery(dodger, "m1", s, "buy", 0)])
    honest, dodged = (P.verify(o.payload, market.public, kind="receipt").amount for o in out)
    assert honest == dodged == S.value(300, 200_000) - S.value(300, CAP)
    b = S.balances(db)["parties"]
    assert b[seller.party]["reputation"] == b[dodger.party]["reputation"] == 875

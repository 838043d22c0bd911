"""The day's report against the meters: a market trades two warm-up intervals and four of the day
on a manual clock; every figure of the report is recomputed here from what the parties measured
and the receipts they got."""

import io
import random

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console

from micromarket import protocol as P
from micromarket.sim import report
from micromarket.market import loadgen
from micromarket.market import settlement as S
from micromarket.market.clock import ManualClock
from micromarket.market.core import Config, Market
from micromarket.market.store import open_db

T0 = 1_700_000_000 - 1_700_000_000 % 300      # 22:10 UTC
# time of use: cheaper from 23:00, inside the day below
TARIFF = ((0, 80_000, 400_000), (23 * 3600, 60_000, 300_000))
KINDS = ("pv", "battery", "deferrable", "fixed")


def _tender(p, s, side, curve):
    msg = P.Tender(market="m1", party=p.party, seq=p.next_seq(), interval=s, side=side,
                   curve=curve, expiry=s)
    return P.topic("m1", "tender", p.party), P.sign(msg, p.key, p.party)


def test_report_tells_the_day_from_the_meters(tmp_path):
    db = tmp_path / "m.db"
    conn = open_db(db)
    market = Market(conn, Config(market="m1", window=1, tariff=TARIFF),
                    Ed25519PrivateKey.generate(), ManualClock(T0 + 10))
    parties = loadgen.make_parties(4, seed=31)
    for p, role in zip(parties, ("pv", "battery", "load", "meter")):   # bounds: 959, 959, 307, 959 Wh
        loadgen.register(conn, [p], "m1", role)
    market.reload_parties()
    pv, battery, dishwasher, house = parties
    kinds = {p.party: k for p, k in zip(parties, KINDS)}
    rnd = random.Random(2)
    traded = []
    got = []                  # (interval, party, side, measured Wh, amount)
    for k in range(6):
        s = market.open_interval()
        traded.append(s)
        market.log_context(market.context())
        charge = k % 2 == 0
        market.ingest([_tender(pv, s, "sell", ((90_000, 800),)),
                       _tender(house, s, "buy", ((300_000, 600),)),
                       _tender(dishwasher, s, "buy", ((200_000, 200),)),
                       _tender(battery, s, "buy" if charge else "sell",
                               ((150_000 if charge else 100_000, 200),))])
        market.clock.set(s - 60)
        awards = {a.party: (a, P.message_hash(o.payload)) for o in market.clear(s)
                  if "/award/" in o.topic for a in [P.verify(o.payload, market.public)]}
        market.clock.set(s + 300 + 1)
        batch = []
        for p in parties:
            a, h = awards[p.party]
            if p is dishwasher and k == 4:
                continue                     # silent: settled as 0 Wh at the window's close
            wh = a.wh + rnd.randint(-100, 100) if a.wh else rnd.randint(0, 50)
            wh = max(0, wh)
            batch.append(loadgen.delivery(p, "m1", s, a.side, wh, h if a.wh else None))
        for o in market.ingest(batch):
            r = P.verify(o.payload, market.public, kind="receipt")
            d = next(P.read(b).message for _t, b in batch
                     if P.message_hash(b) == r.delivery)
            got.append((s, d.party, d.side, d.wh, r.amount))
        market.clock.set(s + 300 + 300 + 1)  # the window of 1 interval closes
        for o in market.close():
            r = P.verify(o.payload, market.public, kind="receipt")
            got.append((r.interval, r.party, awards[r.party][0].side, 0, r.amount))
    conn.close()
    day_start, day_end = traded[2], traded[-1]      # two intervals of warm-up, four of the day
    day = report.collect(db, day_start, day_end, {"roof": pv.party}, kinds=kinds)
    in_day = [g for g in got if day_start <= g[0] <= day_end]
    warm = [g for g in got if g[0] < day_start]
    assert len(day.intervals) == 4 and day.warmup["intervals"] == 2
    assert day.warmup["parties_amount"] == sum(g[4] for g in warm)
    assert day.warmup["deliveries"] == len(warm) == 8
    by = {p.party: p for p in day.parties}
    # every device shows the day's deliveries only; the silent one its miss apart
    assert [by[p.party].deliveries for p in parties] == [4, 4, 3, 4]
    assert by[dishwasher.party].missed == 1 and day.totals()["missed"] == 1
    assert by[pv.party].name == "roof" and by[battery.party].kind == "battery"
    for iv in day.intervals:
        mine = [g for g in in_day if g[0] == iv.start]
        made = sum(g[3] for g in mine if g[2] == "sell")
        used = sum(g[3] for g in mine if g[2] == "buy")
        assert (iv.produced, iv.consumed) == (made, used)
        assert iv.matched == min(made, used)
        assert (iv.physical_in, iv.physical_out) == (max(0, used - made), max(0, made - used))
        # the auction's view plus the deviations is the meters' view
        assert (iv.imported - iv.exported + iv.dev_imported - iv.dev_exported) == used - made
        assert iv.parties_amount == sum(g[4] for g in mine) == -iv.grid_amount
        assert iv.closing == 0
    tot = day.totals()
    assert tot["closing_error"] == 0
    assert tot["produced_wh"] == sum(g[3] for g in in_day if g[2] == "sell")
    assert tot["physical_local_share"] == tot["matched_wh"] / tot["consumed_wh"]
    assert day.grid["balance"] == -sum(g[4] for g in in_day)
    assert day.grid["physical"] == sum(
        S.value(iv.physical_in, market.cfg.prices(iv.start)[1])
        - S.value(iv.physical_out, market.cfg.prices(iv.start)[0]) for iv in day.intervals)
    assert day.grid["spread"] == day.grid["balance"] - day.grid["physical"]
    for p in parties:
        mine = [g for g in in_day if g[1] == p.party]
        assert by[p.party].amount == sum(g[4] for g in mine)
        assert by[p.party].no_market == sum(
            S.value(g[3], market.cfg.prices(g[0])[0]) if g[2] == "sell" else
            -S.value(g[3], market.cfg.prices(g[0])[1]) for g in mine)
    assert {market.cfg.prices(s) for s in (day_start, day_end)} == {(80_000, 400_000),
                                                                    (60_000, 300_000)}
    assert day.balances_add_up
    # the battery bought on even intervals and sold on odd ones: one price each way
    bat = [g for g in in_day if g[1] == battery.party]
    bought = sum(g[3] for g in bat if g[2] == "buy")
    assert day.prices()["battery"]["buy_price"] == -sum(g[4] for g in bat if g[2] == "buy") \
        * 1000 // bought
    sold = sum(g[3] for g in bat if g[2] == "sell")
    assert day.prices()["battery"]["sell_price"] == sum(g[4] for g in bat if g[2] == "sell") \
        * 1000 // sold
    assert day.prices()["pv"]["buy_price"] is None and day.prices()["deferrable"]["sold_wh"] == 0
    out = io.StringIO()
    report.print_day(day, Console(file=out, width=200))
    text = " ".join(out.getvalue().split())
    assert f"{tot['matched_wh']} Wh of it matched in the street" in text
    assert "Books close to 0 ucr" in text and "Warm-up before the day" in text
    page = report.write_html(day, tmp_path / "html").read_text()
    assert "physical local share" in page and "Average prices per kind" in page
    # an interval that failed to clear (it traded nothing) is shown without a price
    conn = open_db(db)
    conn.execute("INSERT INTO intervals (interval, state) VALUES (?, 'failed')", (day_end + 900,))
    conn.close()
    later = report.collect(db, day_start, day_end + 900)
    assert [i.price is None for i in later.intervals] == [False] * 4 + [True]
    assert later.totals()["mean_price"] == tot["mean_price"]
    report.print_day(later, Console(file=io.StringIO(), width=200))

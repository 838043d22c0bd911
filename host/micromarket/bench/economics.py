"""`micromarket bench economics`: what a seeded day in the market is worth to a street.

A street of host agents (the firmware's own personality code on CPython, as `micromarket sim`
runs them) trades a few days against the real market core: signed tenders and deliveries, the
auction, settlement and the grid account in SQLite, on a clock that steps from gate to gate
instead of waiting (no broker, no virtual boards: the economics do not depend on transport).
The first three days fill the market's price forecast (three days of history); the fourth is
measured:

- ``savings_pct``: the street's total cost against the grid-only baseline (every party's own
  net import at the retail price and export at the feed-in price of each interval);
- ``battery_vs_bound``: the batteries' earnings over the perfect-foresight bound on the same
  day's clearing prices (``foresight_bound``: the exact optimum of a price taker with the same
  limits, from the same charge at the day's start to the same charge at its end);
- ``deferrable_price_vs_retail``: what the deferrable loads paid per kWh over what the same
  energy costs at the retail price;
- ``local_share_physical``: of the energy consumed, the part produced in the street in the
  same interval (from the meters, not the awards);
- ``closing_error_ucr``: the sum over the day's intervals of |parties + grid + parent| in the
  books (settlement.books): 0 when every µcr has an account;
- ``heater_share_in_surplus`` beside ``surplus_interval_share``: the heaters' energy taken in
  the intervals that cleared at the feed-in price, against those intervals' share of the day
  (equal when nothing is shifted); ``kinds``: paid, baseline and energy per personality.

The weather and the homes are seeded (``--seed``): each house's load and each roof's peak
scaled, passing clouds shared by the street, so a run is repeatable.
"""

import hashlib
import random
import tempfile
import time
from fractions import Fraction
from pathlib import Path


from .. import protocol as P

DAY = 86400
DAY0 = 1_780_272_000            # 2026-06-01 00:00 UTC: the first simulated day
INTERVAL, GATE = 900, 120
# the demo's flat grid prices, and a time-of-use tariff for the larger street (UTC)
FLAT = ((0, 80_000, 400_000),)
TIME_OF_USE = ((0, 80_000, 250_000), (7 * 3600, 80_000, 350_000), (17 * 3600, 80_000, 450_000),
               (21 * 3600, 80_000, 300_000))
STREETS = (("demo", 8, FLAT), ("street", 40, TIME_OF_USE))


def _key(seed: int, what: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"micromarket-economics:%d:%s" % (seed, what.encode())).digest())


class Weather:
    """Seeded homes and sky: a scale per house and roof, and clouds shared by the street."""

    def __init__(self, seed: int, names: list[str], days: int):
        rnd = random.Random(seed)
        self.scale = {n: rnd.uniform(0.6, 1.4) for n in names}
        n = days * DAY // INTERVAL
        sky, level = [], 1.0
        for _ in range(n):
            level = min(1.0, max(0.35, level + rnd.uniform(-0.12, 0.12)))
            sky.append(level)
        self.sky = sky
        self.noise = {nm: [rnd.uniform(0.85, 1.15) for _ in range(n)] for nm in names}

    def measure(self, name: str):
        from ..sim.street import measured_wh

        def measure(kind, params, start, length, planned):
            wh = measured_wh(kind, params, start, length, planned)
            k = (start - DAY0) // INTERVAL
            if kind == "fixed":
                return int(wh * self.scale[name] * self.noise[name][k])
            if kind == "pv":
                return int(wh * self.scale[name] * self.sky[k])
            return wh
        return measure


def foresight_bound(prices: list[int], params: dict, soc0: int, soc1: int,
                    length: int = INTERVAL) -> Fraction:
    """The most a battery with ``params`` can earn as a price taker who knows ``prices``
    (ucr/kWh, one an interval), from ``soc0`` Wh of charge to at least ``soc1`` Wh at the end:
    the exact optimum of the linear programme (energy continuous). The value as a function of
    the charge is concave and piecewise linear, so each interval, from the last back, is a
    merge of slopes (ucr per stored Wh): selling at p, buying at p / efficiency."""
    from ..sim.street import personalities
    pers = personalities()
    cap = params["capacity_wh"]
    eff = Fraction(params.get("eff_pm", 900), 1000)
    lo = cap * params.get("soc_min_pm", 100) // 1000
    hi = cap * params.get("soc_max_pm", 950) // 1000
    full = pers.interval_wh(params["power_w"], length)
    soc1 = min(max(soc1, lo), hi)
    # at the end: ending below soc1 costs far more than any price (never optimal)
    steep = Fraction(10 ** 9)
    v0 = -steep * (soc1 - lo)                  # value at lo
    segs = [(Fraction(soc1 - lo), steep), (Fraction(hi - soc1), Fraction(0))]
    segs = [sg for sg in segs if sg[0] > 0]
    up, down = full * eff, Fraction(full)      # stored Wh one interval can add, take
    for p in reversed(prices):
        p = Fraction(p, 1000)
        # V(s) = max over the charge y after it of V'(y) + the money for going from s to y
        merged = sorted(segs + [(up, p / eff), (down, p)], key=lambda sg: -sg[1])
        value = v0 - p / eff * up              # at lo - up: all of up bought
        out, pos = [], Fraction(lo) - up
        for length_wh, slope in merged:
            a, b = pos, pos + length_wh
            pos = b
            if b <= lo:
                value += slope * length_wh
                continue
            if a >= hi:
                continue
            if a < lo:
                value += slope * (lo - a)
                a = Fraction(lo)
            out.append((min(b, Fraction(hi)) - a, slope))
        v0, segs = value, out
    total, pos = v0, Fraction(lo)
    for length_wh, slope in segs:
        step = min(length_wh, soc0 - pos)
        if step <= 0:
            break
        total += slope * step
        pos += step
    return total


def run_street(name: str, size: int, tariff: tuple, seed: int = 1, days: int = 4) -> dict:
    """Trade ``days`` days of a street of ``size`` host agents; the figures of the last day."""
    from ..market import registry, settlement as S
    from ..market.clock import ManualClock
    from ..market.core import Config, Market
    from ..market.store import open_db
    from ..sim.fleet import neighbourhood
    from ..sim.street import HostAgent, params_for, personalities

    pers = personalities()
    members = neighbourhood(size, name)
    weather = Weather(seed, [m.name for m in members], days)
    work = Path(tempfile.mkdtemp(prefix="mm-economics-"))
    db = work / "market.db"
    reg = _key(seed, "registrar")
    reg_pub = P.public_key_bytes(reg)
    agents = []
    for m in members:
        key = _key(seed, m.name)
        pub = P.public_key_bytes(key)
        party = P.party_id(pub)
        cred = P.sign(P.Enrollment(market=name, party=party, key=pub, role=m.role,
                                   board=m.board, site=m.name, nbf=DAY0 - DAY,
                                   exp=DAY0 + (days + 1) * DAY), reg, "registrar")
        registry.enroll(db, cred, registrar_key=reg_pub, now=DAY0 - DAY)
        agents.append(HostAgent(m.name, m.personality,
                                params_for(m.personality, m.board, dict(m.params)), key, party))
    conn = open_db(db)
    clock = ManualClock(DAY0 - INTERVAL - GATE)
    market = Market(conn, Config(market=name, interval=INTERVAL, gate=GATE, tariff=tariff),
                    _key(seed, "market"), clock)
    for a in agents:
        a.state = pers.initial_state(a.kind, a.params, DAY0)
    n = days * DAY // INTERVAL
    last = DAY0 + (days - 1) * DAY
    flows: dict[tuple[str, int], int] = {}     # (party, interval) -> net Wh (import +)
    soc: dict[str, list[int]] = {}              # battery -> soc at the last day's start, end
    t0 = time.monotonic()

    head = [None]

    def tender_all(b: int, first: int) -> dict:
        msg = P.verify(market.context().payload, market.public, kind="context")
        head[0] = msg.head or head[0]          # the ledger's newest tree head: deliveries name it
        ctx = msg.to_payload()
        batch = []
        for a in agents:
            out = a.plan(pers, ctx, first, b)
            if out is None:
                a.tenders[b] = None
                continue
            side, curve = out
            body = P.sign(P.Tender(market=name, party=a.party, seq=a.next_seq(), interval=b,
                                   side=side, curve=tuple(tuple(x) for x in curve), expiry=b),
                          a.key, a.party)
            a.tenders[b] = (P.message_hash(body), side)
            batch.append((P.topic(name, "tender", a.party), body))
        refused = [o for o in market.ingest(batch) if "/error/" in o.topic]
        if refused:
            err = P.verify(refused[0].payload, market.public, kind="error")
            raise RuntimeError(f"the market refused a tender: {err.reason}")
        return ctx

    by_party = {a.party: a for a in agents}

    def deliver(s: int) -> None:
        """Interval ``s`` is over: every meter's delivery, settled."""
        batch = []
        for a in agents:
            side, wh, award_hash = a.end_interval(pers, ctx, s, weather.measure(a.name))
            flows[(a.party, s)] = wh if side == "buy" else -wh
            body = P.sign(P.Delivery(market=name, party=a.party, seq=a.next_seq(), interval=s,
                                     side=side, wh=wh, counter=0, award=award_hash,
                                     head=head[0]),
                          a.key, a.party)
            batch.append((P.topic(name, "delivery", a.party), body))
        refused = [o for o in market.ingest(batch) if "/error/" in o.topic]
        if refused:
            err = P.verify(refused[0].payload, market.public, kind="error")
            raise RuntimeError(f"the market refused a delivery: {err.reason}")

    ctx = tender_all(DAY0, DAY0)
    for k in range(n):
        s = DAY0 + k * INTERVAL
        clock.set(s - GATE)                        # s's gate: clear it, tender for the next
        for due in market.due():
            for ob in market.clear(due):
                if "/award/" in ob.topic:
                    award = P.verify(ob.payload, market.public, kind="award")
                    by_party[award.party].awards[award.interval] = (award,
                                                                    P.message_hash(ob.payload))
        if k + 1 < n:
            ctx = tender_all(s + INTERVAL, s - INTERVAL if k else s)
        clock.set(s)                               # the interval before s is over
        if k:
            deliver(s - INTERVAL)
        if s == last:
            soc = {a.party: [a.state["soc_wh"], 0] for a in agents if a.kind == "battery"}
    clock.set(DAY0 + n * INTERVAL)
    deliver(DAY0 + (n - 1) * INTERVAL)
    for a in agents:
        if a.party in soc:
            soc[a.party][1] = a.state["soc_wh"]
    wall = time.monotonic() - t0
    try:
        return _figures(conn, market, agents, flows, soc, last, S, wall)
    finally:
        conn.close()


def _figures(conn, market, agents, flows, soc, day, S, wall) -> dict:
    cfg = market.cfg
    intervals = [day + k * INTERVAL for k in range(DAY // INTERVAL)]
    prices = dict(conn.execute("SELECT interval, price FROM intervals WHERE interval >= ? AND "
                               "interval < ?", (day, day + DAY)))
    paid: dict[str, int] = {}
    for party, amount in conn.execute("SELECT party, amount FROM deliveries WHERE interval >= ? "
                                      "AND interval < ?", (day, day + DAY)):
        paid[party] = paid.get(party, 0) - amount
    baseline = market_cost = 0
    consumed = matched = produced = exported = 0
    kinds = {a.party: a.kind for a in agents}
    def_paid = def_retail = 0
    heat_cheap = heat_all = 0
    for s in intervals:
        feed_in, retail = cfg.prices(s)
        imp = exp = 0
        for a in agents:
            wh = flows.get((a.party, s), 0)
            baseline += S.value(wh, retail) if wh > 0 else -S.value(-wh, feed_in)
            if wh > 0:
                imp += wh
            else:
                exp -= wh
            if a.kind == "deferrable" and wh > 0:
                def_retail += S.value(wh, retail)
            if a.kind == "thermostatic" and wh > 0:
                heat_all += wh
                if prices.get(s, retail) <= feed_in:
                    heat_cheap += wh
        consumed += imp
        produced += exp
        matched += min(imp, exp)
        exported += max(0, exp - imp)
    market_cost = sum(paid.values())
    for party, v in paid.items():
        if kinds[party] == "deferrable":
            def_paid += v
    per_kind: dict[str, dict] = {}
    for a in agents:
        k = per_kind.setdefault(a.kind, {"parties": 0, "paid_ucr": 0, "baseline_ucr": 0,
                                         "import_wh": 0, "export_wh": 0})
        k["parties"] += 1
        k["paid_ucr"] += paid.get(a.party, 0)
        for s in intervals:
            feed_in, retail = cfg.prices(s)
            wh = flows.get((a.party, s), 0)
            k["baseline_ucr"] += S.value(wh, retail) if wh > 0 else -S.value(-wh, feed_in)
            k["import_wh" if wh > 0 else "export_wh"] += abs(wh)
    day_prices = [prices[s] for s in intervals]
    earned = bound = 0
    for a in agents:
        if a.kind != "battery":
            continue
        start, end = soc[a.party]
        earned -= paid.get(a.party, 0)
        bound += foresight_bound(day_prices, a.params, start, end)
    books = S.books(conn)
    closing = sum(abs(r["sum"]) for r in books["intervals"] if day <= r["interval"] < day + DAY)
    surplus = sum(1 for s in intervals if prices[s] <= cfg.prices(s)[0])
    return {
        "parties": len(agents),
        "intervals": len(intervals),
        "cost_ucr": market_cost,
        "baseline_ucr": baseline,
        "savings_pct": round(100 * (baseline - market_cost) / baseline, 1) if baseline else None,
        "battery_earned_ucr": earned,
        "foresight_bound_ucr": int(bound),
        "battery_vs_bound": round(float(earned / bound), 3) if bound > 0 else None,
        "deferrable_price_vs_retail": round(def_paid / def_retail, 3) if def_retail else None,
        "heater_share_in_surplus": round(heat_cheap / heat_all, 3) if heat_all else None,
        "surplus_interval_share": round(surplus / len(intervals), 3),
        "local_share_physical": round(matched / consumed, 3) if consumed else None,
        "consumed_wh": consumed,
        "produced_wh": produced,
        # the street's export to the grid: as the meters had it, and as cleared in the auction
        "export_physical_wh": exported,
        "export_cleared_wh": conn.execute("SELECT coalesce(sum(grid_buy), 0) FROM intervals WHERE "
                                          "interval >= ? AND interval < ?",
                                          (day, day + DAY)).fetchone()[0],
        "closing_error_ucr": closing,
        "kinds": per_kind,
        "wall_s": round(wall, 1),
    }


def run(seed: int = 1, days: int = 4) -> dict:
    """Every street's figures (``bench all`` calls this)."""
    return {name: run_street(name, size, tariff, seed, days) for name, size, tariff in STREETS}

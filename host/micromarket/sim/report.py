"""What a market's day looked like: what the meters measured, what the auction cleared, the money.

    day = collect(db, first=day_start, last=day_end)   # a Day, read from the market database
    print_day(day)                                      # tables on the terminal (rich)
    path = write_html(day, out_dir)                     # index.html + PNG plots (matplotlib)

Only the intervals ``first..last`` make the headline; intervals before ``first`` are the warm-up,
shown apart. Units as on the wire: energy Wh, prices ucr/kWh, money ucr (micro-credits).

Two views of the energy stand side by side:

* **physical**, from the deliveries (the meters): per interval, ``produced`` (sell side) and
  ``consumed`` (buy side); ``matched`` = min(produced, consumed) stayed in the street,
  ``imported`` / ``exported`` is what the street drew from or sent to the grid. The physical local
  share is matched / consumed.
* **auction**, from the clearings: ``local`` Wh matched between neighbours, the cleared grid
  import (at the cap) and export (at the floor); then the deviations, what the parties' meters
  differed from their awards, settled with the grid (``dev_imported`` / ``dev_exported``).

Money: every party's amounts of the day, the grid account (market/settlement.py: booked opposite
every settlement, so parties + grid sum to 0 per interval; ``closing_error`` says whether they do)
beside what the street's metered net exchange with the grid is worth at the tariffs (``physical``;
the difference, ``spread``, comes from deviations that offset each other inside the street but
are each settled with the grid at retail or feed-in)
and, per party, what it would have been credited with no market at all: everything it consumed
bought at the interval's retail price, everything it produced sold at its feed-in price, both
from the time-of-use tariff of the market's signed context for that interval.
"""

import bisect
import html
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import cbor2

from .. import protocol as P
from ..market import ledger as L
from ..market import settlement
from ..market.store import get_meta, open_db


@dataclass
class Interval:
    start: int
    price: int | None   # None: the interval failed to clear (it traded nothing)
    local: int          # Wh the auction matched between neighbours
    imported: int       # Wh the auction cleared from the grid (at the cap)
    exported: int       # Wh the auction cleared to the grid (at the floor)
    tenders: int
    community: int      # ucr of Community Credit earned
    demand: int = 0     # Wh bid for by buyers (all steps)
    supply: int = 0     # Wh offered by sellers (all steps)
    consumed: int = 0   # Wh measured by the meters of the buy side
    produced: int = 0   # Wh measured by the meters of the sell side
    dev_imported: int = 0   # Wh the deviations from the awards took from the grid
    dev_exported: int = 0   # Wh the deviations from the awards gave to the grid
    deliveries: int = 0
    missed: int = 0     # awarded parties that sent nothing, settled as 0 Wh
    parties_amount: int = 0     # ucr credited to the parties
    grid_amount: int = 0        # ucr credited to the grid account
    parent_amount: int = 0      # ucr credited to the parent account (a child market)

    @property
    def matched(self) -> int:
        return min(self.produced, self.consumed)

    @property
    def physical_in(self) -> int:
        return max(0, self.consumed - self.produced)

    @property
    def physical_out(self) -> int:
        return max(0, self.produced - self.consumed)

    @property
    def local_share(self) -> float:
        """The auction's: matched / all bought."""
        bought = self.local + self.imported
        return self.local / bought if bought else 0.0

    @property
    def physical_share(self) -> float:
        return self.matched / self.consumed if self.consumed else 0.0

    @property
    def closing(self) -> int:
        return self.parties_amount + self.grid_amount + self.parent_amount


@dataclass
class Party:
    party: str
    role: str
    board: str
    name: str = ""          # the fleet's name for it, when known
    kind: str = ""          # its personality when known, else its role
    balance: int = 0        # all time, warm-up included
    reputation: int = 1000
    amount: int = 0         # ucr credited in the day (- = paid)
    warmup_amount: int = 0  # ucr credited before the day
    no_market: int = 0      # ucr it would have been credited in the day with the grid alone
    deliveries: int = 0
    missed: int = 0
    bought_wh: int = 0      # consumed, by its meter
    sold_wh: int = 0        # produced, by its meter
    buy_amount: int = 0     # ucr credited for the intervals it consumed in (- = paid)
    sell_amount: int = 0    # ucr credited for the intervals it produced in

    @property
    def buy_price(self) -> int | None:
        """Average ucr/kWh it paid for what it consumed, deviations included."""
        return -self.buy_amount * 1000 // self.bought_wh if self.bought_wh else None

    @property
    def sell_price(self) -> int | None:
        return self.sell_amount * 1000 // self.sold_wh if self.sold_wh else None

    def to_dict(self) -> dict:
        return {**self.__dict__, "buy_price": self.buy_price, "sell_price": self.sell_price}


@dataclass
class Day:
    market: str
    db: str
    intervals: list[Interval]
    parties: list[Party]
    community_credit: int                 # earned in the day
    ledger: dict                          # micromarket.market.ledger.Report.to_dict()
    counters: dict = field(default_factory=dict)
    balance_track: dict = field(default_factory=dict)   # party -> [(interval, day's running sum)]
    warmup: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)            # the grid account over the day

    @property
    def balances_add_up(self) -> bool:
        """Each party's balance is the sum of its settled deliveries."""
        return all(sum(a for _, a in self._amounts.get(p.party, [])) == p.balance
                   for p in self.parties)

    _amounts: dict = field(default_factory=dict, repr=False)

    def totals(self) -> dict:
        iv = self.intervals

        def total(name):
            return sum(getattr(i, name) for i in iv)
        local, consumed = total("local"), total("consumed")
        bought = local + total("imported")
        matched = total("matched")
        return {"intervals": len(iv), "local_wh": local, "imported_wh": total("imported"),
                "exported_wh": total("exported"),
                "local_share": local / bought if bought else 0.0,
                "produced_wh": total("produced"), "consumed_wh": consumed, "matched_wh": matched,
                "physical_imported_wh": total("physical_in"),
                "physical_exported_wh": total("physical_out"),
                "physical_local_share": matched / consumed if consumed else 0.0,
                "deviation_imported_wh": total("dev_imported"),
                "deviation_exported_wh": total("dev_exported"),
                "tenders": total("tenders"), "deliveries": total("deliveries"),
                "missed": total("missed"),
                "parties_amount": total("parties_amount"), "grid_amount": total("grid_amount"),
                "parent_amount": total("parent_amount"),
                "closing_error": sum(abs(i.closing) for i in iv),
                "no_market_amount": sum(p.no_market for p in self.parties),
                "community_credit": self.community_credit,
                "mean_price": _mean([i.price for i in iv if i.price is not None])}

    def prices(self) -> dict:
        """Per kind of party: average ucr/kWh paid for what it consumed and got for what it
        produced (awards and deviations), with the Wh behind each."""
        out: dict = {}
        for p in self.parties:
            k = out.setdefault(p.kind, {"bought_wh": 0, "buy_amount": 0, "sold_wh": 0,
                                        "sell_amount": 0})
            k["bought_wh"] += p.bought_wh
            k["buy_amount"] += p.buy_amount
            k["sold_wh"] += p.sold_wh
            k["sell_amount"] += p.sell_amount
        return {kind: {"buy_price": -k["buy_amount"] * 1000 // k["bought_wh"] if k["bought_wh"]
                       else None, "bought_wh": k["bought_wh"],
                       "sell_price": k["sell_amount"] * 1000 // k["sold_wh"] if k["sold_wh"]
                       else None, "sold_wh": k["sold_wh"]}
                for kind, k in sorted(out.items())}

    def to_dict(self) -> dict:
        return {"market": self.market, "totals": self.totals(), "ledger": self.ledger,
                "balances_add_up": self.balances_add_up, "warmup": self.warmup,
                "grid": self.grid, "prices": self.prices(),
                "intervals": [{**i.__dict__, "local_share": round(i.local_share, 4),
                               "matched": i.matched, "physical_in": i.physical_in,
                               "physical_out": i.physical_out,
                               "physical_share": round(i.physical_share, 4)}
                              for i in self.intervals],
                "parties": [p.to_dict() for p in self.parties], "counters": self.counters}


def _mean(values: list[int]) -> int:
    return sum(values) // len(values) if values else 0


def _curve_total(blob: bytes) -> tuple[int, int]:
    """(buy Wh, sell Wh) of a stored tender or position curve."""
    curve = cbor2.loads(blob)
    if curve and isinstance(curve[0], list) and curve[0] and isinstance(curve[0][0], list):
        return sum(q for _, q in curve[0]), sum(q for _, q in curve[1])   # a position: [buy, sell]
    return sum(q for _, q in curve), 0


def tariffs(conn: sqlite3.Connection):
    """``interval -> (floor, cap)`` from the market-signed contexts in the ledger: the tariff of
    the one that opened the interval for tenders (the newest whose ``start`` is not after it)."""
    known: dict[int, P.Context] = {}
    for (body,) in conn.execute("SELECT body FROM ledger WHERE kind = 'context' ORDER BY idx"):
        ctx = P.read(bytes(body)).message
        known[ctx.start] = ctx
    starts = sorted(known)

    def at(interval: int) -> tuple[int, int]:
        if not starts:
            raise ValueError("the ledger holds no market context to take the tariffs from")
        i = bisect.bisect_right(starts, interval) - 1
        return known[starts[max(i, 0)]].tariff_at(interval)
    return at


def _sides(conn: sqlite3.Connection) -> dict[bytes, str]:
    """Side of every delivery in the ledger, by its hash; a missed one's side is its award's."""
    out = {}
    for kind, body in conn.execute("SELECT kind, body FROM ledger WHERE kind IN ('delivery', ?)",
                                   (settlement.MISSED,)):
        body = bytes(body)
        if kind == "delivery":
            out[P.message_hash(body)] = P.read(body).message.side
        else:
            out[P.message_hash(body)] = cbor2.loads(P.cose.open1(body).payload)["side"]
    return out


def collect(db: Path, first: int | None = None, last: int | None = None,
            names: dict | None = None, key: bytes | None = None,
            kinds: dict | None = None) -> Day:
    """Read the day [first, last] (interval starts, inclusive) from the market database and
    verify its ledger against ``key`` (default: the key the database names). ``names`` maps the
    fleet's names to party ids, ``kinds`` party ids to personalities (default: the role)."""
    import json

    conn = open_db(db, readonly=True)
    try:
        lo = first if first is not None else -1
        hi = last if last is not None else 2**62
        intervals = {r[0]: Interval(*r) for r in conn.execute(
            "SELECT interval, price, coalesce(local, 0), coalesce(grid_sell, 0), "
            "coalesce(grid_buy, 0), coalesce(tenders, 0), coalesce(community, 0) FROM intervals "
            "WHERE interval BETWEEN ? AND ? ORDER BY interval", (lo, hi))}
        for s, side, blob in conn.execute("SELECT interval, side, curve FROM tenders WHERE "
                                          "interval BETWEEN ? AND ?", (lo, hi)):
            if s in intervals:
                buy, sell = _curve_total(blob)
                if side == "sell":
                    buy, sell = 0, buy
                intervals[s].demand += buy
                intervals[s].supply += sell
        by_name = {v: k for k, v in (names or {}).items() if v}
        parties = {}
        for party, role, board, balance, rep in conn.execute(
                "SELECT party, role, board, balance, reputation FROM parties ORDER BY party"):
            parties[party] = Party(party, role, board, by_name.get(party, ""),
                                   (kinds or {}).get(party) or role, balance, rep)
        tariff = tariffs(conn)
        sides = _sides(conn)
        amounts: dict = {}
        warm = {"intervals": conn.execute("SELECT count(*) FROM intervals WHERE interval < ?",
                                          (lo,)).fetchone()[0],
                "parties_amount": 0, "deliveries": 0,
                "community_credit": conn.execute("SELECT coalesce(sum(community), 0) FROM "
                                                 "intervals WHERE interval < ?",
                                                 (lo,)).fetchone()[0]}
        for s, party, h, wh, amount, kind in conn.execute(
                "SELECT d.interval, d.party, d.hash, d.wh, d.amount, g.kind FROM deliveries d "
                "LEFT JOIN grid g USING (interval, party) ORDER BY d.interval"):
            amounts.setdefault(party, []).append((s, amount))
            p = parties.get(party)
            if p is None or s > hi:
                continue
            if s < lo:
                p.warmup_amount += amount
                warm["parties_amount"] += amount
                warm["deliveries"] += kind != settlement.MISSED
                continue
            iv = intervals.get(s)
            missed = kind == settlement.MISSED
            selling = sides.get(bytes(h)) == "sell"
            p.amount += amount
            if missed:
                p.missed += 1
            else:
                p.deliveries += 1
            floor, cap = tariff(s)
            if selling:
                p.sold_wh += wh
                p.sell_amount += amount
                p.no_market += settlement.value(wh, floor)
            else:
                p.bought_wh += wh
                p.buy_amount += amount
                p.no_market -= settlement.value(wh, cap)
            if iv is not None:
                iv.parties_amount += amount
                iv.missed += missed
                iv.deliveries += not missed
                if selling:
                    iv.produced += wh
                else:
                    iv.consumed += wh
        for s, amount, dev_in, dev_out in conn.execute(
                "SELECT interval, sum(amount), sum(imported), sum(exported) FROM grid WHERE "
                "interval BETWEEN ? AND ? GROUP BY interval", (lo, hi)):
            if s in intervals:
                intervals[s].grid_amount = amount
                intervals[s].dev_imported = dev_in
                intervals[s].dev_exported = dev_out
        for s, amount in conn.execute("SELECT interval, amount FROM parent_settlements WHERE "
                                      "amount IS NOT NULL AND interval BETWEEN ? AND ?", (lo, hi)):
            if s in intervals:
                intervals[s].parent_amount = -amount
        balance, deviation = conn.execute(
            "SELECT coalesce(sum(amount), 0), coalesce(sum(deviation), 0) FROM grid WHERE "
            "interval BETWEEN ? AND ? AND kind != 'parent'", (lo, hi)).fetchone()
        parent_side = conn.execute("SELECT coalesce(sum(amount), 0) FROM grid WHERE interval "
                                   "BETWEEN ? AND ? AND kind = 'parent'", (lo, hi)).fetchone()[0]
        # what the street's metered net exchange with the grid is worth at the tariffs
        physical = 0
        for iv in intervals.values():
            floor, cap = tariff(iv.start)
            physical += settlement.value(iv.physical_in, cap) - settlement.value(iv.physical_out,
                                                                                 floor)
        grid = {"balance": balance + parent_side, "deviation": deviation,
                "cleared": balance - deviation, "parent": parent_side, "physical": physical,
                "spread": balance + parent_side - physical}
        track = {}
        for party, rows in amounts.items():
            run, out = 0, []
            for s, a in rows:
                if lo <= s <= hi:
                    run += a
                    out.append((s, run))
            track[party] = out
        market = get_meta(conn, "market") or "?"
        report = L.verify(conn, key if key is not None else bytes(get_meta(conn, "key") or b""),
                          market)
        counters = json.loads(get_meta(conn, "counters", "{}"))
    except (sqlite3.DatabaseError, ValueError, P.ProtocolError) as exc:
        from ..errors import MicromarketError

        raise MicromarketError(f"cannot read the market database {db}: {exc}",
                               "give the file `micromarket market serve --db` wrote") from exc
    finally:
        conn.close()
    day = list(intervals.values())
    return Day(market, str(db), day, list(parties.values()), sum(i.community for i in day),
               report.to_dict(), counters, track, warm, grid, amounts)


# ------------------------------------------------------------------------------ terminal

def _hhmm(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%H:%M")


def _cr(ucr: int) -> str:
    return f"{ucr / 1e6:+.4f}"


def _ct(price: int | None) -> str:
    return "-" if price is None else f"{price / 10000:.2f}"


def summary_lines(day: Day) -> list[str]:
    """The headline in plain sentences (the same on the terminal and in HTML)."""
    t = day.totals()
    g, w = day.grid, day.warmup
    saved = t["parties_amount"] - t["no_market_amount"]
    return [
        f"{t['intervals']} intervals. Meters: produced {t['produced_wh']} Wh, consumed "
        f"{t['consumed_wh']} Wh; {t['matched_wh']} Wh of it matched in the street, "
        f"{t['physical_imported_wh']} Wh drawn from the grid, {t['physical_exported_wh']} Wh sent "
        f"to it; physical local share {t['physical_local_share']:.1%}.",
        f"Auction: {t['local_wh']} Wh traded between neighbours, {t['imported_wh']} Wh cleared "
        f"from the grid, {t['exported_wh']} Wh to it (auction local share {t['local_share']:.1%}); "
        f"deviations from the awards: {t['deviation_imported_wh']} Wh from the grid, "
        f"{t['deviation_exported_wh']} Wh to it; {t['missed']} awarded deliveries never came "
        "(settled as 0 Wh).",
        f"Money: the parties were credited {_cr(t['parties_amount'])} credits (with the grid "
        f"alone: {_cr(t['no_market_amount'])}, so the market saved them {_cr(saved)}); the grid "
        f"account {_cr(g['balance'])} (cleared energy {_cr(g['cleared'])}, deviations "
        f"{_cr(g['deviation'])}" + (f", parent market {_cr(g['parent'])}" if g["parent"] else "")
        + f"). The street's metered net exchange with the grid is worth {_cr(g['physical'])} at "
        f"the tariffs; the other {_cr(g['spread'])} is the spread on deviations that met inside "
        f"the street, each booked against the grid. Books close to {t['closing_error']} ucr. "
        "Community Credit "
        f"{day.community_credit / 1e6:.4f} credits.",
        f"Warm-up before the day (not above): {w.get('intervals', 0)} intervals, "
        f"{w.get('deliveries', 0)} deliveries, parties credited "
        f"{_cr(w.get('parties_amount', 0))}, Community Credit "
        f"{w.get('community_credit', 0) / 1e6:.4f}.",
    ]


def print_day(day: Day, console=None, every: int = 1) -> None:
    """The per-interval table (every ``every``-th row), the parties, the prices per kind, the
    headline and the ledger's verdict."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"market {day.market}: {len(day.intervals)} intervals of the day", box=None)
    for col in ("time", "ct/kWh", "made Wh", "used Wh", "matched", "from grid", "to grid",
                "auction local", "cleared in", "cleared out", "dev in", "dev out", "deliv."):
        t.add_column(col, justify="left" if col == "time" else "right")
    for i, iv in enumerate(day.intervals):
        if i % every and i != len(day.intervals) - 1:
            continue
        t.add_row(_hhmm(iv.start), _ct(iv.price), str(iv.produced), str(iv.consumed),
                  str(iv.matched), str(iv.physical_in), str(iv.physical_out), str(iv.local),
                  str(iv.imported), str(iv.exported), str(iv.dev_imported), str(iv.dev_exported),
                  str(iv.deliveries))
    console.print(t)
    b = Table(title="parties over the day (credits; + = earned)", box=None)
    for col in ("device", "party", "kind", "used Wh", "made Wh", "deliv.", "missed",
                "ct/kWh paid", "ct/kWh got", "credited", "grid alone", "balance", "rep."):
        b.add_column(col, justify="left" if col in ("device", "party", "kind") else "right")
    for p in sorted(day.parties, key=lambda p: p.name or p.party):
        b.add_row(p.name or "-", p.party, p.kind, str(p.bought_wh), str(p.sold_wh),
                  str(p.deliveries), str(p.missed), _ct(p.buy_price), _ct(p.sell_price),
                  _cr(p.amount), _cr(p.no_market), _cr(p.balance), str(p.reputation))
    console.print(b)
    k = Table(title="average prices per kind (awards and deviations)", box=None)
    for col in ("kind", "used Wh", "ct/kWh paid", "made Wh", "ct/kWh got"):
        k.add_column(col, justify="left" if col == "kind" else "right")
    for kind, v in day.prices().items():
        k.add_row(kind, str(v["bought_wh"]), _ct(v["buy_price"]), str(v["sold_wh"]),
                  _ct(v["sell_price"]))
    console.print(k)
    for line in summary_lines(day):
        console.print(line)
    lg = day.ledger
    verdict = "[green]verifies[/]" if lg["ok"] else "[red]DOES NOT verify[/]"
    console.print(f"ledger: {lg['entries']} entries, {lg['treeheads']} signed tree heads: "
                  f"{verdict}; balances add up: {'yes' if day.balances_add_up else '[red]no[/]'}")


# ------------------------------------------------------------------------------ HTML + plots

def _plots(day: Day, out: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    iv = day.intervals
    hours = [(i.start - iv[0].start) / 3600 for i in iv] if iv else []
    files = []

    def save(fig, name, title):
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        files.append((name, title))

    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.step(hours, [float("nan") if i.price is None else i.price / 10000 for i in iv],
            where="post", label="clearing price")
    ax.set_xlabel("hour of the day (UTC)")
    ax.set_ylabel("ct/kWh")
    ax.set_title("local clearing price (between feed-in and retail)")
    ax.grid(alpha=0.3)
    save(fig, "price.png", "Price")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    w = 0.25
    ax.bar(hours, [i.local for i in iv], width=w, label="local trade", color="tab:green")
    ax.bar(hours, [i.imported for i in iv], width=w, bottom=[i.local for i in iv],
           label="cleared from the grid", color="tab:red")
    ax.bar(hours, [-i.exported for i in iv], width=w, label="cleared to the grid",
           color="tab:orange")
    ax.plot(hours, [i.physical_in for i in iv], color="darkred", lw=1, ls="--",
            label="from the grid (meters)")
    ax.plot(hours, [-i.physical_out for i in iv], color="darkorange", lw=1, ls="--",
            label="to the grid (meters, −)")
    ax.plot(hours, [i.demand for i in iv], color="black", lw=1, label="demand bid")
    ax.plot(hours, [-i.supply for i in iv], color="tab:blue", lw=1, label="supply offered (−)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("hour of the day (UTC)")
    ax.set_ylabel("Wh per interval")
    ax.set_title("supply and demand")
    ax.legend(fontsize=7, ncol=5, loc="upper left")
    ax.grid(alpha=0.3)
    save(fig, "volume.png", "Supply and demand")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    start = iv[0].start if iv else 0
    names = {p.party: (p.name or p.party) for p in day.parties}
    for party, rows in sorted(day.balance_track.items(), key=lambda kv: names.get(kv[0], kv[0])):
        ax.step([(s - start) / 3600 for s, _ in rows], [b / 1e6 for _, b in rows], where="post",
                label=names.get(party, party), lw=1)
    run, cum = 0, []
    for i in iv:
        run += i.community
        cum.append(run / 1e6)
    ax.plot(hours, cum, color="black", lw=2, label="Community Credit")
    ax.set_xlabel("hour of the day (UTC)")
    ax.set_ylabel("credits")
    ax.set_title("credited over the day, and the Community Credit")
    ax.legend(fontsize=6, ncol=4, loc="upper left")
    ax.grid(alpha=0.3)
    save(fig, "credits.png", "Credits")
    return files


def write_html(day: Day, out_dir: Path) -> Path:
    """index.html with the plots and the tables; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(day, out)
    e = html.escape
    rows = "".join(
        f"<tr><td>{_hhmm(i.start)}</td><td>{_ct(i.price)}</td><td>{i.produced}</td>"
        f"<td>{i.consumed}</td><td>{i.matched}</td><td>{i.physical_in}</td>"
        f"<td>{i.physical_out}</td><td>{i.local}</td><td>{i.imported}</td><td>{i.exported}</td>"
        f"<td>{i.dev_imported}</td><td>{i.dev_exported}</td><td>{i.tenders}</td>"
        f"<td>{i.deliveries}</td><td>{i.missed}</td><td>{i.closing}</td></tr>"
        for i in day.intervals)
    prow = "".join(
        f"<tr><td>{e(p.name or '-')}</td><td><code>{e(p.party)}</code></td><td>{e(p.kind)}</td>"
        f"<td>{p.bought_wh}</td><td>{p.sold_wh}</td><td>{p.deliveries}</td><td>{p.missed}</td>"
        f"<td>{_ct(p.buy_price)}</td><td>{_ct(p.sell_price)}</td><td>{_cr(p.amount)}</td>"
        f"<td>{_cr(p.no_market)}</td><td>{_cr(p.balance)}</td><td>{p.reputation}</td></tr>"
        for p in sorted(day.parties, key=lambda p: p.name or p.party))
    krow = "".join(
        f"<tr><td>{e(kind)}</td><td>{v['bought_wh']}</td><td>{_ct(v['buy_price'])}</td>"
        f"<td>{v['sold_wh']}</td><td>{_ct(v['sell_price'])}</td></tr>"
        for kind, v in day.prices().items())
    head = "".join(f"<p>{e(line)}</p>" for line in summary_lines(day))
    lg = day.ledger
    verdict = "verifies" if lg["ok"] else "DOES NOT verify"
    imgs = "".join(f'<h2>{e(t)}</h2><img src="{e(n)}" alt="{e(t)}">' for n, t in plots)
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>micromarket {e(day.market)}: a day</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}td,th{{padding:2px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}tr:nth-child(even){{background:#f4f4f4}}</style>
</head><body>
<h1>Market {e(day.market)}</h1>
{head}
<p>Ledger: {lg['entries']} entries, {lg['treeheads']} market-signed tree heads:
<b>{verdict}</b>. Balances add up: <b>{'yes' if day.balances_add_up else 'no'}</b>.
Check it yourself: <code>micromarket ledger verify --db {e(day.db)} --key MARKET_PUBLIC_KEY</code>
and <code>micromarket ledger audit --db {e(day.db)}</code></p>
{imgs}
<h2>Parties over the day</h2><table><tr><th>device</th><th>party</th><th>kind</th>
<th>used Wh</th><th>made Wh</th><th>deliveries</th><th>missed</th><th>paid ct/kWh</th>
<th>got ct/kWh</th><th>credited</th><th>grid alone</th><th>balance (all time)</th>
<th>reputation</th></tr>{prow}</table>
<h2>Average prices per kind</h2><table><tr><th>kind</th><th>used Wh</th><th>paid ct/kWh</th>
<th>made Wh</th><th>got ct/kWh</th></tr>{krow}</table>
<h2>Intervals</h2><table><tr><th>time (UTC)</th><th>price ct/kWh</th><th>made Wh</th>
<th>used Wh</th><th>matched Wh</th><th>from grid Wh</th><th>to grid Wh</th>
<th>auction local Wh</th><th>cleared in Wh</th><th>cleared out Wh</th><th>deviation in Wh</th>
<th>deviation out Wh</th><th>tenders</th><th>deliveries</th><th>missed</th>
<th>books ucr</th></tr>{rows}</table>
</body></html>"""
    path = out / "index.html"
    path.write_text(page)
    return path

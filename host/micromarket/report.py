"""What a market's day looked like: per-interval prices and volumes, balances, the ledger's verdict.

    day = collect(db, first=day_start, last=day_end)   # a Day, read from the market database
    print_day(day)                                      # tables on the terminal (rich)
    path = write_html(day, out_dir)                     # index.html + PNG plots (matplotlib)

Units as on the wire: energy Wh, prices ucr/kWh, money ucr (micro-credits). ``local share`` is
the part of the energy bought in an interval that came from neighbours instead of the grid.
"""

import html
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import cbor2

from .market import ledger as L
from .market import settlement
from .market.store import get_meta, open_db


@dataclass
class Interval:
    start: int
    price: int
    local: int          # Wh traded between neighbours
    imported: int       # Wh bought from the grid (at the cap)
    exported: int       # Wh sold to the grid (at the floor)
    tenders: int
    community: int      # ucr of Community Credit earned
    demand: int = 0     # Wh bid for by buyers (all steps)
    supply: int = 0     # Wh offered by sellers (all steps)
    delivered_in: int = 0   # Wh measured by buyers' meters
    delivered_out: int = 0  # Wh measured by sellers' meters
    deliveries: int = 0

    @property
    def local_share(self) -> float:
        bought = self.local + self.imported
        return self.local / bought if bought else 0.0


@dataclass
class Party:
    party: str
    role: str
    board: str
    name: str = ""          # the fleet's name for it, when known
    balance: int = 0
    reputation: int = 1000
    deliveries: int = 0
    bought_wh: int = 0
    sold_wh: int = 0


@dataclass
class Day:
    market: str
    db: str
    intervals: list[Interval]
    parties: list[Party]
    community_credit: int
    ledger: dict                          # micromarket.market.ledger.Report.to_dict()
    counters: dict = field(default_factory=dict)
    balance_track: dict = field(default_factory=dict)   # party -> [(interval, running balance)]

    @property
    def balances_add_up(self) -> bool:
        """Each party's balance is the sum of its settled deliveries."""
        return all(sum(a for _, a in self._amounts.get(p.party, [])) == p.balance
                   for p in self.parties)

    _amounts: dict = field(default_factory=dict, repr=False)

    def totals(self) -> dict:
        iv = self.intervals
        local = sum(i.local for i in iv)
        bought = local + sum(i.imported for i in iv)
        return {"intervals": len(iv), "local_wh": local, "imported_wh": sum(i.imported for i in iv),
                "exported_wh": sum(i.exported for i in iv),
                "local_share": local / bought if bought else 0.0,
                "tenders": sum(i.tenders for i in iv), "deliveries": sum(i.deliveries for i in iv),
                "community_credit": self.community_credit,
                "mean_price": (sum(i.price for i in iv) // len(iv)) if iv else 0}

    def to_dict(self) -> dict:
        return {"market": self.market, "totals": self.totals(), "ledger": self.ledger,
                "balances_add_up": self.balances_add_up,
                "intervals": [{**i.__dict__, "local_share": round(i.local_share, 4)}
                              for i in self.intervals],
                "parties": [p.__dict__ for p in self.parties], "counters": self.counters}


def _curve_total(blob: bytes) -> tuple[int, int]:
    """(buy Wh, sell Wh) of a stored tender or position curve."""
    curve = cbor2.loads(blob)
    if curve and isinstance(curve[0], list) and curve[0] and isinstance(curve[0][0], list):
        return sum(q for _, q in curve[0]), sum(q for _, q in curve[1])   # a position: [buy, sell]
    return sum(q for _, q in curve), 0


def collect(db: Path, first: int | None = None, last: int | None = None,
            names: dict | None = None, key: bytes | None = None) -> Day:
    """Read the day [first, last] (interval starts, inclusive) from the market database and
    verify its ledger against ``key`` (default: the key the database names)."""
    import json

    conn = open_db(db, readonly=True)
    try:
        lo = first if first is not None else -1
        hi = last if last is not None else 2**62
        intervals = {r[0]: Interval(*r) for r in conn.execute(
            "SELECT interval, price, local, grid_sell, grid_buy, tenders, community FROM intervals "
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
            parties[party] = Party(party, role, board, by_name.get(party, ""), balance, rep)
        amounts: dict = {}
        side_of = {(s, p): side for s, p, side in conn.execute(
            "SELECT interval, party, side FROM awards")}
        for s, party, wh, amount in conn.execute(
                "SELECT interval, party, wh, amount FROM deliveries ORDER BY interval"):
            amounts.setdefault(party, []).append((s, amount))
            p = parties.get(party)
            if p is None:
                continue
            p.deliveries += 1
            # the side of the award it answers; without one (island mode) the role tells
            selling = side_of.get((s, party), "sell" if p.role == "pv" else "buy") == "sell"
            if selling:
                p.sold_wh += wh
            else:
                p.bought_wh += wh
            if s in intervals:
                iv = intervals[s]
                iv.deliveries += 1
                if selling:
                    iv.delivered_out += wh
                else:
                    iv.delivered_in += wh
        track = {}
        for party, rows in amounts.items():
            run, out = 0, []
            for s, a in rows:
                run += a
                out.append((s, run))
            track[party] = out
        market = get_meta(conn, "market") or "?"
        report = L.verify(conn, key if key is not None else bytes(get_meta(conn, "key") or b""),
                          market)
        counters = json.loads(get_meta(conn, "counters", "{}"))
        credit = settlement.balances(conn)["community_credit"]
    except sqlite3.DatabaseError as exc:
        from .errors import MicromarketError

        raise MicromarketError(f"cannot read the market database {db}: {exc}",
                               "give the file `micromarket market serve --db` wrote") from exc
    finally:
        conn.close()
    return Day(market, str(db), list(intervals.values()), list(parties.values()), credit,
               report.to_dict(), counters, track, amounts)


# ------------------------------------------------------------------------------ terminal

def _hhmm(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%H:%M")


def _cr(ucr: int) -> str:
    return f"{ucr / 1e6:+.4f}"


def print_day(day: Day, console=None, every: int = 1) -> None:
    """The per-interval table (every ``every``-th row), the balances and the ledger's verdict."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title=f"market {day.market}: {len(day.intervals)} intervals", box=None)
    for col, just in (("time", "left"), ("ct/kWh", "right"), ("local Wh", "right"),
                      ("grid in", "right"), ("grid out", "right"), ("local", "right"),
                      ("tenders", "right"), ("deliv.", "right")):
        t.add_column(col, justify=just)
    for i, iv in enumerate(day.intervals):
        if i % every and i != len(day.intervals) - 1:
            continue
        t.add_row(_hhmm(iv.start), f"{iv.price / 10000:.2f}", str(iv.local), str(iv.imported),
                  str(iv.exported), f"{iv.local_share:.0%}", str(iv.tenders), str(iv.deliveries))
    console.print(t)
    b = Table(title="balances (credits; + = earned)", box=None)
    for col in ("device", "party", "role", "in Wh", "out Wh", "deliv.", "balance", "rep."):
        b.add_column(col, justify="left" if col in ("device", "party", "role") else "right")
    for p in sorted(day.parties, key=lambda p: p.name or p.party):
        b.add_row(p.name or "-", p.party, p.role, str(p.bought_wh), str(p.sold_wh),
                  str(p.deliveries), _cr(p.balance), str(p.reputation))
    console.print(b)
    tot = day.totals()
    console.print(f"local trade {tot['local_wh']} Wh, from the grid {tot['imported_wh']} Wh, "
                  f"to the grid {tot['exported_wh']} Wh; local share {tot['local_share']:.0%}; "
                  f"Community Credit {day.community_credit / 1e6:.4f} credits")
    lg = day.ledger
    verdict = "[green]verifies[/]" if lg["ok"] else "[red]DOES NOT verify[/]"
    console.print(f"ledger: {lg['entries']} entries, {lg['checkpoints']} signed checkpoints: "
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
    ax.step(hours, [i.price / 10000 for i in iv], where="post", label="clearing price")
    ax.set_xlabel("hour of the day (UTC)")
    ax.set_ylabel("ct/kWh")
    ax.set_title("local clearing price (between feed-in and retail)")
    ax.grid(alpha=0.3)
    save(fig, "price.png", "Price")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    w = 0.25
    ax.bar(hours, [i.local for i in iv], width=w, label="local trade", color="tab:green")
    ax.bar(hours, [i.imported for i in iv], width=w, bottom=[i.local for i in iv],
           label="from the grid", color="tab:red")
    ax.bar(hours, [-i.exported for i in iv], width=w, label="to the grid", color="tab:orange")
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
    ax.set_title("balances and Community Credit")
    ax.legend(fontsize=6, ncol=4, loc="upper left")
    ax.grid(alpha=0.3)
    save(fig, "credits.png", "Credits")
    return files


def write_html(day: Day, out_dir: Path) -> Path:
    """index.html with the plots and the tables; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(day, out)
    tot = day.totals()
    e = html.escape
    rows = "".join(
        f"<tr><td>{_hhmm(i.start)}</td><td>{i.price / 10000:.2f}</td><td>{i.local}</td>"
        f"<td>{i.imported}</td><td>{i.exported}</td><td>{i.local_share:.0%}</td>"
        f"<td>{i.demand}</td><td>{i.supply}</td><td>{i.tenders}</td><td>{i.deliveries}</td></tr>"
        for i in day.intervals)
    prow = "".join(
        f"<tr><td>{e(p.name or '-')}</td><td><code>{e(p.party)}</code></td><td>{e(p.role)}</td>"
        f"<td>{p.bought_wh}</td><td>{p.sold_wh}</td><td>{p.deliveries}</td>"
        f"<td>{_cr(p.balance)}</td><td>{p.reputation}</td></tr>"
        for p in sorted(day.parties, key=lambda p: p.name or p.party))
    lg = day.ledger
    verdict = "verifies" if lg["ok"] else "DOES NOT verify"
    imgs = "".join(f'<h2>{e(t)}</h2><img src="{e(n)}" alt="{e(t)}">' for n, t in plots)
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>micromarket {e(day.market)}: a day</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}td,th{{padding:2px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}tr:nth-child(even){{background:#f4f4f4}}</style>
</head><body>
<h1>Market {e(day.market)}</h1>
<p>{tot['intervals']} intervals; local trade {tot['local_wh']} Wh, from the grid
{tot['imported_wh']} Wh, to the grid {tot['exported_wh']} Wh; local share
{tot['local_share']:.0%}; Community Credit {day.community_credit / 1e6:.4f} credits.</p>
<p>Ledger: {lg['entries']} entries, {lg['checkpoints']} market-signed checkpoints:
<b>{verdict}</b>. Balances add up: <b>{'yes' if day.balances_add_up else 'no'}</b>.
Check it yourself: <code>micromarket ledger verify --db {e(day.db)}</code></p>
{imgs}
<h2>Balances</h2><table><tr><th>device</th><th>party</th><th>role</th><th>bought Wh</th>
<th>sold Wh</th><th>deliveries</th><th>balance (credits)</th><th>reputation</th></tr>{prow}</table>
<h2>Intervals</h2><table><tr><th>time (UTC)</th><th>price ct/kWh</th><th>local Wh</th>
<th>grid in Wh</th><th>grid out Wh</th><th>local share</th><th>demand Wh</th><th>supply Wh</th>
<th>tenders</th><th>deliveries</th></tr>{rows}</table>
</body></html>"""
    path = out / "index.html"
    path.write_text(page)
    return path

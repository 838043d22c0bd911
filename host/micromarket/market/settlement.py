"""Settlement: money for awarded energy, the grid price for deviations, credits and reputation.

Money is in micro-credits (ucr), prices in ucr per kWh, energy in Wh, so a leg of ``wh`` at
``price`` is worth ``wh * price / 1000`` ucr. Positive amounts are credited to the party.

* A buyer pays its award at the cleared price. If it used more, the extra is bought from the grid
  at the cap (retail); if it used less, the unused energy goes back to the grid at the floor.
* A seller is paid its award at the cleared price. If it produced less, the shortfall is bought
  from the grid at the cap; if it produced more, the extra is sold to the grid at the floor.
* The Community Credit of an interval is the local volume times the spread between retail and
  feed-in: what the neighbourhood kept instead of paying it to the grid.
* Reputation (0..1000) follows delivery performance: a moving average of how closely each
  delivery matched its award. It bounds what a party may offer: a tender of a party at
  reputation ``r`` may hold at most ``qmax * max(r, 100) / 1000`` Wh (``tender_limit``), so a
  party that keeps failing trades at most a tenth of the market's bound until it delivers again.
* An awarded party that sends no delivery by the close of the interval's delivery window is
  settled as if it measured 0 Wh (``settle_missed``): charged and judged like one that reported 0.
* The grid account is the neighbourhood's connection, a party of the books. Every settlement is
  booked twice: the party's amount, and the opposite on the grid account (table ``grid``), with
  the Wh the party's deviation took from the grid (``imported``, at the cap) or gave to it
  (``exported``, at the floor) and their value (``deviation``); the rest of the grid's side is the
  interval's cleared import or export at the clearing price, which in a market with the grid as
  counterparty is the cap or the floor. Awards are valued per party and rounded toward zero, so
  the grid's side of the cleared energy differs from its exact tariff value by less than one µcr
  per award. In a child market the parent's receipt for the
  child's delivery is booked the same way: to the parent account and, opposite, to the grid
  account. So in every interval the parties, the grid and the parent sum to exactly 0.
"""

import sqlite3
from dataclasses import dataclass
from typing import Callable, Sequence

from . import MarketError
from .store import get_meta, set_meta

REPUTATION_MAX = 1000
REPUTATION_WEIGHT = 8          # each delivery moves reputation 1/8 of the way to its score
REPUTATION_FLOOR = 100         # a party at any reputation may still offer this share of qmax
MISSED = "missed"              # ledger entry: the market settled an awarded party's silence


class SettlementError(MarketError):
    """A delivery cannot be settled; ``code`` is the wire error code name to answer with."""

    def __init__(self, message: str, code: str = "replay"):
        super().__init__(message)
        self.code = code


def value(wh: int, price: int) -> int:
    """Micro-credits of ``wh`` Wh at ``price`` ucr/kWh, rounded toward zero."""
    return wh * price // 1000 if wh >= 0 else -((-wh) * price // 1000)


@dataclass(frozen=True)
class Legs:
    """One party's settlement of an interval: its award at the award's price, and the deviation
    traded with the grid (``imported`` Wh bought at the cap, ``exported`` Wh sold at the floor)."""

    traded: int            # ucr credited for the award (- for a buyer)
    imported: int          # Wh the grid supplied for the deviation
    exported: int          # Wh the grid took for the deviation
    deviation: int         # ucr credited for the deviation (- when the grid supplied)

    @property
    def amount(self) -> int:
        return self.traded + self.deviation

    def __add__(self, other: "Legs") -> "Legs":
        return Legs(self.traded + other.traded, self.imported + other.imported,
                    self.exported + other.exported, self.deviation + other.deviation)


def legs_of(side: str, legs: Sequence[tuple[int, int]], measured: int, floor: int,
            cap: int) -> Legs:
    """Split a party's settlement into its award and its deviation with the grid.

    ``legs`` are ``(awarded Wh, price)`` pairs: the local award at the local price and, in a
    child market, the share of the parent's award at the parent's price.
    """
    awarded = sum(wh for wh, _ in legs)
    traded = sum(value(wh, p) for wh, p in legs)
    over = max(0, measured - awarded)
    under = max(0, awarded - measured)
    if side == "buy":     # used more: from the grid; used less: back to the grid
        return Legs(-traded, over, under, value(under, floor) - value(over, cap))
    return Legs(traded, under, over, value(over, floor) - value(under, cap))


def amount(side: str, legs: Sequence[tuple[int, int]], measured: int, floor: int, cap: int) -> int:
    """The party's credit (+) or debit (-) for an interval."""
    return legs_of(side, legs, measured, floor, cap).amount


def tender_limit(qmax: int, reputation: int) -> int:
    """The most Wh one tender of a party at ``reputation`` may offer."""
    return qmax * max(reputation, REPUTATION_FLOOR) // REPUTATION_MAX


def score(awarded: int, measured: int) -> int | None:
    """How closely a delivery matched its award, 0..1000; None when nothing was awarded."""
    if awarded <= 0:
        return None
    miss = abs(measured - awarded) * REPUTATION_MAX // awarded
    return max(0, REPUTATION_MAX - miss)


def next_reputation(reputation: int, awarded: int, measured: int) -> int:
    s = score(awarded, measured)
    if s is None:
        return reputation
    step = s - reputation
    step = step // REPUTATION_WEIGHT if step >= 0 else -((-step) // REPUTATION_WEIGHT)
    return max(0, min(REPUTATION_MAX, reputation + step))


def community_credit(local_wh: int, floor: int, cap: int) -> int:
    return value(local_wh, cap - floor)


def add_community_credit(conn: sqlite3.Connection, credit: int) -> int:
    total = int(get_meta(conn, "community_credit", 0)) + credit
    set_meta(conn, "community_credit", total)
    return total


@dataclass(frozen=True)
class Settled:
    party: str
    interval: int
    amount: int
    balance: int
    reputation: int
    awarded: int


def settle(side: str, awards: Sequence[tuple[str, int, int]], measured: int, floor: int,
           cap: int) -> tuple[Legs, int, int]:
    """A delivery of ``measured`` Wh on ``side`` against the party's signed ``awards`` of the
    interval, ``(side, price, Wh)``: its legs, and the awarded and measured Wh reputation judges.
    The award is what is settled: one leg of its Wh at its price."""
    legs = [(wh, price) for s, price, wh in awards if s == side]
    split = legs_of(side, legs, measured, floor, cap)
    awarded, judged = sum(wh for wh, _ in legs), measured
    for other, price, wh in awards:
        if other != side and wh > 0:     # awarded the other way, and nothing measured that way
            split = split + legs_of(other, [(wh, price)], 0, floor, cap)
            if not awarded:
                awarded, judged = wh, 0
    return split, awarded, judged


def settle_delivery(conn: sqlite3.Connection, party: str, interval: int, side: str, measured: int,
                    delivery_hash: bytes, floor: int, cap: int,
                    make_receipt: Callable[[int, int], bytes],
                    kind: str = "delivery") -> tuple[Settled, bytes]:
    """Settle one delivery inside the caller's transaction; return it and the signed receipt.

    ``kind`` is ``MISSED`` when the market settles a silent party as 0 Wh (``delivery_hash`` is
    then the hash of its signed missed record). Raises SettlementError if this party's interval
    was settled already.
    """
    done = conn.execute("SELECT kind FROM grid WHERE interval = ? AND party = ?",
                        (interval, party)).fetchone()
    if done is not None:
        if done[0] == MISSED:
            raise SettlementError(f"{party} sent no delivery for interval {interval} before its "
                                  "delivery window closed; it was settled as 0 Wh",
                                  "interval-closed")
        raise SettlementError(f"{party} already delivered for interval {interval}")
    awards = conn.execute("SELECT side, price, wh FROM awards WHERE interval = ? AND party = ?",
                          (interval, party)).fetchall()
    split, awarded, judged = settle(side, awards, measured, floor, cap)
    credit = split.amount
    balance, reputation = conn.execute("SELECT balance, reputation FROM parties WHERE party = ?",
                                       (party,)).fetchone()
    balance += credit
    reputation = next_reputation(reputation, awarded, judged)
    conn.execute("UPDATE parties SET balance = ?, reputation = ? WHERE party = ?",
                 (balance, reputation, party))
    receipt = make_receipt(credit, balance)
    conn.execute("INSERT INTO deliveries (interval, party, hash, wh, amount, receipt) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (interval, party, delivery_hash, measured, credit,
                                               receipt))
    book_grid(conn, interval, party, kind, -credit, split.imported, split.exported,
              -split.deviation)
    return Settled(party, interval, credit, balance, reputation, awarded), receipt


def book_grid(conn: sqlite3.Connection, interval: int, party: str, kind: str, amount: int,
              imported: int = 0, exported: int = 0, deviation: int = 0) -> None:
    """The grid account's side of one settlement (``amount`` credited to the grid)."""
    conn.execute("INSERT INTO grid (interval, party, kind, amount, imported, exported, deviation)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (interval, party, kind, amount, imported, exported, deviation))


def missing(conn: sqlite3.Connection, now: int, interval_s: int, window: int,
            since: int = 0) -> list[tuple]:
    """``(interval, party, side, award hash)`` of every award of energy whose delivery window has
    closed with no delivery: ``window`` intervals after the interval's end for a device, twice that
    for a child market (it settles its own parties before it delivers to its parent). Only
    intervals after ``since`` are looked at."""
    return conn.execute(
        "SELECT a.interval, a.party, a.side, a.hash FROM awards a JOIN parties p USING (party) "
        "WHERE a.interval > ? AND a.wh > 0 AND a.interval + ? * (1 + (CASE p.role WHEN 'market' THEN 2 ELSE 1 END) "
        "* ?) <= ? AND NOT EXISTS (SELECT 1 FROM grid g WHERE g.interval = a.interval AND "
        "g.party = a.party) ORDER BY a.interval, a.party, a.wh DESC",
        (since, interval_s, window, now)).fetchall()


def balances(conn: sqlite3.Connection) -> dict:
    """Every party's balance and reputation, and the Community Credit."""
    parties = {p: {"balance": b, "reputation": r} for p, b, r in
               conn.execute("SELECT party, balance, reputation FROM parties ORDER BY party")}
    return {"parties": parties, "community_credit": int(get_meta(conn, "community_credit", 0))}


def books(conn: sqlite3.Connection) -> dict:
    """The grid account and, per interval, what the parties, the grid and the parent account were
    credited; ``sum`` is 0 in every interval when the books close."""
    per: dict[int, dict] = {}

    def at(interval: int) -> dict:
        return per.setdefault(interval, {"interval": interval, "parties": 0, "grid": 0,
                                         "parent": 0, "missed": 0})
    for interval, total in conn.execute("SELECT interval, sum(amount) FROM deliveries "
                                        "GROUP BY interval"):
        at(interval)["parties"] = total
    for interval, total, missed in conn.execute(
            "SELECT interval, sum(amount), sum(kind = ?) FROM grid GROUP BY interval", (MISSED,)):
        at(interval)["grid"] = total
        at(interval)["missed"] = missed
    for interval, total in conn.execute("SELECT interval, amount FROM parent_settlements "
                                        "WHERE amount IS NOT NULL"):
        at(interval)["parent"] = -total
    rows = [per[k] for k in sorted(per)]
    for r in rows:
        r["sum"] = r["parties"] + r["grid"] + r["parent"]
    imported, exported, deviation, balance = conn.execute(
        "SELECT coalesce(sum(imported), 0), coalesce(sum(exported), 0), "
        "coalesce(sum(deviation), 0), coalesce(sum(amount), 0) FROM grid").fetchone()
    cleared_in, cleared_out = conn.execute(
        "SELECT coalesce(sum(grid_sell), 0), coalesce(sum(grid_buy), 0) FROM intervals").fetchone()
    grid = {"balance": balance, "deviation": deviation, "cleared": balance - deviation,
            "imported_wh": {"cleared": cleared_in, "deviation": imported},
            "exported_wh": {"cleared": cleared_out, "deviation": exported}}
    return {"grid": grid, "intervals": rows,
            "closing_error": sum(abs(r["sum"]) for r in rows)}

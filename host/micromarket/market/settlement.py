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
  delivery matched its award.
"""

import sqlite3
from dataclasses import dataclass
from typing import Callable, Sequence

from . import MarketError
from .store import get_meta, set_meta

REPUTATION_MAX = 1000
REPUTATION_WEIGHT = 8          # each delivery moves reputation 1/8 of the way to its score


class SettlementError(MarketError):
    """A delivery cannot be settled."""


def value(wh: int, price: int) -> int:
    """Micro-credits of ``wh`` Wh at ``price`` ucr/kWh, rounded toward zero."""
    return wh * price // 1000 if wh >= 0 else -((-wh) * price // 1000)


def amount(side: str, legs: Sequence[tuple[int, int]], measured: int, floor: int, cap: int) -> int:
    """The party's credit (+) or debit (-) for an interval.

    ``legs`` are ``(awarded Wh, price)`` pairs: the local award at the local price and, in a
    child market, the share of the parent's award at the parent's price.
    """
    awarded = sum(wh for wh, _ in legs)
    traded = sum(value(wh, p) for wh, p in legs)
    over = max(0, measured - awarded)
    under = max(0, awarded - measured)
    if side == "buy":
        return -traded - value(over, cap) + value(under, floor)
    return traded - value(under, cap) + value(over, floor)


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


def settle_delivery(conn: sqlite3.Connection, party: str, interval: int, side: str, measured: int,
                    delivery_hash: bytes, floor: int, cap: int,
                    make_receipt: Callable[[int, int], bytes]) -> tuple[Settled, bytes]:
    """Settle one delivery inside the caller's transaction; return it and the signed receipt.

    Raises SettlementError if this party's interval was settled already.
    """
    if conn.execute("SELECT 1 FROM deliveries WHERE interval = ? AND party = ?",
                    (interval, party)).fetchone():
        raise SettlementError(f"{party} already delivered for interval {interval}")
    row = conn.execute("SELECT price, wh FROM awards WHERE interval = ? AND party = ? AND side = ?",
                       (interval, party, side)).fetchone()
    # the signed award is what is settled: one leg of its Wh at its price
    legs = [] if row is None else [(row[1], row[0])]
    credit = amount(side, legs, measured, floor, cap)
    awarded = sum(wh for wh, _ in legs)
    balance, reputation = conn.execute("SELECT balance, reputation FROM parties WHERE party = ?",
                                       (party,)).fetchone()
    balance += credit
    reputation = next_reputation(reputation, awarded, measured)
    conn.execute("UPDATE parties SET balance = ?, reputation = ? WHERE party = ?",
                 (balance, reputation, party))
    receipt = make_receipt(credit, balance)
    conn.execute("INSERT INTO deliveries (interval, party, hash, wh, amount, receipt) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (interval, party, delivery_hash, measured, credit,
                                               receipt))
    return Settled(party, interval, credit, balance, reputation, awarded), receipt


def balances(conn: sqlite3.Connection) -> dict:
    """Every party's balance and reputation, and the Community Credit."""
    parties = {p: {"balance": b, "reputation": r} for p, b, r in
               conn.execute("SELECT party, balance, reputation FROM parties ORDER BY party")}
    return {"parties": parties, "community_credit": int(get_meta(conn, "community_credit", 0))}

"""Trading with a parent market: the residual goes up as one position, the award comes down.

At gate closure a child market clears its own book without the grid (``clear_local``). What is
left of every block is summed into a residual buy and sell curve and sent to the parent as a
Position signed by the child market. The parent clears it like any tender and awards the child
per side. ``finish`` shares each parent award among the blocks that made the residual (the best
limits first, the marginal ones pro rata) and gives every party one award: its local Wh and its
share, at the Wh-weighted price of the two. A side the parent did not award by the time the
interval starts falls back to the grid at this market's cap (buy) or floor (sell).
"""

import cbor2

from .. import protocol as P
from . import auction
from .core import Market, Outbound
from .store import get_meta, set_meta, transaction

MAX_STEPS = P.fields.MAX_AGGREGATE


def compress(curve: list[tuple[int, int]], side: str) -> list[tuple[int, int]]:
    """At most MAX_STEPS steps: neighbouring levels merge at the least generous limit."""
    if len(curve) <= MAX_STEPS:
        return curve
    per = -(-len(curve) // MAX_STEPS)
    out = []
    for i in range(0, len(curve), per):
        group = curve[i:i + per]
        out.append((group[-1][0], sum(q for _p, q in group)))
    return out


def clear_local(market: Market, s: int, parent: str) -> bytes | None:
    """Clear ``s`` among neighbours only; persist the residual; return the signed Position."""
    orders, who = market.orders(s)
    result = auction.clear(orders, market.cfg.floor, market.cfg.cap, grid=False)
    book = []
    for (party, side), (ref, side_i, steps), got in zip(who, orders, result.awarded):
        rest: dict[int, int] = {}
        auction.leftover(steps, got, rest, descending=(side_i == auction.BUY))
        book.append([party, side, ref, got, sorted(rest.items())])
    buy = compress(result.residual_buy, "buy")
    sell = compress(result.residual_sell, "sell")
    position = None
    with transaction(market.conn):
        if buy or sell:
            seq = int(get_meta(market.conn, "parent_seq", 0)) + 1
            set_meta(market.conn, "parent_seq", seq)
            position = P.sign(P.Position(market=parent, party=market.cfg.market, seq=seq,
                                         interval=s, buy=tuple(buy), sell=tuple(sell), expiry=s),
                              market.key, market.cfg.market)
        market.conn.execute("INSERT OR REPLACE INTO residuals (interval, local_price, orders, "
                            "position) VALUES (?, ?, ?, ?)",
                            (s, result.price, cbor2.dumps(book), position))
        if position is not None:
            from . import ledger as L
            L.append(market.conn, "position", position, market.now())
    return position


def sides_wanted(market: Market, s: int) -> set[str]:
    row = market.conn.execute("SELECT position FROM residuals WHERE interval = ?", (s,)).fetchone()
    if row is None or row[0] is None:
        return set()
    pos = P.read(row[0]).message
    return {side for side, curve in (("buy", pos.buy), ("sell", pos.sell)) if curve}


def sides_awarded(market: Market, s: int) -> set[str]:
    return {r[0] for r in market.conn.execute(
        "SELECT side FROM parent_awards WHERE interval = ?", (s,))}


def store_parent_award(market: Market, award: P.Award, body: bytes) -> bool:
    """Keep a verified award of the parent for our position; False if it is not for us."""
    row = market.conn.execute("SELECT position FROM residuals WHERE interval = ?",
                              (award.interval,)).fetchone()
    if row is None or row[0] is None or P.message_hash(row[0]) != award.tender:
        return False
    if award.party != market.cfg.market:
        return False
    from . import ledger as L
    with transaction(market.conn):
        market.conn.execute("INSERT OR REPLACE INTO parent_awards (interval, side, price, wh, body)"
                            " VALUES (?, ?, ?, ?, ?)",
                            (award.interval, award.side, award.price, award.wh, body))
        L.append(market.conn, "parent-award", body, market.now())
    return True


def finish(market: Market, s: int) -> list[Outbound]:
    """Share the parent's awards (or the grid fallback) and publish every party's award."""
    cfg = market.cfg
    row = market.conn.execute("SELECT local_price, orders FROM residuals WHERE interval = ?",
                              (s,)).fetchone()
    if row is None:
        return market.clear(s)
    local_price, book = row[0], cbor2.loads(row[1])
    got_parent = {side: (price, wh) for side, price, wh in market.conn.execute(
        "SELECT side, price, wh FROM parent_awards WHERE interval = ?", (s,))}
    shares = [0] * len(book)
    totals = {"buy": 0, "sell": 0}
    for side in ("buy", "sell"):
        if side in got_parent:
            price, wh = got_parent[side]
        else:                                   # the grid stands in for a silent parent
            price, wh = (cfg.cap, 1 << 62) if side == "buy" else (cfg.floor, 1 << 62)
        blocks = []
        for i, (_party, oside, ref, _got, rest) in enumerate(book):
            if oside != side:
                continue
            for limit, q in rest:
                if (limit >= price) if side == "buy" else (limit <= price):
                    blocks.append((limit, ref, i, q))
        # best limits first, then pro rata among the blocks at the last limit reached
        blocks.sort(key=lambda b: (-b[0] if side == "buy" else b[0], b[1]))
        left = wh
        j = 0
        while j < len(blocks) and left > 0:
            k = j
            while k < len(blocks) and blocks[k][0] == blocks[j][0]:
                k += 1
            level = [(ref, i, q) for _l, ref, i, q in blocks[j:k]]
            want = sum(q for _r, _i, q in level)
            before = sum(shares[i] for _r, i, _q in level)
            auction.share_pro_rata(min(left, want), sorted(level), shares)
            left -= sum(shares[i] for _r, i, _q in level) - before
            j = k
        totals[side] = sum(shares[i] for i, b in enumerate(book) if b[1] == side)
    prices = {side: (got_parent[side][0] if side in got_parent else
                     (cfg.cap if side == "buy" else cfg.floor)) for side in ("buy", "sell")}
    awards = []
    local = {"buy": 0, "sell": 0}
    for i, (party, side, ref, got, _rest) in enumerate(book):
        total = got + shares[i]
        price = ((got * local_price + shares[i] * prices[side]) // total) if total else local_price
        awards.append((party, side, ref, price, total, got, shares[i]))
        local[side] += got
    return market._publish_clearing(s, local_price, min(local["buy"], local["sell"]),
                                    totals["sell"], totals["buy"], len(book), awards)

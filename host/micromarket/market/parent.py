"""Trading with a parent market: the residual goes up as one position, the award comes down.

At gate closure a child market clears its own book without the grid (``clear_local``). What is
left of every block is summed into a residual buy and sell curve and sent to the parent as a
Position signed by the child market. The parent clears it like any tender and awards the child
per side. ``finish`` shares each parent award among the blocks that made the residual (the best
limits first, the marginal ones pro rata) and gives every party one award: its local Wh and its
share, at the Wh-weighted price of the two. A side the parent did not award by the time the
interval starts falls back to the grid at this market's cap (buy) or floor (sell).

The child closes its gate early enough for the parent's: ``gate_for`` takes the parent's gate
from its context and adds a tenth of the interval for the position to travel.

After the interval the child delivers to the parent what crossed its connection
(``deliveries_due``): a Delivery signed by the child market whose ``wh`` is the street's net
exchange — every settled party's award plus what its deviation took from or gave to the grid — on
the side it went (``buy``: the street drew energy), naming the parent's award on that side if
there is one. It goes once every party that tendered has been settled, or when the child's own
delivery window closes (its silent parties are then settled as 0 Wh first); the parent waits
twice its own window for a child market. The parent settles it like any delivery and sends a
receipt, which the child books (``store_parent_receipt``) on its parent account and, opposite,
on its grid account: the money between the two neighbourhoods is in both ledgers.

A parent award that comes after the interval was shared out (the grid stood in for the parent)
is kept and logged, and shares nothing out: the parties' awards are final once published. The
child's delivery still names it, so the parent settles the child's net exchange against it and
the difference falls on the child's grid account (``late`` in ``store_parent_award``).
"""

import logging

import cbor2

from .. import protocol as P
from . import auction
from . import settlement as S
from .core import Market, Outbound
from .store import get_meta, set_meta, transaction

log = logging.getLogger(__name__)

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
    result = auction.clear(orders, *market.cfg.prices(s), grid=False)
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
            market.record("position", position)
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


def gate_for(own_gate: int, interval: int, parent: P.Context) -> int | None:
    """This market's gate under ``parent``: its own, or the parent's plus a tenth of the interval
    when that is earlier; None when the two cannot work together."""
    if parent.interval != interval:
        return None
    gate = max(own_gate, parent.gate + max(1, interval // 10))
    return gate if gate < interval else None


def store_parent_award(market: Market, award: P.Award, body: bytes) -> bool:
    """Keep a verified award of the parent for our position; False if it is not for us."""
    row = market.conn.execute("SELECT position FROM residuals WHERE interval = ?",
                              (award.interval,)).fetchone()
    if row is None or row[0] is None or P.message_hash(row[0]) != award.tender:
        return False
    if award.party != market.cfg.market:
        return False
    late = market.conn.execute("SELECT 1 FROM intervals WHERE interval = ?",
                               (award.interval,)).fetchone() is not None
    if late:
        log.warning("the parent's award of %d Wh (%s) for %d came after the interval was shared "
                    "out with the grid standing in; kept unmatched, the child's delivery names it",
                    award.wh, award.side, award.interval)
        market.counters["late-parent-award"] += 1
    with transaction(market.conn):
        market.conn.execute("INSERT OR REPLACE INTO parent_awards (interval, side, price, wh, body)"
                            " VALUES (?, ?, ?, ?, ?)",
                            (award.interval, award.side, award.price, award.wh, body))
        market.record("parent-award", body)
    return True


def witness_parent_head(market: Market, head: P.TreeHead) -> bool:
    """Keep the parent's newest verified tree head (named in our deliveries to it), refusing one
    that is smaller or, at the same size, another root; False when refused."""
    kept = get_meta(market.conn, "parent_head")
    size, root = cbor2.loads(kept) if kept is not None else (-1, b"")
    if head.size < size or (head.size == size and head.root != root):
        log.warning("the parent %s signed a tree head of %d entries after one of %d: its ledger "
                    "went back or forked; keeping ours", head.market, head.size, size)
        market.counters["stale-parent-head"] += 1
        return False
    with transaction(market.conn):
        set_meta(market.conn, "parent_head", cbor2.dumps([head.size, head.root]))
    return True


def net_exchange(market: Market, s: int) -> int:
    """Wh the street drew through its connection in ``s`` (negative: sent out), from the awards
    and deviations of the parties settled so far."""
    conn = market.conn
    awarded = conn.execute(
        "SELECT coalesce(sum(CASE a.side WHEN 'buy' THEN a.wh ELSE -a.wh END), 0) FROM awards a "
        "WHERE a.interval = ? AND EXISTS (SELECT 1 FROM grid g WHERE g.interval = a.interval AND "
        "g.party = a.party)", (s,)).fetchone()[0]
    deviated = conn.execute("SELECT coalesce(sum(imported - exported), 0) FROM grid WHERE "
                            "interval = ? AND kind != 'parent'", (s,)).fetchone()[0]
    return awarded + deviated


def deliveries_due(market: Market, parent: str) -> list[bytes]:
    """Sign and record the delivery to the parent of every interval that is complete."""
    c, conn, now = market.cfg, market.conn, market.now()
    out = []
    for (s,) in conn.execute(
            "SELECT r.interval FROM residuals r JOIN intervals i USING (interval) WHERE "
            "r.interval + ? <= ? AND NOT EXISTS (SELECT 1 FROM parent_settlements p WHERE "
            "p.interval = r.interval) ORDER BY r.interval", (c.interval, now)).fetchall():
        closed = s + c.interval * (1 + c.window) <= now
        waiting = conn.execute("SELECT 1 FROM awards a WHERE a.interval = ? AND NOT EXISTS "
                               "(SELECT 1 FROM grid g WHERE g.interval = a.interval AND "
                               "g.party = a.party) LIMIT 1", (s,)).fetchone()
        if waiting and not closed:
            continue
        net = net_exchange(market, s)
        awards = {side: (wh, body) for side, wh, body in conn.execute(
            "SELECT side, wh, body FROM parent_awards WHERE interval = ?", (s,))}
        side = "buy" if net > 0 else "sell" if net < 0 else next(
            (sd for sd, (wh, _b) in sorted(awards.items()) if wh > 0), None)
        with transaction(conn):
            if side is None:                 # nothing crossed, nothing awarded: nothing to settle
                conn.execute("INSERT INTO parent_settlements (interval, side, wh, delivery) "
                             "VALUES (?, 'buy', 0, x'')", (s,))
                continue
            seq = int(get_meta(conn, "parent_seq", 0)) + 1
            counter = (int(get_meta(conn, "parent_counter", 0)) + abs(net)) % (1 << 32)
            set_meta(conn, "parent_seq", seq)
            set_meta(conn, "parent_counter", counter)
            award = P.message_hash(bytes(awards[side][1])) if side in awards else None
            head = get_meta(conn, "parent_head")
            body = P.sign(P.Delivery(market=parent, party=c.market, seq=seq, interval=s,
                                     side=side, wh=abs(net), counter=counter, award=award,
                                     head=None if head is None else tuple(cbor2.loads(head))),
                          market.key, c.market)
            conn.execute("INSERT INTO parent_settlements (interval, side, wh, delivery) VALUES "
                         "(?, ?, ?, ?)", (s, side, abs(net), body))
            market.record("parent-delivery", body)
        out.append(body)
    return out


def unsettled_deliveries(market: Market) -> list[bytes]:
    """Deliveries to the parent still without its receipt (sent again until it comes)."""
    c = market.cfg
    since = market.now() - c.interval * (2 + 2 * c.window)
    return [bytes(b) for (b,) in market.conn.execute(
        "SELECT delivery FROM parent_settlements WHERE receipt IS NULL AND delivery != x'' AND "
        "interval >= ? ORDER BY interval", (since,))]


def store_parent_receipt(market: Market, parent: str, receipt: P.Receipt, body: bytes) -> bool:
    """Book the parent's verified receipt for our delivery; False if it is not for one of ours."""
    row = market.conn.execute("SELECT delivery, receipt FROM parent_settlements WHERE "
                              "interval = ?", (receipt.interval,)).fetchone()
    if (receipt.party != market.cfg.market or row is None or not row[0]
            or P.message_hash(bytes(row[0])) != receipt.delivery):
        return False
    if row[1] is not None:                   # a copy: booked already
        return True
    with transaction(market.conn):
        market.conn.execute("UPDATE parent_settlements SET amount = ?, receipt = ? WHERE "
                            "interval = ?", (receipt.amount, body, receipt.interval))
        S.book_grid(market.conn, receipt.interval, parent, "parent", receipt.amount)
        market.record("parent-receipt", body)
    return True


def finish(market: Market, s: int) -> list[Outbound]:
    """Share the parent's awards (or the grid fallback) and publish every party's award."""
    floor, cap = market.cfg.prices(s)
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
            price, wh = (cap, 1 << 62) if side == "buy" else (floor, 1 << 62)
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
                     (cap if side == "buy" else floor)) for side in ("buy", "sell")}
    awards = []
    local = {"buy": 0, "sell": 0}
    for i, (party, side, ref, got, _rest) in enumerate(book):
        total = got + shares[i]
        price = ((got * local_price + shares[i] * prices[side]) // total) if total else local_price
        awards.append((party, side, ref, price, total, got, shares[i]))
        local[side] += got
    return market._publish_clearing(s, local_price, min(local["buy"], local["sell"]),
                                    totals["sell"], totals["buy"], len(book), awards)
